from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_autoscaler
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_autoscaler import Autoscaler, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    APP_RULE,
    answer,
    expect,
    fails,
    not_found,
    succeeds,
    unprocessable,
    validated,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    same_as_real_run as both_runs,
)

APP = "my-shop"
ID = "sc-5418fe67-885d-4e50-8cbe-9a9a2d2d690a"
LIST = f"/apps/{APP}/autoscalers"
ONE = f"{LIST}/{ID}"
TYPE_RULE = "a container type has only letters and digits, as in the Procfile (web, worker), with single '-' or '_' between them"
FORMATION = f"/apps/{APP}/containers"
SETTINGS = {"metric": "cpu", "target": 0.75, "min_containers": 2, "max_containers": 6}


def params(**options):
    return validated(scalingo_autoscaler, **{"app": APP, "container_type": "web", **options})


def full(**options):
    return params(**dict(SETTINGS, **options))


def scaler(container_type="web", **fields):
    base = {
        "id": ID if container_type == "web" else "sc-0000-worker",
        "app_id": "5f48ecb6f112e2000ef34f14",
        "container_type": container_type,
        "alert_id_scale_up": "al-up",
        "alert_id_scale_down": "al-down",
        "last_scale": "0001-01-01T00:00:00Z",
        "disabled": False,
        "created_at": "2020-08-28T11:48:29.963Z",
        "updated_at": "2020-08-28T11:48:29.963Z",
        **SETTINGS,
    }
    base.update(fields)
    return base


def listing(*autoscalers):
    return expect("GET", LIST, answer(200, {"autoscalers": list(autoscalers)}))


def formation(*names):
    """The formation read before a creation (the app's container types)."""
    containers = [{"name": name, "amount": 1, "size": "M"} for name in names or ("web", "worker")]
    return expect("GET", FORMATION, answer(200, {"containers": containers}))


def created(result):
    return expect("POST", LIST, answer(201, {"autoscaler": result}))


def patched(result):
    return expect("PATCH", ONE, answer(200, {"autoscaler": result}))


def deleted():
    return expect("DELETE", ONE, answer(204))


def shown(state="present", **fields):
    return dict(fields, state=state, container_type="web")


def same_as_real_run(options, real_script, check_script):
    return both_runs(Autoscaler, options, real_script, check_script)


# -- unchanged ---------------------------------------------------------------------------------


def test_an_autoscaler_with_the_wanted_settings_is_left_alone_after_one_read():
    o = succeeds(Autoscaler, full(), listing(scaler("worker", metric="memory"), scaler()))
    assert o.sent == [f"GET {LIST}"]
    assert o.changed is False and o.client.wrote is False
    assert o.result["autoscaler"] == scaler()
    assert o.diff == {"before": shown(**SETTINGS, enabled=True), "after": shown(**SETTINGS, enabled=True)}


def test_settings_not_given_are_not_compared():
    o = succeeds(Autoscaler, params(max_containers=8), listing(scaler(max_containers=8, target=0.5)))
    assert o.changed is False and o.sent == [f"GET {LIST}"]
    assert o.diff["after"] == shown(max_containers=8, enabled=True)


def test_an_integer_target_equals_its_float_option():
    o = succeeds(
        Autoscaler,
        full(metric="rpm_per_container", target=150.0),
        listing(scaler(metric="rpm_per_container", target=150)),
    )
    assert o.changed is False


def test_unchanged_in_check_mode_is_the_same_one_read():
    o = succeeds(Autoscaler, full(), listing(scaler()), check_mode=True)
    assert o.sent == [f"GET {LIST}"] and o.changed is False


# -- create ------------------------------------------------------------------------------------


def test_a_missing_autoscaler_is_created_with_one_post_of_the_five_fields():
    real, check = same_as_real_run(
        full(), [listing(scaler("worker")), formation(), created(scaler())], [listing(scaler("worker")), formation()]
    )
    assert real.sent == [f"GET {LIST}", f"GET {FORMATION}", f"POST {LIST}"]
    assert real.client.the("POST").json == {"autoscaler": dict(SETTINGS, container_type="web")}
    assert real.client.the("POST").ok == (201,)
    assert real.result["autoscaler"] == scaler()
    assert real.diff == {"before": shown("absent"), "after": shown(**SETTINGS, enabled=True)}
    assert check.result["autoscaler"] == dict(SETTINGS, container_type="web", disabled=False)


def test_a_disabled_creation_is_a_post_then_a_patch_as_scalingo_creates_them_enabled():
    real, check = same_as_real_run(
        full(enabled=False),
        [listing(), formation(), created(scaler()), patched(scaler(disabled=True))],
        [listing(), formation()],
    )
    assert real.sent == [f"GET {LIST}", f"GET {FORMATION}", f"POST {LIST}", f"PATCH {ONE}"]
    assert "disabled" not in real.client.the("POST").json["autoscaler"]
    assert real.client.the("PATCH").json == {"autoscaler": {"disabled": True}}
    assert real.diff["after"] == shown(**SETTINGS, enabled=False)
    assert check.result["autoscaler"]["disabled"] is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_creation_needs_every_setting_and_fails_before_any_write(check_mode):
    o = fails(Autoscaler, params(max_containers=8), listing(), check_mode=check_mode)
    assert o.sent == [f"GET {LIST}"]
    assert o.error.message == (
        f"app '{APP}' has no autoscaler for web: to create one, give metric, target, min_containers"
    )


def test_a_refused_creation_is_the_api_reason():
    refusal = unprocessable({"container_type": ["no such container type"]})
    o = fails(
        Autoscaler, full(container_type="clock"), listing(), formation("web", "clock"), expect("POST", LIST, refusal)
    )
    assert o.error.message == (
        f"could not create the autoscaler of clock on app '{APP}': container_type no such container type (HTTP 422)"
    )
    assert o.error.status == 422 and o.client.wrote is False


def test_a_server_error_on_the_creation_is_settled_by_reading_again():
    o = succeeds(
        Autoscaler,
        full(),
        listing(),
        formation(),
        expect("POST", LIST, answer(500, {"error": "Internal error occured, we're on it!"})),
        listing(scaler()),
    )
    assert len(o.client.mutations) == 1 and o.changed is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_type_the_app_lacks_fails_after_reading_the_formation_without_a_write(check_mode):
    o = fails(Autoscaler, full(container_type="clock"), listing(), formation(), check_mode=check_mode)
    assert o.sent == [f"GET {LIST}", f"GET {FORMATION}"]
    assert o.error.message == f"app '{APP}' has no container type 'clock'; its types are: web, worker"


def test_a_type_in_another_case_is_named_as_the_app_has_it():
    o = fails(Autoscaler, full(container_type="WEB"), listing(), formation())
    assert o.sent == [f"GET {LIST}", f"GET {FORMATION}"]
    assert o.error.message == (
        f"app '{APP}' has no container type 'WEB' (container types are case-sensitive: 'web'); "
        "its types are: web, worker"
    )


def test_an_app_never_deployed_has_no_type_to_autoscale():
    o = fails(Autoscaler, full(), listing(), expect("GET", FORMATION, answer(200, {"containers": []})))
    assert o.error.message == f"app '{APP}' has no container type 'web'; its types are: none (deploy it first)"
    assert o.client.mutations == []


# -- update ------------------------------------------------------------------------------------


def test_a_change_is_one_patch_of_the_changed_fields_only():
    options = full(target=0.6, max_containers=8)
    current = scaler()
    real, check = same_as_real_run(
        options, [listing(current), patched(scaler(target=0.6, max_containers=8))], [listing(current)]
    )
    assert real.sent == [f"GET {LIST}", f"PATCH {ONE}"]
    assert real.client.the("PATCH").json == {"autoscaler": {"target": 0.6, "max_containers": 8}}
    assert real.diff == {
        "before": shown(**SETTINGS, enabled=True),
        "after": shown(metric="cpu", target=0.6, min_containers=2, max_containers=8, enabled=True),
    }
    assert check.result["autoscaler"] == scaler(target=0.6, max_containers=8)


def test_disable_and_enable_are_one_patch_each():
    off = succeeds(Autoscaler, params(enabled=False), listing(scaler()), patched(scaler(disabled=True)))
    assert off.client.the("PATCH").json == {"autoscaler": {"disabled": True}}
    assert off.diff == {"before": shown(enabled=True), "after": shown(enabled=False)}
    on = succeeds(Autoscaler, params(), listing(scaler(disabled=True)), patched(scaler()))
    assert on.client.the("PATCH").json == {"autoscaler": {"disabled": False}}


def test_the_default_re_enables_an_autoscaler_that_a_manual_scale_disabled():
    o = succeeds(Autoscaler, full(), listing(scaler(disabled=True)), patched(scaler()))
    assert o.changed is True and o.client.the("PATCH").json == {"autoscaler": {"disabled": False}}


@pytest.mark.parametrize("check_mode", [False, True])
def test_one_bound_that_would_cross_the_current_other_fails_before_the_patch(check_mode):
    o = fails(Autoscaler, params(min_containers=7), listing(scaler()), check_mode=check_mode)
    assert o.sent == [f"GET {LIST}"]
    assert o.error.message == (
        f"min_containers 7 would leave the autoscaler of web on app '{APP}' with min_containers 7 above "
        "max_containers 6: give both min_containers and max_containers"
    )
    o = fails(Autoscaler, params(max_containers=2), listing(scaler(min_containers=3)))
    assert o.error.message.startswith("max_containers 2 would leave")


def test_an_update_refused_by_the_api_is_its_reason():
    refusal = unprocessable({"metric": ["5XX is only available for the web container type"]})
    o = fails(Autoscaler, params(metric="5XX", target=5.0), listing(scaler()), expect("PATCH", ONE, refusal))
    assert o.error.message == (
        f"could not update the autoscaler of web on app '{APP}': metric 5XX is only available for the web container "
        "type (HTTP 422)"
    )


def test_an_autoscaler_deleted_meanwhile_fails_the_update_clearly():
    o = fails(Autoscaler, params(max_containers=8), listing(scaler()), expect("PATCH", ONE, not_found("autoscaler")))
    assert o.error.message == f"could not update the autoscaler of web on app '{APP}': autoscaler not found (HTTP 404)"


# -- delete ------------------------------------------------------------------------------------


def test_absent_deletes_with_one_delete():
    real, check = same_as_real_run(
        params(state="absent"), [listing(scaler(), scaler("worker")), deleted()], [listing(scaler())]
    )
    assert real.sent == [f"GET {LIST}", f"DELETE {ONE}"]
    assert real.client.the("DELETE").ok == (204,)
    assert real.result == {
        "changed": True,
        "autoscaler": {},
        "diff": {"before": shown(enabled=True), "after": shown("absent")},
    }
    assert check.result == real.result


def test_absent_without_an_autoscaler_is_one_read():
    o = succeeds(Autoscaler, params(state="absent"), listing(scaler("worker")))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.diff == {"before": shown("absent"), "after": shown("absent")}


def test_absent_on_an_app_that_does_not_exist_is_nothing_to_do():
    o = succeeds(Autoscaler, params(state="absent"), expect("GET", LIST, not_found("app")))
    assert o.changed is False and o.result["autoscaler"] == {}


def test_present_on_an_app_that_does_not_exist_fails_clearly():
    o = fails(Autoscaler, full(), expect("GET", LIST, not_found("app")))
    assert o.error.message == f"could not read the autoscalers of app '{APP}': app not found (HTTP 404)"


def test_an_autoscaler_already_gone_when_deleted_is_gone():
    o = succeeds(Autoscaler, params(state="absent"), listing(scaler()), expect("DELETE", ONE, not_found("autoscaler")))
    assert o.changed is True


# -- bad answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "has no 'autoscalers'"),
        ({"autoscalers": {"web": {}}}, "has a 'autoscalers' that is not a list"),
        ({"autoscalers": [dict(scaler(), min_containers="2")]}, "whose 'min_containers' is not a number"),
        ({"autoscalers": [dict(scaler(), disabled=None)]}, "whose 'disabled' is not true or false"),
    ],
)
def test_an_autoscalers_list_that_is_not_scalingo_s_fails_naming_the_endpoint(data, problem):
    o = fails(Autoscaler, full(), expect("GET", LIST, answer(200, data)))
    assert o.error.message.startswith(f"could not read the autoscalers of app '{APP}': the answer of GET /v1{LIST} ")
    assert problem in o.error.message


def test_a_target_that_is_not_a_number_fails():
    o = fails(Autoscaler, full(), listing(scaler(target="0.75")))
    assert o.error.message.startswith(
        f"could not read the autoscalers of app '{APP}': the autoscaler of web has a target"
    )


def test_a_creation_answered_without_an_autoscaler_fails_as_a_change():
    o = fails(Autoscaler, full(), listing(), formation(), expect("POST", LIST, answer(201, {"id": ID})))
    assert "has no 'autoscaler'" in o.error.message
    assert o.client.wrote is True


# -- input checks (input_problems, before any request) ---------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"app": "My Shop"}, "app name 'My Shop' (app) is invalid: " + APP_RULE),
        ({"app": "My Shop", "container_type": " "}, "app name 'My Shop' (app) is invalid: " + APP_RULE),
        ({"container_type": " "}, f"container_type ' ' is invalid: {TYPE_RULE}"),
        ({"container_type": " web"}, f"container_type ' web' is invalid: {TYPE_RULE}"),
        ({"container_type": "wéb"}, f"container_type 'wéb' is invalid: {TYPE_RULE}"),
        ({"container_type": "web/../x"}, f"container_type 'web/../x' is invalid: {TYPE_RULE}"),
        ({"container_type": "web\n"}, f"container_type 'web\\n' is invalid: {TYPE_RULE}"),
        (
            {"container_type": "worker", "metric": "5XX", "target": 5.0},
            "metric 5XX (the router's server errors) is only for the web container type, not worker",
        ),
        ({"metric": "rpm_per_container", "target": -1.0}, "target must be a number above 0, got -1.0"),
        ({"metric": "cpu", "target": 0.0}, "target must be a number above 0, got 0.0"),
        ({"metric": "cpu", "target": float("nan")}, "target must be a number above 0, got nan"),
        (
            {"metric": "memory", "target": 80.0},
            "target of the memory metric is a fraction of 1 (0.75 for 75%), got 80.0",
        ),
        ({"min_containers": 1}, "min_containers must be at least 2 (Scalingo's minimum for an autoscaler), got 1"),
        ({"max_containers": 1}, "max_containers must be at least 2 (Scalingo's minimum for an autoscaler), got 1"),
        ({"max_containers": 11}, "max_containers must be at most 10 (Scalingo's limit per container type), got 11"),
        ({"min_containers": 5, "max_containers": 4}, "min_containers (5) must not be above max_containers (4)"),
    ],
)
def test_input_problems(options, message):
    assert input_problems(params(**options)) == [message]


@pytest.mark.parametrize(
    "options",
    [
        SETTINGS,
        {"metric": "5XX", "target": 10.0},
        {"metric": "p95_response_time", "target": 250.0},
        {"metric": "swap", "target": 1.0},
        {"min_containers": 2, "max_containers": 2},
        {"max_containers": 10},
        {},
    ],
)
def test_good_input(options):
    assert input_problems(params(**options)) == []
