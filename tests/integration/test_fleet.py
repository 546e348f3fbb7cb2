"""Fleets at AWX scale, small: a shared listing of the apps (read_cache), and two controllers on one token.

- read_cache: one play over three seeded apps. The first task lists the apps (a miss), the next ones find their
  app in the listing and send nothing (hits); another controller (another cache folder, so another listing)
  then changes an app behind the play's back, and the play's next task, whose listing shows the app stale,
  reads it fresh before its write and sends only the field that really differs; that write drops the app from
  the listing, so the task after it, which the stale listing would have told "unchanged", reads the app fresh
  and changes it. Expiry is in the unit tests (an injected clock).
  The listing file holds no credential (the secret scan over the cache folder's listing and pacing files).
- two controllers: two ansible-playbook runs at once, each with its own cache folder, each believing it owns the
  simulator's whole limit (rate_limit 10 against the simulator's 10 a minute), each creating an app with a setting
  and deleting it (12 requests in all). Both end right, each app created and deleted once, and the adaptive pacing
  keeps the refusals to about one per controller. What happened is read from the request log, never from durations (about a minute, mostly asleep).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import with_simulator
from conftest import (
    COLLECTIONS,
    HERE,
    ROOT,
    SECRETS,
    ansible_bin,
    assert_ok_and_secret_free,
    failures,
    run_playbook,
    sim,
)

# The newest ansible-core only: adaptive pacing and read_cache are the client's Python, the same under any ansible-core.
pytestmark = pytest.mark.newest_only

APPS = ["fleet-ro-1", "fleet-ro-2", "fleet-ro-3"]
READ_PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/scalingo.cloud.all:
      read_cache: 600
  tasks:
    - name: A miss (the listing is made)
      scalingo.cloud.scalingo_app:
        name: fleet-ro-1
        force_https: false
      register: miss
    - name: Hits (nothing sent)
      scalingo.cloud.scalingo_app:
        name: "{{ item }}"
        force_https: false
      loop: [fleet-ro-2, fleet-ro-3]
      register: hits
    - name: Another controller changes fleet-ro-2 (its own cache folder, its own listing)
      scalingo.cloud.scalingo_app:
        name: fleet-ro-2
        force_https: true
        router_logs: true
        read_cache: 0
      environment:
        XDG_CACHE_HOME: "{{ other_cache }}"
    - name: A stale entry (force_https false, router_logs false) is read fresh before the write
      scalingo.cloud.scalingo_app:
        name: fleet-ro-2
        force_https: true
        router_logs: false
      register: stale
    - name: After its write the app is no longer in the listing, whose force_https false would hide the change
      scalingo.cloud.scalingo_app:
        name: fleet-ro-2
        force_https: false
      register: after
    - ansible.builtin.assert:
        that:
          - not miss.changed
          - hits.results | selectattr('changed') | list == []
          - stale.changed
          - stale.app.force_https and not stale.app.router_logs
          - after.changed and not after.app.force_https
"""


def test_read_cache_hit_miss_and_a_stale_entry_read_fresh_before_a_write(simulator, tmp_path):
    sim(simulator, "POST", "/_sim/reset")
    sim(simulator, "POST", "/_sim/apps", {"names": APPS})
    cache, other = tmp_path / "cache", tmp_path / "other"
    (tmp_path / "read.yml").write_text(READ_PLAY)
    result = run_playbook(simulator, str(cache), str(tmp_path / "read.yml"), "-e", f"other_cache={other}")
    assert_ok_and_secret_free(result)
    log = sim(simulator, "GET", "/_sim/requests")["requests"]
    calls = [f"{e['method']} {e['path']}" for e in log if e["path"] != "/v1/tokens/exchange"]
    assert calls == [
        "GET /v1/apps",  # the miss: the listing, and nothing of fleet-ro-1's own
        # the hits send nothing; the other controller (no read_cache of its own) reads and writes
        "GET /v1/apps/fleet-ro-2",
        "PATCH /v1/apps/fleet-ro-2",
        "GET /v1/apps/fleet-ro-2",  # the stale entry: read fresh before acting
        "PATCH /v1/apps/fleet-ro-2",
        "GET /v1/apps/fleet-ro-2",  # dropped from the listing by the write: read fresh
        "PATCH /v1/apps/fleet-ro-2",
    ], calls
    patches = [e["body"] for e in log if e["method"] == "PATCH"]
    # The stale listing said force_https false: the fresh read found it true, so only router_logs was sent.
    assert patches == [
        {"app": {"force_https": True, "router_logs": True}},
        {"app": {"router_logs": False}},
        {"app": {"force_https": False}},
    ]
    # The -vvvv results show what each task's requests met.
    assert '"pacing": {' in result.stdout

    folder = cache / "scalingo-ansible"
    listing = [name for name in os.listdir(folder) if name.startswith("apps-") and name.endswith(".json")]
    assert len(listing) == 1
    data = json.loads((folder / listing[0]).read_text())
    assert sorted(app["name"] for app in data["apps"]) == ["fleet-ro-1", "fleet-ro-3"]  # fleet-ro-2 was dropped
    assert oct((folder / listing[0]).stat().st_mode & 0o777) == "0o600"
    for name in os.listdir(folder):
        if name.startswith(("apps-", "pace-")):
            content = (folder / name).read_text()
            assert not SECRETS.findall(content), name
            assert with_simulator.TOKEN not in content and "eyJ" not in content, name


LIMIT = 10
CONTROLLER_PLAY = """
- hosts: apps
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/scalingo.cloud.all:
      rate_limit_retry_timeout: 300
  tasks:
    - name: Create with a setting
      scalingo.cloud.scalingo_app:
        name: "{{ inventory_hostname }}"
        force_https: true
    - name: Delete
      scalingo.cloud.scalingo_app:
        name: "{{ inventory_hostname }}"
        state: absent
"""


def test_two_controllers_on_one_token_share_the_limit_with_few_refusals(simulator, tmp_path):
    sim(simulator, "POST", "/_sim/reset")
    sim(simulator, "POST", "/_sim/config", {"rate_limit": LIMIT, "rate_window": 60})
    (tmp_path / "play.yml").write_text(CONTROLLER_PLAY)
    controllers = {"one": ["two-ctl-a1"], "two": ["two-ctl-b1"]}
    runs = {}
    try:
        for name, apps in controllers.items():
            (tmp_path / f"{name}.ini").write_text("[apps]\n" + "\n".join(apps) + "\n")
            env = with_simulator.environment(simulator, str(tmp_path / f"cache-{name}"))
            env.update(
                SCALINGO_RATE_LIMIT=str(LIMIT),  # each believes the whole limit is its own
                ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
                ANSIBLE_ROLES_PATH=os.path.join(HERE, "targets"),
                ANSIBLE_NOCOLOR="1",
                ANSIBLE_RETRY_FILES_ENABLED="0",
                ANSIBLE_LOCALHOST_WARNING="0",
            )
            command = [ansible_bin("ansible-playbook"), str(tmp_path / "play.yml"), "-i", str(tmp_path / f"{name}.ini")]
            runs[name] = subprocess.Popen(
                [*command, "-vv"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        outputs = {}
        for name, process in runs.items():
            stdout, stderr = process.communicate(timeout=600)
            outputs[name] = (process.returncode, stdout.decode() + stderr.decode())
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
        sim(simulator, "POST", "/_sim/config", {"rate_limit": None})
    for name, (code, output) in outputs.items():
        assert code == 0, f"controller {name}: {failures(output)}"
        assert not SECRETS.findall(output)
    log = sim(simulator, "GET", "/_sim/requests")["requests"]
    apps = [app for names in controllers.values() for app in names]
    assert len([e for e in log if e["status"] != 429]) > LIMIT, "the runs fit in one window: the test proves nothing"
    assert {e["status"] for e in log} <= {200, 201, 204, 404, 429}
    created = sorted(e["body"]["app"]["name"] for e in log if e["method"] == "POST" and e["status"] == 201)
    deleted = sorted(e["path"].rsplit("/", 1)[-1] for e in log if e["method"] == "DELETE" and e["status"] == 204)
    assert created == deleted == sorted(apps)  # nothing lost, nothing twice
    refused = [e for e in log if e["status"] == 429]
    # Each controller meets the limit about once, then keeps to its share of the window; retrying on backoff alone
    # (as before the adaptive pacing) meets it again and again until the window slides, seven times or more.
    assert len(refused) <= 2 * len(controllers), [f"{e['method']} {e['path']}" for e in refused]
    assert any('"throttled": ' in output for _code, output in outputs.values())
