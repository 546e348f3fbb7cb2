# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the transport of the Scalingo HTTP client.

One requests.Session per task: the bearer exchange and its cache, pacing, retries, the origin rules
(credentials go only to their own origin) and the checks every answer goes through. What the API's
paths mean is in _api. Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, Self
from urllib.parse import unquote, urljoin, urlsplit

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ._cache import JWT, AppList, BearerCache, CacheFolder, Pacer, kept_or_new, token_key
from ._errors import ScalingoError, json_or_none, suffix
from ._settings import TOKEN

VERSION = "0.1.0"
USER_AGENT = f"scalingo.cloud-ansible/{VERSION}"

# Only reads are repeated as they are; a write whose answer was lost is settled by reading the
# state again (see Resource.write).
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RETRY_STATUSES = (429, 502, 503, 504)
# A write answered with one of these may have been applied before the failure.
UNKNOWN_OUTCOME_STATUSES = (500, 502, 503, 504)


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the unit credentials are bound to."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def shown_origin(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}" + ("" if port == {"http": 80, "https": 443}.get(scheme) else f":{port}")


def bearer_expiry(bearer: str) -> float | None:
    """The `exp` claim of a JWT, read without verifying it (only the API can), or None."""
    try:
        payload = bearer.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload))["exp"]
        return exp if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def written_apps(url: str, body: Any) -> set[str]:
    """The apps a write to `url` may change: the one its path names, and the names its body gives (a creation's,
    a rename's new name)."""
    names = set()
    parts = urlsplit(url).path.split("/")
    for at in range(len(parts) - 2):
        if parts[at] == "v1" and parts[at + 1] == "apps" and parts[at + 2]:
            names.add(unquote(parts[at + 2]))
            break
    if isinstance(body, dict):
        app = body.get("app")
        for name in (app.get("name") if isinstance(app, dict) else None, body.get("new_name")):
            if isinstance(name, str):
                names.add(name)
    return names


class Reply:
    """An answer of the API whose status was expected; its fields are read through take()."""

    __slots__ = ("action", "data", "headers", "status", "text", "where")

    def __init__(
        self, status: int, headers: Mapping[str, str], data: Any, action: str, where: str, text: str = ""
    ) -> None:
        self.status = status
        self.headers = headers
        self.data = data
        self.action = action
        self.where = where
        # The body of an answer that is not JSON (a deployment's output).
        self.text = text

    def take(self, key: str, kind: type = dict, fields: Mapping[str, type] | None = None) -> Any:
        """The `key` member of the answer, checked to be a `kind` (with `fields` on it or its items)."""
        value = self.data.get(key) if isinstance(self.data, dict) else None
        problem = _shape_problem(value, kind, fields)
        if problem:
            raise ScalingoError(
                f"{self.action}: the answer of {self.where} {problem.format(key=key)}; it is not what Scalingo's "
                f"API answers (a proxy page or an incompatible API?){suffix(self.status, self.headers.get('X-Request-ID'))}",
                status=self.status,
                request_id=self.headers.get("X-Request-ID"),
            )
        return value

    def take_text(self) -> str:
        """The body of an answer in plain text, as the API sends a deployment's output."""
        if not self.headers.get("Content-Type", "").lower().startswith("text/plain"):
            raise ScalingoError(
                f"{self.action}: the answer of {self.where} is not plain text; it is not what Scalingo's API answers "
                f"(a proxy page or an incompatible API?){suffix(self.status, self.headers.get('X-Request-ID'))}",
                status=self.status,
                request_id=self.headers.get("X-Request-ID"),
            )
        return self.text


KINDS = {dict: "an object", list: "a list", str: "a string", int: "a number", bool: "true or false"}


def _shape_problem(value: Any, kind: type, fields: Mapping[str, type] | None) -> str | None:
    """What is wrong with `value` as a `kind` whose items (or itself) have `fields`, or None."""
    if not _is(value, kind):
        return "has no '{key}'" if value is None else f"has a '{{key}}' that is not {KINDS[kind]}"
    for item in value if kind is list else [value]:
        if fields is not None and not isinstance(item, dict):
            return "has a '{key}' item that is not an object"
        for name, field_kind in (fields or {}).items():
            if not _is(item.get(name), field_kind):
                return f"has a '{{key}}' whose '{name}' is not {KINDS[field_kind]}"
    return None


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def api_path_only(path: str) -> str:
    """A path of the auth service, never a URL (the bearer goes nowhere else than auth_url there)."""
    if not path.startswith("/") or "://" in path:
        raise ScalingoError(f"{path!r} is not a path of the auth service")
    return path


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


class Transport:
    """One requests.Session per module run, authenticated with a (possibly cached) bearer.

    The API token goes only to auth_url's origin, the bearer only to api_url's origin and, for the
    account's own resources the auth service keeps (service="auth": SCM integrations), to
    auth_url's origin, which issued it; no redirection is followed. Every failure is a ScalingoError whose message holds neither.
    """

    def __init__(
        self,
        api_token: str,
        api_url: str,
        auth_url: str,
        validate_certs: bool = True,
        api_timeout: float = 30,
        bearer_cache: bool = True,
        retry_timeout: float = 60,
        rate_limit: int = 60,
        read_cache: int = 0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not api_token or not TOKEN.fullmatch(api_token):
            raise ScalingoError("api_token is empty or has a character HTTP can't carry: copy the token again")
        self.api_token = api_token
        self.api_url = api_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")
        self.api_origin = origin(self.api_url)
        self.timeout = api_timeout
        self.retry_timeout = retry_timeout
        self.session = session or requests.Session()
        self.session.verify = validate_certs
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # Said to the user at the end of the task (a listing cut short, an unusable cache folder, ...).
        self.warnings: list[str] = []
        # The folder of the bearer and of the pacing state, checked on first use; a problem with it is said once.
        folder = self.folder = CacheFolder(warn=self.warnings.append)
        self.cache = BearerCache(self.auth_url, api_token, folder=folder) if bearer_cache else None
        self.pacer: Pacer | None = None
        if rate_limit:
            path = os.path.join(folder.path, f"pace-{token_key(self.auth_url, api_token)}.json")
            self.pacer = Pacer(path, rate_limit, clock=clock, folder=folder)
        # The shared listing of the apps (read_cache): also kept up to date, by the writes, when this task doesn't use it.
        self.app_list = AppList(folder, self.auth_url, api_token, shown_origin(self.api_url), read_cache)
        self.sleep = sleep
        self.clock = clock
        self.monotonic = monotonic
        self._bearer: str | None = None
        self._bearer_from_cache = False
        # What pacing() reports: requests sent (each attempt), seconds waited, refusals (429) met.
        self.requests_sent = 0
        self.waited = 0.0
        self.throttled = 0
        # True once a write was sent that may have been applied: a later failure is still a change.
        self.wrote = False
        # The task's own secret values (its no_log options), which no message may quote either.
        # Credentials this run learns from answers (an addon token, a pre-signed URL) are added to them.
        self.secret_values: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Self:
        """A client for what connection_settings() returned."""
        return cls(
            api_token=settings["api_token"],
            api_url=settings["api_url"],
            auth_url=settings["auth_url"],
            validate_certs=settings["validate_certs"],
            api_timeout=settings["api_timeout"],
            bearer_cache=settings["bearer_cache"],
            retry_timeout=settings["rate_limit_retry_timeout"],
            rate_limit=settings["rate_limit"],
            read_cache=settings["read_cache"],
        )

    def keep_secret(self, *values: str | None) -> None:
        """Never quote these values (a pre-signed URL, a token an answer gave), here or in any message."""
        self.secret_values += tuple(v for v in dict.fromkeys(values) if v and v not in self.secret_values)

    def secrets(self) -> tuple[str, ...]:
        """What no message may quote: the API token, the bearer of this run and the task's secret values."""
        return (self.api_token, *([self._bearer] if self._bearer else []), *self.secret_values)

    # -- auth ---------------------------------------------------------------

    def _exchange(self, limit: float) -> str:
        action = "could not exchange the API token for a bearer token"
        response = self._send(
            "POST", f"{self.auth_url}/v1/tokens/exchange", action, limit, repeatable=True, auth=("", self.api_token)
        )
        if response.status_code != 200:
            raise ScalingoError.from_response(response, action, self.secrets())
        data = json_or_none(response)
        bearer = data.get("token") if isinstance(data, dict) else None
        if not isinstance(bearer, str) or not JWT.match(bearer):
            # Never quoted: whatever it is, it may be a credential.
            raise ScalingoError(
                f"{action}: the auth service answered without a well-formed bearer token "
                f"(is auth_url {self.auth_url} Scalingo's auth service?){suffix(response.status_code, response.headers.get('X-Request-ID'))}",
                status=response.status_code,
            )
        exp = bearer_expiry(bearer)
        if self.cache and exp:
            self.cache.save(bearer, exp)
        return bearer

    def _authorization(self, limit: float) -> str:
        if self._bearer is None and self.cache is None:
            self._bearer = self._exchange(limit)
        elif self._bearer is None and self.cache is not None:
            self._bearer, self._bearer_from_cache = kept_or_new(self.cache, self.clock(), lambda: self._exchange(limit))
        return f"Bearer {self._bearer}"

    # -- transport ----------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        action: str,
        limit: float,
        repeatable: bool = False,
        deadline: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send once, retrying only what is safe (refusals, failed reads, the token exchange) until `limit`."""
        repeatable = repeatable or method in SAFE_METHODS
        pacer = self.pacer if kwargs.get("auth") is not _no_auth else None
        body: Any = kwargs.get("data")
        start = body.tell() if hasattr(body, "seek") else None
        attempt = 0
        while True:
            attempt += 1
            wait = pacer.book() if pacer else 0.0
            if wait > 0:
                self.waited += wait
                self.sleep(wait)
            self.requests_sent += 1
            if start is not None:
                body.seek(start)  # a file body is read by each attempt: each sends it whole
            timeout = self.timeout
            if deadline is not None:
                # Within a wait, no attempt outlasts the wait by more than a second.
                timeout = min(timeout, max(1.0, deadline - self.monotonic()))
            try:
                response = self.session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
            except requests.exceptions.SSLError:
                raise ScalingoError(
                    f"{action}: the TLS certificate of {shown_origin(url)} could not be verified; fix the "
                    "certificate chain, or set validate_certs=false for a test endpoint only"
                ) from None
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                # The request may have reached the API: a read is sent again, a write is the caller's to settle.
                if not repeatable:
                    raise ScalingoError(
                        f"{action}: the answer was lost ({type(exc).__name__}); the request may or may not "
                        "have been applied",
                        unknown_outcome=True,
                    ) from None
                if not self._pause(attempt, limit, None):
                    raise ScalingoError(
                        f"{action}: no answer from {shown_origin(url)} ({type(exc).__name__})"
                    ) from None
                continue
            except (requests.RequestException, ValueError, UnicodeError) as exc:
                # Never str(exc): requests quotes header values, the credentials included.
                raise ScalingoError(f"{action}: the request could not be sent ({type(exc).__name__})") from None
            self.throttled += response.status_code == 429
            retry = response.status_code == 429 or (repeatable and response.status_code in RETRY_STATUSES)
            if retry and self._pause(
                attempt, limit, response.headers.get("Retry-After"), pacer if response.status_code == 429 else None
            ):
                continue
            return response

    def _pause(self, attempt: int, limit: float, retry_after: str | None, shared: Pacer | None = None) -> bool:
        """Sleep before the next attempt; False when that would pass `limit`.

        A refusal (429) while pacing holds every task using the token: the pause is booked in the
        shared state, and the next attempt's booking waits it out; the pacer also lowers its allowance
        (see Pacer.refused).
        """
        delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        if shared:
            shared.refused(shared.booked, delay)  # whether or not this request is tried again
        if self.monotonic() + delay > limit:
            return False
        if not shared:
            self.waited += delay
            self.sleep(delay)
        return True

    def pacing(self) -> dict[str, Any]:
        """What this task's requests met: how many were sent, the seconds spent waiting for the budget or
        after a refusal, and how many the API refused (429)."""
        return {"requests": self.requests_sent, "waited": round(self.waited, 1), "throttled": self.throttled}

    def bearer(self) -> str:
        """The bearer token itself, for a host that takes it otherwise than in a Bearer header (a one-off's
        attach host); the caller answers for where it goes."""
        return self._authorization(self.monotonic() + self.retry_timeout).split(" ", 1)[1]

    def resolve(self, location: str, action: str) -> str:
        """An operation URL the API gave (absolute or relative), as a URL of api_url's origin.

        Any other origin (another host, port or scheme) fails before anything is sent there.
        """
        url = urljoin(f"{self.api_url}/", location.strip())
        if origin(url) != self.api_origin:
            raise ScalingoError(
                f"{action}: the API pointed to {shown_origin(url)}, not to api_url's origin "
                f"{shown_origin(self.api_url)}; nothing was sent there, as credentials go only to api_url"
            )
        return url

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
        ok: tuple[int, ...] = (200,),
        action: str | None = None,
        deadline: float | None = None,
        writes: bool | None = None,
        service: str = "api",
    ) -> Reply:
        """Call the regional API and return a Reply with an expected status, or raise ScalingoError.

        `path` is relative to /v1 (`/apps/x`) or a URL resolve() returned. `deadline` (monotonic)
        bounds the retries, as rate_limit_retry_timeout does, whichever comes first. `writes`: see call().
        service="auth" calls the auth service instead (`path` relative to its /v1 only).
        """
        if service == "auth":
            url = f"{self.auth_url}/v1{api_path_only(path)}"
        else:
            url = self.resolve(path, action or method) if "://" in path else f"{self.api_url}/v1{path}"
        action = action or f"{method} {path} failed"
        return self.call(
            method,
            url,
            self._authorization,
            self._bearer_refused,
            json_body,
            params,
            headers,
            ok,
            action,
            deadline,
            writes,
        )

    def auth_get(
        self, path: str, key: str, kind: type = dict, fields: dict[str, type] | None = None, action: str = ""
    ) -> Any:
        """The `key` member of a GET answer of the auth service (`path` relative to its /v1), sent with the
        bearer: the service that issued it (the region listing)."""
        return self.request("GET", path, action=action, service="auth").take(key, kind, fields)

    def _bearer_refused(self) -> bool:
        """After a 401: True when the bearer came from the cache (it is dropped: exchange once more)."""
        if not (self._bearer_from_cache and self.cache and self._bearer):
            return False
        # A cached bearer can be revoked before its expiry.
        self.cache.discard(self._bearer)
        self._bearer = None
        return True

    def call(
        self,
        method: str,
        url: str,
        authorization: Callable[[float], str],
        refused: Callable[[], bool],
        json_body: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
        ok: tuple[int, ...] = (200,),
        action: str = "",
        deadline: float | None = None,
        writes: bool | None = None,
    ) -> Reply:
        """Send a request with the credential authorization(limit) gives, to `url` (whose origin the caller
        checked), and return a Reply with an expected status, or raise ScalingoError.

        A 401 calls refused() once: when it returns True (a cached credential was dropped), the request
        is sent once more with a new one. `writes` False marks a POST that changes nothing (a token exchange):
        it is retried like a read and never counts as a change; by default any method but a read or a dry run
        is a write.
        """
        action = action or f"{method} {urlsplit(url).path} failed"
        where = f"{method} {urlsplit(url).path}"
        limit = self.monotonic() + self.retry_timeout
        if deadline is not None:
            limit = min(limit, deadline)
        if writes is None:
            writes = method not in SAFE_METHODS and (headers or {}).get("X-Dry-Run") != "true"
        for attempt in (1, 2):
            all_headers = {"Authorization": authorization(limit)}
            all_headers.update(headers or {})
            kwargs = {"headers": all_headers, "params": params}
            if json_body is not None:
                kwargs["json"] = json_body
            try:
                # A dry run changes nothing: it is repeated like a read.
                response = self._send(method, url, action, limit, repeatable=not writes, deadline=deadline, **kwargs)
            except ScalingoError as exc:
                self.wrote = self.wrote or (writes and exc.unknown_outcome)
                raise
            finally:
                if writes:
                    self.app_list.forget(written_apps(url, json_body))
            if response.status_code == 401 and attempt == 1 and refused():
                continue
            break
        if writes and (response.status_code < 400 or response.status_code in UNKNOWN_OUTCOME_STATUSES):
            self.wrote = True
        if response.status_code not in ok:
            error = ScalingoError.from_response(response, action, self.secrets())
            if response.status_code in UNKNOWN_OUTCOME_STATUSES and writes:
                error.unknown_outcome = True
                error.message += "; the request may or may not have been applied"
            raise error
        data = json_or_none(response)
        return Reply(response.status_code, response.headers, data, action, where, response.text if data is None else "")

    def get(
        self,
        path: str,
        key: str,
        kind: type = dict,
        fields: Mapping[str, type] | None = None,
        params: dict | None = None,
        action: str | None = None,
        deadline: float | None = None,
        service: str = "api",
    ) -> Any:
        """The `key` member of a GET answer, checked (see Reply.take)."""
        reply = self.request("GET", path, params=params, action=action, deadline=deadline, service=service)
        return reply.take(key, kind, fields)

    def get_text(self, path: str, action: str | None = None, deadline: float | None = None) -> str:
        """The body of a GET answered in plain text (see Reply.take_text)."""
        return self.request("GET", path, action=action, deadline=deadline).take_text()

    def upload(
        self, url: str, source: str | os.PathLike | BinaryIO | bytes, action: str, deadline: float | None = None
    ) -> None:
        """PUT an archive to a pre-signed URL the API gave (object storage, usually another host).

        The URL is its own credential: nothing of ours (no Authorization) is sent with it, and no
        message ever quotes it, only its origin. It is https, or http when api_url is http too.
        Repeating the PUT is harmless, so it is retried like a read. `source` is the archive's path,
        a binary file (sent from where it stands) or bytes: a file is streamed, never read into
        memory, and sent whole again at each attempt.
        """
        if origin(url)[0] not in ("https", self.api_origin[0]):
            raise ScalingoError(f"{action}: the API gave an upload URL that is not https; nothing was sent there")
        if isinstance(source, (str, os.PathLike)):
            with contextlib.ExitStack() as stack:
                try:
                    handle = stack.enter_context(open(source, "rb"))
                except OSError as exc:
                    raise ScalingoError(f"{action}: could not read it ({exc.strerror or type(exc).__name__})") from None
                self.upload(url, handle, action, deadline)
            return
        limit = self.monotonic() + self.retry_timeout
        if deadline is not None:
            limit = min(limit, deadline)
        headers = {"Content-Type": "application/x-gzip"}
        # An auth that adds nothing: with auth=None, requests would look the host up in ~/.netrc.
        response = self._send("PUT", url, action, limit, True, deadline, data=source, headers=headers, auth=_no_auth)
        if not 200 <= response.status_code < 300:
            # Never the body: a storage's error may quote the signature. Its error code is enough.
            code = re.search(r"<Code>([A-Za-z]{1,64})</Code>", response.text or "")
            raise ScalingoError(
                f"{action}: the storage at {shown_origin(url)} refused the upload"
                f"{f' ({code.group(1)})' if code else ''}{suffix(response.status_code, None)}",
                status=response.status_code,
                error=code.group(1) if code else None,
            )

    def download(self, url: str, handle: BinaryIO, action: str, deadline: float | None = None) -> tuple[int, str]:
        """GET a pre-signed URL the API gave (a backup's archive) into the binary file `handle`: (size, SHA-256).

        As with upload(), the URL is its own credential: nothing of ours goes with it, no message quotes it,
        and it is https, or http when api_url is http too. The body is streamed, never held in memory, and
        written as it comes (a Content-Encoding is not undone: the archive is saved as sent). A stream cut
        short, or shorter than its Content-Length, fails: what `handle` holds is then the caller's to discard.
        """
        if origin(url)[0] not in ("https", self.api_origin[0]):
            raise ScalingoError(f"{action}: the API gave a download URL that is not https; nothing was sent there")
        limit = self.monotonic() + self.retry_timeout
        if deadline is not None:
            limit = min(limit, deadline)
        response = self._send("GET", url, action, limit, True, deadline, stream=True, auth=_no_auth)
        with contextlib.closing(response):
            if not 200 <= response.status_code < 300:
                # Never the body: a storage's error may quote the signature.
                raise ScalingoError(
                    f"{action}: {shown_origin(url)} refused the download{suffix(response.status_code, None)}",
                    status=response.status_code,
                )
            digest, size = hashlib.sha256(), 0
            chunks = response.raw.stream(1 << 16, decode_content=False)
            while True:
                try:
                    chunk = next(chunks, b"")
                except Exception as exc:  # pylint: disable=broad-exception-caught  # urllib3's errors: not importable here
                    raise ScalingoError(
                        f"{action}: the download was cut short after {size} bytes ({type(exc).__name__})"
                    ) from None
                if not chunk:
                    break
                try:
                    handle.write(chunk)
                except OSError as exc:
                    raise ScalingoError(
                        f"{action}: could not write it ({exc.strerror or type(exc).__name__})"
                    ) from None
                digest.update(chunk)
                size += len(chunk)
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) != size:
                raise ScalingoError(f"{action}: the download was cut short after {size} of {announced} bytes")
        return size, digest.hexdigest()
