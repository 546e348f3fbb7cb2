from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_scale
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_scale import Scale, input_problems
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
OP_URL = f"{API}/v1/apps/{APP}/operations/op-1"
SIZES = ["S", "M", "L", "XL", "2XL"]


def params(*containers, **options):
    given = {"app": APP, "containers": [want(*c) for c in containers], **options}
    return validated(scalingo_scale, waits=True, **given)


def want(name, amount, size=None):
    return {"name": name, "amount": amount, "size": size}


def container(name, amount, size="M"):
    return {"name": name, "amount": amount, "size": size, "command": ""}


def web(amount=2, size="M"):
    return container("web", amount, size)


def worker(amount=1, size="S"):
    return container("worker", amount, size)


def formation(*containers):
    return expect("GET", f"/apps/{APP}/containers", answer(200, {"containers": list(containers)}))


def autoscalers(*items):
    return expect("GET", f"/apps/{APP}/autoscalers", answer(200, {"autoscalers": list(items)}))


def sizes():
    return expect("GET", "/features/container_sizes", answer(200, {"container_sizes": [{"name": s} for s in SIZES]}))


def scaled(*containers, location=OP_URL, status=202):
    headers = {"Location": location} if location else {}
    return expect("POST", f"/apps/{APP}/scale", answer(status, {"containers": list(containers)}, **headers))


def scale_answer(reply):
    return expect("POST", f"/apps/{APP}/scale", reply)


def operation(status, repeat=False, **fields):
    return expect(
        "GET",
        OP_URL,
        answer(200, {"operation": dict({"id": "op-1", "status": status, "type": "scale"}, **fields)}),
        repeat=repeat,
    )


def app_status(word, repeat=False):
    return expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "status": word}}), repeat=repeat)


# What a scale reads before it sends anything (the formation, the autoscalers), and the scale itself.
READS = [f"GET /apps/{APP}/containers", f"GET /apps/{APP}/autoscalers"]
SCALE = f"POST /apps/{APP}/scale"


def before_after(before, after):
    return {"before": before, "after": after}


# -- unchanged ---------------------------------------------------------------------------------


def test_an_unchanged_formation_costs_one_read_and_sends_nothing():
    o = succeeds(Scale, params(("web", 2)), formation(web(), worker()))
    assert o.sent == [f"GET /apps/{APP}/containers"]
    assert o.result == {"changed": False, "containers": [web(), worker()], "operation": None, "duration": 0.0}


def test_a_size_equal_to_the_current_one_is_no_change_and_is_not_checked():
    o = succeeds(Scale, params(("web", 2, "M"), ("worker", 1, "S")), formation(web(), worker()))
    assert o.sent == [f"GET /apps/{APP}/containers"] and o.changed is False


def test_an_unchanged_formation_in_check_mode_is_the_same_one_read():
    o = succeeds(Scale, params(("web", 2)), formation(web(), worker()), check_mode=True)
    assert o.sent == [f"GET /apps/{APP}/containers"] and o.changed is False


# -- scale -----------------------------------------------------------------------------------


def test_a_new_amount_is_sent_and_its_operation_followed_to_the_end():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker()),
        operation("done"),
    )
    assert o.sent == [*READS, SCALE, f"GET {OP_URL}"]
    assert o.client.the("POST").json == {"containers": [{"name": "web", "amount": 3}]}
    assert o.client.the("POST").ok == (200, 202)
    assert o.changed is True
    assert o.result["containers"] == [web(3), worker()]
    assert o.result["operation"] == {"id": "op-1", "status": "done", "type": "scale"}
    assert o.result["duration"] == 0.5
    assert o.diff == before_after({"web": {"amount": 2, "size": "M"}}, {"web": {"amount": 3, "size": "M"}})


def test_only_the_types_that_differ_are_sent():
    o = succeeds(
        Scale,
        params(("web", 2), ("worker", 0)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(), worker(0)),
        operation("done"),
    )
    assert o.client.the("POST").json == {"containers": [{"name": "worker", "amount": 0}]}
    assert o.diff == before_after(
        {"web": {"amount": 2, "size": "M"}, "worker": {"amount": 1, "size": "S"}},
        {"web": {"amount": 2, "size": "M"}, "worker": {"amount": 0, "size": "S"}},
    )


def test_a_new_size_is_checked_against_the_offered_sizes_then_sent():
    o = succeeds(
        Scale,
        params(("web", 2, "L")),
        formation(web(), worker()),
        sizes(),
        scaled(web(2, "L"), worker()),
        operation("done"),
    )
    assert o.sent == [
        f"GET /apps/{APP}/containers",
        "GET /features/container_sizes",
        f"POST /apps/{APP}/scale",
        f"GET {OP_URL}",
    ]
    assert o.client.the("POST").json == {"containers": [{"name": "web", "amount": 2, "size": "L"}]}
    assert o.diff == before_after({"web": {"amount": 2, "size": "M"}}, {"web": {"amount": 2, "size": "L"}})


def test_a_size_that_does_not_change_is_not_checked_when_the_amount_changes():
    # The size option is "checked against the sizes Scalingo offers, only when it would change" (DOCUMENTATION):
    # a current size Scalingo no longer offers must not block a change of amount.
    o = succeeds(
        Scale,
        params(("web", 3, "M")),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker()),
        operation("done"),
    )
    assert o.sent == [*READS, SCALE, f"GET {OP_URL}"]


def test_an_unknown_size_fails_before_anything_is_sent():
    o = fails(Scale, params(("web", 2, "XXL")), formation(web(), worker()), sizes())
    assert o.sent == [f"GET /apps/{APP}/containers", "GET /features/container_sizes"]
    assert o.error.message == "container size XXL is not offered by Scalingo; sizes: S, M, L, XL, 2XL"


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_unknown_container_type_fails_naming_the_app_types(check_mode):
    o = fails(Scale, params(("web", 2), ("clock", 1), ("beat", 1)), formation(web(), worker()), check_mode=check_mode)
    assert o.sent == [f"GET /apps/{APP}/containers"]
    assert o.error.message == f"app '{APP}' has no container type beat, clock; its types are: web, worker"


def test_an_app_never_deployed_has_no_container_type_to_scale():
    o = fails(Scale, params(("web", 1)), formation())
    assert o.error.message == f"app '{APP}' has no container type web; its types are: none (deploy it first)"


def test_an_answer_without_the_formation_returns_the_prediction():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(answer(202, {}, Location=OP_URL)),
        operation("done"),
    )
    assert o.result["containers"] == [web(3), worker()]


# -- check mode ------------------------------------------------------------------------------


def test_check_mode_predicts_the_real_change_and_diff_without_scaling():
    options = params(("web", 3, "L"), ("worker", 1))
    real = succeeds(
        Scale,
        options,
        formation(web(), worker()),
        autoscalers(),
        sizes(),
        scaled(web(3, "L"), worker()),
        operation("done"),
    )
    check = succeeds(Scale, options, formation(web(), worker()), autoscalers(), sizes(), check_mode=True)
    assert (check.changed, check.diff) == (real.changed, real.diff)
    assert check.sent == [*READS, "GET /features/container_sizes"]
    assert check.client.mutations == []
    assert check.result["containers"] == [web(3, "L"), worker()]
    assert check.result["operation"] is None and check.result["duration"] == 0.0


def test_check_mode_fails_on_an_unknown_size_as_the_real_run_does():
    o = fails(Scale, params(("web", 2, "XXL")), formation(web(), worker()), sizes(), check_mode=True)
    assert o.error.message == "container size XXL is not offered by Scalingo; sizes: S, M, L, XL, 2XL"


# -- the operation -----------------------------------------------------------------------------


def test_the_operation_is_read_until_it_is_done():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker()),
        operation("pending"),
        operation("running"),
        operation("done"),
    )
    assert o.sent.count(f"GET {OP_URL}") == 3
    assert o.result["operation"]["status"] == "done"
    assert o.result["duration"] == o.clock.now - 1000.0


def test_a_relative_operation_location_is_read_on_the_api():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker(), location=f"/v1/apps/{APP}/operations/op-1"),
        operation("done"),
    )
    assert o.sent[-1] == f"GET {OP_URL}"


def test_an_operation_on_another_host_is_never_read():
    o = fails(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker(), location="https://elsewhere.example/v1/operations/op-1"),
    )
    assert o.sent == [*READS, SCALE]
    assert "not to api_url's origin" in o.error.message
    assert o.client.wrote is True


def test_an_operation_ending_in_error_fails_as_a_change():
    o = fails(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker()),
        operation("running"),
        operation("error", error="quota exceeded"),
    )
    assert o.error.message == f"the scale on app '{APP}' failed: quota exceeded (operation op-1)"
    assert o.error.changed is True
    assert o.error.result["operation"]["status"] == "error"
    assert o.error.result["duration"] == o.clock.now - 1000.0


def test_an_operation_still_running_at_the_deadline_fails_as_a_change_with_the_operation():
    o = fails(
        Scale,
        params(("web", 3), wait_timeout=60),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker()),
        operation("running", repeat=True),
    )
    assert o.error.message == (
        f"the scale on app '{APP}' was sent but its operation op-1 is still running after wait_timeout=60 s"
    )
    assert o.error.changed is True
    assert o.error.result["operation"] == {"id": "op-1", "status": "running", "type": "scale"}
    assert o.error.result["duration"] == 60.0
    assert o.clock.now == 1060.0
    assert {call.deadline for call in o.client.calls if call.path == OP_URL} == {1060.0}


def test_without_wait_only_the_operation_id_and_url_are_returned():
    o = succeeds(
        Scale, params(("web", 3), wait=False), formation(web(), worker()), autoscalers(), scaled(web(3), worker())
    )
    assert o.sent == [*READS, SCALE]
    assert o.result["operation"] == {"id": "op-1", "url": OP_URL}
    assert o.result["duration"] == 0.0


def test_an_app_never_deployed_is_scaled_at_once_without_an_operation():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scaled(web(3), worker(), location=None, status=200),
    )
    assert o.result["operation"] is None and o.result["duration"] == 0.0


# -- a busy app ------------------------------------------------------------------------------


def test_the_formation_is_read_again_after_a_wait_and_nothing_is_sent_when_it_already_matches():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(busy("scaling")),
        app_status("scaling"),
        app_status("running"),
        formation(web(3), worker()),
    )
    assert len(o.client.mutations) == 1
    assert o.changed is False


def test_a_refusal_about_the_request_is_the_api_reason_without_reading_the_app():
    refusal = unprocessable({"container-web-amount": ["must be lower than 10"]})
    o = fails(Scale, params(("web", 30)), formation(web(), worker()), autoscalers(), scale_answer(refusal))
    assert o.sent == [*READS, SCALE]
    assert o.error.message == f"could not scale app '{APP}': container-web-amount must be lower than 10 (HTTP 422)"


# -- lost answers ----------------------------------------------------------------------------


def test_a_scale_whose_answer_was_lost_but_landed_is_not_sent_twice():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(lost()),
        formation(web(3), worker()),
        app_status("scaling"),
        app_status("running"),
    )
    assert o.sent == [
        *READS,
        SCALE,
        f"GET /apps/{APP}/containers",
        f"GET /apps/{APP}",
        f"GET /apps/{APP}",
    ]
    assert o.changed is True
    assert o.result["containers"] == [web(3), worker()] and o.result["operation"] is None
    assert o.diff == before_after({"web": {"amount": 2, "size": "M"}}, {"web": {"amount": 3, "size": "M"}})
    assert o.clock.slept[0] == 0.0
    assert len(o.resource.warnings) == 1
    assert o.resource.warnings[0].startswith(f"the answer to the scale of app '{APP}' was lost (")
    assert o.resource.warnings[0].endswith("the formation read afterwards shows it was applied")


def test_a_lost_scale_that_landed_on_an_app_busy_past_the_deadline_fails():
    o = fails(
        Scale,
        params(("web", 3), wait_timeout=20),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(lost()),
        formation(web(3), worker()),
        app_status("scaling", repeat=True),
    )
    assert o.error.message == f"app '{APP}' was still scaling after wait_timeout=20 s"
    assert len(o.client.mutations) == 1 and o.client.wrote is True


def test_a_server_error_on_the_scale_is_settled_by_reading_the_formation_again():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(answer(500, {"error": "Internal error occured, we're on it!"})),
        formation(web(3), worker()),
        app_status("running"),
    )
    assert len(o.client.mutations) == 1 and o.changed is True


# -- "no change" ---------------------------------------------------------------------------


def test_a_no_change_refusal_reads_the_formation_again_and_ends_unchanged_when_it_matches():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(answer(400, {"error": "no change in containers formation"})),
        formation(web(3), worker()),
    )
    assert o.sent == [
        *READS,
        SCALE,
        f"GET /apps/{APP}/containers",
    ]
    assert o.changed is False and o.result["containers"] == [web(3), worker()]


def test_a_no_change_refusal_is_followed_by_one_more_scale_when_the_formation_still_differs():
    o = succeeds(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(answer(400, {"error": "no change in containers formation"})),
        formation(web(), worker()),
        scaled(web(3), worker()),
        operation("done"),
    )
    assert len(o.client.mutations) == 2 and o.changed is True


def test_a_second_no_change_refusal_is_the_api_reason():
    no_change = answer(400, {"error": "no change in containers formation"})
    o = fails(
        Scale,
        params(("web", 3)),
        formation(web(), worker()),
        autoscalers(),
        scale_answer(no_change),
        formation(web(), worker()),
        scale_answer(no_change),
    )
    assert len(o.client.mutations) == 2
    assert o.error.message == f"could not scale app '{APP}': no change in containers formation (HTTP 400)"


# -- autoscaled types ----------------------------------------------------------------------------

AUTOSCALERS = f"GET /apps/{APP}/autoscalers"


def autoscaler(name="web", low=2, high=6, disabled=False):
    return {
        "id": f"sc-{name}",
        "container_type": name,
        "metric": "cpu",
        "target": 0.75,
        "min_containers": low,
        "max_containers": high,
        "disabled": disabled,
    }


def test_an_amount_within_an_enabled_autoscaler_range_is_left_to_it_after_two_reads():
    o = succeeds(Scale, params(("web", 4)), formation(web(3), worker()), autoscalers(autoscaler()))
    assert o.sent == [f"GET /apps/{APP}/containers", AUTOSCALERS]
    assert o.client.mutations == []
    assert o.result == {
        "changed": False,
        "containers": [web(3), worker()],
        "operation": None,
        "duration": 0.0,
        "autoscaled": [{"name": "web", "min": 2, "max": 6, "amount_wanted": 4}],
    }
    assert o.resource.warnings == []


def test_the_range_bounds_are_inside_it():
    for amount in (2, 6):
        o = succeeds(Scale, params(("web", amount)), formation(web(4), worker()), autoscalers(autoscaler()))
        assert o.changed is False and o.result["autoscaled"][0]["amount_wanted"] == amount


def test_an_unchanged_amount_of_an_autoscaled_type_costs_one_read():
    o = succeeds(Scale, params(("web", 3)), formation(web(3), worker()))
    assert o.sent == [f"GET /apps/{APP}/containers"] and "autoscaled" not in o.result


def test_an_autoscaled_type_left_alone_does_not_stop_the_other_types():
    o = succeeds(
        Scale,
        params(("web", 5), ("worker", 2)),
        formation(web(3), worker()),
        autoscalers(autoscaler(), autoscaler("clock")),
        scaled(web(3), worker(2)),
        operation("done"),
    )
    assert o.client.the("POST").json == {"containers": [{"name": "worker", "amount": 2}]}
    assert o.changed is True
    assert o.result["autoscaled"] == [{"name": "web", "min": 2, "max": 6, "amount_wanted": 5}]
    assert o.diff == before_after(
        {"web": {"amount": 3, "size": "M"}, "worker": {"amount": 1, "size": "S"}},
        {"web": {"amount": 3, "size": "M"}, "worker": {"amount": 2, "size": "S"}},
    )


def test_a_new_size_of_an_autoscaled_type_is_sent_with_its_current_amount():
    o = succeeds(
        Scale,
        params(("web", 4, "L")),
        formation(web(3), worker()),
        autoscalers(autoscaler()),
        sizes(),
        scaled(web(3, "L"), worker()),
        operation("done"),
    )
    assert o.client.the("POST").json == {"containers": [{"name": "web", "amount": 3, "size": "L"}]}
    assert o.result["autoscaled"] == [{"name": "web", "min": 2, "max": 6, "amount_wanted": 4}]
    assert o.diff == before_after({"web": {"amount": 3, "size": "M"}}, {"web": {"amount": 3, "size": "L"}})


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_amount_outside_the_range_fails_before_any_write(check_mode):
    o = fails(
        Scale,
        params(("web", 8), ("worker", 1, "L")),
        formation(web(3), worker()),
        autoscalers(autoscaler()),
        check_mode=check_mode,
    )
    assert o.sent == [f"GET /apps/{APP}/containers", AUTOSCALERS]
    assert o.error.message == (
        f"app '{APP}': amount outside the autoscaler's range for web to 8 (its autoscaler keeps 2 to 6). Change the "
        "autoscaler (scalingo_autoscaler), or set override_autoscaler=true to scale by hand, which makes Scalingo "
        "disable the autoscaler"
    )
    assert o.error.changed is None and o.client.wrote is False


def test_every_type_outside_its_range_is_named():
    o = fails(
        Scale,
        params(("web", 1), ("worker", 9)),
        formation(web(3), worker(3)),
        autoscalers(autoscaler(), autoscaler("worker", 2, 4)),
    )
    assert "for web to 1 (its autoscaler keeps 2 to 6); worker to 9 (its autoscaler keeps 2 to 4). " in o.error.message


def test_a_disabled_autoscaler_does_not_hold_the_amount():
    o = succeeds(
        Scale,
        params(("web", 8)),
        formation(web(3), worker()),
        autoscalers(autoscaler(disabled=True)),
        scaled(web(8), worker()),
        operation("done"),
    )
    assert o.client.the("POST").json == {"containers": [{"name": "web", "amount": 8}]}
    assert "autoscaled" not in o.result and o.resource.warnings == []


def test_override_scales_inside_and_outside_the_range_with_a_warning_per_type():
    real = succeeds(
        Scale,
        params(("web", 8), ("worker", 3), override_autoscaler=True),
        formation(web(3), worker()),
        autoscalers(autoscaler(), autoscaler("worker", 2, 4)),
        scaled(web(8), worker(3)),
        operation("done"),
    )
    assert real.client.the("POST").json == {
        "containers": [{"name": "web", "amount": 8}, {"name": "worker", "amount": 3}]
    }
    assert real.changed is True and "autoscaled" not in real.result
    assert real.resource.warnings == [
        f"container type web of app '{APP}' is scaled by hand to 8: Scalingo disables its autoscaler (2 to 6 "
        "containers); scalingo_autoscaler with enabled=true turns it back on",
        f"container type worker of app '{APP}' is scaled by hand to 3: Scalingo disables its autoscaler (2 to 4 "
        "containers); scalingo_autoscaler with enabled=true turns it back on",
    ]
    check = succeeds(
        Scale,
        params(("web", 8), ("worker", 3), override_autoscaler=True),
        formation(web(3), worker()),
        autoscalers(autoscaler(), autoscaler("worker", 2, 4)),
        check_mode=True,
    )
    assert (check.changed, check.diff, check.resource.warnings) == (real.changed, real.diff, real.resource.warnings)


@pytest.mark.parametrize("check_mode", [False, True])
def test_check_mode_leaves_the_same_amounts_to_the_autoscaler(check_mode):
    o = succeeds(
        Scale, params(("web", 4)), formation(web(3), worker()), autoscalers(autoscaler()), check_mode=check_mode
    )
    assert o.changed is False and o.result["autoscaled"] == [{"name": "web", "min": 2, "max": 6, "amount_wanted": 4}]


def test_the_autoscalers_are_read_once_even_when_the_formation_is_read_again():
    o = succeeds(
        Scale,
        params(("web", 4), ("worker", 2)),
        formation(web(3), worker()),
        autoscalers(autoscaler()),
        scale_answer(busy("scaling")),
        app_status("scaling"),
        app_status("running"),
        formation(web(5), worker()),
        scaled(web(5), worker(2)),
        operation("done"),
    )
    assert o.sent.count(AUTOSCALERS) == 1
    assert [call.json for call in o.client.mutations] == [{"containers": [{"name": "worker", "amount": 2}]}] * 2
    assert o.result["autoscaled"] == [{"name": "web", "min": 2, "max": 6, "amount_wanted": 4}]


def test_a_lost_scale_beside_an_autoscaled_type_that_landed_is_not_sent_twice():
    o = succeeds(
        Scale,
        params(("web", 4), ("worker", 2), wait=False),
        formation(web(3), worker()),
        autoscalers(autoscaler()),
        scale_answer(lost()),
        formation(web(3), worker(2)),
    )
    assert len(o.client.mutations) == 1 and o.sent.count(AUTOSCALERS) == 1
    assert o.changed is True and o.result["autoscaled"][0]["name"] == "web"


def test_an_autoscalers_answer_that_is_not_scalingo_s_fails_before_any_write():
    o = fails(
        Scale,
        params(("web", 4)),
        formation(web(3), worker()),
        expect("GET", f"/apps/{APP}/autoscalers", answer(200, {"autoscalers": [{"container_type": "web"}]})),
    )
    assert o.error.message.startswith(
        f"could not read the autoscalers of app '{APP}': the answer of GET /v1/apps/{APP}/autoscalers has a 'autoscalers'"
    )
    assert o.client.mutations == []


def test_autoscalers_that_cannot_be_read_fail_with_the_api_reason():
    o = fails(
        Scale,
        params(("web", 4)),
        formation(web(3), worker()),
        expect("GET", f"/apps/{APP}/autoscalers", answer(403, {"error": "forbidden"})),
    )
    assert o.error.message == f"could not read the autoscalers of app '{APP}': forbidden (HTTP 403)"


def test_valid_input_has_no_problem():
    assert input_problems(params(("web", 2, "M"), ("worker", 0))) == []


@pytest.mark.parametrize(
    ("containers", "options", "problem"),
    [
        ([("web", 1)], {"app": "My Shop"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ([], {}, "containers must list at least one container type"),
        ([("web 1", 1)], {}, "containers[0].name 'web 1' is invalid: "),
        ([("web", 1), ("worker", -1)], {}, "containers: amount of 'worker' must be 0 or more, got -1"),
        (
            [("web", 1, " ")],
            {},
            "containers: size of 'web' must not be empty: leave it out to keep the current size",
        ),
        ([("web", 1, "X L")], {}, "containers[0].size 'X L' is invalid: "),
        ([("web", 1), ("worker", 1), ("web", 2)], {}, "containers lists a type more than once: web"),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(containers, options, problem):
    assert input_problems(params(*containers, **options))[0].startswith(problem)
