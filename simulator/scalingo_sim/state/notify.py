"""Notifiers and alerts of the apps, and the public listings they refer to (notification platforms,
event types). Plain data and rules; the Notify part holds one NotifyState (State.notify), behind State.lock.

Every app has a default notifier (email, the alerts to its owner), made the first time the app's
notifiers are looked at, as Scalingo makes one with each app.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field

from .base import Part


def stable_id(*parts: str) -> str:
    """24 hex characters, the same in every run (clients resolve names to ids; tests may compare)."""
    return hashlib.sha1("/".join(("scalingo-sim", *parts)).encode()).hexdigest()[:24]


# name -> (display name, type_data keys)
PLATFORM_ROWS = {
    "email": ("E-mail", ("user_ids", "emails")),
    "slack": ("Slack", ("webhook_url",)),
    "webhook": ("Webhook", ("webhook_url",)),
    "rocket_chat": ("Rocket.Chat", ("webhook_url",)),
}
PLATFORMS = {stable_id("platform", name): name for name in PLATFORM_ROWS}
PLATFORM_IDS = {name: ident for ident, name in PLATFORMS.items()}

# The event types a notifier can select (a part of Scalingo's list): name -> category.
EVENT_ROWS = {
    "app_crashed": "app",
    "app_crashed_repeated": "app",
    "app_deployed": "deployment",
    "app_restarted": "app",
    "app_scaled": "app",
    "app_stopped": "app",
    "addon_provisioned": "addon",
    "addon_deleted": "addon",
    "collaborator_invited": "collaborator",
    "domain_added": "domain",
    "notifier_added": "notifier",
    "variable_added": "variable",
    "alert_added": "alert",
    "app_alert_triggered": "alert",
}
EVENT_TYPES = {stable_id("event", name): name for name in EVENT_ROWS}

# Router metrics are measured on the web containers only.
ROUTER_METRICS = ("p95_response_time", "5XX", "all", "rpm_per_container")
METRICS = ("cpu", "memory", "swap", *ROUTER_METRICS)
URL = re.compile(r"https?://[^\s/?#]+(?:/\S*)?")
# A Go duration string ("5m30s", "1h0m0s", "300ms").
DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+|0")


@dataclass
class Notifier:
    id: str
    name: str
    platform_id: str
    active: bool
    send_all_events: bool = False
    send_all_alerts: bool = False
    selected_event_ids: list = field(default_factory=list)
    type_data: dict = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def platform(self) -> str:
        return PLATFORMS[self.platform_id]


@dataclass
class Alert:
    id: str
    container_type: str
    metric: str
    limit: float
    send_when_below: bool = False
    duration_before_trigger: int = 0
    remind_every: str = ""
    disabled: bool = False
    notifiers: list = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)


@dataclass
class NotifyState:
    notifiers: dict = field(default_factory=dict)  # app id -> [Notifier]
    alerts: dict = field(default_factory=dict)  # app id -> [Alert]

    def notifiers_of(self, app) -> list[Notifier]:
        if app.id not in self.notifiers:
            default = Notifier(
                id=f"no-{uuid.uuid4()}",
                name=f"Default '{app.name}' notifier",
                platform_id=PLATFORM_IDS["email"],
                active=True,
                send_all_alerts=True,
                type_data={"user_ids": [app.owner_id], "emails": []},
            )
            self.notifiers[app.id] = [default]
        return self.notifiers[app.id]

    def alerts_of(self, app) -> list[Alert]:
        return self.alerts.setdefault(app.id, [])

    def notifier(self, app, notifier_id: str) -> Notifier | None:
        return next((n for n in self.notifiers_of(app) if n.id == notifier_id), None)

    def alert(self, app, alert_id: str) -> Alert | None:
        return next((a for a in self.alerts_of(app) if a.id == alert_id), None)

    def remove_notifier(self, app, notifier: Notifier) -> None:
        self.notifiers_of(app).remove(notifier)
        for alert in self.alerts_of(app):
            if notifier.id in alert.notifiers:
                alert.notifiers.remove(notifier.id)


def is_list_of_text(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def notifier_problems(fields: dict, platform_id: str, creating: bool) -> dict:
    """{field: [messages]} for a notifier's fields (those given; all required ones when creating)."""
    problems = {}
    if (creating or "name" in fields) and (not isinstance(fields.get("name"), str) or not fields["name"].strip()):
        problems["name"] = ["can't be blank"]
    if (creating and "active" not in fields) or ("active" in fields and fields["active"] is None):
        problems["active"] = ["can't be blank"]
    for key in ("active", "send_all_events", "send_all_alerts"):
        if fields.get(key) is not None and not isinstance(fields[key], bool):
            problems[key] = ["must be a boolean"]
    events = fields.get("selected_event_ids")
    if events is not None and (not is_list_of_text(events) or set(events) - set(EVENT_TYPES)):
        problems["selected_event_ids"] = ["must be a list of event type ids"]
    data = fields.get("type_data")
    if data is not None:
        problems.update(type_data_problems(data, PLATFORMS[platform_id]))
    return problems


def type_data_problems(data, platform: str) -> dict:
    if not isinstance(data, dict):
        return {"type_data": ["must be an object"]}
    keys = PLATFORM_ROWS[platform][1]
    problems = {}
    if "webhook_url" in keys and not (isinstance(data.get("webhook_url"), str) and URL.fullmatch(data["webhook_url"])):
        problems["webhook_url"] = ["is invalid"]
    for key in ("emails", "user_ids"):
        if key in keys and data.get(key) is not None and not is_list_of_text(data[key]):
            problems[key] = ["must be a list of strings"]
    return problems


def alert_problems(fields: dict, notifier_ids: set[str]) -> dict:
    """{field: [messages]} for an alert's fields, all merged (the current values where none is given)."""
    problems = {}
    metric = fields.get("metric")
    if not isinstance(fields.get("container_type"), str) or not fields["container_type"]:
        problems["container_type"] = ["can't be blank"]
    if metric is None:
        problems["metric"] = ["can't be blank"]
    elif metric not in METRICS:
        problems["metric"] = [f"is not included in the list ({', '.join(METRICS)})"]
    elif metric in ROUTER_METRICS and fields.get("container_type") != "web":
        problems["metric"] = ["router metrics are only available for the web container type"]
    limit = fields.get("limit")
    if limit is None:
        problems["limit"] = ["can't be blank"]
    elif not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 0:
        problems["limit"] = ["must be a positive number"]
    for key in ("send_when_below", "disabled"):
        if not isinstance(fields.get(key), bool):
            problems[key] = ["must be a boolean"]
    duration = fields.get("duration_before_trigger")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 0:
        problems["duration_before_trigger"] = ["must be a positive number of nanoseconds"]
    remind = fields.get("remind_every")
    if not (remind == "" or (isinstance(remind, str) and DURATION.fullmatch(remind))):
        problems["remind_every"] = ["must be a duration such as 5m30s"]
    chosen = fields.get("notifiers")
    if not is_list_of_text(chosen):
        problems["notifiers"] = ["must be a list of notifier ids"]
    elif set(chosen) - notifier_ids:
        problems["notifiers"] = ["contains unknown notifiers"]
    return problems


def go_duration(nanoseconds: int) -> str:
    """A number of nanoseconds as Go's time.Duration.String() writes it (1h0m0s, 5m30s, 0s)."""
    seconds, rest = divmod(nanoseconds, 10**9)
    if rest:
        return f"{nanoseconds / 10**9:g}s"
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


class Notify(Part):
    def start(self) -> None:
        self.notify = NotifyState()

    def app_deleted(self, app) -> None:
        self.notify.notifiers.pop(app.id, None)
        self.notify.alerts.pop(app.id, None)
