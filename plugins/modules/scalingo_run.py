#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_run
short_description: Start a detached one-off container on a Scalingo application
description:
  - Starts a one-off container in the app's environment to run a batch or administrative job
    (a migration, a data fix), detached from any terminal. Its output goes to the app's logs.
  - Like C(scalingo run --detached). Attached (interactive) one-offs are not supported.
  - Running a job is an action, not a state; it reports C(changed) every time it runs.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  command:
    description: Command line to run, for example V(bundle exec rake db:migrate).
    type: str
    required: true
  env:
    description:
      - Environment variables added to the app's own for this container.
      - A string is sent as it is; a number as its plain text; a boolean as V(true) or V(false). A null, a list
        or a dict is refused before any request, with the variable's name (never its value) in the message.
      - Values are treated as secrets; they are sent to Scalingo and never shown in results, diffs or logs.
        As with any C(no_log) value, Ansible masks every occurrence of a value in the task's output, so very
        short values (V(1), V(true)) also hide unrelated text.
    type: dict
  size:
    description: Container size (V(S), V(M), V(L), ...). Scalingo's default (V(M)) when omitted.
    type: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports C(changed) and sends nothing.
  diff_mode:
    support: none
notes:
  - With O(wait=true) the module waits until the container has started, not until the job ends; follow the
    job in the app's logs.
"""

EXAMPLES = r"""
- name: Run the database migrations
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: bundle exec rake db:migrate
    size: L

- name: Run a data fix with a secret it needs
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: python manage.py reindex
    env:
      SEARCH_ADMIN_KEY: "{{ vault_search_admin_key }}"
"""

RETURN = r"""
container:
  description: The one-off container as Scalingo started it.
  returned: success and not in check mode
  type: dict
  sample: {id: 5250424112dba4edf0000024, type: one-off, label: one-off-1234, state: booting}
operation:
  description: The last state seen of the start operation; only its V(id) and V(url) when O(wait=false).
  returned: success and not in check mode
  type: dict
  sample: {id: 675bf2409307d58e1b1bc595, status: done, type: start-one-off}
duration:
  description: Seconds spent waiting for the container to start.
  returned: success
  type: float
  sample: 1.5
"""

from ansible_collections.scalingo.cloud.plugins.module_utils._base import Resource, ScalingoModule, env_text
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import size_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._client import ScalingoError, api_path


class Run(Resource):
    def run(self):
        return self.act(lambda: self.result(True, container=None, operation=None, duration=0.0), self.start)

    def start(self):
        p = self.params
        body = {"command": p["command"], "detached": True}
        if p["env"]:
            body["env"] = {str(name): env_text(name, value) for name, value in p["env"].items()}
        if p["size"] is not None:
            body["size"] = p["size"]
        reply = self.client.request(
            "POST",
            api_path("apps", p["app"], "run"),
            body,
            ok=(200, 201, 202),
            action=f"could not start a one-off container on app '{p['app']}'",
        )
        container = reply.take("container")
        location = reply.data.get("operation_url") or reply.headers.get("Location")
        operation, duration = self.follow(
            location if isinstance(location, str) else None, p["app"], "the one-off container"
        )
        return self.result(True, container=container, operation=operation, duration=duration)


def main():
    m = ScalingoModule(
        argument_spec={
            "app": {"type": "str", "required": True},
            "command": {"type": "str", "required": True},
            "env": {"type": "dict", "no_log": True},
            "size": {"type": "str"},
        },
        wait=True,
    )
    p = m.params
    m.check_app_name("app", p["app"])
    if not p["command"].strip():
        m.fail("command must not be empty: give the command line to run")
    bad = sorted(str(k) for k in (p["env"] or {}) if not str(k).strip() or "=" in str(k))
    if bad:
        m.fail(f"env has invalid variable names: {', '.join(bad)}")
    refused = {}
    for name, value in (p["env"] or {}).items():
        try:
            env_text(name, value)
        except ScalingoError as exc:
            refused[name] = exc.message
    if refused:
        m.refuse_values("env", list(refused), f"invalid env: {'; '.join(refused.values())}")
    if p["size"] is not None and not p["size"].strip():
        m.fail("size must not be empty: leave it out for Scalingo's default")
    if p["size"] is not None:
        m.check(size_problem("size", p["size"]))
    m.run(Run)


if __name__ == "__main__":
    main()
