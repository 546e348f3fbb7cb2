#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_database_backup
short_description: Take a backup of a Scalingo database, unless a recent one exists, and download it
description:
  - Takes a manual backup of a database addon and waits until Scalingo has finished it. With O(max_age), a
    successful backup (manual or periodic) younger than that is enough, and none is taken; so a release
    playbook can run the task every time.
  - With O(download_to), downloads the backup (the one taken or found, or the one O(backup) names) to a local
    file on the host that runs the module, atomically.
  - A backup that ends in error fails the task with the status and the message Scalingo gives.
  - If the answer to the backup's creation is lost, no second backup is requested blindly; the module looks
    for a new manual backup in the list first (within O(wait_timeout)) and fails, saying so, if none shows.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application the database is an addon of.
    type: str
    required: true
  addon:
    description:
      - The database addon, by its provider id (V(postgresql), V(mysql)...) when the app has one addon of that
        provider, or by its addon id (V(ad-...)) when it has several.
    type: str
    required: true
  state:
    description:
      - V(present) takes a backup (unless O(max_age) finds a recent one). Not used with O(backup), which names
        an existing backup to download.
    type: str
    choices: [present]
    default: present
  max_age:
    description:
      - The age under which the newest successful backup is enough, such as V(90s), V(30m), V(1h), V(2d), V(1w)
        or V(1h30m). It is counted from the backup's C(created_at) to the clock of the host that runs the module.
      - Without it, every run takes a backup.
    type: str
  backup:
    description:
      - An existing backup to download instead of taking one, by its id, or V(latest) for the newest
        successful one. Needs O(download_to).
    type: str
  download_to:
    description:
      - A file path, on the host that runs the module, to download the backup's archive (a C(.tar.gz)) to. Its
        folder must exist.
      - The archive is written to a new file of mode 0600 in that folder, flushed to disk, then renamed over
        the path, so the path never holds part of an archive, even when the download is cut short.
      - Scalingo gives no checksum of a backup, so the module cannot know an archive's SHA-256 without
        downloading it. It downloads it each time and leaves the file as it is (C(changed=false)) when its
        content is already that archive. In check mode it downloads nothing and predicts a change when the file
        is missing or of another size.
      - The download URL, which is a credential for a few minutes, is never returned or printed.
      - Not with O(wait=false), as only a finished backup can be downloaded.
    type: path
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.database
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the backups and says whether one would be taken and downloaded; sends nothing that changes
        anything and downloads nothing.
  diff_mode:
    support: full
    details:
      - The diff holds the backup's id and status and the downloaded file's SHA-256.
seealso:
  - module: scalingo.cloud.scalingo_database
    description: Sets the periodic backups of the database.
  - name: Scalingo backup policies
    description: What Scalingo keeps, and for how long.
    link: https://doc.scalingo.com/databases/about/backup-policies
"""

EXAMPLES = r"""
- name: Before a release, a backup of the database no older than an hour
  scalingo.cloud.scalingo_database_backup:
    app: my-shop
    addon: postgresql
    max_age: 1h
  register: backup

- name: Take a backup and keep a copy
  scalingo.cloud.scalingo_database_backup:
    app: my-shop
    addon: postgresql
    download_to: /var/backups/my-shop/latest.tar.gz

- name: Download the newest successful backup without taking one
  scalingo.cloud.scalingo_database_backup:
    app: my-shop
    addon: postgresql
    backup: latest
    download_to: /var/backups/my-shop/latest.tar.gz
"""

RETURN = r"""
backup:
  description:
    - The backup taken, found by O(max_age) or named by O(backup), as the database API returned it.
    - In check mode, a backup that would be taken has no C(id).
  returned: always
  type: dict
  sample:
    id: 5f48ecb6f112e2000ef34f15
    name: 20260718230000_my_shop_4553
    status: done
    method: manual
    size: 182
    created_at: "2026-07-18T23:00:00.000Z"
taken:
  description: Whether a backup was taken (or would be, in check mode).
  returned: always
  type: bool
download:
  description: The downloaded file (in check mode, only its path, and a predicted RV(download.changed)).
  returned: when O(download_to) is given
  type: dict
  contains:
    path:
      description: Absolute path of the file.
      type: str
    size:
      description: Size of the archive in bytes.
      type: int
    sha256:
      description: SHA-256 of the archive, in hexadecimal.
      type: str
    changed:
      description: Whether the file was written (false when it already held this archive).
      type: bool
"""

import os
import time
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._database import (
    DatabaseResource,
    address_problems,
    age_seconds,
    save_download,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._database_reads import backup_time
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE

BACKUP_FIELDS = {"id": str, "status": str}
# Statuses in which a backup is over; any other (scheduled, running, pending...) is not finished yet.
FAILED = ("error", "cancelled", "canceled", "failed")
OVER = ("done", *FAILED)

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "addon": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present"]},
    "max_age": {"type": "str"},
    "backup": {"type": "str"},
    "download_to": {"type": "path"},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = address_problems(params)
    if params["max_age"] is not None and not age_seconds(params["max_age"]):
        problems.append(f"max_age {params['max_age']!r} is not an age: give one such as 90s, 30m, 1h, 2d or 1h30m")
    if params["backup"] is not None and params["max_age"] is not None:
        problems.append("backup names an existing backup to download; max_age goes with taking one: give one of them")
    if params["backup"] is not None and not params["download_to"]:
        problems.append("backup names a backup to download: give download_to, the file to download it to")
    path = params["download_to"]
    if path:
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            problems.append(f"download_to {path} is a folder: give the path of the file to write")
        elif not os.path.isdir(folder):
            problems.append(f"download_to: the folder {folder} does not exist: create it first")
        if not params["wait"]:
            problems.append("download_to needs wait=true: only a finished backup can be downloaded")
    return problems


def shown(backup: dict | None, download: dict | None = None) -> dict:
    side = {"backup": {key: backup.get(key) for key in ("id", "status")} if backup else None}
    if download is not None:
        side["download"] = {"path": download["path"], "sha256": download.get("sha256")}
    return side


class DatabaseBackup(DatabaseResource):
    def run(self) -> dict:
        if self.params["backup"]:
            backup, taken = self.named(self.params["backup"]), False
        else:
            backup, taken = self.recent_or_new()
        before = dict(shown(None if taken else backup), **({"download": None} if self.params["download_to"] else {}))
        fields: dict[str, Any] = {"backup": backup, "taken": taken}
        if self.params["download_to"]:
            fields["download"] = self.download(backup)
        changed = taken or bool(fields.get("download", {}).get("changed"))
        return self.result(changed, before, shown(backup, fields.get("download")), **fields)

    # -- reads ----------------------------------------------------------------------

    def backups(self) -> list[dict]:
        action = f"could not read the backups of {self.db.described}"
        return self.db.get(self.db.path("backups"), "database_backups", list, BACKUP_FIELDS, action=action)

    def read(self, backup_id: str, deadline: float | None = None) -> dict:
        action = f"could not read backup {backup_id} of {self.db.described}"
        path = self.db.path("backups", backup_id)
        return self.db.get(path, "database_backup", fields=BACKUP_FIELDS, action=action, deadline=deadline)

    def named(self, wanted: str) -> dict:
        if wanted != "latest":
            return self.finished(self.read(wanted), taken=False)
        done = [b for b in self.backups() if b["status"] == "done"]
        if not done:
            self.fail(f"{self.db.described} has no successful backup to download yet")
        return newest(done)

    # -- taking one -----------------------------------------------------------------

    def recent_or_new(self) -> tuple[dict, bool]:
        listed = self.backups()
        age = age_seconds(self.params["max_age"]) if self.params["max_age"] else None
        if age is not None:
            now = time.time()  # the wall clock, as the API's created_at
            recent = [b for b in listed if b["status"] == "done" and now - backup_time(b) < age]
            if recent:
                return newest(recent), False
        predicted = {"id": None, "status": "done" if self.params["wait"] else "scheduled", "method": "manual"}
        return self.act(lambda: predicted, lambda: self.take({b["id"] for b in listed})), True

    def take(self, known: set[str]) -> dict:
        action = f"could not take a backup of {self.db.described}"

        def send() -> dict:
            reply = self.db.request("POST", self.db.path("backups"), ok=(201,), action=action)
            return reply.take("database_backup", fields=BACKUP_FIELDS)

        def landed() -> dict | None:
            new = [b for b in self.backups() if b["id"] not in known and b.get("method", "manual") == "manual"]
            return newest(new) if new else None

        unseen = (
            f"No new manual backup showed up in the backups of {self.db.described} within "
            f"wait_timeout={self.params['wait_timeout']} s, so none was requested again (that could take a second "
            "backup): look at the database's backups before running the task again"
        )
        backup = self.write(send, landed, resend=False, unseen=unseen)
        if not self.params["wait"]:
            return backup
        return self.finished(self.until_over(backup), taken=True)

    def until_over(self, backup: dict) -> dict:
        waited = self.wait_for(lambda deadline: self.read(backup["id"], deadline), lambda b: b["status"] in OVER)
        if not waited.finished:
            what = f"backup {backup['id']} of {self.db.described} is still {waited.value['status']}"
            self.fail(self.timed_out(what), changed=True, backup=waited.value)
        return waited.value

    def finished(self, backup: dict, taken: bool) -> dict:
        """The backup, when it ended well; fails with the platform's status and message otherwise."""
        if backup["status"] in FAILED:
            message = backup.get("message") or backup.get("error") or "no message given"
            msg = f"backup {backup['id']} of {self.db.described} ended with status {backup['status']}: {message}"
            self.fail(msg, changed=taken, backup=backup)
        if backup["status"] != "done" and not taken:
            self.fail(f"backup {backup['id']} of {self.db.described} is {backup['status']}: it can't be downloaded yet")
        return backup

    # -- downloading ----------------------------------------------------------------

    def download(self, backup: dict) -> dict:
        path = os.path.abspath(self.params["download_to"])
        if self.check_mode:
            size = os.path.getsize(path) if os.path.isfile(path) else None
            return {"path": path, "changed": backup.get("id") is None or size != backup.get("size")}
        action = f"could not download backup {backup['id']} of {self.db.described} to {path}"
        reply = self.db.request("GET", self.db.path("backups", backup["id"], "archive"), action=action)
        url = reply.take("download_url", str).strip()
        # A credential for a few minutes: never quoted, whatever fails from here.
        self.client.keep_secret(url)
        if "://" not in url:
            self.fail(f"{action}: the database API answered a download_url that is not a URL")
        return save_download(self.client, url, path, action, self.deadline)


def newest(backups: list[dict]) -> dict:
    return max(backups, key=backup_time)


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems, groups=DATABASE).run(DatabaseBackup)


if __name__ == "__main__":
    main()
