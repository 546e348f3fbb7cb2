"""Small request/response helpers shared by the blueprints."""

import contextlib
import json
from collections.abc import Iterator

from flask import current_app, g, request

from . import errors
from .render import paginate

EXTENSION = "scalingo_sim"
TRAP_EXTENSION = "scalingo_sim.trap"
ATTACH_EXTENSION = "scalingo_sim.attach"
DEFAULT_PER_PAGE = 20


def state():
    return current_app.extensions[EXTENSION]


def trap():
    """The trap listener, or None when the app was created without one."""
    return current_app.extensions.get(TRAP_EXTENSION)


def attach_listener():
    """The attach listener, or None when the app was created without one."""
    return current_app.extensions.get(ATTACH_EXTENSION)


def current_user():
    """The user of the request's valid bearer (set by the middleware)."""
    return g.user


def base_url() -> str:
    return request.host_url.rstrip("/")


def parse_body():
    """(ok, value): the JSON body, None when empty, ok False when not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return True, None
    try:
        return True, json.loads(raw)
    except ValueError as exc:
        return False, str(exc)


def json_body():
    """The JSON body of the request (None when empty); 400 when malformed."""
    ok, value = parse_body()
    if not ok:
        errors.abort(errors.bad_json(value))
    return value


def json_object():
    """The JSON body when it is an object, else an empty dict."""
    body = json_body()
    return body if isinstance(body, dict) else {}


def wrapped(key: str) -> dict:
    """The object the JSON body wraps under `key` (`{"drain": {...}}`); without one, the view stops with the API's
    400 naming the missing parameter."""
    fields = json_object().get(key)
    if not isinstance(fields, dict):
        errors.abort(errors.missing_param(key))
    return fields


def visible_app(ident: str):
    """The app (by id or name) the current user owns or collaborates on; 404 otherwise."""
    app = state().find_app(ident)
    if app is None or not state().can_see(current_user(), app):
        errors.abort(errors.not_found("app"))
    return app


@contextlib.contextmanager
def locked_app(ident: str) -> Iterator[tuple]:
    """(state, the visible app) with the state's lock held: a view that reads, checks and writes holds it."""
    s = state()
    with s.lock:
        yield s, visible_app(ident)


def page_params(max_per_page: int) -> tuple[int, int]:
    """(page, per_page) of a paginated list's query; a missing, unreadable or non-positive value is its default."""

    def positive(name, default):
        try:
            value = int(request.args.get(name, default))
        except ValueError:
            return default
        return value if value >= 1 else default

    return positive("page", 1), min(positive("per_page", DEFAULT_PER_PAGE), max_per_page)


def page_of(items: list) -> tuple[list, dict]:
    """The page of `items` the query asks for, and the `meta` of a paginated list in the configured style."""
    config = state().config
    page, per_page = page_params(config["max_per_page"])
    return paginate(items, page, per_page, config["pagination_style"])
