from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_restart
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_restart import Restart, input_problems, unknown_scope
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    API,
    APP_RULE,
    answer,
    expect,
    fails,
    succeeds,
    unprocessable,
    validated,
)

APP = "my-shop"
OP_URL = f"{API}/v1/apps/{APP}/operations/op-7"
FORMATION = [{"name": "web", "amount": 2, "size": "M"}, {"name": "worker", "amount": 1, "size": "S"}]


def params(scope=None, **options):
    return validated(scalingo_restart, waits=True, **{"app": APP, "scope": scope, **options})


def formation():
    return expect("GET", f"/apps/{APP}/containers", answer(200, {"containers": FORMATION}))


def restarted(location=OP_URL):
    return expect("POST", f"/apps/{APP}/restart", answer(202, None, **({"Location": location} if location else {})))


def restart_answer(reply):
    return expect("POST", f"/apps/{APP}/restart", reply)


def operation(status, repeat=False, **fields):
    return expect(
        "GET",
        OP_URL,
        answer(200, {"operation": dict({"id": "op-7", "status": status, "type": "restart"}, **fields)}),
        repeat=repeat,
    )


def app_status(word, repeat=False):
    return expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "status": word}}), repeat=repeat)


# -- a real run ------------------------------------------------------------------------------


def test_a_restart_of_every_container_sends_no_scope_and_follows_the_operation():
    o = succeeds(Restart, params(), restarted(), operation("done"))
    assert o.sent == [f"POST /apps/{APP}/restart", f"GET {OP_URL}"]
    assert o.client.the("POST").json == {}
    assert o.client.the("POST").ok == (202,)
    assert o.result == {
        "changed": True,
        "operation": {"id": "op-7", "status": "done", "type": "restart"},
        "duration": 0.5,
    }


def test_an_empty_scope_restarts_every_container():
    o = succeeds(Restart, params([]), restarted(), operation("done"))
    assert o.client.the("POST").json == {}


def test_a_scope_is_sent_as_given():
    o = succeeds(Restart, params(["worker", "web-1"]), restarted(), operation("done"))
    assert o.client.the("POST").json == {"scope": ["worker", "web-1"]}


def test_a_restart_reports_a_change_every_time():
    first = succeeds(Restart, params(), restarted(), operation("done"))
    second = succeeds(Restart, params(), restarted(), operation("done"))
    assert first.changed is second.changed is True


def test_a_restart_without_an_operation_returns_none():
    o = succeeds(Restart, params(), restarted(location=None))
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.result["operation"] is None and o.result["duration"] == 0.0


def test_without_wait_only_the_operation_id_and_url_are_returned():
    o = succeeds(Restart, params(wait=False), restarted())
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.result["operation"] == {"id": "op-7", "url": OP_URL} and o.result["duration"] == 0.0


def test_the_operation_is_read_until_it_is_done():
    o = succeeds(Restart, params(), restarted(), operation("pending"), operation("running"), operation("done"))
    assert o.sent.count(f"GET {OP_URL}") == 3
    assert o.result["duration"] == o.clock.now - 1000.0


def test_an_operation_ending_in_error_fails_as_a_change():
    o = fails(Restart, params(), restarted(), operation("error", error="container web-1 did not start"))
    assert o.error.message == f"the restart on app '{APP}' failed: container web-1 did not start (operation op-7)"
    assert o.error.changed is True and o.error.result["operation"]["status"] == "error"


def test_an_operation_ending_in_error_without_a_reason_says_so():
    o = fails(Restart, params(), restarted(), operation("error"))
    assert o.error.message == f"the restart on app '{APP}' failed: the operation ended in error (operation op-7)"


def test_an_operation_still_running_at_the_deadline_fails_as_a_change_with_the_operation():
    o = fails(Restart, params(wait_timeout=45), restarted(), operation("running", repeat=True))
    assert o.error.message == (
        f"the restart on app '{APP}' was sent but its operation op-7 is still running after wait_timeout=45 s"
    )
    assert o.error.changed is True
    assert o.error.result == {"operation": {"id": "op-7", "status": "running", "type": "restart"}, "duration": 45.0}
    assert o.clock.now == 1045.0


# -- check mode ------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [None, [], ["web"], ["worker", "web-1", "web-2"]])
def test_check_mode_reads_the_formation_to_check_the_scope_and_restarts_nothing(scope):
    o = succeeds(Restart, params(scope), formation(), check_mode=True)
    assert o.sent == [f"GET /apps/{APP}/containers"]
    assert o.result == {"changed": True, "operation": None, "duration": 0.0}


@pytest.mark.parametrize(
    "scope, unknown",
    [
        (["clock"], "clock"),
        (["web-3"], "web-3"),
        (["web-0"], "web-0"),
        (["worker", "clock-1", "web-9"], "clock-1, web-9"),
    ],
)
def test_check_mode_fails_on_a_scope_that_is_no_container_type_or_container(scope, unknown):
    o = fails(Restart, params(scope), formation(), check_mode=True)
    assert o.sent == [f"GET /apps/{APP}/containers"]
    assert o.error.message == (
        f"could not restart app '{APP}': scope {unknown} is no container type or container of the app;"
        " its types are: web, worker"
    )


def test_container_numbers_count_from_one_to_the_amount():
    assert unknown_scope(["web-1", "web-2", "web-3", "worker-1", "worker-2"], FORMATION) == ["web-3", "worker-2"]


def test_a_container_with_a_line_break_after_its_number_is_no_container():
    assert unknown_scope(["web-1\n", "web\n", "web-1 "], FORMATION) == ["web-1\n", "web\n", "web-1 "]


def test_a_type_whose_name_ends_with_a_number_is_a_type():
    assert unknown_scope(["queue-2", "queue-2-1"], [{"name": "queue-2", "amount": 1}]) == []


# -- a busy app ------------------------------------------------------------------------------


def test_a_refused_scope_is_the_api_reason_without_reading_the_app():
    refusal = unprocessable({"scope": ["'clock' \u2192 no such process type"]})
    o = fails(Restart, params(["clock"]), restart_answer(refusal))
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.error.message == f"could not restart app '{APP}': scope 'clock' \u2192 no such process type (HTTP 422)"


# -- lost answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [None, [], ["web"], ["web", "worker-2"]])
def test_valid_input_has_no_problem(scope):
    assert input_problems(params(scope)) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ({"app": "My Shop", "scope": ["web 1"]}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ({"scope": ["web", "web 1", "-1"]}, "scope[1] 'web 1' is invalid: "),
        ({"scope": ["web-"]}, "scope[0] 'web-' is invalid: "),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
