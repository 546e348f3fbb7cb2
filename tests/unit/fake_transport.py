"""The unit tests' one fake of the network and one fake clock.

ScriptedTransport is a requests transport adapter mounted on a real requests.Session: requests in,
scripted answers out, and a log of every request as it went on the wire. Everything above the
session (the real Transport and Client: bearer, retries, answer checks, errors) runs as it does
against Scalingo. FakeClock is the monotonic clock and the sleep of every unit test: it moves only
when the code sleeps (or a test moves it), so waits are instant and deterministic.
"""

from __future__ import annotations

import http
import io
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

API = "https://api.test.example"
AUTH = "https://auth.test.example"
LOST = "lost"
REASONS = {status.value: status.phrase for status in http.HTTPStatus}


class FakeClock:
    """A monotonic clock and its sleep: time moves only when the code sleeps or the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    __call__ = clock

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


# -- what the API answers -------------------------------------------------------------------------


class Answer:
    """One scripted answer: a status, a body (JSON data, or a str or bytes sent as they are) and headers."""

    def __init__(self, status: int, data: Any = None, headers: dict | None = None) -> None:
        self.status = status
        self.data = data
        self.headers = CaseInsensitiveDict(headers or {})

    def response(self, request: requests.PreparedRequest | None = None) -> requests.Response:
        """The answer as requests gives it."""
        response = requests.Response()
        response.status_code = self.status
        response.reason = REASONS.get(self.status, "Scripted")
        response.headers = CaseInsensitiveDict(self.headers)
        if self.data is None:
            response._content = b""
        elif isinstance(self.data, bytes):
            response._content = self.data
        elif isinstance(self.data, str):
            response._content = self.data.encode()
        else:
            response._content = json.dumps(self.data).encode()
            response.headers.setdefault("Content-Type", "application/json")
        response._content_consumed = True
        # What a streamed read (stream=True, response.raw) sees: the same body.
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(response._content),
            headers=dict(response.headers),
            status=self.status,
            preload_content=False,
            decode_content=False,
        )
        response.encoding = get_encoding_from_headers(response.headers) or "utf-8"
        response.request = request
        response.url = request.url if request is not None else ""
        return response


def answer(status: int = 200, data: Any = None, **headers: str) -> Answer:
    return Answer(status, data, headers)


def lost() -> str:
    """The connection broke: a write may or may not have been applied; a read is given up on (after retries)."""
    return LOST


class Expected:
    def __init__(
        self, method: str, path: str, reply: Any, repeat: bool, times: int, again: bool, headers: dict | None
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers or {}
        self.reply = reply
        self.repeat = repeat
        self.times = times
        self.again = again
        self.used = 0

    def __repr__(self) -> str:
        return f"{self.method} {self.path}" + "".join(f" with {name}: {value}" for name, value in self.headers.items())


def expect(
    method: str,
    path: str,
    reply: Any,
    repeat: bool = False,
    times: int = 1,
    again: bool = False,
    headers: dict | None = None,
) -> Expected:
    """The next request is `method path`, answered with `reply`.

    `reply` is an Answer, lost(), an exception to raise (a ScalingoError, a requests.SSLError...), or a
    function of the Exchange giving one of these (to look at the request, or act while it is in flight).

    `path` is an API path as the code passes it to the client (`/apps/x`, relative to /v1) or a full URL.
    With repeat=True, every later request is this one, with this answer (a wait that never ends).
    With times=N, the next N requests are this one, each with this answer.
    With again=True, this one is answered as often as it is asked (at least once), until a request is
    the next scripted one: re-reads whose number depends on the backoff.
    With headers, the request must carry these headers with these values.
    """
    return Expected(method, path, reply, repeat, times, again, headers)


def again(expected: Expected) -> Expected:
    """`expected` (an expect() or a test's helper giving one), answered as often as asked: see expect(again=True)."""
    expected.again = True
    return expected


# -- the transport ----------------------------------------------------------------------------------


class Exchange:
    """One request as it went on the wire."""

    def __init__(self, request: requests.PreparedRequest, timeout: Any) -> None:
        self.method = request.method
        self.url = request.url
        self.headers = request.headers
        body = request.body
        # A file is streamed by requests: read it here as the network would.
        self.body = body.read() if hasattr(body, "read") else body
        self.timeout = timeout

    def names(self) -> tuple[str, ...]:
        """How a script may name this request: its API path (after /v1), or its URL with or without the query."""
        parts = urlsplit(self.url)
        full = f"{parts.scheme}://{parts.netloc}{parts.path}"
        api_path = parts.path[3:] if parts.path.startswith("/v1/") else parts.path
        return api_path, full, self.url

    def __repr__(self) -> str:
        return f"{self.method} {self.url}"


class ScriptedTransport(BaseAdapter):
    """A requests adapter answering from a script, call by call, and logging every request (`log`)."""

    def __init__(self, *script: Expected | list[Expected], ordered: bool = True) -> None:
        """With ordered=False, a request takes the first scripted entry it fits, wherever it is in the script
        (concurrent requests); otherwise it must fit the next one."""
        super().__init__()
        self.script = [item for entry in script for item in (entry if isinstance(entry, list) else [entry])]
        self.ordered = ordered
        self.log: list[Exchange] = []
        self.lock = threading.Lock()

    def session(self) -> requests.Session:
        """A real requests.Session whose every request comes here."""
        session = requests.Session()
        session.mount("http://", self)
        session.mount("https://", self)
        return session

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **_: Any) -> Any:
        exchange = Exchange(request, timeout)
        with self.lock:
            self.log.append(exchange)
            expected = self.next(exchange) if self.ordered else self.any_fitting(exchange)
        reply = expected.reply
        if callable(reply):
            reply = reply(exchange)
        if reply is LOST:
            raise requests.ConnectionError("connection reset by the scripted transport")
        if isinstance(reply, BaseException):
            raise reply
        return reply.response(request)

    def any_fitting(self, exchange: Exchange) -> Expected:
        fitting = [item for item in self.script if self.matches(item, exchange)]
        assert fitting, f"unexpected request {exchange}: nothing scripted fits it (left: {self.script})"
        expected = fitting[0]
        expected.used += 1
        if not (expected.repeat or expected.again) and expected.used >= expected.times:
            self.script.remove(expected)
        return expected

    def next(self, exchange: Exchange) -> Expected:
        assert self.script, f"unexpected request {exchange}: the script has no more answers (sent: {self.log[:-1]})"
        expected = self.script[0]
        if expected.again and expected.used and not self.matches(expected, exchange):
            assert len(self.script) > 1, f"unexpected request {exchange} after {expected} (sent: {self.log[:-1]})"
            self.script.pop(0)
            expected = self.script[0]
        assert self.matches(expected, exchange), f"expected {expected}, got {exchange}"
        expected.used += 1
        if not (expected.repeat or expected.again) and expected.used >= expected.times:
            self.script.pop(0)
        return expected

    @staticmethod
    def matches(expected: Expected, exchange: Exchange) -> bool:
        return (
            exchange.method == expected.method
            and expected.path in exchange.names()
            and all(exchange.headers.get(name) == value for name, value in expected.headers.items())
        )

    def close(self) -> None:
        pass

    @property
    def finished(self) -> bool:
        """True when every scripted answer was used (a repeated one counts once it was used)."""
        return all((item.repeat or item.again) and item.used for item in self.script)
