#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_database_restore
short_description: Restore a Scalingo database to a point in time or from a backup
description:
  - Restores a database addon of an app to its state at O(restore_time) (point-in-time recovery, PostgreSQL only),
    or from one of its backups (O(backup)), and waits until the restore is over.
  - A restore replaces the database's data and can't be undone, so the task restores only when O(confirm) names
    the addon (its id or its resource id); without it, or with another value, it fails before any write and says
    what would be restored.
  - Each run that is not in check mode restores (it is an action, like a restart); the task always reports a
    change.
  - O(restore_time) outside the database's recovery window fails before any write, naming the window. A backup
    that is not done fails before any write too.
  - A restore is never sent twice. When its answer is lost, the task fails with C(changed=true) and says where to
    look before running it again.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  addon:
    description:
      - The database addon, by its provider id (V(postgresql)...) when the app has one addon of that provider, or
        by its addon id (C(ad-...)).
    type: str
    required: true
  restore_time:
    description:
      - The moment to restore the database to, as an RFC 3339 / ISO 8601 time with its offset, for example
        V(2026-07-18T23:00:00Z) or V(2026-07-19T01:00:00+02:00). Checked before any request.
      - Point-in-time recovery is for PostgreSQL databases only. The time must be within the recovery window
        (see the C(recovery_window) of M(scalingo.cloud.scalingo_database_info)).
      - Exactly one of O(restore_time) and O(backup) is needed.
    type: str
  backup:
    description:
      - The id of the backup to restore (C(bk-...), as M(scalingo.cloud.scalingo_database_backup) returns it),
        or V(latest) for the newest backup that is done.
    type: str
  confirm:
    description:
      - The id (C(ad-...)) or the resource id of the addon to restore. Without it, or with another value, the task
        fails before any write (in check mode too) and says what would be restored.
    type: str
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.database
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the addon and the recovery window or the backup, checks them as a real run does, and returns what
        would be restored in RV(restore) (C(changed=true)); sends nothing that changes anything.
  diff_mode:
    support: none
notes:
  - Restoring a database resets its point-in-time recovery timeline.
seealso:
  - module: scalingo.cloud.scalingo_database_backup
    description: Takes a backup before a risky change.
  - module: scalingo.cloud.scalingo_database_info
    description: Reads the recovery window and the backups.
  - name: Backup policies of Scalingo's databases
    description: Backups and point-in-time recovery.
    link: https://doc.scalingo.com/databases/about/backup-policies
"""

EXAMPLES = r"""
- name: Put the database back as it was before a bad migration
  scalingo.cloud.scalingo_database_restore:
    app: my-shop
    addon: postgresql
    restore_time: "2026-07-18T23:00:00Z"
    confirm: ad-9d3c3a2b-0f1e-4a5b-8c7d-6e5f4a3b2c1d

- name: Restore the backup taken before the release
  scalingo.cloud.scalingo_database_restore:
    app: my-shop
    addon: postgresql
    backup: "{{ release_backup.backup.id }}"
    confirm: "{{ release_backup.backup.database_id }}"
    wait_timeout: 3600
"""

RETURN = r"""
restore:
  description:
    - What was restored (what would be, in check mode), and the restore's last state.
  returned: always
  type: dict
  contains:
    method:
      description: V(point_in_time) or V(backup).
      type: str
    database_id:
      description: The addon id of the database.
      type: str
    restore_time:
      description: With O(restore_time), the time restored to, in UTC.
      type: str
    backup:
      description: With O(backup), the backup restored (id, name, created_at).
      type: dict
    id:
      description: The id of the restore operation (not in check mode).
      type: str
    status:
      description: The restore's status (V(done) once waited for); V(would start) in check mode.
      type: str
  sample:
    method: point_in_time
    database_id: ad-9d3c3a2b-0f1e-4a5b-8c7d-6e5f4a3b2c1d
    restore_time: "2026-07-18T23:00:00Z"
    id: op-0f8c
    status: done
recovery_window:
  description: With O(restore_time), the recovery window read before restoring.
  returned: when O(restore_time) is given
  type: dict
  sample:
    earliest_recoverable_at: "2026-07-12T09:00:00Z"
    latest_recoverable_at: "2026-07-19T09:00:00Z"
duration:
  description: Seconds waited for the restore.
  returned: success
  type: float
"""

from datetime import datetime
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import identifier_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._database import DatabaseResource, address_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._database_reads import (
    has_pitr,
    list_backups,
    parse_time,
    recovery_window,
    shown_time,
    take_either,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE

ARGUMENT_SPEC: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "addon": {"type": "str", "required": True},
    "restore_time": {"type": "str"},
    "backup": {"type": "str"},
    "confirm": {"type": "str"},
}
FAILED = ("error", "failed", "cancelled")


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = address_problems(params)
    given = [key for key in ("restore_time", "backup") if params[key] is not None]
    if len(given) != 1:
        problems.append("give one of restore_time (a point in time) and backup (a backup id, or latest)")
    if params["restore_time"] is not None and parse_time(params["restore_time"], strict=True) is None:
        problems.append(
            f"restore_time {params['restore_time']!r} is invalid: give an RFC 3339 time with its offset, "
            "such as 2026-07-18T23:00:00Z"
        )
    problem = identifier_problem("backup", params["backup"]) if params["backup"] is not None else None
    return problems + ([problem] if problem else [])


class DatabaseRestore(DatabaseResource):
    def run(self) -> dict:
        plan: dict[str, Any] = {"database_id": self.db.addon_id}
        fields: dict[str, Any] = {}
        if self.params["restore_time"] is not None:
            at = self.restore_time()
            plan.update(method="point_in_time", restore_time=shown_time(at))
            what = f"its state at {plan['restore_time']}"
        else:
            plan.update(method="backup")
            what = f"backup {self.params['backup']}"
        self.confirmed(what)
        if plan["method"] == "point_in_time":
            fields["recovery_window"] = self.check_window(at)
        else:
            plan["backup"] = self.chosen_backup()
        started = self.act(lambda: dict(plan, status="would start"), lambda: self.start(plan))
        if self.check_mode or not self.params["wait"]:
            return self.result(True, restore=started, duration=0.0, **fields)
        return self.result(True, **self.until_over(started, fields))

    def confirmed(self, what: str) -> None:
        addon = self.db.addon
        names = [addon["id"], *([addon["resource_id"]] if isinstance(addon.get("resource_id"), str) else [])]
        if self.params["confirm"] not in names:
            self.fail(
                f"restoring {self.db.described} replaces all its data with {what}, and can't be undone: set confirm "
                f"to its addon id '{addon['id']}' to restore it"
            )

    def restore_time(self) -> datetime:
        at = parse_time(self.params["restore_time"], strict=True)
        if at is None:  # input_problems refused it already
            self.fail("restore_time is not an RFC 3339 time")
        return at

    def check_window(self, at: datetime) -> dict:
        if not has_pitr(self.db):
            self.fail(f"point-in-time recovery is for PostgreSQL databases only, not {self.db.described}: give backup")
        window = recovery_window(self.db)
        earliest, latest = (parse_time(window[key]) for key in ("earliest_recoverable_at", "latest_recoverable_at"))
        if earliest is None:
            self.fail(
                f"{self.db.described} has no recovery window yet (its first base backup may take up to 24 hours): "
                "nothing was restored",
                recovery_window=window,
            )
        if at < earliest or (latest is not None and at > latest):
            self.fail(
                f"restore_time {shown_time(at)} is outside the recovery window of {self.db.described}, "
                f"from {window['earliest_recoverable_at']} to {window['latest_recoverable_at'] or 'now'}: nothing was "
                "restored",
                recovery_window=window,
            )
        return window

    def chosen_backup(self) -> dict:
        wanted = self.params["backup"]
        backups = list_backups(self.db)
        if wanted == "latest":
            backup = next((b for b in backups if b.get("status") == "done"), None)
            if backup is None:
                self.fail(f"{self.db.described} has no backup that is done: nothing was restored")
        else:
            backup = next((b for b in backups if b["id"] == wanted), None)
            if backup is None:
                self.fail(
                    f"{self.db.described} has no backup '{wanted}' (latest: {backups[0]['id'] if backups else 'none'})"
                )
            if backup.get("status") != "done":
                self.fail(
                    f"backup {wanted} of {self.db.described} is {backup.get('status')}, not done: it can't be restored"
                )
        return {key: backup.get(key) for key in ("id", "name", "created_at")}

    def start(self, plan: dict) -> dict:
        action = f"could not start the restore of {self.db.described}"
        if plan["method"] == "point_in_time":
            path, body, key = self.db.path("pitr", "restore"), {"restore_time": plan["restore_time"]}, "operation"
        else:
            path, body, key = self.db.path("backups", plan["backup"]["id"], "restore"), None, "backup_restoration"
        try:
            reply = self.db.request("POST", path, body, ok=(200, 201, 202), action=action)
        except ScalingoError as exc:
            if exc.unknown_outcome:
                # A second restore would restore again, over whatever the first did meanwhile: never re-sent.
                exc.message += (
                    f". The restore may have started: this task never sends it again. Look at {self.db.described} in "
                    "Scalingo's dashboard (its operations and events) before running the task again"
                )
                exc.changed = True
            raise
        if key == "operation" and isinstance(reply.data, dict) and isinstance(reply.data.get("operation_id"), str):
            operation = {"id": reply.data["operation_id"]}
        else:
            operation = take_either(reply, key, {"id": str})
        return dict(plan, id=operation["id"], status=operation.get("status") or "running")

    def until_over(self, restore: dict, fields: dict) -> dict:
        if restore["method"] == "point_in_time":
            path, key = api_path("operations", restore["id"]), "operation"
        else:
            path, key = self.db.path("backup_restorations", restore["id"]), "backup_restoration"
        action = f"could not follow the restore {restore['id']} of {self.db.described}"

        def read(deadline: float) -> dict:
            reply = self.db.request("GET", path, action=action, deadline=deadline)
            return take_either(reply, key, {"id": str})

        waited = self.wait_for(read, lambda op: op.get("status") in ("done", *FAILED))
        restore = dict(restore, status=waited.value.get("status"))
        done = dict(fields, restore=restore, duration=waited.duration)
        if not waited.finished:
            self.fail(
                self.timed_out(f"the restore {restore['id']} of {self.db.described} is still {restore['status']}"),
                changed=True,
                **done,
            )
        if restore["status"] != "done":
            self.fail(
                f"the restore {restore['id']} of {self.db.described} ended {restore['status']}", changed=True, **done
            )
        return done


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems, groups=DATABASE).run(DatabaseRestore)


if __name__ == "__main__":
    main()
