# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: scalingo
short_description: Scalingo applications as inventory hosts
description:
  - Makes every Scalingo application the API token can see an inventory host, named after the app, with
    C(ansible_connection=local), so that tasks for an app run on the controller and call the Scalingo API.
  - Host variables describe the app (status, URL, region, owner, parent app, settings) and, with O(formation=true),
    its formation.
  - One request lists every app (plus a token exchange when no bearer is cached); O(formation=true) adds one
    request per app kept by the filters. With O(cache=true) a cached inventory sends no request at all.
  - Uses a YAML configuration file whose name ends with C(scalingo.yml) or C(scalingo.yaml).
  - Errors name the API's reason and never contain the API token.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
requirements:
  - requests
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [scalingo, scalingo.cloud.scalingo]
  api_token:
    description:
      - Scalingo API token (C(tk-us-...)).
      - May be a template, for example V({{ vault_scalingo_api_token }}), rendered with the extra variables
        (C(-e)/C(--extra-vars), including vault-encrypted variable files given with C(-e @file)).
      - The value of the E(SCALINGO_API_TOKEN) environment variable is used as it is, never rendered.
    type: str
    required: true
    env:
      - name: SCALINGO_API_TOKEN
  region:
    description:
      - Scalingo region whose API is used, as C(https://api.<region>.scalingo.com). Ignored when O(api_url) is set.
      - May be a template rendered with the extra variables.
    type: str
    default: osc-fr1
    env:
      - name: SCALINGO_REGION
  api_url:
    description:
      - Base URL of the regional API, without C(/v1). Overrides O(region).
      - May be a template rendered with the extra variables.
    type: str
    env:
      - name: SCALINGO_API_URL
  auth_url:
    description:
      - Base URL of the Scalingo authentication service, without C(/v1).
      - May be a template rendered with the extra variables.
    type: str
    default: https://auth.scalingo.com
    env:
      - name: SCALINGO_AUTH_URL
  validate_certs:
    description: Verify the TLS certificates of the API.
    type: bool
    default: true
  api_timeout:
    description: Seconds to wait for each HTTP answer.
    type: int
    default: 30
  bearer_cache:
    description:
      - Reuse the bearer token that the modules keep between runs (see the modules' O(scalingo.cloud.scalingo_app#module:bearer_cache)),
        and keep the one this plugin gets.
    type: bool
    default: true
    env:
      - name: SCALINGO_BEARER_CACHE
  rate_limit_retry_timeout:
    description:
      - Seconds during which requests refused with HTTP 429, answered with 502, 503 or 504, or lost on the network are
        retried with exponential backoff. V(0) turns retries off.
    type: int
    default: 60
  rate_limit:
    description:
      - Requests per minute shared with the modules' tasks using the same API token (see the modules'
        O(scalingo.cloud.scalingo_app#module:rate_limit)). V(0) turns pacing off.
    type: int
    default: 60
    env:
      - name: SCALINGO_RATE_LIMIT
  read_cache:
    description:
      - Not used by the inventory, which always lists the apps itself; it takes the same connection options as the
        modules (see their O(scalingo.cloud.scalingo_app#module:read_cache)).
    type: int
    default: 0
    env:
      - name: SCALINGO_READ_CACHE
  group:
    description: Group every app is added to.
    type: str
    default: scalingo
  hostvars_prefix:
    description:
      - Prefix of the host variables that describe an app.
      - With the default prefix they are C(scalingo_id), C(scalingo_name), C(scalingo_status), C(scalingo_url),
        C(scalingo_region), C(scalingo_owner) (email), C(scalingo_parent) (parent app name, V(null) for apps without
        one), C(scalingo_project) (name), C(scalingo_stack_id), C(scalingo_force_https), C(scalingo_sticky_session),
        C(scalingo_router_logs), C(scalingo_last_deployed_at), and C(scalingo_formation) with O(formation=true).
      - Every host also gets C(ansible_connection=local), and C(ansible_python_interpreter) (see O(use_controller_python)).
    type: str
    default: scalingo_
  use_controller_python:
    description:
      - Set C(ansible_python_interpreter) to the Python that runs Ansible (C(ansible_playbook_python)), as Ansible
        does for the implicit C(localhost), so that the modules find C(requests) where Ansible is installed (a
        virtualenv, an execution environment).
      - V(false) leaves the interpreter to Ansible's discovery or to your variables.
    type: bool
    default: true
  formation:
    description:
      - Add the app's formation as the C(scalingo_formation) host variable (a list of C(name), C(amount), C(size)).
      - Costs one C(GET /apps/<app>/containers) request per app kept by the filters.
    type: bool
    default: false
  name_patterns:
    description:
      - Keep only the apps whose name matches one of these shell-style patterns (V(shop-*), V(*-staging)).
      - All apps when empty.
    type: list
    elements: str
    default: []
  statuses:
    description:
      - Keep only the apps in one of these statuses (V(new), V(running), V(stopped), V(crashed), V(scaling),
        V(restarting), ...). All apps when empty.
    type: list
    elements: str
    default: []
  parents:
    description:
      - Keep only the child apps (review apps) of these parent apps. All apps when empty.
    type: list
    elements: str
    default: []
  child_apps:
    description:
      - V(include) keeps parent and child apps, V(exclude) keeps only apps without a parent, V(only) keeps only
        child apps.
    type: str
    choices: [include, exclude, only]
    default: include
notes:
  - The cache key covers the API URL, the API token (as a SHA-256 hash), the filters and O(formation), so a
    cache never answers for another account or other options. C(--flush-cache) refreshes it.
seealso:
  - module: scalingo.cloud.scalingo_app_info
"""

EXAMPLES = r"""
# scalingo.yml: every app, the token from SCALINGO_API_TOKEN.
plugin: scalingo.cloud.scalingo

---
# production.scalingo.yml: the token from a vaulted variable file
# (ansible-inventory -i production.scalingo.yml -e @vault.yml --list --export: without --export, --list prints extra vars),
# running apps named shop-*, with their formation, grouped by status and parent, cached for 10 minutes.
plugin: scalingo.cloud.scalingo
api_token: "{{ vault_scalingo_api_token }}"
region: osc-secnum-fr1
name_patterns: ["shop-*"]
statuses: [running, crashed]
formation: true
keyed_groups:
  - key: scalingo_status
    prefix: status
  - key: scalingo_parent
    prefix: review_of
groups:
  https_not_forced: not scalingo_force_https
compose:
  web_containers: scalingo_formation | selectattr('name', 'eq', 'web') | map(attribute='amount') | sum
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 600

---
# review-apps.scalingo.yml: the review apps of one app only.
plugin: scalingo.cloud.scalingo
parents: [my-shop]
child_apps: only
"""

import fnmatch
import hashlib
import json

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import trust_as_template

from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._redact import redact
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import connection_settings, in_groups
from ansible_collections.scalingo.cloud.plugins.module_utils._transport import HAS_REQUESTS, USER_AGENT

FILTER_OPTIONS = ("name_patterns", "statuses", "parents", "child_apps", "formation")


def app_hostvars(app, formation=None):
    """The variables of one app host (before the prefix), from the app object and its formation."""
    variables = {
        "id": app.get("id"),
        "name": app.get("name"),
        "status": app.get("status"),
        "url": app.get("url"),
        "region": app.get("region"),
        "owner": (app.get("owner") or {}).get("email"),
        "parent": app.get("parent_app_name") or None,
        "project": (app.get("project") or {}).get("name"),
        "stack_id": app.get("stack_id"),
        "force_https": app.get("force_https"),
        "sticky_session": app.get("sticky_session"),
        "router_logs": app.get("router_logs"),
        "last_deployed_at": app.get("last_deployed_at"),
    }
    if formation is not None:
        variables["formation"] = [
            {"name": c.get("name"), "amount": c.get("amount"), "size": c.get("size")} for c in formation
        ]
    return variables


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "scalingo.cloud.scalingo"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("scalingo.yml", "scalingo.yaml"))

    def _templated(self, option):
        value = self.get_option(option)
        if value is None:
            return None
        try:
            value = self.templar.template(value)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # The message names the option only: a rendered value may be the token.
            raise AnsibleError(
                f"scalingo inventory: could not render the {option} option ({type(exc).__name__})"
            ) from None
        return None if value is None else to_native(value).strip()

    def _settings(self):
        """The connection settings, checked by the same code as the modules' (defaults, variables, URLs).

        Every option of the settings table is read; the text ones may be templates of extra vars."""
        options = {
            setting.name: self._templated(setting.name) if setting.type == "str" else self.get_option(setting.name)
            for setting in in_groups()
        }
        try:
            return connection_settings(options)
        except ScalingoError as exc:
            raise AnsibleError(f"scalingo inventory: {exc.message}") from None

    def _fingerprint(self, token, api_url):
        """What the cached data depends on, hashed (the token never reaches the cache in clear)."""
        options = {name: self.get_option(name) for name in FILTER_OPTIONS}
        blob = json.dumps([api_url, token, options], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def _client(self, settings):
        if not HAS_REQUESTS:
            raise AnsibleError(
                "scalingo inventory: the requests Python library is required on the controller (pip install requests)"
            )
        client = Client.from_settings(settings)
        client.session.headers["User-Agent"] = f"{USER_AGENT} (inventory)"
        return client

    def _kept(self, app):
        name, status, parent = app.get("name") or "", app.get("status"), app.get("parent_app_name") or None
        patterns, statuses, parents = (
            self.get_option("name_patterns"),
            self.get_option("statuses"),
            self.get_option("parents"),
        )
        child_apps = self.get_option("child_apps")
        if patterns and not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return False
        if statuses and status not in statuses:
            return False
        if parents and parent not in parents:
            return False
        if child_apps == "exclude" and parent:
            return False
        return not (child_apps == "only" and not parent)

    def _fetch(self, client):
        """Hostvars (without prefix) of every app kept by the filters, sorted by name."""
        apps = sorted(
            (
                a
                for a in client.get("/apps", "apps", list, {"name": str}, action="could not list the apps")
                if self._kept(a)
            ),
            key=lambda a: a.get("name") or "",
        )
        hosts = []
        for app in apps:
            formation = None
            if self.get_option("formation"):
                try:
                    formation = client.formation(app["name"])
                except ScalingoError as exc:
                    if exc.status == 404 and exc.resource == "app":
                        continue  # deleted since the list was read
                    raise
            hosts.append(app_hostvars(app, formation))
        return hosts

    def _populate(self, hosts):
        prefix = self.get_option("hostvars_prefix") or ""
        strict = self.get_option("strict")
        group = self.inventory.add_group(self.get_option("group"))
        for app in hosts:
            name = app["name"]
            self.inventory.add_host(name, group=group)
            variables = {f"{prefix}{key}": value for key, value in app.items()}
            variables["ansible_connection"] = "local"
            if self.get_option("use_controller_python"):
                # The one template this plugin sets (the API's data is never trusted as a template).
                variables["ansible_python_interpreter"] = trust_as_template("{{ ansible_playbook_python }}")
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        # Options may be templates of extra vars (a vaulted token given with -e @vault.yml).
        self.templar.available_variables = self._vars
        settings = self._settings()
        token, api_url = settings["api_token"], settings["api_url"]

        use_cache = self.get_option("cache")
        cache_key = f"{self.get_cache_key(path)}_{self._fingerprint(token, api_url)}"
        hosts = None
        if use_cache and cache:
            try:
                hosts = self._cache[cache_key]
            except KeyError:
                hosts = None
        if hosts is None:
            client = None
            try:
                client = self._client(settings)
                hosts = self._fetch(client)
            except ScalingoError as exc:
                secrets = client.secrets() if client else (token,)
                raise AnsibleError(f"scalingo inventory: {redact(exc.message, secrets)}") from None
            except Exception as exc:  # pylint: disable=broad-exception-caught
                # An unexpected failure (a malformed URL, ...): its text, cleaned of anything like a credential.
                details = redact(to_native(exc), client.secrets() if client else (token,))
                raise AnsibleError(
                    f"scalingo inventory: could not read the apps from {api_url} ({type(exc).__name__}: {details})"
                ) from None
            finally:
                # What the client had to say (an unusable cache folder, a listing cut short), failure or not.
                for warning in client.warnings if client else []:
                    self.display.warning(f"scalingo inventory: {warning}")
            if use_cache:
                self._cache[cache_key] = hosts
        self._populate(hosts)
