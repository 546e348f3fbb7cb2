#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_addon
short_description: Provision, change the plan of, and delete an addon (database) of a Scalingo application
description:
  - Makes an app have one addon of a provider (V(postgresql), V(redis), ...) on a given plan, or not have it.
  - The module manages one addon per provider and app, found by its provider. When the app has two addons of the
    provider, O(addon_id) says which one; without it the task fails and lists them.
  - A different plan is a plan change, reported as an V(upgrade) or a V(downgrade) by comparing the two plans'
    monthly prices (then their catalogue positions when the prices are equal or missing; V(change) when neither
    tells).
  - A task that changes nothing sends one request (the app's addons, whose plans carry their names). The public
    catalogue is read only to resolve a plan name to its id, when an addon is provisioned or its plan changes.
  - Deleting an addon destroys its data, so O(state=absent) deletes only when O(confirm) names the addon's
    current plan or its id.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  provider:
    description:
      - Addon provider, as Scalingo's catalogue names it (V(postgresql), V(mysql), V(redis), V(mongodb), ...).
      - An unknown provider fails before any write, with the list of providers.
    type: str
    required: true
  plan:
    description:
      - Plan name, for example V(postgresql-starter-512). Required with O(state=present); not used with
        O(state=absent).
      - A name that is not one of the provider's plans fails before any write, with the list of its plans.
    type: str
  state:
    description:
      - V(present) provisions the addon when the app has none of O(provider), or changes its plan to O(plan).
      - V(absent) deletes it, with its data, when O(confirm) names it. An app that does not exist has no addon.
    type: str
    choices: [present, absent]
    default: present
  addon_id:
    description:
      - Id of the addon to manage (C(ad-...)), needed only when the app has more than one addon of O(provider).
      - With O(state=present), an id the app does not have fails.
    type: str
  confirm:
    description:
      - With O(state=absent), the current plan name or the id of the addon to delete. Without it, or with another
        value, the task fails before any write and says what would be destroyed (provider, plan, addon id).
      - Only used with O(state=absent).
    type: str
  wait:
    description:
      - Wait until the addon is V(running) after it was provisioned or its plan changed, and when the task finds
        it still provisioning.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the addon to be V(running). When it is still provisioning by then, the task fails
        and reports the change it sent (C(changed=true)).
      - It also bounds the time spent looking for an addon whose provisioning answer was lost (Scalingo may
        still be making it). Such a provisioning is never sent twice - when the addon does not show up, the task
        fails with C(changed=true) and says to look at the app's addons.
    type: int
    default: 300
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the app's addons (and the catalogue when a plan must be resolved), sends nothing that changes them
        and returns the predicted addon. An unknown plan, a missing O(confirm) and a suspended addon fail as in
        a real run.
  diff_mode:
    support: full
    details:
      - The diff holds the addon's state, provider, plan and id, and V(plan_change) (V(upgrade), V(downgrade) or
        V(change)) when its plan changes. Variable values never appear.
notes:
  - A suspended addon fails the task with O(state=present), as Scalingo keeps it out of use; deleting it works.
  - A refusal for billing reasons (HTTP 402, a paid plan without a payment method) fails with its own message.
  - The injected variables are found by the addon's C(resource_id) in their values, and the aliases pointing to
    them; only their names are returned.
seealso:
  - name: Scalingo databases
    description: The plans of each database addon.
    link: https://doc.scalingo.com/databases/about/overview
"""

EXAMPLES = r"""
- name: A PostgreSQL database, waited for until it runs
  scalingo.cloud.scalingo_addon:
    app: my-shop
    provider: postgresql
    plan: postgresql-starter-512
  register: db

- name: Show which variables the app now has for it
  ansible.builtin.debug:
    msg: "{{ db.variables }}"  # names only, such as SCALINGO_POSTGRESQL_URL and DATABASE_URL

- name: Upgrade it (a plan change; the diff says upgrade)
  scalingo.cloud.scalingo_addon:
    app: my-shop
    provider: postgresql
    plan: postgresql-business-1024

- name: Delete it and its data, naming its current plan
  scalingo.cloud.scalingo_addon:
    app: my-shop
    provider: postgresql
    state: absent
    confirm: postgresql-business-1024

- name: Pick one of two Redis addons by id
  scalingo.cloud.scalingo_addon:
    app: my-shop
    provider: redis
    plan: redis-starter-512
    addon_id: ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63
"""

RETURN = r"""
addon:
  description:
    - The addon as the API returns it after the change (waited for when O(wait=true)), or as predicted in check mode
      (no V(id) for an addon to provision). V({}) with O(state=absent).
  returned: always
  type: dict
  sample:
    id: ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63
    resource_id: my_shop_5629
    status: running
    addon_provider: {id: postgresql, name: PostgreSQL}
    plan: {id: 5ed10d74f112e2000f9f93d8, name: postgresql-starter-512, price: 14.4}
    provisioned_at: "2020-05-29T13:08:58.103Z"
plan_change:
  description: V(upgrade), V(downgrade) or V(change) when the plan changed (or would in check mode), else V(null).
  returned: with O(state=present)
  type: str
  sample: upgrade
variables:
  description:
    - Names (never values) of the variables the addon injected in the app, such as C(SCALINGO_POSTGRESQL_URL) and
      its alias C(DATABASE_URL).
    - Read after a provisioning or a plan change only, as an unchanged task sends a single request.
  returned: when the addon was provisioned or its plan changed, not in check mode
  type: list
  elements: str
  sample: [DATABASE_URL, SCALINGO_POSTGRESQL_URL]
duration:
  description: Seconds spent waiting for the addon to run.
  returned: with O(state=present)
  type: float
  sample: 4.2
"""

import copy
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import (
    ADDON_FIELDS,
    api_path,
    listed_addons,
    pick_addon,
    plan_of,
    provider_of,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import (
    app_name_problem,
    identifier_problem,
    provider_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

SUSPENDED_ADVICE = "check the account's billing, resume the addon (dashboard or support), then run the task again"


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "provider": {"type": "str", "required": True},
    "plan": {"type": "str"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "addon_id": {"type": "str"},
    "confirm": {"type": "str"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"]), provider_problem("provider", params["provider"])]
    problems += [
        identifier_problem(key, params[key]) for key in ("plan", "addon_id", "confirm") if params[key] is not None
    ]
    if params["confirm"] is not None and params["state"] == "present":
        problems.append("confirm is only used with state=absent, to name the addon to delete")
    return [problem for problem in problems if problem]


def described(addon: dict) -> str:
    return f"addon {addon['id']} ({provider_of(addon)}, plan {plan_of(addon)})"


def direction(old: dict, new: dict) -> str:
    """upgrade / downgrade by monthly price, then by catalogue position; change when neither tells."""
    for key in ("price", "position"):
        a: Any = old.get(key)  # a number when both are: compared only then
        b: Any = new.get(key)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)) and a != b:
            return "upgrade" if b > a else "downgrade"
    return "change"


def injected(variables: list[dict], resource_id: str) -> list[str]:
    """Names of the variables whose value holds the addon's resource id, and of the aliases pointing to them."""
    key = resource_id.lower().replace("-", "_")
    direct = {v["name"] for v in variables if key in v["value"].lower().replace("-", "_")}
    aliases = {v["name"] for v in variables if v["value"].startswith("$") and v["value"][1:].strip("{}") in direct}
    return sorted(direct | aliases)


class Addon(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.provider = self.params["provider"]
        self.path = api_path("apps", self.app, "addons")

    def shown(self, addon: dict | None, **extra: Any) -> dict:
        if not addon:
            return dict({"state": "absent", "provider": self.provider}, **extra)
        fields = {"state": "present", "provider": self.provider, "plan": plan_of(addon)}
        return dict(fields, **({"addon_id": addon["id"]} if addon.get("id") else {}), **extra)

    def get(self, path: str, key: str, what: str, kind: type = dict, fields: dict | None = None, **options: Any) -> Any:
        return self.client.get(path, key, kind, fields, action=f"could not read {what}", **options)

    # -- reads --------------------------------------------------------------------------

    def find(self) -> dict | None:
        """The managed addon, or None; fails when the app has several of the provider and no addon_id says which."""
        try:
            addons = self.client.addons(self.app)
        except ScalingoError as exc:
            if self.params["state"] == "absent" and exc.status == 404 and exc.resource == "app":
                return None  # no app, no addon
            raise
        wanted = self.params["addon_id"]
        found = pick_addon(addons, self.app, self.provider, wanted, "set addon_id to the one to manage")
        if wanted and found is None and self.params["state"] == "present":
            mine = [a for a in addons if provider_of(a) == self.provider]
            self.fail(
                f"app '{self.app}' has no addon {wanted}; its {self.provider} addons: {listed_addons(mine, False)}"
            )
        return found

    def read(self, addon_id: str, deadline: float | None = None) -> dict:
        what = f"addon {addon_id} of app '{self.app}'"
        return self.get(self.path + api_path(addon_id), "addon", what, fields=ADDON_FIELDS, deadline=deadline)

    def resolve(self) -> tuple[dict, list[dict]]:
        """(the wanted plan, every plan of the provider); an unknown provider or plan fails, listing what exists."""
        plans = self.client.addon_plans(self.provider)
        plan = next((p for p in plans if p["name"] == self.params["plan"]), None)
        if plan is None:
            names = ", ".join(p["name"] for p in plans)
            self.fail(f"plan '{self.params['plan']}' is not a plan of {self.provider}; its plans: {names}")
        return plan, plans

    def variable_names(self, addon: dict) -> list[str]:
        """Names only: the values are secrets, and never leave this function."""
        variables = self.client.variables(self.app, {"name": str, "value": str})
        resource_id = addon.get("resource_id")
        return injected(variables, resource_id) if isinstance(resource_id, str) and resource_id else []

    # -- checks -------------------------------------------------------------------------

    def refuse_suspended(self, addon: dict, changed: bool = False) -> None:
        if addon["status"] == "suspended":
            msg = f"{described(addon)} of app '{self.app}' is suspended: Scalingo keeps it out of use; "
            self.fail(msg + SUSPENDED_ADVICE, changed=changed, addon=addon)

    def until_running(self, addon: dict, changed: bool) -> tuple[dict, float]:
        """The addon once running (at once with wait=false), and the seconds waited."""
        if not self.params["wait"] or addon["status"] == "running":
            return addon, 0.0
        addon, duration = self.wait_done(
            lambda deadline: self.read(addon["id"], deadline),
            lambda a: a["status"] != "provisioning",
            "addon",
            lambda a: f"{described(a)} of app '{self.app}' is still provisioning",
            changed,
            "; run the task again to wait for it",
        )
        self.refuse_suspended(addon, changed)
        if addon["status"] != "running":
            self.fail(f"{described(addon)} of app '{self.app}' is {addon['status']}, not running", changed=changed)
        return addon, duration

    # -- writes -------------------------------------------------------------------------

    def send(self, method: str, path: str, body: dict, ok: tuple[int, ...], action: str) -> dict:
        try:
            return self.client.request(method, path, body, ok=ok, action=action).take("addon", fields=ADDON_FIELDS)
        except ScalingoError as exc:
            if exc.status == 402:
                request_id = f", request id {exc.request_id}" if exc.request_id else ""
                exc.message = (
                    f"{action}: payment required: {exc.error or 'no details given'}; this plan needs a payment method "
                    f"on the account that owns the app (or the end of its free trial), or choose a free plan (HTTP 402{request_id})"
                )
            raise

    def provision(self, plan: dict) -> dict:
        action = f"could not provision a {self.provider} addon (plan {plan['name']}) on app '{self.app}'"
        body = {"addon": {"addon_provider_id": self.provider, "plan_id": plan["id"]}}

        def landed() -> dict | None:
            now = next((a for a in self.client.addons(self.app) if provider_of(a) == self.provider), None)
            return now if now is not None and now["plan"].get("id") == plan["id"] else None

        unseen = self.not_seen(
            self.app,
            f"{self.provider} addon with plan {plan['name']}",
            "addons",
            "provision a second, billed addon",
            f"running the task again; should two {self.provider} addons show, remove the one not wanted with "
            "state=absent and its addon_id",
        )
        # Never sent twice: Scalingo allows several addons of one provider, so a second POST would be a second addon.
        return self.write(
            lambda: self.send("POST", self.path, body, (201,), action), landed, resend=False, unseen=unseen
        )

    def change_plan(self, addon: dict, plan: dict) -> dict:
        action = f"could not change the plan of {described(addon)} of app '{self.app}' to {plan['name']}"
        body = {"addon": {"plan_id": plan["id"]}}

        def landed() -> dict | None:
            now = self.read(addon["id"])
            return now if now["plan"].get("id") == plan["id"] else None

        return self.write(lambda: self.send("PATCH", self.path + api_path(addon["id"]), body, (200,), action), landed)

    def delete(self, addon: dict) -> Any:
        action = f"could not delete {described(addon)} of app '{self.app}'"
        return self.delete_at(
            self.path + api_path(addon["id"]), action, lambda: self.gone(lambda: self.read(addon["id"]))
        )

    # -- states -------------------------------------------------------------------------

    def present(self) -> dict:
        addon = self.find()
        if addon is not None:
            self.refuse_suspended(addon)
            if plan_of(addon) == self.params["plan"]:
                # Waiting for a provisioning addon is only reads, but check mode returns at once.
                addon, duration = (addon, 0.0) if self.check_mode else self.until_running(addon, False)
                same = self.shown(addon)
                return self.result(False, same, same, addon=addon, plan_change=None, duration=duration)
        plan, plans = self.resolve()
        predicted = copy.deepcopy(addon) or {"id": None, "addon_provider": {"id": self.provider}}
        predicted.update(plan=plan, status="running" if self.params["wait"] else "provisioning")
        if addon is None:
            change, after = None, self.shown(predicted)
            sent = self.act(lambda: None, lambda: self.provision(plan))
        else:
            current = next((p for p in plans if p["name"] == plan_of(addon)), addon["plan"])
            change = direction(current, plan)
            after = self.shown(predicted, plan_change=change)
            sent = self.act(lambda: None, lambda: self.change_plan(addon, plan))
        fields: dict[str, Any] = {"addon": predicted, "plan_change": change, "duration": 0.0}
        if sent is not None:
            fields["addon"], fields["duration"] = self.until_running(sent, True)
            fields["variables"] = self.variable_names(fields["addon"])
        return self.result(True, self.shown(addon), after, **fields)

    def absent(self) -> dict:
        addon = self.find()
        if addon is None:
            return self.result(False, self.shown(None), self.shown(None), addon={})
        if self.params["confirm"] not in (addon["id"], plan_of(addon)):
            msg = f"deleting {described(addon)} of app '{self.app}' destroys its data: set confirm to its plan "
            msg += f"'{plan_of(addon)}' or its id '{addon['id']}' to delete it"
            self.fail(msg, addon=addon)
        self.act(lambda: None, lambda: self.delete(addon))
        return self.result(True, self.shown(addon), self.shown(None), addon={})


def main() -> None:
    ScalingoModule(
        ARGUMENT_SPEC, wait=True, input_problems=input_problems, required_if=[("state", "present", ["plan"])]
    ).run(Addon)


if __name__ == "__main__":
    main()
