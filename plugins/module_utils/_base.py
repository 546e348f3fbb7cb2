# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what every module shares.

Options (with the doc fragments of the same names), the lazily built client, results, diff and
check mode. Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re
import time

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, Client, ScalingoError, app_name_problems


def auth_argument_spec():
    return {
        "api_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["SCALINGO_API_TOKEN"])},
        "region": {"type": "str", "default": "osc-fr1", "fallback": (env_fallback, ["SCALINGO_REGION"])},
        "api_url": {"type": "str", "fallback": (env_fallback, ["SCALINGO_API_URL"])},
        "auth_url": {"type": "str", "default": "https://auth.scalingo.com", "fallback": (env_fallback, ["SCALINGO_AUTH_URL"])},
        "validate_certs": {"type": "bool", "default": True},
        "api_timeout": {"type": "int", "default": 30},
        "bearer_cache": {"type": "bool", "default": True, "fallback": (env_fallback, ["SCALINGO_BEARER_CACHE"])},
        "rate_limit_retry_timeout": {"type": "int", "default": 60},
    }


def wait_argument_spec():
    return {
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "int", "default": 300},
    }


BUSY = ("scaling", "restarting")
URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


class ScalingoModule:
    """An AnsibleModule with the shared options, a client built on first use, and one way out."""

    def __init__(self, argument_spec, wait=False, **kwargs):
        spec = dict(argument_spec)
        spec.update(auth_argument_spec())
        if wait:
            spec.update(wait_argument_spec())
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._client = None
        self.started = time.monotonic()
        self._check_shared_options()

    def _check_shared_options(self):
        p = self.params
        # An empty value (as AWX injects for an empty credential field) means "not set".
        p["api_url"] = p["api_url"] or None
        p["auth_url"] = p["auth_url"] or "https://auth.scalingo.com"
        p["region"] = p["region"] or "osc-fr1"
        if not p["api_token"]:
            self.fail("api_token is required: set the option or the SCALINGO_API_TOKEN environment variable")
        if not re.match(r"^[a-z0-9-]+$", p["region"] or ""):
            self.fail(f"region '{p['region']}' is invalid: use a Scalingo region name such as osc-fr1 or osc-secnum-fr1")
        for option in ("api_url", "auth_url"):
            if p[option] is not None and not URL.match(p[option]):
                self.fail(f"{option} '{p[option]}' is invalid: give an http:// or https:// URL without /v1")
        if p["api_timeout"] <= 0:
            self.fail(f"api_timeout must be a positive number of seconds, got {p['api_timeout']}")
        if p["rate_limit_retry_timeout"] < 0:
            self.fail(f"rate_limit_retry_timeout must be 0 (no retries) or more seconds, got {p['rate_limit_retry_timeout']}")
        if "wait_timeout" in p and p["wait_timeout"] <= 0:
            self.fail(f"wait_timeout must be a positive number of seconds, got {p['wait_timeout']}")

    @property
    def client(self):
        if self._client is None:
            if not HAS_REQUESTS:
                self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
            p = self.params
            if not p["validate_certs"]:
                self.module.warn("validate_certs is false: TLS certificates of the Scalingo API are not verified")
            self._client = Client(
                api_token=p["api_token"],
                api_url=p["api_url"] or f"https://api.{p['region']}.scalingo.com",
                auth_url=p["auth_url"],
                validate_certs=p["validate_certs"],
                api_timeout=p["api_timeout"],
                bearer_cache=p["bearer_cache"],
                retry_timeout=p["rate_limit_retry_timeout"],
            )
        return self._client

    def check_app_name(self, option, name, what="app name"):
        problems = app_name_problems(name)
        if problems:
            self.fail(f"{what} '{name}' ({option}) is invalid: {'; '.join(problems)}")

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def warn(self, msg):
        self.module.warn(msg)

    def run(self, action):
        """Run the module's decision, turning API failures into a one-line `msg` and a `failure` dict."""
        try:
            action()
        except ScalingoError as exc:
            # A write that may have been applied is reported as a change, never as "ok".
            self.fail(exc.message, failure=exc.failure, changed=exc.unknown_outcome)

    def write(self, send, landed):
        """Send a write whose answer may be lost without ever applying it twice.

        When the outcome is unknown (connection lost, gateway error), `landed()` reads the state
        again and returns the result if the write took effect, else None; only then is it sent once
        more. If that fails too, the state is read a last time before giving up.
        """
        try:
            return send()
        except ScalingoError as exc:
            if not exc.unknown_outcome:
                raise
            result = landed()
            if result is not None:
                return result
        try:
            return send()
        except ScalingoError:
            result = landed()
            if result is None:
                raise
            return result

    def act(self, predict, perform):
        """The one fork between check mode and a real run: the prediction, or the API's answer."""
        return predict() if self.check_mode else perform()

    def remaining(self):
        return self.params["wait_timeout"] - (time.monotonic() - self.started)

    def app_status(self, app):
        return self.client.get(f"/apps/{app}", action=f"could not read app '{app}'")["app"].get("status")

    def settle(self, app, refusal):
        """After the API refused an operation, wait while the app is busy with another one.

        Returns when the app is free again (the caller re-reads and retries); re-raises `refusal`
        when the app was not busy, so the API's own reason reaches the user.
        """
        status = self.app_status(app)
        if status not in BUSY:
            raise refusal
        if not self.params["wait"]:
            self.fail(f"app '{app}' is busy ({status}): another operation is in progress; retry later or set wait=true")
        self.wait_idle(app, status)

    def wait_idle(self, app, status):
        """Poll the app while its status is busy, within wait_timeout."""
        delay = 1.0
        while status in BUSY:
            if self.remaining() <= delay:
                self.fail(f"app '{app}' was still {status} (another operation in progress) after wait_timeout={self.params['wait_timeout']} s")
            time.sleep(delay)
            delay = min(5.0, delay * 1.5)
            status = self.app_status(app)

    def follow(self, location, app, what):
        """Wait on the operation at `location`: returns (operation, duration) or fails with changed=True."""
        sent = time.monotonic()
        if not location:
            return None, 0.0
        if not self.params["wait"]:
            return {"id": location.rstrip("/").rsplit("/", 1)[-1], "url": location}, 0.0
        operation, polls, finished = self.client.wait_operation(location, max(self.remaining(), 0.0), app=app)
        duration = round(time.monotonic() - sent, 3)
        if not finished:
            self.fail(f"{what} on app '{app}' was sent but its operation {operation.get('id')} is still "
                      f"{operation.get('status')} after wait_timeout={self.params['wait_timeout']} s",
                      changed=True, operation=operation, duration=duration)
        if operation.get("status") == "error":
            self.fail(f"{what} on app '{app}' failed: {operation.get('error') or 'the operation ended in error'}"
                      f" (operation {operation.get('id')})", changed=True, operation=operation, duration=duration)
        return operation, duration

    def exit(self, changed, before=None, after=None, **result):
        if self.module._diff and (before is not None or after is not None):
            result["diff"] = {"before": before or {}, "after": after or {}}
        self.module.exit_json(changed=changed, **result)


def differences(current, desired):
    """The desired values that differ from the current ones (None in `desired` means unmanaged)."""
    return {key: value for key, value in desired.items() if value is not None and current.get(key) != value}
