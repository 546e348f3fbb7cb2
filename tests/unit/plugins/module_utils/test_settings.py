"""The settings table is the one declaration of the connection options: the modules' argument spec, the
environment fallback and the inventory plugin come from it, and the docs must say the same."""

from __future__ import annotations

import ast
import os

import yaml
from ansible.module_utils.basic import env_fallback

from ansible_collections.scalingo.cloud.plugins.module_utils._module import auth_argument_spec
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE, SETTINGS, in_groups

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def documented(path, name="DOCUMENTATION"):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return yaml.safe_load(node.value.value)["options"]
    raise AssertionError(f"no {name} in {path}")


FRAGMENT = documented("plugins/doc_fragments/auth.py")
DATABASE_FRAGMENT = documented("plugins/doc_fragments/database.py")
INVENTORY = documented("plugins/inventory/scalingo.py")
# Where each group of the table is documented: the inventory takes the connection options only.
DOCUMENTED = {"connection": (FRAGMENT, INVENTORY), "database": (DATABASE_FRAGMENT,)}


def test_the_fragments_document_exactly_the_table():
    assert list(FRAGMENT) == [setting.name for setting in in_groups()]
    assert list(DATABASE_FRAGMENT) == [setting.name for setting in SETTINGS if setting.group == "database"]
    assert {setting.group for setting in SETTINGS} == set(DOCUMENTED)


def test_each_option_is_documented_as_declared():
    for setting in SETTINGS:
        for docs in (fragment[setting.name] for fragment in DOCUMENTED[setting.group]):
            assert docs["type"] == setting.type, setting.name
            assert docs.get("default") == setting.default, setting.name
        if setting.env:
            assert setting.env in " ".join(DOCUMENTED[setting.group][0][setting.name]["description"]), setting.name
        if setting.group != "connection":
            assert setting.name not in INVENTORY, setting.name
            continue
        inventory_env = [entry["name"] for entry in INVENTORY[setting.name].get("env", [])]
        assert inventory_env == ([setting.env] if setting.env else []), setting.name


def test_the_argument_spec_is_the_table():
    assert list(auth_argument_spec()) == [setting.name for setting in in_groups()]
    spec = auth_argument_spec(DATABASE)
    assert list(spec) == [setting.name for setting in SETTINGS]
    for setting in SETTINGS:
        option = spec[setting.name]
        assert option["type"] == setting.type
        assert option.get("default") == setting.default
        assert option.get("no_log", False) == setting.no_log
        assert option.get("fallback") == ((env_fallback, [setting.env]) if setting.env else None)


def test_secrets_are_no_log():
    assert [setting.name for setting in SETTINGS if setting.no_log] == ["api_token"]
