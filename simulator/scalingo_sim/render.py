"""JSON shapes of the API's resources."""

import math
from datetime import UTC, datetime, timedelta

from . import catalog
from .state import DEPLOYMENT_OUTCOMES, App, State, new_hex_id, stable_hex_id
from .state.notify import EVENT_ROWS, EVENT_TYPES, PLATFORM_ROWS, PLATFORMS, stable_id
from .state.wiring import Event, RepoLink, ScmIntegration


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


def user_json(user) -> dict:
    return {"username": user.username, "email": user.email, "id": user.id, "flags": {}}


def user_admin_json(user) -> dict:
    """A user as the admin API shows it: with its billing switches and projects."""
    return {
        **user_json(user),
        "free_trial": user.free_trial,
        "payment_method": user.payment_method,
        "projects": [{"id": p.id, "name": p.name} for p in user.projects],
    }


def projects_json(users) -> list[dict]:
    """Every project of these users, with its owner (the admin API's list)."""
    return [{"id": p.id, "name": p.name, "owner": {"id": u.id, "email": u.email}} for u in users for p in u.projects]


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
        # The dashboard and region of a migration to another region: none here (null, as in Scalingo's answers).
        "new_dashboard_url": None,
        "new_region": None,
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


def one_off_json(app, one_off) -> dict:
    """The container of a one-off just started (the answer to a run)."""
    return {
        "id": one_off.id,
        "type": "one-off",
        "type_index": one_off.type_index,
        "label": one_off.label,
        "created_at": iso(one_off.created_at),
        "memory": float(catalog.CONTAINER_SIZES[one_off.size]["memory"]),
        "state": "booting",
        "app": {"name": app.name, "id": app.id},
    }


def one_off_admin_json(one_off) -> dict:
    """A one-off as created, for the admin API: never its env."""
    shown = {key: getattr(one_off, key) for key in ("id", "label", "app_id", "command", "size", "detached")}
    return {**shown, "created_at": iso(one_off.created_at)}


def attach_run_json(run) -> dict:
    """What the attach listener knows of an attached one-off, for the admin API: never its env or uploads."""
    return {
        "container_id": run.one_off_id,
        "app": run.app_name,
        "label": run.label,
        "command": run.command,
        "state": run.state,
        "exit_code": run.exit_code,
        "uploads": [{"name": name, "size": len(data)} for name, data in run.uploads.items()],
        "stdin_bytes": run.stdin_bytes,
        "eot": run.eot,
        "ctrl_c": run.ctrl_c,
        "cut": run.cut,
        "connects": run.connects,
        "requests": [dict(r) for r in run.requests],
    }


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


def archive_json(archive: dict) -> dict:
    return {
        "url": archive["url"],
        "size": archive["size"],
        "from": archive_time(archive["from"]),
        "to": archive_time(archive["to"]),
    }


def container_stats_json(label: str, container) -> dict:
    """A running container's real-time stats: fake numbers, always the same for the same label and size."""
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(label))
    limit = catalog.CONTAINER_SIZES[container.size]["memory"]
    usage = limit * (25 + seed % 50) // 100
    return {
        "id": label,
        "cpu_usage": seed % 20,
        "memory_usage": usage,
        "memory_limit": limit,
        "highest_memory_usage": usage + limit // 50,
        "swap_usage": (seed % 4) * 4096,
        "swap_limit": limit * 3,
        "highest_swap_usage": (seed % 4) * 8192,
    }


def metric_point_json(epoch: float, value: float | None) -> dict:
    return {"time": iso_seconds(epoch), "value": value}


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


# The shapes of each area's resources (the route modules and the admin API share them).
INVITATION_URL = "https://my.scalingo.com/apps/collaboration?token="
ZERO_TIME = "0001-01-01T00:00:00Z"
# The validity of a certificate is shown at Paris time in summer, as in Scalingo's documented answers.
VALIDITY_OFFSET = timedelta(hours=2)


def addon_json(addon, now: float) -> dict:
    provider = catalog.ADDON_PROVIDERS[addon.provider_id]["provider"]
    return {
        "id": addon.id,
        "app_id": addon.app_id,
        "resource_id": addon.resource_id,
        "addon_provider": {k: provider[k] for k in ("id", "name", "logo_url")},
        "plan": catalog.ADDON_PLANS[addon.plan_id][1],
        "provisioned_at": iso(addon.provisioned_at),
        "deprovisioned_at": None,
        "updated_at": iso(addon.provisioned_at),
        "hds_resource": False,
        "status": addon.status(now),
    }


def addon_admin_json(addon, now: float) -> dict:
    """What tests need of an addon: never the variables' values (they are secrets)."""
    return {
        "id": addon.id,
        "addon_provider_id": addon.provider_id,
        "plan": catalog.ADDON_PLANS[addon.plan_id][1]["name"],
        "status": addon.status(now),
        "variables": sorted(addon.variables),
    }


def autoscaler_json(app, autoscaler) -> dict:
    return {
        "created_at": iso(autoscaler.created_at),
        "updated_at": iso(autoscaler.updated_at),
        "id": autoscaler.id,
        "app_id": app.id,
        "container_type": autoscaler.container_type,
        "alert_id_scale_up": autoscaler.alert_id_scale_up,
        "alert_id_scale_down": autoscaler.alert_id_scale_down,
        "min_containers": autoscaler.min_containers,
        "max_containers": autoscaler.max_containers,
        "last_scale": ZERO_TIME,
        "disabled": autoscaler.disabled,
        "metric": autoscaler.metric,
        "target": autoscaler.target,
    }


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


def iso_finished(epoch: float) -> str:
    """A deployment's finished_at is written with +00:00, unlike created_at (as the real API does)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def deployment_json(s, app, d, now: float, base: str) -> dict:
    """`base`: this simulator's URL, which the output link points to."""
    status = d.status(now)
    finished = status in DEPLOYMENT_OUTCOMES
    built = status not in ("queued", "building", "build-error")
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
        "image": image if built else None,
        "registry": f"registry-1.{catalog.REGION}.scalingo.com",
        # Bytes of the image, once built (0 before, as go-scalingo's uint64 reads a missing one).
        "image_size": image_size(d) if built else 0,
        "stack_base_image": catalog.stack_base_image(app.stack_id),
        "postdeploy_hook": None,
        "duration": round(d.duration) if finished else 0,
        "pusher": user_json(s.owner_of(app)),
        "links": {"output": f"{base}/v1/apps/{app.id}/deployments/{d.id}/output"},
    }


def image_size(d) -> int:
    """A plausible, stable size: a base layer and a little per file of the archive."""
    return 157286400 + 4096 * len(d.members) + int(stable_hex_id(d.id)[:4], 16)


def validity(moment: datetime) -> str:
    shifted = moment.astimezone(UTC) + VALIDITY_OFFSET
    return shifted.strftime("%Y-%m-%dT%H:%M:%S.000+02:00")


def domain_json(domain) -> dict:
    cert = domain.cert
    letsencrypt = cert is None and domain.letsencrypt_enabled and domain.letsencrypt_status == "created"
    if cert is not None or letsencrypt:
        ssl_status = "success"
    else:
        ssl_status = "error" if domain.letsencrypt_enabled and domain.letsencrypt_status == "error" else "pending"
    shown = {
        "id": domain.id,
        "app_id": domain.app_id,
        "name": domain.name,
        "created_at": iso(domain.created_at),
        "ssl": cert is not None,
        "ssl_status": ssl_status,
        "canonical": domain.canonical,
        "letsencrypt": letsencrypt,
        "letsencrypt_enabled": domain.letsencrypt_enabled,
        "letsencrypt_status": domain.letsencrypt_status,
        "acme_dns_fqdn": domain.acme_dns_fqdn,
        "acme_dns_value": domain.acme_dns_value,
        "acme_dns_error": {},
        "acme_challenge_error": domain.acme_challenge_error,
    }
    if cert is not None:
        shown.update(tlscert=cert["subject"], tlskey=cert["key"], validity=validity(cert["not_after"]))
    return shown


def variable_json(app, variable: dict, value: str | None = None) -> dict:
    value = variable["value"] if value is None else value
    return {"id": variable["id"], "app_id": app.id, "name": variable["name"], "value": value}


def failed_variable_json(app, fields: dict, problems: dict) -> dict:
    """One refused variable of a bulk update, with its errors (it gets an id though it is not saved)."""
    return {
        "id": new_hex_id(),
        "app_id": app.id,
        "name": fields.get("name"),
        "value": fields.get("value"),
        "errors": problems,
    }


def source_urls(source, base: str) -> dict:
    """The pre-signed URLs of a source (`base`: this simulator's URL)."""
    url = f"{base}/_sources/{source.id}"
    return {"upload_url": f"{url}?token={source.upload_token}", "download_url": f"{url}?token={source.download_token}"}


def notification_platform_json(platform_id: str) -> dict:
    name = PLATFORMS[platform_id]
    return {
        "id": platform_id,
        "name": name,
        "display_name": PLATFORM_ROWS[name][0],
        "logo_url": f"https://assets.scalingo.com/notifiers/{name}.png",
        "description": f"Notifications through {PLATFORM_ROWS[name][0]}",
        "available_event_ids": list(EVENT_TYPES),
    }


def event_type_json(event_id: str) -> dict:
    name = EVENT_TYPES[event_id]
    return {
        "id": event_id,
        "name": name,
        "display_name": name.replace("_", " ").capitalize(),
        "description": f"When {name.replace('_', ' ')}",
        "category_id": stable_id("category", EVENT_ROWS[name]),
    }


def notifier_json(app, notifier) -> dict:
    """A notifier as Scalingo answers it: its type_data echoed whole, webhook URL included."""
    return {
        "id": notifier.id,
        "name": notifier.name,
        "active": notifier.active,
        "type": notifier.platform,
        "platform_id": notifier.platform_id,
        "created_at": iso(notifier.created_at),
        "updated_at": iso(notifier.updated_at),
        "send_all_alerts": notifier.send_all_alerts,
        "send_all_events": notifier.send_all_events,
        "selected_event_ids": list(notifier.selected_event_ids),
        "app_id": app.id,
        "app": app.name,
        "type_data": dict(notifier.type_data),
    }


def alert_json(app, alert, with_notifiers: bool = True) -> dict:
    """An alert; Scalingo's show and update answers leave `notifiers` out (with_notifiers=False)."""
    shown = {
        "id": alert.id,
        "app_id": app.id,
        "created_at": iso(alert.created_at),
        "updated_at": iso(alert.updated_at),
        "container_type": alert.container_type,
        "disabled": alert.disabled,
        "metric": alert.metric,
        "limit": alert.limit,
        "send_when_below": alert.send_when_below,
        "duration_before_trigger": alert.duration_before_trigger,
        "remind_every": alert.remind_every,
        "metadata": {"recipient": "user"},
    }
    if with_notifiers:
        shown["notifiers"] = list(alert.notifiers)
    return shown


# -- wiring: log drains, SCM integrations, repo links, events, cron tasks (state in state/wiring.py)
def drain_json(app: App, url: str) -> dict:
    return {"app_id": app.id, "url": url}


def scm_integration_json(s: State, integration: ScmIntegration) -> dict:
    owner = s.users.get(integration.owner_id)
    return {
        "id": integration.id,
        "scm_type": integration.scm_type,
        "url": integration.url,
        "access_token": integration.access_token,
        "uid": integration.uid,
        "username": integration.username,
        "email": owner.email if owner else "",
        "avatar_url": f"{integration.url}/{integration.username}.png",
        "profile_url": f"{integration.url}/{integration.username}",
        "created_at": iso(integration.created_at),
        "owner": {"id": owner.id, "email": owner.email, "username": owner.username} if owner else None,
    }


def repo_link_json(s: State, app: App, link: RepoLink) -> dict:
    linker = s.users.get(link.linker_id)
    return {
        "id": link.id,
        "app_id": app.id,
        "auth_integration_uuid": link.integration.id,
        "linker": {"id": linker.id, "username": linker.username, "email": linker.email} if linker else None,
        "owner": link.owner,
        "repo": link.repo,
        "branch": link.branch,
        "scm_type": link.integration.scm_type,
        "url": link.integration.url,
        "created_at": iso(link.created_at),
        "updated_at": iso(link.updated_at),
        **link.settings,
        "last_auto_deploy_at": ZERO_TIME,
    }


def event_json(s: State, event: Event) -> dict:
    user = s.users.get(event.user_id)
    return {
        "id": event.id,
        "created_at": iso(event.created_at),
        "type": event.type,
        "app_id": event.app_id,
        "app_name": event.app_name,
        "user": {"id": user.id, "username": user.username, "email": user.email} if user else None,
        "type_data": dict(event.type_data),
    }
