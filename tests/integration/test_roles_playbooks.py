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

import pytest
import with_simulator
from conftest import ROOT, assert_ok_and_secret_free, failures, run_playbook

# The review app and fleet audit playbooks, and the app role with every part, run on the newest ansible-core only:
# they compose modules whose targets run on both; the app role's entry (argument specs, module_defaults, an apply
# and its rerun) runs on both.
NEWEST_ONLY = pytest.mark.newest_only

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


@NEWEST_ONLY
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


@NEWEST_ONLY
def test_review_app_needs_its_extra_vars(simulator, cache_dir):
    clear(simulator)
    result = run_playbook(simulator, cache_dir, os.path.join(PLAYBOOKS, "review_app.yml"), "-e", "pr=7", verbosity=0)
    assert result.returncode != 0
    assert "give -e parent=<parent app>" in result.stdout
    assert log(simulator) == []


@NEWEST_ONLY
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


@NEWEST_ONLY
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


APP_PARTS_PLAY = """
- name: One app with all its parts from one variable
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    scalingo_app:
      name: shop-full
      force_https: true
      formation:
        - {name: web, amount: 2}
      addons:
        - {provider: postgresql, plan: postgresql-sandbox}
        - {provider: redis, plan: redis-sandbox}
      env:
        APP_ENV: production
        WEB_CONCURRENCY: 3
        API_KEY: s3cr3t-api-key-42
        DATABASE_URL: $SCALINGO_POSTGRESQL_URL
      collaborators:
        - {email: dev@example.com, limited: false}
        - {email: Support@Example.com, limited: true}
      autoscalers:
        - {container_type: web, metric: cpu, target: 0.75, min_containers: 2, max_containers: 4}
      domains:
        - {name: www.shop-full.example, canonical: true}
      notifiers:
        - name: ops-hook
          platform: webhook
          webhook_url: https://hooks.example.com/services/s3cr3t-hook-url
          events: [app_deployed, app_crashed]
        - {name: on-call, platform: email, emails: [oncall@example.com], events: [], send_all_alerts: true}
      alerts:
        - {container_type: web, metric: cpu, limit: 0.8, duration_before_trigger: 3m, notifiers: [ops-hook]}
      log_drains:
        - url: syslog://:s3cr3t-drain-token@logs.example.com:6514
        - {type: datadog, token: s3cr3t-datadog-key, drain_region: eu}
      scm_repo_link:
        source: https://github.com/my-org/shop-full
        integration: github
        branch: main
        auto_deploy: true
  roles:
    - scalingo.cloud.app
"""


@NEWEST_ONLY
def test_app_role_parts_apply_rerun_and_change(simulator, cache_dir, tmp_path):
    fresh(simulator)
    sim(simulator, "POST", "/_sim/apps", {"names": ["shop-full"], "deploy": [{"name": "web", "amount": 1}]})
    sim(simulator, "POST", "/_sim/scm_integrations", {"scm_type": "github", "username": "jane"})
    playbook = tmp_path / "app.yml"
    playbook.write_text(APP_PARTS_PLAY, encoding="utf-8")

    result = play(simulator, cache_dir, str(playbook), "--check")
    # All but the alerts, which name a notifier that does not exist yet (the task is skipped).
    assert changed(result) == 10
    assert writes(simulator) == []

    result = play(simulator, cache_dir, str(playbook))
    # Settings, formation, addons, env, collaborators, autoscalers, domains, notifiers, alerts, drains, repo link.
    assert changed(result) == 11
    done = writes(simulator)
    assert done[-6:] == [
        "POST /v1/apps/shop-full/notifiers",
        "POST /v1/apps/shop-full/notifiers",
        "POST /v1/apps/shop-full/alerts",
        "POST /v1/apps/shop-full/log_drains",
        "POST /v1/apps/shop-full/log_drains",
        "POST /v1/apps/shop-full/scm_repo_link",
    ]
    assert done[:2] == ["PATCH /v1/apps/shop-full", "POST /v1/apps/shop-full/scale"]
    assert done.count("POST /v1/apps/shop-full/addons") == 2
    assert done.count("POST /v1/apps/shop-full/collaborators") == 2
    assert "POST /v1/apps/shop-full/autoscalers" in done
    assert any(w.startswith("PUT /v1/apps/shop-full/variables") for w in done)
    variables = {v["name"]: v["value"] for v in api(simulator, "GET", "/apps/shop-full/variables")["variables"]}
    assert variables["API_KEY"] == "s3cr3t-api-key-42" and variables["WEB_CONCURRENCY"] == "3"
    assert variables["DATABASE_URL"] == "$SCALINGO_POSTGRESQL_URL" and "SCALINGO_REDIS_URL" in variables
    collaborators = {
        c["email"]: c["is_limited"] for c in api(simulator, "GET", "/apps/shop-full/collaborators")["collaborators"]
    }
    assert collaborators == {"dev@example.com": False, "support@example.com": True}
    autoscaler = api(simulator, "GET", "/apps/shop-full/autoscalers")["autoscalers"][0]
    assert (autoscaler["container_type"], autoscaler["metric"], autoscaler["max_containers"]) == ("web", "cpu", 4)
    assert sorted(a["addon_provider"]["id"] for a in api(simulator, "GET", "/apps/shop-full/addons")["addons"]) == [
        "postgresql",
        "redis",
    ]
    domains = api(simulator, "GET", "/apps/shop-full/domains")["domains"]
    assert [(d["name"], d["canonical"]) for d in domains] == [("www.shop-full.example", True)]
    notifiers = {n["name"]: n for n in api(simulator, "GET", "/apps/shop-full/notifiers")["notifiers"]}
    assert notifiers["ops-hook"]["type_data"]["webhook_url"] == "https://hooks.example.com/services/s3cr3t-hook-url"
    assert notifiers["on-call"]["send_all_alerts"] is True
    alert = api(simulator, "GET", "/apps/shop-full/alerts")["alerts"][0]
    assert (alert["metric"], alert["limit"], alert["notifiers"]) == ("cpu", 0.8, [notifiers["ops-hook"]["id"]])
    drains = sorted(d["url"] for d in api(simulator, "GET", "/apps/shop-full/log_drains")["drains"])
    assert drains == ["datadog://s3cr3t-datadog-key?region=eu", "syslog://:s3cr3t-drain-token@logs.example.com:6514"]
    link = api(simulator, "GET", "/apps/shop-full/scm_repo_link")["scm_repo_link"]
    assert (link["owner"], link["repo"], link["branch"], link["auto_deploy_enabled"]) == (
        "my-org",
        "shop-full",
        "main",
        True,
    )

    result = play(simulator, cache_dir, str(playbook))
    assert changed(result) == 0
    assert writes(simulator) == []
    # One read per part: the app, its formation, its variables, and one per addon, collaborator and autoscaler.
    # The notifiers are read once per notifier and once by the alerts (to name them); the event names once.
    reads = sorted(f"{r['method']} {r['path']}" for r in log(simulator))
    assert reads == sorted(
        ["GET /v1/apps/shop-full", "GET /v1/apps/shop-full/containers", "GET /v1/apps/shop-full/variables"]
        + ["GET /v1/apps/shop-full/addons"] * 2
        + ["GET /v1/apps/shop-full/collaborators"] * 2
        + ["GET /v1/apps/shop-full/autoscalers", "GET /v1/apps/shop-full/domains"]
        + ["GET /v1/apps/shop-full/notifiers"] * 3
        + ["GET /v1/event_types", "GET /v1/apps/shop-full/alerts", "GET /v1/apps/shop-full/log_drains"]
        + ["GET /v1/apps/shop-full/scm_repo_link"]
    ), reads

    # A change of a secret, of a role, of a plan, of an autoscaler's bound, of an alert's limit and of the
    # deployed branch; check mode first.
    changed_play = (
        APP_PARTS_PLAY.replace("s3cr3t-api-key-42", "s3cr3t-api-key-43")
        .replace("{email: dev@example.com, limited: false}", "{email: dev@example.com, limited: true}")
        .replace("redis-sandbox", "redis-starter-256")
        .replace("max_containers: 4", "max_containers: 6")
        .replace("limit: 0.8", "limit: 0.9")
        .replace("branch: main", "branch: release")
    )
    playbook.write_text(changed_play, encoding="utf-8")
    result = play(simulator, cache_dir, str(playbook), "--check")
    assert changed(result) == 6
    assert writes(simulator) == []
    result = play(simulator, cache_dir, str(playbook))
    assert changed(result) == 6
    assert "PATCH /v1/apps/shop-full/alerts/" in " ".join(writes(simulator))
    assert api(simulator, "GET", "/apps/shop-full/scm_repo_link")["scm_repo_link"]["branch"] == "release"
    variables = {v["name"]: v["value"] for v in api(simulator, "GET", "/apps/shop-full/variables")["variables"]}
    assert variables["API_KEY"] == "s3cr3t-api-key-43"
    result = play(simulator, cache_dir, str(playbook))
    assert changed(result) == 0
    assert writes(simulator) == []


def test_app_role_refuses_bad_parts_at_entry(simulator, cache_dir, tmp_path):
    fresh(simulator)
    playbook = tmp_path / "app.yml"
    for bad, message in [
        ("{container_type: web, metric: disk, target: 1}", "metric"),
        ("{metric: cpu, target: 0.5}", "container_type"),
    ]:
        playbook.write_text(
            APP_PARTS_PLAY.replace(
                "{container_type: web, metric: cpu, target: 0.75, min_containers: 2, max_containers: 4}", bad
            ),
            encoding="utf-8",
        )
        clear(simulator)
        result = run_playbook(simulator, cache_dir, str(playbook), verbosity=0)
        assert result.returncode != 0
        assert "Validation of arguments failed" in result.stdout and message in result.stdout, result.stdout[-3000:]
        assert log(simulator) == []
    playbook.write_text(
        APP_PARTS_PLAY.replace("{email: dev@example.com, limited: false}", "{limited: false}"), encoding="utf-8"
    )
    result = run_playbook(simulator, cache_dir, str(playbook), verbosity=0)
    assert result.returncode != 0 and "Validation of arguments failed" in result.stdout and "email" in result.stdout
    assert log(simulator) == []


@NEWEST_ONLY
def test_review_app_deploys_its_archive_with_addons_and_tears_down(simulator, cache_dir, tmp_path):
    fresh(simulator)
    sim(simulator, "POST", "/_sim/apps", {"names": ["shop-main"], "deploy": [{"name": "web", "amount": 1}]})
    source = tmp_path / "shop"
    (source / "public").mkdir(parents=True)
    (source / "Procfile").write_text("web: python -m http.server $PORT\n", encoding="utf-8")
    (source / "public" / "index.html").write_text("<h1>pr 8</h1>\n", encoding="utf-8")
    # The parent's variables: one of its own, and its database's (which the review app's own database replaces).
    parent_variables = [
        {"name": "FEATURE_X", "value": "s3cr3t-feature-on"},
        {"name": "SCALINGO_POSTGRESQL_URL", "value": "postgres://s3cr3t-parent-db"},
        {"name": "DATABASE_URL", "value": "$SCALINGO_POSTGRESQL_URL"},
    ]
    api(simulator, "PUT", "/apps/shop-main/variables", {"variables": parent_variables})
    clear(simulator)
    playbook = "scalingo.cloud.review_app"
    addons = json.dumps({"addons": [{"provider": "postgresql", "plan": "postgresql-sandbox"}]})
    up = ("-e", "parent=shop-main", "-e", "pr=8", "-e", f"archive={source}", "-e", "git_ref=abc1234", "-e", addons)

    result = play(simulator, cache_dir, playbook, *up)
    assert "review app shop-main-pr8 running at https://shop-main-pr8.osc-fr1.scalingo.io" in result.stdout
    done = writes(simulator)
    assert done[0] == "POST /v1/apps/shop-main/child_apps"
    assert done.index("POST /v1/apps/shop-main-pr8/addons") < done.index("POST /v1/apps/shop-main-pr8/deployments")
    assert done.count("POST /v1/apps/shop-main-pr8/deployments") == 1
    deployments = api(simulator, "GET", "/apps/shop-main-pr8/deployments")["deployments"]
    assert [(d["git_ref"], d["status"]) for d in deployments] == [("abc1234", "success")]
    members = sim(simulator, "GET", f"/_sim/apps/shop-main-pr8/deployments/{deployments[0]['id']}/archive")
    assert members["one_folder"] is True and "shop/Procfile" in members["members"]
    assert [a["plan"]["name"] for a in api(simulator, "GET", "/apps/shop-main-pr8/addons")["addons"]] == [
        "postgresql-sandbox"
    ]
    copied = {
        v["name"]: v["value"] for v in api(simulator, "GET", "/apps/shop-main-pr8/variables?aliases=true")["variables"]
    }
    assert copied["FEATURE_X"] == "s3cr3t-feature-on"
    assert "s3cr3t-parent-db" not in copied["SCALINGO_POSTGRESQL_URL"]  # the review app's own database

    result = play(simulator, cache_dir, playbook, *up)
    assert changed(result) == 0
    assert writes(simulator) == []

    # A new commit of the pull request deploys again, and only that.
    result = play(simulator, cache_dir, playbook, *up[:-4], "-e", "git_ref=def5678", "-e", addons)
    assert changed(result) == 1
    assert writes(simulator)[-1] == "POST /v1/apps/shop-main-pr8/deployments"

    down = ("-e", "parent=shop-main", "-e", "pr=8", "-e", "state=down", "-e", addons)
    result = play(simulator, cache_dir, playbook, *down, "--check")
    assert changed(result) == 2
    assert writes(simulator) == []

    addon_id = api(simulator, "GET", "/apps/shop-main-pr8/addons")["addons"][0]["id"]
    clear(simulator)
    result = play(simulator, cache_dir, playbook, *down)
    assert changed(result) == 2
    assert writes(simulator) == [f"DELETE /v1/apps/shop-main-pr8/addons/{addon_id}", "DELETE /v1/apps/shop-main-pr8"]
    assert [a["name"] for a in api(simulator, "GET", "/apps")["apps"]] == ["shop-main"]

    result = play(simulator, cache_dir, playbook, *down)
    assert changed(result) == 0
    assert writes(simulator) == []


@NEWEST_ONLY
def test_review_app_teardown_never_touches_an_app_that_is_not_a_child(simulator, cache_dir):
    fresh(simulator)
    sim(
        simulator, "POST", "/_sim/apps", {"names": ["shop-main", "shop-prod"], "deploy": [{"name": "web", "amount": 1}]}
    )
    api(
        simulator,
        "POST",
        "/apps/shop-prod/addons",
        {"addon": {"addon_provider_id": "postgresql", "plan_id": plan_id("postgresql-sandbox")}},
    )
    clear(simulator)
    result = run_playbook(
        simulator,
        cache_dir,
        "scalingo.cloud.review_app",
        "-e",
        "parent=shop-main",
        "-e",
        "name=shop-prod",
        "-e",
        "state=down",
        "-e",
        json.dumps({"addons": [{"provider": "postgresql", "plan": "postgresql-sandbox"}]}),
        verbosity=0,
    )
    assert result.returncode != 0
    assert "app 'shop-prod' is not a child app of 'shop-main'" in result.stdout
    assert writes(simulator) == []
    assert len(api(simulator, "GET", "/apps/shop-prod/addons")["addons"]) == 1


def plan_id(name):
    from scalingo_sim import catalog

    return next(plan["id"] for _provider, plan in catalog.ADDON_PLANS.values() if plan["name"] == name)
