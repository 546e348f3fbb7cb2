#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_collaborator
short_description: Invite, change and remove collaborators of a Scalingo application
description:
  - Makes a person a collaborator of an app (by sending an invitation), sets whether they are a Limited
    Collaborator, or removes them (or their pending invitation).
  - A pending invitation counts as present. Scalingo emails the invitation; the person becomes an accepted
    collaborator by following its link.
  - The app's owner is not a collaborator. Inviting the owner's email fails before anything is sent.
  - "Cost: a task that changes nothing sends one request (the app's collaborators list), and so does a
    removal check. Changing the role of a collaborator adds one PATCH. An invitation reads the app too (to
    refuse the owner's email before any write), then sends one POST: three requests. Add a token exchange
    when no bearer is cached, see O(bearer_cache)."
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  email:
    description:
      - Email address of the collaborator. Compared case-insensitively, and sent in lower case, as Scalingo
        stores emails in lower case.
      - Checked to look like an email address before any request.
    type: str
    required: true
  state:
    description:
      - V(present) invites the person when they are neither a collaborator nor invited, then sets O(limited).
      - V(absent) removes the collaborator, or deletes the pending invitation (its link stops working).
    type: str
    choices: [present, absent]
    default: present
  limited:
    description:
      - V(true) makes a Limited Collaborator (Scalingo's C(is_limited)), who can't change the app's
        configuration, environment, add-ons, collaborators or formation; V(false) a Collaborator with full
        access.
      - When omitted, the role of an existing collaborator or invitation is left as it is, and a new
        invitation is sent with C(is_limited=true), Scalingo's default (a Limited Collaborator).
      - Ignored with O(state=absent).
    type: bool
  return_invitation_link:
    description:
      - Return the invitation link of a pending invitation in RV(collaborator.invitation_link).
      - The link is a secret, as anyone who has it can join the app. When this is V(false) it is never
        returned, shown in a diff or a message. When V(true), use C(no_log) on the task (or keep the
        registered result out of the output) so the link does not reach logs.
      - Ignored with O(state=absent).
    type: bool
    default: false
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the collaborators (and the app before an invitation) and returns the prediction; sends
        nothing that changes them. A predicted invitation has no id and no link yet.
  diff_mode:
    support: full
    details:
      - The diff holds the email, the state, and for a present collaborator C(limited) and C(status)
        (V(pending) or V(accepted)). Never the invitation link.
notes:
  - When the app does not exist, the task fails, with O(state=absent) too, so a mistyped app name never
    passes for a removed collaborator.
  - After a lost answer to an invitation, the collaborators are read again and the invitation is sent a
    second time only if it did not land.
seealso:
  - module: scalingo.cloud.scalingo_app
    description: Transfer an app to one of its collaborators with O(scalingo.cloud.scalingo_app#module:owner).
"""

EXAMPLES = r"""
- name: Invite a developer with full access
  scalingo.cloud.scalingo_collaborator:
    app: my-shop
    email: dev@example.com
    limited: false

- name: Invite a Limited Collaborator and keep the link to share it by another channel
  scalingo.cloud.scalingo_collaborator:
    app: my-shop
    email: support@example.com
    limited: true
    return_invitation_link: true
  register: invitation
  no_log: true  # the link lets anyone join the app

- name: Remove a collaborator (or their pending invitation)
  scalingo.cloud.scalingo_collaborator:
    app: my-shop
    email: former@example.com
    state: absent
"""

RETURN = r"""
collaborator:
  description:
    - The collaborator or invitation as the API returns it, without C(invitation_link) unless
      O(return_invitation_link=true).
    - In check mode, a predicted invitation holds only C(email), C(status) and C(is_limited).
    - V({}) after O(state=absent).
  returned: always
  type: dict
  contains:
    invitation_link:
      description:
        - The link that makes whoever follows it a collaborator; its token is empty once accepted.
        - A secret. Only with O(return_invitation_link=true).
      returned: when O(return_invitation_link=true) and the invitation was sent or read
      type: str
  sample:
    id: 54101e25736f7563d5060000
    email: dev@example.com
    user_id: null
    username: n/a
    tfa_status: null
    status: pending
    is_limited: false
    app_id: 5410e25736f7563d50600000
    app_name: my-shop
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, email_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Reply
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

FIELDS = {"id": str, "email": str}


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "email": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "limited": {"type": "bool"},
    "return_invitation_link": {"type": "bool", "default": False},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [app_name_problem("app", params["app"]), email_problem("email", params["email"])]
    return [problem for problem in problems if problem]


class Collaborator(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.email = self.params["email"].lower()
        self.path = api_path("apps", self.app, "collaborators")

    def find(self) -> dict | None:
        """The collaborator or invitation of this email, or None: one request."""
        listed = self.client.get(
            self.path, "collaborators", list, FIELDS, action=f"could not read the collaborators of app '{self.app}'"
        )
        return next((c for c in listed if c["email"].lower() == self.email), None)

    def limited(self, collaborator: dict) -> bool:
        """Scalingo's is_limited; a collaborator without it is a Limited Collaborator, the API's default."""
        value = collaborator.get("is_limited")
        if value is None:
            return True
        if not isinstance(value, bool):
            self.fail(
                f"could not read the collaborators of app '{self.app}': the answer has an 'is_limited' that is not "
                "true or false; it is not what Scalingo's API answers (a proxy page or an incompatible API?)"
            )
        return value

    def shown(self, collaborator: dict | None) -> dict:
        """Diff side: the email and state, and the role and status of a present collaborator. Never the link."""
        if collaborator is None:
            return {"email": self.email, "state": "absent"}
        return {
            "email": collaborator["email"].lower(),
            "state": "present",
            "limited": self.limited(collaborator),
            "status": collaborator.get("status"),
        }

    def returned(self, collaborator: dict) -> dict:
        if self.params["return_invitation_link"]:
            return collaborator
        return {key: value for key, value in collaborator.items() if key != "invitation_link"}

    def refuse_owner(self) -> None:
        """The owner is not a collaborator: fail before any write (this costs the read of the app)."""
        app = self.client.find_app(self.app)
        if app is None:
            self.fail(f"could not invite '{self.email}' to app '{self.app}': app not found")
        owner = (app.get("owner") or {}).get("email")
        if isinstance(owner, str) and owner.lower() == self.email:
            self.fail(
                f"cannot invite '{self.email}' to app '{self.app}': this is the app's owner, who is not a "
                "collaborator; invite someone else, or transfer the app with scalingo_app's owner"
            )

    def invite(self, limited: bool) -> dict:
        def send() -> dict:
            return self.client.request(
                "POST",
                self.path,
                {"collaborator": {"email": self.email, "is_limited": limited}},
                ok=(200, 201),
                action=f"could not invite '{self.email}' to app '{self.app}'",
            ).take("collaborator", fields=FIELDS)

        # An email is invited once: a second POST would be refused, so it may follow the re-reads.
        return self.write(send, self.find, look=True)

    def set_limited(self, collaborator: dict, limited: bool) -> dict:
        def send() -> dict:
            return self.client.request(
                "PATCH",
                self.path + api_path(collaborator["id"]),
                {"collaborator": {"is_limited": limited}},
                action=f"could not change the role of '{self.email}' on app '{self.app}'",
            ).take("collaborator", fields=FIELDS)

        def landed() -> dict | None:
            now = self.find()
            return now if now is not None and self.limited(now) == limited else None

        return self.write(send, landed)

    def remove(self, collaborator: dict) -> Any:
        def send() -> Reply | None:
            try:
                return self.client.request(
                    "DELETE",
                    self.path + api_path(collaborator["id"]),
                    ok=(204,),
                    action=f"could not remove '{self.email}' from app '{self.app}'",
                )
            except ScalingoError as exc:
                if exc.status == 404 and exc.resource == "collaborator":
                    return None  # removed by someone else meanwhile: absent all the same
                raise

        return self.write(send, lambda: {} if self.find() is None else None)

    def present(self) -> dict:
        current = self.find()
        wanted = self.params["limited"]
        if current is None:
            self.refuse_owner()
            limited = True if wanted is None else wanted
            collaborator = self.act(
                lambda: {"email": self.email, "status": "pending", "is_limited": limited},
                lambda: self.invite(limited),
            )
        elif wanted is not None and self.limited(current) != wanted:
            collaborator = self.act(lambda: dict(current, is_limited=wanted), lambda: self.set_limited(current, wanted))
        else:
            collaborator = current
        return self.result(
            collaborator is not current,
            self.shown(current),
            self.shown(collaborator),
            collaborator=self.returned(collaborator),
        )

    def absent(self) -> dict:
        current = self.find()
        if current is not None:
            self.act(lambda: None, lambda: self.remove(current))
        return self.result(current is not None, self.shown(current), self.shown(None), collaborator={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems).run(Collaborator)


if __name__ == "__main__":
    main()
