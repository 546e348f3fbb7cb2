"""Custom domains of apps: certificates, the canonical one, Let's Encrypt statuses."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import Part, new_hex_id, stable_hex_id

if TYPE_CHECKING:
    from .apps import App

LETSENCRYPT_STATUSES = ("pending_dns", "new", "created", "dns_required", "error")


@dataclass
class Domain:
    """A custom domain; `cert` holds what the API keeps of a certificate (subject, key description, expiry)."""

    id: str
    app_id: str
    name: str
    created_at: float
    canonical: bool = False
    letsencrypt_enabled: bool = True
    letsencrypt_status: str = "new"
    cert: dict | None = None
    acme_dns_fqdn: str | None = None
    acme_dns_value: str | None = None
    acme_challenge_error: str | None = None


class Domains(Part):
    def domain_taken(self, name: str) -> bool:
        """A domain name belongs to one app at most."""
        with self.lock:
            return any(d.name == name for a in self.apps.values() for d in a.domains)

    @staticmethod
    def find_domain(app: App, key: str, by: tuple[str, ...] = ("id",)) -> Domain | None:
        """The app's domain whose id (or any of the fields named in `by`) is `key`."""
        return next((d for d in app.domains if any(getattr(d, name) == key for name in by)), None)

    def add_domain(self, app: App, name: str) -> Domain:
        with self.lock:
            domain = Domain(id=new_hex_id(), app_id=app.id, name=name, created_at=time.time())
            app.domains.append(domain)
            return domain

    def set_domain(self, app: App, domain: Domain, settings: dict, cert: dict | bool | None) -> None:
        """Apply `settings` (canonical, letsencrypt_enabled) and the certificate (False: unchanged, None: none)."""
        with self.lock:
            if "letsencrypt_enabled" in settings:
                domain.letsencrypt_enabled = settings["letsencrypt_enabled"]
            if cert is not False:
                domain.cert = cert
            if "canonical" in settings:
                if settings["canonical"]:
                    # One canonical domain per app: setting one unsets the other.
                    for other in app.domains:
                        other.canonical = False
                domain.canonical = settings["canonical"]

    def remove_domain(self, app: App, domain: Domain) -> None:
        with self.lock:
            app.domains.remove(domain)

    def set_letsencrypt(self, domain: Domain, status: str, error: str | None) -> None:
        """Move the Let's Encrypt status on, as Scalingo's workers would (`error`: the text of an error)."""
        with self.lock:
            domain.letsencrypt_status = status
            dns = status == "dns_required"
            domain.acme_dns_fqdn = f"_acme-challenge.{domain.name.removeprefix('*.')}" if dns else None
            domain.acme_dns_value = stable_hex_id("acme", domain.id)[:22] if dns else None
            domain.acme_challenge_error = (error or "the ACME challenge failed") if status == "error" else None
