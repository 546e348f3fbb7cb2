"""Addons: the public catalogue (providers, plans, categories), an app's addons (list, show,
provision, change plan, delete), and — in its own blueprint — the variables they inject."""

import time

from flask import Blueprint, request

from . import catalog, errors
from .render import addon_json
from .responses import json_response, no_content
from .web import json_object, locked_app, state, visible_app

bp = Blueprint("addons", __name__, url_prefix="/v1")

PROVISIONING_MESSAGE = "Database is being provisioned"
PLAN_CHANGE_MESSAGE = "Database plan is being changed"


# ------------------------------------------------------------- catalogue (public)
@bp.get("/addon_providers")
def providers():
    category = request.args.get("category_id")
    return json_response(
        {
            "addon_providers": [
                entry["provider"]
                for entry in catalog.ADDON_PROVIDERS.values()
                if category in (None, entry["provider"]["category"]["id"])
            ]
        }
    )


@bp.get("/addon_providers/<provider_id>/plans")
def provider_plans(provider_id):
    entry = catalog.ADDON_PROVIDERS.get(provider_id)
    if entry is None:
        return errors.not_found("addon_provider")
    return json_response({"plans": entry["provider"]["plans"]})


@bp.get("/addon_categories")
def categories():
    return json_response({"addon_categories": [catalog.ADDON_CATEGORY]})


# ------------------------------------------------------------------ an app's addons
def app_addon(app, addon_id):
    return errors.found(state().find_addon(app, addon_id), "addon")


def wanted_plan(fields: dict, provider_id: str | None):
    """The catalogue plan `plan_id` names (of `provider_id` when given), or abort with the API's error."""
    plan_id = fields.get("plan_id")
    if not plan_id:
        errors.abort(errors.plan_id_required())
    found = catalog.ADDON_PLANS.get(plan_id) if isinstance(plan_id, str) else None
    if found is None or provider_id not in (None, found[0]):
        errors.abort(errors.not_found("plan"))
    return found


def check_payment(app, plan: dict) -> None:
    """The app's owner pays for its addons: a paid plan needs a payment method."""
    if plan["price"] > 0 and not state().owner_of(app).payment_method:
        errors.abort(errors.payment_required())


@bp.get("/apps/<ident>/addons")
def list_addons(ident):
    s = state()
    now = time.time()
    with s.lock:
        return json_response({"addons": [addon_json(a, now) for a in visible_app(ident).addons]})


@bp.get("/apps/<ident>/addons/<addon_id>")
def show_addon(ident, addon_id):
    s = state()
    with s.lock:
        return json_response({"addon": addon_json(app_addon(visible_app(ident), addon_id), time.time())})


@bp.post("/apps/<ident>/addons")
def provision_addon(ident):
    body = json_object()
    fields = body["addon"] if isinstance(body.get("addon"), dict) else {}
    with locked_app(ident) as (s, app):
        provider_id = fields.get("addon_provider_id")
        if not provider_id:
            # The documented error comes first when both are missing.
            wanted_plan(fields, None)
            return errors.addon_provider_required()
        if provider_id not in catalog.ADDON_PROVIDERS:
            return errors.not_found("addon_provider")
        _, plan = wanted_plan(fields, provider_id)
        check_payment(app, plan)
        addon = s.add_addon(app, provider_id, plan["id"])
        answer = dict(addon_json(addon, time.time()), message=PROVISIONING_MESSAGE, variables=None)
        return json_response({"addon": answer, "message": PROVISIONING_MESSAGE}, 201)


@bp.route("/apps/<ident>/addons/<addon_id>", methods=["PATCH", "PUT"])
def change_plan(ident, addon_id):
    body = json_object()
    fields = body["addon"] if isinstance(body.get("addon"), dict) else {}
    with locked_app(ident) as (s, app):
        addon = app_addon(app, addon_id)
        _, plan = wanted_plan(fields, addon.provider_id)
        if addon.status(time.time()) == "suspended":
            return errors.addon_suspended()
        check_payment(app, plan)
        s.change_addon_plan(addon, plan["id"])
        answer = dict(addon_json(addon, time.time()), message=PLAN_CHANGE_MESSAGE)
        return json_response({"addon": answer, "variables": None, "message": PLAN_CHANGE_MESSAGE})


@bp.delete("/apps/<ident>/addons/<addon_id>")
def delete_addon(ident, addon_id):
    with locked_app(ident) as (s, app):
        s.remove_addon(app, app_addon(app, addon_id))
        return no_content()
