# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what every module shares.

- auth_argument_spec() and wait_argument_spec(): the shared options, documented by the doc
  fragments of the same names.
- Resource: a module's decision (desired state, compare with the current one, act, or in check
  mode return the prediction). It raises ScalingoError on failure and returns a result dict, so it
  runs, and is unit-tested, without Ansible.
- ScalingoModule: the AnsibleModule around it; its run() is the one place where a failure
  becomes a failed task.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._client import (
    CONNECTION_DEFAULTS,
    CONNECTION_ENV,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    Client,
    ScalingoError,
    api_path,
    app_name_problems,
    connection_settings,
)
from ._redact import redact, redact_all
from ._waiter import Waiter

AUTH_TYPES = {
    "api_token": "str",
    "region": "str",
    "api_url": "str",
    "auth_url": "str",
    "validate_certs": "bool",
    "api_timeout": "int",
    "bearer_cache": "bool",
    "rate_limit_retry_timeout": "int",
    "rate_limit": "int",
}
BUSY = ("scaling", "restarting")
# What Scalingo's refusal of an operation says when another one runs on the app. The real wording is not
# public (a 422 with an `errors` map); these cover the simulator's, the CLI's ("already restarting or
# scaling") and the usual phrasings.
BUSY_REFUSAL = re.compile(
    r"in progress|\bbusy\b|already (?:running|restarting|scaling|being)|\bis (?:restarting|scaling)\b"
    r"|currently (?:restarting|scaling)|operation is (?:running|pending)",
    re.IGNORECASE,
)
BUSY_WORD = re.compile(r"\b(scaling|restarting)\b", re.IGNORECASE)
CONTAINER_FIELDS = {"name": str, "amount": int}
AUTOSCALER_FIELDS = {
    "id": str,
    "container_type": str,
    "metric": str,
    "min_containers": int,
    "max_containers": int,
    "disabled": bool,
}


def auth_argument_spec() -> dict[str, dict]:
    spec = {}
    for name, kind in AUTH_TYPES.items():
        option = {"type": kind}
        if name in CONNECTION_DEFAULTS:
            option["default"] = CONNECTION_DEFAULTS[name]
        if name in CONNECTION_ENV:
            option["fallback"] = (env_fallback, [CONNECTION_ENV[name]])
        spec[name] = option
    spec["api_token"]["no_log"] = True
    return spec


def wait_argument_spec() -> dict[str, dict]:
    return {
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "int", "default": 300},
    }


class Resource:
    """One module's decision, on a client and the task's parameters.

    Subclasses implement present() and absent() (or override run()). Each returns
    result(changed, before, after, **fields); a failure is raised with fail() or comes from the
    client as a ScalingoError. The fork between check mode and a real run is act(); the other
    places that look at check_mode say why.
    """

    def __init__(
        self, client: Client, params: dict[str, Any], check_mode: bool = False, waiter: Waiter | None = None
    ) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.waiter = waiter or Waiter()
        self.warnings = []
        timeout = params.get("wait_timeout")
        self.deadline = self.waiter.deadline(timeout) if timeout else None
        self.busy_since: float | None = None  # when the API first refused an operation as the app was busy

    def run(self) -> dict:
        return self.absent() if self.params.get("state") == "absent" else self.present()

    def present(self) -> dict:
        raise NotImplementedError

    def absent(self) -> dict:
        raise NotImplementedError

    # -- results --------------------------------------------------------------

    @staticmethod
    def result(changed: bool, before: dict | None = None, after: dict | None = None, **fields: Any) -> dict:
        if before is not None or after is not None:
            fields["diff"] = {"before": before or {}, "after": after or {}}
        return dict(fields, changed=changed)

    @staticmethod
    def fail(msg: str, changed: bool | None = None, **result: Any) -> NoReturn:
        raise ScalingoError(msg, changed=changed, result=result)

    # -- acting -------------------------------------------------------------

    def act(self, predict: Callable[[], Any], perform: Callable[[], Any]) -> Any:
        """The fork between check mode and a real run: the prediction, or what performing returned."""
        return predict() if self.check_mode else perform()

    def write(
        self,
        send: Callable[[], Any],
        landed: Callable[[], Any],
        look: bool = False,
        resend: bool = True,
        unseen: str = "",
    ) -> Any:
        """Send a write whose answer may be lost without ever applying it twice.

        When the outcome is unknown (connection lost, timeout, 500/502/503/504), landed() reads the
        state again and returns the result if the write took effect, else None.

        - By default (an update of a whole value, a delete: the same when repeated), landed() is read
          once, and the write is sent once more only if it did not land.
        - look=True (a creation the API refuses to make twice: a name, an email, one per type):
          a request still being processed shows up late, so landed() is read with backoff until it
          returns something or the time to land is spent (see landing_deadline), and only then is the
          write sent once more.
        - resend=False (a creation whose second copy is a second object: a deployment, an addon):
          read the same way, never sent again; when it does not show up the task fails with
          changed=true, the lost answer's message and `unseen` (what to look at).

        If the second sending fails too, the state is read a last time before giving up.
        """
        try:
            return send()
        except ScalingoError as exc:
            if not exc.unknown_outcome:
                raise
            lost = exc
        result = self.look_for(landed) if look or not resend else landed()
        if result is not None:
            return result
        if not resend:
            raise ScalingoError(
                f"{lost.message}. {unseen}",
                status=lost.status,
                error=lost.error,
                errors=lost.errors,
                request_id=lost.request_id,
                unknown_outcome=True,
                changed=True,
            )
        try:
            return send()
        except ScalingoError:
            result = landed()
            if result is None:
                raise
            return result

    def landing_deadline(self) -> float:
        """Until when a write whose answer was lost may still show up: the task's wait_timeout, or in
        modules without one, api_timeout seconds from now (as long again as its answer was waited for)."""
        if self.deadline is not None:
            return self.deadline
        return self.waiter.deadline(self.params.get("api_timeout") or CONNECTION_DEFAULTS["api_timeout"])

    def look_for(self, landed: Callable[[], Any]) -> Any:
        """landed() read at once, then with backoff until it returns something or the landing deadline."""
        waited = self.waiter.until(
            lambda deadline: landed(), lambda found: found is not None, self.landing_deadline(), 0.0
        )
        return waited.value

    def retry_busy(self, app: str, send: Callable[[], Any]) -> Any:
        """send(), waiting and sending again while the API refuses it because the app is busy."""
        while True:
            try:
                return send()
            except ScalingoError as exc:
                self.settle(app, exc)

    def settle(self, app: str, refusal: ScalingoError) -> None:
        """After the API refused an operation, wait while the app is busy with another one.

        Busy is what the refusal says (busy_refusal), not what a read of the app says a moment later:
        the other operation may have ended in between, and the operation must then be retried, not
        failed. Returns after a pause, and once the app's status no longer shows an operation (the
        caller reads again and retries); the pauses grow as in any wait, within wait_timeout.
        Re-raises `refusal` when it was not about a busy app, so the API's own reason reaches the
        user. A 422 about the app in words not recognized counts as busy only when the app's status
        shows an operation.
        """
        word = busy_refusal(refusal)
        if word is None:
            if refusal.status != 422 or set(refusal.errors or {}) - {"app", "base"}:
                raise refusal
            word = self.app_status(app)
            if word not in BUSY:
                raise refusal
        if not self.params["wait"]:
            named = f" ({word})" if word else ""
            self.fail(f"app '{app}' is busy{named}: another operation is in progress; retry later or set wait=true")
        now = self.waiter.clock()
        if self.busy_since is None:
            self.busy_since, first = now, self.waiter.FIRST
        elif now >= self.deadline:
            self.fail(
                f"app '{app}' was still busy (the API refused the operation again: another operation in progress) "
                f"after wait_timeout={self.params['wait_timeout']} s"
            )
        else:
            first = self.waiter.later(now - self.busy_since)
        waited = self.waiter.until(
            lambda deadline: self.app_status(app, deadline), lambda s: s not in BUSY, self.deadline, first
        )
        if not waited.finished:
            self.fail(
                f"app '{app}' was still {waited.value} (another operation in progress) after "
                f"wait_timeout={self.params['wait_timeout']} s"
            )

    def follow(self, location: str | None, app: str, what: str) -> tuple[dict | None, float]:
        """Wait on the operation at `location` (a URL the API gave): returns (operation, seconds waited)."""
        if not location:
            return None, 0.0
        action = f"could not follow {what} on app '{app}'"
        url = self.client.resolve(location, action)
        if not self.params["wait"]:
            return {"id": url.rstrip("/").rsplit("/", 1)[-1], "url": url}, 0.0
        waited = self.waiter.until(
            lambda deadline: self.client.get(
                url, "operation", fields={"status": str}, action=action, deadline=deadline
            ),
            lambda operation: operation["status"] in ("done", "error"),
            self.deadline,
        )
        operation = waited.value
        if not waited.finished:
            self.fail(
                f"{what} on app '{app}' was sent but its operation {operation.get('id')} is still "
                f"{operation.get('status')} after wait_timeout={self.params['wait_timeout']} s",
                changed=True,
                operation=operation,
                duration=waited.duration,
            )
        if operation["status"] == "error":
            self.fail(
                f"{what} on app '{app}' failed: {operation.get('error') or 'the operation ended in error'}"
                f" (operation {operation.get('id')})",
                changed=True,
                operation=operation,
                duration=waited.duration,
            )
        return operation, waited.duration

    # -- reads and writes several modules make -----------------------------------

    def app_status(self, app: str, deadline: float | None = None) -> str | None:
        return self.client.get(
            api_path("apps", app), "app", action=f"could not read app '{app}'", deadline=deadline
        ).get("status")

    def formation(self, app: str) -> list[dict]:
        return self.client.get(
            api_path("apps", app, "containers"),
            "containers",
            list,
            CONTAINER_FIELDS,
            action=f"could not read the formation of app '{app}'",
        )

    def autoscalers(self, app: str) -> dict[str, dict]:
        """The app's autoscalers by container type (Scalingo allows one per type)."""
        found = self.client.get(
            api_path("apps", app, "autoscalers"),
            "autoscalers",
            list,
            AUTOSCALER_FIELDS,
            action=f"could not read the autoscalers of app '{app}'",
        )
        return {autoscaler["container_type"]: autoscaler for autoscaler in found}

    def delete_app(self, name: str, what: str = "app") -> Any:
        """Delete app `name` (whose deletion is settled by reading it again if the answer is lost)."""
        return self.write(
            lambda: self.client.request(
                "DELETE",
                api_path("apps", name),
                params={"current_name": name},
                ok=(204,),
                action=f"could not delete {what} '{name}'",
            ),
            lambda: {} if self.client.find_app(name) is None else None,
        )


def busy_refusal(refusal: ScalingoError) -> str | None:
    """When the API refused an operation because another one runs on the app: the operation it names
    (scaling, restarting), or "" when it names none; None for any other refusal.

    That is a 422 whose errors are about the app as a whole (`app` or `base`) and say so.
    """
    errors = refusal.errors or {}
    if refusal.status != 422 or not errors or set(errors) - {"app", "base"}:
        return None
    texts = [text for value in errors.values() for text in (value if isinstance(value, list) else [value])]
    texts = [text for text in texts if isinstance(text, str)]
    if not any(BUSY_REFUSAL.search(text) for text in texts):
        return None
    named = next((match for match in map(BUSY_WORD.search, texts) if match), None)
    return named.group(1).lower() if named else ""


def env_text(name: str, value: Any) -> str:
    """The text an environment value is sent as: a string as it is, a number as its plain text, a
    boolean as true/false. Anything else raises a ScalingoError naming the variable, never the value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    kind = "null" if value is None else type(value).__name__
    raise ScalingoError(f"{name} is {kind}: give a string, a number or true/false (quote it to send it as text)")


class ScalingoModule:
    """An AnsibleModule with the shared options, a client, and the one way a task ends."""

    def __init__(self, argument_spec: dict[str, dict], wait: bool = False, **kwargs: Any) -> None:
        spec = dict(argument_spec)
        spec.update(auth_argument_spec())
        if wait:
            spec.update(wait_argument_spec())
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params = self.module.params
        try:
            self.connection = connection_settings(self.params)
        except ScalingoError as exc:
            self.fail(exc.message)
        if "wait_timeout" in self.params and self.params["wait_timeout"] <= 0:
            self.fail(f"wait_timeout must be a positive number of seconds, got {self.params['wait_timeout']}")

    def client(self) -> Client:
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        if not self.connection["validate_certs"]:
            self.module.warn("validate_certs is false: TLS certificates of the Scalingo API are not verified")
        client = Client.from_settings(self.connection)
        client.secret_values = tuple(self.module.no_log_values)
        return client

    def check_app_name(self, option: str, name: str, what: str = "app name") -> None:
        problems = app_name_problems(name)
        if problems:
            self.fail(f"{what} {name!r} ({option}) is invalid: {'; '.join(problems)}")

    def check(self, *problems: str | None) -> None:
        """Fail with the first of `problems` (the messages of _checks) that is not None."""
        for problem in problems:
            if problem:
                self.fail(problem)

    def fail(self, msg: str, **result: Any) -> NoReturn:
        secrets = self.module.no_log_values
        self.module.fail_json(msg=redact(msg, secrets), **redact_all(result, secrets))

    def refuse_values(self, option: str, names: list[str], msg: str) -> NoReturn:
        """Fail on values of the no_log dict `option` that can't be used, without Ansible garbling `msg`.

        Ansible masks every piece of a no_log value wherever it appears, this message included (a list
        of one-letter items would hide letters of it). The message names variables only; the refused
        values leave the task's arguments, and their pieces are no longer masked unless a kept value
        is the same text.
        """
        values = self.params[option]
        pieces: set[str] = set()
        for name in names:
            refused = values.pop(name)
            items = refused.values() if isinstance(refused, dict) else refused if isinstance(refused, list) else []
            pieces |= {str(item) for item in items}
            values[name] = "(refused)"
        kept = {str(value) for name, value in values.items() if name not in names}
        self.module.no_log_values.difference_update(pieces - kept)
        self.fail(msg)

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
            )
        self._warn(client.warnings + resource.warnings, client.secrets())
        if not self.module._diff:
            result.pop("diff", None)
        self.module.exit_json(**result)

    def _warn(self, warnings: list[str], secrets: tuple[str, ...]) -> None:
        for warning in warnings:
            self.module.warn(redact(warning, secrets))


def differences(current: dict, desired: dict) -> dict:
    """The desired values that differ from the current ones (None in `desired` means unmanaged)."""
    return {key: value for key, value in desired.items() if value is not None and current.get(key) != value}
