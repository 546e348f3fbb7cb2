from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_restart
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_restart import Restart, input_problems, unknown_scope
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    API,
    APP_RULE,
    answer,
    busy,
    expect,
    fails,
    lost,
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


def test_a_restart_refused_while_the_app_is_busy_is_sent_again_once_it_is_free():
    o = succeeds(
        Restart,
        params(),
        restart_answer(busy("scaling")),
        app_status("scaling"),
        app_status("scaling"),
        app_status("running"),
        restarted(),
        operation("done"),
    )
    assert o.sent == [
        f"POST /apps/{APP}/restart",
        f"GET /apps/{APP}",
        f"GET /apps/{APP}",
        f"GET /apps/{APP}",
        f"POST /apps/{APP}/restart",
        f"GET {OP_URL}",
    ]
    assert o.changed is True and o.result["operation"]["status"] == "done"


def test_a_busy_refusal_is_retried_even_when_the_app_is_free_again_by_the_time_it_is_read():
    # The other operation ended between the refusal and the read: busy is what the refusal said.
    o = succeeds(
        Restart, params(), restart_answer(busy("restarting")), app_status("running"), restarted(), operation("done")
    )
    assert o.sent == [f"POST /apps/{APP}/restart", f"GET /apps/{APP}", f"POST /apps/{APP}/restart", f"GET {OP_URL}"]
    assert o.changed is True and o.result["operation"]["status"] == "done"
    assert o.clock.slept[0] == 0.5


def test_busy_refusals_of_an_app_that_reads_free_are_retried_with_growing_pauses():
    o = succeeds(
        Restart,
        params(),
        restart_answer(busy("scaling")),
        app_status("running"),
        restart_answer(busy("scaling")),
        app_status("running"),
        restart_answer(busy("scaling")),
        app_status("running"),
        restarted(),
        operation("done"),
    )
    assert [call.method for call in o.client.mutations] == ["POST"] * 4
    # 0.5 s after the first refusal, then the waiter's policy on the time spent since it: at least 1 s.
    assert o.clock.slept[:3] == [0.5, 1.0, 1.0]


def test_busy_refusals_past_the_deadline_fail_even_when_the_app_reads_free():
    refused_then_free = [restart_answer(busy("restarting")), app_status("running")]
    o = fails(Restart, params(wait_timeout=2), *refused_then_free * 3, restart_answer(busy("restarting")))
    assert o.error.message == (
        f"app '{APP}' was still busy (the API refused the operation again: another operation in progress) "
        "after wait_timeout=2 s"
    )
    # Refused at 0, read at 0.5, 1.5 and 2 (no pause goes past the deadline), refused the last time at 2.
    assert o.clock.slept == [0.5, 1.0, 0.5] and o.clock.now == 1002.0
    assert o.error.changed is None and o.client.wrote is False


def test_a_refusal_in_unknown_words_about_the_app_counts_as_busy_when_its_status_shows_an_operation():
    refusal = unprocessable({"app": ["cannot do that right now"]})
    o = succeeds(
        Restart,
        params(),
        restart_answer(refusal),
        app_status("scaling"),
        app_status("running"),
        restarted(),
        operation("done"),
    )
    assert len(o.client.mutations) == 2 and o.changed is True


def test_a_busy_app_without_wait_fails_cleanly_after_one_refusal():
    o = fails(Restart, params(wait=False), restart_answer(busy("restarting")))
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.error.message == (
        f"app '{APP}' is busy (restarting): another operation is in progress; retry later or set wait=true"
    )
    assert o.client.wrote is False


def test_an_app_busy_past_the_deadline_fails():
    o = fails(
        Restart, params(wait_timeout=10), restart_answer(busy("restarting")), app_status("restarting", repeat=True)
    )
    assert (
        o.error.message == f"app '{APP}' was still restarting (another operation in progress) after wait_timeout=10 s"
    )
    assert len(o.client.mutations) == 1


def test_a_refusal_about_the_app_when_it_is_not_busy_is_the_api_reason():
    o = fails(Restart, params(), restart_answer(unprocessable({"app": ["app is not deployed"]})), app_status("new"))
    assert o.error.message == f"could not restart app '{APP}': app is not deployed (HTTP 422)"
    assert len(o.client.mutations) == 1


def test_a_refused_scope_is_the_api_reason_without_reading_the_app():
    refusal = unprocessable({"scope": ["'clock' \u2192 no such process type"]})
    o = fails(Restart, params(["clock"]), restart_answer(refusal))
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.error.message == f"could not restart app '{APP}': scope 'clock' \u2192 no such process type (HTTP 422)"


# -- lost answers ----------------------------------------------------------------------------


def test_a_restart_whose_answer_was_lost_is_never_sent_again():
    o = fails(Restart, params(), restart_answer(lost()))
    assert o.sent == [f"POST /apps/{APP}/restart"]
    assert o.error.unknown_outcome is True and o.client.wrote is True


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
