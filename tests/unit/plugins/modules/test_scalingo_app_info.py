from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._client import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_app_info import metric_problem, metric_request, no_data


def query(**kwargs):
    base = {"name": "cpu", "container_type": None, "index": None, "since": None, "status_code": None, "recommended": False}
    base.update(kwargs)
    return base


@pytest.mark.parametrize("q", [
    query(container_type="web"),
    query(container_type="web", index=2, since=71),
    query(name="memory", container_type="worker-2"),
    query(name="swap", container_type="clock_1", since=1),
    query(name="router"),
    query(name="router", status_code="5XX", since=24),
    query(recommended=True, container_type="web"),
    query(name="5XX", recommended=True),
    query(name="all", recommended=True),
    query(name="rpm_per_container", recommended=True, container_type="web"),
    query(name="p95_response_time", recommended=True),
])
def test_valid_queries(q):
    assert metric_problem(q) is None


@pytest.mark.parametrize("q, problem", [
    (query(), "'cpu' needs container_type (web, worker, ...)"),
    (query(name="memory", recommended=True), "'memory' needs container_type (web, worker, ...)"),
    (query(name="5XX"), "'5XX' is only available with recommended=true; time series are: cpu, memory, swap, router"),
    (query(name="router", recommended=True),
     "'router' has no recommended value; those metrics are: cpu, memory, swap, 5XX, all, rpm_per_container, p95_response_time"),
    (query(container_type="web", recommended=True, since=3), "since can't be used with recommended=true"),
    (query(name="all", recommended=True, status_code="5XX", index=1), "index and status_code can't be used with recommended=true"),
    (query(name="router", container_type="web"), "container_type can't be used with the router metric (it covers every container)"),
    (query(container_type="web", status_code="2XX"), "status_code is only used with the router metric"),
    (query(container_type="web", index=0), "index must be 1 or more, got 0"),
    (query(container_type="web", index=-3), "index must be 1 or more, got -3"),
    (query(container_type="../x"), "container_type '../x' is invalid: give a container type of the app, such as web or worker"),
    (query(container_type="web?since=1"), "container_type 'web?since=1' is invalid: give a container type of the app, such as web or worker"),
    (query(name="5XX", recommended=True, container_type=""), "container_type '' is invalid: give a container type of the app, such as web or worker"),
    (query(container_type="web", since=0), "since must be between 1 and 71 hours, got 0"),
    (query(container_type="web", since=72), "since must be between 1 and 71 hours, got 72"),
])
def test_invalid_queries(q, problem):
    assert metric_problem(q) == problem


@pytest.mark.parametrize("q, path, params", [
    (query(container_type="web"), "/apps/a/stats/cpu/web", None),
    (query(container_type="web", index=2, since=48), "/apps/a/stats/cpu/web/2", {"since": 48}),
    (query(name="router", status_code="5XX"), "/apps/a/stats/router", {"status_code": "5XX"}),
    (query(recommended=True, container_type="web"), "/apps/a/stats/cpu/recommended_value", {"container_type": "web"}),
    (query(name="all", recommended=True), "/apps/a/stats/all/recommended_value", None),
])
def test_metric_request(q, path, params):
    assert metric_request("a", q) == (path, params)


@pytest.mark.parametrize("exc, empty", [
    (ScalingoError("x", status=404, error="no metrics found"), True),
    (ScalingoError("x", status=404, error="not found", resource="container_type"), False),
    (ScalingoError("x", status=404, error="not found", resource="app"), False),
    (ScalingoError("x", status=400, error="'container' should be defined"), False),
])
def test_no_data(exc, empty):
    assert no_data(exc) is empty
