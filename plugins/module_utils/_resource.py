# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the decision layer every module's resource is built on.

A Resource is a module's decision on a client and the task's parameters: read the current state,
compare it with the desired one, act - or in check mode return the prediction - and settle what a
lost answer or a busy app leaves open. It raises ScalingoError and returns a result dict; it does not
import Ansible, so it runs, and is unit-tested, on its own. The module edge (_module) turns parameters
into a Resource and its errors into a failed task.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from ._api import api_path
from ._errors import ScalingoError
from ._settings import DEFAULTS
from ._waiter import Waited, Waiter

if TYPE_CHECKING:
    from ._client import Client

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
        self.warnings: list[str] = []
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

    def timed_out(self, what: str) -> str:
        """The one wording of a wait that ran out: `what` (still ...) after the task's wait_timeout."""
        return f"{what} after wait_timeout={self.params['wait_timeout']} s"

    def wait_for(self, read: Callable[[float], Any], done: Callable[[Any], bool], first: float | None = None) -> Waited:
        """read(deadline) until done(value) or the task's wait_timeout runs out (see Waiter.until); a wait that
        ran out is reported with timed_out()."""
        if self.deadline is None:
            raise TypeError(f"{type(self).__name__} waits, but its module has no wait_timeout")
        return self.waiter.until(read, done, self.deadline, first)

    def wait_done(
        self,
        read: Callable[[float], Any],
        done: Callable[[Any], bool],
        key: str,
        still: Callable[[Any], str],
        changed: bool | None = True,
        then: str = "",
    ) -> tuple[Any, float]:
        """read(deadline) until done(value): (the last value, seconds waited). When wait_timeout runs out, the task
        fails saying still(value) after wait_timeout (and `then`), with `changed`, the value as `key` and the duration."""
        waited = self.wait_for(read, done)
        if not waited.finished:
            result = {key: waited.value, "duration": waited.duration}
            self.fail(self.timed_out(still(waited.value)) + then, changed=changed, **result)
        return waited.value, waited.duration

    def not_seen(self, app: str, what: str, listing: str, risk: str, before: str) -> str:
        """What a creation whose answer was lost and that never showed up (write's `unseen`, with resend=False) says:
        it was not sent again, for the `risk` of a duplicate; look at the app's `listing` `before` doing what."""
        return (
            f"No {what} showed up in the {listing} of app '{app}' within wait_timeout={self.params['wait_timeout']} s, "
            f"so it was not sent again (that could {risk}): look at the app's {listing} (scalingo --app {app} "
            f"{listing}, or the dashboard) before {before}"
        )

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
        return self.waiter.deadline(self.params.get("api_timeout") or DEFAULTS["api_timeout"])

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
            word = self.client.app_status(app)
            if word not in BUSY:
                raise refusal
        if not self.params["wait"]:
            named = f" ({word})" if word else ""
            self.fail(f"app '{app}' is busy{named}: another operation is in progress; retry later or set wait=true")
        now = self.waiter.clock()
        if self.busy_since is None:
            self.busy_since, first = now, self.waiter.FIRST
        elif self.deadline is not None and now >= self.deadline:
            self.fail(
                self.timed_out(
                    f"app '{app}' was still busy (the API refused the operation again: another operation in progress)"
                )
            )
        else:
            first = self.waiter.later(now - self.busy_since)
        self.wait_idle(app, first, " (another operation in progress)")

    def wait_idle(self, app: str, first: float, why: str = "") -> None:
        """The one wait while an app is busy: until its status shows no operation (scaling, restarting), the
        first read after `first` seconds; fails when wait_timeout runs out, saying `why` it was busy."""
        waited = self.wait_for(lambda deadline: self.client.app_status(app, deadline), lambda s: s not in BUSY, first)
        if not waited.finished:
            self.fail(self.timed_out(f"app '{app}' was still {waited.value}{why}"))

    def follow(self, location: str | None, app: str, what: str) -> tuple[dict | None, float]:
        """Wait on the operation at `location` (a URL the API gave): returns (operation, seconds waited)."""
        if not location:
            return None, 0.0
        action = f"could not follow {what} on app '{app}'"
        url = self.client.resolve(location, action)
        if not self.params["wait"]:
            return {"id": url.rstrip("/").rsplit("/", 1)[-1], "url": url}, 0.0
        operation, duration = self.wait_done(
            lambda deadline: self.client.get(
                url, "operation", fields={"status": str}, action=action, deadline=deadline
            ),
            lambda operation: operation["status"] in ("done", "error"),
            "operation",
            lambda operation: (
                f"{what} on app '{app}' was sent but its operation {operation.get('id')} is still "
                f"{operation.get('status')}"
            ),
        )
        if operation["status"] == "error":
            self.fail(
                f"{what} on app '{app}' failed: {operation.get('error') or 'the operation ended in error'}"
                f" (operation {operation.get('id')})",
                changed=True,
                operation=operation,
                duration=duration,
            )
        return operation, duration

    # -- writes several modules make -----------------------------------------

    def delete_at(self, path: str, action: str, gone: Callable[[], bool], params: dict | None = None) -> Any:
        """DELETE `path`: when its answer is lost, gone() reads whether it took effect, else it is sent once more."""
        return self.write(
            lambda: self.client.request("DELETE", path, params=params, ok=(204,), action=action),
            lambda: {} if gone() else None,
        )

    def delete_app(self, name: str, what: str = "app") -> Any:
        """Delete app `name` (whose deletion is settled by reading it again if the answer is lost)."""
        return self.delete_at(
            api_path("apps", name),
            f"could not delete {what} '{name}'",
            lambda: self.client.find_app(name) is None,
            params={"current_name": name},
        )

    @staticmethod
    def gone(read: Callable[[], Any]) -> bool:
        """Whether read() answers 404 (Not Found): what it reads was deleted. Any other failure: not known gone."""
        try:
            read()
        except ScalingoError as exc:
            return exc.status == 404
        return False


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


def unsendable(values: dict, text: Callable[[str, Any], str] = env_text) -> dict[str, str]:
    """The variables of `values` whose value text(name, value) refuses, each with why (naming it, never its value)."""
    refused = {}
    for name, value in values.items():
        try:
            text(name, value)
        except ScalingoError as exc:
            refused[name] = exc.message
    return refused


def differences(current: dict, desired: dict) -> dict:
    """The desired values that differ from the current ones (None in `desired` means unmanaged)."""
    return {key: value for key, value in desired.items() if value is not None and current.get(key) != value}
