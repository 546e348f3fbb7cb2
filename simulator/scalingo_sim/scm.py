"""SCM integrations (the auth service's, per account) and an app's repo link (one per app, a singleton path)."""

import time
import uuid

from flask import Blueprint, Response

from . import errors
from .render import repo_link_json, scm_integration_json
from .responses import json_response, no_content
from .state import App
from .state.wiring import LINK_FLAGS, LINK_HOURS, RepoLink
from .web import current_user, state, visible_app, wrapped

bp = Blueprint("scm", __name__, url_prefix="/v1")

LINK_NOT_FOUND = "The scm_repo_link was not found"


@bp.get("/scm_integrations")
def list_integrations() -> Response:
    s = state()
    with s.lock:
        found = s.wiring.integrations_of(current_user().id)
        return json_response({"scm_integrations": [scm_integration_json(s, i) for i in found]})


@bp.get("/scm_integrations/<integration_id>")
def show_integration(integration_id: str) -> Response:
    s = state()
    with s.lock:
        integration = s.wiring.integrations.get(integration_id)
        if integration is None or integration.owner_id != current_user().id:
            return errors.not_found("scm_integration")
        return json_response({"scm_integration": scm_integration_json(s, integration)})


def the_link(app: App) -> RepoLink:
    link = state().wiring.links.get(app.id)
    if link is None:
        errors.abort(errors.error(404, LINK_NOT_FOUND))
    return link


def settings_problems(fields: dict) -> dict:
    problems = {key: ["must be a boolean"] for key in LINK_FLAGS if key in fields and not isinstance(fields[key], bool)}
    for key in LINK_HOURS:
        value = fields.get(key)
        if key in fields and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems[key] = ["must be an integer greater than or equal to 0"]
    if "branch" in fields and not isinstance(fields["branch"], str):
        problems["branch"] = ["must be a string"]
    return problems


def apply_settings(link: RepoLink, fields: dict) -> None:
    link.settings.update({key: fields[key] for key in (*LINK_FLAGS, *LINK_HOURS) if key in fields})
    if "branch" in fields:
        link.branch = fields["branch"]
    link.updated_at = time.time()


@bp.get("/apps/<ident>/scm_repo_link")
def show_link(ident: str) -> Response:
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"scm_repo_link": repo_link_json(s, app, the_link(app))})


@bp.post("/apps/<ident>/scm_repo_link")
def create_link(ident: str) -> Response:
    fields = wrapped("scm_repo_link")
    s = state()
    with s.lock:
        app = visible_app(ident)
        blank = {key: ["can't be blank"] for key in ("source", "auth_integration_uuid") if not fields.get(key)}
        if blank:
            return errors.unprocessable(blank)
        if app.id in s.wiring.links:
            return errors.unprocessable({"app": ["is already linked to a repository"]})
        integration = s.wiring.integrations.get(str(fields["auth_integration_uuid"]))
        if integration is None or integration.owner_id != current_user().id:
            return errors.not_found("scm_integration")
        repository = s.wiring.repository(integration, str(fields["source"]))
        if repository is None:
            return errors.unprocessable({"source": [f"is not a repository URL of {integration.url}"]})
        problems = settings_problems(fields)
        if problems:
            return errors.unprocessable(problems)
        now = time.time()
        link = RepoLink(str(uuid.uuid4()), app.id, integration, *repository, current_user().id, now, now)
        link.settings = dict.fromkeys(LINK_FLAGS, False) | dict.fromkeys(LINK_HOURS, 0)
        apply_settings(link, fields)
        s.wiring.links[app.id] = link
        s.wiring.record(app, "link_scm", current_user().id, {"repo_name": f"{link.owner}/{link.repo}"})
        return json_response({"scm_repo_link": repo_link_json(s, app, link)}, 201)


@bp.route("/apps/<ident>/scm_repo_link", methods=["PATCH", "PUT"])
def update_link(ident: str) -> Response:
    fields = wrapped("scm_repo_link")
    s = state()
    with s.lock:
        app = visible_app(ident)
        link = the_link(app)
        problems = settings_problems(fields)
        if problems:
            return errors.unprocessable(problems)
        apply_settings(link, fields)  # source and auth_integration_uuid can't change: ignored
        s.wiring.record(app, "update_scm", current_user().id, {})
        return json_response({"scm_repo_link": repo_link_json(s, app, link)})


@bp.delete("/apps/<ident>/scm_repo_link")
def delete_link(ident: str) -> Response:
    s = state()
    with s.lock:
        app = visible_app(ident)
        link = the_link(app)
        del s.wiring.links[app.id]
        s.wiring.record(app, "unlink_scm", current_user().id, {"repo_name": f"{link.owner}/{link.repo}"})
        return no_content()
