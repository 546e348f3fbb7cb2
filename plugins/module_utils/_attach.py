# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: attached one-off containers (scalingo_run).

Once the API has started a one-off container, its operation names an attach URL on another host
than the API (in production `one-off.<region>.scalingo.com:5000`). This module:

- decides whether that URL may receive the bearer (attach_target, a pure function: the host rule);
- uploads files to it (`POST <attach URL>/files`, multipart), opens the stream with an HTTP
  CONNECT (TLS with SNI for https), sends stdin then Ctrl-D (0x04), reads the output to its end
  (pump, which takes any socket-like object) and asks `GET <attach URL>/wait` for the exit code;
- turns what happened into the task's message and output fields (Outcome).

The attach URL itself (it may carry a token) never appears in a message, only its host. Only the
standard library is used; nothing here imports Ansible. Nothing here is a public API.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import json
import os
import re
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

EOT = b"\x04"  # Ctrl-D: the end of stdin
CTRL_C = b"\x03"
# Control bytes the platform's terminal acts on: stdin must not hold them.
CONTROL_BYTES = {"\x03": "Ctrl-C", "\x04": "Ctrl-D", "\x1a": "Ctrl-Z", "\x1c": "Ctrl-\\"}
# Seconds a command gets to end after Ctrl-C, once `timeout` has passed.
CTRL_C_GRACE = 5.0
# Seconds between two looks at the deadline while the stream is silent.
TICK = 1.0
BLOCK = 65536
MAX_HEAD = 16384
MAX_ANSWER = 65536
# The platform refuses bigger uploads (Scalingo's CLI documents 100 MiB per file).
MAX_UPLOAD = 100 * 1024 * 1024
TAIL_LINES = 20
# Labels that, under a two-letter country code, make a second-level public suffix (example.co.uk).
GENERIC_SECOND_LEVEL = frozenset(("ac", "co", "com", "edu", "gov", "net", "org"))
SCALINGO_DOMAIN = "scalingo.com"
HOST_NAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
VISIBLE = re.compile(r"[\x21-\x7e]+")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([0-9]{3})(?: [^\r\n]*)?")
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
USER_AGENT = "scalingo.cloud-ansible"

# How the stream ended (pump).
EXITED = "exited"  # the platform closed the stream: the command ended
CUT = "cut"  # the connection broke before the end of the stream
STOPPED = "stopped"  # timeout: Ctrl-C sent, and the stream ended within the grace period
ABANDONED = "abandoned"  # timeout: Ctrl-C sent, and the stream went on past the grace period


class AttachError(Exception):
    """A failure on the attach host; its message names the host, never the URL."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FileChanged(AttachError):
    """A file to upload is not what was checked before any request."""


# -- the host rule ---------------------------------------------------------------------------------


def registrable_domain(host: str) -> str:
    """The domain a host belongs to, without the Public Suffix List: its last two labels, or three
    under a two-letter country code whose second-level label is generic (example.co.uk, shop.com.au).

    A heuristic: other multi-label public suffixes (github.io, s3.amazonaws.com) are taken as one
    domain. It only ever widens the rule to sibling hosts of api_url's own suffix.
    """
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in GENERIC_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def under(host: str, domain: str) -> bool:
    return host == domain or host.endswith(f".{domain}")


class Target:
    """Where an accepted attach URL leads: the socket to open and the paths to ask."""

    __slots__ = ("host", "host_header", "path", "port", "query", "scheme")

    def __init__(self, scheme: str, host: str, port: int, host_header: str, path: str, query: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.host_header = host_header
        self.path = path
        self.query = query

    @property
    def origin(self) -> str:
        """What messages show of the URL: scheme, host and port, never the path or the query."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def request_target(self, suffix: str = "") -> str:
        """The path (with `suffix`: /files, /wait) and query of a request to the attach host."""
        path = (self.path or "/").rstrip("/") + suffix if suffix else self.path or "/"
        return f"{path}?{self.query}" if self.query else path


def attach_target(url: Any, api_url: str, allow_http: bool = False) -> Target:
    """The attach URL as a Target, or AttachError saying why the bearer may not go there.

    The rule: the attach host must lie under api_url's registrable domain (registrable_domain), or be
    a loopback address when api_url's host is one (the simulator, where plain http is accepted too).
    Anywhere else, https only, unless allow_http, which accepts plain http on Scalingo's own hosts
    (under scalingo.com) only. A user name or password in the URL, an IP address for a named API,
    or anything but visible ASCII is refused. Nothing is looked up or sent: a pure function.
    """
    if not isinstance(url, str) or not url:
        raise AttachError("Scalingo gave no attach URL")
    if not VISIBLE.fullmatch(url):
        raise AttachError("the attach URL holds spaces or characters a URL can't carry")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AttachError("the attach URL is not an http or https URL")
    if "@" in parts.netloc:
        raise AttachError("the attach URL carries a user name or password")
    host = (parts.hostname or "").lower()
    if not host:
        raise AttachError("the attach URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise AttachError(f"the attach URL's port on host {host} is not a port number") from None
    target = Target(scheme, host, port, parts.netloc, parts.path, parts.query)
    api_host = (urlsplit(api_url).hostname or "").lower()
    if is_loopback(api_host):
        if not is_loopback(host):
            raise AttachError(f"its host {host} is not a loopback address, as api_url's host {api_host} is")
        return target
    if is_ip(api_host):
        if host != api_host:
            raise AttachError(f"its host {host} is not api_url's host {api_host}")
    elif is_ip(host):
        raise AttachError(f"its host {host} is an IP address, not a name under {registrable_domain(api_host)}")
    elif not HOST_NAME.fullmatch(host):
        raise AttachError(f"its host {host} is not a valid host name")
    elif not under(host, registrable_domain(api_host)):
        raise AttachError(f"its host {host} is not under {registrable_domain(api_host)}, api_url's domain")
    if scheme == "http":
        if not allow_http:
            raise AttachError(
                f"it is plain http ({target.origin}); set attach_allow_http: true to accept plain http on "
                "Scalingo's own hosts"
            )
        if not under(host, SCALINGO_DOMAIN):
            raise AttachError(
                f"it is plain http on host {host}; attach_allow_http accepts plain http on Scalingo's own hosts "
                f"(under {SCALINGO_DOMAIN}) only"
            )
    return target


# -- input checks (before any request) --------------------------------------------------------------


def stdin_problem(stdin: str) -> str | None:
    control = sorted({name for char, name in CONTROL_BYTES.items() if char in stdin})
    if control:
        return f"stdin holds {', '.join(control)}, which the container's terminal acts on: leave them out"
    return None


def files_problem(paths: list[str]) -> str | None:
    """What makes local files unfit for upload (each a readable regular file of 100 MiB at most, with a name of
    its own), or None."""
    problems = []
    for path in paths:
        if not os.path.isfile(path):
            problems.append(f"files: {path} is not a file (a directory or nothing; pack a directory into an archive)")
        elif not os.access(path, os.R_OK):
            problems.append(f"files: {path} can't be read")
        elif os.path.getsize(path) > MAX_UPLOAD:
            problems.append(
                f"files: {path} has {os.path.getsize(path)} bytes; Scalingo takes files of 100 MiB ({MAX_UPLOAD} "
                "bytes) at most"
            )
        elif any(ord(c) < 32 or ord(c) == 127 for c in os.path.basename(path)):
            problems.append(f"files: the name of {path!r} holds control characters")
    names = [os.path.basename(path) for path in paths]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append(f"files: more than one file named {', '.join(twice)} (they would land on the same path)")
    return "; ".join(problems) or None


# -- the output ------------------------------------------------------------------------------------


class Output:
    """The last `limit` bytes of the stream, and how many came before them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        excess = len(self.data) - self.limit
        if excess > 0:
            del self.data[:excess]
            self.dropped += excess

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def plain(text: str) -> str:
    """A command's output as plain text: its ANSI codes (colours, cursor moves) and carriage returns removed."""
    return ANSI.sub("", text).replace("\r", "")


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last lines of an output as a message's end, ANSI codes and carriage returns removed."""
    kept = [line for line in plain(text).split("\n") if line.strip()][-lines:]
    return ("; the last lines of its output:\n" + "\n".join(kept)) if kept else ""


# -- the stream ------------------------------------------------------------------------------------


def read_head(sock: Any) -> tuple[int, bytes]:
    """Read an HTTP answer's status line and headers: (status, the bytes after them).

    Raises AttachError on a closed connection or an answer that is not HTTP.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            raise AttachError("answered with a head that never ends")
        chunk = sock.recv(4096)
        if not chunk:
            raise AttachError("closed the connection without answering")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status = STATUS_LINE.fullmatch(head.split(b"\r\n", 1)[0])
    if status is None:
        raise AttachError("answered something that is not HTTP")
    return int(status.group(1)), rest


def pump(
    sock: Any,
    stdin: bytes,
    output: Output,
    deadline: float | None,
    clock: Callable[[], float] = time.monotonic,
    grace: float = CTRL_C_GRACE,
    tick: float = TICK,
) -> str:
    """Send stdin then Ctrl-D, and read the stream into `output` until it ends; how it ended.

    `sock` is anything with sendall(), recv() and settimeout(), its timeout already set for the
    sending. At `deadline` (on `clock`), Ctrl-C is sent once; the stream then has `grace` seconds to
    end (STOPPED), else it is left (ABANDONED). EXITED: the stream ended; CUT: the connection broke.
    """
    try:
        sock.sendall(stdin + EOT)
    except OSError:
        return CUT
    interrupted_at = None
    end: float | None
    while True:
        now = clock()
        if deadline is not None and interrupted_at is None and now >= deadline:
            interrupted_at = now
            with contextlib.suppress(OSError):
                sock.sendall(CTRL_C)
        if interrupted_at is not None:
            end = interrupted_at + grace
            if now >= end:
                return ABANDONED
        else:
            end = deadline
        sock.settimeout(tick if end is None else max(0.01, min(tick, end - now)))
        try:
            chunk = sock.recv(BLOCK)
        except TimeoutError:
            continue
        except OSError:
            return STOPPED if interrupted_at is not None else CUT
        if not chunk:
            return STOPPED if interrupted_at is not None else EXITED
        output.add(chunk)


def multipart(name: str, size: int, handle: Any) -> tuple[str, Iterator[bytes], int]:
    """A multipart/form-data body holding one file as the field `file`: (content type, chunks, length)."""
    boundary = f"scalingo-ansible-{secrets.token_hex(16)}"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    end = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        left = size
        while left > 0:
            chunk = handle.read(min(BLOCK, left))
            if not chunk:
                raise FileChanged(f"file {name} became shorter while it was uploaded")
            left -= len(chunk)
            yield chunk
        yield end

    return f"multipart/form-data; boundary={boundary}", chunks(), len(head) + size + len(end)


class _Connection(http.client.HTTPConnection):
    """http.client over the socket Attachment opens (TLS included): one way to reach the host."""

    def __init__(self, opener: Callable[[float], Any], target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._opener, self._io_timeout = opener, timeout

    def connect(self) -> None:
        self.sock = self._opener(self._io_timeout)


# -- what happened ---------------------------------------------------------------------------------


class Outcome:
    """How an attached command ended: its output, exit code, and what the task says about it."""

    def __init__(
        self, output: Output, ending: str, exit_code: int | None = None, inactive: bool = False, problem: str = ""
    ) -> None:
        self.output = output
        self.ending = ending
        self.exit_code = exit_code
        # /wait answered 408: Scalingo stopped the container after a time without input or output.
        self.inactive = inactive
        # Why the exit code could not be read.
        self.problem = problem

    def fields(self) -> dict[str, Any]:
        """The output fields of the task's result, and `rc` when the exit code is known."""
        text = self.output.text()
        fields = {
            "stdout": text,
            "stdout_lines": text.splitlines(),
            "output_truncated": self.output.dropped > 0,
            "output_dropped": self.output.dropped,
        }
        if self.exit_code is not None:
            fields["rc"] = self.exit_code
        return fields

    def failure(self, what: str, timeout: float, app: str, label: str) -> str | None:
        """The task's failure message, or None when the command succeeded."""
        cut = " (the output stream was cut before its end: the output may be incomplete)" if self.ending == CUT else ""
        end = tail(self.output.text())
        if self.ending == STOPPED:
            return f"{what} did not end within timeout={timeout:g} s: Ctrl-C was sent and it stopped{end}"
        if self.ending == ABANDONED:
            return (
                f"{what} did not end within timeout={timeout:g} s, nor within {CTRL_C_GRACE:g} s of the Ctrl-C sent "
                f"then: it may still be running (stop it with `scalingo --app {app} one-off-stop {label}`){end}"
            )
        if self.inactive:
            return (
                f"{what} was stopped by Scalingo after a time without input or output (its exit code answered "
                f"HTTP 408): make it print as it goes, or run it with detached=true{cut}{end}"
            )
        if self.problem:
            return f"{what} ended, but its exit code could not be read: {self.problem}{cut}{end}"
        if self.exit_code != 0:
            return f"{what} exited with code {self.exit_code}{cut}{end}"
        return None

    def warnings(self, what: str, limit: int) -> list[str]:
        said = []
        if self.ending == CUT:
            said.append(f"the output stream of {what} was cut before its end: its output may be incomplete")
        if self.output.dropped:
            said.append(
                f"the output of {what} was longer than output_limit={limit}: its first {self.output.dropped} "
                "bytes were dropped"
            )
        return said


# -- the attach host -------------------------------------------------------------------------------


class Attachment:
    """The conversation with one container's attach URL, as the bearer's owner.

    The bearer goes as Basic credentials with an empty user (":" + bearer), as Scalingo's CLI sends it,
    and only to `target`, which attach_target() accepted. No proxy, no redirection.
    """

    def __init__(
        self,
        target: Target,
        bearer: str,
        verify: bool = True,
        io_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[[float], Any] | None = None,
    ) -> None:
        self.target = target
        self.verify = verify
        self.io_timeout = io_timeout
        self.clock = clock
        self.opener = opener or self._open
        self._authorization = "Basic " + base64.b64encode(f":{bearer}".encode()).decode()

    def _open(self, timeout: float) -> socket.socket:
        sock = socket.create_connection((self.target.host, self.target.port), timeout=timeout)
        if self.target.scheme != "https":
            return sock
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            # A TLS stream cut without its close_notify is a cut, not the end of the output.
            return context.wrap_socket(sock, server_hostname=self.target.host, suppress_ragged_eofs=False)
        except BaseException:
            sock.close()
            raise

    def _trouble(self, doing: str, exc: BaseException) -> AttachError:
        """A transport failure as one line: the exception's kind, never its text (it may quote the URL)."""
        if isinstance(exc, ssl.SSLCertVerificationError):
            return AttachError(
                f"could not {doing}: the TLS certificate of {self.target.origin} could not be verified; fix the "
                "certificate chain, or set validate_certs=false for a test endpoint only"
            )
        if isinstance(exc, AttachError):
            return AttachError(f"could not {doing}: {self.target.origin} {exc.message}")
        return AttachError(f"could not {doing}: no answer from {self.target.origin} ({type(exc).__name__})")

    def _ask(self, method: str, suffix: str, body: Any = None, headers: dict | None = None) -> tuple[int, bytes]:
        """One request to the attach host; (status, the start of the body)."""
        connection = _Connection(self.opener, self.target, self.io_timeout)
        try:
            connection.putrequest(method, self.target.request_target(suffix), skip_host=True, skip_accept_encoding=True)
            sent = {"Host": self.target.host_header, "User-Agent": USER_AGENT, "Authorization": self._authorization}
            sent.update(headers or {})
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.read(MAX_ANSWER)
        finally:
            connection.close()

    def upload(self, path: str) -> None:
        """POST one local file to the attach URL's /files (it lands in /tmp/uploads/)."""
        name = os.path.basename(path)
        doing = f"upload file {name}"
        try:
            with open(path, "rb") as handle:
                content_type, chunks, length = multipart(name, os.fstat(handle.fileno()).st_size, handle)
                status = self._send_file(doing, content_type, chunks, length)
        except OSError as exc:  # _send_file raises AttachError only: this is the file's own trouble
            raise AttachError(f"could not {doing}: it can't be read ({type(exc).__name__})") from None
        if not 200 <= status < 300:
            raise AttachError(f"could not {doing}: {self.target.origin} refused it (HTTP {status})")

    def _send_file(self, doing: str, content_type: str, chunks: Iterator[bytes], length: int) -> int:
        try:
            status = self._ask("POST", "/files", chunks, {"Content-Type": content_type, "Content-Length": str(length)})[
                0
            ]
        except FileChanged as exc:
            raise AttachError(f"could not {doing}: {exc.message}") from None
        except (OSError, http.client.HTTPException, AttachError) as exc:
            raise self._trouble(doing, exc) from None
        return status

    def exit_code(self) -> tuple[int | None, bool]:
        """(exit code, False), or (None, True) when the platform stopped the command for inactivity (408)."""
        doing = "read the exit code"
        try:
            status, body = self._ask("GET", "/wait")
        except (OSError, http.client.HTTPException) as exc:
            raise self._trouble(doing, exc) from None
        if status == 408:
            return None, True
        if status != 200:
            raise AttachError(f"{self.target.origin} answered HTTP {status}")
        try:
            code = json.loads(body)["exit_code"]
        except (ValueError, TypeError, KeyError):
            code = None
        if not isinstance(code, int) or isinstance(code, bool):
            raise AttachError(f"{self.target.origin} answered without an exit code (HTTP {status})")
        return code, False

    def connect(self) -> Any:
        """The CONNECT handshake: a socket carrying the container's stream, and the bytes already read of it."""
        doing = "attach to the container"
        try:
            sock = self.opener(self.io_timeout)
        except OSError as exc:
            raise self._trouble(doing, exc) from None
        try:
            request = (
                f"CONNECT {self.target.request_target()} HTTP/1.1\r\nHost: {self.target.host_header}\r\n"
                f"User-Agent: {USER_AGENT}\r\nAuthorization: {self._authorization}\r\n\r\n"
            )
            sock.sendall(request.encode("ascii"))
            status, early = read_head(sock)
        except (OSError, AttachError) as exc:
            sock.close()
            raise self._trouble(doing, exc) from None
        if status != 200:
            sock.close()
            reason = {
                401: "refused the credentials",
                403: "refused the credentials",
                404: "does not know the container",
            }
            raise AttachError(
                f"could not {doing}: {self.target.origin} {reason.get(status, 'refused')} (HTTP {status})"
            )
        return sock, early

    def run(self, stdin: bytes, files: list[str], timeout: float, output_limit: int) -> Outcome:
        """Upload `files`, run the command with `stdin`, read its output and its exit code.

        `timeout` counts from the connection to the stream. Failures before the command runs raise
        AttachError; after, they are the Outcome's.
        """
        for path in files:
            self.upload(path)
        sock, early = self.connect()
        output = Output(output_limit)
        output.add(early)
        try:
            ending = pump(sock, stdin, output, self.clock() + timeout, self.clock)
        finally:
            sock.close()
        if ending in (STOPPED, ABANDONED):
            return Outcome(output, ending)
        try:
            code, inactive = self.exit_code()
        except AttachError as exc:
            return Outcome(output, ending, problem=exc.message)
        return Outcome(output, ending, code, inactive)
