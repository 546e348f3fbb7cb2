"""An app's events (its timeline, newest first, paginated) and its cron tasks (read only)."""

from flask import Blueprint, Response

from .render import event_json, paginate
from .responses import json_response
from .web import page_params, state, visible_app

bp = Blueprint("events", __name__, url_prefix="/v1")


@bp.get("/apps/<ident>/events")
def list_events(ident: str) -> Response:
    s = state()
    with s.lock:
        app = visible_app(ident)
        page, per_page = page_params(s.config["max_per_page"])
        chunk, meta = paginate(s.wiring.timeline(app.id), page, per_page, s.config["pagination_style"])
        return json_response({"events": [event_json(s, e) for e in chunk], "meta": meta})


@bp.get("/apps/<ident>/cron_tasks")
def list_cron_tasks(ident: str) -> Response:
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"jobs": [dict(job) for job in s.wiring.cron_tasks.get(app.id, [])]})
