"""A second HTTP origin on loopback, served from a daemon thread: the trap listener (a host credentials must never
reach) and the attach listener (a one-off's attach host) are both one of these."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
POLL_INTERVAL = 0.05  # how soon close() is noticed


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], **attributes: Any) -> None:
        # What the handler reads as self.server.<name> (the simulator's state, a recorder...).
        for name, value in attributes.items():
            setattr(self, name, value)
        super().__init__((HOST, 0), handler)

    def handle_error(self, request, client_address):  # a client hanging up is not our business
        pass


class Listener:
    """A LoopbackServer on a free port, serving from a daemon thread until close()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str, **attributes: Any) -> None:
        self._server = LoopbackServer(handler, **attributes)
        self.url = f"http://{HOST}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, name=name, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
