"""Scalingo's database API, served on its own loopback origin (the region listing's `database_api`).

- token_bp (on the regional API): POST /v1/apps/<app>/addons/<id>/token gives an addon token (a JWT signed
  with a key of its own, valid `token_ttl` seconds): the regional API never takes it as a bearer.
- create_database_app(state): the Flask app of the database API, under /api, taking only addon tokens, for the
  addon whose database the path names. Its requests go through the same middleware as the regional API's
  (faults, request ids, the request log, where they are marked "origin": "database").
- admin_bp (on the regional API, under /_sim/databases): seed, inspect and break it.
- DatabaseListener: the database app on a free loopback port, from a daemon thread.

The shapes follow docs/docsite/rst/databases.rst; its "What the simulator chose" lists where Scalingo's are not
public.
"""

import hashlib
import secrets
import time
from datetime import datetime

from flask import Blueprint, Flask, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from . import catalog, errors, middleware
from .listener import HOST, Listener
from .render import addon_json, iso
from .responses import json_response, no_content
from .state.databases import (
    ACTIVATED,
    GENERIC_FEATURES,
    PENDING_ON,
    REDIS_FEATURES,
    VERSIONS,
    WITH_PITR,
    WITH_USERS,
    WITHOUT_DOWNLOAD,
    Database,
    DbUser,
    Feature,
    default_db_config,
    sha256,
)
from .web import EXTENSION, json_object, state, visible_app

DATABASE_EXTENSION = "scalingo_sim.database"
DATABASE_APP = "scalingo_sim.database_app"
ORIGIN_KEY = "SCALINGO_SIM_ORIGIN"
USER_NAME_RULES = (
    (lambda n: not 6 <= len(n) <= 32, "should have between 6 and 32 characters"),
    (
        lambda n: any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in n),
        "should contain only lowercase letters, digits and hyphens",
    ),
    (lambda n: n.startswith("-") or n.endswith("-"), "can't start or end with a hyphen"),
    (lambda n: "--" in n, "can't contain 2 consecutive hyphens"),
)

token_bp = Blueprint("database_tokens", __name__, url_prefix="/v1")
bp = Blueprint("database_api", __name__, url_prefix="/api")
admin_bp = Blueprint("database_admin", __name__, url_prefix="/_sim/databases")


def store():
    return state().databases


# ------------------------------------------------------------------ the token, on the regional API
@token_bp.post("/apps/<ident>/addons/<addon_id>/token")
def addon_token(ident, addon_id):
    app = visible_app(ident)
    addon = state().find_addon(app, addon_id)
    if addon is None:
        return errors.not_found("addon")
    token = store().issue_token(addon.id)
    return json_response({"addon": {**addon_json(addon, time.time()), "token": token}})


# ------------------------------------------------------------------ the database API
def find_addon(addon_id: str):
    s = state()
    with s.lock:
        for app in s.apps.values():
            for addon in app.addons:
                if addon.id == addon_id:
                    return app, addon
    return None, None


def authorized_database(db_id: str) -> Database:
    """The database the path names, for a request with a valid addon token for it; aborts otherwise."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        errors.abort(errors.error(401, "unauthorized"))
    addon_id, why = store().token_addon(token.strip(), time.time())
    if addon_id is None:
        errors.abort(errors.error(401, why))
    if addon_id != db_id:
        errors.abort(errors.error(403, "this token is not valid for this database"))
    app, addon = find_addon(db_id)
    if addon is None:
        errors.abort(errors.not_found("database"))
    g.db_app = app
    return store().database(addon)


def database_json(database: Database, now: float) -> dict:
    app = g.get("db_app")
    addon = next((a for a in app.addons if a.id == database.addon_id), None) if app else None
    return {
        "id": database.addon_id,
        "resource_id": database.resource_id,
        "app_name": app.name if app else None,
        "plan": catalog.ADDON_PLANS[addon.plan_id][1]["name"] if addon else None,
        "type_name": database.type_name,
        "readable_version": VERSIONS.get(database.type_name, "1.0.0"),
        "status": "running",
        "features": [{"name": name, "status": status} for name, status in database.live_features(now)],
        "instances": [
            {
                "id": f"{database.addon_id}-node-1",
                "hostname": f"{database.resource_id.replace('_', '-')}.db.example.test",
                "port": 30000,
                "status": "running",
                "type": "db-node",
            }
        ],
        "periodic_backups_enabled": database.periodic_backups_enabled,
        "periodic_backups_scheduled_at": list(database.periodic_backups_scheduled_at),
        "maintenance_window": {
            "weekday_utc": database.weekday_utc,
            "starting_hour_utc": database.starting_hour_utc,
            "duration_in_hour": database.duration_in_hour,
        },
    }


@bp.get("/databases/<db_id>")
def show_database(db_id):
    database = authorized_database(db_id)
    return json_response({"database": database_json(database, time.time())})


def is_int(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@bp.route("/databases/<db_id>", methods=["PATCH", "PUT"])
def update_database(db_id):
    database = authorized_database(db_id)
    fields = json_object().get("database")
    if not isinstance(fields, dict):
        return errors.error(400, "database is required")
    enabled = fields.get("periodic_backups_enabled")
    hour = fields.get("periodic_backups_scheduled_at")
    window = fields.get("maintenance_window")
    if enabled is not None and not isinstance(enabled, bool):
        return errors.unprocessable({"periodic_backups_enabled": ["must be true or false"]})
    if hour is not None and not is_int(hour, 0, 23):
        return errors.unprocessable({"periodic_backups_scheduled_at": ["must be an hour from 0 to 23"]})
    if window is not None:
        if not isinstance(window, dict):
            return errors.unprocessable({"maintenance_window": ["must be an object"]})
        if "weekday_utc" in window and not is_int(window["weekday_utc"], 0, 6):
            return errors.unprocessable({"maintenance_window": ["weekday_utc must be from 0 (Sunday) to 6"]})
        if "starting_hour_utc" in window and not is_int(window["starting_hour_utc"], 0, 23):
            return errors.unprocessable({"maintenance_window": ["starting_hour_utc must be from 0 to 23"]})
    with store().lock:
        if enabled is not None:
            database.periodic_backups_enabled = enabled
        if hour is not None:
            database.periodic_backups_scheduled_at = [hour]
        if window is not None:
            database.weekday_utc = window.get("weekday_utc", database.weekday_utc)
            database.starting_hour_utc = window.get("starting_hour_utc", database.starting_hour_utc)
        database.writes += 1
    return json_response({"database": database_json(database, time.time())})


# ------------------------------------------------------------------ features
@bp.post("/databases/<db_id>/features")
def enable_feature(db_id):
    database = authorized_database(db_id)
    feature = json_object().get("feature")
    name = feature.get("name") if isinstance(feature, dict) else None
    allowed = GENERIC_FEATURES + (REDIS_FEATURES if database.type_name == "redis" else ())
    if name not in allowed:
        return errors.error(400, f"feature '{name}' is not available on this database; available: {', '.join(allowed)}")
    now = time.time()
    with store().lock:
        if database.feature_status(name, now) is not None:
            return errors.error(400, f"feature '{name}' is already setup on this database")
        if name == "publicly-available" and database.feature_status("force-ssl", now) is None:
            return errors.error(400, "feature 'publicly-available' needs 'force-ssl': enable force-ssl first")
        database.features[name] = Feature(name, now, True, store().config["feature_delay"])
    return json_response({"name": name, "status": PENDING_ON, "message": f"feature {name} is being enabled"})


@bp.delete("/databases/<db_id>/features")
def disable_feature(db_id):
    database = authorized_database(db_id)
    name = request.args.get("feature", "")
    now = time.time()
    with store().lock:
        if database.feature_status(name, now) != ACTIVATED:
            return errors.error(400, f"feature '{name}' is not active on this database")
        if name == "force-ssl" and database.feature_status("publicly-available", now) is not None:
            return errors.error(400, "feature 'force-ssl' is needed by 'publicly-available': disable it first")
        database.features[name] = Feature(name, now, False, store().config["feature_delay"])
    return json_response({"message": f"feature {name} has been disabled"})


# ------------------------------------------------------------------ backups
def backup_json(database: Database, backup, now: float) -> dict:
    status = backup.status(now)
    started = backup.started_at(now)
    answer = {
        "id": backup.id,
        "name": backup.name,
        "size": len(backup.content) if status == "done" else 0,
        "status": status,
        "method": backup.method,
        "created_at": iso(backup.created_at),
        "started_at": iso(started),
        "database_id": database.addon_id,
    }
    if status == "error":
        answer["message"] = backup.message or "the backup failed"
    return answer


def owned_backup(database: Database, backup_id: str):
    backup = store().find_backup(database, backup_id)
    if backup is None:
        errors.abort(errors.not_found("database_backup"))
    return backup


@bp.get("/databases/<db_id>/backups")
def list_backups(db_id):
    database = authorized_database(db_id)
    now = time.time()
    return json_response({"database_backups": [backup_json(database, b, now) for b in database.backups]})


@bp.post("/databases/<db_id>/backups")
def create_backup(db_id):
    database = authorized_database(db_id)
    now = time.time()
    backup = store().add_backup(database, "manual", now)
    return json_response({"database_backup": backup_json(database, backup, now)}, 201)


@bp.get("/databases/<db_id>/backups/<backup_id>")
def show_backup(db_id, backup_id):
    database = authorized_database(db_id)
    backup = owned_backup(database, backup_id)
    return json_response({"database_backup": backup_json(database, backup, time.time())})


@bp.get("/backups/<backup_id>")
def show_backup_by_id(backup_id):
    """go-scalingo's path: the token's database must hold the backup."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    addon_id, why = (
        store().token_addon(token.strip(), time.time()) if scheme.lower() == "bearer" else (None, "unauthorized")
    )
    if addon_id is None:
        return errors.error(401, why)
    return show_backup(addon_id, backup_id)


@bp.get("/databases/<db_id>/backups/<backup_id>/archive")
def backup_archive_url(db_id, backup_id):
    database = authorized_database(db_id)
    backup = owned_backup(database, backup_id)
    if database.type_name in WITHOUT_DOWNLOAD:
        return errors.error(400, "backups of this database type can't be downloaded")
    if backup.status(time.time()) != "done":
        return errors.error(400, f"backup {backup_id} is not done: it can't be downloaded")
    token = store().download_token(database.addon_id, backup.id)
    url = f"{request.host_url.rstrip('/')}/api/databases/{db_id}/backups/{backup_id}/download?token={token}"
    return json_response({"download_url": url})


@bp.get("/databases/<db_id>/backups/<backup_id>/download")
def download_backup(db_id, backup_id):
    """The pre-signed URL: its query token is the credential, no Authorization is needed."""
    if not store().download_allowed(request.args.get("token", ""), db_id, backup_id, time.time()):
        return errors.error(403, "invalid or expired download token")
    _app, addon = find_addon(db_id)
    if addon is None:
        return errors.not_found("database")
    backup = owned_backup(store().database(addon), backup_id)
    response = current_app.response_class(backup.content, status=200, content_type="application/x-gzip")
    response.headers["Content-Disposition"] = f'attachment; filename="{backup.name}.tar.gz"'
    return response


@bp.post("/databases/<db_id>/backups/<backup_id>/restore")
def restore_backup(db_id, backup_id):
    database = authorized_database(db_id)
    backup = owned_backup(database, backup_id)
    if backup.status(time.time()) != "done":
        return errors.error(400, f"backup {backup_id} is not done: it can't be restored")
    restore = store().add_restore(database, "backup", source_backup_id=backup.id)
    return json_response(restoration_json(database, restore, time.time()), 201)


def restoration_json(database: Database, restore, now: float) -> dict:
    return {
        "id": restore.id,
        "status": restore.status(now),
        "method": "backup",
        "source_backup_id": restore.source_backup_id,
        "database_id": database.addon_id,
        "created_at": iso(restore.created_at),
    }


@bp.get("/databases/<db_id>/backup_restorations/<restore_id>")
def show_restoration(db_id, restore_id):
    database = authorized_database(db_id)
    restore = database.restores.get(restore_id)
    if restore is None or restore.kind != "backup":
        return errors.not_found("backup_restoration")
    return json_response(restoration_json(database, restore, time.time()))


# ------------------------------------------------------------------ point-in-time recovery
def recovery_window(database: Database, now: float) -> dict:
    return {"earliest_recoverable_at": iso(database.earliest_recoverable_at), "latest_recoverable_at": iso(now)}


def pitr_database(db_id: str) -> Database:
    database = authorized_database(db_id)
    if database.type_name not in WITH_PITR:
        errors.abort(errors.error(400, "point-in-time recovery is only available for PostgreSQL databases"))
    return database


@bp.get("/databases/<db_id>/pitr/recovery_window")
def show_recovery_window(db_id):
    database = pitr_database(db_id)
    return json_response({"recovery_window": recovery_window(database, time.time())})


def parsed_time(text) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


@bp.post("/databases/<db_id>/pitr/restore")
def pitr_restore(db_id):
    database = pitr_database(db_id)
    wanted = json_object().get("restore_time")
    at = parsed_time(wanted)
    now = time.time()
    if at is None:
        return errors.error(400, "restore_time must be an RFC 3339 time with its offset")
    if not database.earliest_recoverable_at <= at <= now:
        window = recovery_window(database, now)
        return errors.error(
            400,
            f"restore_time is outside the recovery window ({window['earliest_recoverable_at']} to "
            f"{window['latest_recoverable_at']})",
        )
    restore = store().add_restore(database, "pitr", restore_time=wanted)
    return json_response({"operation": operation_json(database, restore, now)}, 201)


def operation_json(database: Database, restore, now: float) -> dict:
    return {
        "id": restore.id,
        "type": "pitr_restore",
        "status": restore.status(now),
        "database_id": database.addon_id,
        "restore_time": restore.restore_time,
        "created_at": iso(restore.created_at),
    }


@bp.get("/operations/<operation_id>")
def show_operation(operation_id):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    addon_id, why = (
        store().token_addon(token.strip(), time.time()) if scheme.lower() == "bearer" else (None, "unauthorized")
    )
    if addon_id is None:
        return errors.error(401, why)
    database = authorized_database(addon_id)
    restore = database.restores.get(operation_id)
    if restore is None or restore.kind != "pitr":
        return errors.not_found("operation")
    return json_response({"operation": operation_json(database, restore, time.time())})


# ------------------------------------------------------------------ users
def users_database(db_id: str) -> Database:
    database = authorized_database(db_id)
    if database.type_name not in WITH_USERS:
        errors.abort(errors.error(400, "this database type has no users"))
    return database


def user_json(user: DbUser, password: str | None = None) -> dict:
    answer = {"name": user.name, "read_only": user.read_only, "protected": user.protected}
    if password is not None:
        answer["password"] = password
    return answer


def password_problem(fields: dict) -> dict | None:
    password, confirmation = fields.get("password"), fields.get("password_confirmation")
    if not isinstance(password, str) or not 24 <= len(password) <= 64:
        return {"password": ["should have between 24 and 64 characters"]}
    if confirmation != password:
        return {"password_confirmation": ["doesn't match password"]}
    return None


def generated_password() -> str:
    return f"s3cr3t-gen-{secrets.token_hex(16)}"


@bp.get("/databases/<db_id>/users")
def list_users(db_id):
    database = users_database(db_id)
    return json_response({"database-users": [user_json(u) for u in database.users.values()]})


@bp.post("/databases/<db_id>/users")
def create_user(db_id):
    database = users_database(db_id)
    fields = json_object().get("database_user")
    if not isinstance(fields, dict):
        return errors.error(400, "database_user is required")
    name = fields.get("name")
    if not isinstance(name, str):
        return errors.unprocessable({"name": ["can't be blank"]})
    broken = [text for rule, text in USER_NAME_RULES if rule(name)]
    if broken:
        return errors.unprocessable({"name": broken})
    if name in database.users:
        return errors.unprocessable({"name": ["has already been taken"]})
    generated = None
    if fields.get("password") is None:
        generated = generated_password()
        password = generated
    else:
        problem = password_problem(fields)
        if problem:
            return errors.unprocessable(problem)
        password = fields["password"]
    user = DbUser(name, read_only=fields.get("read_only") is True, password_sha256=sha256(password))
    with store().lock:
        database.users[name] = user
    return json_response({"database_user": user_json(user, generated)}, 201)


def changeable_user(database: Database, name: str) -> DbUser:
    user = database.users.get(name)
    if user is None:
        errors.abort(errors.not_found("database_user"))
    if user.protected:
        errors.abort(errors.error(403, f"user '{name}' is protected: it is managed by Scalingo"))
    return user


@bp.patch("/databases/<db_id>/users/<name>")
def update_user(db_id, name):
    database = users_database(db_id)
    user = changeable_user(database, name)
    fields = json_object().get("database_user")
    problem = password_problem(fields if isinstance(fields, dict) else {})
    if problem:
        return errors.unprocessable(problem)
    with store().lock:
        user.password_sha256 = sha256(fields["password"])
        user.password_changes += 1
    return json_response({"database_user": user_json(user)})


@bp.post("/databases/<db_id>/users/<name>/reset_password")
def reset_password(db_id, name):
    database = users_database(db_id)
    user = changeable_user(database, name)
    password = generated_password()
    with store().lock:
        user.password_sha256 = sha256(password)
        user.password_changes += 1
    return json_response({"database_user": user_json(user, password)})


@bp.delete("/databases/<db_id>/users/<name>")
def delete_user(db_id, name):
    database = users_database(db_id)
    changeable_user(database, name)
    with store().lock:
        database.users.pop(name, None)
    return no_content()


# ------------------------------------------------------------------ maintenance
@bp.get("/databases/<db_id>/maintenance")
def list_maintenance(db_id):
    database = authorized_database(db_id)
    items = list(database.maintenance)
    pagination = {"current_page": 1, "prev_page": None, "next_page": None, "total_pages": 1, "total_count": len(items)}
    return json_response({"maintenance": items, "meta": {"pagination": pagination}})


@bp.get("/databases/<db_id>/maintenance/<maintenance_id>")
def show_maintenance(db_id, maintenance_id):
    database = authorized_database(db_id)
    found = next((m for m in database.maintenance if m["id"] == maintenance_id), None)
    if found is None:
        return errors.not_found("maintenance")
    return json_response({"maintenance": found})


# ------------------------------------------------------------------ the app of the origin
def create_database_app(s) -> Flask:
    """The database API's Flask app, on the simulator's state `s`."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = s
    app.config[ORIGIN_KEY] = "database"
    app.register_blueprint(bp)
    middleware.install(app)
    app.register_error_handler(HTTPException, http_error)
    return app


def http_error(exc: HTTPException):
    if exc.code == 404:
        return errors.not_found()
    return errors.error(exc.code or 500, (exc.name or "error").lower())


class DatabaseListener(Listener):
    """The database app on a free loopback port, served from a daemon thread until close()."""

    def __init__(self, app: Flask) -> None:
        self.serve(make_server(HOST, 0, app, threaded=True), "scalingo-sim-database")


def database_url() -> str | None:
    """The database API's base URL (without /api), or None when the simulator runs without its listener."""
    listener = current_app.extensions.get(DATABASE_EXTENSION)
    return listener.url if listener else None


# ------------------------------------------------------------------ admin, under /_sim/databases
def admin_database(addon_id: str) -> Database:
    _app, addon = find_addon(addon_id)
    if addon is None:
        errors.abort(errors.not_found("addon"))
    return store().database(addon)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@admin_bp.route("/config", methods=["GET", "POST"])
def admin_config():
    """Durations (seconds) of the database API's state changes and tokens."""
    db = store()
    if request.method == "POST":
        changes = json_object()
        for key, value in changes.items():
            if key not in default_db_config():
                return errors.error(400, f"unknown setting {key!r}")
            if not is_number(value) or value < 0:
                return errors.error(400, f"{key} must be a number of seconds >= 0")
        with db.lock:
            db.config.update(changes)
    return json_response(dict(db.config))


@admin_bp.post("/tokens/expire")
def expire_tokens():
    """Every addon token given so far is refused from now on (401 token expired)."""
    return json_response({"expired": store().expire_tokens()})


@admin_bp.get("/<addon_id>")
def inspect(addon_id):
    """Everything about a database, passwords as SHA-256 only; and how many addon tokens were given."""
    database = admin_database(addon_id)
    now = time.time()
    return json_response(
        {
            "database": {
                "id": database.addon_id,
                "type_name": database.type_name,
                "features": dict(database.live_features(now)),
                "periodic_backups_enabled": database.periodic_backups_enabled,
                "periodic_backups_scheduled_at": database.periodic_backups_scheduled_at,
                "maintenance_window": {
                    "weekday_utc": database.weekday_utc,
                    "starting_hour_utc": database.starting_hour_utc,
                },
                "backups": [backup_json(database, b, now) for b in database.backups],
                "users": {
                    u.name: {
                        "read_only": u.read_only,
                        "protected": u.protected,
                        "password_sha256": u.password_sha256,
                        "password_changes": u.password_changes,
                    }
                    for u in database.users.values()
                },
                "restores": [
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "status": r.status(now),
                        "restore_time": r.restore_time,
                        "source_backup_id": r.source_backup_id,
                    }
                    for r in database.restores.values()
                ],
                "writes": database.writes,
            },
            "tokens_issued": store().tokens_issued,
        }
    )


@admin_bp.post("/<addon_id>")
def seed(addon_id):
    """Set a database's state: features {name: true|false} (at once, active), periodic_backups_enabled,
    periodic_backups_scheduled_at (a list of hours), maintenance_window, earliest_recoverable_age (seconds
    before now), maintenance (the list as answered)."""
    database = admin_database(addon_id)
    body = json_object()
    now = time.time()
    with store().lock:
        for name, on in (body.get("features") or {}).items():
            if on:
                database.features[name] = Feature(name, now - 1)
            else:
                database.features.pop(name, None)
        if "periodic_backups_enabled" in body:
            database.periodic_backups_enabled = bool(body["periodic_backups_enabled"])
        if isinstance(body.get("periodic_backups_scheduled_at"), list):
            database.periodic_backups_scheduled_at = list(body["periodic_backups_scheduled_at"])
        window = body.get("maintenance_window")
        if isinstance(window, dict):
            database.weekday_utc = window.get("weekday_utc", database.weekday_utc)
            database.starting_hour_utc = window.get("starting_hour_utc", database.starting_hour_utc)
        if is_number(body.get("earliest_recoverable_age")):
            database.earliest_recoverable_at = now - body["earliest_recoverable_age"]
        if isinstance(body.get("maintenance"), list):
            database.maintenance = list(body["maintenance"])
    return inspect(addon_id)


@admin_bp.post("/<addon_id>/backups")
def seed_backup(addon_id):
    """A backup `age` seconds old (finished unless it is younger than its durations): method (periodic),
    outcome (done | error) and message."""
    database = admin_database(addon_id)
    body = json_object()
    age = body.get("age", 0)
    outcome = body.get("outcome", "done")
    if not is_number(age) or age < 0:
        return errors.error(400, "age must be a number of seconds >= 0")
    if outcome not in ("done", "error"):
        return errors.error(400, "outcome must be done or error")
    method = body.get("method", "periodic")
    backup = store().add_backup(database, method, time.time(), age, outcome=outcome, message=body.get("message"))
    return json_response({"database_backup": backup_json(database, backup, time.time())}, 201)


@admin_bp.post("/<addon_id>/next_backup")
def next_backup(addon_id):
    """How the next manual backup ends: {"outcome": "error", "message": "..."} (or done)."""
    database = admin_database(addon_id)
    body = json_object()
    if body.get("outcome") not in ("done", "error"):
        return errors.error(400, "outcome must be done or error")
    with store().lock:
        database.next_backup = {"outcome": body["outcome"], "message": body.get("message")}
    return json_response({"next_backup": database.next_backup})


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@admin_bp.get("/<addon_id>/backups/<backup_id>/archive")
def admin_archive(addon_id, backup_id):
    """The archive a download gives (its size and SHA-256), for tests to compare."""
    database = admin_database(addon_id)
    backup = store().find_backup(database, backup_id)
    if backup is None:
        return errors.not_found("database_backup")
    return json_response({"size": len(backup.content), "sha256": sha256_of(backup.content), "name": backup.name})
