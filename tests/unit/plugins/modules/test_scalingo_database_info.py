from __future__ import annotations

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_database_info
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_info import (
    DatabaseInfo,
    input_problems,
    next_of,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    answer,
    expect,
    succeeds,
    validated,
)

DB = "/databases/ad-1"
DATABASE = {
    "id": "ad-1",
    "type_name": "postgresql",
    "readable_version": "16.4.0",
    "status": "running",
    "features": [
        {"name": "force-ssl", "status": "ACTIVATED"},
        {"name": "publicly-available", "status": "PENDING_TO_REMOVE"},
    ],
    "periodic_backups_enabled": True,
    "periodic_backups_scheduled_at": [3],
    "maintenance_window": {"weekday_utc": 0, "starting_hour_utc": 1, "duration_in_hour": 8},
}
MAINTENANCE = [
    {"id": "mt-done", "status": "done", "started_at": "2027-01-01T01:00:00Z"},
    {"id": "mt-later", "status": "scheduled", "started_at": "2027-01-24T01:00:00Z"},
    {"id": "mt-next", "status": "notified", "started_at": "2027-01-17T01:00:00Z"},
]
BACKUPS = [
    {"id": "bk-1", "status": "done", "created_at": "2027-01-13T03:00:00Z"},
    {"id": "bk-3", "status": "done", "created_at": "2027-01-15T03:00:00Z"},
    {"id": "bk-2", "status": "error", "created_at": "2027-01-14T03:00:00Z", "message": "disk full"},
]
USERS = [
    {"name": "my_app_4553", "read_only": False, "protected": True, "password": "pw-should-never-show-0123456789"},
    {
        "name": "analytics",
        "read_only": True,
        "protected": False,
        "dbms_attributes": {"password_encryption": "SCRAM-SHA-256"},
    },
]
WINDOW = {"earliest_recoverable_at": "2027-01-08T08:00:00Z", "latest_recoverable_at": "2027-01-15T08:00:00Z"}


def params(**options):
    return validated(scalingo_database_info, **{"app": "my-app", "addon": "postgresql", **options})


def reads(with_backups=True, pitr=True, users=True):
    script = [
        expect("GET", DB, answer(200, {"database": DATABASE})),
        expect("GET", f"{DB}/maintenance", answer(200, {"maintenance": MAINTENANCE, "meta": {}})),
    ]
    if with_backups:
        script.append(expect("GET", f"{DB}/backups", answer(200, {"database_backups": BACKUPS})))
    if pitr:
        script.append(expect("GET", f"{DB}/pitr/recovery_window", answer(200, {"recovery_window": WINDOW})))
    if users:
        script.append(expect("GET", f"{DB}/users", answer(200, {"database-users": USERS})))
    return script


def test_everything_is_read_once_and_nothing_is_written():
    outcome = succeeds(on_database(DatabaseInfo), params(backups_limit=2), *reads())
    result = outcome.result
    assert not outcome.changed and outcome.client.mutations == []
    assert result["database"]["features"] == {"force_tls": True, "publicly_available": False}
    assert result["database"]["feature_statuses"]["publicly-available"] == "PENDING_TO_REMOVE"
    assert result["database"]["periodic_backups"]["hours"] == [3]
    assert result["database"]["maintenance_window"]["weekday"] == "sunday"
    assert result["next_maintenance"]["id"] == "mt-next"
    assert [b["id"] for b in result["backups"]] == ["bk-3", "bk-2"]
    assert result["recovery_window"] == WINDOW
    assert result["users"] == [
        {"name": "my_app_4553", "read_only": False, "protected": True},
        {"name": "analytics", "read_only": True, "protected": False, "password_encryption": "SCRAM-SHA-256"},
    ]
    assert "pw-should-never-show" not in repr(result)


def test_no_backups_read_with_a_limit_of_zero():
    outcome = succeeds(on_database(DatabaseInfo), params(backups_limit=0), *reads(with_backups=False))
    assert outcome.result["backups"] == []


def test_redis_has_no_users_nor_recovery_window_and_does_not_fail():
    outcome = succeeds(
        on_database(DatabaseInfo, provider="redis"), params(addon="redis"), *reads(pitr=False, users=False)
    )
    assert outcome.result["users"] is None and outcome.result["recovery_window"] is None


def test_mysql_has_users_but_no_recovery_window():
    outcome = succeeds(on_database(DatabaseInfo, provider="mysql"), params(addon="mysql"), *reads(pitr=False))
    assert outcome.result["recovery_window"] is None and len(outcome.result["users"]) == 2


def test_next_maintenance_without_any_upcoming():
    assert next_of([{"id": "x", "status": "done"}, "not an object"]) is None
    assert next_of([{"id": "x", "status": "queued"}])["id"] == "x"


def test_input_problems():
    assert input_problems(params()) == []
    assert input_problems(params(backups_limit=-1)) == ["backups_limit is a number of backups, 0 or more, got -1"]
    assert "is invalid" in input_problems(params(addon="post gresql"))[0]
