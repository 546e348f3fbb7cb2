"""The edge (ScalingoModule) checks the task's input with the module's input_problems before anything else."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.scalingo.cloud.plugins.module_utils._module import (
    ScalingoModule,
    auth_argument_spec,
    full_spec,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import auth_params

SPEC = {"app": {"type": "str", "required": True}, "note": {"type": "str", "no_log": True}}
NOTE = "s3cr3t-note-value"


def build(input_problems, **given):
    with patch_module_args(dict(auth_params(), **given)):
        return ScalingoModule(SPEC, wait=True, input_problems=input_problems)


def failure(capsys, input_problems, **given):
    with pytest.raises(SystemExit):
        build(input_problems, **given)
    return json.loads(capsys.readouterr().out)


def test_the_full_spec_is_the_module_options_the_connection_and_the_wait_options():
    assert set(full_spec(SPEC)) == set(SPEC) | set(auth_argument_spec())
    assert set(full_spec(SPEC, wait=True)) == set(SPEC) | set(auth_argument_spec()) | {"wait", "wait_timeout"}


def test_input_without_problems_gives_the_module_its_params():
    seen = []
    m = build(lambda params: seen.append(dict(params)) or [], app="my-shop")
    assert seen == [m.params] and m.params["wait_timeout"] == 300


def test_the_first_problem_fails_the_task_cleaned_of_the_task_secrets(capsys):
    result = failure(capsys, lambda params: [f"note {params['note']} is bad", "second"], app="my-shop", note=NOTE)
    assert result["failed"] is True
    assert result["msg"].startswith("note ") and result["msg"].endswith(" is bad")
    assert NOTE not in json.dumps(result)


def test_a_bad_wait_timeout_is_reported_before_the_module_problems(capsys):
    result = failure(capsys, lambda params: ["the module's problem"], app="my-shop", wait_timeout=0)
    assert result["msg"] == "wait_timeout must be a positive number of seconds, got 0"


def test_refused_values_fail_the_task_naming_the_variables_with_the_pieces_of_their_values_unmasked(capsys):
    given = {"OK": "kept-s3cr3t", "LIST": ["is"], "EMPTY": None}
    why = {"LIST": "LIST is list: give a string", "EMPTY": "EMPTY is null: give a string"}
    with patch_module_args(dict(auth_params(), app="my-shop", env=given)):
        m = ScalingoModule({"app": {"type": "str"}, "env": {"type": "dict", "no_log": True}})
        m.refuse_values("env", {})  # nothing refused: the task goes on
        with pytest.raises(SystemExit):
            m.refuse_values("env", why)
    result = json.loads(capsys.readouterr().out)
    # "is", a piece of a refused value, is no longer masked; the kept value still is.
    assert result["msg"] == "invalid env: LIST is list: give a string; EMPTY is null: give a string"
    assert "kept-s3cr3t" not in json.dumps(result)
