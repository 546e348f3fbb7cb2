from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_addon
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_addon import Addon, direction, injected, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    again,
    answer,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    validated,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    same_as_real_run as both_runs,
)

APP = "my-shop"
ID = "ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63"
OTHER_ID = "ad-0c5e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
RESOURCE_ID = "my_shop_5629"
SECRET_URL = (
    f"postgres://{RESOURCE_ID}:s3cr3t-unit-password@my-shop-5629.postgresql.dbs.scalingo.com:30000/{RESOURCE_ID}"
)


def plan(name, price, position):
    return {"id": f"id-{name}", "name": name, "display_name": name, "price": price, "position": position}


PLANS = {
    p["name"]: p
    for p in (
        plan("postgresql-sandbox", 0.0, None),
        plan("postgresql-starter-512", 14.4, 1),
        plan("postgresql-starter-1024", 28.8, 2),
        plan("postgresql-business-1024", 86.4, 3),
    )
}


def params(**options):
    given = {"app": APP, "provider": "postgresql", "plan": "postgresql-starter-512", **options}
    return validated(scalingo_addon, waits=True, **given)


def gone(**options):
    return params(state="absent", plan=None, **options)


def addon(plan_name="postgresql-starter-512", status="running", addon_id=ID, provider="postgresql"):
    chosen = PLANS.get(plan_name) or plan(plan_name, None, None)
    return {
        "id": addon_id,
        "app_id": "5ed12fa6f112e2000f9f93f7",
        "resource_id": RESOURCE_ID,
        "addon_provider": {"id": provider, "name": provider.title()},
        "plan": chosen,
        "provisioned_at": "2020-05-29T13:08:58.103Z",
        "status": status,
    }


def listing(*addons):
    return expect("GET", f"/apps/{APP}/addons", answer(200, {"addons": list(addons)}))


def catalogue(*plans):
    return expect("GET", "/addon_providers/postgresql/plans", answer(200, {"plans": list(plans or PLANS.values())}))


def shown_addon(found, addon_id=ID, repeat=False):
    return expect("GET", f"/apps/{APP}/addons/{addon_id}", answer(200, {"addon": found}), repeat=repeat)


def provisioned(result):
    message = "Database is being provisioned"
    body = {"addon": dict(result, message=message, variables=None), "message": message}
    return expect("POST", f"/apps/{APP}/addons", answer(201, body))


def patched(result, addon_id=ID):
    body = {"addon": result, "variables": None, "message": "Database plan is being changed"}
    return expect("PATCH", f"/apps/{APP}/addons/{addon_id}", answer(200, body))


def deleted(addon_id=ID):
    return expect("DELETE", f"/apps/{APP}/addons/{addon_id}", answer(204))


def variables():
    found = [
        {"id": "v1", "name": "SCALINGO_POSTGRESQL_URL", "value": SECRET_URL},
        {"id": "v2", "name": "DATABASE_URL", "value": "$SCALINGO_POSTGRESQL_URL"},
        {"id": "v3", "name": "RAILS_ENV", "value": "production"},
    ]
    return expect("GET", f"/apps/{APP}/variables", answer(200, {"variables": found}))


def side(state="present", plan_name="postgresql-starter-512", addon_id=ID, **extra):
    if state == "absent":
        return dict({"state": "absent", "provider": "postgresql"}, **extra)
    fields = {"state": "present", "provider": "postgresql", "plan": plan_name}
    return dict(fields, **({"addon_id": addon_id} if addon_id else {}), **extra)


def same_as_real_run(options, real_script, check_script):
    return both_runs(Addon, options, real_script, check_script, ("plan_change",))


def still_provisioning(wait_timeout):
    return (
        f"addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' is still provisioning after "
        f"wait_timeout={wait_timeout} s; run the task again to wait for it"
    )


def no_secret(outcome):
    shown = repr(outcome.result if outcome.error is None else (outcome.error.message, outcome.error.result))
    assert "s3cr3t" not in shown


# -- unchanged ---------------------------------------------------------------------------------


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_addon_on_the_wanted_plan_costs_one_read(check_mode):
    o = succeeds(Addon, params(), listing(addon(), addon(provider="redis", addon_id=OTHER_ID)), check_mode=check_mode)
    assert o.sent == [f"GET /apps/{APP}/addons"]
    assert o.changed is False
    assert o.diff == {"before": side(), "after": side()}
    assert o.result["addon"] == addon()
    assert o.result["plan_change"] is None and "variables" not in o.result
    assert o.client.wrote is False


def test_an_addon_still_provisioning_on_the_wanted_plan_is_waited_for_without_a_change():
    o = succeeds(
        Addon,
        params(),
        listing(addon(status="provisioning")),
        shown_addon(addon(status="provisioning")),
        shown_addon(addon()),
    )
    assert o.changed is False and o.client.mutations == []
    assert o.result["addon"]["status"] == "running" and o.result["duration"] > 0


@pytest.mark.parametrize("options, check_mode", [({"wait": False}, False), ({}, True)])
def test_an_addon_still_provisioning_is_not_waited_for_without_wait_or_in_check_mode(options, check_mode):
    o = succeeds(Addon, params(**options), listing(addon(status="provisioning")), check_mode=check_mode)
    assert o.sent == [f"GET /apps/{APP}/addons"] and o.changed is False
    assert o.result["addon"]["status"] == "provisioning"


def test_an_addon_provisioning_past_the_deadline_fails_without_a_change():
    o = fails(
        Addon,
        params(wait_timeout=30),
        listing(addon(status="provisioning")),
        shown_addon(addon(status="provisioning"), repeat=True),
    )
    assert o.error.message == still_provisioning(30)
    assert o.error.changed is False
    assert o.clock.now == 1030.0


# -- provisioning -------------------------------------------------------------------------------


def test_a_missing_addon_is_provisioned_waited_for_and_its_variable_names_returned():
    o = succeeds(
        Addon,
        params(),
        listing(addon(provider="redis", addon_id=OTHER_ID)),
        catalogue(),
        provisioned(addon(status="provisioning")),
        shown_addon(addon(status="provisioning")),
        shown_addon(addon()),
        variables(),
    )
    assert o.sent == [
        f"GET /apps/{APP}/addons",
        "GET /addon_providers/postgresql/plans",
        f"POST /apps/{APP}/addons",
        f"GET /apps/{APP}/addons/{ID}",
        f"GET /apps/{APP}/addons/{ID}",
        f"GET /apps/{APP}/variables",
    ]
    assert o.client.the("POST").json == {
        "addon": {"addon_provider_id": "postgresql", "plan_id": "id-postgresql-starter-512"}
    }
    assert o.client.the("GET", f"/apps/{APP}/variables").params == {"aliases": "true"}
    assert o.changed is True
    assert o.diff == {"before": side("absent"), "after": side(addon_id=None)}
    assert o.result["addon"] == addon()
    assert o.result["variables"] == ["DATABASE_URL", "SCALINGO_POSTGRESQL_URL"]
    assert o.result["plan_change"] is None and o.result["duration"] > 0
    no_secret(o)


def test_check_mode_predicts_the_provisioning_without_sending_it():
    real, check = same_as_real_run(
        params(),
        [listing(), catalogue(), provisioned(addon()), variables()],
        [listing(), catalogue()],
    )
    assert check.result["addon"] == {
        "id": None,
        "addon_provider": {"id": "postgresql"},
        "plan": PLANS["postgresql-starter-512"],
        "status": "running",
    }
    assert "variables" not in check.result
    assert real.result["variables"] == ["DATABASE_URL", "SCALINGO_POSTGRESQL_URL"]


def test_without_wait_the_provisioning_addon_is_returned_at_once():
    o = succeeds(
        Addon, params(wait=False), listing(), catalogue(), provisioned(addon(status="provisioning")), variables()
    )
    assert o.result["addon"]["status"] == "provisioning" and o.result["duration"] == 0.0
    assert o.result["variables"] == ["DATABASE_URL", "SCALINGO_POSTGRESQL_URL"]


def test_a_provisioning_slower_than_wait_timeout_fails_as_a_change():
    o = fails(
        Addon,
        params(wait_timeout=20),
        listing(),
        catalogue(),
        provisioned(addon(status="provisioning")),
        shown_addon(addon(status="provisioning"), repeat=True),
    )
    assert o.error.message == still_provisioning(20)
    assert o.error.changed is True
    assert o.error.result["addon"]["status"] == "provisioning"
    assert o.error.result["duration"] == 20.0


def test_an_addon_suspended_while_it_is_waited_for_fails_as_a_change():
    o = fails(
        Addon,
        params(),
        listing(),
        catalogue(),
        provisioned(addon(status="provisioning")),
        shown_addon(addon(status="suspended")),
    )
    assert o.error.message.startswith(
        f"addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' is suspended"
    )
    assert o.error.changed is True


def test_an_unknown_status_after_the_wait_fails_as_a_change():
    o = fails(
        Addon,
        params(),
        listing(),
        catalogue(),
        provisioned(addon(status="provisioning")),
        shown_addon(addon(status="error")),
    )
    assert (
        o.error.message == f"addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' is error, not running"
    )
    assert o.error.changed is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_unknown_plan_fails_before_any_write_listing_the_plans(check_mode):
    o = fails(Addon, params(plan="postgresql-huge"), listing(), catalogue(), check_mode=check_mode)
    assert o.error.message == (
        "plan 'postgresql-huge' is not a plan of postgresql; its plans: postgresql-sandbox, postgresql-starter-512, "
        "postgresql-starter-1024, postgresql-business-1024"
    )
    assert o.client.mutations == [] and o.client.wrote is False


def test_an_unknown_provider_fails_before_any_write_listing_the_providers():
    o = fails(
        Addon,
        params(provider="oracle", plan="oracle-xl"),
        expect("GET", f"/apps/{APP}/addons", answer(200, {"addons": []})),
        expect("GET", "/addon_providers/oracle/plans", not_found("addon_provider")),
        expect("GET", "/addon_providers", answer(200, {"addon_providers": [{"id": "postgresql"}, {"id": "redis"}]})),
    )
    assert o.error.message == "addon provider 'oracle' is unknown to Scalingo; providers: postgresql, redis"
    assert o.client.mutations == []


def test_a_payment_refusal_says_what_to_do():
    refusal = answer(
        402,
        {"error": "You need a payment method", "url": "https://my.scalingo.com/apps/billing", "name": "x"},
        **{"X-Request-ID": "req-1"},
    )
    o = fails(Addon, params(), listing(), catalogue(), expect("POST", f"/apps/{APP}/addons", refusal))
    assert o.error.message == (
        f"could not provision a postgresql addon (plan postgresql-starter-512) on app '{APP}': payment required: "
        "You need a payment method (https://my.scalingo.com/apps/billing); this plan needs a payment method on the "
        "account that owns the app (or the end of its free trial), or choose a free plan (HTTP 402, request id req-1)"
    )
    assert o.error.status == 402 and o.error.changed is None and o.client.wrote is False


def test_other_refusals_are_the_api_reason():
    o = fails(
        Addon,
        params(),
        listing(),
        catalogue(),
        expect("POST", f"/apps/{APP}/addons", answer(400, {"error": "plan_id is required"})),
    )
    assert o.error.message == (
        f"could not provision a postgresql addon (plan postgresql-starter-512) on app '{APP}': plan_id is required (HTTP 400)"
    )


def test_a_provisioning_that_never_shows_up_is_never_sent_again_and_fails_as_a_change():
    o = fails(
        Addon,
        params(wait_timeout=45),
        listing(),
        catalogue(),
        expect("POST", f"/apps/{APP}/addons", lost()),
        again(listing()),
    )
    assert [c.method for c in o.client.mutations] == ["POST"]
    assert o.sent.count(f"GET /apps/{APP}/addons") > 5 and o.clock.now == 1045.0
    assert o.error.changed is True and o.error.unknown_outcome is True
    assert o.error.message == (
        f"could not provision a postgresql addon (plan postgresql-starter-512) on app '{APP}': the answer was lost "
        "(ConnectionError); the request may or may not have been applied. No postgresql addon with plan "
        f"postgresql-starter-512 showed up in the addons of app '{APP}' within wait_timeout=45 s, so it was not sent "
        "again (that could provision a second, billed addon): look at the app's addons "
        f"(scalingo --app {APP} addons, or the dashboard) before running the task again; should two postgresql addons "
        "show, remove the one not wanted with state=absent and its addon_id"
    )


def test_an_addon_of_another_plan_is_not_taken_for_the_lost_provisioning():
    o = fails(
        Addon,
        params(wait_timeout=20),
        listing(),
        catalogue(),
        expect("POST", f"/apps/{APP}/addons", lost()),
        again(listing(addon(plan_name="postgresql-sandbox"))),
    )
    assert [c.method for c in o.client.mutations] == ["POST"] and o.error.changed is True


# -- plan changes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, wanted, change",
    [
        ("postgresql-starter-512", "postgresql-business-1024", "upgrade"),
        ("postgresql-business-1024", "postgresql-sandbox", "downgrade"),
    ],
)
def test_a_plan_change_is_sent_waited_for_and_named_in_the_diff(current, wanted, change):
    o = succeeds(
        Addon,
        params(plan=wanted),
        listing(addon(current)),
        catalogue(),
        patched(addon(wanted, status="provisioning")),
        shown_addon(addon(wanted)),
        variables(),
    )
    assert o.client.the("PATCH").json == {"addon": {"plan_id": f"id-{wanted}"}}
    assert o.changed is True
    assert o.diff == {"before": side(plan_name=current), "after": side(plan_name=wanted, plan_change=change)}
    assert o.result["plan_change"] == change
    assert o.result["addon"]["plan"]["name"] == wanted and o.result["addon"]["status"] == "running"
    assert o.result["variables"] == ["DATABASE_URL", "SCALINGO_POSTGRESQL_URL"]
    no_secret(o)


def test_check_mode_predicts_the_plan_change_without_sending_it():
    options = params(plan="postgresql-sandbox")
    real, check = same_as_real_run(
        options,
        [listing(addon()), catalogue(), patched(addon("postgresql-sandbox")), variables()],
        [listing(addon()), catalogue()],
    )
    assert check.result["plan_change"] == "downgrade"
    assert check.result["addon"] == dict(addon(), plan=PLANS["postgresql-sandbox"])
    assert real.client.the("PATCH").json == {"addon": {"plan_id": "id-postgresql-sandbox"}}


def test_a_plan_no_longer_in_the_catalogue_is_compared_by_its_own_price():
    retired = dict(addon("postgresql-legacy"), plan=plan("postgresql-legacy", 200.0, 9))
    o = succeeds(Addon, params(), listing(retired), catalogue(), patched(addon()), variables())
    assert o.result["plan_change"] == "downgrade"


def test_direction_by_price_then_position_then_unknown():
    assert direction({"price": 10, "position": 5}, {"price": 20, "position": 1}) == "upgrade"
    assert direction({"price": 10, "position": 1}, {"price": 10, "position": 2}) == "upgrade"
    assert direction({"price": None, "position": 3}, {"price": 5.0, "position": 2}) == "downgrade"
    assert direction({"price": 10, "position": None}, {"price": 10, "position": None}) == "change"
    assert direction({"price": True}, {"price": 3}) == "change"


def test_a_plan_refused_by_the_api_is_its_reason():
    o = fails(
        Addon,
        params(plan="postgresql-sandbox"),
        listing(addon()),
        catalogue(),
        expect("PATCH", f"/apps/{APP}/addons/{ID}", not_found("plan")),
    )
    assert o.error.message == (
        f"could not change the plan of addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' to "
        "postgresql-sandbox: plan not found (HTTP 404)"
    )


def test_a_paid_upgrade_refused_for_payment_has_the_payment_message():
    o = fails(
        Addon,
        params(plan="postgresql-business-1024"),
        listing(addon()),
        catalogue(),
        expect("PATCH", f"/apps/{APP}/addons/{ID}", answer(402, {"error": "Add a payment method"})),
    )
    assert "payment required: Add a payment method; this plan needs a payment method" in o.error.message
    assert o.error.message.endswith("(HTTP 402)")


@pytest.mark.parametrize("wanted", ["postgresql-starter-512", "postgresql-sandbox"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_a_suspended_addon_fails_before_any_write(wanted, check_mode):
    o = fails(Addon, params(plan=wanted), listing(addon(status="suspended")), check_mode=check_mode)
    assert o.error.message == (
        f"addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' is suspended: Scalingo keeps it out "
        "of use; check the account's billing, resume the addon (dashboard or support), then run the task again"
    )
    assert o.sent == [f"GET /apps/{APP}/addons"] and o.error.changed is False
    assert o.error.result["addon"]["status"] == "suspended"


# -- which addon ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["present", "absent"])
def test_two_addons_of_the_provider_without_addon_id_fail_listing_them(state):
    two = listing(addon(), addon("postgresql-sandbox", addon_id=OTHER_ID))
    o = fails(Addon, params(state=state, confirm=None), two)
    assert o.error.message == (
        f"app '{APP}' has 2 postgresql addons: {ID} (plan postgresql-starter-512), {OTHER_ID} (plan "
        "postgresql-sandbox); set addon_id to the one to manage"
    )


def test_addon_id_picks_one_of_two():
    two = listing(addon("postgresql-sandbox"), addon(addon_id=OTHER_ID))
    o = succeeds(Addon, params(addon_id=OTHER_ID), two)
    assert o.changed is False and o.result["addon"]["id"] == OTHER_ID


def test_addon_id_of_another_provider_fails():
    o = fails(Addon, params(addon_id=OTHER_ID), listing(addon(), addon(provider="redis", addon_id=OTHER_ID)))
    assert o.error.message == f"addon {OTHER_ID} of app '{APP}' is a redis addon, not postgresql"


def test_an_addon_id_the_app_does_not_have_fails_with_present_and_is_absent_already_with_absent():
    o = fails(Addon, params(addon_id=OTHER_ID), listing(addon()))
    assert (
        o.error.message
        == f"app '{APP}' has no addon {OTHER_ID}; its postgresql addons: {ID} (plan postgresql-starter-512)"
    )
    o = succeeds(Addon, gone(addon_id=OTHER_ID), listing(addon()))
    assert o.changed is False and o.result["addon"] == {}


def test_a_missing_app_fails_with_present():
    o = fails(Addon, params(), expect("GET", f"/apps/{APP}/addons", not_found("app")))
    assert o.error.message == f"could not read the addons of app '{APP}': app not found (HTTP 404)"


# -- deletion ------------------------------------------------------------------------------------


@pytest.mark.parametrize("found", [[], [addon(provider="redis", addon_id=OTHER_ID)]])
def test_no_addon_of_the_provider_is_absent_already(found):
    o = succeeds(Addon, gone(), listing(*found))
    assert o.sent == [f"GET /apps/{APP}/addons"] and o.changed is False
    assert o.diff == {"before": side("absent"), "after": side("absent")}


def test_a_missing_app_has_no_addon():
    o = succeeds(Addon, gone(), expect("GET", f"/apps/{APP}/addons", not_found("app")))
    assert o.changed is False and o.result["addon"] == {}


@pytest.mark.parametrize("confirm", [None, "postgresql-sandbox", "yes"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_a_deletion_without_the_right_confirm_fails_before_any_write_saying_what_would_go(confirm, check_mode):
    o = fails(Addon, gone(confirm=confirm), listing(addon()), check_mode=check_mode)
    assert o.error.message == (
        f"deleting addon {ID} (postgresql, plan postgresql-starter-512) of app '{APP}' destroys its data: set "
        f"confirm to its plan 'postgresql-starter-512' or its id '{ID}' to delete it"
    )
    assert o.error.result["addon"] == addon()
    assert o.client.mutations == [] and o.error.changed is None


@pytest.mark.parametrize("confirm", ["postgresql-starter-512", ID])
def test_a_confirmed_deletion_is_sent_and_shown(confirm):
    o = succeeds(Addon, gone(confirm=confirm), listing(addon()), deleted())
    assert o.sent == [f"GET /apps/{APP}/addons", f"DELETE /apps/{APP}/addons/{ID}"]
    assert o.changed is True
    assert o.diff == {"before": side(), "after": side("absent")}
    assert o.result["addon"] == {}


def test_check_mode_predicts_the_deletion_without_sending_it():
    options = gone(confirm=ID)
    real = succeeds(Addon, options, listing(addon()), deleted())
    check = succeeds(Addon, options, listing(addon()), check_mode=True)
    assert (check.changed, check.diff) == (real.changed, real.diff)
    assert check.sent == [f"GET /apps/{APP}/addons"]


def test_a_suspended_addon_can_be_deleted():
    o = succeeds(Addon, gone(confirm=ID), listing(addon(status="suspended")), deleted())
    assert o.changed is True


def test_a_deletion_lost_when_the_addon_cannot_be_read_is_an_unknown_outcome():
    o = fails(
        Addon,
        gone(confirm=ID),
        listing(addon()),
        expect("DELETE", f"/apps/{APP}/addons/{ID}", lost()),
        expect("GET", f"/apps/{APP}/addons/{ID}", answer(500, {"error": "boom"})),
        expect("DELETE", f"/apps/{APP}/addons/{ID}", lost()),
        expect("GET", f"/apps/{APP}/addons/{ID}", answer(500, {"error": "boom"})),
    )
    assert o.error.unknown_outcome is True


# -- answers that are not Scalingo's ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"addons": None},
        {"addons": [{"id": ID, "status": "running", "addon_provider": {"id": "postgresql"}}]},
        {"addons": [dict(addon(), plan={"id": "p"})]},
        {"addons": [dict(addon(), addon_provider={})]},
    ],
)
def test_a_malformed_addons_list_fails_naming_the_endpoint(body):
    o = fails(Addon, params(), expect("GET", f"/apps/{APP}/addons", answer(200, body)))
    assert o.error.message.startswith(f"could not read the addons of app '{APP}'")
    assert o.client.mutations == []


def test_a_malformed_plans_list_fails_before_any_write():
    o = fails(
        Addon,
        params(),
        listing(),
        expect("GET", "/addon_providers/postgresql/plans", answer(200, {"plans": [{"name": "x"}]})),
    )
    assert "has a 'plans' whose 'id' is not a string" in o.error.message and o.client.mutations == []


def test_variables_without_a_resource_id_give_no_names():
    nameless = dict(addon(), resource_id=None)
    o = succeeds(Addon, params(wait=False), listing(), catalogue(), provisioned(nameless), variables())
    assert o.result["variables"] == []


# -- which variables the addon injected --------------------------------------------------------------


def test_injected_variables_are_found_by_resource_id_and_aliases():
    found = [
        {"name": "SCALINGO_REDIS_URL", "value": "redis://:s3cr3t-x@my-shop-5629.redis.dbs.scalingo.com:3000"},
        {"name": "REDIS_URL", "value": "${SCALINGO_REDIS_URL}"},
        {"name": "SCALINGO_REDIS_2_URL", "value": "redis://:s3cr3t-y@my-shop-7777.redis.dbs.scalingo.com:3000"},
        {"name": "CACHE_URL", "value": "$SCALINGO_REDIS_2_URL"},
        {"name": "PLAIN", "value": "SCALINGO_REDIS_URL"},
    ]
    assert injected(found, "my_shop_5629") == ["REDIS_URL", "SCALINGO_REDIS_URL"]


def test_valid_input_has_no_problem():
    assert input_problems(params()) == []
    assert input_problems(params(state="absent", plan=None, addon_id=ID, confirm=ID)) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop"}, "app name 'My Shop' (app) is invalid: "),
        ({"provider": "Postgre SQL"}, "provider 'Postgre SQL' is invalid: "),
        ({"plan": "starter 512"}, "plan 'starter 512' is invalid: "),
        ({"addon_id": "ad/1"}, "addon_id 'ad/1' is invalid: "),
        ({"confirm": ID}, "confirm is only used with state=absent, to name the addon to delete"),
    ],
)
def test_each_bad_input_is_its_problem(options, problem):
    problems = input_problems(params(**options))
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_the_first_problem_is_the_app_name():
    assert input_problems(params(app="-shop", provider="Postgre SQL"))[0].startswith("app name '-shop' (app)")
