from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))

import with_simulator  # noqa: E402

COLLECTIONS = os.path.join(ROOT, "build", "collections")

# Anything that looks like a secret this suite uses: the API tokens, any JWT (bearer), auth headers.
SECRETS = re.compile(r"tk-us-[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]{8,}\.eyJ|Bearer [A-Za-z0-9]|Basic [A-Za-z0-9]|\bAuthorization\b|s3cr3t-[A-Za-z0-9-]+")


def pytest_configure(config):
    config.addinivalue_line("markers", "newest_only: runs with the newest ansible-core only (tool checks)")


@pytest.fixture(scope="session")
def simulator():
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "utils", "collection_tree.py"), "--link", COLLECTIONS], check=True)
    process, url = with_simulator.start()
    yield url
    with_simulator.stop(process)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("xdg-cache"))


def ansible_bin(name):
    return os.path.join(os.environ.get("ANSIBLE_BIN") or os.path.dirname(sys.executable), name)


def run_playbook(url, cache_dir, playbook, *args, verbosity=4):
    env = with_simulator.environment(url, cache_dir)
    env.update(
        ANSIBLE_ROLES_PATH=os.path.join(HERE, "targets"),
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    command = [ansible_bin("ansible-playbook"), playbook, *args]
    if verbosity:
        command.append("-" + "v" * verbosity)
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, check=False)


def failures(output):
    """The failed tasks of an -vvvv run (not those whose failure was ignored), for the test report."""
    blocks = re.split(r"\n(?=TASK \[|PLAY RECAP)", output)
    failed = [b for b in blocks if re.search(r"^(fatal|failed):|\[ERROR\]", b, re.M) and "...ignoring" not in b]
    return "\n".join(b[:4000] for b in failed[-3:]) or output[-6000:]


def assert_ok_and_secret_free(result):
    output = result.stdout + result.stderr
    assert result.returncode == 0, failures(output)
    leaks = sorted(set(SECRETS.findall(output)))
    assert not leaks, f"secrets in the output: {leaks}"
