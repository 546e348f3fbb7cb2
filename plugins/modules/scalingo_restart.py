#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_restart
short_description: Restart the containers of a Scalingo application
description:
  - Restarts all the containers of an app, or only some container types or containers.
  - A restart is an action, not a state; it reports C(changed) every time it runs.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  scope:
    description:
      - Container types (V(web)) or single containers (V(web-1)) to restart. All containers when omitted or empty.
      - A type is letters and digits with single C(-) or C(_) between them, as in the Procfile; anything else fails before any request.
    type: list
    elements: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports C(changed) and sends nothing that restarts; it reads the formation to check O(scope).
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Restart every container and wait until they run again
  scalingo.cloud.scalingo_restart:
    app: my-shop

- name: Restart the workers and the first web container, without waiting
  scalingo.cloud.scalingo_restart:
    app: my-shop
    scope: [worker, web-1]
    wait: false
"""

RETURN = r"""
operation:
  description: The last state seen of the restart operation; only its V(id) and V(url) when O(wait=false).
  returned: success and not in check mode
  type: dict
  sample: {id: 5ed11f2c884fef000f5e502e, status: done, type: restart}
duration:
  description: Seconds spent waiting for the operation.
  returned: success
  type: float
  sample: 6.1
"""

import re

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, scope_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "scope": {"type": "list", "elements": "str"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"])]
    problems += [scope_problem(f"scope[{number}]", item) for number, item in enumerate(params["scope"] or [])]
    return [problem for problem in problems if problem]


def unknown_scope(scope: list[str], formation: list[dict]) -> list[str]:
    """Scope items that name neither a container type nor one of its running containers."""
    amounts = {c["name"]: c["amount"] for c in formation}
    unknown = []
    for item in scope:
        match = re.fullmatch(r"(.+)-([0-9]+)", item)
        if item in amounts or (
            match and match.group(1) in amounts and 1 <= int(match.group(2)) <= amounts[match.group(1)]
        ):
            continue
        unknown.append(item)
    return unknown


class Restart(Resource):
    def run(self) -> dict:
        return self.act(self.predict, self.restart)

    def predict(self) -> dict:
        app, scope = self.params["app"], self.params["scope"] or []
        formation = self.client.formation(app)
        unknown = unknown_scope(scope, formation)
        if unknown:
            self.fail(
                f"could not restart app '{app}': scope {', '.join(unknown)} is no container type or container of the app;"
                f" its types are: {', '.join(c['name'] for c in formation)}"
            )
        return self.result(True, operation=None, duration=0.0)

    def restart(self) -> dict:
        app, scope = self.params["app"], self.params["scope"] or []
        reply = self.retry_busy(
            app,
            lambda: self.client.request(
                "POST",
                api_path("apps", app, "restart"),
                {"scope": scope} if scope else {},
                ok=(202,),
                action=f"could not restart app '{app}'",
            ),
        )
        operation, duration = self.follow(reply.headers.get("Location"), app, "the restart")
        return self.result(True, operation=operation, duration=duration)


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems).run(Restart)


if __name__ == "__main__":
    main()
