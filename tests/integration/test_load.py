"""Pacing under the rate limit, small: three apps on three forks while the simulator allows LIMIT requests per
60 s per user, fewer than the play sends.

The same play runs twice from an empty bearer cache and an empty rate window: with the modules' pacing just under
the simulator's limit (SCALINGO_RATE_LIMIT=PACED), then with pacing off. `rate_limit_retry_timeout: 0` makes any
refused request fail its task instead of being tried again. Paced, the play ends right, no request is refused,
the token is exchanged once and no 60 s of the request log hold more than LIMIT requests; unpaced, the same play
meets refusals (429) and the tasks they hit fail saying so. What happened is read from the simulator's request
log, never from durations. The paced run waits one window for its budget (about a minute, asleep).

The long runs (30 apps on 10 forks, paced and unpaced, every request retried; 100 apps on 20 forks) are in
`make bench` (bench/README.md, scenarios 6 and 7).
"""

from __future__ import annotations

import re

import pytest
from conftest import SECRETS, assert_ok_and_secret_free, failures, run_playbook, sim

# The newest ansible-core only: pacing is the client's Python (module_utils), the same under any ansible-core.
pytestmark = pytest.mark.newest_only

LIMIT = 10
# The modules pace a little below the simulator's limit: the pacer books when a request is sent, the simulator counts
# it when it arrives, and on a busy machine a request may arrive more than the pacer's 1 s of slack after its
# booking. The play sends 16 requests: 8 at once, then the rest a window later.
PACED = LIMIT - 2
WINDOW = 60
APPS = ["pace-app-1", "pace-app-2", "pace-app-3"]
PLAYBOOK = """
- hosts: apps
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/scalingo.cloud.all:
      rate_limit_retry_timeout: 0
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


def window_peak(times, window=WINDOW):
    """The most entries of `times` (sorted) within any `window` seconds."""
    peak, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - window:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def play(simulator, tmp_path, name, rate_limit):
    """One run of the play from an empty bearer cache, with the simulator reset (an empty rate window)."""
    sim(simulator, "POST", "/_sim/reset")
    sim(simulator, "POST", "/_sim/config", {"rate_limit": LIMIT, "rate_window": WINDOW})
    try:
        result = run_playbook(
            simulator,
            str(tmp_path / f"cache-{name}"),
            str(tmp_path / "load.yml"),
            "-i",
            str(tmp_path / "inventory.ini"),
            "--forks",
            str(len(APPS)),
            verbosity=0,
            env={"SCALINGO_RATE_LIMIT": str(rate_limit)},
        )
    finally:
        sim(simulator, "POST", "/_sim/config", {"rate_limit": None})
    return result, sim(simulator, "GET", "/_sim/requests")["requests"]


def test_pacing_keeps_a_small_fleet_under_the_rate_limit(simulator, tmp_path):
    (tmp_path / "inventory.ini").write_text("[apps]\n" + "\n".join(APPS) + "\n")
    (tmp_path / "load.yml").write_text(PLAYBOOK)

    result, log = play(simulator, tmp_path, "paced", PACED)
    assert_ok_and_secret_free(result)
    assert len(log) > LIMIT, f"the play sent {len(log)} requests, no more than the limit: the test proves nothing"
    assert {e["status"] for e in log} <= {200, 201, 204, 404}  # no refusal (429), nothing unexpected
    assert sum(1 for e in log if e["path"] == "/v1/tokens/exchange") == 1  # three forks, an empty cache
    assert window_peak(sorted(e["time"] for e in log)) <= LIMIT
    creates = sorted(e["body"]["app"]["name"] for e in log if e["method"] == "POST" and e["path"] == "/v1/apps")
    assert creates == APPS
    assert sorted(e["path"] for e in log if e["method"] == "DELETE") == [f"/v1/apps/{app}" for app in APPS]

    result, log = play(simulator, tmp_path, "unpaced", 0)
    output = result.stdout + result.stderr
    assert result.returncode != 0, "unpaced, every task passed: the rate limit never bound"
    assert 429 in {e["status"] for e in log}, failures(output)
    assert {e["status"] for e in log} <= {200, 201, 204, 404, 429}
    # Every failed task says it was refused by the rate limit, and nothing else failed.
    fatal = re.findall(r"^fatal: .*", output, re.M)
    assert fatal and all("Retry later (HTTP 429" in line for line in fatal), failures(output)
    assert not SECRETS.findall(output)
