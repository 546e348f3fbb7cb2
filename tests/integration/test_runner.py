"""The collection as AWX / Automation Platform runs it: the custom credential type's injectors, a job run by
ansible-runner (as AWX does, job events included), and the execution environment definition (ansible-builder).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request

import ansible_runner
import pytest
import with_simulator
import yaml
from conftest import COLLECTIONS, ROOT, SECRETS, ansible_bin
from jinja2.sandbox import ImmutableSandboxedEnvironment

CREDENTIAL_TYPE = os.path.join(ROOT, "docs", "awx", "credential_type.yml")
EE_FILE = os.path.join(ROOT, "meta", "execution-environment.yml")
VENV_BIN = os.path.dirname(sys.executable)
# ansible-builder and the credential type don't depend on the ansible-core under test (ANSIBLE_BIN).
# Tools whose result does not depend on ansible-core: `make integration-oldest` deselects them.
NEWEST_ONLY = pytest.mark.newest_only


def credential_type():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def inject(inputs):
    """The environment AWX gives a job for a credential with these inputs.

    As AWX does (awx/main/models/credential.py, CredentialType.inject_credential): empty inputs are left out
    of the namespace, every env injector is rendered in an immutable Jinja sandbox and always set.
    """
    namespace = {key: value for key, value in inputs.items() if value not in ("", None)}
    sandbox = ImmutableSandboxedEnvironment()
    return {
        name: sandbox.from_string(template).render(**namespace)
        for name, template in credential_type()["injectors"]["env"].items()
    }


def test_credential_type_shape():
    definition = credential_type()
    assert definition["kind"] == "cloud"
    fields = {field["id"]: field for field in definition["inputs"]["fields"]}
    assert set(fields) == {"api_token", "region", "api_url", "auth_url"}
    assert fields["api_token"]["secret"] is True
    assert definition["inputs"]["required"] == ["api_token"]
    assert all(field["type"] == "string" and field["label"] for field in fields.values())
    # Every injected variable is one the modules and the inventory plugin read.
    with open(os.path.join(ROOT, "plugins", "doc_fragments", "auth.py"), encoding="utf-8") as handle:
        module_env = set(re.findall(r"E\((SCALINGO_[A-Z_]+)\)", handle.read()))
    with open(os.path.join(ROOT, "plugins", "inventory", "scalingo.py"), encoding="utf-8") as handle:
        inventory_env = set(re.findall(r"- name: (SCALINGO_[A-Z_]+)", handle.read()))
    injected = set(definition["injectors"]["env"])
    assert injected == {"SCALINGO_API_TOKEN", "SCALINGO_REGION", "SCALINGO_API_URL", "SCALINGO_AUTH_URL"}
    assert injected <= module_env and injected <= inventory_env


def test_credential_type_injectors():
    assert inject({"api_token": "tk-us-x"}) == {
        "SCALINGO_API_TOKEN": "tk-us-x",
        "SCALINGO_REGION": "osc-fr1",
        "SCALINGO_API_URL": "https://api.osc-fr1.scalingo.com",
        "SCALINGO_AUTH_URL": "https://auth.scalingo.com",
    }
    secnum = inject({"api_token": "tk-us-x", "region": "osc-secnum-fr1", "api_url": "", "auth_url": ""})
    assert secnum["SCALINGO_API_URL"] == "https://api.osc-secnum-fr1.scalingo.com"
    assert secnum["SCALINGO_REGION"] == "osc-secnum-fr1"
    custom = inject({"api_token": "tk-us-x", "api_url": "http://127.0.0.1:1", "auth_url": "http://127.0.0.1:2"})
    assert (custom["SCALINGO_API_URL"], custom["SCALINGO_AUTH_URL"]) == ("http://127.0.0.1:1", "http://127.0.0.1:2")


def test_demo_through_ansible_runner(simulator, cache_dir, tmp_path):
    """playbooks/demo.yml as an AWX job: ansible-runner, a Scalingo credential, job events."""
    for path, body in (("/_sim/reset", {}), ("/_sim/config", {"operation_duration": 0.3})):
        request = urllib.request.Request(simulator + path, data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
    env = inject({"api_token": with_simulator.TOKEN, "region": "osc-fr1", "api_url": simulator, "auth_url": simulator})
    binary_dir = os.path.dirname(ansible_bin("ansible-playbook"))
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        XDG_CACHE_HOME=cache_dir,
        PATH=binary_dir + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        # The simulator sets no limit here: paced at Scalingo's 60 a minute, the job would mostly wait.
        SCALINGO_RATE_LIMIT="1200",
    )
    private = tmp_path / "job"
    private.mkdir()
    result = ansible_runner.run(
        private_data_dir=str(private),
        playbook=os.path.join(ROOT, "playbooks", "demo.yml"),
        inventory={"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}},
        envvars=env,
        verbosity=4,
        quiet=True,
        timeout=300,
    )
    events = list(result.events)
    stdout = "\n".join(event.get("stdout", "") for event in events)
    failed = [event for event in events if event["event"] == "runner_on_failed"]
    assert result.status == "successful" and result.rc == 0, stdout[-6000:]
    assert failed == []
    ok = [event for event in events if event["event"] == "runner_on_ok"]
    # The demo's tasks all run against the simulator: none is skipped, and every task of every play ran.
    with open(os.path.join(ROOT, "playbooks", "demo.yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    ran = {event["event_data"].get("task") for event in ok}
    tasks = [task for play in plays for task in play.get("tasks", [])]  # an import_playbook has none
    expected = [t["name"] for t in tasks if "{{" not in t["name"] and "ansible.builtin.include_tasks" not in t]
    assert [name for name in expected if name not in ran] == [], sorted(ran)
    assert len(ok) == result.stats["ok"]["localhost"] and not result.stats.get("skipped")
    assert not result.stats["failures"] and not result.stats["dark"]
    assert result.stats["changed"]["localhost"] >= 8
    assert events[-1]["event"] == "playbook_on_stats"
    # Nothing secret in what AWX shows and stores: the job output and the events' data.
    leaks = sorted(set(SECRETS.findall(stdout + json.dumps(events))))
    assert not leaks, f"secrets in the job events: {leaks}"
    with open(private / "artifacts" / result.config.ident / "stdout", encoding="utf-8") as handle:
        assert not SECRETS.findall(handle.read())


@NEWEST_ONLY
def test_execution_environment_build_context(tmp_path):
    """ansible-builder turns the collection's EE definition into a build context (ansible-builder build
    needs a container engine, which the tests don't)."""
    with open(EE_FILE, encoding="utf-8") as handle:
        definition = yaml.safe_load(handle)
    assert definition["version"] == 3
    # Collections give their requirement files relative to the collection root.
    assert definition["dependencies"]["python"] == "meta/ee-requirements.txt"
    assert definition["dependencies"]["system"] == "meta/ee-bindep.txt"
    root = tmp_path / "collection-root"
    shutil.copytree(os.path.join(ROOT, "meta"), root / "meta")
    shutil.copy(EE_FILE, root / "execution-environment.yml")
    result = subprocess.run(
        [
            os.path.join(VENV_BIN, "ansible-builder"),
            "create",
            "-f",
            "execution-environment.yml",
            "--context",
            str(tmp_path / "context"),
            "--output-filename",
            "Containerfile",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    build = tmp_path / "context" / "_build"
    containerfile = (tmp_path / "context" / "Containerfile").read_text(encoding="utf-8")
    assert definition["images"]["base_image"]["name"] in containerfile
    assert "introspect" in containerfile
    assert re.search(r"^requests\b", (build / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert (
        yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))["collections"][0]["name"]
        == "scalingo.cloud"
    )
    assert not os.path.exists(os.path.join(ROOT, "context"))


@NEWEST_ONLY
def test_execution_environment_introspection():
    """What ansible-builder adds to any EE that installs this collection: requests, no system package."""
    result = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-builder"), "introspect", COLLECTIONS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = yaml.safe_load(result.stdout.split("---", 1)[1])
    assert [line for line in data["python"] if "from collection scalingo.cloud" in line] == [
        "requests>=2.28  # from collection scalingo.cloud"
    ]
    assert not [line for line in data.get("system") or [] if "scalingo.cloud" in line]
