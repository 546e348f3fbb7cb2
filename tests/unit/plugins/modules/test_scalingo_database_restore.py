from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_database_restore
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_restore import DatabaseRestore, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    answer,
    expect,
    fails,
    lost,
    succeeds,
    validated,
)

DB = "/databases/ad-1"
WINDOW = {"earliest_recoverable_at": "2027-01-08T08:00:00.000Z", "latest_recoverable_at": "2027-01-15T08:00:00.000Z"}
Scripted = on_database(DatabaseRestore)


def params(**options):
    given = {"app": "my-app", "addon": "postgresql", "confirm": "ad-1", **options}
    return validated(scalingo_database_restore, waits=True, **given)


def window(**changes):
    return expect("GET", f"{DB}/pitr/recovery_window", answer(200, {"recovery_window": dict(WINDOW, **changes)}))


def operation(status, times=1):
    return expect("GET", "/operations/op-1", answer(200, {"operation": {"id": "op-1", "status": status}}), times=times)


def backups(*items):
    return expect("GET", f"{DB}/backups", answer(200, {"database_backups": list(items)}))


def backup(backup_id, created_at, status="done"):
    return {"id": backup_id, "name": f"{backup_id}-name", "status": status, "created_at": created_at}


def test_a_point_in_time_restore_is_sent_once_and_waited_for():
    started = answer(201, {"operation": {"id": "op-1", "status": "running"}})
    outcome = succeeds(
        Scripted,
        params(restore_time="2027-01-14T09:00:00+01:00"),
        window(),
        expect("POST", f"{DB}/pitr/restore", started),
        operation("running", times=2),
        operation("done"),
    )
    assert outcome.changed
    assert outcome.client.the("POST").json == {"restore_time": "2027-01-14T08:00:00Z"}
    assert outcome.result["restore"] == {
        "database_id": "ad-1",
        "method": "point_in_time",
        "restore_time": "2027-01-14T08:00:00Z",
        "id": "op-1",
        "status": "done",
    }
    assert outcome.result["recovery_window"] == WINDOW


def test_the_operation_id_of_the_documentation_is_read_too():
    outcome = succeeds(
        Scripted,
        params(restore_time="2027-01-14T08:00:00Z", wait=False),
        window(),
        expect("POST", f"{DB}/pitr/restore", answer(201, {"operation_id": "op-1"})),
    )
    assert outcome.result["restore"]["id"] == "op-1"


@pytest.mark.parametrize("at", ["2027-01-08T07:59:59Z", "2027-01-15T08:00:01Z", "2020-01-01T00:00:00Z"])
def test_a_time_outside_the_window_sends_nothing_and_names_the_window(at):
    outcome = fails(Scripted, params(restore_time=at), window())
    assert "is outside the recovery window" in outcome.error.message
    assert "from 2027-01-08T08:00:00.000Z to 2027-01-15T08:00:00.000Z" in outcome.error.message
    assert outcome.client.mutations == []


def test_no_window_yet_sends_nothing():
    outcome = fails(
        Scripted,
        params(restore_time="2027-01-14T08:00:00Z"),
        expect("GET", f"{DB}/pitr/recovery_window", answer(200, {"recovery_window": {}})),
    )
    assert "has no recovery window yet" in outcome.error.message


@pytest.mark.parametrize("confirm", [None, "postgresql", "ad-2"])
def test_without_the_addon_named_in_confirm_nothing_is_read_or_sent(confirm):
    outcome = fails(Scripted, params(restore_time="2027-01-14T08:00:00Z", confirm=confirm))
    assert "replaces all its data with its state at 2027-01-14T08:00:00Z" in outcome.error.message
    assert "set confirm to its addon id 'ad-1'" in outcome.error.message
    assert outcome.client.sent == []


def test_check_mode_says_what_it_would_restore():
    outcome = succeeds(Scripted, params(restore_time="2027-01-14T08:00:00Z"), window(), check_mode=True)
    assert outcome.changed
    assert outcome.result["restore"]["status"] == "would start"
    assert outcome.result["restore"]["restore_time"] == "2027-01-14T08:00:00Z"


def test_a_lost_restore_is_never_sent_again():
    outcome = fails(
        Scripted, params(restore_time="2027-01-14T08:00:00Z"), window(), expect("POST", f"{DB}/pitr/restore", lost())
    )
    assert outcome.error.changed
    assert "this task never sends it again" in outcome.error.message
    assert len(outcome.client.mutations) == 1


def test_a_refused_restore_is_not_a_change():
    refused = answer(400, {"error": "restore_time is outside the recovery window"})
    outcome = fails(
        Scripted, params(restore_time="2027-01-14T08:00:00Z"), window(), expect("POST", f"{DB}/pitr/restore", refused)
    )
    assert not outcome.error.changed
    assert "outside the recovery window" in outcome.error.message


def test_a_failed_or_endless_restore_fails_as_a_change():
    started = answer(201, {"operation": {"id": "op-1", "status": "running"}})
    failed = fails(
        Scripted,
        params(restore_time="2027-01-14T08:00:00Z"),
        window(),
        expect("POST", f"{DB}/pitr/restore", started),
        operation("error"),
    )
    assert failed.error.changed and "ended error" in failed.error.message
    endless = fails(
        Scripted,
        params(restore_time="2027-01-14T08:00:00Z", wait_timeout=30),
        window(),
        expect("POST", f"{DB}/pitr/restore", started),
        expect("GET", "/operations/op-1", answer(200, {"operation": {"id": "op-1", "status": "running"}}), repeat=True),
    )
    assert endless.error.changed and "is still running after wait_timeout=30 s" in endless.error.message


def test_point_in_time_is_for_postgresql_only():
    outcome = fails(
        on_database(DatabaseRestore, provider="mysql"), params(addon="mysql", restore_time="2027-01-14T08:00:00Z")
    )
    assert "for PostgreSQL databases only" in outcome.error.message
    assert outcome.client.sent == []


def test_the_latest_done_backup_is_restored_and_waited_for():
    listed = backups(
        backup("bk-old", "2027-01-10T00:00:00Z"),
        backup("bk-failed", "2027-01-15T00:00:00Z", status="error"),
        backup("bk-new", "2027-01-14T00:00:00Z"),
    )
    started = answer(201, {"id": "br-1", "status": "running", "method": "backup", "source_backup_id": "bk-new"})
    outcome = succeeds(
        Scripted,
        params(backup="latest"),
        listed,
        expect("POST", f"{DB}/backups/bk-new/restore", started),
        expect("GET", f"{DB}/backup_restorations/br-1", answer(200, {"id": "br-1", "status": "done"})),
    )
    assert outcome.result["restore"]["backup"] == {
        "id": "bk-new",
        "name": "bk-new-name",
        "created_at": "2027-01-14T00:00:00Z",
    }
    assert outcome.result["restore"]["status"] == "done"
    assert outcome.client.the("POST").json is None


@pytest.mark.parametrize(
    ("wanted", "problem"),
    [("bk-running", "is running, not done: it can't be restored"), ("bk-gone", "has no backup 'bk-gone'")],
)
def test_a_backup_that_cant_be_restored_sends_nothing(wanted, problem):
    outcome = fails(Scripted, params(backup=wanted), backups(backup("bk-running", "2027-01-15T00:00:00Z", "running")))
    assert problem in outcome.error.message
    assert outcome.client.mutations == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({}, "give one of restore_time (a point in time) and backup"),
        ({"restore_time": "2027-01-14T08:00:00Z", "backup": "latest"}, "give one of restore_time"),
        ({"restore_time": "2027-01-14T08:00:00"}, "give an RFC 3339 time with its offset"),
        ({"restore_time": "yesterday"}, "restore_time 'yesterday' is invalid"),
        ({"restore_time": "2027-02-30T08:00:00Z"}, "is invalid"),
        ({"backup": "bk 1"}, "backup 'bk 1' is invalid"),
    ],
)
def test_input_problems(options, problem):
    problems = input_problems(params(**options))
    assert problems and problem in problems[0]


def test_good_input_has_no_problem():
    for text in ("2027-01-14T08:00:00Z", "2027-01-14T08:00:00.5+02:00", "2027-01-14t08:00:00z"):
        assert input_problems(params(restore_time=text)) == []
    assert input_problems(params(backup="latest")) == []


def test_an_unknown_error_is_not_swallowed():
    boom = ScalingoError("could not start: 422 invalid")
    outcome = fails(
        Scripted, params(restore_time="2027-01-14T08:00:00Z"), window(), expect("POST", f"{DB}/pitr/restore", boom)
    )
    assert outcome.error is boom
