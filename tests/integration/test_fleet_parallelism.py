"""Ansible's own parallelism over many apps (docs/reliability.md, "Many apps at once"), run by real
ansible-playbook against the simulator: `async` + `poll: 0` scales whose operations wait side by side,
collected with `async_status`, and a `serial: 2` play whose batches follow one another. What happened is
read from the simulator's request log (its order, `seq`) and from the operations' own times, never from
wall-clock durations.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import requests
import with_simulator
from conftest import assert_ok_and_secret_free, run_playbook

APPS = [f"par-app-{n}" for n in range(1, 7)]

ASYNC_PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Scale every app without waiting here (each module still follows its own operation)
      scalingo.cloud.scalingo_scale:
        app: "{{ item }}"
        containers: [{name: web, amount: 2}]
      loop: %(apps)s
      async: 120
      poll: 0
      register: jobs

    - name: Wait for all of them
      ansible.builtin.async_status:
        jid: "{{ item.ansible_job_id }}"
      loop: "{{ jobs.results }}"
      register: done
      until: done.finished
      retries: 60
      delay: 2

    - name: Every scale changed its app and saw its operation done
      ansible.builtin.assert:
        that:
          - done.results | map(attribute='changed') is all
          - done.results | map(attribute='operation.status') | unique == ['done']

    - name: Forget the finished jobs
      ansible.builtin.async_status:
        jid: "{{ item.ansible_job_id }}"
        mode: cleanup
      loop: "{{ jobs.results }}"
"""

SERIAL_PLAYBOOK = """
- hosts: apps
  connection: local
  gather_facts: false
  serial: 2
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Scale
      scalingo.cloud.scalingo_scale:
        app: "{{ inventory_hostname }}"
        containers: [{name: web, amount: 3}]
    - name: Read
      scalingo.cloud.scalingo_app_info:
        name: "{{ inventory_hostname }}"
"""


def sim(url, method, path, body=None):
    response = requests.request(method, f"{url}/_sim{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def log(url):
    return sim(url, "GET", "/requests")["requests"]


def operation(url, app, operation_id):
    """An operation as the API shows it (asked after the run: not in the log the test reads)."""
    bearer = requests.post(f"{url}/v1/tokens/exchange", auth=("", with_simulator.TOKEN), timeout=30).json()["token"]
    response = requests.get(
        f"{url}/v1/apps/{app}/operations/{operation_id}", headers={"Authorization": f"Bearer {bearer}"}, timeout=30
    )
    response.raise_for_status()
    return response.json()["operation"]


def fresh(url, operation_duration):
    sim(url, "POST", "/reset")
    sim(url, "POST", "/config", {"operation_duration": operation_duration})
    sim(url, "POST", "/apps", {"names": APPS, "deploy": [{"name": "web", "amount": 1}]})


def app_of(entry):
    """The app a request of the log was about, or None."""
    parts = entry["path"].split("/")
    return parts[3] if len(parts) > 3 and parts[1:3] == ["v1", "apps"] else None


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_async_scales_wait_side_by_side(simulator, cache_dir, tmp_path):
    # Long enough for the six scales to be sent before the first one ends, even on a busy machine: the loop
    # starts one job after the other, about 1 s apart here, 4 s at a load average of 20 on 2 cores.
    fresh(simulator, 40)
    playbook = tmp_path / "async.yml"
    playbook.write_text(ASYNC_PLAYBOOK % {"apps": APPS})
    result = run_playbook(simulator, cache_dir, str(playbook))
    assert_ok_and_secret_free(result)

    entries = log(simulator)
    scales = [e for e in entries if e["method"] == "POST" and e["path"].endswith("/scale")]
    assert sorted(app_of(e) for e in scales) == APPS  # each app scaled once
    assert all(e["status"] == 202 for e in scales)
    by_app = {}
    for entry in entries:
        if "/operations/" in entry["path"]:
            by_app.setdefault(app_of(entry), entry["path"].rsplit("/", 1)[-1])
    assert sorted(by_app) == APPS  # every module followed its own operation
    operations = [operation(simulator, app, op) for app, op in by_app.items()]
    assert {o["status"] for o in operations} == {"done"}
    # The operations overlapped: the last one started before the first one finished.
    first_finished = min(epoch(o["finished_at"]) for o in operations)
    assert max(epoch(o["created_at"]) for o in operations) < first_finished
    assert max(e["time"] for e in scales) < first_finished


def test_serial_batches_follow_one_another(simulator, cache_dir, tmp_path):
    fresh(simulator, 0.5)
    (tmp_path / "inventory.ini").write_text("[apps]\n" + "\n".join(APPS) + "\n")
    playbook = tmp_path / "serial.yml"
    playbook.write_text(SERIAL_PLAYBOOK)
    result = run_playbook(simulator, cache_dir, str(playbook), "-i", str(tmp_path / "inventory.ini"))
    assert_ok_and_secret_free(result)

    entries = [e for e in log(simulator) if app_of(e) in APPS]
    scales = [e for e in entries if e["method"] == "POST" and e["path"].endswith("/scale")]
    assert sorted(app_of(e) for e in scales) == APPS  # each app scaled once
    batches = [APPS[i : i + 2] for i in range(0, len(APPS), 2)]
    spans = [[e["seq"] for e in entries if app_of(e) in batch] for batch in batches]
    assert all(spans)
    # Every request of a batch came before any request of the next one, in inventory order.
    for earlier, later in itertools.pairwise(spans):
        assert max(earlier) < min(later)
