from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_app
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_app import App, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
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

NAME = "my-shop"
OLD = "my-shop-old"


def params(**options):
    return validated(scalingo_app, **{"name": NAME, **options})


def app(name=NAME, **fields):
    base = {
        "id": "5ed12fa6f112e2000f9f93f7",
        "name": name,
        "status": "running",
        "force_https": False,
        "sticky_session": False,
        "router_logs": False,
        "stack_id": "st-scalingo-22",
        "project": {"id": "pr-default", "name": "default"},
        "owner": {"email": "owner@example.com", "username": "owner"},
        "git_source": None,
        "hds_resource": False,
    }
    base.update(fields)
    return base


def read(found, name=NAME):
    return expect("GET", f"/apps/{name}", answer(200, {"app": found}))


def missing(name=NAME):
    return expect("GET", f"/apps/{name}", not_found())


def listing(*apps):
    return expect("GET", "/apps", answer(200, {"apps": list(apps)}))


def created(result):
    return expect("POST", "/apps", answer(201, {"app": result}))


def patched(result, name=NAME):
    return expect("PATCH", f"/apps/{name}", answer(200, {"app": result}))


def renamed(result, old=OLD):
    return expect("POST", f"/apps/{old}/rename", answer(200, {"app": result}))


def deleted(name=NAME):
    return expect("DELETE", f"/apps/{name}", answer(204))


def shown(state="present", name=NAME, **fields):
    return dict(fields, state=state, name=name)


def same_as_real_run(options, real_script, check_script):
    return both_runs(App, options, real_script, check_script)[1]


# -- unchanged ---------------------------------------------------------------------------------


def test_an_app_with_the_wanted_settings_is_left_alone_after_one_read():
    o = succeeds(App, params(force_https=True, router_logs=False), read(app(force_https=True)))
    assert o.sent == ["GET /apps/my-shop"]
    assert o.changed is False
    assert o.diff == {
        "before": shown(force_https=True, router_logs=False),
        "after": shown(force_https=True, router_logs=False),
    }
    assert o.result["app"] == app(force_https=True)
    assert o.client.wrote is False


def test_unmanaged_settings_are_not_compared():
    o = succeeds(App, params(), read(app(force_https=True, sticky_session=True)))
    assert o.changed is False and o.sent == ["GET /apps/my-shop"]
    assert o.diff == {"before": shown(), "after": shown()}


def test_an_unchanged_app_in_check_mode_is_the_same_one_read():
    o = succeeds(App, params(force_https=True), read(app(force_https=True)), check_mode=True)
    assert o.sent == ["GET /apps/my-shop"] and o.changed is False


def test_the_owner_email_is_compared_case_insensitively():
    o = succeeds(App, params(owner="Lead@Example.com"), read(app(owner={"email": "lead@example.com"})))
    assert o.changed is False and o.sent == ["GET /apps/my-shop"]
    assert o.diff["before"] == o.diff["after"] == shown(owner="lead@example.com")


def test_an_owner_email_stored_in_capitals_matches_the_same_email_in_lower_case():
    o = succeeds(App, params(owner="lead@example.com"), read(app(owner={"email": "Lead@Example.com"})))
    assert o.changed is False and o.sent == ["GET /apps/my-shop"]


# -- create ----------------------------------------------------------------------------------


def test_a_missing_app_is_created_with_its_creation_settings():
    options = params(
        stack_id="st-scalingo-24", project_id="pr-shop", git_source="https://github.com/me/shop", hds_resource=True
    )
    new = app(
        stack_id="st-scalingo-24", project={"id": "pr-shop"}, git_source="https://github.com/me/shop", hds_resource=True
    )
    o = succeeds(App, options, missing(), created(new))
    assert o.sent == ["GET /apps/my-shop", "POST /apps"]
    assert o.client.the("POST").json == {
        "app": {
            "name": NAME,
            "git_source": "https://github.com/me/shop",
            "hds_resource": True,
            "stack_id": "st-scalingo-24",
            "project_id": "pr-shop",
        }
    }
    assert o.client.the("POST").headers == {}
    assert o.changed is True and o.result["app"] == new
    assert o.diff == {"before": shown("absent"), "after": shown(stack_id="st-scalingo-24", project_id="pr-shop")}
    assert o.resource.warnings == []


def test_a_creation_sends_only_the_name_when_no_creation_setting_is_given():
    o = succeeds(App, params(), missing(), created(app()))
    assert o.client.the("POST").json == {"app": {"name": NAME}}
    assert o.changed is True and o.diff == {"before": shown("absent"), "after": shown()}


def test_settings_the_creation_does_not_take_are_sent_after_it():
    o = succeeds(App, params(force_https=True), missing(), created(app()), patched(app(force_https=True)))
    assert o.sent == ["GET /apps/my-shop", "POST /apps", "PATCH /apps/my-shop"]
    assert o.client.the("PATCH").json == {"app": {"force_https": True}}
    assert o.result["app"] == app(force_https=True)
    assert o.diff == {"before": shown("absent"), "after": shown(force_https=True)}


def test_check_mode_sends_the_creation_as_a_dry_run_and_predicts_the_same_diff():
    new = app(stack_id="st-scalingo-24")
    check = same_as_real_run(params(stack_id="st-scalingo-24"), [missing(), created(new)], [missing(), created(new)])
    assert check.sent == ["GET /apps/my-shop", "POST /apps"]
    assert check.client.the("POST").headers == {"X-Dry-Run": "true"}
    assert check.client.the("POST").json == {"app": {"name": NAME, "stack_id": "st-scalingo-24"}}
    assert check.changed is True and check.result["app"] == new
    assert check.client.wrote is False


def test_check_mode_predicts_the_settings_sent_after_a_creation_without_sending_them():
    check = same_as_real_run(
        params(force_https=True),
        [missing(), created(app()), patched(app(force_https=True))],
        [missing(), created(app())],
    )
    assert check.sent == ["GET /apps/my-shop", "POST /apps"]
    assert check.result["app"]["force_https"] is True


def test_a_refused_creation_fails_with_the_api_reason_and_is_not_sent_again():
    o = fails(App, params(), missing(), expect("POST", "/apps", unprocessable({"name": ["has already been taken"]})))
    assert o.sent == ["GET /apps/my-shop", "POST /apps"]
    assert o.error.message == "could not create app 'my-shop': name has already been taken (HTTP 422)"
    assert o.error.status == 422 and o.client.wrote is False


def test_a_dry_run_whose_answer_was_lost_is_asked_again_and_still_changes_nothing():
    o = succeeds(App, params(), missing(), expect("POST", "/apps", lost()), created(app()), check_mode=True)
    # The client asks again itself, as it does a read.
    assert o.sent == ["GET /apps/my-shop", "POST /apps"]
    assert o.client.wire == ["GET /apps/my-shop", "POST /apps", "POST /apps"]
    assert all(exchange.headers["X-Dry-Run"] == "true" for exchange in o.client.transport.log[1:])
    assert o.client.mutations == [] and o.client.wrote is False


# -- update ----------------------------------------------------------------------------------


def test_changed_settings_are_sent_in_one_request():
    o = succeeds(
        App,
        params(force_https=True, router_logs=True, sticky_session=False),
        read(app()),
        patched(app(force_https=True, router_logs=True)),
    )
    assert o.sent == ["GET /apps/my-shop", "PATCH /apps/my-shop"]
    assert o.client.the("PATCH").json == {"app": {"force_https": True, "router_logs": True}}
    assert o.changed is True
    assert o.diff == {
        "before": shown(force_https=False, router_logs=False, sticky_session=False),
        "after": shown(force_https=True, router_logs=True, sticky_session=False),
    }


def test_a_project_change_is_sent_as_project_id():
    o = succeeds(App, params(project_id="pr-shop"), read(app()), patched(app(project={"id": "pr-shop"})))
    assert o.client.the("PATCH").json == {"app": {"project_id": "pr-shop"}}
    assert o.diff == {"before": shown(project_id="pr-default"), "after": shown(project_id="pr-shop")}


def test_an_ownership_transfer_sends_the_current_name_and_the_email_in_lower_case():
    o = succeeds(App, params(owner="Lead@Example.com"), read(app()), patched(app(owner={"email": "lead@example.com"})))
    assert o.client.the("PATCH").json == {"app": {"owner": "lead@example.com"}, "current_name": NAME}
    assert o.diff == {"before": shown(owner="owner@example.com"), "after": shown(owner="lead@example.com")}


def test_check_mode_predicts_an_update_without_sending_it():
    options = params(force_https=True, owner="lead@example.com")
    check = same_as_real_run(
        options, [read(app()), patched(app(force_https=True, owner={"email": "lead@example.com"}))], [read(app())]
    )
    assert check.sent == ["GET /apps/my-shop"]
    assert check.changed is True
    assert check.result["app"]["force_https"] is True and check.result["app"]["owner"] == {"email": "lead@example.com"}


def test_a_refused_update_fails_with_the_api_reason_and_is_not_sent_again():
    refusal = unprocessable({"owner": ["is not a collaborator of the app"]})
    o = fails(App, params(owner="lead@example.com"), read(app()), expect("PATCH", "/apps/my-shop", refusal))
    assert o.sent == ["GET /apps/my-shop", "PATCH /apps/my-shop"]
    assert o.error.message == "could not update app 'my-shop': owner is not a collaborator of the app (HTTP 422)"
    assert o.error.unknown_outcome is False and o.client.wrote is False


def test_an_ownership_transfer_whose_answer_was_lost_is_seen_landed_whatever_the_email_case():
    o = succeeds(
        App,
        params(owner="Lead@Example.com"),
        read(app()),
        expect("PATCH", "/apps/my-shop", lost()),
        read(app(owner={"email": "lead@example.com"})),
    )
    assert o.sent == ["GET /apps/my-shop", "PATCH /apps/my-shop", "GET /apps/my-shop"]


def test_an_update_lost_twice_whose_last_read_shows_it_landed_succeeds():
    o = succeeds(
        App,
        params(force_https=True),
        read(app()),
        expect("PATCH", "/apps/my-shop", lost()),
        read(app()),
        expect("PATCH", "/apps/my-shop", lost()),
        read(app(force_https=True)),
    )
    assert o.changed is True and o.result["app"] == app(force_https=True)
    assert len(o.client.mutations) == 2


# -- creation-only settings on an existing app ---------------------------------------------------


def test_a_different_creation_only_setting_on_an_existing_app_warns_and_changes_nothing():
    o = succeeds(App, params(git_source="https://github.com/me/other", hds_resource=True), read(app()))
    assert o.changed is False and o.sent == ["GET /apps/my-shop"]
    assert o.resource.warnings == [
        "git_source is only used when an app is created: app 'my-shop' keeps git_source=None",
        "hds_resource is only used when an app is created: app 'my-shop' keeps hds_resource=False",
    ]


def test_the_same_creation_only_setting_on_an_existing_app_gives_no_warning():
    o = succeeds(
        App, params(git_source="https://github.com/me/shop"), read(app(git_source="https://github.com/me/shop"))
    )
    assert o.changed is False and o.resource.warnings == []


# -- rename ----------------------------------------------------------------------------------


def test_rename_sends_the_current_and_new_names():
    o = succeeds(App, params(rename_from=OLD), listing(app(OLD), app("another-app")), renamed(app()))
    assert o.sent == ["GET /apps", "POST /apps/my-shop-old/rename"]
    assert o.client.the("POST").json == {"current_name": OLD, "new_name": NAME}
    assert o.changed is True and o.result["app"] == app()
    assert o.diff == {"before": shown(name=OLD), "after": shown()}


def test_an_app_already_renamed_is_left_alone_after_one_read():
    o = succeeds(App, params(rename_from=OLD), listing(app(), app("another-app")))
    assert o.sent == ["GET /apps"] and o.changed is False
    assert o.diff == {"before": shown(), "after": shown()}


def test_rename_fails_when_both_apps_exist_and_touches_nothing():
    o = fails(App, params(rename_from=OLD), listing(app(OLD), app()))
    assert o.sent == ["GET /apps"]
    assert (
        o.error.message
        == "cannot rename app 'my-shop-old' to 'my-shop': both apps exist; delete one or drop rename_from"
    )


def test_rename_fails_when_neither_app_exists():
    o = fails(App, params(rename_from=OLD), listing(app("another-app")))
    assert o.sent == ["GET /apps"]
    assert o.error.message == "cannot rename app 'my-shop-old' to 'my-shop': neither app exists"


def test_settings_are_sent_to_the_renamed_app():
    o = succeeds(
        App,
        params(rename_from=OLD, force_https=True),
        listing(app(OLD)),
        renamed(app()),
        patched(app(force_https=True)),
    )
    assert o.sent == ["GET /apps", "POST /apps/my-shop-old/rename", "PATCH /apps/my-shop"]
    assert o.diff == {"before": shown(name=OLD, force_https=False), "after": shown(force_https=True)}


def test_check_mode_predicts_a_rename_without_sending_it():
    check = same_as_real_run(
        params(rename_from=OLD, router_logs=True),
        [listing(app(OLD)), renamed(app()), patched(app(router_logs=True))],
        [listing(app(OLD))],
    )
    assert check.sent == ["GET /apps"]
    assert check.result["app"]["name"] == NAME and check.result["app"]["router_logs"] is True


# -- delete ----------------------------------------------------------------------------------


def test_absent_deletes_the_app_with_its_current_name():
    o = succeeds(App, params(state="absent"), read(app()), deleted())
    assert o.sent == ["GET /apps/my-shop", "DELETE /apps/my-shop"]
    assert o.client.the("DELETE").params == {"current_name": NAME}
    assert o.changed is True and o.result["app"] == {}
    assert o.diff == {"before": shown(), "after": shown("absent")}


def test_absent_on_a_missing_app_changes_nothing_after_one_read():
    o = succeeds(App, params(state="absent"), missing())
    assert o.sent == ["GET /apps/my-shop"] and o.changed is False and o.result["app"] == {}
    assert o.diff == {"before": shown("absent"), "after": shown("absent")}


def test_check_mode_predicts_a_deletion_without_sending_it():
    check = same_as_real_run(params(state="absent"), [read(app()), deleted()], [read(app())])
    assert check.sent == ["GET /apps/my-shop"] and check.changed is True and check.result["app"] == {}


def test_valid_input_has_no_problem():
    assert input_problems(params()) == []
    assert input_problems(params(rename_from=OLD, owner="ops@example.com", git_source="https://github.com/o/r")) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"name": "My_Shop"}, "app name 'My_Shop' (name) is invalid: "),
        ({"rename_from": OLD, "state": "absent"}, "rename_from is only used with state=present"),
        ({"rename_from": "Old Shop"}, "app name 'Old Shop' (rename_from) is invalid: "),
        ({"rename_from": NAME}, f"rename_from and name are both '{NAME}': give the app's current name in rename_from"),
        ({"owner": "ops.example.com"}, "owner 'ops.example.com' is invalid: "),
        ({"stack_id": " "}, "stack_id must not be empty: leave it out to keep the current value"),
        ({"project_id": ""}, "project_id must not be empty: leave it out to keep the current value"),
        ({"git_source": "github.com/o/r"}, "git_source 'github.com/o/r' is invalid: "),
    ],
)
def test_each_bad_input_is_its_problem(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
