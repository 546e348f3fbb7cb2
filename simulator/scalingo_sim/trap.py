"""The trap listener: a second plain-HTTP server on 127.0.0.1 that stands for
"somewhere else". Location faults can point clients at it; it answers anything
with a finished operation and records who came, with which kind of credentials.

It records the Authorization scheme only, never its value, and the path
without its query string (a query may carry a token too).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .responses import JSON_TYPE

TRAP_HOST = "127.0.0.1"
ANSWER = json.dumps({"operation": {"id": "trap", "status": "done", "type": "scale"}}).encode()
MAX_DRAINED = 1 << 20
POLL_INTERVAL = 0.05  # how soon close() is noticed


def auth_scheme(header: str) -> str:
    """bearer, basic, none, or other (a scheme we do not name); never the credentials."""
    if not header.strip():
        return "none"
    scheme = header.strip().partition(" ")[0].lower()
    return scheme if scheme in ("bearer", "basic") else "other"


class TrapHandler(BaseHTTPRequestHandler):
    server_version = "trap"
    sys_version = ""

    def __getattr__(self, name):
        # BaseHTTPRequestHandler dispatches to do_<METHOD>: answer every method alike.
        if name.startswith("do_"):
            return self.answer
        raise AttributeError(name)

    def answer(self):
        self.server.record(
            {
                "method": self.command,
                "path": urlsplit(self.path).path,
                "auth": auth_scheme(self.headers.get("Authorization", "")),
            }
        )
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if 0 < length <= MAX_DRAINED:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(ANSWER)

    def log_message(self, format, *args):  # no access log
        pass


class TrapServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, record):
        self.record = record
        super().__init__((TRAP_HOST, 0), TrapHandler)

    def handle_error(self, request, client_address):  # a client hanging up is not our business
        pass


class Trap:
    """The listener, serving from a daemon thread until close()."""

    def __init__(self, record):
        self._server = TrapServer(record)
        self.url = f"http://{TRAP_HOST}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="scalingo-sim-trap",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
