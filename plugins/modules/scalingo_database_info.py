#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_database_info
short_description: Read a Scalingo database's settings, backups, recovery window and users
description:
  - Reads a database addon of an app through Scalingo's database API, and changes nothing.
  - Returns its features, its periodic backup settings, its maintenance window and next maintenance, its
    backups (newest first, at most O(backups_limit)), its point-in-time recovery window (PostgreSQL only) and
    the names of its users (PostgreSQL, MySQL, MongoDB and InfluxDB). Never a password.
  - Costs one request per part read (the database, its maintenance, backups, recovery window and users), after
    finding the addon (plus the exchanges of the bearer token and of the addon token when none is cached).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  addon:
    description:
      - The database addon, by its provider id (V(postgresql), V(redis)...) when the app has one addon of that
        provider, or by its addon id (C(ad-...)).
    type: str
    required: true
  backups_limit:
    description:
      - How many backups to return, the newest first. V(0) reads none (one request less).
    type: int
    default: 10
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.database
  - scalingo.cloud.attributes
  - scalingo.cloud.attributes.INFO_MODULE
seealso:
  - module: scalingo.cloud.scalingo_database_backup
    description: Takes and downloads backups.
  - module: scalingo.cloud.scalingo_database_restore
    description: Restores to a point in the recovery window, or from a backup.
"""

EXAMPLES = r"""
- name: Read the database of my-shop
  scalingo.cloud.scalingo_database_info:
    app: my-shop
    addon: postgresql
    backups_limit: 3
  register: shop_db

- name: Show the newest backup and how far back the database can be restored
  ansible.builtin.debug:
    msg:
      - "newest backup: {{ shop_db.backups[0].id }} ({{ shop_db.backups[0].status }})"
      - "recoverable from {{ shop_db.recovery_window.earliest_recoverable_at }}"
"""

RETURN = r"""
database:
  description: The database, in the terms of M(scalingo.cloud.scalingo_database).
  returned: always
  type: dict
  contains:
    id:
      description: The addon id of the database.
      type: str
    type_name:
      description: V(postgresql), V(mysql), V(redis)...
      type: str
    version:
      description: The database's version.
      type: str
    status:
      description: V(running), V(migrating)...
      type: str
    features:
      description: V(force_tls) and V(publicly_available), true or false (a pending activation counts as true).
      type: dict
    feature_statuses:
      description:
        - Every feature of the database by its API name (C(force-ssl), C(redis-aof)...), with its status
          (V(ACTIVATED), V(PENDING_TO_ACTIVATE), V(PENDING_TO_REMOVE), V(FAILED)).
      type: dict
    periodic_backups:
      description: V(enabled), V(hours) (the UTC hours of the daily backups) and V(hour) (the one hour, if one).
      type: dict
    maintenance_window:
      description: V(weekday) (its name), V(weekday_utc) (V(0) for Sunday), V(hour) (UTC) and V(duration_in_hour).
      type: dict
  sample:
    id: ad-9d3c3a2b-0f1e-4a5b-8c7d-6e5f4a3b2c1d
    type_name: postgresql
    version: 16.4.0
    status: running
    features: {force_tls: true, publicly_available: false}
    feature_statuses: {force-ssl: ACTIVATED}
    periodic_backups: {enabled: true, hour: 1, hours: [1]}
    maintenance_window: {weekday: wednesday, weekday_utc: 3, hour: 2, duration_in_hour: 8}
next_maintenance:
  description: The next maintenance not yet over (scheduled, notified, queued or running), or V(null).
  returned: always
  type: dict
  sample: {id: mt-1, type: no-op, status: scheduled, started_at: "2026-07-22T02:00:00Z"}
backups:
  description: The backups, newest first, at most O(backups_limit) (id, name, status, method, size, created_at...).
  returned: always
  type: list
  elements: dict
recovery_window:
  description:
    - The point-in-time recovery window (C(earliest_recoverable_at), C(latest_recoverable_at)); V(null) for a
      database other than PostgreSQL.
  returned: always
  type: dict
users:
  description: The database's users (name, read_only, protected); V(null) for a database type without users.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.scalingo.cloud.plugins.module_utils._database import (
    DatabaseResource,
    address_problems,
    features_of,
    settings_of,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._database_reads import (
    has_pitr,
    has_users,
    list_backups,
    list_users,
    parse_time,
    recovery_window,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE

ARGUMENT_SPEC: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "addon": {"type": "str", "required": True},
    "backups_limit": {"type": "int", "default": 10},
}
UPCOMING = ("scheduled", "notified", "queued", "running")


def input_problems(params: dict) -> list[str]:
    problems = address_problems(params)
    if params["backups_limit"] < 0:
        problems.append(f"backups_limit is a number of backups, 0 or more, got {params['backups_limit']}")
    return problems


def database_view(database: dict) -> dict:
    """The database in scalingo_database's terms, with every feature's status as the API gives it."""
    view = {
        "id": database["id"],
        "type_name": database.get("type_name"),
        "version": database.get("readable_version"),
        "status": database.get("status"),
    }
    return dict(view, **settings_of(database), feature_statuses=features_of(database))


def next_of(maintenance: list) -> dict | None:
    """The maintenance not over that starts first (one without a start time last)."""
    upcoming = [m for m in maintenance if isinstance(m, dict) and m.get("status") in UPCOMING]
    starts = [(parse_time(m.get("started_at")), m) for m in upcoming]
    starts.sort(key=lambda pair: pair[0].timestamp() if pair[0] else float("inf"))
    return starts[0][1] if starts else None


class DatabaseInfo(DatabaseResource):
    def run(self) -> dict:
        db = self.db
        database = db.database()
        maintenance = db.get(
            db.path("maintenance"), "maintenance", list, action=f"could not read the maintenance of {db.described}"
        )
        limit = self.params["backups_limit"]
        return self.result(
            False,
            database=database_view(database),
            next_maintenance=next_of(maintenance),
            backups=list_backups(db)[:limit] if limit else [],
            recovery_window=recovery_window(db) if has_pitr(db) else None,
            users=list_users(db) if has_users(db) else None,
        )


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems, groups=DATABASE).run(DatabaseInfo)


if __name__ == "__main__":
    main()
