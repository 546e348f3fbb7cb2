# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what scalingo_alert decides without a request.

An alert's identity (container type, metric, direction), its options, the checks of the input alone, and how
the settings a task gives compare with an alert as the API answers it (durations by their length, notifiers
as sets of ids).

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import math
from typing import Any

from ._checks import container_type_problem, duration_problem
from ._notify import duration_ns, go_duration

METRICS = ["cpu", "memory", "swap", "p95_response_time", "5XX", "all", "rpm_per_container"]
# Measured by the router, so only on the web containers.
ROUTER_METRICS = ("p95_response_time", "5XX", "all", "rpm_per_container")
ALERT_FIELDS = {"id": str, "container_type": str, "metric": str}
SETTINGS = ("limit", "duration_before_trigger", "remind_every", "disabled", "notifiers")
DURATIONS = ("duration_before_trigger", "remind_every")
ALERT_OPTIONS = {
    "container_type": {"type": "str"},
    "metric": {"type": "str", "choices": METRICS},
    "limit": {"type": "float"},
    "send_when_below": {"type": "bool"},
    "duration_before_trigger": {"type": "str"},
    "remind_every": {"type": "str"},
    "disabled": {"type": "bool"},
    "notifiers": {"type": "list", "elements": "str"},
}
ITEM_OPTIONS = dict(
    ALERT_OPTIONS,
    container_type={"type": "str", "required": True},
    metric={"type": "str", "required": True, "choices": METRICS},
    send_when_below={"type": "bool", "default": False},
)


def wanted(params: dict) -> list[dict]:
    """The alerts the task gives, each with every option of ALERT_OPTIONS (send_when_below a bool)."""
    items = params["alerts"] if params["alerts"] is not None else [{key: params[key] for key in ALERT_OPTIONS}]
    return [dict(item, send_when_below=bool(item["send_when_below"])) for item in items]


def identity(alert: dict) -> tuple:
    return (alert.get("container_type"), alert.get("metric"), bool(alert.get("send_when_below")))


def label(alert: dict) -> str:
    """How messages and diffs name an alert: `web cpu above`."""
    kind, metric, below = identity(alert)
    return f"{kind} {metric} {'below' if below else 'above'}"


def items_problems(items: list[dict]) -> list[str | None]:
    """What is wrong with the alerts given, on their face."""
    problems: list[str | None] = []
    seen = set()
    for item in items:
        where = f"alert {label(item)}: "
        problems.append(container_type_problem("container_type", item["container_type"]))
        if item["metric"] in ROUTER_METRICS and item["container_type"] != "web":
            problems.append(f"{where}metric {item['metric']} comes from the router, so it is only for the web type")
        if item["limit"] is not None and (not math.isfinite(item["limit"]) or item["limit"] < 0):
            problems.append(f"{where}limit must be a number, 0 or above, got {item['limit']}")
        problems += [duration_problem(key, item[key]) for key in DURATIONS if item[key] is not None]
        if identity(item) in seen:
            problems.append(f"{where}given twice in alerts (an alert is its container type, metric and direction)")
        seen.add(identity(item))
    return problems


def desired(item: dict, ids: dict[str, str]) -> dict:
    """The settings `item` gives, as the API holds them (nanoseconds, notifier ids from `ids`, by name)."""
    values = {key: item[key] for key in SETTINGS if item[key] is not None}
    for key in DURATIONS:
        if key in values:
            values[key] = duration_ns(values[key])
    if "notifiers" in values:
        values["notifiers"] = [ids[name] for name in values["notifiers"]]
    return values


def changes(current: dict, item: dict, ids: dict[str, str]) -> dict:
    """The body that makes `current` as `item` wants (durations compared by length, notifiers as sets)."""
    body = {}
    for key, value in desired(item, ids).items():
        now = current.get(key)
        if key in DURATIONS:
            same = duration_ns(now) == value
        elif key == "notifiers":
            same = isinstance(now, list) and sorted(map(str, now)) == sorted(value)
        elif key == "limit":
            same = isinstance(now, (int, float)) and not isinstance(now, bool) and now == value
        else:
            same = now is value
        if not same:
            body[key] = go_duration(value) if key == "remind_every" else value
    return body


def shown(alert: dict | None, item: dict | None, names: dict[str, str]) -> dict:
    """Diff side of one alert: its state and the settings the task gives, notifiers by name (from `names`)."""
    if alert is None:
        return {"state": "absent"}
    side: dict[str, Any] = {"state": "present"}
    for key in SETTINGS:
        if item is not None and item[key] is not None:
            value = alert.get(key)
            nanoseconds = duration_ns(value) if key in DURATIONS else None
            if key == "notifiers" and isinstance(value, list):
                side[key] = sorted(names.get(i, i) for i in map(str, value))
            else:
                side[key] = go_duration(nanoseconds) if nanoseconds else value
    return side
