# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the one kind of failure, and how an answer becomes one.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._redact import redact, redact_all

if TYPE_CHECKING:  # only for the annotations: this file must import without requests
    import requests


class ScalingoError(Exception):
    """Any failure of a task: its one-line message, what the API said, and result fields.

    Raised wherever a failure is found; only the edge (ScalingoModule.run, the inventory plugin)
    turns it into a failed task. `changed` None lets the edge decide from what was sent.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        error: str | None = None,
        errors: dict | None = None,
        request_id: str | None = None,
        resource: str | None = None,
        unknown_outcome: bool = False,
        changed: bool | None = None,
        result: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error
        self.errors = errors
        self.request_id = request_id
        self.resource = resource
        # True when a write was sent but its answer was lost: it may or may not have been applied.
        self.unknown_outcome = unknown_outcome
        self.changed = changed
        self.result = result or {}

    def redact(self, secrets: tuple[str, ...]) -> None:
        """Take `secrets` out of the message and of what the API said, whatever quotes them."""
        self.message, self.error = redact(self.message, secrets), self.error and redact(self.error, secrets)
        self.errors = self.errors and redact_all(self.errors, secrets)

    @property
    def failure(self) -> dict:
        return {
            "status": self.status,
            "error": self.error,
            "errors": self.errors,
            "request_id": self.request_id,
            "resource": self.resource,
        }

    @classmethod
    def from_response(cls, response: requests.Response, action: str, secrets: tuple[str, ...] = ()) -> ScalingoError:
        """The failure an answer describes; what it quotes of the answer is cleaned of credentials and `secrets`."""

        def quoted(text: str) -> str:
            # Cleaned before it is made one line and cut, so that no piece of a secret is left to recognise.
            return " ".join(redact(text, secrets).split())

        data = json_or_none(response)
        error = errors = resource = None
        if isinstance(data, dict):
            error = (quoted(data["error"]) or None) if isinstance(data.get("error"), str) else None
            errors = redact_all(data["errors"], secrets) if isinstance(data.get("errors"), dict) else None
            resource = quoted(data["resource"]) if isinstance(data.get("resource"), str) else None
            if error and isinstance(data.get("url"), str):
                error = f"{error} ({quoted(data['url'])})"
        elif response.text and "html" not in response.headers.get("Content-Type", ""):
            error = quoted(response.text)[:200] or None
        status = response.status_code
        if errors:
            reason = " ".join("; ".join(field_errors(field, msgs) for field, msgs in errors.items()).split())
        elif resource and status == 404:
            reason = f"{resource} not found"
        elif status == 401:
            reason = f"{error or 'unauthorized'}: check api_token (or SCALINGO_API_TOKEN) and that this user can access the app"
        elif 300 <= status < 400:
            reason = "the API answered with a redirection, which is never followed with credentials"
        else:
            reason = error or quoted(response.reason or "") or "no details given"
        request_id = response.headers.get("X-Request-ID")
        request_id = quoted(request_id) if request_id else None
        return cls(
            f"{action}: {reason}{suffix(status, request_id)}",
            status=status,
            error=error,
            errors=errors,
            request_id=request_id,
            resource=resource,
        )


def suffix(status: int, request_id: str | None) -> str:
    return f" (HTTP {status}" + (f", request id {request_id})" if request_id else ")")


def field_errors(field: str, messages: object) -> str:
    text = ", ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
    # Errors about the whole app (or Rails' "base") read as sentences on their own.
    return text if field in ("app", "base") else f"{field} {text}"


def json_or_none(response: requests.Response) -> Any:
    if not response.content or "json" not in response.headers.get("Content-Type", "json"):
        return None
    try:
        return response.json()
    except ValueError:
        return None
