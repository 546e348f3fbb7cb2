"""Addons of apps: provisioning by the clock, plans, the variables they inject."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import catalog
from .base import Part

if TYPE_CHECKING:
    from .apps import App


@dataclass
class Addon:
    """An app's addon; its status follows the clock: provisioning until ready_at, then running."""

    id: str
    app_id: str
    provider_id: str
    plan_id: str
    resource_id: str
    provisioned_at: float
    ready_at: float
    # Injected variables, name -> raw value (an alias holds "$NAME"); the values are secrets.
    variables: dict[str, str] = field(default_factory=dict)
    forced_status: str | None = None

    def status(self, now: float) -> str:
        return self.forced_status or ("provisioning" if now < self.ready_at else "running")


class Addons(Part):
    def add_addon(self, app: App, provider_id: str, plan_id: str, ready_in: float | None = None) -> Addon:
        """A new addon of the app, provisioning for `ready_in` seconds (the config's by default).

        It injects SCALINGO_<KEY>_URL (SCALINGO_<KEY>_<n>_URL when an earlier addon took the name)
        and the provider's alias when that name is free. Values carry a `s3cr3t-` password.
        """
        with self.lock:
            now = time.time()
            entry = catalog.ADDON_PROVIDERS[provider_id]
            resource_id = f"{app.name.replace('-', '_')}_{secrets.randbelow(9000) + 1000}"
            taken = {name for addon in app.addons for name in addon.variables}
            name, n = f"SCALINGO_{entry['key']}_URL", 1
            while name in taken:
                n += 1
                name = f"SCALINGO_{entry['key']}_{n}_URL"
            host = f"{resource_id.replace('_', '-')}.{provider_id}.a.{catalog.REGION}.scalingo-dbs.com"
            password = f"s3cr3t-{secrets.token_hex(12)}"
            variables = {name: f"{entry['scheme']}://{resource_id}:{password}@{host}:{30000 + n}/{resource_id}"}
            if entry["alias"] not in taken:
                variables[entry["alias"]] = f"${name}"
            delay = self.config["addon_provisioning"] if ready_in is None else ready_in
            addon = Addon(
                id=f"ad-{uuid.uuid4()}",
                app_id=app.id,
                provider_id=provider_id,
                plan_id=plan_id,
                resource_id=resource_id,
                provisioned_at=now,
                ready_at=now + delay,
                variables=variables,
            )
            app.addons.append(addon)
            return addon

    def change_addon_plan(self, addon: Addon, plan_id: str) -> None:
        with self.lock:
            now = time.time()
            addon.plan_id = plan_id
            addon.provisioned_at = now
            addon.ready_at = now + self.config["addon_provisioning"]

    @staticmethod
    def find_addon(app: App, addon_id: str) -> Addon | None:
        return next((a for a in app.addons if a.id == addon_id), None)

    def force_addon_status(self, addon: Addon, status: str | None) -> None:
        """A status the addon shows (None: back to the clock's)."""
        with self.lock:
            addon.forced_status = status

    def remove_addon(self, app: App, addon: Addon) -> None:
        """Its variables go with it."""
        with self.lock:
            app.addons = [a for a in app.addons if a.id != addon.id]

    def addon_variables(self, app: App) -> list[tuple[str, str]]:
        """(name, raw value) of every variable the app's addons injected: for the variables listing."""
        with self.lock:
            return [item for addon in app.addons for item in addon.variables.items()]
