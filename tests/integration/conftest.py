from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))

import with_simulator

COLLECTIONS = os.path.join(ROOT, "build", "collections")

# Secret values the targets give that a server may echo (hostile/tasks/echo.yml), found in base64 too.
ECHOED_VALUES = ("s3cr3t-echo-first-line\n  s3cr3t-echo-second-line", "s3cr3t-echo  two  spaces")


def base64_forms(secret):
    """What the base64 of `secret` holds wherever it starts in an encoded text (base64(":" + token) of Basic auth
    starts it at the second byte): the middle of its encoding after 0, 1 and 2 bytes, standard and URL-safe."""
    forms = []
    for prefix in ("", "x", "xx"):
        middle = base64.b64encode((prefix + secret).encode()).decode()[4:-4]
        forms += [middle, middle.replace("+", "-").replace("/", "_")]
    return forms


# Anything that looks like a secret this suite uses: the API tokens, any JWT (bearer, addon token), auth headers,
# download URLs, and the base64
# forms of the simulator's token and of the echoed values.
SECRETS = re.compile(
    r"tk-us-[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]{8,}\.eyJ|Bearer [A-Za-z0-9]|Basic [A-Za-z0-9]|\bAuthorization\b|s3cr3t-[A-Za-z0-9-]+"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"  # a TLS key given to scalingo_domain
    r"|https?://hooks\.[A-Za-z0-9.-]+/services/"  # a notifier's webhook URL (Slack's form, and the tests')
    # A log drain's URL, whatever its token (Ansible may have masked the token, not the URL around it): its
    # token in the user info (syslog, ovh-graylog), or in the host (datadog); modules show drains as
    # scheme://host... only.
    r"|\b(?:syslog|ovh)://:[^\s@\"']+@|\bdatadog://(?!\.\.\.)[^\s\"']+"
    r"|/download\?token="  # a backup's download URL (its token is a credential), whatever the token's form
    + "".join(
        "|" + re.escape(form) for secret in (with_simulator.TOKEN, *ECHOED_VALUES) for form in base64_forms(secret)
    )
)

# The one secret a module returns on purpose: the password Scalingo generated for a database user that
# scalingo_database_user created (documented as secret, returned once; hiding it with the task's no_log is the
# user's call). The scan accepts it under that key only, as Ansible prints a result: the same value anywhere else
# is a leak.
GENERATED_PASSWORD = re.compile(r'"generated_password": "[^"\\]*"')


def secret_leaks(output):
    """The secrets the scan finds in `output`, but for a generated password under its own key."""
    return sorted(set(SECRETS.findall(GENERATED_PASSWORD.sub('"generated_password": "(accepted)"', output))))


# Under pytest-xdist (make integration runs `-n N`), every worker is a pytest session of its own: the
# session fixtures below (simulator, cache_dir) and the module ones (test_inventory's seeded simulator)
# are set up once per worker, so each worker has its own simulator process and its own bearer cache,
# and its targets never see another worker's apps, faults, config or request log.

DURATIONS_KEY = "scalingo/integration-durations"
DURATIONS_FILE = os.path.join(HERE, "durations.json")
# What a test is expected to take when no earlier run measured it (a fresh clone): the playbook runs of
# test_targets.py take 10 s to 100 s, test_load.py about 1.5 min (mostly asleep, waiting a rate window), the other
# playbook runs against the simulator 5 s to 25 s, most other tests a few seconds or less. The long load and
# fleet runs are in `make bench` (bench/README.md).
UNMEASURED_TARGET = 60.0
# test_load.py: two small plays, the paced one waiting one 60 s window; test_fleet.py: two controllers, the same.
UNMEASURED_LOAD = 90.0
UNMEASURED_PLAYBOOK = 10.0
UNMEASURED = 1.0
# Tests expected to take less than this keep their file order (module fixtures set up once).
ORDERED_FROM = 5.0


def collection_link():
    """The build/collections link to this checkout, made once per run (by the xdist controller, before any
    worker starts: workers running ansible while another rewrites the link would lose the collection)."""
    target = os.path.join(COLLECTIONS, "ansible_collections", "scalingo", "cloud")
    if os.path.realpath(target) != os.path.realpath(ROOT):
        subprocess.run(
            [sys.executable, os.path.join(ROOT, "tests", "utils", "collection_tree.py"), "--link", COLLECTIONS],
            check=True,
        )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "newest_only: runs with the newest ansible-core only (tools, and the client's own Python: see each mark's reason)",
    )
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did the rest
        config.scalingo_durations = config.workerinput["scalingo_durations"]
        return
    collection_link()
    # Each test's duration in the last run that ran it (pytest's cache), to start the longest tests first; on a fresh
    # clone, the durations measured when durations.json was last written (tests/utils/save_durations.py).
    config.scalingo_durations = committed_durations()
    if hasattr(config, "cache"):
        config.scalingo_durations.update(config.cache.get(DURATIONS_KEY, {}))
    if hasattr(config, "cache"):
        config.pluginmanager.register(DurationRecorder(config), "scalingo-durations")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist controller: every worker orders its collection from the same durations (the workers' collections must match)."""
    node.workerinput["scalingo_durations"] = node.config.scalingo_durations


class DurationRecorder:
    """Where the reports arrive (the xdist controller, or the single process): each test's setup + call +
    teardown time, kept in pytest's cache for the next run's order."""

    def __init__(self, config):
        self.config = config
        self.measured = {}
        self.failed = set()  # a test that failed may have stopped early: its earlier duration is kept

    def pytest_runtest_logreport(self, report):
        self.measured[report.nodeid] = self.measured.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            self.failed.add(report.nodeid)

    def pytest_sessionfinish(self):
        measured = {nodeid: round(seconds, 1) for nodeid, seconds in self.measured.items() if nodeid not in self.failed}
        if measured:
            self.config.cache.set(DURATIONS_KEY, {**self.config.scalingo_durations, **measured})


def committed_durations():
    try:
        with open(DURATIONS_FILE, encoding="utf-8") as handle:
            return dict(json.load(handle))
    except FileNotFoundError:
        return {}


def expected_duration(config, item):
    measured = config.scalingo_durations.get(item.nodeid)
    if measured is not None:
        return measured
    if item.path.name in ("test_load.py", "test_fleet.py"):
        return UNMEASURED_LOAD
    if item.path.name == "test_targets.py":
        return UNMEASURED_TARGET
    return UNMEASURED_PLAYBOOK if "simulator" in item.fixturenames else UNMEASURED


def pytest_collection_modifyitems(config, items):
    """Longest tests first, so that no worker starts a long one near the end; the short ones keep their order."""
    expected = {item.nodeid: expected_duration(config, item) for item in items}
    long = sorted(
        (item for item in items if expected[item.nodeid] >= ORDERED_FROM), key=lambda item: -expected[item.nodeid]
    )
    items[:] = long + [item for item in items if expected[item.nodeid] < ORDERED_FROM]


def sim(url, method, path, body=None):
    """One JSON request to the simulator (its /_sim/ admin API, or the API itself); its JSON answer, or None."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def simulator():
    process, url = with_simulator.start()
    yield url
    with_simulator.stop(process)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    # Under xdist, tmp_path_factory's base is per worker (…/popen-gwN): a bearer cache per worker.
    return str(tmp_path_factory.mktemp("xdg-cache"))


def ansible_bin(name):
    return os.path.join(os.environ.get("ANSIBLE_BIN") or os.path.dirname(sys.executable), name)


def run_playbook(url, cache_dir, playbook, *args, verbosity=4, env=None):
    extra, env = env or {}, with_simulator.environment(url, cache_dir)
    env.update(extra)
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
    leaks = secret_leaks(output)
    assert not leaks, f"secrets in the output: {leaks}"
