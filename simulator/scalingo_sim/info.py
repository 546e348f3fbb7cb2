"""Read-only views: container sizes, logs URL and stream, logs archives,
real-time stats and metric series. Numbers are fake but deterministic."""

import math
import time

from flask import Blueprint, request

from . import catalog, errors
from .render import app_json, archive_json, container_stats_json, metric_point_json, running_containers
from .responses import json_response, no_content, text_response
from .web import base_url, locked_app, state, visible_app

bp = Blueprint("info", __name__, url_prefix="/v1")
logs_bp = Blueprint("logs", __name__)

ARCHIVES_PER_PAGE = 10
REPEATED_CURSOR = str(ARCHIVES_PER_PAGE)  # what the repeat_cursor setting always answers
SERIES_METRICS = ("cpu", "memory", "swap", "router")
CONTAINER_METRICS = ("cpu", "memory", "swap")
RECOMMENDED = {
    "cpu": 0.9,
    "memory": 0.8,
    "swap": 0.1,
    "5XX": 1,
    "all": 600,
    "rpm_per_container": 300,
    "p95_response_time": 250,
}
MAX_SINCE_HOURS = 72


@bp.get("/features/container_sizes")
def container_sizes():
    return json_response({"container_sizes": list(catalog.CONTAINER_SIZES.values())})


@bp.get("/apps/<ident>/logs")
def logs_url(ident):
    with locked_app(ident) as (s, app):
        token = s.new_logs_token(app)
        return json_response(
            {
                "app": app_json(s, app, time.time()),
                "logs_url": f"{base_url()}/_logs/apps/{app.id}/logs?token={token}",
            }
        )


@logs_bp.get("/_logs/apps/<app_id>/logs")
def logs_stream(app_id):
    s = state()
    with s.lock:
        app = s.apps.get(app_id)
        if app is None or s.logs_tokens.get(request.args.get("token", "")) != app_id:
            return errors.unauthorized()
        if not app.deployed:
            return no_content()  # the API's "nothing logged yet"
        lines = fake_log_lines(app)
    try:
        wanted = int(request.args.get("n", len(lines)))
    except ValueError:
        wanted = len(lines)
    return text_response("".join(line + "\r\n" for line in lines[-wanted:] if wanted > 0))


def fake_log_lines(app) -> list[str]:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000000 +0000 UTC", time.gmtime(app.last_deployed_at))
    lines = [f"{stamp} [manager] deployment {app.last_deployment_id} of {app.name} started"]
    for label, _, container in running_containers(app):
        lines.append(f"{stamp} [manager] container [{label}] ({container.size}) has started")
        lines.append(f"{stamp} [{label}] Listening on port 5000")
    lines.append(f'{stamp} [router] GET / status=200 host="{app.name}.{catalog.REGION}.scalingo.io" duration=0.012s')
    return lines


@bp.get("/apps/<ident>/logs_archives")
def logs_archives(ident):
    s = state()
    with s.lock:
        archives = list(visible_app(ident).archives)
        repeat = s.config["repeat_cursor"]
    cursor = request.args.get("cursor", "")
    valid = cursor == "" or (cursor.isdigit() and int(cursor) <= len(archives))
    if not valid and not repeat:
        return errors.error(400, "invalid cursor")
    offset = int(cursor) if valid and cursor else 0
    page = archives[offset : offset + ARCHIVES_PER_PAGE]
    if repeat:
        # A cursor that never moves on: whatever was asked, there is more, at the same cursor.
        has_more, next_cursor = True, REPEATED_CURSOR
    else:
        has_more = offset + ARCHIVES_PER_PAGE < len(archives)
        next_cursor = str(offset + ARCHIVES_PER_PAGE) if has_more else ""
    return json_response(
        {
            "next_cursor": next_cursor,
            "has_more": has_more,
            "archives": [archive_json(a) for a in page],
        }
    )


@bp.get("/apps/<ident>/stats")
def stats(ident):
    s = state()
    with s.lock:
        containers = running_containers(visible_app(ident))
    return json_response({"stats": [container_stats_json(label, container) for label, _, container in containers]})


def since_hours() -> int:
    try:
        hours = int(request.args.get("since", 1))
    except ValueError:
        hours = 1
    return min(max(hours, 1), MAX_SINCE_HOURS)


def point_value(metric: str, i: int, memory: int) -> float:
    wave = math.sin(i / 7.0)
    if metric == "cpu":
        return round(5.0 + 3.0 * wave, 3)
    if metric == "memory":
        return float(int(memory * (0.4 + 0.05 * wave)))
    if metric == "swap":
        return float(int(memory * 0.01 * (1 + wave)))
    return float(int(120 + 40 * wave))


@bp.get("/apps/<ident>/stats/<metric>", defaults={"container_type": None, "index": None})
@bp.get("/apps/<ident>/stats/<metric>/<container_type>", defaults={"index": None})
@bp.get("/apps/<ident>/stats/<metric>/<container_type>/<index>")
def metric_series(ident, metric, container_type, index):
    with locked_app(ident) as (_, app):
        if metric not in SERIES_METRICS:
            return errors.error(400, "invalid metric")
        memory = catalog.CONTAINER_SIZES[catalog.DEFAULT_SIZE]["memory"]
        if metric in CONTAINER_METRICS:
            if not container_type:
                return errors.container_not_defined()
            container = app.container_type(container_type)
            if container is None:
                return errors.not_found("container_type")
            memory = catalog.CONTAINER_SIZES[container.size]["memory"]
        if not app.deployed or (metric == "router" and request.args.get("status_code", "").upper() == "1XX"):
            return errors.no_metrics()
    count = since_hours() * 60
    end = int(time.time()) // 60 * 60
    points = [
        metric_point_json(end - (count - 1 - i) * 60, None if i == 0 else point_value(metric, i, memory))
        for i in range(count)
    ]
    return json_response(points)


@bp.get("/apps/<ident>/stats/<metric>/recommended_value")
def recommended_value(ident, metric):
    with locked_app(ident) as (_, app):
        if metric not in RECOMMENDED:
            return errors.error(400, "invalid metric")
        container_type = request.args.get("container_type")
        if metric in CONTAINER_METRICS and not container_type:
            return errors.container_not_defined()
        if container_type and app.container_type(container_type) is None:
            return errors.not_found("container_type")
        if not app.deployed:
            return errors.no_metrics()
    midnight = int(time.time()) // 86400 * 86400
    return json_response(metric_point_json(midnight, RECOMMENDED[metric]))
