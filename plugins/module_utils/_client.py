# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the Scalingo HTTP client.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import tempfile
import time

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

VERSION = "0.1.0"
USER_AGENT = f"scalingo.cloud-ansible/{VERSION}"

# Re-exchange the API token this long before the bearer's own expiry.
BEARER_MARGIN = 300
# Only reads are repeated as they are; a write whose answer was lost is the module's to settle,
# by reading the state again (see ScalingoModule.write).
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RETRY_STATUSES = (429, 502, 503, 504)
# A write answered with one of these may have been applied before the failure.
UNKNOWN_OUTCOME_STATUSES = (500, 502, 503, 504)


class ScalingoError(Exception):
    """Any failure talking to Scalingo, with what a person needs to act on it."""

    def __init__(self, message, status=None, error=None, errors=None, request_id=None, resource=None, unknown_outcome=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error
        self.errors = errors
        self.request_id = request_id
        self.resource = resource
        # True when a write was sent but its answer was lost: it may or may not have been applied.
        self.unknown_outcome = unknown_outcome

    @property
    def failure(self):
        return {
            "status": self.status,
            "error": self.error,
            "errors": self.errors,
            "request_id": self.request_id,
            "resource": self.resource,
        }

    @classmethod
    def from_response(cls, response, action):
        data = _json_or_none(response)
        error = errors = resource = None
        if isinstance(data, dict):
            error = data.get("error") if isinstance(data.get("error"), str) else None
            errors = data.get("errors") if isinstance(data.get("errors"), dict) else None
            resource = data.get("resource")
            if error and data.get("url"):
                error = f"{error} ({data['url']})"
        elif response.text and "html" not in response.headers.get("Content-Type", ""):
            error = " ".join(response.text.split())[:200] or None
        status = response.status_code
        if errors:
            reason = "; ".join(_field_errors(field, msgs) for field, msgs in errors.items())
        elif resource and status == 404:
            reason = f"{resource} not found"
        elif status == 401:
            reason = f"{error or 'unauthorized'}: check api_token (or SCALINGO_API_TOKEN) and that this user can access the app"
        else:
            reason = error or response.reason or "no details given"
        request_id = response.headers.get("X-Request-ID")
        suffix = f" (HTTP {status}" + (f", request id {request_id})" if request_id else ")")
        return cls(f"{action}: {reason}{suffix}", status=status, error=error, errors=errors, request_id=request_id, resource=resource)


def _field_errors(field, messages):
    text = ", ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
    # Errors about the whole app (or Rails' "base") read as sentences on their own.
    return text if field in ("app", "base") else f"{field} {text}"


def _json_or_none(response):
    if not response.content or "json" not in response.headers.get("Content-Type", "json"):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def bearer_expiry(bearer):
    """The `exp` claim of a JWT, read without verifying it (only the API can), or None."""
    try:
        payload = bearer.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload))["exp"]
        return exp if isinstance(exp, (int, float)) else None
    except (IndexError, KeyError, TypeError, ValueError):
        return None


class BearerCache:
    """Bearer tokens kept between tasks, one 0600 file per API token.

    The file name is a SHA-256 of the auth URL and the API token, so the API token itself is
    never written; the file holds only the bearer and its expiry.
    """

    def __init__(self, auth_url, api_token, directory=None):
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        self.directory = directory or os.path.join(base, "scalingo-ansible")
        key = hashlib.sha256(f"{auth_url}\n{api_token}".encode()).hexdigest()
        self.path = os.path.join(self.directory, f"bearer-{key}.json")

    def load(self, now):
        try:
            st = os.stat(self.path)
            if st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        bearer, exp = data.get("bearer"), data.get("exp")
        if isinstance(bearer, str) and isinstance(exp, (int, float)) and exp - BEARER_MARGIN > now:
            return bearer
        return None

    def save(self, bearer, exp):
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".bearer-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"bearer": bearer, "exp": exp}, handle)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that can't be written only costs one token exchange per task

    def clear(self):
        try:
            os.unlink(self.path)
        except OSError:
            pass


class Reply:
    __slots__ = ("status", "headers", "data")

    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data


class Client:
    """One requests.Session per module run, authenticated with a (possibly cached) bearer."""

    def __init__(self, api_token, api_url, auth_url, validate_certs=True, api_timeout=30,
                 bearer_cache=True, retry_timeout=60, session=None, sleep=time.sleep, clock=time.time,
                 monotonic=time.monotonic):
        self.api_token = api_token
        self.api_url = api_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")
        self.timeout = api_timeout
        self.retry_timeout = retry_timeout
        self.session = session or requests.Session()
        self.session.verify = validate_certs
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.cache = BearerCache(self.auth_url, api_token) if bearer_cache else None
        self.sleep = sleep
        self.clock = clock
        self.monotonic = monotonic
        self._bearer = None
        self._bearer_from_cache = False

    # -- auth ---------------------------------------------------------------

    def _exchange(self):
        response = self._send("POST", f"{self.auth_url}/v1/tokens/exchange", auth=("", self.api_token),
                              action="could not exchange the API token for a bearer token", repeatable=True)
        if response.status_code != 200:
            raise ScalingoError.from_response(response, "could not exchange the API token for a bearer token")
        data = _json_or_none(response) or {}
        bearer = data.get("token")
        if not isinstance(bearer, str) or not bearer:
            raise ScalingoError("the token exchange answered without a bearer token", status=response.status_code)
        exp = bearer_expiry(bearer)
        if self.cache and exp:
            self.cache.save(bearer, exp)
        return bearer

    def _authorization(self):
        if self._bearer is None:
            cached = self.cache.load(self.clock()) if self.cache else None
            self._bearer_from_cache = cached is not None
            self._bearer = cached or self._exchange()
        return f"Bearer {self._bearer}"

    # -- transport ----------------------------------------------------------

    def _send(self, method, url, action, repeatable=False, **kwargs):
        """Send once, retrying only what is safe: refused (429) or failed reads (and the token exchange)."""
        repeatable = repeatable or method in SAFE_METHODS
        deadline = self.monotonic() + self.retry_timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.exceptions.SSLError:
                raise ScalingoError(f"{action}: the TLS certificate of {url.split('/v1')[0]} could not be verified; fix the "
                                    "certificate chain, or set validate_certs=false for a test endpoint only") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not repeatable:
                    raise ScalingoError(
                        f"{action}: the answer was lost ({type(exc).__name__}); "
                        "the request may or may not have been applied", unknown_outcome=True) from None
                if not self._pause(attempt, deadline, None):
                    raise ScalingoError(f"{action}: could not reach {url.split('/v1')[0]} ({type(exc).__name__})") from None
                continue
            if response.status_code in RETRY_STATUSES and (response.status_code == 429 or repeatable):
                if self._pause(attempt, deadline, response.headers.get("Retry-After")):
                    continue
            return response

    def _pause(self, attempt, deadline, retry_after):
        """Sleep before the next attempt; False when the retry budget is spent."""
        delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        if self.monotonic() + delay > deadline:
            return False
        self.sleep(delay)
        return True

    def request(self, method, path, json_body=None, params=None, headers=None, ok=(200,), action=None):
        """Call the regional API; `path` is relative to /v1 or an absolute URL (an operation's Location)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}/v1{path}"
        action = action or f"{method} {path} failed"
        for attempt in (1, 2):
            all_headers = {"Authorization": self._authorization()}
            all_headers.update(headers or {})
            kwargs = {"headers": all_headers, "params": params}
            if json_body is not None:
                kwargs["json"] = json_body
            response = self._send(method, url, action, **kwargs)
            if response.status_code == 401 and attempt == 1 and self._bearer_from_cache:
                # A cached bearer can be revoked before its expiry: exchange once more.
                self.cache.clear()
                self._bearer = None
                continue
            break
        if response.status_code not in ok:
            exc = ScalingoError.from_response(response, action)
            if response.status_code in UNKNOWN_OUTCOME_STATUSES and method not in SAFE_METHODS:
                exc.unknown_outcome = True
                exc.message += "; the request may or may not have been applied"
            raise exc
        return Reply(response.status_code, response.headers, _json_or_none(response))

    def get(self, path, params=None, action=None):
        return self.request("GET", path, params=params, action=action).data

    # -- helpers shared by modules ------------------------------------------

    def find_app(self, name):
        """The app object, or None when the API says it does not exist."""
        try:
            app = self.get(f"/apps/{name}", action=f"could not read app '{name}'")["app"]
        except ScalingoError as exc:
            if exc.status == 404 and exc.resource == "app":
                return None
            raise
        if app.get("name") != name:
            # The API resolves ids too: never act on another app than the one named.
            raise ScalingoError(f"'{name}' is the id of app '{app.get('name')}', not an app name: give the app's name")
        return app

    def paginate(self, path, key, per_page=50, params=None, action=None):
        """Every item of a page-numbered collection, following next_page to the end.

        Scalingo's services disagree on the pagination meta (prev_page or previous_page, nulls or
        integers that stick at the last page), so only next_page and total_pages are trusted.
        """
        items, page = [], 1
        while True:
            query = dict(params or {}, page=page, per_page=per_page)
            data = self.get(path, params=query, action=action) or {}
            items.extend(data.get(key) or [])
            meta = (data.get("meta") or {}).get("pagination") or {}
            next_page, total = meta.get("next_page"), meta.get("total_pages")
            if not isinstance(next_page, int) or next_page <= page or (isinstance(total, int) and page >= total):
                return items
            page = next_page

    def cursor_pages(self, path, key, limit=None, action=None):
        """Items of a cursor-paginated collection (logs archives), following next_cursor up to `limit` items."""
        items, cursor = [], None
        while True:
            data = self.get(path, params={"cursor": cursor} if cursor else None, action=action) or {}
            items.extend(data.get(key) or [])
            if limit is not None and len(items) >= limit:
                return items[:limit]
            cursor = data.get("next_cursor")
            if not data.get("has_more") or not cursor:
                return items

    def wait_operation(self, url, timeout, app=None):
        """Poll an operation until it is done; returns (operation, polls, finished).

        The delay grows with the time already waited (a quarter of it, from 1 s to 5 s), so short
        operations are noticed within a second and long ones don't eat the 60 requests/minute budget.
        """
        start = self.monotonic()
        delay, polls = 0.5, 0
        operation = {}
        while True:
            elapsed = self.monotonic() - start
            if elapsed + delay > timeout:
                self.sleep(max(0.0, timeout - elapsed))
            else:
                self.sleep(delay)
            operation = self.get(url, action=f"could not follow the operation on app '{app}'")["operation"]
            polls += 1
            if operation.get("status") in ("done", "error"):
                return operation, polls, True
            elapsed = self.monotonic() - start
            if elapsed >= timeout:
                return operation, polls, False
            delay = min(5.0, max(1.0, elapsed / 4))


APP_NAME_RULES = (
    (lambda n: not 6 <= len(n) <= 48, "should have between 6 and 48 characters"),
    (lambda n: re.search(r"[^a-z0-9-]", n), "should contain only lowercase letters, digits and hyphens"),
    (lambda n: n.startswith("-"), "can't start with a hyphen"),
    (lambda n: n.endswith("-"), "can't end with a hyphen"),
    (lambda n: "--" in n, "can't contain 2 consecutive hyphens"),
)


def app_name_problems(name):
    """The app naming rules `name` breaks (Scalingo's, checked before any request)."""
    return [text for broken, text in APP_NAME_RULES if broken(name)]
