"""Collaborators: list, invite, change the role (is_limited), remove; accept an invitation."""

import re
import time

from flask import Blueprint, request

from . import errors
from .render import app_json, collaborator_json
from .responses import json_response, no_content
from .web import current_user, json_body, locked_app, state, visible_app

bp = Blueprint("collaborators", __name__, url_prefix="/v1")

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def managed_app(s, ident: str):
    """The app, when the current user may manage its collaborators (a limited collaborator may not)."""
    app = visible_app(ident)
    email = current_user().email.lower()
    if any(m.email == email and m.is_limited for m in s.collaborator_records(app)):
        errors.abort(errors.limited_collaborator_forbidden())
    return app


def fields_of(body, root: str) -> dict:
    """The fields under `root`, or the body itself when it is not wrapped."""
    if not isinstance(body, dict):
        errors.abort(errors.missing_param(root))
    fields = body.get(root, body)
    if not isinstance(fields, dict):
        errors.abort(errors.missing_param(root))
    return fields


def limited_of(fields: dict, default):
    value = fields.get("is_limited", default)
    if not isinstance(value, bool):
        errors.abort(errors.collaborator_limited_not_boolean())
    return value


@bp.get("/apps/<ident>/collaborators")
def list_collaborators(ident):
    with locked_app(ident) as (s, app):
        return json_response({"collaborators": [collaborator_json(s, app, m) for m in s.collaborator_records(app)]})


@bp.post("/apps/<ident>/collaborators")
def invite(ident):
    fields = fields_of(json_body(), "collaborator")
    s = state()
    with s.lock:
        app = managed_app(s, ident)
        email = fields.get("email")
        if not isinstance(email, str) or not email.strip():
            return errors.collaborator_email_blank()
        if not EMAIL.fullmatch(email):
            return errors.collaborator_email_invalid()
        # Without is_limited, the invitee becomes a Limited Collaborator.
        is_limited = limited_of(fields, True)
        if email.lower() == s.owner_of(app).email.lower():
            return errors.collaborator_is_owner()
        if any(m.email == email.lower() for m in s.collaborator_records(app)):
            return errors.collaborator_taken()
        return json_response({"collaborator": collaborator_json(s, app, s.invite(app, email, is_limited))}, 201)


def found(s, app, collaborator_id: str):
    return errors.found(s.find_collaborator(app, collaborator_id), "collaborator")


@bp.route("/apps/<ident>/collaborators/<collaborator_id>", methods=["PATCH", "PUT"])
def update(ident, collaborator_id):
    fields = fields_of(json_body(), "collaborator")
    s = state()
    with s.lock:
        app = managed_app(s, ident)
        member = found(s, app, collaborator_id)
        member.is_limited = limited_of(fields, member.is_limited)
        return json_response({"collaborator": collaborator_json(s, app, member)})


@bp.delete("/apps/<ident>/collaborators/<collaborator_id>")
def remove(ident, collaborator_id):
    s = state()
    with s.lock:
        app = managed_app(s, ident)
        s.remove_collaborator(app, found(s, app, collaborator_id))
        return no_content()


@bp.get("/apps/collaboration")
def accept_invitation():
    """The bearer's user follows an invitation link (GET /v1/apps/collaboration?token=...) and joins the app.

    A static route: it wins over /apps/<ident>, so an app named "collaboration" is not shown here (as in Rails).
    """
    s = state()
    with s.lock:
        found = s.invitation(request.args.get("token", ""))
        if found is None:
            return errors.not_found("collaborator")
        app, member = found
        email = current_user().email.lower()
        if email == s.owner_of(app).email.lower() or email in (e.lower() for e in app.collaborators):
            return errors.already_collaborator(member.email)
        s.accept_invitation(app, member, current_user())
        return json_response({"app": app_json(s, app, time.time())})
