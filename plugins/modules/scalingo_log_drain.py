#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_log_drain
short_description: Add and remove the log drains of a Scalingo application or of one of its addons
description:
  - Makes log drains (destinations Scalingo sends logs to) exist on an app, or on one of its database addons, or
    not exist. O(exclusive=true) also removes the drains the task does not list.
  - A drain is given by its URL (O(url), Scalingo's V(elk) type), or by its type and fields (O(type) with O(host),
    O(port), O(token), O(drain_region)), from which Scalingo makes its URL. One drain per task with these
    options, or several with O(drains).
  - B(Drain URLs and tokens are secrets). They are never returned, shown in a diff, a message or a warning;
    drains are shown by their scheme and host only (V(syslog://logs.example.com:6514...)) and a digest of their
    URL (V(sha256:...), the first 16 hex digits of its SHA-256).
  - Scalingo gives a drain no id; its URL is its identity. A drain given by O(url) is the listed drain of that
    exact URL. A typed drain is the listed drain whose URL holds its fields where Scalingo puts them (see the
    notes); the URL forms of V(appsignal) and V(betterstack) are not documented, so such a drain is found by its
    token anywhere in the URL (and its host).
  - A task that changes nothing sends one request (the drains), two with O(addon) (the app's addons first), plus
    a token exchange when no bearer is cached. Each drain to add or remove is one request.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  addon:
    description:
      - The addon whose logs are drained instead of the app's, by its provider (V(postgresql), when the app has one
        addon of it) or its id (V(ad-...)). Only database addons emit logs; Scalingo refuses the others.
      - An addon the app does not have fails, listing its addons; with O(state=absent) it has no drains, and
        nothing is done.
    type: str
  state:
    description:
      - V(present) adds the drains that are missing; V(absent) removes the listed drains that exist.
      - Nothing is done with V(absent) when the app does not exist.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every drain of the app (or of O(addon)) that the task does not give.
        V(drains=[]) with V(exclusive=true) removes them all; V(exclusive=true) without any drain is refused, as a
        slip that would do the same.
    type: bool
    default: false
  url:
    description:
      - The drain's URL, credentials included (Scalingo's V(elk) type). Goes alone (no O(host), O(port),
        O(token), O(drain_region)); O(type) is then V(elk) or left out.
      - A secret, never shown; see the description.
    type: str
  type:
    description:
      - The drain's type, with the fields it needs (checked before any request). V(datadog) needs O(token) and
        O(drain_region); V(ovh-graylog) O(token) and O(host); V(papertrail) and V(syslog) O(host) and O(port)
        (V(syslog) takes an optional O(token)); V(appsignal) O(token); V(betterstack) O(token) and O(host);
        V(elk) O(url).
    type: str
    choices: [appsignal, betterstack, datadog, elk, ovh-graylog, papertrail, syslog]
  host:
    description: Host of the drain's service.
    type: str
  port:
    description: Port of the drain's service, from V(1) to V(65535) (sent as text, as Scalingo wants).
    type: int
  token:
    description: The drain's token. A secret, never shown.
    type: str
  drain_region:
    description: The service's region (Datadog's V(eu) or V(us), for instance).
    type: str
  drains:
    description:
      - Several drains at once, each with the options above (O(drains[].url), or O(drains[].type) and its
        fields). Not with the options of a single drain.
    type: list
    elements: dict
    suboptions:
      url:
        description: As O(url).
        type: str
      type:
        description: As O(type).
        type: str
        choices: [appsignal, betterstack, datadog, elk, ovh-graylog, papertrail, syslog]
      host:
        description: As O(host).
        type: str
      port:
        description: As O(port).
        type: int
      token:
        description: As O(token).
        type: str
      drain_region:
        description: As O(drain_region).
        type: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the drains (and the addons with O(addon)), sends nothing that changes them, and returns the predicted
        drains. A drain to add is shown with the URL Scalingo would make from its fields, where its form is known.
  diff_mode:
    support: full
    details:
      - The diff lists the drains before and after, each as its masked URL and digest; never a URL or a token.
notes:
  - 'How a typed drain is matched with the listed URLs: V(datadog) is V(datadog://<token>?region=<drain_region>),
    V(ovh-graylog) V(ovh://:<token>@<host>:6514), V(syslog) V(syslog://:<token>@<host>:<port>) (V(syslog://<host>:<port>)
    assumed without a token), V(papertrail) V(tcp+tls://<host>:<port>) (inferred from Scalingo''s examples). A
    listed URL matches when its scheme is the type''s and every field given is in its place. Should Scalingo
    change a form, an existing drain would no longer be recognized and would be added again: give such a drain
    by its O(url) (as the app''s drains list it) instead.'
  - A drain whose answer is lost is looked for in the drains (as long as O(api_timeout)) before it is sent again.
  - A drain target that fails ten lines in a row is quarantined by Scalingo for a while; the drain stays listed.
seealso:
  - name: Log drains on Scalingo
    description: The drain types and their fields.
    link: https://doc.scalingo.com/platform/app/log-drain
"""

EXAMPLES = r"""
- name: Send the app's logs to Datadog
  scalingo.cloud.scalingo_log_drain:
    app: my-shop
    type: datadog
    token: "{{ vault_datadog_api_key }}"
    drain_region: eu

- name: Send the database's logs to a syslog server
  scalingo.cloud.scalingo_log_drain:
    app: my-shop
    addon: postgresql
    type: syslog
    host: logs.example.com
    port: 6514
    token: "{{ vault_syslog_token }}"

- name: Exactly these drains, the others removed
  scalingo.cloud.scalingo_log_drain:
    app: my-shop
    exclusive: true
    drains:
      - url: "{{ vault_elk_url }}"
      - {type: papertrail, host: logs7.papertrailapp.com, port: 12345}

- name: Remove a drain
  scalingo.cloud.scalingo_log_drain:
    app: my-shop
    url: "{{ vault_elk_url }}"
    state: absent
"""

RETURN = r"""
drains:
  description:
    - The drains of the app (or of O(addon)) after the task, or as predicted in check mode, each as its masked URL
      and the digest of its URL (V(null) for a drain to add whose URL can't be predicted).
  returned: always
  type: list
  elements: dict
  sample: [{url: "syslog://logs.example.com:6514...", digest: "sha256:5d41402abc4b2a76"}]
added:
  description: The drains added (or to add in check mode), masked as in RV(drains).
  returned: always
  type: list
  elements: dict
  sample: [{url: "datadog://...", digest: "sha256:0bee89b07a248e27"}]
removed:
  description: The drains removed (or to remove in check mode), masked as in RV(drains).
  returned: always
  type: list
  elements: dict
  sample: []
addon_id:
  description: The id of the addon whose drains these are, with O(addon).
  returned: with O(addon), when the addon exists
  type: str
  sample: ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63
"""

from functools import partial
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, identifier_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._drains import (
    drain_body,
    drain_matches,
    drain_problem,
    normalized,
    predicted_url,
    shown_drain,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

TYPES = ["appsignal", "betterstack", "datadog", "elk", "ovh-graylog", "papertrail", "syslog"]
DRAIN_SPEC = {
    "url": {"type": "str", "no_log": True},
    "type": {"type": "str", "choices": TYPES},
    "host": {"type": "str"},
    "port": {"type": "int"},
    "token": {"type": "str", "no_log": True},
    "drain_region": {"type": "str"},
}
ARGUMENT_SPEC = dict(
    {
        "app": {"type": "str", "required": True},
        "addon": {"type": "str"},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "exclusive": {"type": "bool", "default": False},
        "drains": {"type": "list", "elements": "dict", "options": DRAIN_SPEC},
    },
    **DRAIN_SPEC,
)
SINGLE = tuple(DRAIN_SPEC)


def wanted_drains(params: dict) -> list[dict]:
    if params["drains"] is not None:
        return list(params["drains"])
    single = {key: params[key] for key in SINGLE}
    return [single] if any(value is not None for value in single.values()) else []


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported (never quoting a secret)."""
    problems = [app_name_problem("app", params["app"])]
    if params["addon"] is not None:
        problems.append(identifier_problem("addon", params["addon"]))
    given = [key for key in SINGLE if params[key] is not None]
    if params["drains"] is not None and given:
        problems.append(f"drains lists the drains: leave {', '.join(given)} out, or give them in drains")
    elif params["drains"] is None and not given:
        if params["exclusive"]:
            problems.append("exclusive=true without a drain would remove every drain: give drains: [] to mean that")
        else:
            problems.append("give the drain: url, or type with its fields (or several in drains)")
    if params["exclusive"] and params["state"] == "absent":
        problems.append("exclusive is for state=present (it removes the drains the task does not give)")
    drains = wanted_drains(params)
    for number, drain in enumerate(drains):
        where = f"drains[{number}]" if params["drains"] is not None else "the drain"
        problems.append(drain_problem(drain, where))
    return [problem for problem in problems if problem]


class LogDrain(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.wanted = [normalized(drain) for drain in wanted_drains(self.params)]
        self.addon: dict | None = None
        self.path = api_path("apps", self.app, "log_drains")

    @property
    def what(self) -> str:
        return f"addon {self.addon['id']} of app '{self.app}'" if self.addon else f"app '{self.app}'"

    def locate(self) -> bool:
        """Find the addon (with O(addon)); False when there is nothing to drain (state=absent only)."""
        absent = self.params["state"] == "absent"
        try:
            if self.params["addon"]:
                self.addon = self.client.find_addon(self.app, self.params["addon"], required=not absent)
                if self.addon is None:
                    return False
                self.path = api_path("apps", self.app, "addons", self.addon["id"], "log_drains")
            return True
        except ScalingoError as exc:
            if absent and exc.status == 404 and exc.resource == "app":
                return False  # no app, no drain
            raise

    def listed(self) -> list[str] | None:
        action = f"could not list the log drains of {self.what}"
        try:
            drains = self.client.get(self.path, "drains", list, {"url": str}, action=action)
        except ScalingoError as exc:
            if self.params["state"] == "absent" and exc.status == 404 and exc.resource == "app":
                return None
            raise
        urls = [drain["url"] for drain in drains]
        # Listed URLs are secrets the task does not know (those exclusive removes): no message may quote them.
        self.client.keep_secret(*urls)
        return urls

    def add(self, drain: dict) -> str:
        action = f"could not add a log drain (type {drain['type']}) to {self.what}"

        def send() -> str:
            reply = self.client.request("POST", self.path, {"drain": drain_body(drain)}, ok=(201,), action=action)
            url = reply.take("drain", fields={"url": str})["url"]
            self.client.keep_secret(url)
            return url

        def landed() -> str | None:
            return next((url for url in self.listed() or [] if drain_matches(drain, url)), None)

        # A drain the API already has may be accepted twice (logs sent twice): look before sending again.
        return self.write(send, landed, look=True)

    def remove(self, url: str) -> dict:
        action = f"could not remove a log drain of {self.what}"

        def send() -> dict:
            try:
                self.client.request("DELETE", self.path, params={"url": url}, ok=(204,), action=action)
            except ScalingoError as exc:
                if exc.status != 404 or exc.resource in ("app", "addon"):
                    raise
            return {}

        return self.write(send, lambda: None if url in (self.listed() or []) else {})

    def run(self) -> dict:
        located = self.locate()
        urls = self.listed() if located else None
        if urls is None:
            return self.result(False, {"drains": []}, {"drains": []}, drains=[], added=[], removed=[])
        present = self.params["state"] == "present"
        known = [d for d in self.wanted if any(drain_matches(d, url) for url in urls)]
        to_add = [d for d in self.wanted if present and d not in known]
        mine = [url for url in urls if any(drain_matches(d, url) for d in self.wanted)]
        if present:
            to_remove = [url for url in urls if self.params["exclusive"] and url not in mine]
        else:
            to_remove = mine
        added = [self.act(partial(predicted_url, d), partial(self.add, d)) for d in to_add]
        for url in to_remove:
            self.act(lambda: None, partial(self.remove, url))
        kept = [shown_drain(url) for url in urls if url not in to_remove]
        new = [shown_drain(url, drain) for url, drain in zip(added, to_add, strict=True)]
        result = {"drains": kept + new, "added": new, "removed": [shown_drain(url) for url in to_remove]}
        if self.addon:
            result["addon_id"] = self.addon["id"]
        before = {"drains": [shown_drain(url) for url in urls]}
        return self.result(bool(to_add or to_remove), before, {"drains": kept + new}, **result)


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(LogDrain)


if __name__ == "__main__":
    main()
