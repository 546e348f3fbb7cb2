"""Endpoints of Scalingo's auth service, served by the same simulator."""

from flask import Blueprint, g

from . import bearer, catalog, errors
from .db_api import database_url
from .render import user_json
from .responses import json_response
from .web import base_url, current_user, state

bp = Blueprint("auth", __name__, url_prefix="/v1")


@bp.post("/tokens/exchange")
def exchange():
    # The middleware resolved the Basic credentials (empty user, API token as password).
    user = g.get("basic_user")
    if user is None:
        return errors.invalid_credentials()
    s = state()
    token, payload = bearer.issue(s.secret, user.id, s.config["bearer_ttl"])
    s.register_bearer(payload["rnd"])
    return json_response({"token": token})


@bp.get("/regions")
def regions():
    return json_response({"regions": catalog.regions(base_url(), database_url() or base_url())})


@bp.get("/users/self")
def users_self():
    return json_response({"user": user_json(current_user())})
