"""Environment variables: list (raw or with aliases resolved), upsert one, bulk upsert, update
one, delete one, bulk delete. Nothing here restarts the app, as in the real API."""

import re

from flask import Blueprint, request

from . import errors
from .render import failed_variable_json, variable_json
from .responses import json_response, no_content
from .web import json_body, json_object, locked_app, state

bp = Blueprint("variables", __name__, url_prefix="/v1")

NAME_MAX, VALUE_MAX = 64, 32768
# The only name the API is known to refuse; other platform names (CONTAINER, APP, ...) are unknown.
RESERVED = ("PORT",)
# $NAME or ${NAME} inside a value: an alias, resolved one level deep when aliases=false.
REFERENCE = re.compile(r"\$(?:\{([A-Za-z][A-Za-z0-9_]*)\}|([A-Za-z][A-Za-z0-9_]*))")


def name_problems(name) -> list[str]:
    if not isinstance(name, str) or not name:
        return ["can't be blank", "must start with a letter"]
    found = []
    if not re.match(r"[A-Za-z]", name):
        found.append("must start with a letter")
    elif re.search(r"[^A-Za-z0-9_]", name):
        found.append("is invalid")
    if len(name) > NAME_MAX:
        found.append(f"is too long (maximum is {NAME_MAX} characters)")
    if name in RESERVED:
        found.append("is reserved")
    return found


def value_problems(value) -> list[str]:
    if value is None or value == "":
        return ["can't be blank"]
    if not isinstance(value, str):
        return ["must be a string"]
    if len(value) > VALUE_MAX:
        return [f"is too long (maximum is {VALUE_MAX} characters)"]
    return []


def problems(fields: dict) -> dict:
    """The API's validation errors of one variable, by field ({} when it is valid)."""
    found = {"name": name_problems(fields.get("name")), "value": value_problems(fields.get("value"))}
    return {key: texts for key, texts in found.items() if texts}


def by_id(app, variable_id: str) -> dict:
    return errors.found(state().variable_by_id(app, variable_id), "variable")


def wrapped(body: dict, root: str) -> dict:
    """The fields under `root`, or the body itself when a client sends them unwrapped."""
    fields = body.get(root, body)
    return fields if isinstance(fields, dict) else {}


@bp.get("/apps/<ident>/variables")
def list_variables(ident):
    raw = request.args.get("aliases", "true").lower() != "false"
    with locked_app(ident) as (s, app):
        variables = s.listed_variables(app)
        values = {v["name"]: v["value"] for v in variables}

        def shown(variable):
            if raw:
                return variable_json(app, variable)
            value = REFERENCE.sub(lambda m: values.get(m[1] or m[2], m[0]), variable["value"])
            return variable_json(app, variable, value)

        return json_response({"variables": [shown(v) for v in variables]})


@bp.post("/apps/<ident>/variables")
def create_variable(ident):
    fields = wrapped(json_object(), "variable")
    with locked_app(ident) as (s, app):
        found = problems(fields)
        if found:
            return errors.unprocessable(found)
        variable, created = s.upsert_variable(app, fields["name"], fields["value"])
        return json_response({"variable": variable_json(app, variable)}, 201 if created else 200)


@bp.put("/apps/<ident>/variables")
def bulk_update(ident):
    items = json_object().get("variables")
    with locked_app(ident) as (s, app):
        if not isinstance(items, list):
            return errors.unprocessable({"variables": ["must be a list of variables"]})
        saved, failed = [], []
        # Each variable is saved on its own: the valid ones are kept even when others fail (choice).
        for item in items:
            fields = item if isinstance(item, dict) else {}
            found = problems(fields)
            if found:
                failed.append(failed_variable_json(app, fields, found))
                continue
            saved.append(s.upsert_variable(app, fields["name"], fields["value"])[0])
        if failed:
            return errors.variables_failed(failed)
        return json_response({"variables": [variable_json(app, v) for v in saved]})


@bp.route("/apps/<ident>/variables/<variable_id>", methods=["PATCH", "PUT"])
def update_variable(ident, variable_id):
    fields = wrapped(json_object(), "variable")
    with locked_app(ident) as (s, app):
        variable = by_id(app, variable_id)
        # Only the value changes; renaming is creating another variable.
        found = value_problems(fields.get("value"))
        if found:
            return errors.unprocessable({"value": found})
        s.set_variable_value(variable, fields["value"])
        return json_response({"variable": variable_json(app, variable)})


@bp.delete("/apps/<ident>/variables/<variable_id>")
def delete_variable(ident, variable_id):
    with locked_app(ident) as (s, app):
        s.remove_variables(app, [by_id(app, variable_id)["id"]])
        return no_content()


@bp.delete("/apps/<ident>/variables")
def bulk_delete(ident):
    body = json_body()
    # The documented JSON body, or the query string go-scalingo's style of client sends.
    ids = body.get("variable_ids") if isinstance(body, dict) else None
    if ids is None:
        ids = request.args.getlist("variable_ids[]") or request.args.getlist("variable_ids") or None
    with locked_app(ident) as (s, app):
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return errors.unprocessable({"variable_ids": ["can't be blank"]})
        # Ids that are not the app's variables are ignored (choice: the real answer is not known).
        s.remove_variables(app, ids)
        return no_content()
