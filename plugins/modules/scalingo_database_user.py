#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_database_user
short_description: Create and delete a user of a Scalingo database, and set its password
description:
  - Makes a user exist on a database addon of an app (PostgreSQL, MySQL, MongoDB or InfluxDB), read-write or
    read-only, or not exist.
  - The database API never returns a password. A password it generates (a user created without O(password))
    is returned once, in RV(generated_password).
  - Users Scalingo manages (C(protected), such as the database's own user) can't be changed or deleted; a task
    that would do it fails before any write.
  - A task that changes nothing sends the list of the database's users, after finding the addon (plus the
    exchanges of the bearer token and of the addon token when none is cached).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  addon:
    description:
      - The database addon, by its provider id (V(postgresql), V(mysql), V(mongodb), V(influxdb)) when the app has
        one addon of that provider, or by its addon id (C(ad-...)).
    type: str
    required: true
  name:
    description:
      - Name of the database user. 6 to 32 characters, lowercase letters, digits and hyphens, without a hyphen
        at its start or end or two in a row (Scalingo's rule). Checked before any request.
      - A name with C(_) is taken only as the name of one of Scalingo's own users (the database's resource id, such
        as C(my_shop_4553)), which the task reads and then refuses to change.
    type: str
    required: true
  state:
    description:
      - V(present) creates the user when the database does not have it.
      - V(absent) deletes it. The other options are then ignored.
    type: str
    choices: [present, absent]
    default: present
  read_only:
    description:
      - Whether the user can only read. Used when the user is created (V(false) when not given).
      - Scalingo fixes it at creation. A task giving another value than the existing user's fails before any
        write; to change it, delete the user (O(state=absent)) and create it again (its password then changes).
    type: bool
  password:
    description:
      - The user's password, 24 to 64 characters (checked before any request, never shown).
      - Without it, Scalingo generates one when it creates the user, returned in RV(generated_password).
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the task creates the user.
      - V(always) also sets it on an existing user, on every run, and the task then reports a change each time;
        the database API never returns a password, so it can't be compared. Needs O(password).
    type: str
    choices: [on_create, always]
    default: on_create
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.database
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the database's users and returns the predicted user; sends nothing that changes anything (no
        password is generated).
  diff_mode:
    support: full
    details:
      - The diff holds the user's state, name, V(read_only) and V(protected), and V(password) as V(set) when the
        task sets it; never a password.
notes:
  - Ansible hides a task's result values only when they equal a C(no_log) option. RV(generated_password) is a
    new value, so it appears in the output of a verbose run (C(-v)) unless the task has C(no_log=true). Put it in
    a vault or a secret store in the next task, also under C(no_log=true).
  - When the answer to the creation is lost, the task reads the users again (the name can't be taken twice)
    before sending it again. If the user was created but Scalingo generated its password, that password was in
    the lost answer; the task has Scalingo generate a new one (C(reset_password)) and returns that one, with a
    warning.
seealso:
  - module: scalingo.cloud.scalingo_database_info
    description: Lists the users of a database (names, never passwords).
  - name: Database users on Scalingo
    description: Scalingo's guide to a database's users.
    link: https://doc.scalingo.com/databases/postgresql/managing-users
"""

EXAMPLES = r"""
- name: A read-only user for analytics, its password from the vault
  scalingo.cloud.scalingo_database_user:
    app: my-shop
    addon: postgresql
    name: analytics
    read_only: true
    password: "{{ vault_analytics_db_password }}"

- name: A user whose password Scalingo generates (returned once, kept out of the output)
  scalingo.cloud.scalingo_database_user:
    app: my-shop
    addon: postgresql
    name: reporting
  register: reporting_user
  no_log: true

- name: Rotate a password on every run
  scalingo.cloud.scalingo_database_user:
    app: my-shop
    addon: postgresql
    name: analytics
    password: "{{ vault_analytics_db_password_next }}"
    update_password: always

- name: Delete a user
  scalingo.cloud.scalingo_database_user:
    app: my-shop
    addon: postgresql
    name: old-reporting
    state: absent
"""

RETURN = r"""
user:
  description:
    - The user after the task (as predicted in check mode); V({}) after O(state=absent). Never a password.
  returned: always
  type: dict
  contains:
    name:
      description: The user's name.
      type: str
    read_only:
      description: Whether it can only read.
      type: bool
    protected:
      description: Whether Scalingo manages it (then it can't be changed or deleted).
      type: bool
  sample:
    name: analytics
    read_only: true
    protected: false
generated_password:
  description:
    - B(Secret.) The password Scalingo generated for a user this task created without O(password) (or generated
      again after the answer to the creation was lost). Returned once; the database API never returns it again.
    - Not hidden by Ansible (see the notes); use C(no_log) on the task.
  returned: when Scalingo generated a password
  type: str
  sample: "(a password of 24 characters or more)"
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._database import DatabaseResource, address_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._database_reads import (
    USER_NAME_RULE,
    creatable,
    find_user,
    has_users,
    password_problem,
    take_either,
    user_name_problem,
    user_view,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE

ARGUMENT_SPEC: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "addon": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "read_only": {"type": "bool"},
    "password": {"type": "str", "no_log": True},
    "update_password": {"type": "str", "default": "on_create", "choices": ["on_create", "always"], "no_log": False},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = [*address_problems(params), user_name_problem("name", params["name"])]
    if params["state"] == "present":
        if params["password"] is not None:
            problems.append(password_problem("password", params["password"]))
        elif params["update_password"] == "always":
            problems.append("update_password is always: give the password to set in password")
    return [problem for problem in problems if problem]


class DatabaseUser(DatabaseResource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = self.params["name"]

    def run(self) -> dict:
        if not has_users(self.db):
            self.fail(
                f"{self.db.described} has no users: Scalingo manages users of PostgreSQL, MySQL, MongoDB and InfluxDB"
            )
        return super().run()

    def path(self, *more: str) -> str:
        return self.db.path("users", self.name, *more)

    def shown(self, user: dict | None, password: bool = False) -> dict:
        """Diff side: never a password, only whether the task set one."""
        if user is None:
            return {"state": "absent", "name": self.name}
        view = dict(user_view(user), state="present")
        if password:
            view["password"] = "set"
        return view

    def refuse_protected(self, user: dict, what: str) -> None:
        if user["protected"]:
            self.fail(
                f"user '{self.name}' of {self.db.described} is protected: Scalingo manages it, so it can't be {what}; "
                "create a user of your own for this",
                user=user,
            )

    def present(self) -> dict:
        user = find_user(self.db, self.name)
        wanted_read_only = self.params["read_only"]
        if user is None:
            if not creatable(self.name):
                self.fail(f"name {self.name!r} can't be created: {USER_NAME_RULE} (names with '_' are Scalingo's own)")
            new = {"name": self.name, "read_only": bool(wanted_read_only), "protected": False}
            created = self.act(lambda: (new, None), self.create)
            return self.result(True, self.shown(None), self.shown(created[0]), user=created[0], **created[1] or {})
        if wanted_read_only is not None and wanted_read_only != user["read_only"]:
            self.fail(
                f"user '{self.name}' of {self.db.described} is read_only={str(user['read_only']).lower()}, and Scalingo "
                "fixes it at creation: to change it, delete the user (state: absent) and create it again (with a new "
                "password)",
                user=user,
            )
        setting = self.params["update_password"] == "always"
        if setting:
            self.refuse_protected(user, "given a password")
            self.act(lambda: None, self.set_password)
        return self.result(setting, self.shown(user), self.shown(user, setting), user=user)

    def create(self) -> tuple[dict, dict | None]:
        """The user, created, and {"generated_password": ...} when Scalingo generated it."""
        body = {"database_id": self.db.addon_id, "name": self.name, "read_only": bool(self.params["read_only"])}
        password = self.params["password"]
        if password is not None:
            body.update(password=password, password_confirmation=password)
        action = f"could not create user '{self.name}' on {self.db.described}"

        def send() -> tuple[dict, dict | None]:
            reply = self.db.request(
                "POST", self.db.path("users"), {"database_user": body}, ok=(201, 200), action=action
            )
            user = take_either(reply, "database_user", {"name": str})
            return user_view(user), self.generated(user, password)

        def landed() -> tuple[dict, dict | None] | None:
            user = find_user(self.db, self.name)
            if user is None:
                return None
            if password is not None:
                return user, None
            self.warnings.append(
                f"the answer to the creation of user '{self.name}' was lost, with the password Scalingo generated: "
                "the task had Scalingo generate a new one"
            )
            return user, self.reset_password()

        # A user name is taken once: a second POST would be refused, so it may follow the re-reads.
        return self.write(send, landed, look=True)

    def generated(self, answer: dict, given: str | None) -> dict | None:
        if given is not None:
            return None
        password = answer.get("password")
        if not isinstance(password, str) or not password:
            raise ScalingoError(
                f"user '{self.name}' was created on {self.db.described}, but the answer held no generated password: "
                "set one with password and update_password: always",
                changed=True,
            )
        self.client.keep_secret(password)
        return {"generated_password": password}

    def reset_password(self) -> dict | None:
        action = f"could not have Scalingo generate a new password for user '{self.name}' of {self.db.described}"
        reply = self.db.request("POST", self.path("reset_password"), ok=(200, 201), action=action)
        return self.generated(take_either(reply, "database_user", {"name": str}), None)

    def set_password(self) -> None:
        password = self.params["password"]
        body = {
            "database_user": {"database_id": self.db.addon_id, "password": password, "password_confirmation": password}
        }
        action = f"could not set the password of user '{self.name}' of {self.db.described}"
        # The same password sent twice is the same state: a lost answer is sent once more.
        self.write(lambda: self.db.request("PATCH", self.path(), body, action=action), lambda: None)

    def absent(self) -> dict:
        user = find_user(self.db, self.name)
        if user is not None:
            self.refuse_protected(user, "deleted")
            action = f"could not delete user '{self.name}' of {self.db.described}"

            def send() -> None:
                self.db.request("DELETE", self.path(), ok=(204, 200), action=action)

            self.act(lambda: None, lambda: self.write(send, lambda: None if find_user(self.db, self.name) else {}))
        return self.result(user is not None, self.shown(user), self.shown(None), user={})


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems, groups=DATABASE).run(DatabaseUser)


if __name__ == "__main__":
    main()
