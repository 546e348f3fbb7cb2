"""Admin API under /_sim/: drive the simulator from tests. No auth, not logged."""

import re
import time

from flask import Blueprint, request

from . import catalog, errors
from .middleware import LOCATION_FIELDS, LOCATION_PLACEHOLDER
from .render import (
    addon_admin_json,
    app_json,
    attach_run_json,
    collaborator_json,
    domain_json,
    one_off_admin_json,
    projects_json,
    source_urls,
    user_admin_json,
)
from .responses import json_response
from .state import DEPLOYMENT_OUTCOMES, LETSENCRYPT_STATUSES, ContainerType, State, top_level
from .web import attach_listener, base_url, json_object, state, trap

bp = Blueprint("admin", __name__, url_prefix="/_sim")

ATTACH_BASE = re.compile(r"https?://[A-Za-z0-9.\[\]:-]+")
FAULT_ACTIONS = (
    "status",
    "delay",
    "drop",
    "drop_after_write",
    "truncate_after_write",
    "location",
    "echo_headers",
    "echo_body",
    "busy",
)
ECHO_ACTIONS = ("echo_headers", "echo_body")
ECHO_FORMS = ("json", "text")
BUSY_WORDS = ("scaling", "restarting")
OUTCOMES = ("done", "error", "never")


def bad_request(text: str):
    return errors.error(400, text)


def admin_app(ident: str):
    return errors.found(state().find_app(ident), "app")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# ------------------------------------------------------------------ state
@bp.post("/reset")
def reset():
    state().reset()
    return json_response({"reset": True})


CONFIG_CHECKS = {
    "operation_duration": (lambda v: is_number(v) and v >= 0, "a number of seconds >= 0"),
    "bearer_ttl": (lambda v: is_number(v) and v > 0, "a number of seconds > 0"),
    "rate_limit": (lambda v: v is None or is_count(v), "null or an integer >= 1"),
    "rate_window": (lambda v: is_number(v) and v > 0, "a number of seconds > 0"),
    "pagination_style": (lambda v: v in ("rails", "go"), '"rails" or "go"'),
    "max_per_page": (is_count, "an integer >= 1"),
    "repeat_cursor": (lambda v: isinstance(v, bool), "true or false"),
    "addon_provisioning": (lambda v: is_number(v) and v >= 0, "a number of seconds >= 0"),
    "attach_base": (
        lambda v: v is None or (isinstance(v, str) and ATTACH_BASE.fullmatch(v) is not None),
        "null or a scheme://host[:port] without a path",
    ),
}


@bp.route("/config", methods=["GET", "POST"])
def config():
    s = state()
    if request.method == "POST":
        changes = json_object()
        for key, value in changes.items():
            if key not in CONFIG_CHECKS:
                return bad_request(f"unknown setting {key!r}")
            valid, expected = CONFIG_CHECKS[key]
            if not valid(value):
                return bad_request(f"{key} must be {expected}")
        return json_response(s.update_config(changes))
    return json_response(dict(s.config))


@bp.route("/trap", methods=["GET", "DELETE"])
def trap_log():
    s = state()
    listener = trap()
    if request.method == "DELETE":
        s.clear_trap_log()
    return json_response({"url": listener.url if listener else None, "requests": s.trap_requests()})


@bp.get("/runs")
def attach_runs():
    """The attached one-offs: commands, states, exit codes, uploads and the attach listener's requests."""
    s = state()
    listener = attach_listener()
    with s.lock:
        runs = [attach_run_json(run) for run in s.attach_runs.values()]
    return json_response({"url": listener.url if listener else None, "runs": runs})


@bp.route("/requests", methods=["GET", "DELETE"])
def requests_log():
    s = state()
    if request.method == "DELETE":
        s.clear_requests()
        return json_response({"requests": []})
    try:
        since = int(request.args.get("since", 0))
    except ValueError:
        return bad_request("since must be an integer")
    return json_response({"requests": s.requests_since(since)})


@bp.get("/requests/mark")
def requests_mark():
    """The last seq given: a later `GET /_sim/requests?since=<seq>` shows only what came after (a clear keeps seq)."""
    return json_response({"seq": state().last_seq()})


# ---------------------------------------------------------- users, auth
@bp.route("/users", methods=["GET", "POST"])
def users():
    s = state()
    if request.method == "GET":
        return json_response({"users": [user_admin_json(u) for u in s.users.values()]})
    body = json_object()
    email, username, token = body.get("email"), body.get("username"), body.get("token")
    if not (isinstance(email, str) and email and isinstance(username, str) and username):
        return bad_request("email and username are required")
    if token is not None and not (isinstance(token, str) and token):
        return bad_request("token must be a non-empty string")
    try:
        user = s.add_user(email, username, token, free_trial=bool(body.get("free_trial", False)))
    except ValueError as exc:
        return errors.error(409, str(exc))
    user.payment_method = bool(body.get("payment_method", True))
    return json_response({"user": user_admin_json(user)}, 201)


@bp.patch("/users/<email>")
def update_user(email):
    """Billing switches of an existing user: free_trial, payment_method."""
    body = json_object()
    switches = {key: body[key] for key in ("free_trial", "payment_method") if key in body}
    if not switches or not all(isinstance(v, bool) for v in switches.values()):
        return bad_request("give free_trial and/or payment_method, true or false")
    s = state()
    with s.lock:
        user = errors.found(s.user_by_email(email), "user")
        s.set_user_switches(user, switches)
        return json_response({"user": user_admin_json(user)})


@bp.get("/projects")
def projects():
    s = state()
    with s.lock:
        return json_response({"projects": projects_json(s.users.values())})


@bp.post("/bearers/revoke")
def revoke_bearers():
    return json_response({"revoked": state().revoke_bearers()})


# ------------------------------------------------------------------ apps
def formation_from(containers):
    """ContainerTypes from [{"name","amount","size"?}], or a text saying what is wrong."""
    if not isinstance(containers, list):
        return "containers must be a list"
    formation = []
    for item in containers:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            return "each container needs a name"
        amount = item.get("amount", 1)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            return f"container {item['name']}: amount must be an integer >= 0"
        size = item.get("size") or catalog.DEFAULT_SIZE
        if size not in catalog.CONTAINER_SIZES:
            return f"container {item['name']}: unknown size {size!r}"
        formation.append(ContainerType(item["name"], amount, size, item.get("command") or ""))
    return formation


@bp.post("/apps/<ident>/deploy")
def deploy(ident):
    body = json_object()
    s = state()
    with s.lock:
        app = admin_app(ident)
        if "containers" in body:
            formation = formation_from(body["containers"])
            if isinstance(formation, str):
                return bad_request(formation)
        else:
            formation = app.formation
        s.deploy(app, formation)
        return json_response({"app": app_json(s, app, time.time())})


@bp.post("/apps/<ident>/collaborators")
def add_collaborator(ident):
    """An accepted collaborator at once (a full one unless `is_limited: true`); accepts a pending invitation."""
    body = json_object()
    email, is_limited = body.get("email"), body.get("is_limited", False)
    if not isinstance(email, str) or "@" not in email:
        return bad_request("email is required")
    if not isinstance(is_limited, bool):
        return bad_request("is_limited must be true or false")
    s = state()
    with s.lock:
        app = admin_app(ident)
        s.add_collaborator(app, email, is_limited if "is_limited" in body else None)
        return json_response({"collaborators": list(app.collaborators)}, 201)


@bp.post("/apps/<ident>/collaborators/<email>/accept")
def accept_invitation(ident, email):
    """The invitee follows the invitation link: the invitation becomes an accepted collaborator."""
    s = state()
    with s.lock:
        app = admin_app(ident)
        member = errors.found(
            next((m for m in s.collaborator_records(app) if m.email == email.lower()), None), "collaborator"
        )
        s.accept_invitation(app, member)
        return json_response({"collaborator": collaborator_json(s, app, member)})


def bulk_names(body: dict):
    if "names" in body:
        names = body["names"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return "names must be a list of strings"
        return names
    prefix, count = body.get("prefix"), body.get("count")
    if not isinstance(prefix, str) or not is_count(count):
        return 'give "names", or "prefix" and "count"'
    width = len(str(count))  # zero-padded, so names sort in creation order
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


def bulk_create(s: State, body: dict, parent=None):
    names = bulk_names(body)
    if isinstance(names, str):
        return bad_request(names)
    formation = None
    if "deploy" in body:
        formation = formation_from(body["deploy"])
        if isinstance(formation, str):
            return bad_request(formation)
    with s.lock:
        if parent is not None:
            owner = s.owner_of(parent)
        elif body.get("owner"):
            owner = errors.found(s.user_by_email(body["owner"]), "user")
        else:
            owner = s.users[s.default_user_id]
        problems, seen = {}, set()
        for name in names:
            name_errors = catalog.app_name_errors(name, s.name_taken(name) or name in seen)
            if name_errors:
                problems[name] = name_errors
            seen.add(name)
        if problems:
            return errors.unprocessable(problems)
        created = []
        for name in names:
            app = s.store_app(
                s.build_app(
                    name,
                    owner,
                    parent=parent,
                    stack_id=parent.stack_id if parent else None,
                    project_id=parent.project_id if parent else None,
                )
            )
            if formation is not None:
                s.deploy(app, [ContainerType(c.name, c.amount, c.size, c.command) for c in formation])
            created.append(app)
        now = time.time()
        return json_response({"apps": [app_json(s, a, now) for a in created]}, 201)


@bp.post("/apps")
def bulk_apps():
    return bulk_create(state(), json_object())


@bp.post("/apps/<ident>/child_apps")
def bulk_child_apps(ident):
    s = state()
    return bulk_create(s, json_object(), parent=admin_app(ident))


@bp.post("/apps/<ident>/logs_archives")
def seed_archives(ident):
    count = json_object().get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return bad_request("count must be an integer >= 0")
    s = state()
    with s.lock:
        app = admin_app(ident)
        s.seed_archives(app, count)
        return json_response({"archives": len(app.archives)})


@bp.post("/apps/<ident>/status")
def force_status(ident):
    status = json_object().get("status")
    if status is not None and status not in catalog.APP_STATUSES:
        return bad_request(f"status must be null or one of {', '.join(catalog.APP_STATUSES)}")
    s = state()
    with s.lock:
        app = admin_app(ident)
        s.force_status(app, status)
        return json_response({"app": app_json(s, app, time.time())})


@bp.delete("/apps/<ident>/one_offs")
def clear_one_offs(ident):
    s = state()
    with s.lock:
        return json_response({"removed": s.clear_one_offs(admin_app(ident))})


@bp.get("/attach/<one_off_id>")
def attach(one_off_id):
    s = state()
    with s.lock:
        one_off = errors.found(s.one_offs.get(one_off_id), "container")
        return json_response({"container": one_off_admin_json(one_off)})


# ------------------------------------------------------- operations, faults
@bp.post("/next_operation")
def next_operation():
    body = json_object()
    duration, outcome, error = body.get("duration"), body.get("outcome", "done"), body.get("error")
    if duration is not None and not (is_number(duration) and duration >= 0):
        return bad_request("duration must be a number of seconds >= 0")
    if outcome not in OUTCOMES:
        return bad_request(f"outcome must be one of {', '.join(OUTCOMES)}")
    if error is not None and not isinstance(error, str):
        return bad_request("error must be a string")
    return json_response({"next_operation": state().set_next_operation(duration, outcome, error)})


def fault_from(body: dict):
    """A normalized fault, or a text saying what is wrong."""
    method = body.get("method", "*")
    path = body.get("path")
    count = body.get("count", 1)
    if not isinstance(method, str) or not isinstance(path, str) or not path:
        return "method and path are required strings"
    if not is_count(count):
        return "count must be an integer >= 1"
    actions = [a for a in FAULT_ACTIONS if body.get(a) not in (None, False)]
    if len(actions) != 1:
        return f"give exactly one of {', '.join(FAULT_ACTIONS)}"
    fault = {"method": method.upper(), "path": path, "count": count}
    action = actions[0]
    if "json" in body and action != "status":
        return "json goes with a status fault"
    if body.get("echo_as") is not None and action not in ECHO_ACTIONS:
        return "echo_as goes with an echo_headers or echo_body fault"
    if action == "status":
        status = body["status"]
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            return "status must be an HTTP status code"
        if body.get("body") is not None and not isinstance(body["body"], (str, dict, list)):
            return "body must be a string or a JSON object"
        if "json" in body and body.get("body") is not None:
            return "give body or json, not both"
        if body.get("headers") is not None and not isinstance(body["headers"], dict):
            return "headers must be an object"
        fault.update({k: body[k] for k in ("status", "body", "content_type", "headers") if body.get(k) is not None})
        if "json" in body:  # any JSON value, null included
            fault["json"] = body["json"]
    elif action == "delay":
        if not (is_number(body["delay"]) and body["delay"] >= 0):
            return "delay must be a number of seconds >= 0"
        fault["delay"] = body["delay"]
    elif action == "location":
        problem = location_problem(body["location"])
        if problem:
            return problem
        fault["location"] = body["location"]
    elif action in ECHO_ACTIONS:
        status = body[action]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            return f"{action} must be the HTTP error status to answer with (400 to 599)"
        echo_as = body.get("echo_as", "json" if action == "echo_headers" else "text")
        if echo_as not in ECHO_FORMS:
            return f"echo_as must be one of {', '.join(ECHO_FORMS)}"
        fault.update({action: status, "echo_as": echo_as})
    elif action == "busy":
        if body["busy"] not in BUSY_WORDS:
            return f"busy must be one of {', '.join(BUSY_WORDS)}: the operation the refusal names"
        fault["busy"] = body["busy"]
    else:
        fault[action] = True
    return fault


def location_problem(template) -> str | None:
    if not isinstance(template, str) or not template:
        return "location must be a non-empty string"
    unknown = [name for name in LOCATION_PLACEHOLDER.findall(template) if name not in LOCATION_FIELDS]
    if unknown:
        return f"location: unknown placeholder {{{unknown[0]}}}; use {{trap}}, {{path}} or {{port}}"
    if "{trap}" in template and trap() is None:
        return "location uses {trap} but this simulator has no trap listener"
    return None


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    s = state()
    with s.lock:
        if request.method == "POST":
            body = json_object()
            fresh = body.pop("fresh", False)
            fault = fault_from(body)
            if isinstance(fault, str):
                return bad_request(fault)
            if fresh:  # a test scenario's start: no earlier faults, an empty request log
                s.clear_faults()
                s.clear_requests()
            s.add_fault(fault)
            return json_response({"fault": fault, "faults": list(s.faults)}, 201)
        if request.method == "DELETE":
            s.clear_faults()
        return json_response({"faults": [dict(f) for f in s.faults]})


# ---------------------------------------------------------------- addons
@bp.post("/apps/<ident>/addons")
def seed_addon(ident):
    """An addon at once (running unless `provisioning` seconds are given), e.g. a second one of a provider."""
    body = json_object()
    provider_id, plan_name = body.get("addon_provider_id"), body.get("plan")
    entry = catalog.ADDON_PROVIDERS.get(provider_id) if isinstance(provider_id, str) else None
    if entry is None:
        return bad_request(f"addon_provider_id must be one of {', '.join(catalog.ADDON_PROVIDERS)}")
    plan = next((p for p in entry["provider"]["plans"] if plan_name in (p["name"], p["id"])), None)
    if plan is None:
        return bad_request(f"plan must be a plan name or id of {provider_id}")
    delay = body.get("provisioning", 0)
    if not (is_number(delay) and delay >= 0):
        return bad_request("provisioning must be a number of seconds >= 0")
    s = state()
    with s.lock:
        addon = s.add_addon(admin_app(ident), provider_id, plan["id"], ready_in=delay)
        return json_response({"addon": addon_admin_json(addon, time.time())}, 201)


@bp.post("/apps/<ident>/addons/<addon_id>/status")
def force_addon_status(ident, addon_id):
    """Force an addon's status (`suspended`, ...); null gives it back to the clock."""
    status = json_object().get("status")
    if status is not None and status not in catalog.ADDON_STATUSES:
        return bad_request(f"status must be null or one of {', '.join(catalog.ADDON_STATUSES)}")
    s = state()
    with s.lock:
        addon = errors.found(s.find_addon(admin_app(ident), addon_id), "addon")
        s.force_addon_status(addon, status)
        return json_response({"addon": addon_admin_json(addon, time.time())})


# ------------------------------------------------------------ deployments
@bp.post("/next_deployment")
def next_deployment():
    body = json_object()
    duration, queued, outcome = body.get("duration"), body.get("queued", 0), body.get("outcome", "success")
    if duration is not None and not (is_number(duration) and duration >= 0):
        return bad_request("duration must be a number of seconds >= 0")
    if not (is_number(queued) and queued >= 0):
        return bad_request("queued must be a number of seconds >= 0")
    if outcome not in DEPLOYMENT_OUTCOMES:
        return bad_request(f"outcome must be one of {', '.join(DEPLOYMENT_OUTCOMES)}")
    formation = None
    if body.get("formation") is not None:
        formation = formation_from(body["formation"])
        if isinstance(formation, str):
            return bad_request(formation)
    state().set_next_deployment(duration, queued, outcome, formation)
    return json_response({"next_deployment": {"duration": duration, "queued": queued, "outcome": outcome}})


@bp.post("/sources")
def add_source():
    """A source whose archive holds `files` ({member path: text}), as if uploaded: its URLs carry tokens."""
    files = json_object().get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return bad_request("files must be an object of member paths to text contents")
    s = state()
    with s.lock:
        source = s.add_source(files)
        return json_response({"source": dict(source_urls(source, base_url()), id=source.id)}, 201)


@bp.get("/apps/<ident>/deployments/<deployment_id>/archive")
def deployment_archive(ident, deployment_id):
    """The member names of the archive a deployment was built from, and its top-level entries."""
    s = state()
    with s.lock:
        deployment = errors.found(s.find_deployment(admin_app(ident), deployment_id), "deployment")
        tops, one_folder = top_level(deployment.members)
        return json_response(
            {"members": deployment.members, "top_level": tops, "one_folder": one_folder, "problem": deployment.problem}
        )


# ---------------------------------------------------------------- domains
@bp.post("/apps/<ident>/domains/<domain>/letsencrypt")
def letsencrypt_status(ident, domain):
    """Move a domain's Let's Encrypt status on (`<domain>` is its name or id), as Scalingo's workers would."""
    body = json_object()
    status = body.get("status")
    if status not in LETSENCRYPT_STATUSES:
        return bad_request(f"status must be one of {', '.join(LETSENCRYPT_STATUSES)}")
    s = state()
    with s.lock:
        app = admin_app(ident)
        found = errors.found(s.find_domain(app, domain, by=("id", "name")), "domain")
        s.set_letsencrypt(found, status, body.get("error"))
        return json_response({"domain": domain_json(found)})
