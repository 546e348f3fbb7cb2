"""Test helpers: the Flask test client speaking as one API user; a simulator served on a real port."""

import base64
import contextlib
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server

from scalingo_sim import close_trap
from scalingo_sim.cli import QuietHandler

OPERATION_DURATION = 0.2


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """The simulator app served on a free loopback port, for clients that need real sockets: its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        close_trap(app)


class Sim:
    """Flask test client speaking to the simulator as one API user."""

    def __init__(self, client, api_token="tk-us-simulator"):
        self.client = client
        self.bearer = self.exchange(api_token).get_json()["token"]

    def exchange(self, api_token):
        basic = base64.b64encode(f":{api_token}".encode()).decode()
        return self.client.post("/v1/tokens/exchange", headers={"Authorization": f"Basic {basic}"})

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.bearer}", **(headers or {})}

    def get(self, path, **kw):
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, path, json=None, **kw):
        return self.client.put(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)

    # admin shortcuts
    def admin(self, path, json=None, method="POST"):
        response = self.client.open(f"/_sim{path}", method=method, json=json)
        assert response.status_code < 400, response.get_data(as_text=True)
        return response.get_json()

    def create_app(self, name, **fields):
        response = self.post("/v1/apps", json={"app": {"name": name, **fields}})
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["app"]

    def deploy(self, name, containers=None):
        body = {"containers": containers} if containers is not None else {}
        return self.admin(f"/apps/{name}/deploy", body)["app"]
