"""Shared helpers of the benchmark: the simulator, running plays, reading the request log."""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import requests

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))

import with_simulator

BIN = os.path.dirname(sys.executable)


class Sim:
    """The running simulator and its admin API."""

    def __init__(self, url, cache_dir):
        self.url = url
        self.cache_dir = cache_dir

    def admin(self, method, path, body=None):
        response = requests.request(method, f"{self.url}/_sim/{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def reset(self, **config):
        self.admin("POST", "reset")
        if config:
            self.admin("POST", "config", config)

    def last_seq(self):
        log = self.admin("GET", "requests")["requests"]
        return log[-1]["seq"] if log else 0

    def requests_since(self, seq):
        return self.admin("GET", f"requests?since={seq}")["requests"]

    def timed_get(self, path):
        """Seconds the simulator takes to answer GET `path` (with a fresh bearer), seen from here."""
        token = requests.post(f"{self.url}/v1/tokens/exchange", auth=("", with_simulator.TOKEN), timeout=60).json()[
            "token"
        ]
        started = time.monotonic()
        requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60).raise_for_status()
        return time.monotonic() - started

    def app_names(self):
        """Names of the default user's apps, asked through the API (one token exchange and one GET)."""
        token = requests.post(f"{self.url}/v1/tokens/exchange", auth=("", with_simulator.TOKEN), timeout=60).json()[
            "token"
        ]
        response = requests.get(f"{self.url}/v1/apps", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        response.raise_for_status()
        return [app["name"] for app in response.json()["apps"]]

    def operation(self, app, operation_id):
        """An operation as the API shows it (one token exchange and one GET, after the run: not in its log)."""
        token = requests.post(f"{self.url}/v1/tokens/exchange", auth=("", with_simulator.TOKEN), timeout=60).json()[
            "token"
        ]
        response = requests.get(
            f"{self.url}/v1/apps/{app}/operations/{operation_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["operation"]

    def create_apps(self, **body):
        return self.admin("POST", "apps", body)["apps"]

    def create_children(self, parent, **body):
        return self.admin("POST", f"apps/{parent}/child_apps", body)["apps"]

    def source_url(self, folder="bench"):
        """Download URL of an archive source, as if uploaded beforehand (for scalingo_deployment)."""
        files = {f"{folder}/index.html": "<h1>bench</h1>", f"{folder}/Procfile": "web: serve"}
        return self.admin("POST", "sources", {"files": files})["source"]["download_url"]

    def next_deployment(self, **body):
        return self.admin("POST", "next_deployment", body)


def ansible_env(sim, collections, cache_dir=None, **extra):
    env = with_simulator.environment(sim.url, cache_dir or sim.cache_dir)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections,
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH, "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_events",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    env.update(extra)
    return env


def play(tasks, name="bench"):
    return [{"name": name, "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def run_play(sim, collections, tasks):
    """Run one play (a list of tasks) with ansible-playbook.

    Returns {"wall": seconds, "cpu": seconds, "events": [{task, start, end, status, result}], "log": [requests]}.
    JSON is YAML, so the playbook is written with json.dump.
    """
    with tempfile.TemporaryDirectory(prefix="scalingo-bench-") as tmp:
        playbook, events = os.path.join(tmp, "play.yml"), os.path.join(tmp, "events.json")
        with open(playbook, "w", encoding="utf-8") as handle:
            json.dump(play(tasks), handle, indent=1)
        env = ansible_env(sim, collections, BENCH_EVENTS=events)
        seq = sim.last_seq()
        cpu, started = cpu_of_children(), time.monotonic()
        proc = subprocess.run(
            [os.path.join(BIN, "ansible-playbook"), playbook],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
        )
        wall, cpu = time.monotonic() - started, cpu_of_children() - cpu
        if proc.returncode != 0:
            raise RuntimeError(
                f"ansible-playbook failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
            )
        with open(events, encoding="utf-8") as handle:
            recorded = json.load(handle)
    return {"wall": wall, "cpu": cpu, "events": recorded, "log": sim.requests_since(seq)}


RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def run_fleet(
    sim, collections, tasks, hosts, forks, cache_dir, timeout, module_defaults=None, play_options=None, **env_extra
):
    """Run one play over an inventory of `hosts` (each host an app) with `forks` forks, from a bearer cache of its own.

    A failed host does not stop the benchmark (failures are figures here). Returns {"wall", "cpu",
    "returncode", "events", "log", "recap": {host: {"ok", "failed", "unreachable"}}}. `play_options`: more
    keys of the play (`serial`).
    """
    fleet_play = [{"name": "fleet", "hosts": "fleet", "connection": "local", "gather_facts": False, "tasks": tasks}]
    fleet_play[0]["vars"] = {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    fleet_play[0].update(play_options or {})
    if module_defaults:
        fleet_play[0]["module_defaults"] = {"group/scalingo.cloud.all": module_defaults}
    with tempfile.TemporaryDirectory(prefix="scalingo-bench-fleet-") as tmp:
        playbook, events = os.path.join(tmp, "play.yml"), os.path.join(tmp, "events.json")
        inventory = os.path.join(tmp, "inventory.ini")
        with open(playbook, "w", encoding="utf-8") as handle:
            json.dump(fleet_play, handle, indent=1)
        with open(inventory, "w", encoding="utf-8") as handle:
            handle.write("[fleet]\n" + "\n".join(hosts) + "\n")
        env = ansible_env(sim, collections, cache_dir, BENCH_EVENTS=events, **env_extra)
        for name in [name for name, value in env.items() if value is None]:  # None: left unset
            del env[name]
        seq = sim.last_seq()
        cpu, started = cpu_of_children(), time.monotonic()
        proc = subprocess.run(
            [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "--forks", str(forks), playbook],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
            timeout=timeout,
        )
        wall, cpu = time.monotonic() - started, cpu_of_children() - cpu
        recorded = []
        if os.path.exists(events):
            with open(events, encoding="utf-8") as handle:
                recorded = json.load(handle)
    recap = {
        m[1]: {"ok": int(m[2]), "failed": int(m[5]), "unreachable": int(m[4])} for m in RECAP.finditer(proc.stdout)
    }
    if not recap:
        raise RuntimeError(f"ansible-playbook ended without a recap ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return {
        "wall": wall,
        "cpu": cpu,
        "returncode": proc.returncode,
        "events": recorded,
        "log": sim.requests_since(seq),
        "recap": recap,
    }


def cpu_of_children():
    """CPU seconds (user + system) of every finished child process and its descendants so far.

    ansible-playbook waits for its workers and they for the modules, so a play's delta counts all of
    its processes; the simulator is not counted (it is waited for only at the end).
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def task_requests(run, task_name):
    """The event of the task called `task_name` and the requests the simulator logged during it."""
    event = next(e for e in run["events"] if e["task"] == task_name)
    return event, [r for r in run["log"] if event["start"] <= r["time"] <= event["end"]]


# What a waiter reads again and again: an operation, an addon being provisioned, a deployment.
POLL_PATH = re.compile(r"^(/v1)?(/apps/[^/]+/(addons|deployments)/[^/]+|.*/operations/[^/]+)$")


def is_poll(entry):
    return entry["method"] == "GET" and bool(POLL_PATH.match(entry["path"]))


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def median(values):
    return statistics.median(values) if values else None


def module_available(collections, module):
    path = os.path.join(collections, "ansible_collections", "scalingo", "cloud", "plugins", "modules", f"{module}.py")
    return os.path.exists(path)


start_simulator = with_simulator.start  # () -> (process, base URL)
stop_simulator = with_simulator.stop
