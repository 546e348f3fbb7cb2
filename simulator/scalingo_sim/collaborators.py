"""Collaborators: list, invite, change the role (is_limited), remove."""

import re

from flask import Blueprint

from . import errors
from .responses import json_response, no_content
from .web import current_user, json_body, state, visible_app

bp = Blueprint("collaborators", __name__, url_prefix="/v1")

INVITATION_URL = "https://my.scalingo.com/apps/collaboration?token="
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def collaborator_json(s, app, member) -> dict:
    """Scalingo's shape: a pending one has no user yet; an accepted one's link has an empty token."""
    user = None
    if member.status == "accepted":
        user = next((u for u in s.users.values() if u.email.lower() == member.email), None)
    return {
        "id": member.id,
        "email": member.email,
        "user_id": user.id if user else None,
        "username": user.username if user else ("n/a" if member.status == "pending" else member.email.split("@")[0]),
        "tfa_status": None if member.status == "pending" else False,
        "status": member.status,
        "is_limited": member.is_limited,
        "invitation_link": INVITATION_URL + member.token,
        "app_id": app.id,
        "app_name": app.name,
    }


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
    s = state()
    with s.lock:
        app = visible_app(ident)
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
    member = s.find_collaborator(app, collaborator_id)
    if member is None:
        errors.abort(errors.not_found("collaborator"))
    return member


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
