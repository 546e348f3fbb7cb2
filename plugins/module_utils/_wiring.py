# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: how an app is wired to the rest of its tooling, as read by
scalingo_app_info: notifiers, alerts, log drains, its repo link, its events and its cron tasks.

Each reader takes the client, the app's path (/apps/<name>), the action of its messages and the task's
parameters, and returns the section. Secrets in answers (webhook URLs, drain URLs) are masked here.
Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._drains import masked_url, shown_drain
from ._errors import ScalingoError
from ._notify import is_secret, secret_values
from ._scm import missing_link

if TYPE_CHECKING:
    from ._client import Client

# Keys of a notifier's type_data hidden from app_info besides the secret ones (see _notify.is_secret).
PRIVATE_TYPE_DATA = ("phone_number",)


def shown_type_data(key: str, value: Any) -> Any:
    """A URL masked (it may carry a token), a secret setting or a phone number hidden, the rest (emails, user
    ids) as it is."""
    if isinstance(value, str) and "://" in value:
        return masked_url(value)
    if isinstance(value, str) and (is_secret(key) or key in PRIVATE_TYPE_DATA):
        return "..."
    return value


def shown_notifier(notifier: dict) -> dict:
    """A notifier with its platform and events named plainly, and its webhook URL masked."""
    shown = dict(notifier)
    shown["platform"] = notifier.get("type") or notifier.get("platform_id")
    if notifier.get("send_all_events"):
        shown["events"] = "all"
    else:
        shown["events"] = notifier.get("selected_events") or notifier.get("selected_event_ids") or []
    type_data = notifier.get("type_data")
    if isinstance(type_data, dict):
        shown["type_data"] = {key: shown_type_data(key, value) for key, value in type_data.items()}
    return shown


def notifiers(client: Client, base: str, action: str, params: dict) -> list[dict]:
    found = client.get(f"{base}/notifiers", "notifiers", list, {"id": str}, action=action)
    client.keep_secret(*(value for notifier in found for value in secret_values(notifier, PRIVATE_TYPE_DATA)))
    return [shown_notifier(notifier) for notifier in found]


def alerts(client: Client, base: str, action: str, params: dict) -> list[dict]:
    return client.get(f"{base}/alerts", "alerts", list, {"id": str}, action=action)


def log_drains(client: Client, base: str, action: str, params: dict) -> list[dict]:
    """The app's drains (not its addons'), each as its masked URL and digest."""
    found = client.get(f"{base}/log_drains", "drains", list, {"url": str}, action=action)
    client.keep_secret(*(drain["url"] for drain in found))
    return [shown_drain(drain["url"]) for drain in found]


def scm_repo_link(client: Client, base: str, action: str, params: dict) -> dict | None:
    try:
        return client.get(f"{base}/scm_repo_link", "scm_repo_link", action=action)
    except ScalingoError as exc:
        if missing_link(exc):
            return None
        raise


def events(client: Client, base: str, action: str, params: dict) -> list[dict]:
    """The latest events, newest first (Scalingo's order), at most events_limit."""
    limit = params["events_limit"]
    return client.paginate(f"{base}/events", "events", min(limit, 50), action=action, limit=limit, fields={})


def cron_tasks(client: Client, base: str, action: str, params: dict) -> list[dict]:
    return client.get(f"{base}/cron_tasks", "jobs", list, {"command": str}, action=action)


WIRING: dict[str, Any] = {
    "notifiers": notifiers,
    "alerts": alerts,
    "log_drains": log_drains,
    "scm_repo_link": scm_repo_link,
    "events": events,
    "cron_tasks": cron_tasks,
}
