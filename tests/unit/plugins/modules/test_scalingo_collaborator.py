from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_collaborator
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_collaborator import Collaborator, input_problems
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

APP = "my-shop"
LIST = f"/apps/{APP}/collaborators"
ID = "54101e25736f7563d5060000"
TOKEN = "s3cr3t-invite-0123456789abcdef"
LINK = f"https://my.scalingo.com/apps/collaboration?token={TOKEN}"


def params(**options):
    return validated(scalingo_collaborator, **{"app": APP, "email": "dev@example.com", **options})


def member(email="dev@example.com", status="pending", **fields):
    base = {
        "id": ID,
        "email": email,
        "user_id": None if status == "pending" else "us-1",
        "username": "n/a" if status == "pending" else "dev",
        "tfa_status": None,
        "status": status,
        "is_limited": True,
        "invitation_link": LINK if status == "pending" else "https://my.scalingo.com/apps/collaboration?token=",
        "app_id": "5410e25736f7563d50600000",
        "app_name": APP,
    }
    base.update(fields)
    return base


def without_link(collaborator):
    return {key: value for key, value in collaborator.items() if key != "invitation_link"}


def listing(*members):
    return expect("GET", LIST, answer(200, {"collaborators": list(members)}))


def app_read(owner="owner@example.com"):
    return expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "owner": {"email": owner}}}))


def invited(result):
    return expect("POST", LIST, answer(201, {"collaborator": result}))


def patched(result):
    return expect("PATCH", f"{LIST}/{ID}", answer(200, {"collaborator": result}))


def deleted():
    return expect("DELETE", f"{LIST}/{ID}", answer(204))


def absent(email="dev@example.com"):
    return {"email": email, "state": "absent"}


def present(limited=True, status="pending", email="dev@example.com"):
    return {"email": email, "state": "present", "limited": limited, "status": status}


def same_as_real_run(options, real_script, check_script):
    return both_runs(Collaborator, options, real_script, check_script)


def no_token_in(outcome):
    """The invitation token is nowhere in what the task gives back: result, diff, warnings, message."""
    shown = [outcome.result, outcome.resource.warnings, outcome.error and outcome.error.message]
    assert TOKEN not in repr(shown)


# -- unchanged ---------------------------------------------------------------------------------


def test_an_invited_collaborator_is_left_alone_after_one_read_and_the_link_is_not_returned():
    o = succeeds(Collaborator, params(), listing(member("other@example.com", id="x" * 24), member()))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.diff == {"before": present(), "after": present()}
    assert o.result["collaborator"] == without_link(member())
    no_token_in(o)


def test_the_email_is_compared_case_insensitively_both_ways():
    for given, stored in (("Dev@Example.com", "dev@example.com"), ("dev@example.com", "DEV@example.COM")):
        o = succeeds(Collaborator, params(email=given), listing(member(stored, status="accepted")))
        assert o.changed is False and o.sent == [f"GET {LIST}"]
        assert o.diff["after"] == present(status="accepted")


def test_an_unmanaged_role_is_not_compared():
    o = succeeds(Collaborator, params(limited=None), listing(member(is_limited=False)))
    assert o.changed is False and o.diff["after"] == present(limited=False)


def test_the_wanted_role_is_left_alone():
    o = succeeds(Collaborator, params(limited=False), listing(member(is_limited=False, status="accepted")))
    assert o.changed is False and o.sent == [f"GET {LIST}"]


def test_a_collaborator_without_is_limited_is_a_limited_collaborator():
    o = succeeds(Collaborator, params(limited=True), listing(without_link(member(is_limited=None))))
    assert o.changed is False and o.diff["after"] == present(limited=True)
    legacy = {key: value for key, value in member().items() if key != "is_limited"}
    o = succeeds(Collaborator, params(limited=True), listing(legacy))
    assert o.changed is False


def test_an_unchanged_run_in_check_mode_is_the_same_one_read():
    o = succeeds(Collaborator, params(limited=True), listing(member()), check_mode=True)
    assert o.sent == [f"GET {LIST}"] and o.changed is False


def test_the_link_is_returned_only_when_asked():
    o = succeeds(Collaborator, params(return_invitation_link=True), listing(member()))
    assert o.result["collaborator"]["invitation_link"] == LINK
    assert TOKEN not in repr(o.diff)


# -- invite ----------------------------------------------------------------------------------


def test_a_missing_collaborator_is_invited_as_the_api_default_a_limited_one():
    o = succeeds(Collaborator, params(email="Dev@Example.com"), listing(), app_read(), invited(member()))
    assert o.sent == [f"GET {LIST}", f"GET /apps/{APP}", f"POST {LIST}"]
    assert o.client.the("POST").json == {"collaborator": {"email": "dev@example.com", "is_limited": True}}
    assert o.changed is True
    assert o.diff == {"before": absent(), "after": present()}
    assert o.result["collaborator"] == without_link(member())
    no_token_in(o)


def test_an_invitation_sends_the_wanted_role():
    o = succeeds(Collaborator, params(limited=False), listing(), app_read(), invited(member(is_limited=False)))
    assert o.client.the("POST").json == {"collaborator": {"email": "dev@example.com", "is_limited": False}}
    assert o.diff["after"] == present(limited=False)


def test_a_new_invitation_returns_its_link_when_asked():
    o = succeeds(Collaborator, params(return_invitation_link=True), listing(), app_read(), invited(member()))
    assert o.result["collaborator"]["invitation_link"] == LINK
    assert TOKEN not in repr(o.diff)


def test_check_mode_predicts_the_invitation_after_reading_the_app_and_sends_nothing():
    _real, check = same_as_real_run(
        params(limited=False),
        [listing(), app_read(), invited(member(is_limited=False))],
        [listing(), app_read()],
    )
    assert check.sent == [f"GET {LIST}", f"GET /apps/{APP}"]
    assert check.changed is True
    assert check.result["collaborator"] == {"email": "dev@example.com", "status": "pending", "is_limited": False}


@pytest.mark.parametrize("check_mode", [False, True])
def test_inviting_the_owner_fails_before_any_write(check_mode):
    o = fails(Collaborator, params(email="Owner@Example.com"), listing(), app_read(), check_mode=check_mode)
    assert o.sent == [f"GET {LIST}", f"GET /apps/{APP}"]
    assert o.error.message == (
        "cannot invite 'owner@example.com' to app 'my-shop': this is the app's owner, who is not a collaborator; "
        "invite someone else, or transfer the app with scalingo_app's owner"
    )
    assert o.client.wrote is False


def test_an_app_gone_between_the_two_reads_fails_clearly():
    o = fails(Collaborator, params(), listing(), expect("GET", f"/apps/{APP}", not_found()))
    assert o.error.message == "could not invite 'dev@example.com' to app 'my-shop': app not found"


def test_a_refused_invitation_fails_with_the_api_reason_and_is_not_sent_again():
    refusal = unprocessable({"email": ["has already been taken"]})
    o = fails(Collaborator, params(), listing(), app_read(), expect("POST", LIST, refusal))
    assert o.sent == [f"GET {LIST}", f"GET /apps/{APP}", f"POST {LIST}"]
    assert (
        o.error.message
        == "could not invite 'dev@example.com' to app 'my-shop': email has already been taken (HTTP 422)"
    )
    assert o.client.wrote is False


def test_a_limited_collaborator_running_the_task_gets_the_api_refusal():
    refusal = answer(403, {"error": "Limited collaborators cannot manage the collaborators of this app"})
    o = fails(Collaborator, params(), listing(), app_read(), expect("POST", LIST, refusal))
    assert o.error.message == (
        "could not invite 'dev@example.com' to app 'my-shop': "
        "Limited collaborators cannot manage the collaborators of this app (HTTP 403)"
    )


def test_an_invitation_whose_answer_was_lost_but_landed_is_not_sent_twice_nor_its_link_shown():
    o = succeeds(Collaborator, params(), listing(), app_read(), expect("POST", LIST, lost()), listing(member()))
    assert o.sent == [f"GET {LIST}", f"GET /apps/{APP}", f"POST {LIST}", f"GET {LIST}"]
    assert len(o.client.mutations) == 1
    assert o.changed is True and o.result["collaborator"] == without_link(member())
    assert o.diff == {"before": absent(), "after": present()}
    no_token_in(o)


def test_an_invitation_answered_503_that_landed_is_settled_by_the_second_try_refusal():
    o = succeeds(
        Collaborator,
        params(),
        listing(),
        app_read(),
        expect("POST", LIST, answer(503, {"error": "unavailable"})),
        again(listing()),
        expect("POST", LIST, unprocessable({"email": ["has already been taken"]})),
        listing(member()),
    )
    assert o.changed is True and o.result["collaborator"]["email"] == "dev@example.com"


# -- change the role ---------------------------------------------------------------------------


def test_a_role_change_is_one_patch():
    o = succeeds(
        Collaborator,
        params(limited=False),
        listing(member(status="accepted")),
        patched(member(status="accepted", is_limited=False)),
    )
    assert o.sent == [f"GET {LIST}", f"PATCH {LIST}/{ID}"]
    assert o.client.the("PATCH").json == {"collaborator": {"is_limited": False}}
    assert o.changed is True
    assert o.diff == {"before": present(True, "accepted"), "after": present(False, "accepted")}
    assert o.result["collaborator"] == without_link(member(status="accepted", is_limited=False))


def test_a_pending_invitation_changes_role_too():
    o = succeeds(Collaborator, params(limited=False), listing(member()), patched(member(is_limited=False)))
    assert o.diff == {"before": present(True), "after": present(False)}
    no_token_in(o)


def test_check_mode_predicts_a_role_change_without_sending_it():
    real, check = same_as_real_run(
        params(limited=False),
        [listing(member()), patched(member(is_limited=False))],
        [listing(member())],
    )
    assert check.sent == [f"GET {LIST}"]
    assert check.result["collaborator"] == real.result["collaborator"]


def test_a_refused_role_change_fails_with_the_api_reason():
    refusal = unprocessable({"is_limited": ["can't be changed for the SCM linker"]})
    o = fails(
        Collaborator, params(limited=True), listing(member(is_limited=False)), expect("PATCH", f"{LIST}/{ID}", refusal)
    )
    assert o.error.message == (
        "could not change the role of 'dev@example.com' on app 'my-shop': "
        "is_limited can't be changed for the SCM linker (HTTP 422)"
    )


# -- remove ----------------------------------------------------------------------------------


def test_a_collaborator_is_removed_with_one_delete():
    o = succeeds(Collaborator, params(state="absent"), listing(member(status="accepted")), deleted())
    assert o.sent == [f"GET {LIST}", f"DELETE {LIST}/{ID}"]
    assert o.changed is True
    assert o.diff == {"before": present(True, "accepted"), "after": absent()}
    assert o.result["collaborator"] == {}


def test_a_pending_invitation_is_removed_the_same_way():
    o = succeeds(Collaborator, params(state="absent", email="DEV@example.com"), listing(member()), deleted())
    assert o.changed is True and o.sent[-1] == f"DELETE {LIST}/{ID}"
    no_token_in(o)


def test_an_absent_collaborator_costs_one_read():
    o = succeeds(Collaborator, params(state="absent", limited=True), listing(member("other@example.com")))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.diff == {"before": absent(), "after": absent()}


def test_check_mode_predicts_a_removal_without_sending_it():
    _real, check = same_as_real_run(params(state="absent"), [listing(member()), deleted()], [listing(member())])
    assert check.sent == [f"GET {LIST}"] and check.changed is True


def test_a_removal_answered_404_collaborator_means_someone_removed_it_first():
    o = succeeds(
        Collaborator,
        params(state="absent"),
        listing(member()),
        expect("DELETE", f"{LIST}/{ID}", not_found("collaborator")),
    )
    assert o.changed is True and o.result["collaborator"] == {}


# -- the app and bad answers -------------------------------------------------------------------


@pytest.mark.parametrize("state", ["present", "absent"])
def test_an_unknown_app_fails_whatever_the_state(state):
    o = fails(Collaborator, params(state=state), expect("GET", LIST, not_found()))
    assert o.error.message == "could not read the collaborators of app 'my-shop': app not found (HTTP 404)"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (None, "has no 'collaborators'"),
        ({"collaborators": {"email": "dev@example.com"}}, "has a 'collaborators' that is not a list"),
        ({"collaborators": [{"id": ID}]}, "has a 'collaborators' whose 'email' is not a string"),
        ({"collaborators": ["dev@example.com"]}, "has a 'collaborators' item that is not an object"),
    ],
)
def test_a_malformed_list_fails_naming_the_endpoint(data, problem):
    o = fails(Collaborator, params(), expect("GET", LIST, answer(200, data)))
    assert o.error.message.startswith(
        f"could not read the collaborators of app 'my-shop': the answer of GET /v1{LIST} {problem}"
    )


def test_a_non_boolean_is_limited_fails():
    o = fails(Collaborator, params(), listing(member(is_limited="yes")))
    assert "'is_limited' that is not true or false" in o.error.message


def test_a_malformed_invitation_answer_fails_as_a_change_and_does_not_show_the_link():
    o = fails(
        Collaborator, params(), listing(), app_read(), expect("POST", LIST, answer(201, {"invitation_link": LINK}))
    )
    assert o.error.message.startswith(
        f"could not invite 'dev@example.com' to app 'my-shop': the answer of POST /v1{LIST}"
    )
    assert o.client.wrote is True
    assert TOKEN not in o.error.message


def test_valid_input_has_no_problem():
    assert input_problems(params()) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ({"app": "My Shop", "email": "dev"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ({"email": "dev"}, "email 'dev' is invalid: "),
        ({"email": "dev@example.com\n"}, "email 'dev@example.com\\n' is invalid: "),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
