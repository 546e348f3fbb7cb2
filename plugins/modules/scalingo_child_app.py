#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_child_app
short_description: Create and delete child applications (the base of review apps) on Scalingo
description:
  - Makes a child application of a parent app exist, or not exist.
  - A child app is created from its parent with the parent's owner and stack. Scalingo does not deploy it.
  - Only a child of O(parent) is ever left alone or deleted. When an app named O(name) exists but is not a
    child of O(parent) (a standalone app, or the child of another app), the task fails and touches nothing.
  - A task that changes nothing sends one GET (plus a token exchange when no bearer is cached, see O(bearer_cache)).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  parent:
    description:
      - Name of the parent application. It must exist when the child is created.
    type: str
    required: true
  name:
    description:
      - Name of the child application. Between 6 and 48 characters, lowercase letters, digits and hyphens; no
        hyphen at either end and no two hyphens in a row. Checked before any request.
    type: str
    required: true
  state:
    description:
      - V(present) creates the child app when no app has that name.
      - V(absent) deletes the child app (this deletes its data and cannot be undone).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Scalingo has no dry run for child apps. Check mode reads the parent (it fails when the parent does not
        exist) and predicts the child from it, locally; it sends nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds the child's state, name and parent.
notes:
  - The deletion sends the child's current name as the API requires.
seealso:
  - module: scalingo.cloud.scalingo_app
  - module: scalingo.cloud.scalingo_app_info
    description: Lists the child apps of an app (O(scalingo.cloud.scalingo_app_info#module:gather=[child_apps])).
"""

EXAMPLES = r"""
- name: Create a review app for pull request 42
  scalingo.cloud.scalingo_child_app:
    parent: my-shop-staging
    name: my-shop-staging-pr42

- name: Delete it once the pull request is merged
  scalingo.cloud.scalingo_child_app:
    parent: my-shop-staging
    name: my-shop-staging-pr42
    state: absent
"""

RETURN = r"""
app:
  description:
    - The child app as the API returns it after the change.
    - In check mode, a creation returns a prediction with only V(name), V(parent_app_name), V(owner),
      V(stack_id) and V(status).
    - V({}) after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 58c2d99563b9fe00019298e2
    name: my-shop-staging-pr42
    parent_app_name: my-shop-staging
    status: new
    url: https://my-shop-staging-pr42.osc-fr1.scalingo.io
    stack_id: st-scalingo-22
    owner: {email: owner@example.com, username: owner}
"""

from typing import Any, NoReturn

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

ARGUMENT_SPEC = {
    "parent": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("parent", params["parent"]), app_name_problem("name", params["name"])]
    if params["name"] == params["parent"]:
        problems.append(f"name and parent are both '{params['name']}': a child app needs a name of its own")
    return [problem for problem in problems if problem]


def predict(parent_app: dict, name: str) -> dict:
    """The child as Scalingo would create it: the parent's owner and stack, not deployed."""
    return {
        "name": name,
        "parent_app_name": parent_app["name"],
        "owner": parent_app.get("owner"),
        "stack_id": parent_app.get("stack_id"),
        "status": "new",
    }


class ChildApp(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent = self.params["parent"]
        self.name = self.params["name"]

    def shown(self, present: bool) -> dict:
        return {"state": "present" if present else "absent", "name": self.name, "parent": self.parent}

    def lookup(self) -> dict | None:
        """The child, or None when no app has its name; fails on an app that is not a child of `parent`."""
        app = self.client.find_app(self.name)
        if app is not None and app.get("parent_app_name") != self.parent:
            other = app.get("parent_app_name")
            what = f"a child of app '{other}'" if other else "not a child app"
            self.fail(
                f"app '{self.name}' exists and is {what}, not a child of '{self.parent}': it is left untouched; choose another name"
            )
        return app

    def parent_missing(self) -> NoReturn:
        self.fail(f"could not create child app '{self.name}': parent app '{self.parent}' does not exist")

    def predicted(self) -> dict:
        parent_app = self.client.find_app(self.parent)
        if parent_app is None:
            self.parent_missing()
        return predict(parent_app, self.name)

    def landed(self) -> dict | None:
        """After a lost answer: the child if the creation took effect, else None (then it is sent once more)."""
        app = self.client.find_app(self.name)
        return app if app is not None and app.get("parent_app_name") == self.parent else None

    def send_create(self) -> dict:
        try:
            reply = self.client.request(
                "POST",
                api_path("apps", self.parent, "child_apps"),
                {"app": {"name": self.name}},
                ok=(201,),
                action=f"could not create child app '{self.name}' of app '{self.parent}'",
            )
        except ScalingoError as exc:
            if exc.status == 404 and exc.resource == "app":
                self.parent_missing()
            raise
        return reply.take("app", fields={"name": str})

    def create(self) -> dict:
        # An app name is taken once: a second POST would be refused, so it may follow the re-reads.
        return self.write(self.send_create, self.landed, look=True)

    def present(self) -> dict:
        app = self.lookup()
        if app is not None:
            return self.result(False, self.shown(True), self.shown(True), app=app)
        app = self.act(self.predicted, self.create)
        return self.result(True, self.shown(False), self.shown(True), app=app)

    def absent(self) -> dict:
        app = self.lookup()
        if app is not None:
            self.act(lambda: None, lambda: self.delete_app(self.name, "child app"))
        return self.result(app is not None, self.shown(app is not None), self.shown(False), app={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(ChildApp)


if __name__ == "__main__":
    main()
