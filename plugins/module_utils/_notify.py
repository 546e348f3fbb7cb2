# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what scalingo_notifier and scalingo_alert share.

- The reads: an app's notifiers (whose echoed webhook URLs become secrets of the run at once), the
  notification platforms and the event types (public listings, read once per task, never cached).
- Secret settings: compared by digest, shown masked, never returned.
- Durations: Go's duration strings (`3m`, `1h30m`, `5m30s`), as nanoseconds and back.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any

from ._api import api_path
from ._redact import MARKER

if TYPE_CHECKING:
    from ._client import Client

# Settings (type_data keys) that hold a secret: a webhook URL carries the token that lets anyone post to it.
SECRET_SETTINGS = ("webhook_url",)
NOTIFIER_FIELDS = {"id": str, "name": str}
NAMED_FIELDS = {"id": str, "name": str}
# What a diff shows of a secret setting.
SET, UNSET, CHANGED = "<set>", "<not set>", "<changed>"

UNITS = {"h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "µs": 10**3, "ns": 1}
DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")


def is_secret(key: str) -> bool:
    return key in SECRET_SETTINGS or "token" in key or key.endswith("_url")


def secret_values(notifier: dict, private: tuple[str, ...] = ()) -> list[str]:
    """The secret settings of a notifier as the API echoed them: those is_secret() names, any URL (it may carry a
    token, whatever its key) and the `private` keys of the caller."""
    data = notifier.get("type_data")
    if not isinstance(data, dict):
        return []
    return [
        value
        for key, value in data.items()
        if isinstance(value, str) and value and (is_secret(key) or "://" in value or key in private)
    ]


def masked(notifier: dict) -> dict:
    """The notifier with its secret settings replaced by a marker, fit for a result."""
    data = notifier.get("type_data")
    if not isinstance(data, dict):
        return dict(notifier)
    hidden = {key: MARKER if is_secret(key) and value else value for key, value in data.items()}
    return dict(notifier, type_data=hidden)


def same_secret(given: str | None, current: Any) -> bool:
    """Whether two secret values are equal, compared by digest in constant time (neither is ever shown)."""
    if not isinstance(given, str) or not isinstance(current, str):
        return given == current
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(current.encode()).digest())


def notifiers(client: Client, app: str) -> list[dict]:
    """The app's notifiers. The API echoes their webhook URLs: from here on no message quotes them."""
    found = client.get(
        api_path("apps", app, "notifiers"),
        "notifiers",
        list,
        NOTIFIER_FIELDS,
        action=f"could not list the notifiers of app '{app}'",
    )
    client.keep_secret(*(value for notifier in found for value in secret_values(notifier)))
    return found


def notification_platforms(client: Client) -> list[dict]:
    return client.get(
        "/notification_platforms",
        "notification_platforms",
        list,
        NAMED_FIELDS,
        action="could not list the notification platforms",
    )


def event_types(client: Client) -> list[dict]:
    return client.get("/event_types", "event_types", list, NAMED_FIELDS, action="could not list the event types")


def unknown_names(names: list[str], known: list[dict], what: str) -> str | None:
    """The message for the names not in `known` (listing the valid ones), or None."""
    valid = [item["name"] for item in known]
    unknown = [name for name in dict.fromkeys(names) if name not in valid]
    if not unknown:
        return None
    return f"unknown {what}: {', '.join(unknown)}; the known ones are: {', '.join(sorted(valid)) or 'none'}"


def duration_ns(text: Any) -> int | None:
    """A Go duration string (`3m`, `1h30m`, `5m30s`, `0s`) as nanoseconds; an integer is nanoseconds already.
    None when it is neither."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return None
    if text in ("0", ""):
        return 0
    if not DURATION.fullmatch(text):
        return None
    return round(sum(float(amount) * UNITS[unit] for amount, unit in DURATION_PART.findall(text)))


def go_duration(nanoseconds: int) -> str:
    """Nanoseconds as Go's time.Duration writes them in whole seconds: 1h0m0s, 5m30s, 45s, 0s."""
    seconds, rest = divmod(nanoseconds, 10**9)
    if rest:
        return f"{nanoseconds / 10**9:g}s"
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"
