from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_database
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database import Database, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    answer,
    expect,
    fails,
    lost,
    succeeds,
    validated,
    wait_params,
)

ONE = "/databases/ad-1"
FEATURES = f"{ONE}/features"
Scripted = on_database(Database)


def params(**options):
    return validated(scalingo_database, waits=True, **{"app": "my-app", "addon": "postgresql", **options})


def database(features=(), enabled=True, hours=(1,), weekday=3, hour=2):
    return {
        "id": "ad-1",
        "type_name": "postgresql",
        "features": [{"name": name, "status": status} for name, status in features],
        "periodic_backups_enabled": enabled,
        "periodic_backups_scheduled_at": list(hours),
        "maintenance_window": {"weekday_utc": weekday, "starting_hour_utc": hour, "duration_in_hour": 8},
    }


def read(**state):
    return expect("GET", ONE, answer(200, {"database": database(**state)}))


ALL = {
    "features": {"force_tls": True, "publicly_available": False},
    "periodic_backups": {"enabled": True, "hour": 3},
    "maintenance_window": {"weekday": "sunday", "hour": 1},
}
DONE = {"features": [("force-ssl", "ACTIVATED")], "hours": (3,), "weekday": 0, "hour": 1}


def test_an_unchanged_database_costs_one_read():
    outcome = succeeds(Scripted, params(**ALL), read(**DONE))
    assert not outcome.changed
    assert outcome.sent == [f"GET {ONE}"]
    assert outcome.result["settings"]["maintenance_window"] == {
        "weekday": "sunday",
        "weekday_utc": 0,
        "hour": 1,
        "duration_in_hour": 8,
    }


def test_check_mode_predicts_the_managed_settings_and_sends_nothing():
    outcome = succeeds(Scripted, params(**ALL), read(), check_mode=True)
    assert outcome.changed
    assert outcome.diff == {
        "before": {
            "features": {"force_tls": False, "publicly_available": False},
            "periodic_backups": {"enabled": True, "hour": 1},
            "maintenance_window": {"weekday": "wednesday", "hour": 2},
        },
        "after": ALL,
    }
    assert outcome.result["settings"]["periodic_backups"]["hours"] == [3]


def test_each_changed_group_is_one_write_and_the_feature_is_waited_for():
    outcome = succeeds(
        Scripted,
        params(**ALL),
        read(),
        expect("POST", FEATURES, answer(200, {"name": "force-ssl", "status": "PENDING_TO_ACTIVATE"})),
        expect("PATCH", ONE, answer(200, {"database": database(features=[("force-ssl", "PENDING_TO_ACTIVATE")])})),
        expect("PATCH", ONE, answer(200, {"database": database(features=[("force-ssl", "PENDING_TO_ACTIVATE")])})),
        expect("GET", ONE, answer(200, {"database": database(features=[("force-ssl", "PENDING")])}), times=2),
        read(**DONE),
    )
    assert outcome.changed
    writes = outcome.client.mutations
    assert [call.json for call in writes] == [
        {"feature": {"name": "force-ssl"}},
        {"database": {"periodic_backups_scheduled_at": 3}},
        {"database": {"maintenance_window": {"weekday_utc": 0, "starting_hour_utc": 1}}},
    ]
    assert outcome.result["settings"]["features"] == {"force_tls": True, "publicly_available": False}


def test_without_wait_the_pending_feature_is_returned_as_it_is():
    options = dict(params(features={"force_tls": True}), **wait_params(wait=False))
    outcome = succeeds(
        Scripted,
        options,
        read(),
        expect("POST", FEATURES, answer(200, {"name": "force-ssl", "status": "PENDING_TO_ACTIVATE"})),
        read(features=[("force-ssl", "PENDING_TO_ACTIVATE")]),
    )
    assert outcome.result["database"]["features"] == [{"name": "force-ssl", "status": "PENDING_TO_ACTIVATE"}]


@pytest.mark.parametrize(
    ("current", "wanted", "sent"),
    [
        ((), {"force_tls": True, "publicly_available": True}, [("POST", "force-ssl"), ("POST", "publicly-available")]),
        (
            [("force-ssl", "ACTIVATED"), ("publicly-available", "ACTIVATED")],
            {"force_tls": False, "publicly_available": False},
            [("DELETE", "publicly-available"), ("DELETE", "force-ssl")],
        ),
    ],
)
def test_tls_goes_on_before_internet_access_and_off_after_it(current, wanted, sent):
    after = [(name, "ACTIVATED") for _method, name in sent if _method == "POST"]
    outcome = succeeds(
        Scripted,
        params(features=wanted),
        read(features=current),
        expect(sent[0][0], FEATURES, answer(200, {})),
        expect(sent[1][0], FEATURES, answer(200, {})),
        read(features=after),
    )
    names = [
        (call.method, call.json["feature"]["name"] if call.json else call.params["feature"])
        for call in outcome.client.mutations
    ]
    assert names == sent


def test_turning_tls_off_under_internet_access_fails_before_any_write():
    outcome = fails(
        Scripted,
        params(features={"force_tls": False}),
        read(features=[("force-ssl", "ACTIVATED"), ("publicly-available", "ACTIVATED")]),
    )
    assert outcome.error.message == (
        "the postgresql database ad-1 of app 'my-app' would be publicly available without force-ssl, which "
        "Scalingo refuses"
    )
    assert outcome.client.mutations == []


def test_a_failed_feature_wanted_on_fails_with_what_to_do():
    outcome = fails(Scripted, params(features={"force_tls": True}), read(features=[("force-ssl", "FAILED")]))
    assert "FAILED at Scalingo: set it to false, then true again" in outcome.error.message


def test_several_backup_hours_are_not_overwritten():
    outcome = fails(Scripted, params(periodic_backups={"hour": 4}), read(hours=(1, 13)))
    assert outcome.error.message.endswith(
        "has periodic backups at several hours [1, 13]: Scalingo's API sets one hour only; ask Scalingo's support "
        "to change them"
    )


def test_a_lost_update_that_landed_is_not_sent_again():
    outcome = succeeds(
        Scripted,
        params(periodic_backups={"enabled": False}),
        read(),
        expect("PATCH", ONE, lost()),
        read(enabled=False),
    )
    assert outcome.changed
    assert [call.method for call in outcome.client.mutations] == ["PATCH"]


def test_a_feature_still_pending_at_the_deadline_fails_as_a_change():
    outcome = fails(
        Scripted,
        params(features={"force_tls": True}, wait_timeout=5),
        read(),
        expect("POST", FEATURES, answer(200, {})),
        expect("GET", ONE, answer(200, {"database": database(features=[("force-ssl", "PENDING")])}), repeat=True),
    )
    assert outcome.error.changed
    assert "after wait_timeout=5 s" in outcome.error.message


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (
            {"periodic_backups": {"hour": 24}},
            "periodic_backups.hour is an hour of the day in UTC, from 0 to 23, got 24",
        ),
        (
            {"maintenance_window": {"hour": -1}},
            "maintenance_window.hour is an hour of the day in UTC, from 0 to 23, got -1",
        ),
        (
            {"features": {"force_tls": False, "publicly_available": True}},
            "features.publicly_available=true needs TLS: Scalingo refuses it with force_tls=false",
        ),
        ({"addon": "two words"}, "addon 'two words' is invalid"),
    ],
)
def test_input_problems(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
