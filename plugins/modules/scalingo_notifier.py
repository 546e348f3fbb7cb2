#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_notifier
short_description: Create, change and delete a notifier of a Scalingo application
description:
  - Makes a notifier of an app exist with the given settings, or not exist. A notifier sends the app's events
    (deployments, crashes, alerts...) to an e-mail address, a Slack or Rocket.Chat channel, or a webhook.
  - The module finds the notifier by O(name) among the app's notifiers (Scalingo does not require names to be
    unique; the task fails, without a write, when two notifiers of the app have the name).
  - Only the options you give are managed (and O(active), which defaults to V(true)); the others are left as
    they are on Scalingo.
  - A task that changes nothing sends one request, the list of the app's notifiers, and one more, the list of
    event types, when O(events) names events. A creation also reads the notification platforms. A change
    sends one write, a POST or a PATCH. Add a token exchange when no bearer is cached (see O(bearer_cache)).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  name:
    description:
      - Name of the notifier within the app, how the module finds it.
      - Every app has a default notifier, named C(Default '<app>' notifier), which can be managed by its name.
    type: str
    required: true
  state:
    description:
      - V(present) creates the notifier when the app has none of that name, then applies the settings.
      - V(absent) deletes every notifier of the app with that name. The other options are then ignored.
    type: str
    choices: [present, absent]
    default: present
  platform:
    description:
      - Where the notifier sends, by the name Scalingo's notification platforms listing gives it
        (V(email), V(slack), V(webhook), V(rocket_chat), ...). Required to create a notifier.
      - An unknown name fails after the read of the listing, listing the valid ones, before any write.
      - Scalingo can't change the platform of a notifier; a different one fails without a write (delete the
        notifier, then create it again).
    type: str
  active:
    description: Whether the notifier sends anything. V(false) keeps it, silent.
    type: bool
    default: true
  events:
    description:
      - The events the notifier sends. V(all) for every event; otherwise a list of event type names
        (V(app_deployed), V(app_crashed), V(addon_provisioned), ...), which the module resolves to their ids
        through Scalingo's event types listing. An unknown name fails before any write, listing the valid ones.
      - V([]) sends no event (the alerts, see O(send_all_alerts), are apart).
    type: list
    elements: str
  send_all_alerts:
    description: Whether the notifier sends every alert of the app (see M(scalingo.cloud.scalingo_alert)).
    type: bool
  webhook_url:
    description:
      - The URL the V(slack), V(webhook) and V(rocket_chat) platforms post to. Required to create such a notifier.
      - A secret (it carries the token that lets anyone post there). Never returned, logged or shown in a
        diff, where it is V(<set>), V(<not set>) or V(<changed>). Scalingo returns it in its answers; the
        module compares the given value with it by digest and never shows either.
    type: str
  emails:
    description: The e-mail addresses the V(email) platform sends to (compared regardless of order).
    type: list
    elements: str
  user_ids:
    description:
      - Ids of users (the app's owner or collaborators, as V(us-...)) the V(email) platform sends to (compared
        regardless of order).
    type: list
    elements: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the notifiers (and the listings names are resolved with), returns the predicted notifier and
        sends nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds the notifier's state, name, platform, O(active) and the settings given in the task;
        a webhook URL only as V(<set>), V(<not set>) or V(<changed>).
seealso:
  - module: scalingo.cloud.scalingo_alert
    description: Alerts on an app's metrics, sent through its notifiers.
  - name: Scalingo notifiers
    description: The platforms and the events a notifier can send.
    link: https://doc.scalingo.com/platform/app/notifiers
"""

EXAMPLES = r"""
- name: Post every deployment and crash to a webhook
  scalingo.cloud.scalingo_notifier:
    app: my-shop
    name: ops webhook
    platform: webhook
    webhook_url: "{{ vault_ops_webhook_url }}"
    events: [app_deployed, app_crashed, app_crashed_repeated]

- name: Everything to a Slack channel, alerts included
  scalingo.cloud.scalingo_notifier:
    app: my-shop
    name: slack
    platform: slack
    webhook_url: "{{ vault_slack_webhook_url }}"
    events: all
    send_all_alerts: true

- name: Alerts by e-mail
  scalingo.cloud.scalingo_notifier:
    app: my-shop
    name: on-call
    platform: email
    emails: [oncall@example.com]
    events: []
    send_all_alerts: true

- name: Silence it for a while
  scalingo.cloud.scalingo_notifier:
    app: my-shop
    name: slack
    active: false

- name: Delete it
  scalingo.cloud.scalingo_notifier:
    app: my-shop
    name: slack
    state: absent
"""

RETURN = r"""
notifier:
  description:
    - The notifier as the API returns it after the change, or as predicted in check mode (a predicted
      creation has no V(id)); its secret settings (C(type_data.webhook_url)) replaced by V(<redacted>).
    - V({}) after O(state=absent).
  returned: always
  type: dict
  sample:
    id: no-a035a8ba-4f0c-4b0e-9d5e-6f0b7d2c1e3a
    name: ops webhook
    type: webhook
    platform_id: 59c27732c094990021f325dc
    active: true
    send_all_alerts: false
    send_all_events: false
    selected_event_ids: [59c2772fc094990021f325d5]
    type_data:
      webhook_url: <redacted>
    app: my-shop
    app_id: 5f48ecb6f112e2000ef34f14
    created_at: "2024-05-02T10:12:03.123Z"
    updated_at: "2024-05-02T10:12:03.123Z"
"""

from functools import partial
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._notifier import (
    REQUIRED,
    SETTINGS,
    changes,
    same_setting,
    settings_problems,
    shown,
    type_data,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._notify import (
    NOTIFIER_FIELDS,
    event_types,
    masked,
    notification_platforms,
    notifiers,
    unknown_names,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "platform": {"type": "str"},
    "active": {"type": "bool", "default": True},
    "events": {"type": "list", "elements": "str"},
    "send_all_alerts": {"type": "bool"},
    "webhook_url": {"type": "str", "no_log": True},
    "emails": {"type": "list", "elements": "str"},
    "user_ids": {"type": "list", "elements": "str"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"])]
    name = params["name"]
    if not name.strip() or not name.isprintable():
        problems.append(f"name {name!r} is invalid: give the notifier's name, without line breaks")
    if params["state"] == "absent":
        return [problem for problem in problems if problem]
    problems += settings_problems(params)
    return [problem for problem in problems if problem]


class Notifier(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.name = self.params["name"]
        self.what = f"notifier '{self.name}' of app '{self.app}'"
        self.settings = {key: self.params[key] for key in SETTINGS if self.params[key] is not None}
        self.events = self.params["events"]
        self.types: list[dict] = []  # the event types, read when events are named

    def path(self, notifier: dict | None = None) -> str:
        return api_path("apps", self.app, "notifiers", *([notifier["id"]] if notifier else []))

    def find(self) -> dict | None:
        """The notifier of that name, or None; fails when the app has several."""
        found = [n for n in notifiers(self.client, self.app) if n["name"] == self.name]
        if len(found) > 1:
            ids = ", ".join(n["id"] for n in found)
            self.fail(f"app '{self.app}' has {len(found)} notifiers named '{self.name}' ({ids}): delete all but one")
        return found[0] if found else None

    def event_ids(self) -> list[str] | None:
        """The ids of the events named, read from the event types listing; None when all or unmanaged."""
        if self.events is None or self.events == ["all"]:
            return None
        if self.events:
            self.types = event_types(self.client)
            problem = unknown_names(self.events, self.types, "event types")
            if problem:
                self.fail(problem)
        return [t["id"] for t in self.types if t["name"] in self.events]

    def platform_id(self) -> str:
        """The id of the platform named, from the platforms listing."""
        platforms = notification_platforms(self.client)
        problem = unknown_names([self.params["platform"]], platforms, "notification platform")
        if problem:
            self.fail(problem)
        return next(p["id"] for p in platforms if p["name"] == self.params["platform"])

    def changes(self, current: dict, ids: list[str] | None) -> dict:
        return changes(current, self.params, ids)

    def shown(self, notifier: dict | None, hook_changed: bool = False) -> dict:
        return shown(notifier, self.params, self.types, hook_changed)

    def send(self, method: str, notifier: dict | None, body: dict) -> dict:
        action = f"could not {'create' if notifier is None else 'update'} {self.what}"
        reply = self.client.request(
            method, self.path(notifier), {"notifier": body}, ok=(201,) if method == "POST" else (200,), action=action
        )
        return reply.take("notifier", fields=NOTIFIER_FIELDS)

    def create(self, ids: list[str] | None) -> dict:
        platform = self.params["platform"]
        needed = ["platform"] if platform is None else [k for k in REQUIRED.get(platform, ()) if k not in self.settings]
        if needed:
            self.fail(f"app '{self.app}' has no notifier named '{self.name}': to create one, give {', '.join(needed)}")
        body = {"name": self.name, "platform_id": self.platform_id(), "active": self.params["active"]}
        body.update(self.changes({}, ids))
        body.setdefault("send_all_events", False)
        predicted = dict(body, type=platform)
        # A lost POST is looked for by name before it is sent again.
        return self.act(
            lambda: predicted, lambda: self.write(lambda: self.send("POST", None, body), self.find, look=True)
        )

    def update(self, current: dict, body: dict) -> dict:
        def landed() -> dict | None:
            now = self.find()
            return now if now is not None and now["id"] == current["id"] and not self.changes(now, ids) else None

        ids = body.get("selected_event_ids")
        predicted = dict(current, **body)
        return self.act(lambda: predicted, lambda: self.write(lambda: self.send("PATCH", current, body), landed))

    def present(self) -> dict:
        current = self.find()
        ids = self.event_ids()
        body = {}
        if current is None:
            notifier = self.create(ids)
        else:
            platform = self.params["platform"]
            if platform is not None and platform != current.get("type"):
                self.platform_id()  # an unknown name is reported as such
                self.fail(
                    f"{self.what} sends to the {current.get('type')} platform; Scalingo can't change a notifier's "
                    f"platform to {platform}: delete it (state=absent), then create it again"
                )
            body = self.changes(current, ids)
            if body and self.events == ["all"] and current.get("selected_event_ids"):
                self.types = event_types(self.client)  # only to name the events the diff shows as before
            notifier = self.update(current, body) if body else current
        data = type_data(current) if current else {}
        hook_given = bool(body) and "webhook_url" in self.settings
        hook_changed = hook_given and not same_setting(
            "webhook_url", self.settings["webhook_url"], data.get("webhook_url")
        )
        return self.result(
            current is None or bool(body),
            self.shown(current),
            self.shown(notifier, hook_changed),
            notifier=masked(notifier),
        )

    def absent(self) -> dict:
        try:
            found = [n for n in notifiers(self.client, self.app) if n["name"] == self.name]
        except ScalingoError as exc:
            if exc.status != 404 or exc.resource != "app":
                raise
            found = []  # no app, no notifier
        for notifier in found:
            self.act(lambda: None, partial(self.delete, notifier))
        return self.result(bool(found), self.shown(found[0] if found else None), self.shown(None), notifier={})

    def delete(self, notifier: dict) -> dict:
        def send() -> dict:
            try:
                self.client.request("DELETE", self.path(notifier), ok=(204,), action=f"could not delete {self.what}")
            except ScalingoError as exc:
                if exc.status != 404:
                    raise
            return {}

        def landed() -> dict | None:
            return None if any(n["id"] == notifier["id"] for n in notifiers(self.client, self.app)) else {}

        return self.write(send, landed)


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(Notifier)


if __name__ == "__main__":
    main()
