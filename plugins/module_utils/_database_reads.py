# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: reads of Scalingo's database API that scalingo_database_user,
scalingo_database_restore and scalingo_database_info share (users, backups, the recovery window), and the
rules of their input (user names, passwords, times).

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._database import provider_of

if TYPE_CHECKING:
    from ._database import DatabaseApi
    from ._transport import Reply

# Databases with users, and with point-in-time recovery (Scalingo's CLI and documentation).
WITH_USERS = ("postgresql", "mysql", "mongodb", "influxdb")
WITH_PITR = ("postgresql",)
USER_NAME = re.compile(r"(?=.{6,32}\Z)[a-z0-9]+(?:-[a-z0-9]+)*")
USER_NAME_RULE = (
    "a database user name has 6 to 32 characters: lowercase letters, digits and single hyphens, not at its start or end"
)
PASSWORD_LENGTHS = (24, 64)
# RFC 3339: a date, a time (seconds, optional fraction) and an offset (Z or +hh:mm).
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# The names Scalingo gives its own (protected) users: the database's resource id, such as my_shop_4553.
PLATFORM_USER_NAME = re.compile(r"(?=.{1,64}\Z)[a-z][a-z0-9_]*_[a-z0-9_]*")
USER_FIELDS: dict[str, type] = {"name": str}
BACKUP_FIELDS: dict[str, type] = {"id": str}


def user_name_problem(option: str, name: str) -> str | None:
    """Scalingo's rule for the users one creates; the names of its own users (with '_') pass, to be read."""
    if name.isprintable() and (USER_NAME.fullmatch(name) or PLATFORM_USER_NAME.fullmatch(name)):
        return None
    return f"{option} {name!r} is invalid: {USER_NAME_RULE}"


def creatable(name: str) -> bool:
    return USER_NAME.fullmatch(name) is not None


def password_problem(option: str, password: str) -> str | None:
    """A password's length (Scalingo's rule); the password itself is never quoted."""
    low, high = PASSWORD_LENGTHS
    if low <= len(password) <= high:
        return None
    return f"{option} has {len(password)} characters: Scalingo takes {low} to {high}"


def parse_time(text: Any, strict: bool = False) -> datetime | None:
    """A time with its offset, in UTC; None when `text` is not one, or has no offset.

    `strict`, for a task's input: RFC 3339 only (2026-07-18T23:00:00Z), the form the docs promise. Otherwise,
    for the API's answers: any ISO 8601 time Python reads, so that an answer in another form of it still counts.
    """
    if not isinstance(text, str) or (strict and not RFC3339.fullmatch(text.strip())):
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def shown_time(moment: datetime) -> str:
    """A time as the API takes it: RFC 3339 in UTC, with the fraction of a second it has (none, ms or µs)."""
    micro = moment.microsecond
    spec = "seconds" if not micro else "milliseconds" if not micro % 1000 else "microseconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def has_users(db: DatabaseApi) -> bool:
    return provider_of(db.addon) in WITH_USERS


def has_pitr(db: DatabaseApi) -> bool:
    return provider_of(db.addon) in WITH_PITR


def user_view(user: dict) -> dict:
    """A database user as the modules return it: never a password, whatever the answer held."""
    view = {"name": user["name"], "read_only": bool(user.get("read_only")), "protected": bool(user.get("protected"))}
    encryption = (user.get("dbms_attributes") or {}).get("password_encryption")
    if isinstance(encryption, str):
        view["password_encryption"] = encryption
    return view


def list_users(db: DatabaseApi, deadline: float | None = None) -> list[dict]:
    """The database's users (name, read_only, protected), as the API lists them."""
    users = db.get(
        db.path("users"),
        "database-users",
        list,
        USER_FIELDS,
        action=f"could not list the users of {db.described}",
        deadline=deadline,
    )
    return [user_view(user) for user in users]


def find_user(db: DatabaseApi, name: str) -> dict | None:
    return next((user for user in list_users(db) if user["name"] == name), None)


def backup_time(backup: dict) -> float:
    """When a backup was made (epoch seconds); one without a readable created_at counts as the oldest."""
    moment = parse_time(backup.get("created_at"))
    return moment.timestamp() if moment else float("-inf")


def list_backups(db: DatabaseApi) -> list[dict]:
    """The database's backups, newest first (sorted here: the order of the answer is not relied on)."""
    backups = db.get(
        db.path("backups"),
        "database_backups",
        list,
        BACKUP_FIELDS,
        action=f"could not list the backups of {db.described}",
    )
    return sorted(backups, key=backup_time, reverse=True)


def recovery_window(db: DatabaseApi) -> dict:
    """The point-in-time recovery window: earliest_recoverable_at and latest_recoverable_at (either may be None)."""
    window = db.get(
        db.path("pitr", "recovery_window"),
        "recovery_window",
        action=f"could not read the point-in-time recovery window of {db.described}",
    )
    return {key: window.get(key) for key in ("earliest_recoverable_at", "latest_recoverable_at")}


def take_either(reply: Reply, key: str, fields: dict[str, type]) -> dict:
    """The object of an answer Scalingo sends either wrapped in `key` or bare (its documentation and its Go
    client disagree), checked to have `fields`; a bare one is read only when there is no `key` member."""
    data = reply.data
    if isinstance(data, dict) and key not in data and all(isinstance(data.get(f), kind) for f, kind in fields.items()):
        return data
    return reply.take(key, fields=fields)
