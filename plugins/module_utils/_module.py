# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the module edge, the one place Ansible meets the decision layer.

- auth_argument_spec() and wait_argument_spec(): the shared options (from the settings table and
  the wait options), documented by the doc fragments of the same names.
- ScalingoModule: the AnsibleModule around a Resource; its run() is the one place where a failure
  becomes a failed task, cleaned of every secret.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, Client
from ._errors import ScalingoError
from ._redact import redact, redact_all
from ._resource import Resource
from ._settings import CONNECTION, argument_spec, connection_settings

WAIT_SPEC = {
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 300},
}


def auth_argument_spec(groups: tuple[str, ...] = CONNECTION) -> dict[str, dict]:
    return argument_spec(env_fallback, groups)


def wait_argument_spec() -> dict[str, dict]:
    return {name: dict(option) for name, option in WAIT_SPEC.items()}


def full_spec(
    argument_spec: Mapping[str, Any], wait: bool = False, groups: tuple[str, ...] = CONNECTION
) -> dict[str, dict]:
    """A module's whole argument spec: its own options, the connection options of `groups` (the settings table's)
    and (wait=True) the wait options."""
    spec = dict(argument_spec)
    spec.update(auth_argument_spec(groups))
    if wait:
        spec.update(wait_argument_spec())
    return spec


class ScalingoModule:
    """An AnsibleModule with the shared options, a client, and the one way a task ends."""

    def __init__(
        self,
        argument_spec: Mapping[str, Any],
        wait: bool = False,
        input_problems: Callable[[dict], list[str]] | None = None,
        groups: tuple[str, ...] = CONNECTION,
        **kwargs: Any,
    ) -> None:
        """The task's parameters, checked: the connection options (those of the settings groups `groups`),
        wait_timeout, then input_problems(params), the module's checks of its own input, of which the first
        problem fails the task before any request."""
        self.module = AnsibleModule(
            argument_spec=full_spec(argument_spec, wait, groups), supports_check_mode=True, **kwargs
        )
        self.params = self.module.params
        try:
            self.connection = connection_settings(self.params)
        except ScalingoError as exc:
            self.fail(exc.message)
        if "wait_timeout" in self.params and self.params["wait_timeout"] <= 0:
            self.fail(f"wait_timeout must be a positive number of seconds, got {self.params['wait_timeout']}")
        problems = input_problems(self.params) if input_problems else []
        if problems:
            self.fail(problems[0])

    def client(self) -> Client:
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        if not self.connection["validate_certs"]:
            self.module.warn("validate_certs is false: TLS certificates of the Scalingo API are not verified")
        client = Client.from_settings(self.connection)
        client.keep_secret(*self.module.no_log_values)
        return client

    def fail(self, msg: str, **result: Any) -> NoReturn:
        secrets = self.module.no_log_values
        self.module.fail_json(msg=redact(msg, secrets), **redact_all(result, secrets))

    def refuse_values(self, option: str, refused: dict[str, str]) -> None:
        """Fail on the values of the no_log dict `option` that can't be used, if any (`refused`: each one's name and
        why), with a message naming them, without Ansible garbling it.

        Ansible masks every piece of a no_log value wherever it appears, this message included (a list
        of one-letter items would hide letters of it). The message names variables only; the refused
        values leave the task's arguments, and their pieces are no longer masked unless a kept value
        is the same text.
        """
        if not refused:
            return
        names = list(refused)
        values = self.params[option]
        pieces: set[str] = set()
        for name in names:
            given = values.pop(name)
            items = given.values() if isinstance(given, dict) else given if isinstance(given, list) else []
            pieces |= {str(item) for item in items}
            values[name] = "(refused)"
        kept = {str(value) for name, value in values.items() if name not in names}
        self.module.no_log_values.difference_update(pieces - kept)
        self.fail(f"invalid {option}: {'; '.join(refused.values())}")

    def warn(self, msg: str) -> None:
        self.module.warn(redact(msg, self.module.no_log_values))

    def run(self, resource_class: type[Resource]) -> NoReturn:
        """Run the module's decision and end the task: the only place a ScalingoError becomes a failure.

        A failure after a write that may have been applied is reported as a change, never as "ok".
        Its message, its failure and result fields and the warnings are cleaned of credentials and of
        the task's secrets, whatever answer text they quote.
        """
        client = self.client()
        resource = resource_class(client, self.params, self.module.check_mode)
        try:
            result = resource.run()
        except ScalingoError as exc:
            changed = exc.changed
            msg = exc.message
            if changed is None:
                changed = exc.unknown_outcome or client.wrote
                if client.wrote and not exc.unknown_outcome:
                    msg += "; what this task sent before this failure may have been applied"
            secrets = client.secrets()
            self._warn(client.warnings + resource.warnings, secrets)
            self.module.fail_json(
                msg=redact(msg, secrets),
                changed=changed,
                failure=redact_all(exc.failure, secrets),
                **redact_all(exc.result, secrets),
                **self._pacing(client),
            )
        self._warn(client.warnings + resource.warnings, client.secrets())
        if not self.module._diff:
            result.pop("diff", None)
        self.module.exit_json(**result, **self._pacing(client))

    def _pacing(self, client: Client) -> dict[str, Any]:
        """`pacing` (requests sent, seconds waited, refusals met) for the result: when the task waited a second or
        more for the budget or met a refusal (429), and at -vv whatever happened."""
        pacing = client.pacing() if hasattr(client, "pacing") else None
        if not pacing:
            return {}
        noteworthy = pacing["throttled"] or pacing["waited"] >= 1.0
        return {"pacing": pacing} if noteworthy or getattr(self.module, "_verbosity", 0) >= 2 else {}

    def _warn(self, warnings: list[str], secrets: tuple[str, ...]) -> None:
        for warning in warnings:
            self.module.warn(redact(warning, secrets))
