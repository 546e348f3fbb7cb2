"""Log drains of an app and of its addons: list, add (a URL made of the drain's type and fields), remove by
URL (in the query string, as go-scalingo sends it, or in a JSON body, as the docs show it)."""

from flask import Blueprint, Response, request

from . import errors
from .render import drain_json
from .responses import json_response, no_content
from .state import App
from .state.wiring import DRAIN_REQUIRED, DRAIN_TYPES, drain_url
from .web import current_user, json_object, state, visible_app, wrapped

bp = Blueprint("drains", __name__, url_prefix="/v1")

TYPE_REQUIRED = "'type' parameter is required"
NO_LOGS = "This addon doesn't support log drains"


def drain_list(app: App, addon_id: str) -> list[str]:
    """The app's (or addon's) drain URLs; 404 addon, 400 for an addon without logs."""
    s = state()
    if addon_id:
        if s.find_addon(app, addon_id) is None:
            errors.abort(errors.not_found("addon"))
        if addon_id in s.wiring.silent_addons:
            errors.abort(errors.error(400, NO_LOGS))
    return s.wiring.drain_urls(app.id, addon_id)


def listing(ident: str, addon_id: str = "") -> Response:
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"drains": [drain_json(app, url) for url in drain_list(app, addon_id)]})


def adding(ident: str, addon_id: str = "") -> Response:
    fields = wrapped("drain")
    kind = fields.get("type")
    if not kind:
        return errors.error(400, TYPE_REQUIRED)
    if kind not in DRAIN_TYPES:
        return errors.unprocessable({"type": [f"must be one of {', '.join(DRAIN_TYPES)}"]})
    values = {key: value for key, value in fields.items() if isinstance(value, str) and value}
    odd = [key for key, value in fields.items() if value not in (None, "") and not isinstance(value, str)]
    if odd:
        return errors.unprocessable({key: ["must be a string"] for key in odd})
    missing = {key: ["can't be blank"] for key in DRAIN_REQUIRED[kind] if key not in values}
    if missing:
        return errors.unprocessable(missing)
    if "port" in values and not (values["port"].isdigit() and 1 <= int(values["port"]) <= 65535):
        return errors.unprocessable({"port": ["is invalid"]})
    s = state()
    with s.lock:
        app = visible_app(ident)
        urls = drain_list(app, addon_id)
        url = drain_url(kind, values)
        if url in urls:
            return errors.unprocessable({"url": ["has already been taken"]})
        urls.append(url)
        s.wiring.record(app, "new_log_drain", current_user().id, {"addon_id": addon_id or None})
        return json_response({"drain": {"url": url}}, 201)


def removing(ident: str, addon_id: str = "") -> Response:
    url = request.args.get("url") or json_object().get("url")
    if not isinstance(url, str) or not url:
        return errors.error(400, "'url' parameter is required")
    s = state()
    with s.lock:
        app = visible_app(ident)
        urls = drain_list(app, addon_id)
        if url not in urls:
            return errors.not_found("log_drain")
        urls.remove(url)
        return no_content()


@bp.get("/apps/<ident>/log_drains")
def list_drains(ident: str) -> Response:
    return listing(ident)


@bp.post("/apps/<ident>/log_drains")
def add_drain(ident: str) -> Response:
    return adding(ident)


@bp.delete("/apps/<ident>/log_drains")
def remove_drain(ident: str) -> Response:
    return removing(ident)


@bp.get("/apps/<ident>/addons/<addon_id>/log_drains")
def list_addon_drains(ident: str, addon_id: str) -> Response:
    return listing(ident, addon_id)


@bp.post("/apps/<ident>/addons/<addon_id>/log_drains")
def add_addon_drain(ident: str, addon_id: str) -> Response:
    return adding(ident, addon_id)


@bp.delete("/apps/<ident>/addons/<addon_id>/log_drains")
def remove_addon_drain(ident: str, addon_id: str) -> Response:
    return removing(ident, addon_id)
