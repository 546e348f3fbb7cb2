"""How apps are wired to the rest of a team's tooling: log drains (of apps and addons), SCM integrations
(account level, the auth service's), repo links (one per app), events (the timeline) and cron tasks.

Plain data and rules, no Flask. The Wiring part holds one WiringState (state.wiring), made again at each reset;
callers hold state.lock around a read-check-write sequence, as with the rest of the state.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .base import Part

DRAIN_TYPES = ("appsignal", "betterstack", "logtail", "datadog", "elk", "ovh-graylog", "papertrail", "syslog")
# The fields each type needs (Scalingo's documentation); a missing one is refused.
DRAIN_REQUIRED = {
    "appsignal": ("token",),
    "betterstack": ("token", "host"),
    "logtail": ("token", "host"),
    "datadog": ("token", "drain_region"),
    "elk": ("url",),
    "ovh-graylog": ("token", "host"),
    "papertrail": ("host", "port"),
    "syslog": ("host", "port"),
}
SCM_TYPES = ("github", "gitlab", "github-enterprise", "gitlab-self-hosted")
SCM_URLS = {"github": "https://github.com", "gitlab": "https://gitlab.com"}
LINK_FLAGS = (
    "auto_deploy_enabled",
    "deploy_review_apps_enabled",
    "delete_on_close_enabled",
    "delete_stale_enabled",
    "automatic_creation_from_forks_allowed",
)
LINK_HOURS = ("hours_before_delete_on_close", "hours_before_delete_stale")


def drain_url(kind: str, fields: dict) -> str:
    """The URL Scalingo makes of a drain's typed form: the documented forms (datadog, ovh-graylog, syslog,
    papertrail, elk); the forms of appsignal and betterstack are not documented, these are the simulator's."""
    token, host, port = fields.get("token", ""), fields.get("host", ""), fields.get("port", "")
    if kind == "datadog":
        return f"datadog://{token}?region={fields['drain_region']}"
    if kind == "ovh-graylog":
        return f"ovh://:{token}@{host}:6514"
    if kind == "syslog":
        return f"syslog://:{token}@{host}:{port}" if token else f"syslog://{host}:{port}"
    if kind == "papertrail":
        return f"tcp+tls://{host}:{port}"
    if kind == "elk":
        return fields["url"]
    if kind == "appsignal":
        return f"https://{host or 'appsignal-endpoint.net'}{':' + port if port else ''}/logs/scalingo?api_key={token}"
    return f"https://{host}/scalingo?source_token={token}"  # betterstack, formerly logtail


@dataclass
class ScmIntegration:
    id: str
    owner_id: str
    scm_type: str
    url: str
    username: str
    # A secret: the listing answers it, as Scalingo's does.
    access_token: str
    created_at: float
    uid: str = field(default_factory=lambda: str(secrets.randbelow(10**8)))


@dataclass
class RepoLink:
    id: str
    app_id: str
    integration: ScmIntegration
    owner: str
    repo: str
    linker_id: str
    created_at: float
    updated_at: float
    branch: str = ""
    settings: dict = field(default_factory=dict)


@dataclass
class Event:
    id: str
    app_id: str
    app_name: str
    type: str
    user_id: str
    created_at: float
    type_data: dict = field(default_factory=dict)


@dataclass
class WiringState:
    # (app id, addon id or "") -> drain URLs, in the order they were added
    drains: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # Addons seeded as not emitting logs (the catalogue has databases only, which all do).
    silent_addons: set[str] = field(default_factory=set)
    integrations: dict[str, ScmIntegration] = field(default_factory=dict)
    links: dict[str, RepoLink] = field(default_factory=dict)  # by app id
    events: dict[str, list[Event]] = field(default_factory=dict)  # by app id, oldest first
    cron_tasks: dict[str, list[dict]] = field(default_factory=dict)  # by app id

    # -- drains
    def drain_urls(self, app_id: str, addon_id: str = "") -> list[str]:
        return self.drains.setdefault((app_id, addon_id), [])

    # -- SCM
    def add_integration(self, owner_id: str, scm_type: str, url: str | None, username: str) -> ScmIntegration:
        integration = ScmIntegration(
            id=str(uuid.uuid4()),
            owner_id=owner_id,
            scm_type=scm_type,
            url=(url or SCM_URLS.get(scm_type, "")).rstrip("/"),
            username=username,
            access_token=f"s3cr3t-scm-{secrets.token_hex(16)}",
            created_at=time.time(),
        )
        self.integrations[integration.id] = integration
        return integration

    def integrations_of(self, owner_id: str) -> list[ScmIntegration]:
        return [i for i in self.integrations.values() if i.owner_id == owner_id]

    @staticmethod
    def repository(integration: ScmIntegration, source: str) -> tuple[str, str] | None:
        """(owner, repo) of `source` when it is a repository URL on the integration's host, else None."""
        parts, base = urlsplit(source.strip()), urlsplit(integration.url)
        path = [p for p in parts.path.split("/") if p]
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower() or len(path) != 2:
            return None
        repo = path[1][: -len(".git")] if path[1].endswith(".git") else path[1]
        return path[0], repo

    # -- events
    def record(
        self, app: Any, kind: str, user_id: str, type_data: dict | None = None, at: float | None = None
    ) -> Event:
        event = Event(
            id=f"{int(at or time.time()):08x}{secrets.token_hex(8)}",
            app_id=app.id,
            app_name=app.name,
            type=kind,
            user_id=user_id,
            created_at=time.time() if at is None else at,
            type_data=dict(type_data or {}),
        )
        self.events.setdefault(app.id, []).append(event)
        return event

    def timeline(self, app_id: str) -> list[Event]:
        """Newest first, as Scalingo answers."""
        return sorted(self.events.get(app_id, []), key=lambda e: e.created_at, reverse=True)


class Wiring(Part):
    def start(self) -> None:
        self.wiring = WiringState()

    def app_deleted(self, app) -> None:
        wiring = self.wiring
        for key in [key for key in wiring.drains if key[0] == app.id]:
            del wiring.drains[key]
        for table in (wiring.links, wiring.events, wiring.cron_tasks):
            table.pop(app.id, None)
