"""Admin API (/_sim/) of the wiring state: SCM integrations, events, cron tasks, addons without logs, and a
look at the drains (their URLs are secrets: tests read them here, never from a module's output)."""

import time

from flask import Blueprint, Response

from . import errors
from .admin import admin_app, bad_request, is_count
from .render import event_json, scm_integration_json
from .responses import json_response
from .state.wiring import SCM_TYPES
from .web import json_object, state

bp = Blueprint("wiring_admin", __name__, url_prefix="/_sim")


@bp.post("/scm_integrations")
def add_integration() -> Response:
    """An SCM integration of a user (the default one unless `owner` gives an email): `scm_type`, `url` (needed
    for the self-hosted kinds), `username`."""
    body = json_object()
    scm_type, url, username = body.get("scm_type"), body.get("url"), body.get("username", "octocat")
    if scm_type not in SCM_TYPES:
        return bad_request(f"scm_type must be one of {', '.join(SCM_TYPES)}")
    if not (url is None and scm_type in ("github", "gitlab")) and not (
        isinstance(url, str) and url.startswith(("http://", "https://"))
    ):
        return bad_request("url must be an http(s) URL (required for the self-hosted kinds)")
    if not isinstance(username, str) or not username:
        return bad_request("username must be a non-empty string")
    s = state()
    with s.lock:
        owner = s.user_by_email(body["owner"]) if body.get("owner") else s.users[s.default_user_id]
        if owner is None:
            return bad_request("owner must be the email of a user")
        integration = s.wiring.add_integration(owner.id, scm_type, url, username)
        return json_response({"scm_integration": scm_integration_json(s, integration)}, 201)


@bp.post("/apps/<ident>/events")
def seed_events(ident: str) -> Response:
    """`count` events of `type` (default `restart`), one a minute up to now, or `events`: [{type, type_data}]."""
    body = json_object()
    events = body.get("events")
    if events is None:
        count = body.get("count", 1)
        if not is_count(count):
            return bad_request("count must be an integer >= 1")
        events = [{"type": body.get("type", "restart"), "type_data": {"n": n + 1}} for n in range(count)]
    if not isinstance(events, list) or not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in events):
        return bad_request("events must be a list of {type, type_data}")
    s = state()
    with s.lock:
        app = admin_app(ident)
        now = time.time()
        made = [
            s.wiring.record(app, e["type"], app.owner_id, e.get("type_data"), now - 60 * (len(events) - n))
            for n, e in enumerate(events)
        ]
        return json_response({"events": [event_json(s, e) for e in made]}, 201)


@bp.post("/apps/<ident>/cron_tasks")
def seed_cron_tasks(ident: str) -> Response:
    """The app's cron tasks, replaced: `jobs`: [{command, size?}] (as a deployment of cron.json would)."""
    jobs = json_object().get("jobs")
    if not isinstance(jobs, list) or not all(isinstance(j, dict) and isinstance(j.get("command"), str) for j in jobs):
        return bad_request("jobs must be a list of {command, size?}")
    s = state()
    with s.lock:
        app = admin_app(ident)
        s.wiring.cron_tasks[app.id] = [dict(job) for job in jobs]
        return json_response({"jobs": s.wiring.cron_tasks[app.id]})


@bp.post("/apps/<ident>/addons/<addon_id>/logs")
def addon_logs(ident: str, addon_id: str) -> Response:
    """`supported: false` makes the addon refuse drains as a non-database addon does; true gives them back."""
    supported = json_object().get("supported")
    if not isinstance(supported, bool):
        return bad_request("supported must be true or false")
    s = state()
    with s.lock:
        app = admin_app(ident)
        if s.find_addon(app, addon_id) is None:
            return errors.not_found("addon")
        (s.wiring.silent_addons.discard if supported else s.wiring.silent_addons.add)(addon_id)
        return json_response({"supported": supported})


@bp.get("/apps/<ident>/log_drains")
def drains(ident: str) -> Response:
    """Every drain of the app and of its addons: {"app": [urls], "<addon id>": [urls]}."""
    s = state()
    with s.lock:
        app = admin_app(ident)
        found = {addon or "app": list(urls) for (app_id, addon), urls in s.wiring.drains.items() if app_id == app.id}
        return json_response({"drains": found})
