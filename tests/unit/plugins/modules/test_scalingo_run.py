from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._client import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_run import Run, env_text
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    API,
    answer,
    auth_params,
    expect,
    fails,
    lost,
    succeeds,
    unprocessable,
    wait_params,
)

APP = "my-shop"
OP_URL = f"{API}/v1/apps/{APP}/operations/op-3"
CONTAINER = {"id": "5250424112dba4edf0000024", "type": "one-off", "label": "one-off-1234", "state": "booting"}
SECRET = "s3cr3t-value"


def params(command="bundle exec rake db:migrate", env=None, size=None, **options):
    p = dict(auth_params(), **wait_params(), app=APP, command=command, env=env, size=size)
    p.update(options)
    return p


def started(data=None, status=200, **headers):
    if data is None:
        data = {"container": CONTAINER, "operation_url": OP_URL, "operation": "op-3"}
    return expect("POST", f"/apps/{APP}/run", answer(status, data, **headers))


def run_answer(reply):
    return expect("POST", f"/apps/{APP}/run", reply)


def operation(status, repeat=False, **fields):
    return expect(
        "GET",
        OP_URL,
        answer(200, {"operation": dict({"id": "op-3", "status": status, "type": "start-one-off"}, **fields)}),
        repeat=repeat,
    )


# -- env values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        ("as is", "as is"),
        ("", ""),
        ("007", "007"),
        ("true", "true"),
        (42, "42"),
        (0, "0"),
        (-3, "-3"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
    ],
)
def test_an_env_value_is_sent_as_text(value, text):
    assert env_text("VAR", value) == text


@pytest.mark.parametrize(
    "value, kind",
    [
        (None, "null"),
        ([SECRET], "list"),
        ({"key": SECRET}, "dict"),
    ],
)
def test_an_env_value_that_is_no_scalar_is_refused_naming_the_variable_never_the_value(value, kind):
    with pytest.raises(ScalingoError) as caught:
        env_text("API_KEY", value)
    assert caught.value.message == (
        f"API_KEY is {kind}: give a string, a number or true/false (quote it to send it as text)"
    )
    assert SECRET not in caught.value.message and SECRET not in str(caught.value.result)


def test_env_values_are_sent_converted():
    o = succeeds(
        Run, params(env={"NAME": "shop", "WORKERS": 4, "RATIO": 0.25, "DEBUG": False}), started(), operation("done")
    )
    assert o.client.the("POST").json["env"] == {"NAME": "shop", "WORKERS": "4", "RATIO": "0.25", "DEBUG": "false"}


def test_an_env_value_that_is_no_scalar_fails_before_any_request():
    o = fails(Run, params(env={"TOKEN": SECRET, "LIST": [SECRET]}))
    assert o.sent == []
    assert o.error.message.startswith("LIST is list:")
    assert SECRET not in o.error.message


# -- a real run ------------------------------------------------------------------------------


def test_a_detached_one_off_is_started_and_followed_until_it_runs():
    o = succeeds(Run, params(), started(), operation("running"), operation("done"))
    assert o.sent == [f"POST /apps/{APP}/run", f"GET {OP_URL}", f"GET {OP_URL}"]
    assert o.client.the("POST").json == {"command": "bundle exec rake db:migrate", "detached": True}
    assert o.client.the("POST").ok == (200, 201, 202)
    assert o.changed is True
    assert o.result["container"] == CONTAINER
    assert o.result["operation"] == {"id": "op-3", "status": "done", "type": "start-one-off"}
    assert o.result["duration"] == o.clock.now - 1000.0


def test_the_size_is_sent_when_given():
    o = succeeds(Run, params(size="L"), started(), operation("done"))
    assert o.client.the("POST").json == {"command": "bundle exec rake db:migrate", "detached": True, "size": "L"}


def test_an_empty_env_is_not_sent():
    o = succeeds(Run, params(env={}), started(), operation("done"))
    assert "env" not in o.client.the("POST").json


def test_the_operation_location_header_is_followed_when_the_body_has_no_operation_url():
    o = succeeds(Run, params(), started({"container": CONTAINER}, status=202, Location=OP_URL), operation("done"))
    assert o.sent == [f"POST /apps/{APP}/run", f"GET {OP_URL}"]


def test_an_answer_without_an_operation_returns_the_container_without_waiting():
    o = succeeds(Run, params(), started({"container": CONTAINER}))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.result == {"changed": True, "container": CONTAINER, "operation": None, "duration": 0.0}


def test_an_accepted_run_answered_without_its_container_fails_as_a_change():
    o = fails(Run, params(), expect("POST", f"/apps/{APP}/run", answer(202, None, Location=OP_URL)))
    assert f"the answer of POST /apps/{APP}/run" in o.error.message and "has no 'container'" in o.error.message
    assert o.client.wrote  # the edge reports it as changed: the container may have started


def test_without_wait_only_the_operation_id_and_url_are_returned():
    o = succeeds(Run, params(wait=False), started())
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.result["operation"] == {"id": "op-3", "url": OP_URL} and o.result["container"] == CONTAINER


def test_an_operation_ending_in_error_fails_as_a_change():
    o = fails(Run, params(), started(), operation("error", error="the container could not start"))
    assert (
        o.error.message
        == f"the one-off container on app '{APP}' failed: the container could not start (operation op-3)"
    )
    assert o.error.changed is True and o.error.result["operation"]["status"] == "error"


def test_an_operation_still_running_at_the_deadline_fails_as_a_change_with_the_operation():
    o = fails(Run, params(wait_timeout=15), started(), operation("pending", repeat=True))
    assert o.error.message == (
        f"the one-off container on app '{APP}' was sent but its operation op-3 is still pending after wait_timeout=15 s"
    )
    assert o.error.changed is True
    assert o.error.result["operation"]["status"] == "pending" and o.error.result["duration"] == 15.0


def test_a_refused_run_fails_with_the_api_reason():
    o = fails(Run, params(), run_answer(unprocessable({"app": ["too many one-off containers"]})))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert (
        o.error.message == f"could not start a one-off container on app '{APP}': too many one-off containers (HTTP 422)"
    )
    assert o.client.wrote is False


def test_a_run_whose_answer_was_lost_is_never_sent_again():
    o = fails(Run, params(env={"TOKEN": SECRET}), run_answer(lost()))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.error.unknown_outcome is True and o.client.wrote is True
    assert SECRET not in o.error.message


def test_env_values_never_show_in_the_result():
    o = succeeds(Run, params(env={"TOKEN": SECRET}), started(), operation("done"))
    assert SECRET not in repr(o.result)


# -- check mode ------------------------------------------------------------------------------


def test_check_mode_reports_a_change_and_sends_nothing():
    o = succeeds(Run, params(env={"TOKEN": SECRET}, size="L"), check_mode=True)
    assert o.sent == []
    assert o.result == {"changed": True, "container": None, "operation": None, "duration": 0.0}
