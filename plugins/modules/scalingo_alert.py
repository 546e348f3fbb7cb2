#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_alert
short_description: Create, change and delete the alerts of a Scalingo application
description:
  - Makes alerts on an app's metrics exist with the given settings, or not exist. An alert is sent through the
    app's notifiers when a metric of a container type stays above (or below) a limit.
  - B(Identity.) Scalingo gives alerts no name. The module finds an alert by its container type, its metric and
    its direction (O(send_when_below)); an app has at most one alert per such triple as far as this module is
    concerned (the task fails, without a write, when it finds two). Changing the limit, the durations, the
    notifiers or O(disabled) updates the alert; changing its type, metric or direction makes another alert.
  - One alert is given by the options O(container_type), O(metric) and its settings; several by the list
    O(alerts), whose items take the same options. The two forms can't be mixed. With O(alerts) and
    O(exclusive=true), the app's other alerts are deleted, except those an autoscaler of the app made.
  - Only the settings you give are managed; the others are left as they are on Scalingo.
  - A task that changes nothing sends one request, the list of the app's alerts, and one more, the list of its
    notifiers, when O(notifiers) is given (and the list of the app's autoscalers when O(exclusive=true) finds
    alerts to delete). Each alert to change costs one write, a POST, a PATCH or a DELETE. Add a token exchange
    when no bearer is cached (see O(bearer_cache)).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  state:
    description:
      - V(present) creates each alert given that the app does not have, then applies its settings.
      - V(absent) deletes the alerts given (found by their identity; the other settings are ignored).
    type: str
    choices: [present, absent]
    default: present
  container_type:
    description:
      - The container type whose metric is watched (V(web), V(worker), ...), as in the Procfile.
      - One alert's identity, with O(metric) and O(send_when_below). Required unless O(alerts) is given.
    type: str
  metric:
    description:
      - The metric watched, by Scalingo's names. V(cpu), V(memory) and V(swap) are the containers' use, as
        fractions (V(0.8) for 80%). V(p95_response_time) (milliseconds), V(5XX) (server errors per minute),
        V(all) (requests per minute) and V(rpm_per_container) come from the router and are only for the
        V(web) type; this is checked before any request.
    type: str
    choices: [cpu, memory, swap, p95_response_time, 5XX, all, rpm_per_container]
  limit:
    description: The value of O(metric) beyond which the alert is sent. Required to create an alert.
    type: float
  send_when_below:
    description:
      - V(true) sends the alert when the metric goes below O(limit), V(false) (Scalingo's default) when it
        goes above. Part of the alert's identity.
    type: bool
  duration_before_trigger:
    description:
      - How long the metric must stay beyond the limit before the alert is sent, as a duration with its units
        (V(3m), V(90s), V(1h30m)). Sent as the nanoseconds Scalingo counts in.
    type: str
  remind_every:
    description:
      - How often the alert is sent again while the metric stays beyond the limit, as a duration with its units
        (V(5m), V(1h)). Sent as a Go duration string (V(5m0s)); compared by its length, not its text.
    type: str
  disabled:
    description: V(true) keeps the alert but sends nothing.
    type: bool
  notifiers:
    description:
      - Names of the app's notifiers the alert is sent through (see M(scalingo.cloud.scalingo_notifier)),
        resolved to their ids through the app's notifiers list; an unknown name fails before any write,
        listing the app's notifiers. V([]) sends it through none. Compared regardless of order.
    type: list
    elements: str
  alerts:
    description:
      - Several alerts, instead of O(container_type), O(metric) and their settings, each item taking those
        options. Two items may not have the same identity.
    type: list
    elements: dict
    suboptions:
      container_type:
        description: As O(container_type).
        type: str
        required: true
      metric:
        description: As O(metric).
        type: str
        required: true
        choices: [cpu, memory, swap, p95_response_time, 5XX, all, rpm_per_container]
      limit:
        description: As O(limit).
        type: float
      send_when_below:
        description: As O(send_when_below).
        type: bool
        default: false
      duration_before_trigger:
        description: As O(duration_before_trigger).
        type: str
      remind_every:
        description: As O(remind_every).
        type: str
      disabled:
        description: As O(disabled).
        type: bool
      notifiers:
        description: As O(notifiers).
        type: list
        elements: str
  exclusive:
    description:
      - With O(alerts) and O(state=present), V(true) deletes the app's alerts that are not in the list (V([])
        deletes them all), except the alerts of its autoscalers (M(scalingo.cloud.scalingo_autoscaler)).
    type: bool
    default: false
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the alerts (and the notifiers and autoscalers when needed), returns the predicted alerts and sends
        nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds each alert concerned, by its identity (C(web cpu above)), with its state and the
        settings given in the task; the notifiers by name.
seealso:
  - module: scalingo.cloud.scalingo_notifier
    description: The notifiers alerts are sent through.
  - name: Scalingo alerts
    description: The metrics and how alerts are sent.
    link: https://doc.scalingo.com/platform/app/alerts
"""

EXAMPLES = r"""
- name: Alert when the web containers use more than 80% of their CPU for 3 minutes
  scalingo.cloud.scalingo_alert:
    app: my-shop
    container_type: web
    metric: cpu
    limit: 0.8
    duration_before_trigger: 3m
    remind_every: 30m
    notifiers: [on-call]

- name: Exactly these alerts on the app, the others deleted
  scalingo.cloud.scalingo_alert:
    app: my-shop
    exclusive: true
    alerts:
      - {container_type: web, metric: p95_response_time, limit: 800, notifiers: [on-call]}
      - {container_type: web, metric: rpm_per_container, limit: 10, send_when_below: true, notifiers: [slack]}
      - {container_type: worker, metric: memory, limit: 0.9, notifiers: [on-call]}

- name: Delete one
  scalingo.cloud.scalingo_alert:
    app: my-shop
    container_type: web
    metric: cpu
    state: absent
"""

RETURN = r"""
alert:
  description:
    - With O(container_type) and O(metric), the alert as the API returns it after the change (its C(notifiers)
      as sent when the answer has none), or as predicted in check mode (a predicted creation has no V(id)).
    - V({}) after O(state=absent), and with O(alerts).
  returned: always
  type: dict
  sample:
    id: al-4b1c4f9e-0f4a-4d3c-9c55-6a0f3d7d2c11
    app_id: 5f48ecb6f112e2000ef34f14
    container_type: web
    metric: cpu
    limit: 0.8
    send_when_below: false
    duration_before_trigger: 180000000000
    remind_every: 30m0s
    disabled: false
    notifiers: [no-a035a8ba-4f0c-4b0e-9d5e-6f0b7d2c1e3a]
    metadata: {recipient: user}
alerts:
  description: The alerts given, in their order, after the change (V([]) after O(state=absent)).
  returned: always
  type: list
  elements: dict
removed:
  description: The alerts deleted (by O(state=absent) or O(exclusive)), as they were.
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._alerts import (
    ALERT_FIELDS,
    ALERT_OPTIONS,
    ITEM_OPTIONS,
    changes,
    identity,
    items_problems,
    label,
    shown,
    wanted,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._notify import notifiers, unknown_names
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

ARGUMENT_SPEC = dict(
    ALERT_OPTIONS,
    app={"type": "str", "required": True},
    state={"type": "str", "default": "present", "choices": ["present", "absent"]},
    alerts={"type": "list", "elements": "dict", "options": ITEM_OPTIONS},
    exclusive={"type": "bool", "default": False},
)


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"])]
    if params["exclusive"] and (params["alerts"] is None or params["state"] == "absent"):
        problems.append("exclusive: true goes with the alerts list and state=present (it keeps only the alerts listed)")
    problems += items_problems(wanted(params))
    return [problem for problem in problems if problem]


class Alerts(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.wanted = wanted(self.params)
        self.names: dict[str, str] = {}  # notifier id -> name, read when notifiers are given

    def path(self, alert: dict | None = None) -> str:
        return api_path("apps", self.app, "alerts", *([alert["id"]] if alert else []))

    def read(self) -> list[dict]:
        action = f"could not list the alerts of app '{self.app}'"
        return self.client.get(self.path(), "alerts", list, ALERT_FIELDS, action=action)

    def find(self, alerts: list[dict], item: dict) -> dict | None:
        """The alert with the identity of `item` among `alerts`, or None; fails when there are several."""
        found = [alert for alert in alerts if identity(alert) == identity(item)]
        if len(found) > 1:
            ids = ", ".join(alert["id"] for alert in found)
            self.fail(f"app '{self.app}' has {len(found)} alerts {label(item)} ({ids}): delete all but one")
        return found[0] if found else None

    def resolve_notifiers(self) -> None:
        names = sorted({name for item in self.wanted for name in item["notifiers"] or []})
        if not any(item["notifiers"] is not None for item in self.wanted):
            return
        known = notifiers(self.client, self.app)
        problem = unknown_names(names, known, f"notifiers of app '{self.app}'")
        if problem:
            self.fail(problem)
        twice = sorted(
            {n["name"] for n in known if n["name"] in names and [m["name"] for m in known].count(n["name"]) > 1}
        )
        if twice:
            self.fail(f"app '{self.app}' has several notifiers named {', '.join(twice)}: give each a name of its own")
        self.names = {n["id"]: n["name"] for n in known}

    def changes(self, current: dict, item: dict) -> dict:
        return changes(current, item, {name: ident for ident, name in self.names.items()})

    def shown(self, alert: dict | None, item: dict | None) -> dict:
        return shown(alert, item, self.names)

    # -- writes ---------------------------------------------------------------------

    def create(self, item: dict) -> dict:
        kind, metric, below = identity(item)
        body = dict(self.changes({}, item), container_type=kind, metric=metric, send_when_below=below)

        def send() -> dict:
            reply = self.client.request(
                "POST", self.path(), {"alert": body}, ok=(201,), action=f"could not create alert {label(item)}"
            )
            return {"notifiers": body.get("notifiers", []), **reply.take("alert", fields=ALERT_FIELDS)}

        # Scalingo does not refuse a second alert alike: a lost POST is looked for before it is sent again.
        return self.act(lambda: body, lambda: self.write(send, lambda: self.find(self.read(), item), look=True))

    def update(self, current: dict, item: dict, body: dict) -> dict:
        def send() -> dict:
            action = f"could not update alert {label(item)}"
            reply = self.client.request("PATCH", self.path(current), {"alert": body}, action=action)
            # Scalingo's answer to an update has no notifiers: they are what was sent, or what they were.
            return {**current, **body, **reply.take("alert", fields=ALERT_FIELDS)}

        def landed() -> dict | None:
            now = self.find(self.read(), item)
            return now if now is not None and not self.changes(now, item) else None

        return self.act(lambda: dict(current, **body), lambda: self.write(send, landed))

    def delete(self, alert: dict) -> None:
        def send() -> dict:
            try:
                self.client.request(
                    "DELETE", self.path(alert), ok=(204,), action=f"could not delete alert {label(alert)}"
                )
            except ScalingoError as exc:
                if exc.status != 404 or exc.resource != "alert":
                    raise
            return {}

        def landed() -> dict | None:
            return None if any(a["id"] == alert["id"] for a in self.read()) else {}

        self.act(lambda: None, lambda: self.write(send, landed))

    # -- states ---------------------------------------------------------------------

    def kept(self, alerts: list[dict]) -> list[dict]:
        """The alerts exclusive=true deletes: those not given, but for the alerts of the app's autoscalers."""
        others = [alert for alert in alerts if all(identity(alert) != identity(item) for item in self.wanted)]
        if not others:
            return []
        made = {
            scaler.get(key)
            for scaler in self.client.autoscalers(self.app).values()
            for key in ("alert_id_scale_up", "alert_id_scale_down")
        }
        return [alert for alert in others if alert["id"] not in made]

    def present(self) -> dict:
        alerts = self.read()
        self.resolve_notifiers()
        plan = [(item, self.find(alerts, item)) for item in self.wanted]
        missing = [label(item) for item, current in plan if current is None and item["limit"] is None]
        if missing:
            self.fail(f"app '{self.app}' has no alert {', '.join(missing)}: to create one, give its limit")
        removed = self.kept(alerts) if self.params["exclusive"] else []
        before, after, results, changed = {}, {}, [], bool(removed)
        for item, current in plan:
            if current is None:
                alert, changed = self.create(item), True
            else:
                body = self.changes(current, item)
                alert = self.update(current, item, body) if body else current
                changed = changed or bool(body)
            before[label(item)], after[label(item)] = self.shown(current, item), self.shown(alert, item)
            results.append(alert)
        for alert in removed:
            self.delete(alert)
            before[label(alert)], after[label(alert)] = self.shown(alert, None), {"state": "absent"}
        single = results[0] if self.params["alerts"] is None else {}
        return self.result(changed, before, after, alert=single, alerts=results, removed=removed)

    def absent(self) -> dict:
        try:
            alerts = self.read()
        except ScalingoError as exc:
            if exc.status != 404 or exc.resource != "app":
                raise
            alerts = []  # no app, no alert
        removed = [alert for alert in (self.find(alerts, item) for item in self.wanted) if alert is not None]
        for alert in removed:
            self.delete(alert)
        before = {label(item): self.shown(self.find(alerts, item), None) for item in self.wanted}
        after = {label(item): {"state": "absent"} for item in self.wanted}
        return self.result(bool(removed), before, after, alert={}, alerts=[], removed=removed)


def main() -> None:
    singles = [key for key in ALERT_OPTIONS if key != "container_type"]
    ScalingoModule(
        ARGUMENT_SPEC,
        input_problems=input_problems,
        mutually_exclusive=[["alerts", key] for key in ALERT_OPTIONS],
        required_one_of=[["alerts", "container_type"]],
        required_together=[["container_type", "metric"]],
        required_by=dict.fromkeys(singles, "container_type"),
    ).run(Alerts)


if __name__ == "__main__":
    main()
