"""Formation (container types), running containers, scale, restart, one-off
runs and operations."""

import re
import time

from flask import Blueprint

from . import catalog, errors
from .render import formation_json, one_off_json, operation_json, ps_json
from .responses import json_response, text_response
from .web import attach_listener, base_url, json_body, json_object, locked_app, state, visible_app

bp = Blueprint("formation", __name__, url_prefix="/v1")

_LABEL = re.compile(r"(?P<type>.+)-(?P<index>[0-9]+)")


def operation_url(ident: str, op_id: str) -> str:
    """Absolute, and built on the identifier the client used in its path."""
    return f"{base_url()}/v1/apps/{ident}/operations/{op_id}"


def attach_url(one_off) -> str | None:
    """Where an attached one-off is reached: the attach listener (another origin than the API's, as on
    Scalingo), or the base set in the config's attach_base; without a listener, the admin's view of it.
    A detached one-off has none."""
    if one_off is None or one_off.detached:
        return None
    base = state().config.get("attach_base")
    listener = attach_listener()
    if base is None and listener is None:
        return f"{base_url()}/_sim/attach/{one_off.id}"
    return f"{base or listener.url}/{one_off.attach_token}"


def refuse_if_busy(s, app, now: float) -> None:
    if s.busy_operation(app, now) is not None:
        errors.abort(errors.app_busy(s.app_status(app, now)))


@bp.get("/apps/<ident>/containers")
def containers(ident):
    s = state()
    with s.lock:
        return json_response(formation_json(visible_app(ident)))


@bp.get("/apps/<ident>/ps")
def ps(ident):
    s = state()
    with s.lock:
        return json_response({"containers": ps_json(s, visible_app(ident), time.time())})


def scale_request(app, requested) -> dict:
    """{type: (amount, size)} from the request, or abort with every problem found."""
    problems, changes = {}, {}
    for entry in requested:
        item = entry if isinstance(entry, dict) else {}
        name = item.get("name")
        key = f"container-{name}"
        container = app.container_type(name) if isinstance(name, str) else None
        if container is None:
            problems[f"{key}-name"] = ["no such container type"]
            continue
        amount = item.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            problems[f"{key}-amount"] = ["must be a positive integer"]
        elif amount > catalog.MAX_CONTAINERS_PER_TYPE:
            problems[f"{key}-amount"] = [
                "can't scale over 10 containers, contact us at support@scalingo.com if you need more"
            ]
        size = item.get("size") or container.size
        if size not in catalog.CONTAINER_SIZES:
            problems[f"{key}-size"] = [errors.invalid_size(size)]
        changes[name] = (amount, size)
    if problems:
        errors.abort(errors.unprocessable(problems))
    return changes


@bp.post("/apps/<ident>/scale")
def scale(ident):
    body = json_object()
    now = time.time()
    with locked_app(ident) as (s, app):
        requested = body.get("containers")
        if not isinstance(requested, list):
            return errors.unprocessable({"containers": ["missing field"]})
        changes = scale_request(app, requested)
        refuse_if_busy(s, app, now)
        if all((app.container_type(n).amount, app.container_type(n).size) == v for n, v in changes.items()):
            return errors.error(400, "no change in containers formation")
        s.scale_app(app, changes)
        if not app.deployed:
            return json_response(formation_json(app), 200)
        op = s.start_operation(app, "scale")
        return json_response(formation_json(app), 202, headers={"Location": operation_url(ident, op.id)})


def in_scope(app, item) -> bool:
    """A container type, or a container label such as web-1 within the amount."""
    if not isinstance(item, str):
        return False
    if app.container_type(item) is not None:
        return True
    match = _LABEL.fullmatch(item)
    if match is None:
        return False
    container = app.container_type(match["type"])
    return container is not None and 1 <= int(match["index"]) <= container.amount


@bp.post("/apps/<ident>/restart")
def restart(ident):
    body = json_body()
    # go-scalingo may send the literal `null`; scalingo.js types scope as a string.
    scope = body.get("scope") if isinstance(body, dict) else None
    if scope is not None and not isinstance(scope, list):
        scope = [scope]
    now = time.time()
    with locked_app(ident) as (s, app):
        if not app.deployed:
            return errors.app_not_deployed()
        unknown = [item for item in scope or [] if not in_scope(app, item)]
        if unknown:
            return errors.unprocessable({"scope": [f"'{item}' \u2192 no such process type" for item in unknown]})
        refuse_if_busy(s, app, now)
        op = s.start_operation(app, "restart")
        return text_response("", 202, headers={"Location": operation_url(ident, op.id)})


def run_request(body: dict) -> tuple[str, dict, str, bool]:
    """(command, env, size, detached) or abort with every problem found."""
    problems = {}
    command = body.get("command")
    if not isinstance(command, str) or not command.strip():
        problems["command"] = ["can't be blank"]
    env = body.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        problems["env"] = ["must be an object of strings"]
    size = body.get("size") or catalog.DEFAULT_SIZE
    if size not in catalog.CONTAINER_SIZES:
        problems["size"] = [errors.invalid_size(size)]
    detached = body.get("detached")
    if detached is None:
        detached = False
    if not isinstance(detached, bool):
        problems["detached"] = ["must be a boolean"]
    if problems:
        errors.abort(errors.unprocessable(problems))
    return command, env, size, detached


@bp.post("/apps/<ident>/run")
def run(ident):
    body = json_object()
    now = time.time()
    with locked_app(ident) as (s, app):
        command, env, size, detached = run_request(body)
        if not app.deployed:
            return errors.app_not_deployed()
        if len(s.live_one_offs(app, now)) >= catalog.MAX_ONE_OFFS_PER_APP:
            return errors.unprocessable({"app": ["too many one-off containers"]})
        one_off, op = s.add_one_off(app, command, env, size, detached)
        answer = {
            "container": one_off_json(app, one_off),
            "operation_url": operation_url(ident, op.id),
            "operation": op.id,
        }
        if not detached:
            answer["attach_url"] = attach_url(one_off)
        return json_response(answer)


@bp.get("/apps/<ident>/operations/<op_id>")
def operation(ident, op_id):
    with locked_app(ident) as (s, app):
        op = s.operations.get(op_id)
        if op is None or op.app_id != app.id:
            return errors.not_found("operation")
        link = attach_url(s.one_offs.get(op.one_off_id)) if op.one_off_id else None
        return json_response({"operation": operation_json(op, time.time(), link)})
