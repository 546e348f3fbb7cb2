#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_scm_repo_link
short_description: Link a Scalingo application to its GitHub or GitLab repository (auto-deploy, review apps)
description:
  - Makes an app linked to a repository through one of the account's SCM integrations, with the given
    auto-deploy and review app settings, or not linked. An app has at most one link.
  - Only the settings you give are managed; the others are left as they are on Scalingo (as Scalingo sets them on
    a new link).
  - Scalingo can't change the repository or the integration of a link. When O(source) or O(integration) differs
    from the current link's, the module B(deletes the link and creates it again) with the new ones (and the
    current settings, unless the task gives others); the diff shows it (V(replaced=true)). Two writes; deploys
    and review apps of the old link are not touched.
  - A task that changes nothing sends one request (the link), plus the listing of the account's SCM integrations
    when O(integration) names neither the link's integration id nor its type, plus a token exchange when no bearer
    is cached.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  state:
    description:
      - V(present) links the app (O(source) and O(integration) needed when it has no link yet), then applies the
        settings.
      - V(absent) unlinks it (the repository and its review apps stay). Nothing is done when the app does not
        exist.
    type: str
    choices: [present, absent]
    default: present
  source:
    description:
      - URL of the repository, such as V(https://github.com/my-org/my-shop). Compared without a trailing V(/) or
        V(.git), in lower case. Without credentials (the integration gives access).
    type: str
  integration:
    description:
      - The SCM integration of the account that gives access to the repository, by its id, its type
        (V(github), V(gitlab), V(github-enterprise), V(gitlab-self-hosted), when the account has one of it) or its
        user name on the SCM.
      - Resolved through the account's integrations listed by Scalingo's auth service. Their access tokens are
        never read into the result or shown.
      - A type is taken as the link's integration when the link is of that type (no listing).
    type: str
  branch:
    description: The branch deployed on each push when O(auto_deploy=true).
    type: str
  auto_deploy:
    description: Deploy O(branch) on each push.
    type: bool
  deploy_review_apps:
    description: Make a review app (a child app) for each pull or merge request.
    type: bool
  delete_on_close:
    description: Delete a review app when its pull request is closed.
    type: bool
  hours_before_delete_on_close:
    description: Hours after the pull request is closed before its review app is deleted, V(0) or more.
    type: int
  delete_stale:
    description: Delete review apps without activity.
    type: bool
  hours_before_delete_stale:
    description: Hours without activity before a review app is deleted, V(0) or more.
    type: int
  allow_forks:
    description:
      - Make review apps for pull requests from forks too. Their code runs with the review app's environment,
        which is copied from the app; do not enable it on a public repository whose app holds secrets.
    type: bool
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the link (and the integrations when needed), sends nothing that changes it, and returns the predicted
        link.
  diff_mode:
    support: full
    details:
      - The diff holds the link's state, source, integration id and the managed settings, with V(replaced=true)
        when the link is deleted and created again. Never an access token.
notes:
  - A creation whose answer is lost is looked for (for as long as O(api_timeout)) before it is sent again, as
    Scalingo keeps one link per app.
seealso:
  - name: GitHub and GitLab integrations on Scalingo
    description: Auto-deploy and review apps.
    link: https://doc.scalingo.com/platform/deployment/deploy-with-github
"""

EXAMPLES = r"""
- name: Deploy main on each push, with review apps deleted 24 hours after their pull request is closed
  scalingo.cloud.scalingo_scm_repo_link:
    app: my-shop-staging
    source: https://github.com/my-org/my-shop
    integration: github
    branch: main
    auto_deploy: true
    deploy_review_apps: true
    delete_on_close: true
    hours_before_delete_on_close: 24

- name: Stop deploying on push
  scalingo.cloud.scalingo_scm_repo_link:
    app: my-shop-staging
    auto_deploy: false

- name: Unlink
  scalingo.cloud.scalingo_scm_repo_link:
    app: my-shop-staging
    state: absent
"""

RETURN = r"""
scm_repo_link:
  description:
    - The link as the API returns it after the change, or as predicted in check mode (without an V(id) for a link to
      create). V({}) after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 2ea5d6a0-9c1d-4f0e-8d6c-6a3b8a2b1c11
    app_id: 5ed12fa6f112e2000f9f93f7
    auth_integration_uuid: 9b0a9c3e-5b53-4d2c-a0d5-3b2f6f6a5e9d
    scm_type: github
    url: https://github.com
    owner: my-org
    repo: my-shop
    branch: main
    auto_deploy_enabled: true
    deploy_review_apps_enabled: true
    delete_on_close_enabled: true
    hours_before_delete_on_close: 24
    delete_stale_enabled: false
    hours_before_delete_stale: 0
    automatic_creation_from_forks_allowed: false
replaced:
  description: Whether the link was (or would be, in check mode) deleted and created again for a new source or integration.
  returned: with O(state=present)
  type: bool
  sample: false
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import (
    app_name_problem,
    identifier_problem,
    repository_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, differences
from ansible_collections.scalingo.cloud.plugins.module_utils._scm import link_source, missing_link, same_source

# Option: the link's key in the API.
SETTINGS = {
    "branch": "branch",
    "auto_deploy": "auto_deploy_enabled",
    "deploy_review_apps": "deploy_review_apps_enabled",
    "delete_on_close": "delete_on_close_enabled",
    "hours_before_delete_on_close": "hours_before_delete_on_close",
    "delete_stale": "delete_stale_enabled",
    "hours_before_delete_stale": "hours_before_delete_stale",
    "allow_forks": "automatic_creation_from_forks_allowed",
}
ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "source": {"type": "str"},
    "integration": {"type": "str"},
    "branch": {"type": "str"},
    "auto_deploy": {"type": "bool"},
    "deploy_review_apps": {"type": "bool"},
    "delete_on_close": {"type": "bool"},
    "hours_before_delete_on_close": {"type": "int"},
    "delete_stale": {"type": "bool"},
    "hours_before_delete_stale": {"type": "int"},
    "allow_forks": {"type": "bool"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"])]
    if params["source"] is not None:
        problems.append(repository_problem("source", params["source"]))
    if params["integration"] is not None:
        problems.append(identifier_problem("integration", params["integration"]))
    branch = params["branch"]
    if branch is not None and (not branch or not branch.isprintable() or any(c.isspace() for c in branch)):
        problems.append(f"branch {branch!r} is invalid: give a branch name, without spaces or line breaks")
    for key in ("hours_before_delete_on_close", "hours_before_delete_stale"):
        if params[key] is not None and params[key] < 0:
            problems.append(f"{key} must be 0 or more, got {params[key]}")
    return [problem for problem in problems if problem]


class RepoLink(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.path = api_path("apps", self.app, "scm_repo_link")
        present = self.params["state"] == "present"
        self.desired = {api: self.params[key] for key, api in SETTINGS.items() if present}

    def shown(self, link: dict | None, replaced: bool = False) -> dict:
        """Diff side: the state, the source, the integration and the managed settings."""
        if link is None:
            return {"state": "absent"}
        side = {"state": "present", "source": link_source(link), "integration": link.get("auth_integration_uuid")}
        side.update({key: link.get(api) for key, api in SETTINGS.items() if self.params[key] is not None})
        return dict(side, replaced=True) if replaced else side

    def read(self) -> dict | None:
        try:
            return self.client.get(self.path, "scm_repo_link", fields={"id": str}, action=self.action("read"))
        except ScalingoError as exc:
            if missing_link(exc):
                return None
            if exc.status == 404 and exc.resource == "app" and self.params["state"] == "absent":
                return None  # no app, no link
            raise

    def action(self, verb: str) -> str:
        return f"could not {verb} the repo link of app '{self.app}'"

    def integration_id(self, link: dict | None = None) -> str | None:
        """The id of the integration the task names (the link's own when it gives none)."""
        wanted = self.params["integration"]
        if wanted is None:
            return link["auth_integration_uuid"] if link else None
        if link and wanted in (link.get("auth_integration_uuid"), link.get("scm_type")):
            return link.get("auth_integration_uuid")
        return self.client.scm_integration(wanted)["id"]

    # -- writes -------------------------------------------------------------------

    def create(self, source: str, integration: str | None, settings: dict) -> dict:
        body = {key: value for key, value in settings.items() if value is not None}
        body.update(source=source, auth_integration_uuid=integration)

        def send() -> dict:
            reply = self.client.request(
                "POST", self.path, {"scm_repo_link": body}, ok=(201,), action=self.action("create")
            )
            return reply.take("scm_repo_link", fields={"id": str})

        def landed() -> dict | None:
            now = self.read()
            return now if now is not None and same_source(link_source(now), source) else None

        # One link per app: a second creation would be refused, so it may follow the re-reads.
        return self.write(send, landed, look=True)

    def update(self, changes: dict) -> dict:
        def send() -> dict:
            reply = self.client.request("PATCH", self.path, {"scm_repo_link": changes}, action=self.action("update"))
            return reply.take("scm_repo_link", fields={"id": str})

        def landed() -> dict | None:
            now = self.read()
            return now if now is not None and not differences(now, changes) else None

        return self.write(send, landed)

    def delete(self) -> dict:
        def send() -> dict:
            try:
                self.client.request("DELETE", self.path, ok=(204,), action=self.action("delete"))
            except ScalingoError as exc:
                if not missing_link(exc):
                    raise
            return {}

        return self.write(send, lambda: {} if self.read() is None else None)

    # -- states ---------------------------------------------------------------------

    def present(self) -> dict:
        link = self.read()
        source = self.params["source"]
        if link is None:
            integration = self.integration_id()
            if source is None or integration is None:
                self.fail(f"app '{self.app}' has no repo link: give source and integration to link it")
            predicted = dict(self.desired, source=source, auth_integration_uuid=integration)
            done = self.act(lambda: predicted, lambda: self.create(source, integration, self.desired))
            return self.result(True, self.shown(None), self.shown(done), scm_repo_link=done, replaced=False)
        integration = self.integration_id(link)
        current = link_source(link)
        if source is not None and current is None:
            # Never replaced on a guess: a link whose repository the answer does not tell is kept.
            self.warnings.append(
                f"the API's answer does not tell the repository of the repo link of app '{self.app}'; source was "
                "not compared"
            )
        replace = integration != link.get("auth_integration_uuid") or (
            source is not None and current is not None and not same_source(current, source)
        )
        if replace:
            source = source or current
            if source is None:
                self.fail(f"the repo link of app '{self.app}' must be replaced for the new integration: give source")
            settings = dict({api: link.get(api) for api in SETTINGS.values()}, **differences(link, self.desired))
            predicted = dict(settings, source=source, auth_integration_uuid=integration)
            self.act(lambda: None, self.delete)
            done = self.act(lambda: predicted, lambda: self.create(source, integration, settings))
            return self.result(True, self.shown(link), self.shown(done, True), scm_repo_link=done, replaced=True)
        changes = differences(link, self.desired)
        done = link
        if changes:
            done = self.act(lambda: dict(link, **changes), lambda: self.update(changes))
        return self.result(bool(changes), self.shown(link), self.shown(done), scm_repo_link=done, replaced=False)

    def absent(self) -> dict:
        link = self.read()
        if link is not None:
            self.act(lambda: None, self.delete)
        return self.result(link is not None, self.shown(link), self.shown(None), scm_repo_link={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(RepoLink)


if __name__ == "__main__":
    main()
