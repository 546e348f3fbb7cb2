"""scalingo_notifier's decisions on the scripted client: find by name, resolve names, compare the webhook URL
by digest without ever showing it, one write, lost answers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._notify import same_secret
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_notifier
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_notifier import Notifier, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
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

APP = "my-shop"
LIST = f"/apps/{APP}/notifiers"
ID = "no-1"
ONE = f"{LIST}/{ID}"
HOOK = "https://hooks.example.com/services/s3cr3t-unit-first"
HOOK2 = "https://hooks.example.com/services/s3cr3t-unit-second"
PLATFORMS = [
    {"id": "pf-email", "name": "email"},
    {"id": "pf-hook", "name": "webhook"},
    {"id": "pf-slack", "name": "slack"},
]
EVENTS = [{"id": "ev-deployed", "name": "app_deployed"}, {"id": "ev-crashed", "name": "app_crashed"}]


def params(**options):
    return validated(scalingo_notifier, **{"app": APP, "name": "ops", **options})


def hook(**options):
    return params(**{"platform": "webhook", "webhook_url": HOOK, **options})


def notifier(**fields):
    base = {
        "id": ID,
        "name": "ops",
        "type": "webhook",
        "platform_id": "pf-hook",
        "active": True,
        "send_all_events": False,
        "send_all_alerts": False,
        "selected_event_ids": [],
        "type_data": {"webhook_url": HOOK},
        "app": APP,
    }
    return dict(base, **fields)


def default():
    return notifier(id="no-default", name=f"Default '{APP}' notifier", type="email", type_data={"emails": []})


def listing(*notifiers):
    return expect("GET", LIST, answer(200, {"notifiers": list(notifiers)}))


def platforms():
    return expect("GET", "/notification_platforms", answer(200, {"notification_platforms": PLATFORMS}))


def events():
    return expect("GET", "/event_types", answer(200, {"event_types": EVENTS}))


def created(result):
    return expect("POST", LIST, answer(201, {"notifier": result}))


def patched(result):
    return expect("PATCH", ONE, answer(200, {"notifier": result}))


def no_secret_in(outcome):
    """Nothing the task shows holds a webhook URL."""
    shown = json.dumps(outcome.result if outcome.error is None else outcome.error.message)
    assert "s3cr3t" not in shown, shown


# -- unchanged -------------------------------------------------------------------------------------


def test_a_notifier_as_wanted_costs_one_read_and_shows_no_url():
    o = succeeds(Notifier, hook(), listing(default(), notifier()))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.result["notifier"]["type_data"] == {"webhook_url": "<redacted>"}
    assert o.diff["after"] == {
        "state": "present",
        "name": "ops",
        "platform": "webhook",
        "active": True,
        "webhook_url": "<set>",
    }
    no_secret_in(o)
    # The URLs the answer echoed are secrets of the run: no message quotes them.
    assert HOOK in o.client.secret_values


def test_named_events_are_read_and_compared_as_sets_of_ids():
    current = notifier(selected_event_ids=["ev-crashed", "ev-deployed"])
    o = succeeds(Notifier, hook(events=["app_deployed", "app_crashed"]), listing(current), events())
    assert o.changed is False and o.sent == [f"GET {LIST}", "GET /event_types"]
    assert o.diff["after"]["events"] == ["app_crashed", "app_deployed"]


def test_emails_are_compared_regardless_of_order():
    current = notifier(type="email", type_data={"emails": ["a@example.com", "b@example.com"], "user_ids": []})
    o = succeeds(Notifier, params(platform="email", emails=["b@example.com", "a@example.com"]), listing(current))
    assert o.changed is False


# -- create ----------------------------------------------------------------------------------------


def test_a_creation_resolves_the_platform_and_events_and_posts_once():
    options = hook(events=["app_deployed"], send_all_alerts=True)
    o = succeeds(
        Notifier,
        options,
        listing(default()),
        events(),
        platforms(),
        created(notifier(selected_event_ids=["ev-deployed"], send_all_alerts=True)),
    )
    assert o.client.the("POST").json == {
        "notifier": {
            "name": "ops",
            "platform_id": "pf-hook",
            "active": True,
            "send_all_alerts": True,
            "send_all_events": False,
            "selected_event_ids": ["ev-deployed"],
            "type_data": {"webhook_url": HOOK},
        }
    }
    assert o.changed is True and o.diff["before"] == {"state": "absent", "name": "ops"}
    no_secret_in(o)
    check = succeeds(Notifier, options, listing(default()), events(), platforms(), check_mode=True)
    assert (check.changed, check.diff) == (o.changed, o.diff)
    assert check.result["notifier"]["type_data"] == {"webhook_url": "<redacted>"}
    no_secret_in(check)


def test_events_all_sends_every_event():
    o = succeeds(Notifier, hook(events=["all"]), listing(), platforms(), created(notifier(send_all_events=True)))
    assert o.client.the("POST").json["notifier"]["send_all_events"] is True
    assert "selected_event_ids" not in o.client.the("POST").json["notifier"]
    assert o.diff["after"]["events"] == "all"


def test_a_lost_creation_is_looked_for_by_name_before_anything_is_sent_again():
    o = succeeds(Notifier, hook(), listing(), platforms(), expect("POST", LIST, lost()), listing(notifier()))
    assert [c.method for c in o.client.mutations] == ["POST"]
    assert o.changed is True and o.result["notifier"]["id"] == ID


def test_a_lost_creation_not_seen_is_sent_once_more():
    o = succeeds(
        Notifier, hook(), listing(), platforms(), expect("POST", LIST, lost()), again(listing()), created(notifier())
    )
    assert [c.method for c in o.client.mutations] == ["POST", "POST"]


# -- update ----------------------------------------------------------------------------------------


def test_a_new_url_is_one_patch_whose_diff_says_changed_not_what():
    o = succeeds(
        Notifier, hook(webhook_url=HOOK2), listing(notifier()), patched(notifier(type_data={"webhook_url": HOOK2}))
    )
    assert o.client.the("PATCH").json == {"notifier": {"type_data": {"webhook_url": HOOK2}}}
    assert (o.diff["before"]["webhook_url"], o.diff["after"]["webhook_url"]) == ("<set>", "<changed>")
    no_secret_in(o)


def test_email_settings_keep_the_other_ones_of_type_data():
    current = notifier(type="email", type_data={"emails": ["a@example.com"], "user_ids": ["us-1"]})
    o = succeeds(Notifier, params(emails=["b@example.com"]), listing(current), patched(current))
    assert o.client.the("PATCH").json == {
        "notifier": {"type_data": {"emails": ["b@example.com"], "user_ids": ["us-1"]}}
    }


def test_from_all_events_to_some_and_back():
    o = succeeds(
        Notifier, hook(events=["app_crashed"]), listing(notifier(send_all_events=True)), events(), patched(notifier())
    )
    assert o.client.the("PATCH").json == {"notifier": {"send_all_events": False, "selected_event_ids": ["ev-crashed"]}}
    current = notifier(selected_event_ids=["ev-crashed"])
    o = succeeds(
        Notifier, hook(events=["all"]), listing(current), events(), patched(dict(current, send_all_events=True))
    )
    assert o.client.the("PATCH").json == {"notifier": {"send_all_events": True}}
    assert (o.diff["before"]["events"], o.diff["after"]["events"]) == (["app_crashed"], "all")


def test_active_defaults_to_true():
    o = succeeds(Notifier, params(), listing(notifier(active=False)), patched(notifier()))
    assert o.client.the("PATCH").json == {"notifier": {"active": True}}


def test_a_lost_update_is_read_again_and_not_resent_when_applied():
    done = notifier(type_data={"webhook_url": HOOK2})
    o = succeeds(Notifier, hook(webhook_url=HOOK2), listing(notifier()), expect("PATCH", ONE, lost()), listing(done))
    assert [c.method for c in o.client.mutations] == ["PATCH"]


# -- refusals --------------------------------------------------------------------------------------


def test_unknown_names_fail_after_reads_listing_the_known_ones():
    o = fails(Notifier, params(name="new", platform="pagerduty", webhook_url=HOOK), listing(), platforms())
    assert o.error.message == "unknown notification platform: pagerduty; the known ones are: email, slack, webhook"
    o = fails(Notifier, hook(events=["app_deployed", "app_exploded"]), listing(notifier()), events())
    assert o.error.message == "unknown event types: app_exploded; the known ones are: app_crashed, app_deployed"
    assert o.client.mutations == []


def test_a_platform_can_not_change():
    o = fails(Notifier, params(platform="slack"), listing(notifier()), platforms())
    assert "Scalingo can't change a notifier's platform to slack" in o.error.message
    assert o.client.mutations == []


def test_a_creation_needs_a_platform_and_its_url():
    o = fails(Notifier, params(), listing())
    assert o.error.message == "app 'my-shop' has no notifier named 'ops': to create one, give platform"
    o = fails(Notifier, params(platform="slack"), listing())
    assert o.error.message.endswith("give webhook_url")


def test_two_notifiers_of_the_name_fail_without_a_write():
    o = fails(Notifier, hook(), listing(notifier(), notifier(id="no-2")))
    assert o.error.message == "app 'my-shop' has 2 notifiers named 'ops' (no-1, no-2): delete all but one"


def test_an_api_refusal_quoting_the_current_url_does_not_show_it():
    refusal = unprocessable({"type_data": [f"{HOOK} is invalid"]})
    o = fails(Notifier, hook(webhook_url=HOOK2), listing(notifier()), expect("PATCH", ONE, refusal))
    assert "is invalid" in o.error.message and HOOK not in o.error.message


# -- delete ----------------------------------------------------------------------------------------


def test_absent_deletes_every_notifier_of_the_name_then_reads_only():
    o = succeeds(
        Notifier,
        params(state="absent"),
        listing(notifier(), notifier(id="no-2")),
        expect("DELETE", ONE, answer(204)),
        expect("DELETE", f"{LIST}/no-2", answer(204)),
    )
    assert o.changed is True and o.result["notifier"] == {}
    o = succeeds(Notifier, params(state="absent"), listing(default()))
    assert o.changed is False
    o = succeeds(Notifier, params(state="absent"), expect("GET", LIST, not_found("app")))
    assert o.changed is False


# -- input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"platform": "webhook", "emails": ["a@example.com"]},
            "emails is not a setting of the webhook platform (its settings: webhook_url)",
        ),
        (
            {"webhook_url": "ftp://x"},
            "webhook_url is invalid: give an http:// or https:// URL with a path, without spaces or line breaks",
        ),
        (
            {"events": ["all", "app_deployed"]},
            "events: all sends every event: give it alone, or a list of event names without 'all'",
        ),
        (
            {"events": ["App Deployed"]},
            "events item 'App Deployed' is invalid: give event type names such as app_deployed",
        ),
        ({"platform": "Slack"}, "platform 'Slack' is invalid: give a platform name such as webhook, email or slack"),
        ({"name": "two\nlines"}, "name 'two\\nlines' is invalid: give the notifier's name, without line breaks"),
    ],
)
def test_input_problems(options, message):
    assert input_problems(params(**options)) == [message]


def test_absent_checks_the_name_only():
    assert input_problems(params(state="absent", events=["all", "x"])) == []


def test_same_secret_compares_by_digest():
    assert same_secret(HOOK, HOOK) and not same_secret(HOOK, HOOK2) and not same_secret(HOOK, None)
