from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_child_app
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_child_app import ChildApp, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    APP_RULE,
    again,
    answer,
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

PARENT = "my-shop-staging"
CHILD = "my-shop-staging-pr42"
OWNER = {"email": "owner@example.com", "username": "owner"}


def params(**options):
    return validated(scalingo_child_app, **{"parent": PARENT, "name": CHILD, **options})


def app(name, parent_app_name=None, **fields):
    base = {"id": f"id-{name}", "name": name, "status": "running", "stack_id": "st-scalingo-22", "owner": OWNER}
    if parent_app_name is not None:
        base["parent_app_name"] = parent_app_name
    base.update(fields)
    return base


def child(**fields):
    return app(CHILD, PARENT, **fields)


def read(found):
    return expect("GET", f"/apps/{found['name']}", answer(200, {"app": found}))


def missing(name=CHILD):
    return expect("GET", f"/apps/{name}", not_found())


def created(result=None):
    return expect("POST", f"/apps/{PARENT}/child_apps", answer(201, {"app": result or child(status="new")}))


def deleted():
    return expect("DELETE", f"/apps/{CHILD}", answer(204))


def shown(present):
    return {"state": "present" if present else "absent", "name": CHILD, "parent": PARENT}


def same_as_real_run(options, real_script, check_script):
    return both_runs(ChildApp, options, real_script, check_script)[1]


# -- present ---------------------------------------------------------------------------------


def test_an_existing_child_of_the_parent_is_left_alone_after_one_read():
    o = succeeds(ChildApp, params(), read(child()))
    assert o.sent == [f"GET /apps/{CHILD}"]
    assert o.changed is False and o.result["app"] == child()
    assert o.diff == {"before": shown(True), "after": shown(True)}


def test_an_existing_child_in_check_mode_is_the_same_one_read():
    o = succeeds(ChildApp, params(), read(child()), check_mode=True)
    assert o.sent == [f"GET /apps/{CHILD}"] and o.changed is False


def test_a_missing_child_is_created_from_its_parent():
    o = succeeds(ChildApp, params(), missing(), created())
    assert o.sent == [f"GET /apps/{CHILD}", f"POST /apps/{PARENT}/child_apps"]
    assert o.client.the("POST").json == {"app": {"name": CHILD}}
    assert o.changed is True and o.result["app"] == child(status="new")
    assert o.diff == {"before": shown(False), "after": shown(True)}


def test_check_mode_predicts_the_child_from_its_parent_without_creating_it():
    check = same_as_real_run(params(), [missing(), created()], [missing(), read(app(PARENT))])
    assert check.sent == [f"GET /apps/{CHILD}", f"GET /apps/{PARENT}"]
    assert check.result["app"] == {
        "name": CHILD,
        "parent_app_name": PARENT,
        "owner": OWNER,
        "stack_id": "st-scalingo-22",
        "status": "new",
    }


def test_creation_fails_when_the_parent_does_not_exist():
    o = fails(ChildApp, params(), missing(), expect("POST", f"/apps/{PARENT}/child_apps", not_found()))
    assert o.error.message == f"could not create child app '{CHILD}': parent app '{PARENT}' does not exist"
    assert o.client.wrote is False


def test_check_mode_fails_when_the_parent_does_not_exist():
    o = fails(ChildApp, params(), missing(), missing(PARENT), check_mode=True)
    assert o.sent == [f"GET /apps/{CHILD}", f"GET /apps/{PARENT}"]
    assert o.error.message == f"could not create child app '{CHILD}': parent app '{PARENT}' does not exist"


def test_a_refused_creation_fails_with_the_api_reason():
    o = fails(
        ChildApp,
        params(),
        missing(),
        expect("POST", f"/apps/{PARENT}/child_apps", unprocessable({"name": ["has already been taken"]})),
    )
    assert (
        o.error.message
        == f"could not create child app '{CHILD}' of app '{PARENT}': name has already been taken (HTTP 422)"
    )
    assert len(o.client.mutations) == 1


def test_a_lost_creation_is_not_taken_as_landed_when_the_name_went_to_an_app_of_another_parent():
    o = fails(
        ChildApp,
        params(),
        missing(),
        expect("POST", f"/apps/{PARENT}/child_apps", lost()),
        again(read(app(CHILD, "someone-else"))),
        expect("POST", f"/apps/{PARENT}/child_apps", unprocessable({"name": ["has already been taken"]})),
        read(app(CHILD, "someone-else")),
    )
    assert len(o.client.mutations) == 2
    assert "name has already been taken" in o.error.message


# -- apps that are not a child of the parent ----------------------------------------------------


@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_an_app_of_that_name_that_is_a_child_of_another_app_fails_and_is_left_untouched(state, check_mode):
    o = fails(ChildApp, params(state=state), read(app(CHILD, "my-other-app")), check_mode=check_mode)
    assert o.sent == [f"GET /apps/{CHILD}"]
    assert o.error.message == (
        f"app '{CHILD}' exists and is a child of app 'my-other-app', not a child of '{PARENT}': "
        "it is left untouched; choose another name"
    )


@pytest.mark.parametrize("parent_app_name", [None, ""])
@pytest.mark.parametrize("state", ["present", "absent"])
def test_an_app_of_that_name_that_is_no_child_app_fails_and_is_left_untouched(state, parent_app_name):
    o = fails(ChildApp, params(state=state), read(app(CHILD, parent_app_name)))
    assert o.sent == [f"GET /apps/{CHILD}"]
    assert o.error.message == (
        f"app '{CHILD}' exists and is not a child app, not a child of '{PARENT}': "
        "it is left untouched; choose another name"
    )


# -- absent ----------------------------------------------------------------------------------


def test_absent_deletes_the_child_with_its_current_name():
    o = succeeds(ChildApp, params(state="absent"), read(child()), deleted())
    assert o.sent == [f"GET /apps/{CHILD}", f"DELETE /apps/{CHILD}"]
    assert o.client.the("DELETE").params == {"current_name": CHILD}
    assert o.changed is True and o.result["app"] == {}
    assert o.diff == {"before": shown(True), "after": shown(False)}


def test_absent_on_a_missing_child_changes_nothing_after_one_read():
    o = succeeds(ChildApp, params(state="absent"), missing())
    assert o.sent == [f"GET /apps/{CHILD}"] and o.changed is False
    assert o.diff == {"before": shown(False), "after": shown(False)}


def test_check_mode_predicts_a_deletion_without_sending_it():
    check = same_as_real_run(params(state="absent"), [read(child()), deleted()], [read(child())])
    assert check.sent == [f"GET /apps/{CHILD}"] and check.changed is True


def test_a_refused_deletion_fails_with_the_api_reason_and_is_not_sent_again():
    refusal = unprocessable({"current_name": ["Provided name does not match app name"]})
    o = fails(ChildApp, params(state="absent"), read(child()), expect("DELETE", f"/apps/{CHILD}", refusal))
    assert (
        o.error.message
        == f"could not delete child app '{CHILD}': current_name Provided name does not match app name (HTTP 422)"
    )
    assert len(o.client.mutations) == 1 and o.client.wrote is False


def test_valid_input_has_no_problem():
    assert input_problems(params()) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"parent": "My Shop"}, f"app name 'My Shop' (parent) is invalid: {APP_RULE}"),
        ({"name": "My Shop"}, f"app name 'My Shop' (name) is invalid: {APP_RULE}"),
        ({"parent": "My Shop", "name": "My Shop"}, f"app name 'My Shop' (parent) is invalid: {APP_RULE}"),
        ({"name": PARENT}, f"name and parent are both '{PARENT}': a child app needs a name of its own"),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0] == problem
