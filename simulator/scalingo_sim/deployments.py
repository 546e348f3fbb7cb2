"""Deployments from an archive, their output, and the sources (upload slots) archives go through.

A deployment moves with time (queued, building, pushing, starting, then its outcome) like an
operation; its archive is fetched at creation, and only from this simulator's own sources.
"""

import io
import tarfile
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, request

from . import catalog, errors
from .render import iso, paginate, user_json
from .responses import json_response, no_content, text_response
from .state import Deployment
from .web import base_url, json_object, state, visible_app

bp = Blueprint("deployments", __name__, url_prefix="/v1")
sources_bp = Blueprint("sources", __name__)

DEFAULT_PER_PAGE = 20
BOLD, CYAN, RED, RESET = "\x1b[1m", "\x1b[0;36m", "\x1b[1;31m", "\x1b[0m"
FAILURE_LINES = {
    "build-error": f"{RED} !     Build failed{RESET}",
    "aborted": f"{RED} !     Deployment aborted: the connection to the pusher was lost{RESET}",
    "crashed-error": f"{RED} !     Your application crashed when it started (see the logs){RESET}",
    "timeout-error": f"{RED} !     Your application has not started in 60 seconds (does it listen on $PORT?){RESET}",
    "hook-error": f"{RED} !     Postdeploy hook failed, the previous version keeps running{RESET}",
}
BUILD_STEPS = 24  # lines of build chatter, so that "the last lines" of an output mean something


# --------------------------------------------------------------------- archives
def archive_members(data: bytes) -> list[str] | None:
    """Member names of a gzip-compressed tar archive, in order, or None when it is not one."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            return archive.getnames()
    except (tarfile.TarError, EOFError, OSError):
        return None


def top_level(members: list[str]) -> tuple[list[str], bool]:
    """(the top-level entries, whether they are one folder): Scalingo wants one folder at the top."""
    names = [m[2:] if m.startswith("./") else m for m in members]
    tops = sorted({name.split("/", 1)[0] for name in names if name not in ("", ".")})
    return tops, len(tops) == 1 and any(name.startswith(f"{tops[0]}/") for name in names)


def make_archive(files: dict[str, str]) -> bytes:
    """A .tar.gz holding exactly these members (path: text content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


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


# --------------------------------------------------------------------- rendering
def iso_finished(epoch: float) -> str:
    """finished_at is written with +00:00, unlike created_at (as the real API does)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def deployment_json(s, app, d: Deployment, now: float) -> dict:
    status = d.status(now)
    finished = status in ("success", *FAILURE_LINES)
    image = f"registry-1.{catalog.REGION}.scalingo.com/{app.name}:{(d.git_ref or 'archive')[:15]}-{d.id[:15]}"
    return {
        "id": d.id,
        "app_id": app.id,
        "created_at": iso(d.created_at),
        "finished_at": iso_finished(d.finished_at) if finished else None,
        "status": status,
        "git_ref": d.git_ref,
        "previous_git_ref": d.previous_git_ref,
        "type": "archive",
        "image": image if status not in ("queued", "building", "build-error") else None,
        "registry": f"registry-1.{catalog.REGION}.scalingo.com",
        "postdeploy_hook": None,
        "duration": round(d.duration) if finished else 0,
        "pusher": user_json(s.owner_of(app)),
        "links": {"output": f"{base_url()}/v1/apps/{app.id}/deployments/{d.id}/output"},
    }


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
    found = next((d for d in app.deployments if d.id == deployment_id), None)
    if found is None:
        errors.abort(errors.not_found("deployment"))
    return found


@bp.get("/apps/<ident>/deployments")
def list_deployments(ident):
    s = state()
    now = time.time()
    with s.lock:
        app = visible_app(ident)
        page, per_page = page_params(s.config["max_per_page"])
        newest_first = list(reversed(app.deployments))
        chunk, meta = paginate(newest_first, page, per_page, s.config["pagination_style"])
        return json_response({"deployments": [deployment_json(s, app, d, now) for d in chunk], "meta": meta})


def page_params(max_per_page: int) -> tuple[int, int]:
    def positive(name, default):
        try:
            value = int(request.args.get(name, default))
        except ValueError:
            return default
        return value if value >= 1 else default

    return positive("page", 1), min(positive("per_page", DEFAULT_PER_PAGE), max_per_page)


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
    s = state()
    with s.lock:
        app = visible_app(ident)
        if problems:
            return errors.unprocessable(problems)
        members, problem = fetch(source_url)
        deployment = s.start_deployment(app, git_ref or None, members, problem)
        return json_response({"deployment": deployment_json(s, app, deployment, time.time())}, 201)


@bp.get("/apps/<ident>/deployments/<deployment_id>")
def show_deployment(ident, deployment_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return json_response({"deployment": deployment_json(s, app, app_deployment(app, deployment_id), time.time())})


@bp.get("/apps/<ident>/deployments/<deployment_id>/output")
def deployment_output(ident, deployment_id):
    s = state()
    with s.lock:
        app = visible_app(ident)
        return text_response(output_text(app, app_deployment(app, deployment_id), time.time()))


@bp.delete("/apps/<ident>/caches/deployment")
def reset_cache(ident):
    with state().lock:
        visible_app(ident)
        return no_content()


@bp.post("/sources")
def create_source():
    source = state().new_source()
    return json_response({"source": source_urls(source)}, 201)


def source_urls(source) -> dict:
    base = f"{base_url()}/_sources/{source.id}"
    return {
        "upload_url": f"{base}?token={source.upload_token}",
        "download_url": f"{base}?token={source.download_token}",
    }


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
