import contextlib

import pytest
from sim_client import OPERATION_DURATION, Sim, serving

from scalingo_sim import create_app


@pytest.fixture
def flask_app():
    return create_app({"operation_duration": OPERATION_DURATION})


@pytest.fixture
def client(flask_app):
    return flask_app.test_client()


@pytest.fixture
def sim(client):
    return Sim(client)


@pytest.fixture
def deployed(sim):
    """A deployed app with web x2 and worker x1."""
    sim.create_app("deployed-app")
    return sim.deploy("deployed-app", [{"name": "web", "amount": 2}, {"name": "worker", "amount": 1, "size": "S"}])


@pytest.fixture
def serve():
    """serve(config) starts the simulator with `config` on a real server for the test: (app, url)."""
    with contextlib.ExitStack() as stack:
        yield lambda config: stack.enter_context(serving(config))
