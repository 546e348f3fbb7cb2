"""The roles (review_app, app) and playbooks (review_app.yml, fleet_audit.yml), run by real ansible-playbook
at -vvvv against the simulator: what they change, that a rerun changes nothing, that check mode sends
no write (the simulator's request log), and that nothing secret shows in the output.
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.request

import with_simulator
from conftest import ROOT, assert_ok_and_secret_free, failures, run_playbook

PLAYBOOKS = os.path.join(ROOT, "playbooks")


def sim(url, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path, data=data, method=method, headers=dict({"Content-Type": "application/json"}, **(headers or {}))
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def api(url, method, path, body=None):
    """Call the simulated Scalingo API as the default user (outside the log's interest: cleared after)."""
    basic = base64.b64encode(f":{with_simulator.TOKEN}".encode()).decode()
    bearer = sim(url, "POST", "/v1/tokens/exchange", headers={"Authorization": f"Basic {basic}"})["token"]
    return sim(url, method, f"/v1{path}", body, headers={"Authorization": f"Bearer {bearer}"})


def fresh(url):
    sim(url, "POST", "/_sim/reset")
    sim(url, "POST", "/_sim/config", {"operation_duration": 0.5})


def log(url):
    return sim(url, "GET", "/_sim/requests")["requests"]


def writes(url):
    return [f"{r['method']} {r['path']}" for r in log(url) if r["mutating"]]


def clear(url):
    sim(url, "DELETE", "/_sim/requests")


def changed(result):
    counts = re.findall(r"^localhost\s+: ok=\d+\s+changed=(\d+)", result.stdout, re.M)
    assert counts, failures(result.stdout + result.stderr)
    return int(counts[-1])


def play(url, cache_dir, playbook, *args):
    clear(url)
    result = run_playbook(url, cache_dir, playbook, *args)
    assert_ok_and_secret_free(result)
    return result


def test_review_app_up_rerun_down(simulator, cache_dir, tmp_path):
    fresh(simulator)
    sim(
        simulator,
        "POST",
        "/_sim/apps",
        {"names": ["shop-main"], "deploy": [{"name": "web", "amount": 1}, {"name": "worker", "amount": 0}]},
    )
    api(simulator, "PATCH", "/apps/shop-main", {"app": {"force_https": True}})
    deploy = tmp_path / "deploy.yml"
    deploy.write_text(
        "- name: Deploy the review app with the parent's Procfile (the simulator's stand-in for a git push)\n"
        "  ansible.builtin.uri:\n"
        "    url: \"{{ lookup('ansible.builtin.env', 'SCALINGO_API_URL') }}/_sim/apps/{{ review_app_name }}/deploy\"\n"
        "    method: POST\n"
        "    body_format: json\n"
        "    body: {containers: [{name: web, amount: 1}, {name: worker, amount: 0}]}\n"
        "  when: review_app_created\n",
        encoding="utf-8",
    )
    playbook = "scalingo.cloud.review_app"  # as users run it: by name, from the installed collection
    up = (
        "-e",
        "parent=shop-main",
        "-e",
        "pr=7",
        "-e",
        f"deploy_tasks={deploy}",
        "-e",
        json.dumps({"formation": [{"name": "web", "amount": 2, "size": "S"}, {"name": "worker", "amount": 1}]}),
    )

    result = play(simulator, cache_dir, playbook, *up)
    assert changed(result) >= 3
    assert "review app shop-main-pr7 running at https://shop-main-pr7.osc-fr1.scalingo.io" in result.stdout
    assert writes(simulator) == [
        "POST /v1/apps/shop-main/child_apps",
        "PATCH /v1/apps/shop-main-pr7",
        "POST /v1/apps/shop-main-pr7/scale",
    ]
    child = api(simulator, "GET", "/apps/shop-main-pr7")["app"]
    assert child["parent_app_name"] == "shop-main" and child["force_https"] is True and child["status"] == "running"
    formation = {
        c["name"]: (c["amount"], c["size"])
        for c in api(simulator, "GET", "/apps/shop-main-pr7/containers")["containers"]
    }
    assert formation == {"web": (2, "S"), "worker": (1, "M")}
    # The scale operation was waited for.
    assert any("/operations/" in r["path"] for r in log(simulator))

    result = play(simulator, cache_dir, playbook, *up)
    assert changed(result) == 0
    assert writes(simulator) == []

    down = ("-e", "parent=shop-main", "-e", "pr=7", "-e", "state=down")
    result = play(simulator, cache_dir, playbook, *down, "--check")
    assert changed(result) == 1
    assert writes(simulator) == []

    result = play(simulator, cache_dir, playbook, *down)
    assert changed(result) == 1
    assert "review app shop-main-pr7 deleted" in result.stdout
    assert writes(simulator) == ["DELETE /v1/apps/shop-main-pr7"]
    assert [a["name"] for a in api(simulator, "GET", "/apps")["apps"]] == ["shop-main"]

    result = play(simulator, cache_dir, playbook, *down)
    assert changed(result) == 0
    assert writes(simulator) == []


def test_review_app_needs_its_extra_vars(simulator, cache_dir):
    clear(simulator)
    result = run_playbook(simulator, cache_dir, os.path.join(PLAYBOOKS, "review_app.yml"), "-e", "pr=7", verbosity=0)
    assert result.returncode != 0
    assert "give -e parent=<parent app>" in result.stdout
    assert log(simulator) == []


def test_review_app_that_does_not_run_fails(simulator, cache_dir):
    fresh(simulator)
    sim(simulator, "POST", "/_sim/apps", {"names": ["shop-main"], "deploy": [{"name": "web", "amount": 1}]})
    sim(
        simulator,
        "POST",
        "/_sim/apps/shop-main/child_apps",
        {"names": ["shop-main-pr9"], "deploy": [{"name": "web", "amount": 1}]},
    )
    sim(simulator, "POST", "/_sim/apps/shop-main-pr9/status", {"status": "crashed"})
    clear(simulator)
    result = run_playbook(
        simulator,
        cache_dir,
        "scalingo.cloud.review_app",
        "-e",
        "parent=shop-main",
        "-e",
        "pr=9",
        "-e",
        "review_app_wait_timeout=1",
        verbosity=0,
    )
    assert result.returncode != 0
    assert "review app 'shop-main-pr9' is crashed, not running, after review_app_wait_timeout=1 s" in result.stdout
    assert writes(simulator) == []


APP_PLAY = """
- name: One app from one variable
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    app_defaults:
      router_logs: true
    scalingo_app:
      name: shop-api
      force_https: true
      sticky_session: true
      owner: owner@example.com
      formation:
        - {name: web, amount: 2, size: L}
  roles:
    - scalingo.cloud.app
  post_tasks:
    - name: Show the URL fact
      ansible.builtin.debug:
        msg: "app at {{ app_url }}"
"""


def test_app_role_apply_and_rerun(simulator, cache_dir, tmp_path):
    fresh(simulator)
    playbook = tmp_path / "app.yml"
    playbook.write_text(APP_PLAY, encoding="utf-8")

    result = play(simulator, cache_dir, str(playbook), "--check")
    assert changed(result) == 1
    assert writes(simulator) == []

    result = play(simulator, cache_dir, str(playbook))
    assert changed(result) == 2
    assert "app at https://shop-api.osc-fr1.scalingo.io" in result.stdout
    assert writes(simulator) == ["POST /v1/apps", "PATCH /v1/apps/shop-api", "POST /v1/apps/shop-api/scale"]
    app = api(simulator, "GET", "/apps/shop-api")["app"]
    assert (app["force_https"], app["sticky_session"], app["router_logs"]) == (True, True, True)
    assert [
        (c["name"], c["amount"], c["size"]) for c in api(simulator, "GET", "/apps/shop-api/containers")["containers"]
    ] == [("web", 2, "L")]

    result = play(simulator, cache_dir, str(playbook))
    assert changed(result) == 0
    assert writes(simulator) == []
    # Unchanged: one read of the app and one of its formation (the bearer is cached).
    assert sorted(f"{r['method']} {r['path']}" for r in log(simulator)) == [
        "GET /v1/apps/shop-api",
        "GET /v1/apps/shop-api/containers",
    ]


def test_fleet_audit_report_and_fix(simulator, cache_dir):
    fresh(simulator)
    sim(
        simulator,
        "POST",
        "/_sim/apps",
        {
            "names": ["audit-plain", "audit-crashed", "audit-secure"],
            "deploy": [{"name": "web", "amount": 2, "size": "L"}],
        },
    )
    sim(simulator, "POST", "/_sim/apps/audit-crashed/status", {"status": "crashed"})
    api(simulator, "PATCH", "/apps/audit-secure", {"app": {"force_https": True}})
    playbook = "scalingo.cloud.fleet_audit"

    result = play(simulator, cache_dir, playbook)
    assert changed(result) == 0
    assert "without force_https (2): audit-crashed, audit-plain" in result.stdout
    assert "crashed (1): audit-crashed" in result.stdout
    assert "audit-secure formation (type:amount:size): web:2:L" in result.stdout
    assert writes(simulator) == []

    result = play(simulator, cache_dir, playbook, "-e", "fix=true", "--check")
    assert changed(result) == 1
    assert writes(simulator) == []
    assert api(simulator, "GET", "/apps/audit-plain")["app"]["force_https"] is False

    result = play(simulator, cache_dir, playbook, "-e", "fix=true")
    assert changed(result) == 1
    assert sorted(writes(simulator)) == ["PATCH /v1/apps/audit-crashed", "PATCH /v1/apps/audit-plain"]
    assert all(a["force_https"] for a in api(simulator, "GET", "/apps")["apps"])

    clear(simulator)
    result = run_playbook(
        simulator, cache_dir, playbook, "-e", "fail_on_findings=true", "-e", "formations=false", verbosity=0
    )
    assert result.returncode != 0
    assert "crashed: audit-crashed; without force_https: none" in result.stdout
    assert writes(simulator) == []
    assert not [r for r in log(simulator) if r["path"].endswith("/containers")]
