"""The database API (db_api.py), through the Flask test clients of the regional API and of the database API."""

import time

import pytest

from scalingo_sim.db_api import DATABASE_APP


@pytest.fixture
def db(flask_app, sim):
    """(a test client of the database API with an addon token, the addon id) for a PostgreSQL addon."""
    sim.create_app("db-app")
    seeded = {"addon_provider_id": "postgresql", "plan": "postgresql-sandbox"}
    addon_id = sim.admin("/apps/db-app/addons", seeded)["addon"]["id"]
    sim.admin("/databases/config", {"feature_delay": 0.2, "backup_scheduled": 0.1, "backup_running": 0.2})
    token = sim.post(f"/v1/apps/db-app/addons/{addon_id}/token").get_json()["addon"]["token"]
    return DatabaseClient(flask_app.extensions[DATABASE_APP].test_client(), token, addon_id), addon_id


class DatabaseClient:
    def __init__(self, client, token, addon_id):
        self.client, self.token, self.base = client, token, f"/api/databases/{addon_id}"

    def open(self, method, path="", **kw):
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.open(f"{self.base}{path}", method=method, headers=headers, **kw)


def settled(read, done):
    """read() until done(value): the simulator's durations here are a fraction of a second."""
    for _attempt in range(100):
        value = read()
        if done(value):
            return value
        time.sleep(0.05)
    raise AssertionError(f"never settled: {value}")


def test_the_token_is_given_on_the_regional_api_and_logged_as_no_change(db, sim):
    log = sim.admin("/requests", method="GET")["requests"]
    exchange = [e for e in log if e["path"].endswith("/token")]
    assert [(e["origin"], e["mutating"], e["status"]) for e in exchange] == [("api", False, 200)]


def test_an_expired_or_foreign_token_is_refused(db, sim):
    client, addon_id = db
    assert client.open("GET").status_code == 200
    other = sim.admin("/apps/db-app/addons", {"addon_provider_id": "redis", "plan": "redis-sandbox"})["addon"]["id"]
    foreign = sim.post(f"/v1/apps/db-app/addons/{other}/token").get_json()["addon"]["token"]
    assert DatabaseClient(client.client, foreign, addon_id).open("GET").status_code == 403
    sim.admin("/databases/tokens/expire")
    answer = client.open("GET")
    assert answer.status_code == 401 and answer.get_json() == {"error": "token expired"}


def test_features_go_pending_then_active_and_a_present_one_is_refused(db):
    client, _addon_id = db
    assert client.open("POST", "/features", json={"feature": {"name": "publicly-available"}}).status_code == 400
    answer = client.open("POST", "/features", json={"feature": {"name": "force-ssl"}})
    assert answer.status_code == 200 and answer.get_json()["status"] == "PENDING_TO_ACTIVATE"
    again = client.open("POST", "/features", json={"feature": {"name": "force-ssl"}})
    assert again.status_code == 400 and "already setup" in again.get_json()["error"]
    features = settled(
        lambda: client.open("GET").get_json()["database"]["features"],
        lambda f: f == [{"name": "force-ssl", "status": "ACTIVATED"}],
    )
    assert features
    gone = client.open("DELETE", "/features", query_string={"feature": "force-ssl"})
    assert gone.status_code == 200 and gone.get_json() == {"message": "feature force-ssl has been disabled"}
    settled(lambda: client.open("GET").get_json()["database"]["features"], lambda f: f == [])


def test_periodic_backups_take_an_hour_and_read_as_a_list_and_the_window_takes_both_fields(db, sim):
    client, addon_id = db
    body = {"database": {"periodic_backups_enabled": False, "periodic_backups_scheduled_at": 4}}
    assert client.open("PATCH", json=body).get_json()["database"]["periodic_backups_scheduled_at"] == [4]
    assert client.open("PATCH", json={"database": {"periodic_backups_scheduled_at": [4]}}).status_code == 422
    window = {"database": {"maintenance_window": {"weekday_utc": 0, "starting_hour_utc": 23}}}
    answer = client.open("PUT", json=window).get_json()["database"]
    assert answer["maintenance_window"] == {"weekday_utc": 0, "starting_hour_utc": 23, "duration_in_hour": 8}
    assert answer["periodic_backups_enabled"] is False
    assert sim.admin(f"/databases/{addon_id}", method="GET")["database"]["writes"] == 2


def test_a_backup_is_scheduled_then_running_then_done_newest_first(db, sim):
    client, addon_id = db
    sim.admin(f"/databases/{addon_id}/backups", {"age": 7200})
    created = client.open("POST", "/backups")
    assert created.status_code == 201
    backup = created.get_json()["database_backup"]
    assert (backup["status"], backup["method"], backup["size"]) == ("scheduled", "manual", 0)
    done = settled(
        lambda: client.open("GET", f"/backups/{backup['id']}").get_json()["database_backup"],
        lambda b: b["status"] == "done",
    )
    archive = sim.admin(f"/databases/{addon_id}/backups/{backup['id']}/archive", method="GET")
    assert done["size"] == archive["size"] > 0
    listed = client.open("GET", "/backups").get_json()["database_backups"]
    assert [b["method"] for b in listed] == ["manual", "periodic"]


def test_a_failing_backup_says_so(db, sim):
    client, addon_id = db
    sim.admin(f"/databases/{addon_id}/next_backup", {"outcome": "error", "message": "disk full"})
    backup = client.open("POST", "/backups").get_json()["database_backup"]
    failed = settled(
        lambda: client.open("GET", f"/backups/{backup['id']}").get_json()["database_backup"],
        lambda b: b["status"] not in ("scheduled", "running"),
    )
    assert (failed["status"], failed["message"]) == ("error", "disk full")
    assert client.open("GET", f"/backups/{backup['id']}/archive").status_code == 400


def test_a_download_url_needs_its_token_only(db, sim):
    client, addon_id = db
    backup = sim.admin(f"/databases/{addon_id}/backups", {"age": 60})["database_backup"]
    url = client.open("GET", f"/backups/{backup['id']}/archive").get_json()["download_url"]
    path, _, query = url.partition("localhost")[2].partition("?")
    assert client.client.get(f"{path}?{query}").status_code == 200
    assert client.client.get(path).status_code == 403
    assert client.client.get(f"{path}?token=s3cr3t-dl-guess").status_code == 403


def test_users_list_create_change_reset_delete_and_the_protected_one(db, sim):
    client, addon_id = db
    listed = client.open("GET", "/users").get_json()["database-users"]
    protected = [u["name"] for u in listed if u["protected"]]
    assert len(listed) == 1 and protected
    created = client.open("POST", "/users", json={"database_user": {"name": "analytics", "read_only": True}})
    assert created.status_code == 201 and created.get_json()["database_user"]["password"]
    password = "p" * 24
    given = {"database_user": {"name": "writer", "password": password, "password_confirmation": password}}
    assert "password" not in client.open("POST", "/users", json=given).get_json()["database_user"]
    assert client.open("POST", "/users", json=given).status_code == 422
    change = {"database_user": {"password": "q" * 24, "password_confirmation": "q" * 24}}
    assert client.open("PATCH", "/users/writer", json=change).status_code == 200
    assert client.open("POST", "/users/writer/reset_password").get_json()["database_user"]["password"]
    assert client.open("DELETE", f"/users/{protected[0]}").status_code == 403
    assert client.open("DELETE", "/users/writer").status_code == 204
    users = sim.admin(f"/databases/{addon_id}", method="GET")["database"]["users"]
    assert sorted(users) == sorted([protected[0], "analytics"])


def test_point_in_time_restore_inside_the_window_only(db, sim):
    client, addon_id = db
    sim.admin(f"/databases/{addon_id}", {"earliest_recoverable_age": 3600})
    window = client.open("GET", "/pitr/recovery_window").get_json()["recovery_window"]
    assert window["earliest_recoverable_at"] < window["latest_recoverable_at"]
    early = client.open("POST", "/pitr/restore", json={"restore_time": "2020-01-01T00:00:00Z"})
    assert early.status_code == 400 and "outside the recovery window" in early.get_json()["error"]
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    sim.admin("/databases/config", {"restore_duration": 0})
    answer = client.open("POST", "/pitr/restore", json={"restore_time": at})
    assert answer.status_code == 201
    operation = answer.get_json()["operation"]
    headers = {"Authorization": f"Bearer {client.token}"}
    shown = client.client.get(f"/api/operations/{operation['id']}", headers=headers).get_json()["operation"]
    assert (shown["id"], shown["status"], shown["restore_time"]) == (operation["id"], "done", at)
    restores = sim.admin(f"/databases/{addon_id}", method="GET")["database"]["restores"]
    assert [(r["kind"], r["restore_time"]) for r in restores] == [("pitr", at)]


def test_the_maintenance_list_has_the_next_one(db):
    client, _addon_id = db
    listed = client.open("GET", "/maintenance").get_json()
    assert [m["status"] for m in listed["maintenance"]] == ["scheduled"]
    assert listed["meta"]["pagination"]["total_pages"] == 1
