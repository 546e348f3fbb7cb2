"""The secret scan that every target's -vvvv output goes through must catch a real leak."""

from __future__ import annotations

import base64
import glob
import json
import os

import pytest
from conftest import ECHOED_VALUES, SECRETS, run_playbook, secret_leaks
from with_simulator import TOKEN

# The newest ansible-core only: these tests prove the scan itself; every target's output is scanned on both ansible-cores.
pytestmark = pytest.mark.newest_only


def test_scan_catches_each_kind_of_secret():
    samples = [
        "tk-us-abcdef123",
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJpc3MiOiJTY2FsaW5nbyJ9.sig",
        "Authorization: x",
        "Bearer abc",
        "Basic OnRr",
        "s3cr3t-env-value-7",
        "http://127.0.0.1:40127/s3cr3t-attach-0123456789abcdef",  # a one-off's attach URL (the simulator's)
        # A database's addon token (the simulator's are JWTs) and a backup's download URL, token redacted or not.
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJpc3MiOiJTY2FsaW5nbyIsInV1aWQiOiJhZC0xIn0.sig",
        "http://127.0.0.1:40128/api/databases/ad-1/backups/bk-2/download?token=s3cr3t-dl-0123456789abcdef",
        "https://db-api.osc-fr1.scalingo.com/api/databases/ad-1/backups/bk-2/download?token=<redacted>",
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----",
        "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX",  # a notifier's webhook URL
        '"webhook_url": "https://hooks.example.com/services/first"',
        # Log drain URLs and tokens (scalingo_log_drain, scalingo_app_info), the token masked by Ansible or not.
        "syslog://:********@logs.example.com:6514",
        "ovh://:abc123@tag1.logs.ovh.com:6514",
        "datadog://0123456789abcdef?region=eu",
        "datadog://********?region=eu",
        "s3cr3t-dd-0123456789",
        # Database users' passwords: one a target gives, one the simulator generates.
        "s3cr3t-pw-analytics-0123456789",
        "s3cr3t-gen-0123456789abcdef0123456789abcdef",
    ]
    # Base64 without a scheme before it: the token alone, as Basic auth encodes it, and the echoed values.
    for secret in (TOKEN, f":{TOKEN}", f"user:{TOKEN}", *ECHOED_VALUES):
        encoded = base64.b64encode(secret.encode()).decode()
        samples += [f"header {encoded}", f"url-safe {encoded.replace('+', '-').replace('/', '_')}"]
    assert [bool(SECRETS.search(s)) for s in samples] == [True] * len(samples)
    assert not SECRETS.search("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER app-lifecycle changed=true")
    # What the modules show of a drain: its scheme and host only.
    for shown in ("datadog://...", "syslog://logs.example.com:6514...", "tcp+tls://logs7.papertrailapp.com:12345"):
        assert not SECRETS.search(shown)


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


def test_scan_catches_an_addon_token_printed_by_a_playbook(simulator, cache_dir, tmp_path):
    """The addon token a database module keeps between tasks is a secret the scan sees, if a playbook printed it."""
    playbook = tmp_path / "addon-leak.yml"
    playbook.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    sim_url: "{{ lookup('ansible.builtin.env', 'SCALINGO_API_URL') }}"
  tasks:
    - scalingo.cloud.scalingo_app:
        name: addon-leak-app
    - ansible.builtin.uri:
        url: "{{ sim_url }}/_sim/apps/addon-leak-app/addons"
        method: POST
        body_format: json
        body: {addon_provider_id: redis, plan: redis-sandbox}
        status_code: 201
    - scalingo.cloud.scalingo_database:
        app: addon-leak-app
        addon: redis
    - ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.file', item) }}"
      loop: "{{ query('ansible.builtin.fileglob', lookup('ansible.builtin.env', 'XDG_CACHE_HOME') ~ '/scalingo-ansible/addon-*.json') }}"
""")
    result = run_playbook(simulator, cache_dir, str(playbook), verbosity=0)
    assert result.returncode == 0, result.stdout[-3000:]
    kept = glob.glob(os.path.join(cache_dir, "scalingo-ansible", "addon-*.json"))
    assert kept
    with open(kept[0], encoding="utf-8") as handle:
        token = json.load(handle)["bearer"]
    caught = SECRETS.findall(result.stdout)
    assert any(found in token for found in caught), "the addon token printed by the debug task was not caught"
