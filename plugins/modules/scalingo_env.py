#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_env
short_description: Set or remove the environment variables of a Scalingo application
description:
  - Sets environment variables of an app (adds the missing ones, changes those whose value differs), or
    removes some, or with O(exclusive=true) makes the app's variables exactly the given ones, the
    variables of its addons kept.
  - Reads the variables once (raw, with aliases such as V($SCALINGO_POSTGRESQL_URL) as they are stored) and
    compares the raw values, so C(DATABASE_URL=$SCALINGO_POSTGRESQL_URL) stays an alias. An unchanged app
    costs that one request; a change adds one request that sets every added or changed variable and one
    that removes every variable to remove.
  - Scalingo does not restart an app when its environment changes; set O(restart=true) to restart it after a
    change and wait for the restart, as M(scalingo.cloud.scalingo_restart) does.
  - Values are secrets. They are never shown in results, diffs, warnings or errors, which name the variables only.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  variables:
    description:
      - Variables as a dict of name to value.
      - With O(state=present), the values to set. A string is sent as it is (C($OTHER_VARIABLE) makes an
        alias); a number as its plain text; a boolean as V(true) or V(false). A null, a list, a dict or an
        empty value is refused before any request, with the variable's name (never its value) in the message.
        Values have at most 32768 characters.
      - With O(state=absent), the variables to remove; their values are ignored. O(names) says the same more simply.
      - Names hold letters, digits and underscores, start with a letter and have at most 64 characters;
        other names are refused before any request.
      - As with any C(no_log) value, Ansible masks every occurrence of a value in the task's output, so very
        short values (V(3), V(on)) also hide unrelated text there; what Scalingo receives is not affected.
      - Required with O(state=present). V({}) with O(exclusive=true) removes every variable but the addons'.
    type: dict
  names:
    description:
      - With O(state=absent), the names of the variables to remove (those that do not exist are ignored).
      - Use either O(names) or O(variables).
    type: list
    elements: str
  state:
    description:
      - V(present) sets the variables in O(variables); V(absent) removes the variables named in O(names) or O(variables).
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every variable of the app not in O(variables), except those of
        its addons, which are kept unless named in O(variables).
      - "Addon variables are recognised as Scalingo's addons create them, since a variable carries nothing
        else that says where it comes from: a name C(SCALINGO_<ADDON>_URL) (C(SCALINGO_POSTGRESQL_URL),
        C(SCALINGO_REDIS_URL), ...); a variable whose value is exactly an alias of such a name (C(DATABASE_URL)
        or C(REDIS_URL) holding V($SCALINGO_POSTGRESQL_URL) or V(${SCALINGO_REDIS_URL})); and a variable that
        such a name is an alias of (C(MONGO_URL) when C(SCALINGO_MONGO_URL) holds V($MONGO_URL))."
    type: bool
    default: false
  restart:
    description:
      - Restart all the app's containers after a change, and with O(wait=true) wait until the restart is done.
        Nothing is restarted when nothing changed.
      - An app that was never deployed can't be restarted; leave this V(false) until its first deployment.
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
      - Reads the variables and returns the predicted change; sends nothing that changes them, and does not restart.
      - A name Scalingo reserves (V(PORT)) is refused by Scalingo only when sent, so check mode predicts it as added.
  diff_mode:
    support: full
    details:
      - The diff names the variables, never their values. With O(exclusive=true) it shows every variable of the
        app, otherwise those named in the task. Before, each is V(set); after, each is V(set) (unchanged),
        V(added) or V(changed), and a removed one is gone.
notes:
  - If Scalingo refuses some variables (a reserved name such as V(PORT)), the task fails naming them and the
    reasons; the variables Scalingo accepted in the same request are set all the same, and the task says which.
seealso:
  - module: scalingo.cloud.scalingo_restart
"""

EXAMPLES = r"""
- name: Set the app's configuration and restart it if anything changed
  scalingo.cloud.scalingo_env:
    app: my-shop
    variables:
      RAILS_ENV: production
      WEB_CONCURRENCY: 3
      SECRET_KEY_BASE: "{{ vault_secret_key_base }}"
      DATABASE_URL: $SCALINGO_POSTGRESQL_URL
    restart: true

- name: Make these the only variables of the app (its addons' variables are kept)
  scalingo.cloud.scalingo_env:
    app: my-shop
    variables:
      RAILS_ENV: production
      SECRET_KEY_BASE: "{{ vault_secret_key_base }}"
    exclusive: true

- name: Remove variables
  scalingo.cloud.scalingo_env:
    app: my-shop
    state: absent
    names: [OLD_FEATURE_FLAG, LEGACY_API_KEY]
"""

RETURN = r"""
variables:
  description: The names of all the app's variables after the change (predicted in check mode), sorted.
  returned: success
  type: list
  elements: str
  sample: [DATABASE_URL, RAILS_ENV, SCALINGO_POSTGRESQL_URL, SECRET_KEY_BASE]
added:
  description: Names of the variables added.
  returned: success
  type: list
  elements: str
  sample: [SECRET_KEY_BASE]
updated:
  description: Names of the variables whose value changed. (C(changed) is the task's own status.)
  returned: success
  type: list
  elements: str
  sample: [RAILS_ENV]
removed:
  description: Names of the variables removed.
  returned: success
  type: list
  elements: str
  sample: [OLD_FEATURE_FLAG]
operation:
  description:
    - The last state seen of the restart operation; only its V(id) and V(url) when O(wait=false).
    - V(null) when nothing was restarted.
  returned: success
  type: dict
  sample: {id: 5ed11f2c884fef000f5e502e, status: done, type: restart}
duration:
  description: Seconds spent waiting for the restart.
  returned: success
  type: float
  sample: 6.1
"""

import re
from typing import Any, NoReturn

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, variable_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Reply
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, env_text, unsendable

VALUE_MAX = 32768
FIELDS = {"id": str, "name": str, "value": str}
ADDON_NAME = re.compile(r"^SCALINGO_[A-Z0-9_]+_URL\Z")
ALIAS = re.compile(r"^\$(?:\{([A-Za-z][A-Za-z0-9_]*)\}|([A-Za-z][A-Za-z0-9_]*))\Z")


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "variables": {"type": "dict", "no_log": True},
    "names": {"type": "list", "elements": "str"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "exclusive": {"type": "bool", "default": False},
    "restart": {"type": "bool", "default": False},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported; the variables'
    values are checked apart (refused_values), as a refusal must not quote them."""
    problem = app_name_problem("app", params["app"]) or usage_problem(params)
    if problem:
        return [problem]
    names = [str(n) for n in (params["names"] if params["names"] is not None else params["variables"])]
    bad = [f"{n!r} ({problem})" for n in names if (problem := variable_name_problem(n))]
    return [f"invalid variable names: {', '.join(bad)}"] if bad else []


def usage_problem(params: dict) -> str | None:
    """What the options say that does not go together, or None."""
    if params["state"] == "present":
        if params["names"] is not None:
            return "names is only used with state=absent: give variables (a dict of name to value) to set"
        if params["variables"] is None:
            return "variables is required with state=present (a dict of name to value)"
    else:
        if params["exclusive"]:
            return "exclusive is only used with state=present"
        if params["names"] is None and params["variables"] is None:
            return "state=absent needs names (or variables) to remove"
    return None


def refused_values(params: dict) -> dict[str, str]:
    """The variables whose values can't be sent (with state=present), each with why, never quoting the value."""
    return unsendable(params["variables"] or {}, value_text) if params["state"] == "present" else {}


def alias_of(value: str) -> str | None:
    match = ALIAS.match(value)
    return match and (match[1] or match[2])


def addon_names(current: dict[str, dict]) -> set[str]:
    """Names of the variables addons made: SCALINGO_<ADDON>_URL, and aliases between one and another name."""
    names = {n for n in current if ADDON_NAME.match(n)}
    names |= {alias for n in names if (alias := alias_of(current[n]["value"]))}
    return names | {n for n, v in current.items() if ADDON_NAME.match(alias_of(v["value"]) or "")}


def value_text(name: str, value: Any) -> str:
    """The text a value is sent as (see env_text); raises naming the variable, never the value."""
    text = env_text(name, value)
    if not text:
        Resource.fail(f"{name} is empty: Scalingo refuses empty values; remove the variable with state=absent")
    if len(text) > VALUE_MAX:
        Resource.fail(f"{name} has a value of {len(text)} characters, more than Scalingo's {VALUE_MAX}")
    return text


def reasons(failed: list[dict]) -> str:
    """'NAME: field reason' of each variable a bulk PUT refused (their values are never read)."""
    texts = []
    for item in failed:
        errors = item.get("errors")
        errors = errors if isinstance(errors, dict) else {}
        why = ", ".join(
            f"{field} {' and '.join(map(str, m if isinstance(m, list) else [m]))}" for field, m in errors.items()
        )
        texts.append(f"{item['name']}: {why or 'refused'}")
    return "; ".join(texts)


class Env(Resource):
    def listing(self) -> dict[str, dict]:
        """The app's variables by name, values raw (aliases as stored)."""
        return {v["name"]: v for v in self.client.variables(self.app, FIELDS)}

    def run(self) -> dict:
        p = self.params
        self.app, self.path = p["app"], api_path("apps", p["app"], "variables")
        wanted = {str(n): value_text(n, v) for n, v in p["variables"].items()} if p["state"] == "present" else {}
        named = set(wanted) if p["state"] == "present" else {str(n) for n in p["names"] or p["variables"] or []}
        current = self.listing()
        upserts = {n: text for n, text in wanted.items() if n not in current or current[n]["value"] != text}
        if p["state"] == "absent":
            removals = sorted(named & set(current))
        elif p["exclusive"]:
            removals = sorted(set(current) - set(wanted) - addon_names(current))
        else:
            removals = []
        after = (set(current) | set(upserts)) - set(removals)
        managed = set(current) | named if p["exclusive"] else named
        before_diff = dict.fromkeys(sorted(managed & set(current)), "set")
        after_diff = {
            n: "added" if n not in current else "changed" if n in upserts else "set" for n in sorted(managed & after)
        }
        operation, duration = None, 0.0
        changed = bool(upserts or removals)
        if changed:
            self.act(lambda: None, lambda: self.apply(current, upserts, removals))
            if p["restart"]:
                operation, duration = self.act(lambda: (None, 0.0), self.restart)
        return self.result(
            changed,
            {"variables": before_diff},
            {"variables": after_diff},
            variables=sorted(after),
            added=sorted(n for n in upserts if n not in current),
            updated=sorted(n for n in upserts if n in current),
            removed=removals,
            operation=operation,
            duration=duration,
        )

    # -- writes ------------------------------------------------------------

    def apply(self, current: dict[str, dict], upserts: dict[str, str], removals: list[str]) -> None:
        self.current = current
        if upserts:
            self.write(lambda: self.send_upserts(upserts), lambda: self.upserts_landed(upserts))
        if removals:
            self.write(lambda: self.send_removals(removals), lambda: self.removals_landed(removals))

    def send_upserts(self, upserts: dict[str, str]) -> list[dict]:
        action = f"could not set the variables of app '{self.app}'"
        body = {"variables": [{"name": n, "value": text} for n, text in sorted(upserts.items())]}
        reply = self.client.request("PUT", self.path, body, ok=(200, 400), action=action)
        if reply.status == 400:
            self.refused(reply, upserts, action)
        return reply.take("variables", list, {"name": str})

    def refused(self, reply: Reply, upserts: dict[str, str], action: str) -> NoReturn:
        """Scalingo's 400 to a bulk PUT lists the variables it refused; the others may be set all the same."""
        data = reply.data if isinstance(reply.data, dict) else {}
        request_id = reply.headers.get("X-Request-ID")
        suffix = f" (HTTP 400{f', request id {request_id}' if request_id else ''})"
        if not isinstance(data.get("failed"), list):
            error = data.get("error") if isinstance(data.get("error"), str) else "Bad Request"
            raise ScalingoError(f"{action}: {error}{suffix}", status=400, error=error, request_id=request_id)
        failed = reply.take("failed", list, {"name": str})
        now = self.listing()
        applied = sorted(n for n, text in upserts.items() if n in now and now[n]["value"] == text)
        outcome = f"set all the same: {', '.join(applied)}" if applied else "nothing was changed"
        raise ScalingoError(
            f"{action}: Scalingo refused {reasons(failed)}{suffix}; {outcome}",
            status=400,
            request_id=request_id,
            changed=bool(applied),
        )

    def upserts_landed(self, upserts: dict[str, str]) -> dict[str, dict] | None:
        """After a lost answer: the listing if every variable holds its new value, else None."""
        self.current = self.listing()
        landed = all(n in self.current and self.current[n]["value"] == text for n, text in upserts.items())
        return self.current if landed else None

    def send_removals(self, removals: list[str]) -> Reply:
        ids = [self.current[n]["id"] for n in removals if n in self.current]
        action = f"could not remove variables of app '{self.app}'"
        return self.client.request("DELETE", self.path, {"variable_ids": ids}, ok=(204,), action=action)

    def removals_landed(self, removals: list[str]) -> bool | None:
        """After a lost answer: True if none of the variables is left, else None (the rest is sent again)."""
        self.current = self.listing()
        return True if not set(removals) & set(self.current) else None

    def restart(self) -> tuple[dict | None, float]:
        action = f"the variables of app '{self.app}' changed, but it could not be restarted"
        path = api_path("apps", self.app, "restart")
        reply = self.retry_busy(self.app, lambda: self.client.request("POST", path, {}, ok=(202,), action=action))
        return self.follow(reply.headers.get("Location"), self.app, "the restart")


def main() -> None:
    m = ScalingoModule(
        ARGUMENT_SPEC, wait=True, input_problems=input_problems, mutually_exclusive=[("variables", "names")]
    )
    m.refuse_values("variables", refused_values(m.params))
    m.run(Env)


if __name__ == "__main__":
    main()
