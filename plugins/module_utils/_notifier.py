# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what scalingo_notifier decides without a request.

The settings of each platform, the checks of the input alone, how a notifier as the API answers it compares
with the task (a webhook URL by digest) and how a diff shows it (a webhook URL never, only <set>/<changed>).

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import re
from typing import Any

from ._checks import email_problem, url_problem
from ._notify import CHANGED, SET, UNSET, same_secret

# The settings (type_data keys) of the platforms the module knows; another platform takes any of them.
SETTINGS = ("webhook_url", "emails", "user_ids")
PLATFORM_SETTINGS = {
    "email": ("emails", "user_ids"),
    "slack": ("webhook_url",),
    "webhook": ("webhook_url",),
    "rocket_chat": ("webhook_url",),
}
# The settings a creation needs, per platform.
REQUIRED = {"slack": ("webhook_url",), "webhook": ("webhook_url",), "rocket_chat": ("webhook_url",)}
# Platform and event type names as Scalingo's listings give them.
NAME = re.compile(r"[a-z0-9_]+")


def settings_problems(params: dict) -> list[str | None]:
    """What is wrong with the platform, its settings and the events given, on their face."""
    problems: list[str | None] = []
    platform = params["platform"]
    if platform is not None and not NAME.fullmatch(platform):
        problems.append(f"platform {platform!r} is invalid: give a platform name such as webhook, email or slack")
    allowed = PLATFORM_SETTINGS.get(platform, SETTINGS)
    for key in SETTINGS:
        if params[key] is not None and key not in allowed:
            problems.append(f"{key} is not a setting of the {platform} platform (its settings: {', '.join(allowed)})")
    if params["webhook_url"] is not None:
        problems.append(url_problem("webhook_url", params["webhook_url"], secret=True))
    problems += [email_problem("emails", email) for email in params["emails"] or []]
    events = params["events"] or []
    if "all" in events and len(events) > 1:
        problems.append("events: all sends every event: give it alone, or a list of event names without 'all'")
    problems += [
        f"events item {event!r} is invalid: give event type names such as app_deployed"
        for event in events
        if not NAME.fullmatch(event)
    ]
    return problems


def type_data(notifier: dict) -> dict:
    """The platform settings of a notifier as answered ({} when the answer has none)."""
    data = notifier.get("type_data")
    return data if isinstance(data, dict) else {}


def same_setting(key: str, wanted: Any, current: Any) -> bool:
    """A webhook URL compared by digest; lists of addresses or ids regardless of order."""
    if key == "webhook_url":
        return same_secret(wanted, current)
    return isinstance(current, list) and sorted(map(str, current)) == sorted(wanted)


def changes(current: dict, params: dict, ids: list[str] | None) -> dict:
    """The body that makes `current` as the task wants it (`ids`: the events named, resolved)."""
    body = {key: params[key] for key in ("active", "send_all_alerts") if params[key] is not None}
    body = {key: value for key, value in body.items() if current.get(key) != value}
    if params["events"] == ["all"] and current.get("send_all_events") is not True:
        body["send_all_events"] = True
    selected = current.get("selected_event_ids")
    selected = sorted(map(str, selected)) if isinstance(selected, list) else []
    if ids is not None and (current.get("send_all_events") or selected != sorted(ids)):
        body.update(send_all_events=False, selected_event_ids=ids)
    data = type_data(current)
    settings = {key: params[key] for key in SETTINGS if params[key] is not None}
    if any(not same_setting(key, value, data.get(key)) for key, value in settings.items()):
        body["type_data"] = dict(data, **settings)
    return body


def shown(notifier: dict | None, params: dict, types: list[dict], hook_changed: bool = False) -> dict:
    """Diff side: the state, the name, the platform and the managed settings; a webhook URL only masked.
    `types`: the event types read, to name the events (an id not among them is shown as it is)."""
    if notifier is None:
        return {"state": "absent", "name": params["name"]}
    side = {
        "state": "present",
        "name": params["name"],
        "platform": notifier.get("type"),
        "active": notifier.get("active"),
    }
    if params["send_all_alerts"] is not None:
        side["send_all_alerts"] = notifier.get("send_all_alerts")
    if params["events"] is not None:
        names = {t["id"]: t["name"] for t in types}
        selected = notifier.get("selected_event_ids")
        chosen = sorted(names.get(i, i) for i in map(str, selected if isinstance(selected, list) else []))
        side["events"] = "all" if notifier.get("send_all_events") else chosen
    data = type_data(notifier)
    for key in SETTINGS:
        if params[key] is None:
            continue
        if key == "webhook_url":
            side[key] = CHANGED if hook_changed else SET if data.get(key) else UNSET
        else:
            side[key] = data.get(key)
    return side
