"""Resource.write (a write whose answer was lost) and Resource.settle (an app busy with another operation),
on the scripted client and the fake clock."""

from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, busy_refusal
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    FakeClient,
    again,
    answer,
    auth_params,
    busy,
    expect,
    fake_waiter,
    lost,
    not_found,
    unprocessable,
    wait_params,
)

PATH = "/apps/my-shop/things"
ONE = f"{PATH}/th-1"
THING = {"id": "th-1", "name": "thing"}


def resource(*script, **params):
    client = FakeClient(*script)
    waiter, clock = fake_waiter()
    return Resource(client, dict(auth_params(), **params), waiter=waiter), client, clock


def send(r):
    return lambda: r.client.request("POST", PATH, {"thing": {"name": "thing"}}, ok=(201,), action="could not make it")


def landed(r):
    def read():
        try:
            return r.client.get(ONE, "thing")
        except ScalingoError as exc:
            if exc.status == 404:
                return None
            raise

    return read


def made():
    return expect("POST", PATH, answer(201, {"thing": THING}))


def found():
    return expect("GET", ONE, answer(200, {"thing": THING}))


def nothing():
    return expect("GET", ONE, not_found("thing"))


def written(r, **how):
    result = r.write(send(r), landed(r), **how)
    assert r.client.finished, f"scripted requests never made: {r.client.script} (sent: {r.client.sent})"
    return result


# -- an update or a delete: one read, then sent once more ------------------------------------------


def test_a_write_that_succeeds_is_sent_once_and_nothing_is_read():
    r, client, clock = resource(made())
    assert written(r).status == 201
    assert client.sent == [f"POST {PATH}"] and clock.slept == []


def test_by_default_a_lost_write_is_read_once_at_once_then_sent_once_more():
    r, client, clock = resource(expect("POST", PATH, lost()), nothing(), made())
    assert written(r).status == 201
    assert client.sent == [f"POST {PATH}", f"GET {ONE}", f"POST {PATH}"] and clock.slept == []


def test_a_refusal_is_raised_at_once_without_a_read():
    r, client, _clock = resource(expect("POST", PATH, unprocessable({"name": ["is invalid"]})))
    with pytest.raises(ScalingoError) as caught:
        written(r, look=True)
    assert caught.value.status == 422 and client.sent == [f"POST {PATH}"]


def test_a_failed_read_after_a_lost_write_is_the_failure_and_nothing_is_sent_again():
    r, client, _clock = resource(expect("POST", PATH, lost()), expect("GET", ONE, answer(500, {"error": "boom"})))
    with pytest.raises(ScalingoError) as caught:
        written(r, look=True)
    assert caught.value.status == 500 and len(client.mutations) == 1 and client.wrote is True


# -- a creation the API refuses to make twice: read with backoff, then sent once more ----------------


def test_a_lost_creation_is_looked_for_during_api_timeout_in_a_module_without_wait_timeout():
    r, client, clock = resource(expect("POST", PATH, lost()), again(nothing()), made(), api_timeout=7)
    assert written(r, look=True).status == 201
    assert clock.now == 1007.0
    # At once, then the waiter's policy (a quarter of the time waited, from 1 s), never past the deadline.
    assert clock.slept == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.25, 0.75]
    assert client.sent == [f"POST {PATH}"] + [f"GET {ONE}"] * 8 + [f"POST {PATH}"]


def test_a_lost_creation_is_looked_for_until_wait_timeout_in_a_module_that_has_one():
    r, client, clock = resource(expect("POST", PATH, lost()), again(nothing()), made(), **wait_params(wait_timeout=40))
    assert written(r, look=True).status == 201
    assert clock.now == 1040.0 and max(clock.slept) <= 5.0
    assert [call.method for call in client.mutations] == ["POST", "POST"]


def test_a_creation_still_in_flight_is_seen_when_it_shows_up_and_not_sent_twice():
    r, client, clock = resource(expect("POST", PATH, answer(504)), nothing(), nothing(), nothing(), found())
    assert written(r, look=True) == THING
    assert len(client.mutations) == 1 and clock.now == 1003.0


def test_a_second_sending_refused_as_a_duplicate_is_settled_by_reading_again():
    r, client, _clock = resource(
        expect("POST", PATH, lost()),
        again(nothing()),
        expect("POST", PATH, unprocessable({"name": ["has already been taken"]})),
        found(),
        api_timeout=3,
    )
    assert written(r, look=True) == THING
    assert len(client.mutations) == 2


def test_a_second_sending_lost_too_that_did_not_land_fails_as_an_unknown_outcome():
    r, client, _clock = resource(
        expect("POST", PATH, lost()), again(nothing()), expect("POST", PATH, lost()), nothing(), api_timeout=3
    )
    with pytest.raises(ScalingoError) as caught:
        written(r, look=True)
    assert caught.value.unknown_outcome is True and client.wrote is True and len(client.mutations) == 2


# -- a creation whose second copy is a second object: never sent again ----------------------------------


def test_a_write_never_sent_again_fails_as_a_change_saying_what_to_look_at():
    r, client, clock = resource(
        expect("POST", PATH, answer(503, {"error": "unavailable"})), again(nothing()), **wait_params(wait_timeout=20)
    )
    with pytest.raises(ScalingoError) as caught:
        written(r, resend=False, unseen="Look at the things.")
    error = caught.value
    assert error.message.startswith("could not make it: unavailable (HTTP 503")
    assert error.message.endswith("; the request may or may not have been applied. Look at the things.")
    assert error.changed is True and error.unknown_outcome is True
    assert error.failure["status"] == 503 and error.error == "unavailable"
    assert len(client.mutations) == 1 and clock.now == 1020.0


def test_a_write_never_sent_again_that_shows_up_late_is_its_result():
    r, client, _clock = resource(expect("POST", PATH, lost()), nothing(), found(), **wait_params())
    assert written(r, resend=False, unseen="Look.") == THING
    assert len(client.mutations) == 1


# -- busy: the refusal decides ----------------------------------------------------------------------------


def refusal(errors, status=422):
    return ScalingoError("refused", status=status, errors=errors)


@pytest.mark.parametrize(
    "errors, word",
    [
        ({"app": ["an operation is already in progress on this app (scaling), retry when it is done"]}, "scaling"),
        ({"app": ["application is already restarting or scaling"]}, "restarting"),
        ({"base": ["Another operation is in progress"]}, ""),
        ({"app": ["the app is busy"]}, ""),
        ({"app": "is restarting"}, "restarting"),
        ({"base": ["An operation is pending on this app"]}, ""),
    ],
)
def test_a_422_about_the_app_that_says_another_operation_runs_is_a_busy_refusal(errors, word):
    assert busy_refusal(refusal(errors)) == word


@pytest.mark.parametrize(
    "error",
    [
        refusal({"app": ["app is not deployed"]}),
        refusal({"app": ["too many one-off containers"]}),
        refusal({"container-web-amount": ["an operation is already in progress"]}),
        refusal({"app": ["in progress"], "scope": ["'x' \u2192 no such process type"]}),
        refusal({}),
        refusal(None),
        refusal({"app": ["an operation is already in progress"]}, status=400),
        ScalingoError("lost", unknown_outcome=True),
    ],
)
def test_any_other_refusal_is_not_busy(error):
    assert busy_refusal(error) is None


def app_status(word):
    return expect("GET", "/apps/my-shop", answer(200, {"app": {"name": "my-shop", "status": word}}))


def test_settle_after_a_busy_refusal_waits_for_the_app_and_returns_whatever_the_status_says():
    r, client, clock = resource(app_status("running"), **wait_params())
    r.settle("my-shop", ScalingoError("refused", status=422, errors=busy("scaling").data["errors"]))
    assert client.sent == ["GET /apps/my-shop"] and clock.slept == [0.5]


def test_settle_after_a_refusal_that_is_not_about_a_busy_app_raises_it_without_a_read():
    r, client, _clock = resource(**wait_params())
    error = refusal({"scope": ["'x' \u2192 no such process type"]})
    with pytest.raises(ScalingoError) as caught:
        r.settle("my-shop", error)
    assert caught.value is error and client.sent == []


def test_settle_without_wait_fails_at_once_naming_the_busy_app_and_the_operation():
    r, client, _clock = resource(**wait_params(wait=False))
    with pytest.raises(ScalingoError) as caught:
        r.settle("my-shop", ScalingoError("refused", status=422, errors=busy("restarting").data["errors"]))
    assert caught.value.message == (
        "app 'my-shop' is busy (restarting): another operation is in progress; retry later or set wait=true"
    )
    assert client.sent == []
