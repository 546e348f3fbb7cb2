"""The attach listener: attached one-off containers, on their own loopback port.

As on Scalingo, an attached one-off's operation names an attach URL on another origin than the
API's: here `http://127.0.0.1:<attach port>/<token>`, the token (`s3cr3t-attach-<hex>`) being the
secret part. The listener speaks the protocol of Scalingo's run servers:

- `POST /<token>/files`: one multipart file (field `file`), kept as /tmp/uploads/<name>;
- `CONNECT /<token>`: 200, then the raw stream: the client's bytes are stdin until Ctrl-D (0x04),
  Ctrl-C (0x03) interrupts; the command's output comes back, and the end of the stream is its end;
- `GET /<token>/wait`: `{"exit_code": N}` once the command ended, 408 when it was ended for inactivity;
- `PUT /<token>`: a terminal size, accepted and ignored.

Every request needs `Authorization: Basic base64(":" + bearer)` with a bearer of a user who sees the
app. The command is a tiny language (see COMMANDS and simulator/README.md), so that tests and the
demo can script outputs, exit codes and faults. What happened is kept in the state's attach runs
(`GET /_sim/runs`), the token never shown.
"""

import base64
import contextlib
import email.parser
import email.policy
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from . import bearer
from .listener import Listener

POLL_INTERVAL = 0.05
MAX_UPLOAD = 100 * 1024 * 1024
MAX_SECONDS = 600.0  # no sleep, idle or hang lasts longer
WAIT_CAP = 120.0  # seconds /wait blocks for a command still running
CUT_DELAY = 0.3  # seconds between the last output and a cut, for the client to have read it
MIGRATION = (
    "== 20240101000000 CreateOrders: migrating ==\r\n"
    "-- create_table(:orders)\r\n"
    "   -> 0.0021s\r\n"
    "-- add_index(:orders, :customer_id)\r\n"
    "   -> 0.0008s\r\n"
    "== 20240101000000 CreateOrders: migrated (0.0031s) ==\r\n"
    "Migrations: 1 applied, the database is up to date\r\n"
)


def auth_scheme(header: str) -> str:
    scheme = header.strip().partition(" ")[0].lower()
    return "none" if not scheme else scheme if scheme in ("basic", "bearer") else "other"


class Stream:
    """The container's side of one CONNECT: stdin read in a thread, output written to the socket."""

    def __init__(self, handler, run):
        self.handler = handler
        self.sock = handler.connection
        self.run = run
        self.stdin = bytearray()
        self.eot = threading.Event()
        self.ctrl_c = threading.Event()
        self.gone = threading.Event()  # the client closed its side
        self.cut = False
        self.reader = threading.Thread(target=self.read, name="scalingo-sim-attach-stdin", daemon=True)
        self.reader.start()

    def read(self):
        try:
            while True:
                chunk = self.handler.rfile.read1(65536)
                if not chunk:
                    break
                for byte in chunk:
                    if byte == 3:
                        self.run.ctrl_c = True
                        self.ctrl_c.set()
                    elif self.eot.is_set():
                        continue
                    elif byte == 4:
                        self.run.eot = True
                        self.eot.set()
                    else:
                        self.stdin.append(byte)
                        self.run.stdin_bytes += 1
        except (OSError, ValueError):
            pass
        self.gone.set()

    def out(self, text):
        if self.cut:
            return
        data = text.encode() if isinstance(text, str) else bytes(text)
        with contextlib.suppress(OSError):
            self.sock.sendall(data)

    def cut_now(self):
        """Reset the connection (RST): the client sees the stream break, not end."""
        time.sleep(CUT_DELAY)
        self.cut = self.run.cut = True
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.shutdown(socket.SHUT_RD)
        self.reader.join(timeout=5)
        self.handler.rfile.close()
        self.handler.wfile.close()
        self.sock.close()

    def end(self):
        """The end of the stream (EOF); wait for the client to close its side, then close."""
        if self.cut:
            return
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.gone.wait(5)

    def pause(self, seconds, interruptible=True):
        """Wait; True if Ctrl-C came first (when interruptible)."""
        deadline = time.monotonic() + min(seconds, MAX_SECONDS)
        while time.monotonic() < deadline:
            if interruptible and self.ctrl_c.is_set():
                return True
            if self.gone.is_set() and not self.cut:
                return False
            time.sleep(min(POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
        return interruptible and self.ctrl_c.is_set()


def number(text, default=0.0):
    try:
        return float(text)
    except ValueError:
        return default


def execute(stream, run, uploads):
    """Run the command's parts (`;`-separated) on `stream`: ("exit", code), ("hang", None) or ("idle", seconds)."""
    code = 0
    for part in run.command.split(";"):
        name, _, arg = part.strip().partition(" ")
        arg = arg.strip()
        if not name:
            continue
        if name == "exit":
            return "exit", int(arg) if arg.lstrip("-").isdigit() else code
        if name == "hang":
            return "hang", None
        if name == "idle":
            return "idle", number(arg)
        code = COMMANDS.get(name, not_found)(stream, run, uploads, arg, name)
        if code == 130:  # interrupted: the rest does not run
            break
    return "exit", code


def echo(stream, run, uploads, arg, name):
    stream.out(f"{arg}\r\n")
    return 0


def red(stream, run, uploads, arg, name):
    stream.out(f"\x1b[31m{arg}\x1b[0m\r\n")
    return 0


def sleep(stream, run, uploads, arg, name):
    if stream.pause(number(arg)):
        stream.out("^C\r\n")
        return 130
    return 0


def cat(stream, run, uploads, arg, name):
    if arg:
        upload = uploads.get(arg.removeprefix("/tmp/uploads/")) if arg.startswith("/tmp/uploads/") else None
        if upload is None:
            stream.out(f"cat: {arg}: No such file or directory\r\n")
            return 1
        stream.out(upload)
        return 0
    while not stream.eot.wait(POLL_INTERVAL):
        if stream.ctrl_c.is_set():
            stream.out("^C\r\n")
            return 130
        if stream.gone.is_set():
            break
    stream.out(bytes(stream.stdin))
    return 0


def env(stream, run, uploads, arg, name):
    stream.out(f"{run.env.get(arg, '')}\r\n")
    return 0


def ls(stream, run, uploads, arg, name):
    if arg.rstrip("/") != "/tmp/uploads":
        stream.out(f"ls: cannot access '{arg}': No such file or directory\r\n")
        return 2
    stream.out("".join(f"{upload}\r\n" for upload in sorted(uploads)))
    return 0


def migrate(stream, run, uploads, arg, name):
    stream.out(MIGRATION)
    return 0


def seq(stream, run, uploads, arg, name):
    stream.out("".join(f"{n}\r\n" for n in range(1, int(number(arg)) + 1)))
    return 0


def cut(stream, run, uploads, arg, name):
    stream.cut_now()
    return 0


def not_found(stream, run, uploads, arg, name):
    stream.out(f"sim: {name}: command not found\r\n")
    return 127


COMMANDS = {
    "echo": echo,
    "red": red,
    "true": lambda *args: 0,
    "false": lambda *args: 1,
    "sleep": sleep,
    "cat": cat,
    "env": env,
    "ls": ls,
    "migrate": migrate,
    "seq": seq,
    "cut": cut,
}


class AttachHandler(BaseHTTPRequestHandler):
    server_version = "scalingo-sim-attach"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # no access log
        pass

    # -- requests ------------------------------------------------------------------
    def find_run(self, suffix):
        """The run of the request's token and whether the path is /<token><suffix>; answers errors itself."""
        state = self.server.state
        token, slash, rest = urlsplit(self.path).path.lstrip("/").partition("/")
        rest = slash + rest
        with state.lock:
            run = state.attach_runs.get(token)
        if run is None:
            self.answer(404, {"error": "not found"}, None)
            return None
        self.logged = {"method": self.command, "path": "/{token}" + rest, "auth": auth_scheme(self.auth_header())}
        if rest != suffix:
            self.answer(404, {"error": "not found"}, run)
            return None
        if not self.authorized(run):
            self.answer(401, {"error": "invalid credentials"}, run)
            return None
        return run

    def auth_header(self):
        return self.headers.get("Authorization", "")

    def authorized(self, run):
        scheme, _, value = self.auth_header().strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, token = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeError):
            return False
        state = self.server.state
        payload = bearer.verify(state.secret, token)
        if user or payload is None or not state.bearer_usable(str(payload.get("rnd", ""))):
            return False
        with state.lock:
            user = state.users.get(payload.get("uuid"))
            app = state.find_app(run.app_name)
            return user is not None and app is not None and state.can_see(user, app)

    def record(self, run, status):
        if run is not None and getattr(self, "logged", None):
            with self.server.state.lock:
                run.requests.append(dict(self.logged, status=status))

    def answer(self, status, body, run):
        self.record(run, status)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def drain(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if 0 < length <= MAX_UPLOAD + 65536 else b""

    def do_GET(self):
        run = self.find_run("/wait")
        if run is None:
            return
        run.ended.wait(WAIT_CAP)
        if run.state == "inactive":
            self.answer(408, {"error": "timeout"}, run)
        elif run.state == "exited":
            self.answer(200, {"exit_code": run.exit_code}, run)
        else:
            self.answer(409, {"error": f"the command is {run.state}"}, run)

    def do_PUT(self):
        run = self.find_run("")
        if run is not None:
            self.drain()
            self.answer(200, {}, run)

    def do_POST(self):
        run = self.find_run("/files")
        if run is None:
            return
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        if length < 0:
            self.answer(411, {"error": "length required"}, run)
            return
        if length > MAX_UPLOAD + 65536:
            self.answer(413, {"error": "file too large"}, run)
            return
        body = self.rfile.read(length)
        if run.state != "waiting":
            self.answer(409, {"error": "the command has started"}, run)
            return
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode() + body
        )
        files = [
            part
            for part in (message.iter_parts() if message.is_multipart() else [])
            if part.get_param("name", header="content-disposition") == "file" and part.get_filename()
        ]
        if len(files) != 1:
            self.answer(400, {"error": "give one file in the field 'file'"}, run)
            return
        with self.server.state.lock:
            run.uploads[os.path.basename(files[0].get_filename())] = files[0].get_payload(decode=True) or b""
        self.answer(200, {}, run)

    def do_CONNECT(self):
        run = self.find_run("")
        if run is None:
            return
        with self.server.state.lock:
            attached = run.state != "waiting"
            run.connects += 1
            if not attached:
                run.state = "running"
        if attached:
            self.answer(409, {"error": "already attached"}, run)
            return
        self.record(run, 200)
        self.send_response(200)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        stream = Stream(self, run)
        with self.server.state.lock:
            uploads = dict(run.uploads)
        ending, value = execute(stream, run, uploads)
        if ending == "hang":  # nothing more, Ctrl-C ignored, until the client leaves
            stream.gone.wait(MAX_SECONDS)
            self.finish_run(run, "abandoned", None)
            return
        if ending == "idle":  # the platform ends a stream without input or output, and /wait says 408
            stream.pause(value, interruptible=False)
            self.finish_run(run, "inactive", None)
        else:
            self.finish_run(run, "exited", value)
        stream.end()

    def finish_run(self, run, state, code):
        with self.server.state.lock:
            run.state, run.exit_code = state, code
        run.ended.set()

    def finish(self):
        with contextlib.suppress(OSError, ValueError):
            super().finish()


class AttachListener(Listener):
    """The attach host, serving from a daemon thread until close()."""

    def __init__(self, state):
        super().__init__(AttachHandler, "scalingo-sim-attach", state=state)
