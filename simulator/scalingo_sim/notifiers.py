"""Notifiers of an app (list, show, create, update by PATCH or PUT, test, delete) and the public listings
a client resolves names with: notification platforms (by name too) and event types."""

import time
import uuid

from flask import Blueprint, request

from . import errors
from .render import event_type_json, notification_platform_json, notifier_json
from .responses import json_response, no_content, text_response
from .state.notify import EVENT_TYPES, PLATFORMS, Notifier, notifier_problems
from .web import json_object, state, visible_app

bp = Blueprint("notifiers", __name__, url_prefix="/v1")

FIELDS = ("name", "active", "send_all_events", "send_all_alerts", "selected_event_ids", "type_data")


@bp.get("/notification_platforms")
def platforms():
    return json_response({"notification_platforms": [notification_platform_json(ident) for ident in PLATFORMS]})


@bp.get("/notification_platforms/search")
def platform_search():
    name = request.args.get("name")
    found = [notification_platform_json(ident) for ident, known in PLATFORMS.items() if known == name]
    return json_response({"notification_platforms": found})


@bp.get("/event_types")
def event_types():
    return json_response({"event_types": [event_type_json(ident) for ident in EVENT_TYPES]})


def find(app, notifier_id: str) -> Notifier:
    notifier = state().notify.notifier(app, notifier_id)
    if notifier is None:
        # Scalingo names no resource for an unknown notifier id.
        errors.abort(errors.not_found("base"))
    return notifier


def given(body: dict) -> dict:
    fields = body.get("notifier")
    if not isinstance(fields, dict):
        errors.abort(errors.unprocessable({"notifier": ["missing field"]}))
    return fields


@bp.get("/apps/<ident>/notifiers")
def list_notifiers(ident):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"notifiers": [notifier_json(app, n) for n in s.notify.notifiers_of(app)]})


@bp.get("/apps/<ident>/notifiers/<notifier_id>")
def show_notifier(ident, notifier_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"notifier": notifier_json(app, find(app, notifier_id))})


@bp.post("/apps/<ident>/notifiers")
def create_notifier(ident):
    fields = given(json_object())
    s = state()
    with s.lock:
        app = visible_app(ident)
        platform_id = fields.get("platform_id")
        if platform_id not in PLATFORMS:
            return errors.not_found("notification_platform")
        problems = notifier_problems(fields, platform_id, creating=True)
        if problems:
            return errors.unprocessable(problems)
        notifier = Notifier(
            id=f"no-{uuid.uuid4()}", platform_id=platform_id, **{k: fields[k] for k in ("name", "active")}
        )
        apply(notifier, fields)
        s.notify.notifiers_of(app).append(notifier)
        return json_response({"notifier": notifier_json(app, notifier)}, 201)


def apply(notifier: Notifier, fields: dict) -> None:
    for key in FIELDS:
        if fields.get(key) is not None:
            setattr(notifier, key, list(fields[key]) if key == "selected_event_ids" else fields[key])
    notifier.updated_at = time.time()


@bp.route("/apps/<ident>/notifiers/<notifier_id>", methods=["PATCH", "PUT"])
def update_notifier(ident, notifier_id):
    fields = given(json_object())
    s = state()
    with s.lock:
        app = visible_app(ident)
        notifier = find(app, notifier_id)
        problems = notifier_problems(fields, notifier.platform_id, creating=False)
        if problems:
            return errors.unprocessable(problems)
        apply(notifier, fields)
        return json_response({"notifier": notifier_json(app, notifier)})


@bp.post("/apps/<ident>/notifiers/<notifier_id>/test")
def test_notifier(ident, notifier_id):
    s = state()
    with s.lock:
        find(visible_app(ident), notifier_id)
        return text_response("")


@bp.delete("/apps/<ident>/notifiers/<notifier_id>")
def delete_notifier(ident, notifier_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        s.notify.remove_notifier(app, find(app, notifier_id))
        return no_content()
