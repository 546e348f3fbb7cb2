"""The trap listener: a second plain-HTTP server on 127.0.0.1 that stands for
"somewhere else". Location faults can point clients at it; it answers anything
with a finished operation and records who came, with which kind of credentials.

It records the Authorization scheme only, never its value, and the path
without its query string (a query may carry a token too).
"""

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from .listener import Listener
from .responses import JSON_TYPE

ANSWER = json.dumps({"operation": {"id": "trap", "status": "done", "type": "scale"}}).encode()
MAX_DRAINED = 1 << 20


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


class Trap(Listener):
    """The trap, serving from a daemon thread until close()."""

    def __init__(self, record):
        super().__init__(TrapHandler, "scalingo-sim-trap", record=record)
