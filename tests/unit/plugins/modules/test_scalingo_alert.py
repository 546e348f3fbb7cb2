"""scalingo_alert's decisions on the scripted client: identity, durations, notifiers by name, the list form
and exclusive removal, lost answers."""

from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._notify import duration_ns, go_duration
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_alert
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_alert import Alerts, input_problems
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

APP = "my-shop"
LIST = f"/apps/{APP}/alerts"
NOTIFIERS = f"/apps/{APP}/notifiers"
SCALERS = f"/apps/{APP}/autoscalers"
MINUTES_3 = 180 * 10**9


def params(**options):
    return validated(scalingo_alert, **{"app": APP, **options})


def cpu(**options):
    return params(**{"container_type": "web", "metric": "cpu", "limit": 0.8, **options})


def alert(ident="al-1", **fields):
    base = {
        "id": ident,
        "app_id": "app-1",
        "container_type": "web",
        "metric": "cpu",
        "limit": 0.8,
        "send_when_below": False,
        "duration_before_trigger": 0,
        "remind_every": "",
        "disabled": False,
        "notifiers": [],
        "metadata": {"recipient": "user"},
    }
    return dict(base, **fields)


def listing(*alerts):
    return expect("GET", LIST, answer(200, {"alerts": list(alerts)}))


def notifiers():
    found = [{"id": "no-mail", "name": "on-call", "type_data": {}}, {"id": "no-hook", "name": "slack", "type_data": {}}]
    return expect("GET", NOTIFIERS, answer(200, {"notifiers": found}))


def created(result):
    return expect("POST", LIST, answer(201, {"alert": result}))


def patched(ident, result):
    # Scalingo's answer to an update has no notifiers.
    return expect(
        "PATCH", f"{LIST}/{ident}", answer(200, {"alert": {k: v for k, v in result.items() if k != "notifiers"}})
    )


def deleted(ident):
    return expect("DELETE", f"{LIST}/{ident}", answer(204))


# -- unchanged -------------------------------------------------------------------------------------


def test_an_alert_as_wanted_costs_the_reads_only():
    current = alert(duration_before_trigger=MINUTES_3, remind_every="1h30m0s", notifiers=["no-hook", "no-mail"])
    options = cpu(duration_before_trigger="180s", remind_every="90m", notifiers=["on-call", "slack"])
    o = succeeds(Alerts, options, listing(current), notifiers())
    assert o.changed is False and o.sent == [f"GET {LIST}", f"GET {NOTIFIERS}"]
    assert o.result["alert"] == current and o.result["alerts"] == [current]
    side = {"state": "present", "limit": 0.8, "duration_before_trigger": "3m0s", "remind_every": "1h30m0s"}
    assert o.diff["after"] == {"web cpu above": dict(side, notifiers=["on-call", "slack"])}


def test_the_direction_is_part_of_the_identity():
    o = succeeds(Alerts, cpu(send_when_below=True), listing(alert()), created(alert("al-2", send_when_below=True)))
    assert o.client.the("POST").json == {
        "alert": {"limit": 0.8, "container_type": "web", "metric": "cpu", "send_when_below": True}
    }
    assert o.diff["before"] == {"web cpu below": {"state": "absent"}}


# -- create / update -------------------------------------------------------------------------------


def test_a_creation_sends_nanoseconds_a_go_duration_and_notifier_ids():
    options = cpu(duration_before_trigger="3m", remind_every="5m30s", notifiers=["slack"], disabled=True)
    real = succeeds(
        Alerts,
        options,
        listing(),
        notifiers(),
        created(alert(notifiers=["no-hook"], duration_before_trigger=MINUTES_3, remind_every="5m30s", disabled=True)),
    )
    assert real.client.the("POST").json["alert"] == {
        "limit": 0.8,
        "duration_before_trigger": MINUTES_3,
        "remind_every": "5m30s",
        "disabled": True,
        "notifiers": ["no-hook"],
        "container_type": "web",
        "metric": "cpu",
        "send_when_below": False,
    }
    check = succeeds(Alerts, options, listing(), notifiers(), check_mode=True)
    assert (check.changed, check.diff) == (real.changed, real.diff)


def test_an_update_patches_the_changed_fields_and_keeps_the_notifiers_sent():
    o = succeeds(
        Alerts, cpu(limit=0.9, notifiers=["on-call"]), listing(alert()), notifiers(), patched("al-1", alert(limit=0.9))
    )
    assert o.client.the("PATCH").json == {"alert": {"limit": 0.9, "notifiers": ["no-mail"]}}
    assert o.result["alert"]["notifiers"] == ["no-mail"] and o.result["alert"]["limit"] == 0.9


def test_an_integer_limit_or_duration_from_the_api_is_the_same():
    o = succeeds(Alerts, cpu(limit=10, remind_every="1m"), listing(alert(limit=10, remind_every=60 * 10**9)))
    assert o.changed is False


def test_a_lost_creation_is_looked_for_before_anything_is_sent_again():
    o = succeeds(Alerts, cpu(), listing(), expect("POST", LIST, lost()), listing(alert()))
    assert [c.method for c in o.client.mutations] == ["POST"] and o.result["alert"]["id"] == "al-1"
    o = succeeds(Alerts, cpu(), listing(), expect("POST", LIST, lost()), again(listing()), created(alert()))
    assert [c.method for c in o.client.mutations] == ["POST", "POST"]


def test_a_lost_update_found_applied_is_not_sent_again():
    o = succeeds(
        Alerts, cpu(limit=0.9), listing(alert()), expect("PATCH", f"{LIST}/al-1", lost()), listing(alert(limit=0.9))
    )
    assert [c.method for c in o.client.mutations] == ["PATCH"]


# -- the list form, exclusive ----------------------------------------------------------------------


def test_exclusive_deletes_the_others_but_the_autoscalers_alerts():
    scaler = {
        "id": "sc-1",
        "container_type": "web",
        "metric": "cpu",
        "min_containers": 2,
        "max_containers": 4,
        "disabled": False,
        "alert_id_scale_up": "al-up",
        "alert_id_scale_down": "al-down",
    }
    others = [alert("al-5xx", metric="5XX", limit=10), alert("al-up", metric="cpu", limit=0.9, send_when_below=True)]
    options = params(exclusive=True, alerts=[{"container_type": "web", "metric": "cpu", "limit": 0.8}])
    script = [listing(alert(), *others), expect("GET", SCALERS, answer(200, {"autoscalers": [scaler]}))]
    real = succeeds(Alerts, options, *script, deleted("al-5xx"))
    assert real.changed is True and [c.method for c in real.client.mutations] == ["DELETE"]
    assert real.result["removed"] == [others[0]] and real.result["alert"] == {}
    assert real.diff["after"]["web 5XX above"] == {"state": "absent"}
    assert "web cpu below" not in real.diff["after"]
    script = [listing(alert(), *others), expect("GET", SCALERS, answer(200, {"autoscalers": [scaler]}))]
    check = succeeds(Alerts, options, *script, check_mode=True)
    assert (check.changed, check.diff) == (real.changed, real.diff)


def test_without_exclusive_the_others_stay_and_nothing_more_is_read():
    options = params(alerts=[{"container_type": "web", "metric": "cpu", "limit": 0.8}])
    o = succeeds(Alerts, options, listing(alert(), alert("al-5xx", metric="5XX")))
    assert o.changed is False and o.sent == [f"GET {LIST}"]


def test_every_missing_limit_fails_before_any_write():
    options = params(
        alerts=[
            {"container_type": "web", "metric": "memory", "limit": 0.5},
            {"container_type": "web", "metric": "swap"},
        ]
    )
    o = fails(Alerts, options, listing())
    assert o.error.message == "app 'my-shop' has no alert web swap above: to create one, give its limit"
    assert o.client.mutations == []


# -- refusals and absent ---------------------------------------------------------------------------


def test_an_unknown_notifier_fails_listing_the_apps():
    o = fails(Alerts, cpu(notifiers=["pager"]), listing(), notifiers())
    assert o.error.message == "unknown notifiers of app 'my-shop': pager; the known ones are: on-call, slack"


def test_two_alerts_of_one_identity_fail_without_a_write():
    o = fails(Alerts, cpu(), listing(alert(), alert("al-2")))
    assert o.error.message == "app 'my-shop' has 2 alerts web cpu above (al-1, al-2): delete all but one"


def test_absent_deletes_by_identity_then_reads_only():
    o = succeeds(Alerts, params(container_type="web", metric="cpu", state="absent"), listing(alert()), deleted("al-1"))
    assert o.changed is True and o.result["removed"] == [alert()]
    o = succeeds(Alerts, params(container_type="web", metric="cpu", state="absent"), listing())
    assert o.changed is False
    o = succeeds(
        Alerts, params(container_type="web", metric="cpu", state="absent"), expect("GET", LIST, not_found("app"))
    )
    assert o.changed is False


# -- input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"container_type": "worker", "metric": "5XX"},
            "alert worker 5XX above: metric 5XX comes from the router, so it is only for the web type",
        ),
        (
            {"container_type": "web", "metric": "cpu", "limit": -1.0},
            "alert web cpu above: limit must be a number, 0 or above, got -1.0",
        ),
        (
            {"container_type": "web", "metric": "cpu", "remind_every": "5"},
            "remind_every '5' is invalid: give a duration with its units, such as 3m, 90s or 1h30m (h, m, s, ms)",
        ),
        (
            {"container_type": "web", "metric": "cpu", "exclusive": True},
            "exclusive: true goes with the alerts list and state=present (it keeps only the alerts listed)",
        ),
        (
            {
                "alerts": [
                    {"container_type": "web", "metric": "all"},
                    {"container_type": "web", "metric": "all", "send_when_below": False},
                ]
            },
            "alert web all above: given twice in alerts (an alert is its container type, metric and direction)",
        ),
    ],
)
def test_input_problems(options, message):
    assert input_problems(params(**options)) == [message]


def test_durations():
    assert [duration_ns(text) for text in ("3m", "1h30m", "90s", "500ms", "0", "1.5h", "3", "m", 7)] == [
        MINUTES_3,
        5400 * 10**9,
        90 * 10**9,
        5 * 10**8,
        0,
        5400 * 10**9,
        None,
        None,
        7,
    ]
    assert [go_duration(n * 10**9) for n in (0, 45, 330, 3600)] == ["0s", "45s", "5m30s", "1h0m0s"]


def test_a_notifier_name_two_notifiers_share_fails():
    found = [{"id": "no-1", "name": "slack"}, {"id": "no-2", "name": "slack"}]
    o = fails(Alerts, cpu(notifiers=["slack"]), listing(), expect("GET", NOTIFIERS, answer(200, {"notifiers": found})))
    assert o.error.message == "app 'my-shop' has several notifiers named slack: give each a name of its own"
