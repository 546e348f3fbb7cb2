"""Test helpers: the Flask test client speaking as one API user, and the simulator on a real server."""

import base64
import contextlib
import threading
from collections.abc import Iterator

import requests
from werkzeug.serving import make_server

from scalingo_sim import close_trap, create_app
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


# -- a real server ----------------------------------------------------------------------------------

BASIC = ("", "tk-us-simulator")


@contextlib.contextmanager
def serving(config):
    """The simulator (with `config`) on a real server on 127.0.0.1, in this process: (app, url)."""
    app = create_app({"operation_duration": OPERATION_DURATION, **config})
    with served(app) as url:
        yield app, url


class Live:
    """A real server and a requests session holding a bearer, like an API client."""

    def __init__(self, app, url):
        self.app, self.url = app, url
        self.session = requests.Session()
        self.bearer = self.session.post(f"{url}/v1/tokens/exchange", auth=BASIC, timeout=5).json()["token"]
        self.session.headers["Authorization"] = f"Bearer {self.bearer}"

    def admin(self, method, path, json=None):
        response = requests.request(method, f"{self.url}/_sim{path}", json=json, timeout=5)
        assert response.status_code < 400, response.text
        return response.json()

    def api(self, method, path, **kw):
        return self.session.request(method, f"{self.url}{path}", timeout=5, **kw)

    def log(self):
        return self.admin("GET", "/requests")["requests"]
