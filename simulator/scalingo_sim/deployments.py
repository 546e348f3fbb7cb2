"""Deployments from an archive, their output, and the sources (upload slots) archives go through.

A deployment moves with time (queued, building, pushing, starting, then its outcome) like an
operation; its archive is fetched at creation, and only from this simulator's own sources.
"""

import time
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, request

from . import catalog, errors
from .render import deployment_json, source_urls
from .responses import json_response, no_content, text_response
from .state import Deployment, archive_members, top_level
from .web import base_url, json_object, locked_app, page_of, state, visible_app

bp = Blueprint("deployments", __name__, url_prefix="/v1")
sources_bp = Blueprint("sources", __name__)

BOLD, CYAN, RED, RESET = "\x1b[1m", "\x1b[0;36m", "\x1b[1;31m", "\x1b[0m"
FAILURE_LINES = {
    "build-error": f"{RED} !     Build failed{RESET}",
    "aborted": f"{RED} !     Deployment aborted: the connection to the pusher was lost{RESET}",
    "crashed-error": f"{RED} !     Your application crashed when it started (see the logs){RESET}",
    "timeout-error": f"{RED} !     Your application has not started in 60 seconds (does it listen on $PORT?){RESET}",
    "hook-error": f"{RED} !     Postdeploy hook failed, the previous version keeps running{RESET}",
}
BUILD_STEPS = 24  # lines of build chatter, so that "the last lines" of an output mean something


def fetch(source_url: str) -> tuple[list[str], str | None]:
    """(archive members, problem): what the build finds at source_url. Only our own sources are reachable."""
    parts = urlsplit(source_url)
    shown = f"{parts.scheme}://{parts.netloc}"
    s = state()
    prefix = "/_sources/"
    token = (parse_qs(parts.query).get("token") or [""])[0]
    own = f"{parts.scheme}://{parts.netloc}" == base_url() and parts.path.startswith(prefix)
    source = s.source_for(parts.path[len(prefix) :], token, "download", time.time()) if own else None
    if source is None or source.archive is None:
        return [], f"could not fetch the source archive from {shown}"
    members = archive_members(source.archive)
    if members is None:
        return [], "the source archive is not a gzip-compressed tar archive"
    tops, one_folder = top_level(members)
    if not one_folder:
        return members, f"the archive must hold exactly one top-level folder, it holds: {', '.join(tops) or 'nothing'}"
    return members, None


def output_text(app, d: Deployment, now: float) -> str:
    """The build output so far: ANSI codes, as the real one."""
    status = d.status(now)
    lines = [f" {BOLD}<-- Start deployment of {app.name} -->{RESET}"]
    if status == "queued":
        return "\n".join([*lines, "       Waiting for a free deployment slot..."]) + "\n"
    lines.append("       Fetching source code")
    if d.problem:
        lines.append(f"{RED} !     {d.problem}{RESET}")
    else:
        lines += ["=====> Detected Framework: Static", "-----> Installing dependencies"]
        lines += [f"       Installing package-{i:02d}... done" for i in range(1, BUILD_STEPS + 1)]
    if status in ("building", "build-error") or d.problem:
        return "\n".join(lines + ([FAILURE_LINES["build-error"]] if status == "build-error" else [])) + "\n"
    lines += ["-----> Build succeeded!", f"{CYAN} Build complete, shipping your container...{RESET}"]
    if status in ("pushing", "aborted"):
        return "\n".join(lines + ([FAILURE_LINES["aborted"]] if status == "aborted" else [])) + "\n"
    lines.append(f"{CYAN} Waiting for your application to boot... {RESET}")
    if status in FAILURE_LINES:
        lines.append(FAILURE_LINES[status])
    elif status == "success":
        lines.append(f" {BOLD}<-- https://{app.name}.{catalog.REGION}.scalingo.io -->{RESET}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- routes
def app_deployment(app, deployment_id: str) -> Deployment:
    return errors.found(state().find_deployment(app, deployment_id), "deployment")


@bp.get("/apps/<ident>/deployments")
def list_deployments(ident):
    now = time.time()
    with locked_app(ident) as (s, app):
        chunk, meta = page_of(list(reversed(app.deployments)))
        return json_response(
            {"deployments": [deployment_json(s, app, d, now, base_url()) for d in chunk], "meta": meta}
        )


@bp.post("/apps/<ident>/deployments")
def create_deployment(ident):
    fields = json_object().get("deployment")
    fields = fields if isinstance(fields, dict) else {}
    source_url, git_ref = fields.get("source_url"), fields.get("git_ref")
    problems = {}
    if not isinstance(source_url, str) or not source_url.strip():
        problems["source_url"] = ["can't be blank"]
    if git_ref is not None and (not isinstance(git_ref, str) or git_ref.startswith("-")):
        problems["git_ref"] = ["is invalid: it cannot start with a dash"]
    with locked_app(ident) as (s, app):
        if problems:
            return errors.unprocessable(problems)
        members, problem = fetch(source_url)
        deployment = s.start_deployment(app, git_ref or None, members, problem)
        return json_response({"deployment": deployment_json(s, app, deployment, time.time(), base_url())}, 201)


@bp.get("/apps/<ident>/deployments/<deployment_id>")
def show_deployment(ident, deployment_id):
    with locked_app(ident) as (s, app):
        return json_response(
            {"deployment": deployment_json(s, app, app_deployment(app, deployment_id), time.time(), base_url())}
        )


@bp.get("/apps/<ident>/deployments/<deployment_id>/output")
def deployment_output(ident, deployment_id):
    with locked_app(ident) as (_, app):
        return text_response(output_text(app, app_deployment(app, deployment_id), time.time()))


@bp.delete("/apps/<ident>/caches/deployment")
def reset_cache(ident):
    with state().lock:
        visible_app(ident)
        return no_content()


@bp.post("/sources")
def create_source():
    source = state().new_source()
    return json_response({"source": source_urls(source, base_url())}, 201)


# ------------------------------------------- the object storage the source URLs point to
@sources_bp.route("/_sources/<source_id>", methods=["PUT", "GET"])
def source_object(source_id):
    """A pre-signed URL: the token in the query is the only credential; a bearer is ignored."""
    s = state()
    kind = "upload" if request.method == "PUT" else "download"
    with s.lock:
        source = s.source_for(source_id, request.args.get("token", ""), kind, time.time())
        if source is None:
            return errors.storage_error(403, "AccessDenied", "Request has expired or the signature does not match")
        if request.method == "PUT":
            source.archive = request.get_data()
            return text_response("", 200)
        if source.archive is None:
            return errors.storage_error(404, "NoSuchKey", "The specified key does not exist.")
        return text_response(source.archive, 200, content_type="application/x-gzip")
