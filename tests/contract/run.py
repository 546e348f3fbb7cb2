"""The contract suite: python tests/contract/run.py check | live | sim | reference (see tests/contract/README.md).

check      exits 2 with one line unless SCALINGO_API_TOKEN and a valid SCALINGO_CONTRACT_PREFIX are set
live       check, then the playbooks against the real API through the recorder (tests/output/contract/real.json);
           on success that recording becomes tests/contract/reference.json, and the simulator is compared with it
sim        the playbooks against a fresh simulator through the recorder, compared with the reference
reference  the same simulator run, written as the reference (marked as not checked against the live API)
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(HERE, "contract.yml")
REFERENCE = os.path.join(HERE, "reference.json")
OUTPUT = os.path.join(ROOT, "tests", "output", "contract")
COLLECTIONS = os.path.join(ROOT, "build", "collections")

# Requests the recorder forwards in one run (token exchanges, retries and polls included), then 10 more for
# cleanup only. The steps send about 50 requests besides waiting; the waits for the deployment (300 s), the
# scale and the restart (120 s each) poll at most 68, 32 and 32 times.
BUDGET = 200
PREFIX = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,20}\Z")
# The prefix of the simulator runs (seed() gives them a leftover to delete and an app named alike to keep).
SIM_PREFIX = "contract"
FORMAT = "scalingo.cloud contract recording 1"
SIM_NOTE = (
    "Written by `make contract-reference` from the simulator: NOT yet checked against the live Scalingo API. "
    "`make contract`, run by a maintainer with a Scalingo account, replaces it with a live recording."
)
LIVE_NOTE = "Written by `make contract` from the live Scalingo API."


def problem(env) -> str | None:
    """Why the live run can't start, in one line, or None."""
    rule = "3 to 21 lowercase letters, digits and single inner hyphens, starting with a letter"
    needs = {
        "SCALINGO_API_TOKEN": "SCALINGO_API_TOKEN (an API token of a Scalingo account)",
        "SCALINGO_CONTRACT_PREFIX": f"SCALINGO_CONTRACT_PREFIX (a prefix that no other app name starts with: {rule})",
    }
    missing = [text for name, text in needs.items() if not env.get(name)]
    if missing:
        return f"make contract needs {' and '.join(missing)}; nothing was sent"
    if not PREFIX.match(env["SCALINGO_CONTRACT_PREFIX"]):
        # Not quoted: a token pasted into the wrong variable would be printed.
        return f"make contract: SCALINGO_CONTRACT_PREFIX is not {rule}; nothing was sent"
    return None


def contract_env(recorder_url: str, prefix: str) -> dict:
    """What the playbook run needs besides SCALINGO_API_URL / SCALINGO_AUTH_URL (the recorder) and the token."""
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))
    return {
        "SCALINGO_CONTRACT_PREFIX": prefix,
        "SCALINGO_CONTRACT_RECORDER": recorder_url,
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "contract_steps",
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }


def survivor(prefix: str) -> str:
    return f"{prefix}or-shop"


def seed(sim_url: str, prefix: str, names: list[str] | None = None) -> None:
    """A leftover of an interrupted run (deleted by the next one) and an app only named alike (kept).

    Operations and deployments last 6 s, so that the first poll (0.5 s after the request) finds them unfinished,
    as it does on the real API, even on a loaded machine: the shapes of an unfinished one are then always recorded.
    """
    import requests

    answer = requests.post(f"{sim_url}/_sim/config", json={"operation_duration": 6}, timeout=30)
    answer.raise_for_status()
    names = [f"{prefix}-app", survivor(prefix)] if names is None else names
    answer = requests.post(f"{sim_url}/_sim/apps", json={"names": names}, timeout=30)
    answer.raise_for_status()


def secrets_in(text: str, token: str | None = None) -> list[str]:
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from conftest import SECRETS

    found = sorted(set(SECRETS.findall(text)))
    return found + (["the API token"] if token and token in text else [])


def record(api: str, auth: str, token: str, prefix: str, log_name: str):
    """Run the playbooks through a recorder in front of api/auth; (ansible-playbook's exit code, recorder)."""
    from recorder import Recorder, Server

    recorder = Recorder(api, auth, prefix, BUDGET)
    os.makedirs(OUTPUT, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scalingo-contract-") as cache, Server(recorder) as server:
        env = dict(os.environ)
        env.update(contract_env(server.url, prefix))
        env.update(
            SCALINGO_API_TOKEN=token,
            SCALINGO_API_URL=server.url,
            SCALINGO_AUTH_URL=server.url,
            XDG_CACHE_HOME=cache,  # a bearer of its own, dropped at the end
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        )
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK, "-vvvv"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    log = os.path.join(OUTPUT, log_name)
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(result.stdout + result.stderr)
    print(f"{os.path.relpath(log, ROOT)}: ansible-playbook exited with {result.returncode}, {recorder.sent} requests")
    return result, recorder


def write(path: str, recording: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(recording, handle, indent=1)
        handle.write("\n")


def failed(result, recorder) -> bool:
    if result.returncode == 0 and not recorder.refused:
        return False
    for refused in recorder.refused:
        print(f"refused in '{refused['task']}': {refused['method']} {refused['path']}: {refused['reason']}")
    tail = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith(("fatal:", "failed:"))]
    print("\n".join(line[:500] for line in tail[-3:]) or "ansible-playbook failed: see the log")
    return True


def simulator_run(prefix: str = SIM_PREFIX, **header) -> dict | None:
    """The playbooks against a fresh simulator, seeded with a leftover; the recording, or None on failure."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
    import with_simulator

    process, url = with_simulator.start()
    try:
        seed(url, prefix)
        result, recorder = record(url, url, with_simulator.TOKEN, prefix, "simulator.log")
    finally:
        with_simulator.stop(process)
    recording = recorder.recording(format=FORMAT, source="simulator", **header)
    leaks = secrets_in(result.stdout + result.stderr + json.dumps(recording))
    if leaks:
        print(f"secrets in the output or the recording: {leaks}")
        return None
    if failed(result, recorder):
        return None
    write(os.path.join(OUTPUT, "simulator.json"), recording)
    return recording


def compare_with_reference(recording: dict) -> int:
    from compare import compare, report

    with open(REFERENCE, encoding="utf-8") as handle:
        reference = json.load(handle)
    differences, notes = compare(reference, recording)
    print(report(differences, notes, os.path.relpath(REFERENCE, ROOT)))
    return 1 if differences else 0


def live() -> int:
    env = os.environ
    token = env["SCALINGO_API_TOKEN"]
    region = env.get("SCALINGO_REGION") or "osc-fr1"
    api = env.get("SCALINGO_API_URL") or f"https://api.{region}.scalingo.com"
    auth = env.get("SCALINGO_AUTH_URL") or "https://auth.scalingo.com"
    result, recorder = record(api, auth, token, env["SCALINGO_CONTRACT_PREFIX"], "live.log")
    recording = recorder.recording(
        format=FORMAT,
        source="live",
        checked_against_live_api=True,
        note=LIVE_NOTE,
        recorded=datetime.date.today().isoformat(),
        api=api,
    )
    leaks = secrets_in(result.stdout + result.stderr + json.dumps(recording), token)
    if leaks:
        print(f"secrets in the output or the recording: {leaks}; nothing was kept but the log, delete it")
        return 1
    write(os.path.join(OUTPUT, "real.json"), recording)
    if failed(result, recorder):
        print("the live run failed: the reference is unchanged")
        return 1
    write(REFERENCE, recording)
    print(f"{os.path.relpath(REFERENCE, ROOT)} now holds the live recording; the simulator against it:")
    simulated = simulator_run()
    if simulated is None or compare_with_reference(simulated):
        print("The reference now holds Scalingo's answers: commit it with the simulator's fixes (make contract-sim).")
        return 1
    return 0


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.path.insert(0, HERE)
    if command in ("check", "live"):
        why = problem(os.environ)
        if why:
            print(why, file=sys.stderr)
            sys.exit(2)
        if command == "check":
            return
        sys.exit(live())
    if command == "sim":
        recording = simulator_run()
        sys.exit(1 if recording is None else compare_with_reference(recording))
    if command == "reference":
        recording = simulator_run(checked_against_live_api=False, note=SIM_NOTE)
        if recording is None:
            sys.exit(1)
        write(REFERENCE, recording)
        print(f"wrote {os.path.relpath(REFERENCE, ROOT)} from the simulator (not checked against the live API)")
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
