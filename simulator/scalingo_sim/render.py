"""JSON shapes of the API's resources."""

import hashlib
import math
from datetime import UTC, datetime

from . import catalog


def iso(epoch: float | None) -> str | None:
    """ISO 8601 UTC with milliseconds and Z, as the Rails API answers."""
    if epoch is None:
        return None
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_seconds(epoch: float) -> str:
    """Go services' format, used by the metrics endpoints."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%a %b %d %H:%M:%S +0000 UTC %Y")


def stable_hex_id(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def user_json(user) -> dict:
    return {"username": user.username, "email": user.email, "id": user.id, "flags": {}}


def app_json(state, app, now: float) -> dict:
    owner = state.users[app.owner_id]
    project = state.find_project(app.project_id)
    url = f"https://{app.name}.{catalog.REGION}.scalingo.io"
    return {
        "id": app.id,
        "name": app.name,
        "uuid": app.uuid,
        "region": catalog.REGION,
        "parent_app_name": app.parent_name,
        "git_url": f"git@ssh.{catalog.REGION}.scalingo.com:{app.name}.git",
        "url": url,
        "base_url": url,
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
        "status": state.app_status(app, now),
        "owner": user_json(owner),
        "last_deployed_at": iso(app.last_deployed_at),
        "last_deployed_by": app.last_deployed_by,
        "last_deployment_id": app.last_deployment_id,
        "links": {"deployments_stream": f"wss://deployments.{catalog.REGION}.scalingo.com/apps/{app.name}"},
        "git_source": app.git_source,
        "flags": {},
        "limits": {},
        "force_https": app.force_https,
        "sticky_session": app.sticky_session,
        "router_logs": app.router_logs,
        "stack_id": app.stack_id,
        "project": {"id": project.id, "name": project.name} if project else None,
        "hds_resource": app.hds_resource,
        "private_networks_ids": [],
        "data_access_consent": None,
    }


def container_type_json(app, container) -> dict:
    return {
        "name": container.name,
        "command": container.command,
        "amount": container.amount,
        "size": container.size,
        "app_id": app.id,
    }


def formation_json(app) -> dict:
    return {"containers": [container_type_json(app, c) for c in app.formation]}


def operation_json(op, now: float, attach_url: str | None = None) -> dict:
    status = op.status(now)
    body = {"id": op.id, "app_id": op.app_id, "created_at": iso(op.created_at)}
    if status in ("done", "error"):
        body["finished_at"] = iso(op.finished_at)
    body.update({"status": status, "type": op.type})
    if status == "error":
        body["error"] = op.error
    body["message"] = None
    if op.type == "start-one-off" and op.one_off_id:
        body["start_one_off_data"] = {"container_id": op.one_off_id}
        if attach_url:
            body["start_one_off_data"]["attach_url"] = attach_url
    return body


def running_containers(app) -> list[tuple[str, int, object]]:
    """(label, index, container type) of each container of a deployed formation."""
    if not app.deployed:
        return []
    return [(f"{c.name}-{i}", i, c) for c in app.formation for i in range(1, c.amount + 1)]


def ps_json(state, app, now: float) -> list[dict]:
    started = iso(app.containers_started_at or app.created_at)
    items = [
        {
            "id": stable_hex_id(app.id, label, str(app.containers_started_at)),
            "label": label,
            "type": container.name,
            "type_index": index,
            "state": "running",
            "created_at": started,
            "deleted_at": None,
            "size": container.size,
            "command": container.command,
            "app_id": app.id,
            "container_size": catalog.CONTAINER_SIZES[container.size],
        }
        for label, index, container in running_containers(app)
    ]
    for one_off in state.live_one_offs(app, now):
        op_status = state.operations[one_off.operation_id].status(now)
        items.append(
            {
                "id": one_off.id,
                "label": one_off.label,
                "type": "one-off",
                "type_index": one_off.type_index,
                "state": "running" if op_status == "done" else "booting",
                "created_at": iso(one_off.created_at),
                "deleted_at": None,
                "size": one_off.size,
                "command": one_off.command,
                "app_id": app.id,
                "container_size": catalog.CONTAINER_SIZES[one_off.size],
            }
        )
    return items


def pagination_meta(style: str, page: int, total_pages: int, total_count: int, per_page: int) -> dict:
    if style == "go":
        return {
            "current_page": page,
            "per_page": per_page,
            "prev_page": max(page - 1, 1),
            "next_page": min(page + 1, total_pages),
            "total_pages": total_pages,
            "total_count": total_count,
        }
    return {
        "current_page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < total_pages else None,
        "total_pages": total_pages,
        "total_count": total_count,
    }


def paginate(items: list, page: int, per_page: int, style: str) -> tuple[list, dict]:
    total_pages = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    return chunk, {"pagination": pagination_meta(style, page, total_pages, len(items), per_page)}
