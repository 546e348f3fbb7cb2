"""A cache folder another user can aim at, run by real ansible-playbook and ansible-inventory against the simulator.

XDG_CACHE_HOME points at a prepared folder: scalingo-ansible open to everyone (0777), owned by another user, or
holding a pacing file that is a link to a private "victim" file (the reported attack: the victim's key became
the pacing state). The tasks must succeed, say once what is wrong with the folder or the file, and leave the
victim's bytes as they were; the simulator's request log shows whether the bearer was kept (one token exchange)
or not (one per task).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest
import with_simulator
from conftest import COLLECTIONS, ansible_bin, assert_ok_and_secret_free, run_playbook, sim

# The newest ansible-core only: the cache folder rules are the client's Python, the same under any ansible-core.
pytestmark = pytest.mark.newest_only

VICTIM = b"-----BEGIN OPENSSH PRIVATE KEY-----\nthe victim's own bytes\n-----END OPENSSH PRIVATE KEY-----\n"
NOBODY = 65534

PLAYBOOK = """\
- name: Two tasks under a hostile cache folder
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Create an app
      scalingo.cloud.scalingo_app:
        name: cache-hostile
      register: created
    - name: Read it back
      scalingo.cloud.scalingo_app_info:
        name: cache-hostile
      register: read
    - name: Each task succeeded and said once what is wrong
      ansible.builtin.assert:
        that:
          - created is changed
          - read.apps | map(attribute='name') | list == ['cache-hostile']
          - item.warnings | default([]) | length == 1
          - item.warnings[0] is search(warning)
      loop: "{{ [created, read] }}"
      loop_control:
        label: "{{ item.warnings | default([]) }}"
"""


def exchanges(url):
    return [r for r in sim(url, "GET", "/_sim/requests")["requests"] if r["path"] == "/v1/tokens/exchange"]


@pytest.fixture
def xdg(tmp_path):
    """An XDG_CACHE_HOME shared like /tmp (1777), and a private file of ours outside it."""
    home = tmp_path / "xdg"
    home.mkdir()
    home.chmod(0o1777)
    victim = tmp_path / "id_ed25519"
    victim.write_bytes(VICTIM)
    victim.chmod(0o600)
    return home, home / "scalingo-ansible", victim


def play(simulator, home, tmp_path, warning):
    """Run the playbook; returns a check of its outcome, to call after the files were looked at."""
    sim(simulator, "POST", "/_sim/reset")
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    result = run_playbook(simulator, str(home), str(playbook), "-e", json.dumps({"warning": warning}))

    def succeeded():
        assert_ok_and_secret_free(result)
        assert "Traceback" not in result.stdout + result.stderr

    return succeeded


def test_a_folder_open_to_everyone_is_not_used(simulator, xdg, tmp_path):
    home, folder, victim = xdg
    folder.mkdir()
    folder.chmod(0o777)
    (folder / "pace-planted.json").symlink_to(victim)  # whatever the other user put there is never opened
    succeeded = play(
        simulator,
        home,
        tmp_path,
        f"^not using the cache folder {folder}: its mode 0777 lets other users in; run chmod 700 on it, "
        "or set XDG_CACHE_HOME to a private folder",
    )
    assert os.listdir(folder) == ["pace-planted.json"]
    assert victim.read_bytes() == VICTIM
    assert len(exchanges(simulator)) == 2  # no bearer kept between the two tasks
    succeeded()


def test_a_folder_of_another_user_is_not_used(simulator, xdg, tmp_path):
    home, folder, _victim = xdg
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    succeeded = play(
        simulator,
        home,
        tmp_path,
        f"^not using the cache folder {folder}: it belongs to another user \\(uid {NOBODY}, you are uid \\d+\\); "
        "set XDG_CACHE_HOME to a private folder of your own",
    )
    assert os.listdir(folder) == []
    assert len(exchanges(simulator)) == 2
    succeeded()


@pytest.mark.parametrize("mode", [0o777, 0o700], ids=["open-folder", "private-folder"])
def test_a_pace_file_linked_to_a_victim_file_is_never_written_through(simulator, xdg, tmp_path, mode):
    home, folder, victim = xdg
    folder.mkdir()
    folder.chmod(mode)
    # The pacing file of the simulator's token, named as the modules name it (token_key in module_utils/_cache.py;
    # the bearer file checked below proves the name), made a link to the victim's key.
    key = hashlib.sha256(f"{simulator}\n{with_simulator.TOKEN}".encode()).hexdigest()
    pace = folder / f"pace-{key}.json"
    pace.symlink_to(victim)
    if mode == 0o777:
        warning = f"^not using the cache folder {folder}: its mode 0777 lets other users in"
    else:
        warning = f"^not using the cache file {pace}: it is a symbolic link; remove it\\.$"
    succeeded = play(simulator, home, tmp_path, warning)
    assert victim.read_bytes() == VICTIM
    assert pace.is_symlink()
    # A private folder is still used for the bearer: one exchange for both tasks.
    assert len(exchanges(simulator)) == (2 if mode == 0o777 else 1)
    assert (folder / f"bearer-{key}.json").exists() == (mode == 0o700)
    succeeded()


def test_the_inventory_plugin_says_what_is_wrong_and_lists_the_apps(simulator, xdg, tmp_path):
    home, folder, victim = xdg
    folder.mkdir()
    folder.chmod(0o777)
    sim(simulator, "POST", "/_sim/reset")
    sim(simulator, "POST", "/_sim/apps", {"names": ["inventory-app"]})
    config = tmp_path / "apps.scalingo.yml"
    config.write_text("plugin: scalingo.cloud.scalingo\n", encoding="utf-8")
    env = with_simulator.environment(simulator, str(home))
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_INVENTORY_ENABLED="scalingo.cloud.scalingo",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_LOCALHOST_WARNING="0",
    )
    result = subprocess.run(
        [ansible_bin("ansible-inventory"), "-i", str(config), "--list"],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "inventory-app" in json.loads(result.stdout)["scalingo"]["hosts"]
    said = " ".join(result.stderr.split())  # the warning is wrapped to the terminal's width
    assert said.count(f"scalingo inventory: not using the cache folder {folder}: its mode 0777") == 1, result.stderr
    assert os.listdir(folder) == []
    assert victim.read_bytes() == VICTIM
