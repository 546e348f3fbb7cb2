#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_app
short_description: Create, configure, rename and delete Scalingo applications
description:
  - Makes a Scalingo application exist with the given settings, or not exist.
  - Only the options you give are managed; the others are left as they are on Scalingo.
  - Settings changes are sent in one request. A task that changes nothing sends one GET (plus a token
    exchange when no bearer is cached, see O(bearer_cache)), or none with O(read_cache) once the play's
    listing of all apps is made and shows the app as wanted.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  name:
    description:
      - Name of the application. Between 6 and 48 characters, lowercase letters, digits and hyphens; no
        hyphen at either end and no two hyphens in a row. Checked before any request.
    type: str
    required: true
  state:
    description:
      - V(present) creates the app when it does not exist, then applies the settings.
      - V(absent) deletes the app (this deletes its data and cannot be undone).
    type: str
    choices: [present, absent]
    default: present
  rename_from:
    description:
      - Current name of an app to rename to O(name).
      - When O(name) exists already (and O(rename_from) does not), there is nothing to rename.
      - Fails when neither exists, and when both exist.
      - Only with O(state=present).
    type: str
  owner:
    description:
      - Email of the owner. A different value transfers the app to that user, who must be a collaborator.
      - Compared case-insensitively, as Scalingo stores emails in lower case.
    type: str
  force_https:
    description: Redirect HTTP traffic to HTTPS.
    type: bool
  sticky_session:
    description: Route a client's requests to the same web container.
    type: bool
  router_logs:
    description: Add the router's logs to the app's logs.
    type: bool
  stack_id:
    description: Stack (base image) the app is built on, for example C(st-scalingo-22).
    type: str
  project_id:
    description: Project the app belongs to (C(pr-...)).
    type: str
  git_source:
    description:
      - URL of the GitHub repository to deploy from. Used only when the app is created; a different value on
        an existing app gives a warning and changes nothing.
    type: str
  hds_resource:
    description:
      - Host the app on health-data (HDS) infrastructure. Used only when the app is created; a different value
        on an existing app gives a warning and changes nothing.
    type: bool
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - A creation is sent with C(X-Dry-Run) so Scalingo validates it, and the predicted app is returned.
  diff_mode:
    support: full
    details:
      - The diff holds the app's state, its name and the managed settings only.
notes:
  - Ownership transfer sends the app's current name as the API requires.
"""

EXAMPLES = r"""
- name: Create an app with HTTPS forced
  scalingo.cloud.scalingo_app:
    name: my-shop-staging
    force_https: true
    router_logs: true

- name: Rename an app (once renamed, the task changes nothing)
  scalingo.cloud.scalingo_app:
    name: my-shop-preprod
    rename_from: my-shop-staging

- name: Transfer an app to a collaborator
  scalingo.cloud.scalingo_app:
    name: my-shop-preprod
    owner: lead@example.com

- name: Share the connection settings between tasks
  module_defaults:
    group/scalingo.cloud.all:
      region: osc-secnum-fr1
      api_token: "{{ vault_scalingo_token }}"
      # 40 of the token's 60 requests a minute, shared by every task and fork on this host:
      # the CI job that deploys with the same token keeps the other 20.
      rate_limit: 40
  block:
    - name: Delete an app
      scalingo.cloud.scalingo_app:
        name: my-shop-preprod
        state: absent
"""

RETURN = r"""
app:
  description:
    - The app as the API returns it after the change, or as predicted in check mode.
    - V({}) after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 5ed12fa6f112e2000f9f93f7
    name: my-shop-staging
    status: new
    url: https://my-shop-staging.osc-fr1.scalingo.io
    force_https: true
    sticky_session: false
    router_logs: true
    stack_id: st-scalingo-22
    project: {id: pr-0c5e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b, name: default}
    owner: {email: owner@example.com, username: owner}
"""

import copy
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, email_problem, url_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, differences

FLAGS = ("force_https", "sticky_session", "router_logs", "stack_id")
CREATE_FIELDS = ("git_source", "hds_resource", "stack_id", "project_id")


ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "rename_from": {"type": "str"},
    "owner": {"type": "str"},
    "force_https": {"type": "bool"},
    "sticky_session": {"type": "bool"},
    "router_logs": {"type": "bool"},
    "stack_id": {"type": "str"},
    "project_id": {"type": "str"},
    "git_source": {"type": "str"},
    "hds_resource": {"type": "bool"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("name", params["name"])]
    if params["rename_from"] is not None:
        if params["state"] == "absent":
            problems.append("rename_from is only used with state=present")
        problems.append(app_name_problem("rename_from", params["rename_from"]))
        if params["rename_from"] == params["name"]:
            problems.append(
                f"rename_from and name are both '{params['name']}': give the app's current name in rename_from"
            )
    if params["owner"] is not None:
        problems.append(email_problem("owner", params["owner"]))
    for key in ("stack_id", "project_id", "git_source"):
        if params[key] is not None and not params[key].strip():
            problems.append(f"{key} must not be empty: leave it out to keep the current value")
    if params["git_source"] is not None:
        problems.append(url_problem("git_source", params["git_source"]))
    return [problem for problem in problems if problem]


def view(app: dict) -> dict:
    """The managed fields of an app object, flat; the owner's email lower-cased, as emails compare."""
    owner = (app.get("owner") or {}).get("email")
    return dict(
        {flag: app.get(flag) for flag in FLAGS},
        name=app["name"],
        project_id=(app.get("project") or {}).get("id"),
        owner=owner.lower() if isinstance(owner, str) else owner,
    )


def predict(app: dict, changes: dict) -> dict:
    app = copy.deepcopy(app)
    for key, value in changes.items():
        if key == "project_id":
            app["project"] = {"id": value}
        elif key == "owner":
            app["owner"] = {"email": value}
        else:
            app[key] = value
    return app


class App(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = self.params["name"]
        self.desired = {key: self.params[key] for key in (*FLAGS, "project_id", "owner")}
        if self.desired["owner"]:
            self.desired["owner"] = self.desired["owner"].lower()

    def shown(self, app: dict | None) -> dict:
        """Diff side of an existing app: its state, name and the managed fields only."""
        if app is None:
            return {"state": "absent", "name": self.name}
        fields = view(app)
        return dict(
            {key: fields[key] for key, value in self.desired.items() if value is not None},
            state="present",
            name=fields["name"],
        )

    def lookup(self) -> tuple[dict | None, dict | None]:
        """(app named `name`, app to rename from): one request either way."""
        source_name = self.params["rename_from"]
        if not source_name:
            return self.client.find_app(self.name), None
        apps = {
            app["name"]: app
            for app in self.client.get("/apps", "apps", list, {"name": str}, action="could not list apps")
        }
        current, source = apps.get(self.name), apps.get(source_name)
        if current and source:
            self.fail(
                f"cannot rename app '{source_name}' to '{self.name}': both apps exist; delete one or drop rename_from"
            )
        if not current and not source:
            self.fail(f"cannot rename app '{source_name}' to '{self.name}': neither app exists")
        return current, source

    def send_create(self, dry_run: bool = False) -> dict:
        body = {"name": self.name}
        body.update({key: self.params[key] for key in CREATE_FIELDS if self.params[key] is not None})
        return self.client.request(
            "POST",
            "/apps",
            {"app": body},
            headers={"X-Dry-Run": "true"} if dry_run else None,
            ok=(201,),
            action=f"could not create app '{self.name}'",
        ).take("app", fields={"name": str})

    def predict_create(self) -> dict:
        """Scalingo validates a creation sent with X-Dry-Run, and answers the app it would create."""
        return self.write(lambda: self.send_create(dry_run=True), lambda: None)

    def create(self) -> dict:
        # An app name is taken once: a second POST would be refused, so it may follow the re-reads.
        return self.write(self.send_create, lambda: self.client.find_app(self.name), look=True)

    def send_rename(self, app: dict) -> dict:
        old = app["name"]
        return self.client.request(
            "POST",
            api_path("apps", old, "rename"),
            {"current_name": old, "new_name": self.name},
            action=f"could not rename app '{old}' to '{self.name}'",
        ).take("app", fields={"name": str})

    def rename(self, app: dict) -> dict:
        return self.write(lambda: self.send_rename(app), lambda: self.client.find_app(self.name))

    def send_update(self, app: dict, changes: dict) -> dict:
        body = {"app": changes}
        if "owner" in changes:
            body["current_name"] = app["name"]
        return self.client.request(
            "PATCH", api_path("apps", app["name"]), body, action=f"could not update app '{app['name']}'"
        ).take("app", fields={"name": str})

    def updated(self, app: dict, changes: dict) -> dict | None:
        """After a lost answer: the app if the update took effect, else None."""
        now = self.client.find_app(app["name"])
        return now if now is not None and not differences(view(now), changes) else None

    def update(self, app: dict, changes: dict) -> dict:
        return self.write(lambda: self.send_update(app, changes), lambda: self.updated(app, changes))

    def warn_create_only(self, app: dict) -> None:
        for key in ("git_source", "hds_resource"):
            wanted = self.params[key]
            if wanted is not None and app.get(key) != wanted:
                self.warnings.append(
                    f"{key} is only used when an app is created: app '{app['name']}' keeps {key}={app.get(key)!r}"
                )

    def present(self) -> dict:
        listed = None if self.params["rename_from"] else self.client.listed_app(self.name)
        if listed is not None and not differences(view(listed), self.desired):
            # The shared listing (read_cache) shows the app as wanted: nothing to send. Any difference, and every
            # write, goes through the fresh read below.
            self.warn_create_only(listed)
            return self.result(False, self.shown(listed), self.shown(listed), app=listed)
        current, source = self.lookup()
        before = current or source
        if before is None:
            app = self.act(self.predict_create, self.create)
        else:
            self.warn_create_only(before)
            # Without the app itself, `before` is the one to rename.
            app = current or self.act(lambda: predict(before, {"name": self.name}), lambda: self.rename(before))
        settings = differences(view(app), self.desired)
        if settings:
            app = self.act(lambda: predict(app, settings), lambda: self.update(app, settings))
        changed = before is None or source is not None or bool(settings)
        return self.result(changed, self.shown(before), self.shown(app), app=app)

    def absent(self) -> dict:
        app = self.client.find_app(self.name)
        if app is not None:
            self.act(lambda: None, lambda: self.delete_app(self.name))
        return self.result(app is not None, self.shown(app), self.shown(None), app={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(App)


if __name__ == "__main__":
    main()
