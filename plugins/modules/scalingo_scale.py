#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_scale
short_description: Set the container formation of a Scalingo application
description:
  - Sets how many containers of each type (V(web), V(worker), ...) an app runs, and their size.
  - Reads the formation and sends a scale request only for the types that differ. An unchanged formation
    costs one request and sends no write (Scalingo refuses a scale that changes nothing).
  - Container types come from the app's Procfile; types not listed in O(containers) are left as they are.
  - Scalingo disables the autoscaler of a type that is scaled by hand. So when a type has an enabled
    autoscaler (see M(scalingo.cloud.scalingo_autoscaler)), its amount is left to the autoscaler when the
    amount asked lies within the autoscaler's O(scalingo.cloud.scalingo_autoscaler#module:min_containers)
    and O(scalingo.cloud.scalingo_autoscaler#module:max_containers); the type is then reported unchanged
    and listed in RV(autoscaled). An amount outside that range fails before anything is sent, unless
    O(override_autoscaler=true). A new O(containers[].size) still applies, with the current amount.
  - The autoscalers are read (one more GET) only when an amount differs from the formation, so an
    unchanged formation still costs one request; an autoscaled type whose amount differs from the one asked
    costs two requests on every run.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  containers:
    description:
      - The container types to set. Each type must exist in the app's formation.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Container type, as in the Procfile (letters and digits with single C(-) or C(_) between them; case counts).
        type: str
        required: true
      amount:
        description: Number of containers of this type, V(0) or more. Scalingo allows up to 10 per type by default.
        type: int
        required: true
      size:
        description:
          - Container size (V(S), V(M), V(L), V(XL), V(2XL), ...). Left as it is when omitted.
          - Checked against the sizes Scalingo offers, only when it would change.
        type: str
  override_autoscaler:
    description:
      - Apply the amounts of O(containers) as they are, even for a type with an enabled autoscaler, inside its
        range or not. Scalingo then disables that type's autoscaler (a warning says so); turn it back on with
        M(scalingo.cloud.scalingo_autoscaler).
      - With the default V(false), an amount within an enabled autoscaler's range is left to the autoscaler and
        one outside it fails.
    type: bool
    default: false
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the predicted formation; sends nothing that changes it.
  diff_mode:
    support: full
    details:
      - The diff shows the amount and size of the types in O(containers).
seealso:
  - module: scalingo.cloud.scalingo_autoscaler
    description: Lets Scalingo set the amount of a container type from a metric.
"""

EXAMPLES = r"""
- name: Run two web containers and one worker
  scalingo.cloud.scalingo_scale:
    app: my-shop
    containers:
      - name: web
        amount: 2
      - name: worker
        amount: 1

- name: Move web containers to size L without waiting for the operation
  scalingo.cloud.scalingo_scale:
    app: my-shop
    containers:
      - name: web
        amount: 2
        size: L
    wait: false

- name: Scale web by hand during an incident, although it is autoscaled (Scalingo disables its autoscaler)
  scalingo.cloud.scalingo_scale:
    app: my-shop
    containers:
      - name: web
        amount: 8
    override_autoscaler: true
"""

RETURN = r"""
containers:
  description: The whole formation after the change, or as predicted in check mode.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: web, amount: 2, size: L, command: ""}
    - {name: worker, amount: 1, size: M, command: "bundle exec sidekiq"}
operation:
  description:
    - The last state seen of the scale operation; only its V(id) and V(url) when O(wait=false).
    - V(null) when nothing was sent, or when the app was never deployed (Scalingo scales it at once).
  returned: success
  type: dict
  sample: {id: 5ed10dd1f112e2000f9f93e1, status: done, type: scale}
duration:
  description: Seconds spent waiting for the operation.
  returned: success
  type: float
  sample: 4.2
autoscaled:
  description:
    - The types of O(containers) whose amount was left to their enabled autoscaler, as the amount asked lies
      within its range; their amount in RV(containers) is the current one.
  returned: when an amount was left to an autoscaler
  type: list
  elements: dict
  contains:
    name:
      description: Container type.
      type: str
    min:
      description: The autoscaler's O(scalingo.cloud.scalingo_autoscaler#module:min_containers).
      type: int
    max:
      description: The autoscaler's O(scalingo.cloud.scalingo_autoscaler#module:max_containers).
      type: int
    amount_wanted:
      description: The amount O(containers) asked for.
      type: int
  sample:
    - {name: web, min: 2, max: 6, amount_wanted: 2}
"""

import copy
from collections.abc import Iterable
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import (
    app_name_problem,
    container_type_problem,
    size_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "containers": {
        "type": "list",
        "elements": "dict",
        "required": True,
        "options": {
            "name": {"type": "str", "required": True},
            "amount": {"type": "int", "required": True},
            "size": {"type": "str"},
        },
    },
    "override_autoscaler": {"type": "bool", "default": False},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"])]
    names = [c["name"] for c in params["containers"]]
    if not names:
        problems.append("containers must list at least one container type")
    for number, container in enumerate(params["containers"]):
        name, amount, size = container["name"], container["amount"], container["size"]
        problems.append(container_type_problem(f"containers[{number}].name", name))
        if amount < 0:
            problems.append(f"containers: amount of '{name}' must be 0 or more, got {amount}")
        if size is not None and not size.strip():
            problems.append(f"containers: size of '{name}' must not be empty: leave it out to keep the current size")
        if size is not None:
            problems.append(size_problem(f"containers[{number}].size", size))
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        problems.append(f"containers lists a type more than once: {', '.join(twice)}")
    return [problem for problem in problems if problem]


def shown(formation: list[dict], names: Iterable[str]) -> dict:
    return {c["name"]: {"amount": c["amount"], "size": c.get("size")} for c in formation if c["name"] in names}


def changes_to(formation: list[dict], wanted: dict[str, dict], app: str) -> list[dict]:
    """The scale request's items: the wanted types whose amount or size differ from `formation`."""
    current = {c["name"]: c for c in formation}
    unknown = sorted(set(wanted) - set(current))
    if unknown:
        Resource.fail(
            f"app '{app}' has no container type {', '.join(unknown)}; its types are: "
            f"{', '.join(sorted(current)) or 'none (deploy it first)'}"
        )
    changes = []
    for name, want in wanted.items():
        resize = want["size"] is not None and want["size"] != current[name].get("size")
        if want["amount"] != current[name]["amount"] or resize:
            changes.append(dict({"name": name, "amount": want["amount"]}, **({"size": want["size"]} if resize else {})))
    return changes


def predict(formation: list[dict], changes: list[dict]) -> list[dict]:
    predicted = copy.deepcopy(formation)
    for container in predicted:
        container.update(next((c for c in changes if c["name"] == container["name"]), {}))
    return predicted


class Scale(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.wanted = {c["name"]: c for c in self.params["containers"]}
        self.autoscaled: dict[str, dict] | None = None

    def check_sizes(self, changes: list[dict]) -> None:
        sizes = {c["size"] for c in changes if "size" in c}
        if not sizes:
            return
        offered = [
            s["name"]
            for s in self.client.get(
                "/features/container_sizes",
                "container_sizes",
                list,
                {"name": str},
                action="could not read the container sizes",
            )
        ]
        unknown = sorted(sizes - set(offered))
        if unknown:
            self.fail(f"container size {', '.join(unknown)} is not offered by Scalingo; sizes: {', '.join(offered)}")

    def enabled_autoscalers(self) -> dict[str, dict]:
        """The app's enabled autoscalers by type, read once per task and only when an amount would change."""
        if self.autoscaled is None:
            self.autoscaled = {name: a for name, a in self.client.autoscalers(self.app).items() if not a["disabled"]}
        return self.autoscaled

    def leave_to_autoscalers(self, formation: list[dict], changes: list[dict]) -> tuple[list[dict], list[dict]]:
        """(changes without the amounts an enabled autoscaler keeps, [what was left to autoscalers]).

        Scalingo disables the autoscaler of a type scaled by hand: an amount within the autoscaler's
        range is left to it (a new size still applies), one outside fails, unless override_autoscaler.
        """
        current = {c["name"]: c["amount"] for c in formation}
        if all(change["amount"] == current[change["name"]] for change in changes):
            return changes, []
        autoscalers = self.enabled_autoscalers()
        kept, left, outside = [], [], []
        for change in changes:
            name, amount = change["name"], change["amount"]
            scaler = autoscalers.get(name)
            if scaler is None or amount == current[name]:
                kept.append(change)
                continue
            low, high = scaler["min_containers"], scaler["max_containers"]
            if self.params["override_autoscaler"]:
                kept.append(change)
                warning = (
                    f"container type {name} of app '{self.app}' is scaled by hand to {amount}: Scalingo disables its "
                    f"autoscaler ({low} to {high} containers); scalingo_autoscaler with enabled=true turns it back on"
                )
                if warning not in self.warnings:  # the formation may be read again after a wait
                    self.warnings.append(warning)
            elif low <= amount <= high:
                left.append({"name": name, "min": low, "max": high, "amount_wanted": amount})
                if "size" in change:
                    kept.append(dict(change, amount=current[name]))
            else:
                outside.append(f"{name} to {amount} (its autoscaler keeps {low} to {high})")
        if outside:
            self.fail(
                f"app '{self.app}': amount outside the autoscaler's range for {'; '.join(outside)}. Change the "
                "autoscaler (scalingo_autoscaler), or set override_autoscaler=true to scale by hand, which makes "
                "Scalingo disable the autoscaler"
            )
        return kept, left

    def present(self) -> dict:
        lost = no_change = None
        while True:
            formation = self.client.formation(self.app)
            changes, left = self.leave_to_autoscalers(formation, changes_to(formation, self.wanted, self.app))
            noted: dict[str, Any] = {"autoscaled": left} if left else {}
            if not changes:
                return (
                    self.landed(formation, *lost, **noted)
                    if lost
                    else self.result(False, containers=formation, operation=None, duration=0.0, **noted)
                )
            self.check_sizes(changes)
            predicted = predict(formation, changes)
            before, after = shown(formation, self.wanted), shown(predicted, self.wanted)
            if self.check_mode:  # the prediction is the result; act() can't express "or read again"
                return self.result(True, before, after, containers=predicted, operation=None, duration=0.0, **noted)
            try:
                reply = self.client.request(
                    "POST",
                    api_path("apps", self.app, "scale"),
                    {"containers": changes},
                    ok=(200, 202),
                    action=f"could not scale app '{self.app}'",
                )
            except ScalingoError as exc:
                if exc.unknown_outcome and lost is None:
                    lost = (exc, before)  # read the formation again before deciding to send it twice
                elif exc.status == 400 and "no change" in (exc.error or "") and no_change is None:
                    no_change = exc  # the formation changed under us: read it again, once
                else:
                    self.settle(self.app, exc)
                continue
            operation, duration = self.follow(reply.headers.get("Location"), self.app, "the scale")
            containers = reply.data.get("containers") if isinstance(reply.data, dict) else None
            if not isinstance(containers, list):
                containers = predicted
            return self.result(
                True,
                before,
                shown(containers, self.wanted),
                containers=containers,
                operation=operation,
                duration=duration,
                **noted,
            )

    def landed(self, formation: list[dict], lost: ScalingoError, before: dict, **noted: Any) -> dict:
        """The scale whose answer was lost did apply: wait for the app, as its operation can't be followed."""
        if self.params["wait"]:
            self.wait_idle(self.app, 0.0)
        self.warnings.append(
            f"the answer to the scale of app '{self.app}' was lost ({lost.message.split(': ', 1)[-1]}); "
            "the formation read afterwards shows it was applied"
        )
        return self.result(
            True, before, shown(formation, self.wanted), containers=formation, operation=None, duration=0.0, **noted
        )


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems).run(Scale)


if __name__ == "__main__":
    main()
