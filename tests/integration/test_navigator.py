"""playbooks/demo.yml through ansible-navigator without an execution environment, as an AAP user runs it locally:
`ansible-navigator run playbooks/demo.yml --ee false --mode stdout`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest
import with_simulator
import yaml
from conftest import COLLECTIONS, ROOT, ansible_bin, assert_ok_and_secret_free

# The newest ansible-core only: the demo runs on the oldest ansible-core through ansible-runner (test_runner.py).
pytestmark = pytest.mark.newest_only

VENV_BIN = os.path.dirname(sys.executable)
DEMO = os.path.join(ROOT, "playbooks", "demo.yml")
# In stdout mode navigator passes on ansible-runner's event markers (base64 between terminal escapes) and colours.
ESCAPES = re.compile(r"\x1b\[K[A-Za-z0-9+/=]*\x1b\[\d+D|\x1b\[[0-9;]*[A-Za-z]")
RECAP = re.compile(r"^localhost\s+:\s+(.*)$", re.M)


def play_names(path):
    """The names of the plays `path` runs, those of the playbooks it imports included."""
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    names = []
    for entry in entries:
        imported = entry.get("ansible.builtin.import_playbook")
        names += play_names(os.path.join(os.path.dirname(path), imported)) if imported else [entry["name"]]
    return names


def test_demo_through_ansible_navigator(simulator, cache_dir, tmp_path):
    for path, body in (("/_sim/reset", {}), ("/_sim/config", {"operation_duration": 0.3})):
        request = urllib.request.Request(simulator + path, data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
    # Navigator's settings, log and (disabled) playbook artifacts stay in tmp_path: none of them lands in the
    # checkout, and no settings file of the user's home is read.
    settings = tmp_path / "ansible-navigator.yml"
    settings.write_text(
        yaml.safe_dump({"ansible-navigator": {"logging": {"file": str(tmp_path / "navigator.log")}}}),
        encoding="utf-8",
    )
    binary_dir = os.path.dirname(ansible_bin("ansible-playbook"))
    env = with_simulator.environment(simulator, cache_dir)
    env.update(
        ANSIBLE_NAVIGATOR_CONFIG=str(settings),
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        # navigator comes from the newest venv; the ansible-playbook it runs is the one under test (ANSIBLE_BIN).
        PATH=os.pathsep.join([binary_dir, VENV_BIN, os.environ.get("PATH", "")]),
        HOME=str(tmp_path / "home"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    command = [os.path.join(VENV_BIN, "ansible-navigator"), "run", DEMO, "--ee", "false", "--mode", "stdout"]
    result = subprocess.run(
        [*command, "--pae", "false", "-vvvv"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert_ok_and_secret_free(result)
    output = ESCAPES.sub("", result.stdout)

    version = subprocess.run(
        [ansible_bin("ansible-playbook"), "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    assert version in output, f"navigator did not run {version}"
    plays = play_names(DEMO)
    assert re.findall(r"^PLAY \[(.+?)\] \*", output, re.M) == plays, output[-6000:]
    recap = RECAP.findall(output)
    assert len(recap) == 1, output[-6000:]
    counts = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", recap[0])}
    assert counts["failed"] == counts["unreachable"] == counts["skipped"] == 0, recap[0]
    assert counts["ok"] > len(plays) and counts["changed"] >= 8, recap[0]
    assert (tmp_path / "navigator.log").exists()
    leftovers = [name for name in os.listdir(os.path.join(ROOT, "playbooks")) if "artifact" in name]
    assert not leftovers and not os.path.exists(os.path.join(ROOT, "ansible-navigator.log")), leftovers
