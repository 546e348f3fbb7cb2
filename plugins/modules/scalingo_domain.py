#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_domain
short_description: Add, configure and remove a custom domain of a Scalingo application
description:
  - Makes a custom domain (V(www.example.com), or a wildcard V(*.example.com)) exist on an app with the given
    settings, or not exist.
  - One task manages one domain name. Scalingo can't rename a domain; to replace one, remove the old name
    (O(state=absent)) and add the new one in two tasks.
  - Only the options you give are managed; the others are left as they are on Scalingo.
  - A task that changes nothing sends one request, the list of the app's domains (plus a token exchange when no
    bearer is cached, see O(bearer_cache)).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  name:
    description:
      - The domain name, for example V(www.example.com), or V(*.example.com) for a wildcard domain.
      - Compared and sent in lower case. Checked before any request. An internationalized name is given in
        its ASCII form (V(xn--...)).
    type: str
    required: true
  state:
    description:
      - V(present) adds the domain when the app does not have it, then applies the settings.
      - V(absent) removes the domain from the app. The other options are then ignored.
    type: str
    choices: [present, absent]
    default: present
  canonical:
    description:
      - V(true) makes this domain the canonical domain of the app, to which Scalingo redirects the others
        (HTTP 301). An app has at most one.
      - When another domain is canonical, it is unset first, then this one is set, so that the app never has two
        canonical domains (for a moment it has none). This costs one more request than a move done by the API.
      - V(false) unsets it on this domain.
      - A wildcard domain can't be canonical; this is checked before any request.
    type: bool
  letsencrypt:
    description:
      - Whether Scalingo gets and renews a Let's Encrypt certificate for the domain (Scalingo's
        C(letsencrypt_enabled), on by default). A custom certificate (O(tls_cert)) takes precedence over it.
      - A wildcard domain gets one only through a DNS challenge; until its TXT record exists the task warns with
        the record to create (see RV(domain.acme_dns_fqdn)).
    type: bool
  tls_cert:
    description:
      - A custom certificate for the domain, in PEM, the domain's certificate first, then its intermediate
        certificates. Needs O(tls_key).
      - V("") removes the custom certificate (O(tls_key) then omitted or V("")); Let's Encrypt takes over if
        enabled.
      - Scalingo never returns a certificate, only its subject and expiry date. The task compares the subject
        and the expiry date of O(tls_cert) with those; the same certificate is not sent again, and a renewed
        one (a new expiry date) is.
      - The certificate is read, and the key checked against it, before any request (this needs the Python
        C(cryptography) library, which ansible-core depends on).
    type: str
  tls_key:
    description:
      - The certificate's private key, in PEM, without a passphrase. Only with O(tls_cert).
      - Never returned, shown in a diff or logged. It is sent only when the certificate is.
    type: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the app's domains and returns the predicted domain; sends nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds the domain's state and name, and the managed settings among V(canonical), V(letsencrypt)
        and V(certificate) (its subject and expiry date in UTC); never the key.
requirements:
  - cryptography (only with O(tls_cert))
notes:
  - Scalingo allows 20 custom domains per app; adding one more fails before the request is sent.
  - Two certificates with the same subject and the same expiry date can't be told apart; replace such a
    certificate by removing it (O(tls_cert="")) then adding the new one.
seealso:
  - name: Custom domains on Scalingo
    description: Domains, canonical domains and certificates.
    link: https://doc.scalingo.com/platform/app/domain
"""

EXAMPLES = r"""
- name: Add a domain, canonical, with Let's Encrypt
  scalingo.cloud.scalingo_domain:
    app: my-shop
    name: www.my-shop.example
    canonical: true

- name: Use a custom certificate
  scalingo.cloud.scalingo_domain:
    app: my-shop
    name: www.my-shop.example
    tls_cert: "{{ lookup('ansible.builtin.file', 'certs/www.my-shop.example.fullchain.pem') }}"
    tls_key: "{{ vault_shop_tls_key }}"

- name: Go back to Let's Encrypt
  scalingo.cloud.scalingo_domain:
    app: my-shop
    name: www.my-shop.example
    tls_cert: ""

- name: A wildcard domain; its certificate needs a DNS TXT record (see the warning)
  scalingo.cloud.scalingo_domain:
    app: my-shop
    name: "*.my-shop.example"
    letsencrypt: true
  register: wildcard

- name: Remove a domain
  scalingo.cloud.scalingo_domain:
    app: my-shop
    name: old.my-shop.example
    state: absent
"""

RETURN = r"""
domain:
  description:
    - The domain as the API returns it after the change, or as predicted in check mode (without an V(id) for a
      domain to add).
    - V({}) after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The domain name.
      type: str
    canonical:
      description: Whether it is the app's canonical domain.
      type: bool
    letsencrypt_enabled:
      description: Whether Let's Encrypt is enabled for it.
      type: bool
    letsencrypt_status:
      description:
        - V(new) (requested), V(pending_dns) (waiting for the DNS to point at Scalingo), V(created),
          V(dns_required) (a wildcard waiting for its TXT record) or V(error).
      type: str
    ssl:
      description: Whether a custom certificate is in place.
      type: bool
    ssl_status:
      description: V(pending), V(success) or V(error).
      type: str
    tlscert:
      description: Subject of the custom certificate (never the certificate itself).
      type: str
    validity:
      description: Expiry date of the custom certificate.
      type: str
    acme_dns_fqdn:
      description: Name of the DNS TXT record a wildcard domain's Let's Encrypt certificate needs.
      type: str
    acme_dns_value:
      description: Value of that TXT record.
      type: str
  sample:
    id: 5ed10ae9884fef000f5e500b
    name: www.my-shop.example
    canonical: true
    letsencrypt: true
    letsencrypt_enabled: true
    letsencrypt_status: created
    ssl: false
    ssl_status: success
    acme_dns_fqdn: null
    acme_dns_value: null
previous_canonical:
  description: The domain that was canonical before this task made O(name) canonical, or V(null).
  returned: success
  type: str
  sample: www.old-shop.example
"""

import copy
import functools
from datetime import UTC, datetime
from typing import Any

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Reply
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource
from ansible_collections.scalingo.cloud.plugins.module_utils._tls import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    covers,
    custom_cert,
    domain_name_problem,
    holds,
    is_wildcard,
    read_certificate,
    shown_time,
)

DOMAIN_FIELDS = {"id": str, "name": str}
MAX_DOMAINS = 20
# What the API assumes of a setting it was not given.
DEFAULTS = {"canonical": False, "letsencrypt_enabled": True}
NEW = dict(DEFAULTS, letsencrypt=False, letsencrypt_status="new", ssl=False)


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "canonical": {"type": "bool"},
    "letsencrypt": {"type": "bool"},
    "tls_cert": {"type": "str"},
    "tls_key": {"type": "str", "no_log": True},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported; the certificate itself
    is read apart (check_certificate)."""
    problems = [app_name_problem("app", params["app"])]
    name = params["name"].lower()
    problem = domain_name_problem(name)
    if problem:
        problems.append(f"domain name {params['name']!r} (name) is invalid: {problem}")
    if params["state"] == "absent":
        return [problem for problem in problems if problem]
    if params["canonical"] and is_wildcard(name):
        problems.append(
            f"domain '{name}' is a wildcard, which can't be canonical: make another domain of the app canonical"
        )
    cert, key = params["tls_cert"], params["tls_key"]
    if key is not None and cert is None:
        problems.append("tls_key goes with tls_cert: give both, or tls_cert: '' alone to remove the custom certificate")
    if cert == "" and key:
        problems.append("tls_cert: '' removes the custom certificate: leave tls_key out")
    if cert and not key:
        problems.append("tls_cert needs its private key in tls_key: give both")
    return [problem for problem in problems if problem]


def check_certificate(m: ScalingoModule) -> None:
    """Read the certificate in tls_cert against its key: fail when it can't be used, warn when it does not
    cover the domain or has expired."""
    if not HAS_CRYPTOGRAPHY:
        m.fail(missing_required_lib("cryptography"), exception=str(CRYPTOGRAPHY_IMPORT_ERROR))
    name = m.params["name"].lower()
    try:
        facts = read_certificate(m.params["tls_cert"], m.params["tls_key"])
    except ValueError as exc:
        m.fail(str(exc))
    if not covers(facts["names"], name):
        m.warn(f"the certificate in tls_cert is for {', '.join(facts['names']) or 'no DNS name'}, not for '{name}'")
    if facts["validity"] <= datetime.now(UTC):
        m.warn(f"the certificate in tls_cert expired on {shown_time(facts['validity'])}")


def predict(domain: dict, body: dict, cert: dict | None) -> dict:
    domain = dict(copy.deepcopy(domain), **{key: body[key] for key in ("name", *DEFAULTS) if key in body})
    if "tlscert" in body:
        domain.pop("tlskey", None)  # the API describes the key (type and length): unknown until it answers
        validity = shown_time(cert["validity"]) if cert else None
        domain.update(ssl=bool(cert), tlscert=cert["subject"] if cert else None, validity=validity)
    return domain


class Domain(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.name = self.params["name"].lower()
        # With state=absent the settings are ignored, and left out of the diff.
        present = self.params["state"] == "present"
        cert, key = self.params["tls_cert"], self.params["tls_key"]
        self.cert = (read_certificate(cert, key) if cert else cert) if present else None
        wanted = {"canonical": self.params["canonical"], "letsencrypt_enabled": self.params["letsencrypt"]}
        self.wanted = {key: value for key, value in wanted.items() if value is not None and present}

    def path(self, domain: dict | None = None) -> str:
        return api_path("apps", self.app, "domains", *([domain["id"]] if domain else []))

    def domains(self) -> list[dict]:
        action = f"could not list the domains of app '{self.app}'"
        return self.client.get(self.path(), "domains", list, DOMAIN_FIELDS, action=action)

    def find(self, domains: list[dict] | None = None, ident: str | None = None) -> dict | None:
        """The domain with this id, or named `name`, in `domains` (read now when None)."""
        domains = self.domains() if domains is None else domains
        return next((d for d in domains if d["id"] == ident or (not ident and d["name"].lower() == self.name)), None)

    def shown(self, domain: dict | None) -> dict:
        """Diff side: the state, the name and the managed settings; never the key."""
        if domain is None:
            return {"state": "absent", "name": self.name}
        view = {"state": "present", "name": domain.get("name", self.name)}
        view.update({key: domain.get(key, DEFAULTS[key]) for key in self.wanted})
        if "letsencrypt_enabled" in view:
            view["letsencrypt"] = view.pop("letsencrypt_enabled")
        if self.cert is not None:
            view["certificate"] = custom_cert(domain)
        return view

    def needed(self, domain: dict, wanted: dict, cert: dict | None = None) -> dict:
        """The body that makes `domain` as wanted. It may hold the key: never shown, never returned."""
        body = {key: value for key, value in wanted.items() if domain.get(key, DEFAULTS[key]) != value}
        if cert == "" and custom_cert(domain):
            body.update(tlscert="", tlskey="")
        elif cert and not holds(domain, cert):
            body.update(tlscert=self.params["tls_cert"], tlskey=self.params["tls_key"])
        return body

    def send(self, method: str, domain: dict | None, body: dict, action: str) -> dict:
        return self.client.request(
            method, self.path(domain), {"domain": body}, ok=(201,) if method == "POST" else (200,), action=action
        ).take("domain", fields=DOMAIN_FIELDS)

    def create(self, body: dict) -> dict:
        action = f"could not add domain '{self.name}' to app '{self.app}'"
        # A domain name belongs to one app: a second POST would be refused, so it may follow the re-reads.
        return self.write(lambda: self.send("POST", None, body, action), self.find, look=True)

    def update(self, domain: dict, body: dict, what: str = "update") -> dict:
        def landed() -> dict | None:
            """The domain, if it shows what `body` asked."""
            now = self.find(ident=domain["id"])
            wanted = {key: body[key] for key in DEFAULTS if key in body}
            return now if now and not self.needed(now, wanted, self.cert if "tlscert" in body else None) else None

        action = f"could not {what} domain '{domain['name']}' of app '{self.app}'"
        return self.write(lambda: self.send("PATCH", domain, body, action), landed)

    def warn_letsencrypt(self, domain: dict) -> None:
        status = domain.get("letsencrypt_status")
        if custom_cert(domain) or domain.get("letsencrypt_enabled") is False:
            return
        if status == "dns_required":
            self.warnings.append(
                f"domain '{self.name}' waits for a DNS record before Let's Encrypt can issue its certificate: create "
                f"a TXT record {domain.get('acme_dns_fqdn')} with the value {domain.get('acme_dns_value')} (or set "
                "DNS_PROVIDER and its credentials in the app's environment)"
            )
        elif status == "error":
            self.warnings.append(
                f"Let's Encrypt could not issue a certificate for domain '{self.name}' (letsencrypt_status error): "
                "check that its DNS points to the app"
            )

    def present(self) -> dict:
        domains = self.domains()
        current = self.find(domains)
        wanted = dict(self.wanted)
        # Another canonical domain is unset first and this one set last: the app never has two.
        others = [d for d in domains if d.get("canonical") and d is not current] if wanted.get("canonical") else []
        if others:
            wanted.pop("canonical")
        if current is None:
            if len(domains) >= MAX_DOMAINS:
                self.fail(
                    f"app '{self.app}' has {len(domains)} custom domains, the most Scalingo allows: remove one "
                    f"before adding '{self.name}' (or ask Scalingo's support for more)"
                )
            # The settings given are all sent, whatever the API's defaults.
            body = dict(wanted, name=self.name, **self.needed(NEW, {}, self.cert))
            domain = self.act(lambda: predict(dict(NEW, name=self.name), body, self.cert), lambda: self.create(body))
        else:
            body = self.needed(current, wanted, self.cert)
            domain = current
            if body:
                domain = self.act(lambda: predict(current, body, self.cert), lambda: self.update(current, body))
        for other in others:
            self.act(lambda: None, functools.partial(self.update, other, {"canonical": False}, "unset canonical on"))
        if others and not domain.get("canonical"):
            done = domain
            domain = self.act(
                lambda: predict(done, {"canonical": True}, None),
                lambda: self.update(done, {"canonical": True}, "make canonical"),
            )
        self.warn_letsencrypt(domain)
        return self.result(
            current is None or bool(body) or bool(others),
            self.shown(current),
            self.shown(domain),
            domain=domain,
            previous_canonical=others[0]["name"] if others else None,
        )

    def absent(self) -> dict:
        current = self.find()
        if current is not None:
            action = f"could not remove domain '{current['name']}' from app '{self.app}'"

            def send() -> Reply:
                return self.client.request("DELETE", self.path(current), ok=(204,), action=action)

            self.act(lambda: None, lambda: self.write(send, lambda: None if self.find() else {}))
        return self.result(current is not None, self.shown(current), self.shown(None), domain={})


def main() -> None:
    m = ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems)
    if m.params["state"] == "present" and m.params["tls_cert"]:
        check_certificate(m)
    m.run(Domain)


if __name__ == "__main__":
    main()
