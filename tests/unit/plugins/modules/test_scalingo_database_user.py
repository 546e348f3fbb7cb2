from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_database_user
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_user import DatabaseUser, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    answer,
    expect,
    fails,
    lost,
    succeeds,
    unprocessable,
    validated,
)

USERS = "/databases/ad-1/users"
PASSWORD = "pw-unit-0123456789abcdef-given"
GENERATED = "pw-unit-generated-0123456789abcdef"
PLATFORM = {"name": "my_app_4553", "read_only": False, "protected": True}
Scripted = on_database(DatabaseUser)


def params(**options):
    return validated(scalingo_database_user, **{"app": "my-app", "addon": "postgresql", "name": "analytics", **options})


def user(name="analytics", read_only=False, **more):
    return {"name": name, "read_only": read_only, "protected": False, **more}


def listing(*users):
    return expect("GET", USERS, answer(200, {"database-users": [PLATFORM, *users]}))


def test_an_existing_user_is_left_alone_from_one_read():
    outcome = succeeds(Scripted, params(read_only=True, password=PASSWORD), listing(user(read_only=True)))
    assert not outcome.changed
    assert outcome.result["user"] == user(read_only=True)
    assert outcome.client.sent == [f"GET {USERS}"]


def test_create_sends_the_password_and_its_confirmation_and_returns_no_password():
    created = answer(201, {"database_user": user(read_only=True, password=PASSWORD)})
    outcome = succeeds(Scripted, params(read_only=True, password=PASSWORD), listing(), expect("POST", USERS, created))
    body = outcome.client.the("POST").json["database_user"]
    assert body == {
        "database_id": "ad-1",
        "name": "analytics",
        "read_only": True,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
    }
    assert outcome.changed and outcome.result["user"] == user(read_only=True)
    assert "generated_password" not in outcome.result
    assert PASSWORD not in repr(outcome.result)
    assert outcome.diff == {
        "before": {"state": "absent", "name": "analytics"},
        "after": {"state": "present", **user(read_only=True)},
    }


@pytest.mark.parametrize("wrapped", [True, False])
def test_a_generated_password_is_returned_once_under_its_key(wrapped):
    data = user(password=GENERATED)
    outcome = succeeds(
        Scripted, params(), listing(), expect("POST", USERS, answer(201, {"database_user": data} if wrapped else data))
    )
    assert "password" not in outcome.client.the("POST").json["database_user"]
    assert outcome.result["generated_password"] == GENERATED
    assert outcome.result["user"] == user()
    # No message or warning of the task may quote it.
    assert GENERATED in outcome.client.secrets()


def test_an_answer_without_the_generated_password_fails_as_a_change():
    outcome = fails(Scripted, params(), listing(), expect("POST", USERS, answer(201, {"database_user": user()})))
    assert outcome.error.changed
    assert "the answer held no generated password" in outcome.error.message


def test_check_mode_predicts_the_user_and_generates_nothing():
    outcome = succeeds(Scripted, params(read_only=True), listing(), check_mode=True)
    assert outcome.changed and outcome.result["user"] == user(read_only=True)
    assert "generated_password" not in outcome.result


def test_a_lost_creation_that_landed_is_not_sent_again():
    outcome = succeeds(
        Scripted,
        params(password=PASSWORD),
        listing(),
        expect("POST", USERS, lost()),
        listing(user()),
    )
    assert [call.method for call in outcome.client.mutations] == ["POST"]
    assert outcome.changed and outcome.result["user"] == user()


def test_a_lost_creation_with_a_generated_password_gets_a_new_password():
    reset = answer(200, {"database_user": user(password=GENERATED)})
    outcome = succeeds(
        Scripted,
        params(),
        listing(),
        expect("POST", USERS, lost()),
        listing(user()),
        expect("POST", f"{USERS}/analytics/reset_password", reset),
    )
    assert outcome.result["generated_password"] == GENERATED
    assert "was lost, with the password Scalingo generated" in outcome.resource.warnings[0]


def test_a_lost_creation_that_did_not_land_is_sent_once_more():
    outcome = succeeds(
        Scripted,
        params(password=PASSWORD),
        listing(),
        expect("POST", USERS, lost()),
        expect("GET", USERS, answer(200, {"database-users": [PLATFORM]}), again=True),
        expect("POST", USERS, answer(201, {"database_user": user()})),
    )
    assert [call.method for call in outcome.client.mutations] == ["POST", "POST"]


def test_read_only_is_fixed_at_creation():
    outcome = fails(Scripted, params(read_only=True), listing(user(read_only=False)))
    assert "is read_only=false, and Scalingo fixes it at creation" in outcome.error.message
    assert "delete the user (state: absent) and create it again" in outcome.error.message
    assert outcome.client.mutations == []


def test_update_password_always_writes_it_each_run():
    outcome = succeeds(
        Scripted,
        params(password=PASSWORD, update_password="always"),
        listing(user()),
        expect("PATCH", f"{USERS}/analytics", answer(200, {"database_user": user()})),
    )
    assert outcome.changed
    assert outcome.client.the("PATCH").json == {
        "database_user": {"database_id": "ad-1", "password": PASSWORD, "password_confirmation": PASSWORD}
    }
    assert outcome.diff["after"]["password"] == "set" and "password" not in outcome.diff["before"]


def test_update_password_always_in_check_mode_sends_nothing():
    outcome = succeeds(Scripted, params(password=PASSWORD, update_password="always"), listing(user()), check_mode=True)
    assert outcome.changed


@pytest.mark.parametrize("options", [{"state": "absent"}, {"password": PASSWORD, "update_password": "always"}])
def test_protected_users_are_refused_before_any_write(options):
    outcome = fails(Scripted, params(name="my_app_4553", **options), listing())
    assert "is protected: Scalingo manages it" in outcome.error.message
    assert outcome.client.mutations == []


def test_a_platform_style_name_is_never_created():
    outcome = fails(Scripted, params(name="my_app_4553"), expect("GET", USERS, answer(200, {"database-users": []})))
    assert "can't be created" in outcome.error.message
    assert outcome.client.mutations == []


def test_absent_deletes_then_is_unchanged():
    outcome = succeeds(
        Scripted, params(state="absent"), listing(user()), expect("DELETE", f"{USERS}/analytics", answer(204))
    )
    assert outcome.changed and outcome.result["user"] == {}
    assert not succeeds(Scripted, params(state="absent"), listing()).changed


def test_a_lost_delete_that_landed_is_not_sent_again():
    outcome = succeeds(
        Scripted,
        params(state="absent"),
        listing(user()),
        expect("DELETE", f"{USERS}/analytics", lost()),
        listing(),
    )
    assert [call.method for call in outcome.client.mutations] == ["DELETE"]


def test_the_api_refusal_is_reported():
    outcome = fails(
        Scripted,
        params(password=PASSWORD),
        listing(),
        expect("POST", USERS, unprocessable({"name": ["has already been taken"]})),
    )
    assert "has already been taken" in outcome.error.message


def test_a_database_without_users_is_refused():
    outcome = fails(on_database(DatabaseUser, provider="redis"), params(addon="redis"))
    assert "has no users" in outcome.error.message
    assert outcome.client.sent == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"name": "Analytics"}, "name 'Analytics' is invalid: a database user name has 6 to 32 characters"),
        ({"name": "ana--lytics"}, "single hyphens"),
        ({"name": "-analytics"}, "single hyphens"),
        ({"name": "analytics-"}, "single hyphens"),
        ({"name": "short"}, "6 to 32 characters"),
        ({"name": "a" * 33}, "6 to 32 characters"),
        ({"password": "x" * 23}, "password has 23 characters: Scalingo takes 24 to 64"),
        ({"password": "x" * 65}, "password has 65 characters"),
        ({"update_password": "always"}, "update_password is always: give the password to set in password"),
        ({"app": "My Shop"}, "app name 'My Shop' (app) is invalid"),
    ],
)
def test_input_problems(options, problem):
    problems = input_problems(params(**options))
    assert problems and problem in problems[0]
    assert "x" * 23 not in problems[0]


def test_good_input_has_no_problem():
    assert input_problems(params(name="analytics-2", password="x" * 24, update_password="always")) == []
    assert input_problems(params(name="my_app_4553", state="absent")) == []
    assert input_problems(params(state="absent", update_password="always")) == []
