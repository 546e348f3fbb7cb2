#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_autoscaler
short_description: Create, change, disable and delete the autoscaler of a Scalingo container type
description:
  - Makes the autoscaler of one container type of an app exist with the given settings, or not exist.
    Scalingo allows one autoscaler per container type; the module finds it by O(container_type).
  - The autoscaler adds containers of that type when O(metric) goes above O(target) and removes some when
    it goes below, between O(min_containers) and O(max_containers).
  - Every input is checked before any request. What depends on the current autoscaler (a creation that
    lacks a setting, one bound given alone that would cross the other) fails after the one read, before
    any write; a creation for a type the app does not have fails after the read of its formation.
  - A task that changes nothing sends one GET; a change sends one more request, a PATCH of the changed
    fields only; a creation sends a GET of the formation and a POST (and a PATCH when O(enabled=false), as
    Scalingo creates autoscalers enabled); a deletion sends a DELETE. Add a token exchange when no bearer is
    cached (see O(bearer_cache)).
  - Scalingo disables the autoscaler of a type that is scaled by hand. M(scalingo.cloud.scalingo_scale)
    leaves an autoscaled type alone instead (see its O(scalingo.cloud.scalingo_scale#module:override_autoscaler)).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  container_type:
    description:
      - Container type the autoscaler scales, as in the Procfile (V(web), V(worker), ...). Letters and digits
        only, checked before any request. Case counts (V(Web) is not V(web)).
      - It must exist in the app's formation; Scalingo refuses an autoscaler for another type. Before a
        creation, the module reads the formation and fails, without a write, if the type is not in it.
    type: str
    required: true
  state:
    description:
      - V(present) creates the autoscaler when the type has none, then applies the settings.
      - V(absent) deletes it. Nothing is done when the app does not exist, as it has no autoscaler then.
    type: str
    choices: [present, absent]
    default: present
  metric:
    description:
      - What the autoscaler watches. V(cpu), V(memory) and V(swap) are the containers' use (any type);
        V(rpm_per_container) (requests per minute per container), V(p95_response_time) (milliseconds) and
        V(5XX) (server errors per minute) come from the router. V(5XX) is only for the V(web) type.
      - Required, with O(target), O(min_containers) and O(max_containers), to create an autoscaler; left as
        it is on an existing one when omitted.
      - Give O(target) with it, as a target only means something for its metric.
    type: str
    choices: [cpu, memory, swap, rpm_per_container, p95_response_time, 5XX]
  target:
    description:
      - The value of O(metric) the autoscaler keeps each container near.
      - For V(cpu), V(memory) and V(swap) a fraction above 0 and at most 1 (V(0.75) for 75%); for the other
        metrics a number above 0 (V(150) requests per minute, V(250) ms, V(10) errors per minute).
      - Give O(metric) with it.
    type: float
  min_containers:
    description:
      - Fewest containers the autoscaler keeps. At least V(2) (Scalingo's minimum for an autoscaler).
      - At most O(max_containers). When only one of the two is given, it is checked against the other's
        current value before anything is sent.
    type: int
  max_containers:
    description:
      - Most containers the autoscaler starts. At most V(10), Scalingo's default limit per container type.
    type: int
  enabled:
    description:
      - Whether the autoscaler acts. V(false) disables it without deleting it (and without scaling in).
      - The default re-enables an autoscaler that a scale by hand (or a V(false) here) disabled; once
        enabled, it may scale either way.
    type: bool
    default: true
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the autoscalers and returns the predicted autoscaler; sends nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds the autoscaler's state, its container type and the settings given in the task.
seealso:
  - module: scalingo.cloud.scalingo_scale
    description: Sets the formation; leaves the amount of an autoscaled type to its autoscaler.
  - name: Scalingo autoscaler
    description: How the autoscaler decides, its metrics and cooldowns.
    link: https://doc.scalingo.com/platform/app/scaling/scalingo-autoscaler
"""

EXAMPLES = r"""
- name: Keep web containers near 75% CPU, with 2 to 6 of them
  scalingo.cloud.scalingo_autoscaler:
    app: my-shop
    container_type: web
    metric: cpu
    target: 0.75
    min_containers: 2
    max_containers: 6

- name: Scale workers on memory
  scalingo.cloud.scalingo_autoscaler:
    app: my-shop
    container_type: worker
    metric: memory
    target: 0.8
    min_containers: 2
    max_containers: 4

- name: Allow more web containers for the sales (only max_containers changes)
  scalingo.cloud.scalingo_autoscaler:
    app: my-shop
    container_type: web
    max_containers: 10

- name: Disable it for a while, keeping its settings
  scalingo.cloud.scalingo_autoscaler:
    app: my-shop
    container_type: web
    enabled: false

- name: Delete it
  scalingo.cloud.scalingo_autoscaler:
    app: my-shop
    container_type: web
    state: absent
"""

RETURN = r"""
autoscaler:
  description:
    - The autoscaler as the API returns it after the change, or as predicted in check mode (a predicted
      creation has no V(id)).
    - V({}) after O(state=absent).
  returned: always
  type: dict
  sample:
    id: sc-5418fe67-885d-4e50-8cbe-9a9a2d2d690a
    app_id: 5f48ecb6f112e2000ef34f14
    container_type: web
    metric: cpu
    target: 0.75
    min_containers: 2
    max_containers: 6
    disabled: false
    last_scale: "0001-01-01T00:00:00Z"
    alert_id_scale_up: al-ecf1b6f8-93c4-4bcb-b0ab-1a63b1a5d6b7
    alert_id_scale_down: al-6ef7e8d2-60fd-4cb5-9b5c-3ac3a5b0bf6e
    created_at: "2020-08-28T11:48:29.963Z"
    updated_at: "2020-08-28T11:48:29.963Z"
"""

import math
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import AUTOSCALER_FIELDS, api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, container_type_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Reply
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, differences

SETTINGS = ("metric", "target", "min_containers", "max_containers")
FRACTIONS = ("cpu", "memory", "swap")
MIN_CONTAINERS = 2
MAX_PER_TYPE = 10


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "container_type": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "metric": {
        "type": "str",
        "choices": ["cpu", "memory", "swap", "rpm_per_container", "p95_response_time", "5XX"],
    },
    "target": {"type": "float"},
    "min_containers": {"type": "int"},
    "max_containers": {"type": "int"},
    "enabled": {"type": "bool", "default": True},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problem = app_name_problem("app", params["app"]) or settings_problem(params)
    return [problem] if problem else []


def settings_problem(p: dict) -> str | None:
    """What is wrong with the container type and the settings on their face, or None."""
    problem = container_type_problem("container_type", p["container_type"])
    if problem:
        return problem
    metric, target, low, high = (p[key] for key in SETTINGS)
    if metric == "5XX" and p["container_type"] != "web":
        return f"metric 5XX (the router's server errors) is only for the web container type, not {p['container_type']}"
    if target is not None and (not math.isfinite(target) or target <= 0):
        return f"target must be a number above 0, got {target}"
    if metric in FRACTIONS and target > 1:
        return f"target of the {metric} metric is a fraction of 1 (0.75 for 75%), got {target}"
    for key, value in (("min_containers", low), ("max_containers", high)):
        if value is not None and value < MIN_CONTAINERS:
            return f"{key} must be at least {MIN_CONTAINERS} (Scalingo's minimum for an autoscaler), got {value}"
    if high is not None and high > MAX_PER_TYPE:
        return f"max_containers must be at most {MAX_PER_TYPE} (Scalingo's limit per container type), got {high}"
    if low is not None and high is not None and low > high:
        return f"min_containers ({low}) must not be above max_containers ({high})"
    return None


class Autoscaler(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.type = self.params["container_type"]
        self.what = f"the autoscaler of {self.type} on app '{self.app}'"
        self.desired = dict({key: self.params[key] for key in SETTINGS}, disabled=not self.params["enabled"])

    def shown(self, autoscaler: dict | None) -> dict:
        """Diff side: the state, the container type and the settings the task gives."""
        side = {"state": "absent" if autoscaler is None else "present", "container_type": self.type}
        if autoscaler is not None:
            side.update({key: autoscaler.get(key) for key in SETTINGS if self.params[key] is not None})
            side["enabled"] = not autoscaler.get("disabled")
        return side

    def find(self) -> dict | None:
        """The type's autoscaler, or None."""
        found = self.client.autoscalers(self.app).get(self.type)
        target = None if found is None else found.get("target")
        if found is not None and (not isinstance(target, (int, float)) or isinstance(target, bool)):
            self.fail(
                f"could not read the autoscalers of app '{self.app}': the autoscaler of {self.type} has a target "
                "that is not a number; it is not what Scalingo's API answers (a proxy page or an incompatible API?)"
            )
        return found

    def check_type(self) -> None:
        """Scalingo refuses an autoscaler for a type the app lacks: a read tells before the POST."""
        types = [c["name"] for c in self.client.formation(self.app)]
        if self.type not in types:
            same = [name for name in types if name.lower() == self.type.lower()]
            hint = f" (container types are case-sensitive: {same[0]!r})" if same else ""
            known = ", ".join(types) or "none (deploy it first)"
            self.fail(f"app '{self.app}' has no container type {self.type!r}{hint}; its types are: {known}")

    def taken(self, reply: Reply) -> dict:
        return reply.take("autoscaler", fields=AUTOSCALER_FIELDS)

    # -- create -------------------------------------------------------------------

    def send_create(self) -> dict:
        body = dict({key: self.params[key] for key in SETTINGS}, container_type=self.type)
        reply = self.client.request(
            "POST",
            api_path("apps", self.app, "autoscalers"),
            {"autoscaler": body},
            ok=(201,),
            action=f"could not create {self.what}",
        )
        return self.taken(reply)

    def create(self) -> dict:
        missing = [key for key in SETTINGS if self.params[key] is None]
        if missing:
            self.fail(f"app '{self.app}' has no autoscaler for {self.type}: to create one, give {', '.join(missing)}")
        self.check_type()
        predicted = dict({key: self.params[key] for key in SETTINGS}, container_type=self.type, disabled=False)
        # One autoscaler per container type: a second POST would be refused, so it may follow the re-reads.
        return self.act(lambda: predicted, lambda: self.write(self.send_create, self.find, look=True))

    # -- update -------------------------------------------------------------------

    def send_update(self, autoscaler: dict, changes: dict) -> dict:
        reply = self.client.request(
            "PATCH",
            api_path("apps", self.app, "autoscalers", autoscaler["id"]),
            {"autoscaler": changes},
            action=f"could not update {self.what}",
        )
        return self.taken(reply)

    def updated(self, changes: dict) -> dict | None:
        """After a lost answer: the autoscaler if the update took effect, else None."""
        now = self.find()
        return now if now is not None and not differences(now, changes) else None

    def update(self, autoscaler: dict, changes: dict) -> dict:
        low = changes.get("min_containers", autoscaler["min_containers"])
        high = changes.get("max_containers", autoscaler["max_containers"])
        if low > high:
            given = "min_containers" if "min_containers" in changes else "max_containers"
            self.fail(
                f"{given} {changes[given]} would leave {self.what} with min_containers {low} above "
                f"max_containers {high}: give both min_containers and max_containers"
            )
        return self.act(
            lambda: dict(autoscaler, **changes),
            lambda: self.write(lambda: self.send_update(autoscaler, changes), lambda: self.updated(changes)),
        )

    # -- delete -------------------------------------------------------------------

    def send_delete(self, autoscaler: dict) -> dict:
        try:
            self.client.request(
                "DELETE",
                api_path("apps", self.app, "autoscalers", autoscaler["id"]),
                ok=(204,),
                action=f"could not delete {self.what}",
            )
        except ScalingoError as exc:
            if exc.status != 404 or exc.resource != "autoscaler":
                raise
        return {}

    def delete(self, autoscaler: dict) -> dict:
        return self.write(lambda: self.send_delete(autoscaler), lambda: {} if self.find() is None else None)

    # -- states ---------------------------------------------------------------------

    def present(self) -> dict:
        before = self.find()
        autoscaler = before if before is not None else self.create()
        changes = differences(autoscaler, self.desired)
        if changes:
            autoscaler = self.update(autoscaler, changes)
        changed = before is None or bool(changes)
        return self.result(changed, self.shown(before), self.shown(autoscaler), autoscaler=autoscaler)

    def absent(self) -> dict:
        try:
            before = self.find()
        except ScalingoError as exc:
            if exc.status != 404 or exc.resource != "app":
                raise
            before = None  # no app, no autoscaler
        if before is not None:
            self.act(lambda: None, lambda: self.delete(before))
        return self.result(before is not None, self.shown(before), self.shown(None), autoscaler={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems, required_together=[["metric", "target"]]).run(
        Autoscaler
    )


if __name__ == "__main__":
    main()
