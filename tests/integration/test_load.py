"""Load: 30 apps managed by a playbook with 10 forks while the simulator enforces Scalingo's rate limit.

The simulator allows 60 requests per window per user, as Scalingo does per minute; the window is
shortened to 12 s (5 requests/s, below what 10 forks send here) so the run takes about a minute while
the limit is hit again and again. Every task must end right, no app may be lost or created twice, and
the figures go to tests/output/load.json.
"""

from __future__ import annotations

import json
import os
import time

import requests
from conftest import ROOT, assert_ok_and_secret_free, run_playbook

APPS = [f"load-app-{n:02d}" for n in range(1, 31)]
PLAYBOOK = """
- hosts: apps
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    sim_url: "{{ lookup('ansible.builtin.env', 'SCALINGO_API_URL') }}"
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


def test_thirty_apps_ten_forks_under_the_rate_limit(simulator, cache_dir, tmp_path):
    admin = requests.Session()
    admin.post(f"{simulator}/_sim/reset").raise_for_status()
    admin.post(
        f"{simulator}/_sim/config", json={"rate_limit": 60, "rate_window": 12, "operation_duration": 0.5}
    ).raise_for_status()
    (tmp_path / "inventory.ini").write_text("[apps]\n" + "\n".join(APPS) + "\n")
    (tmp_path / "load.yml").write_text(PLAYBOOK)
    started = time.monotonic()
    try:
        result = run_playbook(
            simulator,
            cache_dir,
            str(tmp_path / "load.yml"),
            "-i",
            str(tmp_path / "inventory.ini"),
            "--forks",
            "10",
            verbosity=0,
        )
    finally:
        log = admin.get(f"{simulator}/_sim/requests").json()["requests"]
        admin.post(f"{simulator}/_sim/config", json={"rate_limit": None, "rate_window": 60})
    elapsed = time.monotonic() - started
    assert_ok_and_secret_free(result)
    assert "failed=0" in result.stdout and result.stdout.count("ok=") == 30

    def count(method, suffix, status):
        return sum(1 for e in log if e["method"] == method and e["path"].endswith(suffix) and e["status"] == status)

    creates = [
        e["body"]["app"]["name"]
        for e in log
        if e["method"] == "POST" and e["path"] == "/v1/apps" and e["status"] == 201
    ]
    assert sorted(creates) == APPS  # each app created exactly once
    assert sum(count("DELETE", f"/v1/apps/{app}", 204) for app in APPS) == 30
    assert sum(count("POST", f"/v1/apps/{app}/scale", 202) for app in APPS) == 30
    assert sum(count("POST", f"/v1/apps/{app}/restart", 202) for app in APPS) == 30
    throttled = sum(1 for e in log if e["status"] == 429)
    assert throttled > 0, "the rate limit was never hit: the test proves nothing"
    assert not [e for e in log if e["status"] >= 500 or e["status"] == 0]

    bearer = admin.post(f"{simulator}/v1/tokens/exchange", auth=("", "tk-us-simulator")).json()["token"]
    remaining = admin.get(f"{simulator}/v1/apps", headers={"Authorization": f"Bearer {bearer}"}).json()["apps"]
    assert [a["name"] for a in remaining if a["name"].startswith("load-app-")] == []

    figures = {
        "apps": len(APPS),
        "forks": 10,
        "rate_limit": "60 requests per 12 s window per user",
        "requests": len(log),
        "throttled_429": throttled,
        "per_app": round((len(log) - throttled) / len(APPS), 1),
        "seconds": round(elapsed, 1),
        "cores": os.cpu_count(),
    }
    os.makedirs(os.path.join(ROOT, "tests", "output"), exist_ok=True)
    with open(os.path.join(ROOT, "tests", "output", "load.json"), "w", encoding="utf-8") as handle:
        json.dump(figures, handle, indent=2)
    print(f"load test figures: {figures}")
