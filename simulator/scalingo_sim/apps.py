"""Apps: list, show, create (and dry run), update, transfer, rename, delete,
child apps."""

import time

from flask import Blueprint, request

from . import catalog, errors
from .render import app_json
from .responses import json_response, no_content
from .web import current_user, json_body, json_object, locked_app, page_of, state, visible_app

bp = Blueprint("apps", __name__, url_prefix="/v1")

BOOLEAN_SETTINGS = ("force_https", "sticky_session", "router_logs")


def is_dry_run() -> bool:
    return request.headers.get("X-Dry-Run", "").lower() == "true"


def new_app(s, owner, fields: dict, parent=None):
    """Validate creation fields; an unsaved app, or abort with the API's error."""
    name = fields.get("name")
    problems = {}
    name_errors = catalog.app_name_errors(name, isinstance(name, str) and s.name_taken(name))
    if name_errors:
        problems["name"] = name_errors
    hds_resource = fields.get("hds_resource") or False
    if not isinstance(hds_resource, bool):
        problems["hds_resource"] = ["must be a boolean"]
    git_source = fields.get("git_source")
    if git_source is not None and not isinstance(git_source, str):
        problems["git_source"] = ["must be a string"]
    if problems:
        errors.abort(errors.unprocessable(problems))

    stack_id = fields.get("stack_id") or (parent.stack_id if parent else None)
    if stack_id is not None and stack_id not in catalog.STACKS:
        errors.abort(errors.not_found("stack"))
    project_id = fields.get("project_id") or (parent.project_id if parent else None)
    if project_id is not None and owner.project(project_id) is None:
        errors.abort(errors.not_found("project"))
    if owner.free_trial and s.owned_count(owner) >= 1:
        errors.abort(errors.free_trial_exceeded())
    return s.build_app(
        name,
        owner,
        project_id=project_id,
        stack_id=stack_id,
        parent=parent,
        git_source=git_source or None,
        hds_resource=hds_resource,
    )


def creation_fields() -> dict:
    """The fields of an app to create, wrapped under "app"; 422 without them."""
    body = json_body()
    fields = body.get("app") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        errors.abort(errors.unprocessable({"app": ["missing field"]}))
    return fields


def check_current_name(app, current_name) -> None:
    if current_name != app.name:
        errors.abort(errors.current_name_mismatch())


def created(s, app):
    if not is_dry_run():
        s.store_app(app)
    return json_response({"app": app_json(s, app, time.time())}, 201)


@bp.get("/apps")
def list_apps():
    s = state()
    now = time.time()
    with s.lock:
        return json_response({"apps": [app_json(s, a, now) for a in s.visible_apps(current_user())]})


@bp.post("/apps")
def create_app():
    fields = creation_fields()
    s = state()
    with s.lock:
        parent = None
        if fields.get("parent_id"):
            parent = visible_app(str(fields["parent_id"]))
        owner = s.owner_of(parent) if parent else current_user()
        return created(s, new_app(s, owner, fields, parent))


@bp.get("/apps/<ident>")
def show_app(ident):
    s = state()
    with s.lock:
        return json_response({"app": app_json(s, visible_app(ident), time.time())})


@bp.route("/apps/<ident>", methods=["PATCH", "PUT"])
def update_app(ident):
    body = json_object()
    # go-scalingo sends some settings unwrapped; Rails wraps them under "app".
    fields = body["app"] if isinstance(body.get("app"), dict) else body
    with locked_app(ident) as (s, app):
        current_name = request.args.get("current_name", body.get("current_name"))
        if current_name is not None:
            check_current_name(app, current_name)

        problems = {}
        for setting in BOOLEAN_SETTINGS:
            if setting in fields and not isinstance(fields[setting], bool):
                problems[setting] = ["must be a boolean"]
        if "project_id" in fields and not (isinstance(fields["project_id"], str) and fields["project_id"].strip()):
            problems["project_id"] = ["can't be blank"]
        new_owner_email = fields.get("owner")
        owner = s.owner_of(app)
        if "owner" in fields and not (new_owner_email == owner.email or new_owner_email in app.collaborators):
            problems["owner"] = ["must be a collaborator of the app"]
        if problems:
            return errors.unprocessable(problems)

        if "stack_id" in fields and fields["stack_id"] not in catalog.STACKS:
            return errors.not_found("stack")
        new_owner = owner
        if "owner" in fields and new_owner_email != owner.email:
            new_owner = s.user_for_collaborator(new_owner_email)
        # A transfer and a project change may come in one request: either owner's project is fine.
        if "project_id" in fields and not (
            owner.project(fields["project_id"]) or new_owner.project(fields["project_id"])
        ):
            return errors.not_found("project")

        settings = {key: fields[key] for key in (*BOOLEAN_SETTINGS, "stack_id", "project_id") if key in fields}
        s.update_app(app, settings, new_owner)
        return json_response({"app": app_json(s, app, time.time())})


@bp.delete("/apps/<ident>")
def delete_app(ident):
    with locked_app(ident) as (s, app):
        check_current_name(app, request.args.get("current_name"))
        s.delete_app(app)
        return no_content()


@bp.post("/apps/<ident>/rename")
def rename_app(ident):
    body = json_object()
    with locked_app(ident) as (s, app):
        check_current_name(app, body.get("current_name"))
        new_name = body.get("new_name")
        taken = isinstance(new_name, str) and s.name_taken(new_name, exclude_id=app.id)
        name_errors = catalog.app_name_errors(new_name, taken)
        if name_errors:
            return errors.unprocessable({"name": name_errors})
        s.rename_app(app, new_name)
        return json_response({"app": app_json(s, app, time.time())})


@bp.post("/apps/<ident>/child_apps")
def create_child_app(ident):
    fields = creation_fields()
    with locked_app(ident) as (s, parent):
        return created(s, new_app(s, s.owner_of(parent), fields, parent))


@bp.get("/apps/<ident>/child_apps")
def list_child_apps(ident):
    now = time.time()
    with locked_app(ident) as (s, parent):
        children, meta = page_of(s.children(parent))
        return json_response({"child_apps": [app_json(s, a, now) for a in children], "meta": meta})
