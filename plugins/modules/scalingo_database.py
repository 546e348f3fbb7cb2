#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_database
short_description: Set the TLS and Internet access, periodic backups and maintenance window of a Scalingo database
description:
  - Sets the settings of a database addon (PostgreSQL, MySQL, MongoDB, Redis...) that Scalingo's database API
    keeps - whether connections must use TLS, whether the database is reachable from the Internet, when its
    periodic backups run, and its weekly maintenance window.
  - Only the settings given are managed; the others are left as they are.
  - The database API is reached with the addon's own token (see O(db_api_url)).
  - A task that changes nothing sends three reads (the app's addons, the region listing, the database) and,
    when no addon token is kept, the token exchange (a POST that changes nothing). Add a bearer exchange when no
    bearer is cached (see O(bearer_cache)). Each changed setting group sends one write (a POST or DELETE per
    feature, one PATCH for the periodic backups, one PATCH for the maintenance window).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application the database is an addon of.
    type: str
    required: true
  addon:
    description:
      - The database addon, by its provider id (V(postgresql), V(mysql), V(mongodb), V(redis)...) when the app
        has one addon of that provider, or by its addon id (V(ad-...)) when it has several.
    type: str
    required: true
  features:
    description:
      - The database's network features. Each is waited for until Scalingo reports it active (or gone),
        within O(wait_timeout), unless O(wait=false).
    type: dict
    suboptions:
      force_tls:
        description:
          - V(true) makes the database accept TLS connections only (Scalingo's C(force-ssl) feature).
          - Scalingo needs it for O(features.publicly_available); turning it off while the database is publicly
            available fails before any write.
        type: bool
      publicly_available:
        description:
          - V(true) makes the database reachable from the Internet (Scalingo's C(publicly-available) feature),
            V(false) from the app's region only.
          - It needs TLS, so give O(features.force_tls=true) with it, or have TLS on already.
        type: bool
  periodic_backups:
    description: Scalingo's daily backups of the database.
    type: dict
    suboptions:
      enabled:
        description: Whether the daily backups run.
        type: bool
      hour:
        description:
          - Hour of the day, in UTC (V(0) to V(23)), at which the daily backup starts.
          - Scalingo sets one hour through its API; a database whose backups run at several hours fails with a
            message (only Scalingo's support changes those).
        type: int
  maintenance_window:
    description: The weekly window in which Scalingo may run maintenance operations on the database.
    type: dict
    suboptions:
      weekday:
        description:
          - Day of the week the window starts, in UTC, by its English name.
          - The API numbers the days from V(0) for Sunday to V(6) for Saturday; the module's results give both.
        type: str
        choices: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]
      hour:
        description: Hour of the day, in UTC (V(0) to V(23)), the window starts. Its length is Scalingo's.
        type: int
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.database
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the database and returns the predicted settings; sends nothing that changes anything.
  diff_mode:
    support: full
    details:
      - The diff holds the settings the task manages.
seealso:
  - module: scalingo.cloud.scalingo_addon
    description: Provisions the database addon.
  - module: scalingo.cloud.scalingo_database_backup
    description: Takes and downloads backups.
  - name: Scalingo databases
    description: Backups, network exposure and maintenance of Scalingo's databases.
    link: https://doc.scalingo.com/databases/about/backup-policies
"""

EXAMPLES = r"""
- name: TLS only, not on the Internet, backups at 03:00 UTC, maintenance on Sunday nights
  scalingo.cloud.scalingo_database:
    app: my-shop
    addon: postgresql
    features:
      force_tls: true
      publicly_available: false
    periodic_backups:
      enabled: true
      hour: 3
    maintenance_window:
      weekday: sunday
      hour: 1

- name: Reach the second PostgreSQL database of the app from the Internet (TLS is needed)
  scalingo.cloud.scalingo_database:
    app: my-shop
    addon: ad-9d3c3a2b-0f1e-4a5b-8c7d-6e5f4a3b2c1d
    features:
      force_tls: true
      publicly_available: true
"""

RETURN = r"""
settings:
  description:
    - The database's settings after the task (as predicted in check mode), in the module's terms.
    - C(maintenance_window.weekday_utc) is the API's number of the day (V(0) for Sunday).
  returned: always
  type: dict
  sample:
    features:
      force_tls: true
      publicly_available: false
    periodic_backups:
      enabled: true
      hours: [3]
    maintenance_window:
      weekday: sunday
      weekday_utc: 0
      hour: 1
      duration_in_hour: 8
database:
  description: The database object as the database API returned it last (before the predicted changes in check mode).
  returned: always
  type: dict
  sample:
    id: ad-9d3c3a2b-0f1e-4a5b-8c7d-6e5f4a3b2c1d
    type_name: postgresql
    features:
      - name: force-ssl
        status: ACTIVATED
    periodic_backups_enabled: true
    periodic_backups_scheduled_at: [3]
    maintenance_window:
      weekday_utc: 0
      starting_hour_utc: 1
      duration_in_hour: 8
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._database import (
    FEATURES,
    WEEKDAYS,
    DatabaseResource,
    address_problems,
    feature_state,
    features_of,
    settings_of,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import DATABASE

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "addon": {"type": "str", "required": True},
    "features": {
        "type": "dict",
        "options": {"force_tls": {"type": "bool"}, "publicly_available": {"type": "bool"}},
    },
    "periodic_backups": {"type": "dict", "options": {"enabled": {"type": "bool"}, "hour": {"type": "int"}}},
    "maintenance_window": {
        "type": "dict",
        "options": {
            "weekday": {
                "type": "str",
                "choices": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
            },
            "hour": {"type": "int"},
        },
    },
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = address_problems(params)
    for group in ("periodic_backups", "maintenance_window"):
        hour = (params[group] or {}).get("hour")
        if hour is not None and not 0 <= hour <= 23:
            problems.append(f"{group}.hour is an hour of the day in UTC, from 0 to 23, got {hour}")
    features = params["features"] or {}
    if features.get("publicly_available") and features.get("force_tls") is False:
        problems.append("features.publicly_available=true needs TLS: Scalingo refuses it with force_tls=false")
    return problems


def given(params: dict) -> dict[str, dict]:
    """The settings the task manages: {group: {key: value}}, without the ones left out."""
    groups = ("features", "periodic_backups", "maintenance_window")
    return {group: {k: v for k, v in (params[group] or {}).items() if v is not None} for group in groups}


def applied(database: dict, change: dict) -> bool:
    """Whether the database object shows the PATCH `change` (after a lost answer)."""
    settings = settings_of(database)
    hour = change.get("periodic_backups_scheduled_at")
    window = change.get("maintenance_window") or {}
    backups, maintenance = settings["periodic_backups"], settings["maintenance_window"]
    checks = [
        change.get("periodic_backups_enabled", backups["enabled"]) == backups["enabled"],
        hour is None or backups["hours"] == [hour],
        window.get("weekday_utc", maintenance["weekday_utc"]) == maintenance["weekday_utc"],
        window.get("starting_hour_utc", maintenance["hour"]) == maintenance["hour"],
    ]
    return all(checks)


class Database(DatabaseResource):
    def run(self) -> dict:
        self.given = given(self.params)
        database = self.db.database()
        before = settings_of(database)
        self.refuse_several_hours(before["periodic_backups"]["hours"])
        switches = self.switches(features_of(database))
        periodic, window = self.periodic_change(before), self.window_change(before)
        changed = bool(switches or periodic or window)
        if self.check_mode:
            after = self.predicted(before)
            return self.result(changed, self.managed(before), self.managed(after), settings=after, database=database)
        for name, on in switches:
            self.switch(name, on)
        for change in (periodic, window):
            if change:
                database = self.update(change)
        if switches and not (periodic or window):
            database = self.db.database()
        if self.params["wait"] and self.pending(database):
            database = self.until_settled(changed)
        after = settings_of(database)
        return self.result(changed, self.managed(before), self.managed(after), settings=after, database=database)

    def managed(self, settings: dict) -> dict:
        return {group: {key: settings[group][key] for key in keys} for group, keys in self.given.items() if keys}

    def predicted(self, before: dict) -> dict:
        after = {group: dict(values) for group, values in before.items()}
        for group, values in self.given.items():
            after[group].update(values)
        if "hour" in self.given["periodic_backups"]:
            after["periodic_backups"]["hours"] = [self.given["periodic_backups"]["hour"]]
        if "weekday" in self.given["maintenance_window"]:
            after["maintenance_window"]["weekday_utc"] = WEEKDAYS.index(self.given["maintenance_window"]["weekday"])
        return after

    # -- what would change ----------------------------------------------------------

    def refuse_several_hours(self, hours: list[int]) -> None:
        hour = self.given["periodic_backups"].get("hour")
        if len(hours) > 1 and hour is not None:
            self.fail(
                f"{self.db.described} has periodic backups at several hours {hours}: Scalingo's API sets one hour "
                "only; ask Scalingo's support to change them"
            )

    def switches(self, current: dict[str, str]) -> list[tuple[str, bool]]:
        """(feature name, on) to send, in an order Scalingo takes: TLS on first, off last."""
        states = {name: feature_state(current.get(name)) for name in FEATURES.values()}
        wanted = {FEATURES[key]: on for key, on in self.given["features"].items()}
        for name, on in wanted.items():
            if on and states[name] == "failed":
                self.fail(f"feature {name} of {self.db.described} FAILED at Scalingo: set it to false, then true again")
        ends = {name: wanted.get(name, states[name] == "on") for name in FEATURES.values()}
        if ends["publicly-available"] and not ends["force-ssl"]:
            self.fail(f"{self.db.described} would be publicly available without force-ssl, which Scalingo refuses")
        changes = [
            (name, on) for name, on in wanted.items() if (states[name] == "on") != on or states[name] == "failed"
        ]
        order = list(FEATURES.values())
        return sorted(changes, key=lambda change: order.index(change[0]) if change[1] else -order.index(change[0]))

    def periodic_change(self, before: dict) -> dict:
        wanted, current = self.given["periodic_backups"], before["periodic_backups"]
        change: dict[str, Any] = {}
        if "enabled" in wanted and wanted["enabled"] != current["enabled"]:
            change["periodic_backups_enabled"] = wanted["enabled"]
        if "hour" in wanted and current["hours"] != [wanted["hour"]]:
            change["periodic_backups_scheduled_at"] = wanted["hour"]  # one hour on write, a list on read
        return change

    def window_change(self, before: dict) -> dict:
        wanted, current = self.given["maintenance_window"], before["maintenance_window"]
        window = {
            "weekday_utc": WEEKDAYS.index(wanted["weekday"]) if "weekday" in wanted else current["weekday_utc"],
            "starting_hour_utc": wanted.get("hour", current["hour"]),
        }
        same = (window["weekday_utc"], window["starting_hour_utc"]) == (current["weekday_utc"], current["hour"])
        # Both fields, as Scalingo's CLI sends them.
        return {} if same else {"maintenance_window": window}

    # -- writes ---------------------------------------------------------------------

    def switch(self, name: str, on: bool) -> None:
        action = f"could not turn {'on' if on else 'off'} {name} on {self.db.described}"

        def send() -> dict:
            if on:
                return self.db.request(
                    "POST", self.db.path("features"), {"feature": {"name": name}}, action=action
                ).data
            return self.db.request("DELETE", self.db.path("features"), params={"feature": name}, action=action).data

        def landed() -> dict | None:
            state = feature_state(features_of(self.db.database()).get(name))
            return {} if (state == "on") == on else None

        # Turning on a feature that is on is refused: a lost answer is read again until it shows.
        self.write(send, landed, look=True)

    def update(self, change: dict) -> dict:
        action = f"could not change {', '.join(change)} of {self.db.described}"

        def send() -> dict:
            reply = self.db.request("PATCH", self.db.path(), {"database": change}, action=action)
            return reply.take("database", fields={"id": str})

        def landed() -> dict | None:
            now = self.db.database()
            return now if applied(now, change) else None

        return self.write(send, landed)

    # -- waits ----------------------------------------------------------------------

    def pending(self, database: dict) -> bool:
        current = features_of(database)
        managed = [FEATURES[key] for key in self.given["features"]]
        return any(current.get(name, "").upper().startswith("PENDING") for name in managed)

    def until_settled(self, changed: bool) -> dict:
        waited = self.wait_for(self.db.database, lambda database: not self.pending(database))
        features = features_of(waited.value)
        if not waited.finished:
            self.fail(self.timed_out(f"the features of {self.db.described} are still {features}"), changed=changed)
        failed = [name for name in (FEATURES[key] for key in self.given["features"]) if features.get(name) == "FAILED"]
        if failed:
            self.fail(f"feature {', '.join(failed)} of {self.db.described} FAILED at Scalingo", changed=changed)
        return waited.value


def main() -> None:
    ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems, groups=DATABASE).run(Database)


if __name__ == "__main__":
    main()
