"""The secret scan that every target's -vvvv output goes through must catch a real leak."""

from __future__ import annotations

import base64
import glob
import os

from conftest import ECHOED_VALUES, SECRETS, run_playbook, secret_leaks
from with_simulator import TOKEN


def test_scan_catches_each_kind_of_secret():
    samples = [
        "tk-us-abcdef123",
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJpc3MiOiJTY2FsaW5nbyJ9.sig",
        "Authorization: x",
        "Bearer abc",
        "Basic OnRr",
        "s3cr3t-env-value-7",
        "http://127.0.0.1:40127/s3cr3t-attach-0123456789abcdef",  # a one-off's attach URL (the simulator's)
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----",
        # The database API's: an addon token (a JWT of its own key), a password a target gives, a generated one,
        # a backup's download URL (its query token).
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZC0xMjM0In0.c2ln",
        "s3cr3t-pw-analytics-0123456789",
        "s3cr3t-gen-0123456789abcdef0123456789abcdef",
        "/api/databases/ad-1/backups/bk-1/download?token=s3cr3t-dl-0123456789abcdef",
    ]
    # Base64 without a scheme before it: the token alone, as Basic auth encodes it, and the echoed values.
    for secret in (TOKEN, f":{TOKEN}", f"user:{TOKEN}", *ECHOED_VALUES):
        encoded = base64.b64encode(secret.encode()).decode()
        samples += [f"header {encoded}", f"url-safe {encoded.replace('+', '-').replace('/', '_')}"]
    assert [bool(SECRETS.search(s)) for s in samples] == [True] * len(samples)
    assert not SECRETS.search("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER app-lifecycle changed=true")


def test_scan_catches_a_bearer_printed_by_a_playbook(simulator, cache_dir, tmp_path):
    playbook = tmp_path / "leak.yml"
    playbook.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - scalingo.cloud.scalingo_app:
        name: leak-check-app
        state: absent
    - ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.file', item) }}"
      loop: "{{ query('ansible.builtin.fileglob', lookup('ansible.builtin.env', 'XDG_CACHE_HOME') ~ '/scalingo-ansible/bearer-*.json') }}"
""")
    result = run_playbook(simulator, cache_dir, str(playbook), verbosity=0)
    assert result.returncode == 0, result.stdout[-3000:]
    assert glob.glob(os.path.join(cache_dir, "scalingo-ansible", "bearer-*.json"))
    assert SECRETS.search(result.stdout), "the bearer printed by the debug task was not caught"


def test_a_generated_password_is_accepted_under_its_own_key_only():
    generated = "s3cr3t-gen-0123456789abcdef0123456789abcdef"
    assert secret_leaks(f'ok: [localhost] => {{\n    "generated_password": "{generated}",\n    "user": {{}}\n}}') == []
    for elsewhere in (
        f'"msg": "{generated}"',
        f'"password": "{generated}"',
        f'"generated_password": "{generated}", "copy": "{generated}"',
        f"generated_password={generated}",
        f'"generated_password": "x", "msg": "{generated}"',
    ):
        assert secret_leaks(elsewhere) == [generated], elsewhere
