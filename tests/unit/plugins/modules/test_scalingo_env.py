from __future__ import annotations

import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_env
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_env import (
    Env,
    addon_names,
    input_problems,
    refused_values,
    value_text,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    API,
    APP_RULE,
    NO_SCALARS,
    SCALAR_TEXTS,
    answer,
    busy,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    unprocessable,
    validated,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    same_as_real_run as both_runs,
)

APP = "my-shop"
PATH = f"/apps/{APP}/variables"
OP_URL = f"{API}/v1/apps/{APP}/operations/op-9"
SECRET = "s3cr3t-unit-value"
PG_URL = "postgres://u:s3cr3t-unit-pg@db.example:5432/shop"


def params(variables=None, **options):
    return validated(scalingo_env, waits=True, **{"app": APP, "variables": variables, **options})


def var(name, value, ident=None):
    return {"id": ident or f"id-{name.lower()}", "app_id": "app-1", "name": name, "value": value}


def listing(*variables):
    return expect("GET", PATH, answer(200, {"variables": list(variables)}))


def put(*names, status=200):
    return expect("PUT", PATH, answer(status, {"variables": [var(n, "x") for n in names]}))


def put_answer(reply):
    return expect("PUT", PATH, reply)


def deleted():
    return expect("DELETE", PATH, answer(204))


def delete_answer(reply):
    return expect("DELETE", PATH, reply)


def restarted():
    return expect("POST", f"/apps/{APP}/restart", answer(202, None, Location=OP_URL))


def operation(status):
    return expect("GET", OP_URL, answer(200, {"operation": {"id": "op-9", "status": status, "type": "restart"}}))


CURRENT = (
    var("RAILS_ENV", "production"),
    var("API_KEY", SECRET),
    var("OLD_FLAG", "on"),
    var("SCALINGO_POSTGRESQL_URL", PG_URL),
    var("DATABASE_URL", "$SCALINGO_POSTGRESQL_URL"),
)


def no_secret_in(outcome):
    shown = json.dumps(outcome.result if outcome.error is None else [outcome.error.message, outcome.error.result])
    for secret in ("s3cr3t", SECRET, PG_URL):
        assert secret not in shown


def same_as_real_run(options, real_script, check_script):
    """Check mode predicts the real run's changed, diff and names, and sends nothing that changes anything."""
    real, check = both_runs(Env, options, real_script, check_script, ("variables", "added", "updated", "removed"))
    assert check.sent == [f"GET {PATH}"]
    no_secret_in(real)
    no_secret_in(check)
    return real


# -- input checked before any request ------------------------------------------------------------


@pytest.mark.parametrize("value, text", SCALAR_TEXTS)
def test_values_are_sent_as_text(value, text):
    assert value_text("VAR", value) == text


REFUSED_VALUES = [
    *(
        (value, f"API_KEY is {kind}: give a string, a number or true/false (quote it to send it as text)")
        for value, kind in NO_SCALARS
    ),
    ("", "API_KEY is empty: Scalingo refuses empty values; remove the variable with state=absent"),
    ("s3cr3t-" + "x" * 32762, "API_KEY has a value of 32769 characters, more than Scalingo's 32768"),
]


@pytest.mark.parametrize("value, problem", REFUSED_VALUES)
def test_bad_values_are_refused_naming_the_variable_never_the_value(value, problem):
    with pytest.raises(ScalingoError) as caught:
        value_text("API_KEY", value)
    assert caught.value.message == problem
    assert "s3cr3t" not in caught.value.message


def test_the_longest_value_is_accepted():
    assert len(value_text("BIG", "x" * 32768)) == 32768


def test_a_bad_value_fails_before_any_request():
    o = fails(Env, params({"GOOD": "fine", "LIST": [SECRET]}))
    assert o.sent == []
    assert o.error.message.startswith("LIST is list")
    no_secret_in(o)


@pytest.mark.parametrize(
    "variable, managed",
    [
        (var("SCALINGO_POSTGRESQL_URL", PG_URL), True),
        (var("SCALINGO_REDIS_URL", "redis://x"), True),
        (var("DATABASE_URL", "$SCALINGO_POSTGRESQL_URL"), True),
        (var("REDIS_URL", "${SCALINGO_REDIS_URL}"), True),
        (var("MY_DB", "$SCALINGO_MONGO_URL"), True),
        (var("DANGLING", "$SCALINGO_GONE_URL"), True),
        (var("DATABASE_URL", "postgres://elsewhere"), False),
        (var("DATABASE_URL", "$SCALINGO_POSTGRESQL_URL?sslmode=require"), False),
        (var("SCALINGO_FLAG", "on"), False),
        (var("APP_URL", "$OTHER_URL"), False),
        (var("OTHER_URL", "https://other"), False),
    ],
)
def test_addon_variables_are_recognised_by_name_or_alias(variable, managed):
    current = {"SCALINGO_POSTGRESQL_URL": var("SCALINGO_POSTGRESQL_URL", PG_URL), variable["name"]: variable}
    assert (variable["name"] in addon_names(current)) is managed


def test_a_variable_an_addon_name_is_an_alias_of_is_the_addons():
    current = {v["name"]: v for v in (var("SCALINGO_MONGO_URL", "$MONGO_URL"), var("MONGO_URL", "mongodb://x"))}
    assert addon_names(current) == {"SCALINGO_MONGO_URL", "MONGO_URL"}


# -- unchanged ---------------------------------------------------------------------------------------


def test_variables_already_set_cost_one_request_with_raw_aliases():
    o = succeeds(
        Env,
        params({"RAILS_ENV": "production", "API_KEY": SECRET, "DATABASE_URL": "$SCALINGO_POSTGRESQL_URL"}),
        listing(*CURRENT),
    )
    assert o.sent == [f"GET {PATH}"]
    assert o.client.calls[0].params == {"aliases": "true"}
    assert o.changed is False and o.client.wrote is False
    assert o.diff == {
        "before": {"variables": {"API_KEY": "set", "DATABASE_URL": "set", "RAILS_ENV": "set"}},
        "after": {"variables": {"API_KEY": "set", "DATABASE_URL": "set", "RAILS_ENV": "set"}},
    }
    assert o.result["variables"] == sorted(v["name"] for v in CURRENT)
    assert (o.result["added"], o.result["updated"], o.result["removed"]) == ([], [], [])
    assert (o.result["operation"], o.result["duration"]) == (None, 0.0)
    no_secret_in(o)


def test_converted_values_compare_as_text():
    o = succeeds(Env, params({"WORKERS": 3, "DEBUG": False}), listing(var("WORKERS", "3"), var("DEBUG", "false")))
    assert o.changed is False and o.sent == [f"GET {PATH}"]


def test_exclusive_with_only_addon_variables_left_is_unchanged():
    o = succeeds(
        Env,
        params({"RAILS_ENV": "production"}, exclusive=True),
        listing(CURRENT[0], CURRENT[3], CURRENT[4]),
    )
    assert o.changed is False and o.sent == [f"GET {PATH}"]


def test_absent_variables_already_gone_is_one_request():
    o = succeeds(Env, params(state="absent", names=["NOT_THERE"]), listing(*CURRENT))
    assert o.changed is False and o.sent == [f"GET {PATH}"]
    assert o.diff == {"before": {"variables": {}}, "after": {"variables": {}}}


def test_restart_is_not_done_when_nothing_changed():
    o = succeeds(Env, params({"RAILS_ENV": "production"}, restart=True), listing(*CURRENT))
    assert o.sent == [f"GET {PATH}"] and o.result["operation"] is None


# -- changes ------------------------------------------------------------------------------------------


def test_added_and_changed_variables_go_in_one_bulk_put():
    o = succeeds(
        Env,
        params({"RAILS_ENV": "staging", "NEW_KEY": "s3cr3t-new", "API_KEY": SECRET}),
        listing(*CURRENT),
        put("NEW_KEY", "RAILS_ENV"),
    )
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}"]
    assert o.client.the("PUT").json == {
        "variables": [{"name": "NEW_KEY", "value": "s3cr3t-new"}, {"name": "RAILS_ENV", "value": "staging"}]
    }
    assert o.client.the("PUT").ok == (200, 400)
    assert o.changed is True
    assert o.diff == {
        "before": {"variables": {"API_KEY": "set", "RAILS_ENV": "set"}},
        "after": {"variables": {"API_KEY": "set", "NEW_KEY": "added", "RAILS_ENV": "changed"}},
    }
    assert (o.result["added"], o.result["updated"], o.result["removed"]) == (["NEW_KEY"], ["RAILS_ENV"], [])
    assert o.result["variables"] == sorted([v["name"] for v in CURRENT] + ["NEW_KEY"])
    no_secret_in(o)


def test_an_alias_is_set_as_raw_text():
    o = succeeds(
        Env,
        params({"DATABASE_URL": "$SCALINGO_POSTGRESQL_URL"}),
        listing(CURRENT[3], var("DATABASE_URL", "postgres://old")),
        put("DATABASE_URL"),
    )
    assert o.client.the("PUT").json == {"variables": [{"name": "DATABASE_URL", "value": "$SCALINGO_POSTGRESQL_URL"}]}


def test_exclusive_removes_the_others_in_one_bulk_delete_and_keeps_addon_variables():
    o = succeeds(
        Env,
        params({"RAILS_ENV": "staging"}, exclusive=True),
        listing(*CURRENT),
        put("RAILS_ENV"),
        deleted(),
    )
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}", f"DELETE {PATH}"]
    assert o.client.the("DELETE").json == {"variable_ids": ["id-api_key", "id-old_flag"]}
    assert o.client.the("DELETE").ok == (204,)
    assert o.result["removed"] == ["API_KEY", "OLD_FLAG"]
    assert o.result["variables"] == ["DATABASE_URL", "RAILS_ENV", "SCALINGO_POSTGRESQL_URL"]
    assert o.diff == {
        "before": {"variables": dict.fromkeys(sorted(v["name"] for v in CURRENT), "set")},
        "after": {"variables": {"DATABASE_URL": "set", "RAILS_ENV": "changed", "SCALINGO_POSTGRESQL_URL": "set"}},
    }
    no_secret_in(o)


def test_exclusive_sets_an_addon_variable_that_is_named():
    o = succeeds(
        Env,
        params({"DATABASE_URL": "postgres://external"}, exclusive=True),
        listing(CURRENT[3], CURRENT[4]),
        put("DATABASE_URL"),
    )
    assert o.result["updated"] == ["DATABASE_URL"] and o.result["removed"] == []


def test_exclusive_with_no_variables_removes_all_but_the_addons():
    o = succeeds(Env, params({}, exclusive=True), listing(*CURRENT), deleted())
    assert o.sent == [f"GET {PATH}", f"DELETE {PATH}"]
    assert o.result["removed"] == ["API_KEY", "OLD_FLAG", "RAILS_ENV"]


def test_without_exclusive_other_variables_are_left_alone():
    o = succeeds(Env, params({"NEW": "one"}), listing(*CURRENT), put("NEW"))
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}"]
    assert o.diff == {"before": {"variables": {}}, "after": {"variables": {"NEW": "added"}}}


@pytest.mark.parametrize(
    "options",
    [
        {"names": ["OLD_FLAG", "API_KEY", "NOT_THERE"]},
        {"variables": {"OLD_FLAG": None, "API_KEY": "any", "NOT_THERE": ["ignored"]}},
    ],
)
def test_absent_removes_the_named_variables_in_one_bulk_delete(options):
    o = succeeds(Env, params(**dict({"state": "absent"}, **options)), listing(*CURRENT), deleted())
    assert o.sent == [f"GET {PATH}", f"DELETE {PATH}"]
    assert o.client.the("DELETE").json == {"variable_ids": ["id-api_key", "id-old_flag"]}
    assert o.result["removed"] == ["API_KEY", "OLD_FLAG"]
    assert "API_KEY" not in o.result["variables"] and "OLD_FLAG" not in o.result["variables"]
    assert o.diff == {"before": {"variables": {"API_KEY": "set", "OLD_FLAG": "set"}}, "after": {"variables": {}}}


def test_absent_can_remove_an_addon_variable_it_names():
    o = succeeds(Env, params(state="absent", names=["DATABASE_URL"]), listing(*CURRENT), deleted())
    assert o.result["removed"] == ["DATABASE_URL"]


# -- check mode ---------------------------------------------------------------------------------------


def test_check_mode_of_a_change_is_the_real_runs_prediction():
    options = params({"RAILS_ENV": "staging", "NEW_KEY": "s3cr3t-new"}, exclusive=True)
    same_as_real_run(options, [listing(*CURRENT), put("NEW_KEY", "RAILS_ENV"), deleted()], [listing(*CURRENT)])


def test_check_mode_of_an_absent_is_the_real_runs_prediction():
    options = params(state="absent", names=["OLD_FLAG"])
    same_as_real_run(options, [listing(*CURRENT), deleted()], [listing(*CURRENT)])


def test_check_mode_of_no_change_is_the_same_one_read():
    options = params({"RAILS_ENV": "production"})
    same_as_real_run(options, [listing(*CURRENT)], [listing(*CURRENT)])


def test_check_mode_does_not_restart():
    o = succeeds(Env, params({"NEW": "one"}, restart=True), listing(*CURRENT), check_mode=True)
    assert o.changed is True and o.result["operation"] is None and o.sent == [f"GET {PATH}"]


# -- restart -----------------------------------------------------------------------------------------


def test_restart_after_a_change_follows_the_operation():
    o = succeeds(
        Env, params({"NEW": "one"}, restart=True), listing(*CURRENT), put("NEW"), restarted(), operation("done")
    )
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}", f"POST /apps/{APP}/restart", f"GET {OP_URL}"]
    assert o.client.the("POST").json == {}
    assert o.result["operation"] == {"id": "op-9", "status": "done", "type": "restart"}
    assert o.result["duration"] == 0.5


def test_restart_without_wait_returns_the_operation_id():
    o = succeeds(Env, params({"NEW": "one"}, restart=True, wait=False), listing(*CURRENT), put("NEW"), restarted())
    assert o.result["operation"] == {"id": "op-9", "url": OP_URL}


def test_restart_waits_while_the_app_is_busy():
    o = succeeds(
        Env,
        params({"NEW": "one"}, restart=True),
        listing(*CURRENT),
        put("NEW"),
        expect("POST", f"/apps/{APP}/restart", busy("scaling")),
        expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "status": "scaling"}})),
        expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "status": "running"}})),
        restarted(),
        operation("done"),
    )
    assert o.result["operation"]["status"] == "done"


def test_a_refused_restart_fails_as_a_change_with_the_api_reason():
    o = fails(
        Env,
        params({"NEW": "one"}, restart=True),
        listing(*CURRENT),
        put("NEW"),
        expect("POST", f"/apps/{APP}/restart", unprocessable({"app": ["app is not deployed"]})),
        expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "status": "new"}})),
    )
    assert o.error.message == (
        f"the variables of app '{APP}' changed, but it could not be restarted: app is not deployed (HTTP 422)"
    )
    assert o.client.wrote is True


def test_a_restart_ending_in_error_fails_as_a_change():
    o = fails(Env, params({"NEW": "one"}, restart=True), listing(*CURRENT), put("NEW"), restarted(), operation("error"))
    assert o.error.changed is True and "the restart on app 'my-shop' failed" in o.error.message


# -- lost answers ------------------------------------------------------------------------------------


def test_a_lost_put_that_landed_is_not_sent_again():
    o = succeeds(
        Env,
        params({"NEW": SECRET, "RAILS_ENV": "staging"}),
        listing(*CURRENT),
        put_answer(lost()),
        listing(*CURRENT[1:], var("RAILS_ENV", "staging"), var("NEW", SECRET)),
    )
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}", f"GET {PATH}"]
    assert o.changed is True and o.result["added"] == ["NEW"]
    no_secret_in(o)


def test_a_lost_delete_sends_again_only_what_is_left():
    o = succeeds(
        Env,
        params(state="absent", names=["OLD_FLAG", "API_KEY"]),
        listing(*CURRENT),
        delete_answer(answer(502)),
        listing(*[v for v in CURRENT if v["name"] != "API_KEY"]),
        deleted(),
    )
    assert o.sent == [f"GET {PATH}", f"DELETE {PATH}", f"GET {PATH}", f"DELETE {PATH}"]
    assert o.client.calls[-1].json == {"variable_ids": ["id-old_flag"]}


# -- refusals and bad answers -------------------------------------------------------------------------


def refused(*failed):
    return put_answer(answer(400, {"failed": list(failed)}, **{"X-Request-ID": "req-1"}))


def test_a_reserved_name_is_refused_naming_it_and_the_reason_never_the_value():
    o = fails(
        Env,
        params({"PORT": "s3cr3t-port"}),
        listing(*CURRENT),
        refused(dict(var("PORT", "s3cr3t-port"), errors={"name": ["is reserved"]})),
        listing(*CURRENT),
    )
    assert o.error.message == (
        f"could not set the variables of app '{APP}': Scalingo refused PORT: name is reserved "
        "(HTTP 400, request id req-1); nothing was changed"
    )
    assert o.error.changed is False and o.error.status == 400
    no_secret_in(o)


def test_variables_accepted_with_a_refused_one_are_named_and_the_task_is_a_change():
    o = fails(
        Env,
        params({"PORT": "8080", "GOOD": "s3cr3t-good", "ALSO": "fine"}),
        listing(*CURRENT),
        refused(
            dict(var("PORT", "8080"), errors={"name": ["is reserved"]}),
            dict(var("ALSO", "fine"), errors={"value": ["is odd", "is weird"], "base": "no"}),
        ),
        listing(*CURRENT, var("GOOD", "s3cr3t-good")),
    )
    assert o.error.message == (
        f"could not set the variables of app '{APP}': Scalingo refused PORT: name is reserved; "
        "ALSO: value is odd and is weird, base no (HTTP 400, request id req-1); set all the same: GOOD"
    )
    assert o.error.changed is True
    assert o.sent == [f"GET {PATH}", f"PUT {PATH}", f"GET {PATH}"]
    no_secret_in(o)


def test_a_400_without_a_failed_list_gives_the_api_error():
    o = fails(Env, params({"NEW": "one"}), listing(*CURRENT), put_answer(answer(400, {"error": "bad json"})))
    assert o.error.message == f"could not set the variables of app '{APP}': bad json (HTTP 400)"
    o = fails(Env, params({"NEW": "one"}), listing(*CURRENT), put_answer(answer(400, ["odd"])))
    assert o.error.message == f"could not set the variables of app '{APP}': Bad Request (HTTP 400)"


def test_a_failed_list_of_the_wrong_shape_is_a_bad_answer():
    o = fails(Env, params({"NEW": "one"}), listing(*CURRENT), put_answer(answer(400, {"failed": [{"errors": {}}]})))
    assert "has a 'failed' whose 'name' is not a string" in o.error.message


def test_an_unknown_app_is_the_api_reason():
    o = fails(Env, params({"NEW": "one"}), expect("GET", PATH, not_found("app")))
    assert o.error.message == f"could not read the variables of app '{APP}': app not found (HTTP 404)"


@pytest.mark.parametrize(
    "data, problem",
    [
        ({}, "has no 'variables'"),
        ({"variables": {"A": "b"}}, "has a 'variables' that is not a list"),
        ({"variables": [{"id": "1", "name": "A", "value": None}]}, "has a 'variables' whose 'value' is not a string"),
        ({"variables": [{"name": "A", "value": "b"}]}, "has a 'variables' whose 'id' is not a string"),
    ],
)
def test_a_listing_of_the_wrong_shape_is_a_bad_answer(data, problem):
    o = fails(Env, params({"NEW": "one"}), expect("GET", PATH, answer(200, data)))
    assert problem in o.error.message and o.sent == [f"GET {PATH}"]


def test_a_put_answer_of_the_wrong_shape_is_a_bad_answer_after_a_change():
    o = fails(Env, params({"NEW": "one"}), listing(*CURRENT), put_answer(answer(200, {"variable": {}})))
    assert "has no 'variables'" in o.error.message and o.client.wrote is True


def test_a_refused_delete_is_the_api_reason():
    o = fails(
        Env,
        params(state="absent", names=["OLD_FLAG"]),
        listing(*CURRENT),
        delete_answer(unprocessable({"variable_ids": ["can't be blank"]})),
    )
    assert o.error.message == f"could not remove variables of app '{APP}': variable_ids can't be blank (HTTP 422)"


@pytest.mark.parametrize(
    "options",
    [
        {"variables": {"API_KEY": SECRET, "WORKERS": 4}},
        {"variables": {"API_KEY": SECRET}, "exclusive": True},
        {"state": "absent", "names": ["API_KEY"]},
        {"state": "absent", "variables": {"API_KEY": SECRET}},
    ],
)
def test_valid_input_has_no_problem(options):
    assert input_problems(params(**options)) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop", "variables": {"1A": "x"}}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        (
            {"names": ["API_KEY"]},
            "names is only used with state=absent: give variables (a dict of name to value) to set",
        ),
        ({}, "variables is required with state=present (a dict of name to value)"),
        ({"state": "absent", "names": ["API_KEY"], "exclusive": True}, "exclusive is only used with state=present"),
        ({"state": "absent"}, "state=absent needs names (or variables) to remove"),
        ({"variables": {"API_KEY": "x", "1A": "y"}}, "invalid variable names: '1A' ("),
        ({"state": "absent", "names": ["OK", "A-B"]}, "invalid variable names: 'A-B' ("),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)


def test_values_that_cant_be_sent_are_refused_apart_naming_the_variable_only():
    given = params({"API_KEY": SECRET, "EMPTY": "", "LIST": ["a"]})
    assert input_problems(given) == []
    refused = refused_values(given)
    assert list(refused) == ["EMPTY", "LIST"]
    assert refused["EMPTY"].startswith("EMPTY is empty: ")
    assert refused["LIST"].startswith("LIST is list: ")
    assert not any(SECRET in why for why in refused.values())
    assert refused_values(params({"EMPTY": ""}, state="absent")) == {}
