"""A second HTTP origin on loopback, served from a daemon thread: the trap listener (a host credentials must never
reach) and the attach listener (a one-off's attach host) are both one of these."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
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
        self.serve(LoopbackServer(handler, **attributes), name, poll_interval=POLL_INTERVAL)

    def serve(self, server: HTTPServer, name: str, **options: Any) -> None:
        """Serve `server` (bound to a loopback port) from a daemon thread; `options` go to its serve_forever."""
        self._server = server
        self.url = f"http://{HOST}:{server.server_port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs=options, name=name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
