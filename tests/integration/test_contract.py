"""The contract suite (tests/contract) against the simulator, through its recording proxy.

The playbooks run as `make contract` runs them against the real API; the recording must match the committed
reference (tests/contract/reference.json). Also: what a run does with leftovers and with apps that merely
start like the prefix, that a spent budget still lets the cleanup through, and that `make contract` without
its variables sends nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import requests
from conftest import ROOT, SECRETS, assert_ok_and_secret_free, failures, run_playbook

CONTRACT = os.path.join(ROOT, "tests", "contract")
sys.path.insert(0, CONTRACT)
_spec = importlib.util.spec_from_file_location("contract_run", os.path.join(CONTRACT, "run.py"))
contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(contract)

from compare import compare, report
from recorder import Recorder, Server

pytestmark = pytest.mark.newest_only  # a maintainers' tool: one ansible-core is enough

PREFIX = contract.SIM_PREFIX
KEPT = os.path.join(ROOT, "tests", "output", "contract")


@pytest.fixture
def sim(simulator):
    """The worker's simulator, reset afterwards: the contract runs leave it with 6 s operations."""
    yield simulator
    requests.post(f"{simulator}/_sim/reset", timeout=30).raise_for_status()


def sim_log(url):
    return requests.get(f"{url}/_sim/requests", timeout=30).json()["requests"]


def app_names(url):
    bearer = requests.post(f"{url}/v1/tokens/exchange", auth=("", "tk-us-simulator"), timeout=30).json()["token"]
    apps = requests.get(f"{url}/v1/apps", headers={"Authorization": f"Bearer {bearer}"}, timeout=30).json()["apps"]
    return {app["name"] for app in apps}


def run_contract(simulator, tmp_path, monkeypatch, seeds, budget=contract.BUDGET, log="test"):
    """Reset and seed the simulator, run the playbooks through a recorder; (result, recorder, the simulator's log)."""
    requests.post(f"{simulator}/_sim/reset", timeout=30).raise_for_status()
    contract.seed(simulator, PREFIX, seeds)
    recorder = Recorder(simulator, simulator, PREFIX, budget)
    with Server(recorder) as server:
        for name, value in contract.contract_env(server.url, PREFIX).items():
            monkeypatch.setenv(name, value)
        result = run_playbook(server.url, str(tmp_path), contract.PLAYBOOK)
    os.makedirs(KEPT, exist_ok=True)
    with open(os.path.join(KEPT, f"{log}.log"), "w", encoding="utf-8") as handle:
        handle.write(result.stdout + result.stderr)
    return result, recorder, sim_log(simulator)


def test_contract_matches_the_reference(sim, tmp_path, monkeypatch):
    leftover, survivor = f"{PREFIX}-app", contract.survivor(PREFIX)
    result, recorder, log = run_contract(sim, tmp_path, monkeypatch, [leftover, survivor], log="test-simulator")
    assert_ok_and_secret_free(result)
    recording = recorder.recording(format=contract.FORMAT, source="simulator")
    text = json.dumps(recording)
    assert not SECRETS.findall(text), "secrets in the recording"
    with open(os.path.join(KEPT, "test-simulator.json"), "w", encoding="utf-8") as handle:
        handle.write(text)

    with open(contract.REFERENCE, encoding="utf-8") as handle:
        reference = json.load(handle)
    differences, notes = compare(reference, recording)
    assert not differences, report(differences, notes, "tests/contract/reference.json")
    assert recording["requests"] <= contract.BUDGET and not recording["refused"]

    # The leftover was deleted before the run made its own app of that name; the app that only starts like
    # the prefix was never even read; the run's apps are gone.
    deletes = [entry["path"] for entry in log if entry["method"] == "DELETE" and entry["path"].count("/") == 3]
    assert deletes == [f"/v1/apps/{leftover}", f"/v1/apps/{PREFIX}-renamed"]
    assert not [entry for entry in log if survivor in entry["path"]]
    assert app_names(sim) == {survivor}


def test_a_stranger_with_the_prefix_stops_the_run(sim, tmp_path, monkeypatch):
    stranger = f"{PREFIX}-prod"
    result, _recorder, log = run_contract(sim, tmp_path, monkeypatch, [f"{PREFIX}-app", stranger], log="test-stranger")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{stranger} start with '{PREFIX}-' but are not apps of the contract run; nothing was deleted" in output
    assert [(entry["method"], entry["path"]) for entry in log] == [("POST", "/v1/tokens/exchange"), ("GET", "/v1/apps")]
    assert app_names(sim) == {f"{PREFIX}-app", stranger}
    assert not SECRETS.findall(output)


def test_a_spent_budget_stops_the_run_and_the_cleanup_still_runs(sim, tmp_path, monkeypatch):
    result, recorder, log = run_contract(sim, tmp_path, monkeypatch, [], budget=12, log="test-budget")
    output = result.stdout + result.stderr
    assert result.returncode != 0, failures(output)
    assert "the budget of 12 requests is spent" in output
    assert recorder.refused and recorder.sent <= 12 + 10
    # The run got as far as the renamed app; the always block deleted it past the budget.
    assert [entry["path"] for entry in log if entry["method"] == "DELETE"] == [f"/v1/apps/{PREFIX}-renamed"]
    assert app_names(sim) == set()
    refused = {(entry["method"], entry["path"]) for entry in recorder.refused}
    assert all(method not in ("GET", "DELETE") or path.count("/") > 3 for method, path in refused)


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"SCALINGO_API_TOKEN": "tk-us-simulator"},
        {"SCALINGO_CONTRACT_PREFIX": "ct-jdoe"},
        *(
            {"SCALINGO_API_TOKEN": "tk-us-simulator", "SCALINGO_CONTRACT_PREFIX": prefix}
            for prefix in [
                "",
                "ab",
                "ab-",
                "-abc",
                "a--bc",
                "Ab-cd",
                "1abc",
                "ab cd",
                "ab_cd",
                "a" * 22,
                "tk-us-AbC123_xyz",
            ]
        ),
    ],
)
def test_contract_refuses_to_start_and_sends_nothing(simulator, variables):
    requests.delete(f"{simulator}/_sim/requests", timeout=30).raise_for_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCALINGO_")}
    env.update(variables, SCALINGO_API_URL=simulator, SCALINGO_AUTH_URL=simulator)
    result = subprocess.run(
        [sys.executable, os.path.join(CONTRACT, "run.py"), "live"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.rstrip().endswith("; nothing was sent")
    assert "tk-us-" not in result.stderr
    assert sim_log(simulator) == []


def test_make_contract_refuses_to_start_and_sends_nothing(simulator):
    requests.delete(f"{simulator}/_sim/requests", timeout=30).raise_for_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCALINGO_", "MAKE"))}
    env.update(SCALINGO_API_URL=simulator, SCALINGO_AUTH_URL=simulator, SCALINGO_CONTRACT_PREFIX="ct-jdoe")
    result = subprocess.run(["make", "-s", "contract"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "make contract needs SCALINGO_API_TOKEN (an API token of a Scalingo account); nothing was sent"
    )
    assert sim_log(simulator) == []
