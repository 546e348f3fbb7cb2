"""Each module's ARGUMENT_SPEC says what its DOCUMENTATION says of every option of its own."""

from __future__ import annotations

import importlib

import pytest
import yaml

from ansible_collections.scalingo.cloud.plugins.doc_fragments.wait import ModuleDocFragment
from ansible_collections.scalingo.cloud.plugins.module_utils._module import wait_argument_spec

MODULES = [
    "scalingo_addon",
    "scalingo_alert",
    "scalingo_app",
    "scalingo_app_info",
    "scalingo_autoscaler",
    "scalingo_child_app",
    "scalingo_collaborator",
    "scalingo_database",
    "scalingo_database_backup",
    "scalingo_database_info",
    "scalingo_database_restore",
    "scalingo_database_user",
    "scalingo_deployment",
    "scalingo_domain",
    "scalingo_env",
    "scalingo_notifier",
    "scalingo_log_drain",
    "scalingo_restart",
    "scalingo_run",
    "scalingo_scale",
    "scalingo_scm_repo_link",
]
KEYS = ("type", "required", "default", "choices", "elements", "no_log")


def described(option):
    """The keys of a documented option or of a spec entry that both must agree on (Ansible's defaults left out)."""
    found = {key: option[key] for key in KEYS if key in option}
    found.setdefault("type", "str")
    if not found.get("required"):
        found.pop("required", None)
    if found.get("default") in ([], None):
        found.pop("default", None)
    found.pop("no_log", None)  # documented in the text, not a documentation key
    return found


def compared(spec, docs, where):
    assert sorted(spec) == sorted(docs), where
    for name, option in spec.items():
        assert described(option) == described(docs[name]), f"{where}{name}"
        if "options" in option:
            compared(option["options"], docs[name]["suboptions"], f"{where}{name}.")


@pytest.mark.parametrize("name", MODULES)
def test_the_argument_spec_is_the_documentation(name):
    module = importlib.import_module(f"ansible_collections.scalingo.cloud.plugins.modules.{name}")
    documentation = yaml.safe_load(module.DOCUMENTATION)
    docs = documentation["options"]
    if "scalingo.cloud.wait" in documentation["extends_documentation_fragment"]:
        docs = {**yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"], **docs}
    spec = dict(module.ARGUMENT_SPEC)
    if "wait" in docs:  # the wait options, from the edge (wait=True) unless the module has its own
        spec = {**wait_argument_spec(), **spec}
    compared(spec, docs, f"{name}: ")
