"""Alerts of an app: list, show, create, update (wrapped or not, PATCH or PUT), delete. As Scalingo's, the
answers of show and update leave the alert's `notifiers` out; the list has them."""

import time
import uuid

from flask import Blueprint

from . import errors
from .render import alert_json
from .responses import json_response, no_content
from .state.notify import Alert, alert_problems, go_duration
from .web import json_object, state, visible_app

bp = Blueprint("alerts", __name__, url_prefix="/v1")

FIELDS = (
    "container_type",
    "metric",
    "limit",
    "send_when_below",
    "duration_before_trigger",
    "remind_every",
    "disabled",
    "notifiers",
)
DEFAULTS = {"send_when_below": False, "duration_before_trigger": 0, "remind_every": "", "disabled": False}


def find(app, alert_id: str) -> Alert:
    alert = state().notify.alert(app, alert_id)
    if alert is None:
        errors.abort(errors.not_found("alert"))
    return alert


def checked(app, fields: dict) -> dict | None:
    """The problems of `fields` (merged), or None."""
    known = {n.id for n in state().notify.notifiers_of(app)}
    return alert_problems(fields, known) or None


@bp.get("/apps/<ident>/alerts")
def list_alerts(ident):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"alerts": [alert_json(app, a) for a in s.notify.alerts_of(app)]})


@bp.get("/apps/<ident>/alerts/<alert_id>")
def show_alert(ident, alert_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"alert": alert_json(app, find(app, alert_id), with_notifiers=False)})


@bp.post("/apps/<ident>/alerts")
def create_alert(ident):
    fields = json_object().get("alert")
    if not isinstance(fields, dict):
        return errors.unprocessable({"alert": ["missing field"]})
    s = state()
    with s.lock:
        app = visible_app(ident)
        merged = dict(DEFAULTS, notifiers=[])
        merged.update({k: v for k, v in fields.items() if k in FIELDS and v is not None})
        problems = checked(app, merged)
        if problems:
            return errors.unprocessable(problems)
        alert = Alert(id=f"al-{uuid.uuid4()}", **{k: merged[k] for k in FIELDS})
        s.notify.alerts_of(app).append(alert)
        return json_response({"alert": alert_json(app, alert)}, 201)


@bp.route("/apps/<ident>/alerts/<alert_id>", methods=["PATCH", "PUT"])
def update_alert(ident, alert_id):
    body = json_object()
    # The docs wrap the fields; go-scalingo sends them bare, with remind_every in nanoseconds.
    fields = body["alert"] if isinstance(body.get("alert"), dict) else body
    s = state()
    with s.lock:
        app = visible_app(ident)
        alert = find(app, alert_id)
        merged = {key: getattr(alert, key) for key in FIELDS}
        merged.update({k: v for k, v in fields.items() if k in FIELDS and v is not None})
        if isinstance(merged["remind_every"], int) and not isinstance(merged["remind_every"], bool):
            merged["remind_every"] = go_duration(merged["remind_every"])
        problems = checked(app, merged)
        if problems:
            return errors.unprocessable(problems)
        for key, value in merged.items():
            setattr(alert, key, value)
        alert.updated_at = time.time()
        return json_response({"alert": alert_json(app, alert, with_notifiers=False)})


@bp.delete("/apps/<ident>/alerts/<alert_id>")
def delete_alert(ident, alert_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        s.notify.alerts_of(app).remove(find(app, alert_id))
        return no_content()
