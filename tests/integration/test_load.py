"""Load: 30 apps managed by a playbook with 10 forks while the simulator enforces a rate limit.

The simulator allows LIMIT requests per 60 s per user (Scalingo allows 60; twice that keeps the test to a
few minutes while the limit binds all along). The same run is made twice in one test: with the modules'
pacing at the same LIMIT (SCALINGO_RATE_LIMIT), then with pacing off, where every task backs off on its own
when refused. Both must end right, no app may be lost or created twice; with pacing, no request may be
refused and the token is exchanged once; and paced, the run may not take longer than unpaced. The figures
go to tests/output/load.json.
"""

from __future__ import annotations

import json
import os
import time

import requests
from conftest import ROOT, assert_ok_and_secret_free, run_playbook

LIMIT = 120
APPS = [f"load-app-{n:02d}" for n in range(1, 31)]
PLAYBOOK = """
- hosts: apps
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    sim_url: "{{ lookup('ansible.builtin.env', 'SCALINGO_API_URL') }}"
  module_defaults:
    group/scalingo.cloud.all:
      # Unpaced, a request may be refused again and again while nine other forks compete for the window.
      rate_limit_retry_timeout: 600
  tasks:
    - name: Create
      scalingo.cloud.scalingo_app:
        name: "{{ inventory_hostname }}"
    - name: Settings
      scalingo.cloud.scalingo_app:
        name: "{{ inventory_hostname }}"
        force_https: true
        router_logs: true
    - name: Deploy (the simulator's stand-in for a git push)
      ansible.builtin.uri:
        url: "{{ sim_url }}/_sim/apps/{{ inventory_hostname }}/deploy"
        method: POST
        body_format: json
        body: {containers: [{name: web, amount: 1}]}
    - name: Scale
      scalingo.cloud.scalingo_scale:
        app: "{{ inventory_hostname }}"
        containers: [{name: web, amount: 2}]
    - name: Restart
      scalingo.cloud.scalingo_restart:
        app: "{{ inventory_hostname }}"
    - name: Info
      scalingo.cloud.scalingo_app_info:
        name: "{{ inventory_hostname }}"
      register: info
    - name: The app is as configured
      ansible.builtin.assert:
        that:
          - info.apps | length == 1
          - info.apps[0].force_https
    - name: Delete
      scalingo.cloud.scalingo_app:
        name: "{{ inventory_hostname }}"
        state: absent
"""


def fleet_run(simulator, tmp_path, name, rate_limit):
    """One run of the playbook from an empty bearer cache, with the simulator reset (empty rate window)."""
    admin = requests.Session()
    admin.post(f"{simulator}/_sim/reset").raise_for_status()
    admin.post(
        f"{simulator}/_sim/config", json={"rate_limit": LIMIT, "rate_window": 60, "operation_duration": 0.5}
    ).raise_for_status()
    started = time.monotonic()
    try:
        result = run_playbook(
            simulator,
            str(tmp_path / f"cache-{name}"),
            str(tmp_path / "load.yml"),
            "-i",
            str(tmp_path / "inventory.ini"),
            "--forks",
            "10",
            verbosity=0,
            env={"SCALINGO_RATE_LIMIT": str(rate_limit)},
        )
    finally:
        log = admin.get(f"{simulator}/_sim/requests").json()["requests"]
        admin.post(f"{simulator}/_sim/config", json={"rate_limit": None, "rate_window": 60})
    elapsed = time.monotonic() - started
    assert_ok_and_secret_free(result)
    assert "failed=0" in result.stdout and result.stdout.count("ok=") == 30

    def count(method, path, status):
        return sum(1 for e in log if e["method"] == method and e["path"] == path and e["status"] == status)

    creates = [
        e["body"]["app"]["name"]
        for e in log
        if e["method"] == "POST" and e["path"] == "/v1/apps" and e["status"] == 201
    ]
    assert sorted(creates) == APPS  # each app created exactly once
    for app in APPS:
        assert count("DELETE", f"/v1/apps/{app}", 204) == 1
        assert count("POST", f"/v1/apps/{app}/scale", 202) == 1
        assert count("POST", f"/v1/apps/{app}/restart", 202) == 1
    # Every request is accounted for: an answer the run expected, or a refusal of the rate limit.
    assert not [e for e in log if e["status"] >= 500 or e["status"] == 0]
    assert not [e for e in log if 400 <= e["status"] < 500 and e["status"] not in (404, 429)]
    bearer = admin.post(f"{simulator}/v1/tokens/exchange", auth=("", "tk-us-simulator")).json()["token"]
    remaining = admin.get(f"{simulator}/v1/apps", headers={"Authorization": f"Bearer {bearer}"}).json()["apps"]
    assert [a["name"] for a in remaining if a["name"].startswith("load-app-")] == []

    times = sorted(e["time"] for e in log if e["status"] != 429)
    return {
        "requests": len(log),
        "refused_429": sum(1 for e in log if e["status"] == 429),
        "token_exchanges": sum(1 for e in log if e["path"] == "/v1/tokens/exchange"),
        "per_app": round(sum(1 for e in log if e["status"] != 429) / len(APPS), 1),
        "busiest_60s": max(sum(1 for t in times[i:] if t < start + 60) for i, start in enumerate(times)),
        "seconds": round(elapsed, 1),
    }


def test_thirty_apps_ten_forks_paced_and_unpaced(simulator, tmp_path):
    (tmp_path / "inventory.ini").write_text("[apps]\n" + "\n".join(APPS) + "\n")
    (tmp_path / "load.yml").write_text(PLAYBOOK)
    paced = fleet_run(simulator, tmp_path, "paced", LIMIT)
    unpaced = fleet_run(simulator, tmp_path, "unpaced", 0)
    figures = {
        "apps": len(APPS),
        "forks": 10,
        "rate_limit": f"{LIMIT} requests per 60 s per user",
        "paced": paced,
        "unpaced": unpaced,
        "cores": os.cpu_count(),
    }
    os.makedirs(os.path.join(ROOT, "tests", "output"), exist_ok=True)
    with open(os.path.join(ROOT, "tests", "output", "load.json"), "w", encoding="utf-8") as handle:
        json.dump(figures, handle, indent=2)
    print(f"load test figures: {figures}")
    assert unpaced["refused_429"] > 0, "unpaced, the rate limit was never hit: the test proves nothing"
    assert paced["refused_429"] == 0
    assert paced["token_exchanges"] == 1  # ten forks, an empty cache: one exchange
    assert paced["busiest_60s"] <= LIMIT
    # No worse than unpaced, measured in the same test (a tenth of slack for a busy machine's noise).
    assert paced["seconds"] <= unpaced["seconds"] * 1.1
