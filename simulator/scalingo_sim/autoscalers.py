"""Autoscalers: one per container type of an app; list, show, create, update
(wrapped or not, PATCH or PUT), delete. A scale that changes the amount of an
autoscaled type disables its autoscaler (see formation.py)."""

from flask import Blueprint

from . import catalog, errors
from .render import autoscaler_json
from .responses import json_response, no_content
from .web import json_object, locked_app

bp = Blueprint("autoscalers", __name__, url_prefix="/v1")

# Router metrics first; 5XX is measured by the router, so only on web.
METRICS = ("rpm_per_container", "p95_response_time", "5XX", "cpu", "memory", "swap")
FRACTIONS = ("cpu", "memory", "swap")
FIELDS = ("metric", "target", "min_containers", "max_containers")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def problems_of(container_type: str, values: dict) -> dict:
    """{field: [messages]} for an autoscaler with these values (all of FIELDS present)."""
    problems = {}
    metric, target = values["metric"], values["target"]
    low, high = values["min_containers"], values["max_containers"]
    if metric not in METRICS:
        problems["metric"] = [f"must be one of {', '.join(METRICS)}"]
    elif metric == "5XX" and container_type != "web":
        problems["metric"] = ["5XX is only available for the web container type"]
    if not (isinstance(target, (int, float)) and not isinstance(target, bool)):
        problems["target"] = ["must be a number"]
    elif target <= 0:
        problems["target"] = ["must be greater than 0"]
    elif metric in FRACTIONS and target > 1:
        problems["target"] = [f"must be a fraction between 0 and 1 for the {metric} metric"]
    if not is_int(low):
        problems["min_containers"] = ["must be an integer"]
    elif low < 2:
        problems["min_containers"] = ["must be at least set to 2"]
    if not is_int(high):
        problems["max_containers"] = ["must be an integer"]
    elif high > catalog.MAX_CONTAINERS_PER_TYPE:
        problems["max_containers"] = [f"can't be more than {catalog.MAX_CONTAINERS_PER_TYPE}"]
    elif is_int(low) and high < low:
        problems["max_containers"] = ["must be greater than or equal to min_containers"]
    return problems


def find(app, autoscaler_id: str):
    return errors.found(app.autoscaler(autoscaler_id), "autoscaler")


@bp.get("/apps/<ident>/autoscalers")
def list_autoscalers(ident):
    with locked_app(ident) as (_, app):
        return json_response({"autoscalers": [autoscaler_json(app, a) for a in app.autoscalers]})


@bp.get("/apps/<ident>/autoscalers/<autoscaler_id>")
def show_autoscaler(ident, autoscaler_id):
    with locked_app(ident) as (_, app):
        return json_response({"autoscaler": autoscaler_json(app, find(app, autoscaler_id))})


@bp.post("/apps/<ident>/autoscalers")
def create_autoscaler(ident):
    body = json_object()
    fields = body.get("autoscaler")
    if not isinstance(fields, dict):
        return errors.unprocessable({"autoscaler": ["missing field"]})
    with locked_app(ident) as (s, app):
        container_type = fields.get("container_type")
        missing = {key: ["can't be blank"] for key in ("container_type", *FIELDS) if fields.get(key) is None}
        if missing:
            return errors.unprocessable(missing)
        if not isinstance(container_type, str) or app.container_type(container_type) is None:
            return errors.unprocessable({"container_type": ["no such container type"]})
        if app.autoscaler(container_type, by="container_type") is not None:
            return errors.unprocessable({"container_type": ["already has an autoscaler"]})
        problems = problems_of(container_type, fields)
        if problems:
            return errors.unprocessable(problems)
        autoscaler = s.add_autoscaler(app, container_type, {key: fields[key] for key in FIELDS})
        return json_response({"autoscaler": autoscaler_json(app, autoscaler)}, 201)


@bp.route("/apps/<ident>/autoscalers/<autoscaler_id>", methods=["PATCH", "PUT"])
def update_autoscaler(ident, autoscaler_id):
    body = json_object()
    # The docs and most clients wrap the fields; go-scalingo sends them bare.
    fields = body["autoscaler"] if isinstance(body.get("autoscaler"), dict) else body
    with locked_app(ident) as (s, app):
        autoscaler = find(app, autoscaler_id)
        merged = {key: fields.get(key, getattr(autoscaler, key)) for key in FIELDS}
        problems = problems_of(autoscaler.container_type, merged)
        if "disabled" in fields and not isinstance(fields["disabled"], bool):
            problems["disabled"] = ["must be a boolean"]
        if problems:
            return errors.unprocessable(problems)
        if "disabled" in fields:
            merged["disabled"] = fields["disabled"]
        s.update_autoscaler(autoscaler, merged)
        return json_response({"autoscaler": autoscaler_json(app, autoscaler)})


@bp.delete("/apps/<ident>/autoscalers/<autoscaler_id>")
def delete_autoscaler(ident, autoscaler_id):
    with locked_app(ident) as (s, app):
        s.remove_autoscaler(app, find(app, autoscaler_id))
        return no_content()
