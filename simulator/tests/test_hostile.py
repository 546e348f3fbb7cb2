"""Hostile answers: the trap listener, rewritten operation URLs, bodies cut off
after a write, any JSON body, a repeating cursor, repeated poll faults.

Socket-level behaviour is tested against a real werkzeug server on 127.0.0.1
(in this process, so the state can be looked at directly); the rest with the
Flask test client.
"""

import re
import socket
import time

import pytest
import requests
from sim_client import OPERATION_DURATION, served

from scalingo_sim import close_trap, create_app
from scalingo_sim.web import EXTENSION, TRAP_EXTENSION

BASIC = ("", "tk-us-simulator")
SCALE_WEB_2 = {"containers": [{"name": "web", "amount": 2}]}
OPERATION_PATH = re.compile(r"/v1/apps/[a-z-]+/operations/[0-9a-f]{24}")


class Live:
    """A real server and a requests session holding a bearer, like an API client."""

    def __init__(self, app, url):
        self.app, self.url = app, url
        self.session = requests.Session()
        self.bearer = self.session.post(f"{url}/v1/tokens/exchange", auth=BASIC, timeout=5).json()["token"]
        self.session.headers["Authorization"] = f"Bearer {self.bearer}"

    @property
    def state(self):
        return self.app.extensions[EXTENSION]

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    def admin(self, method, path, json=None):
        response = requests.request(method, f"{self.url}/_sim{path}", json=json, timeout=5)
        assert response.status_code < 400, response.text
        return response.json()

    def api(self, method, path, **kw):
        return self.session.request(method, f"{self.url}{path}", timeout=5, **kw)

    def log(self):
        return self.admin("GET", "/requests")["requests"]


@pytest.fixture
def live():
    app = create_app({"operation_duration": OPERATION_DURATION, "trap": True})
    with served(app) as url:
        yield Live(app, url)


@pytest.fixture
def deployed_live(live):
    live.admin("POST", "/apps", {"names": ["live-app"], "deploy": [{"name": "web", "amount": 1}]})
    return live


# ---------------------------------------------------------------- trap
def test_trap_answers_anything_with_a_finished_operation(live):
    trap = live.admin("GET", "/trap")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", trap["url"]) and trap["requests"] == []
    assert live.app.extensions[TRAP_EXTENSION]._server.server_address[0] == "127.0.0.1"
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = requests.request(method, f"{trap['url']}/any/where?x=1", json={"a": 1}, timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json() == {"operation": {"id": "trap", "status": "done", "type": "scale"}}
    recorded = live.admin("GET", "/trap")["requests"]
    assert recorded == [
        {"method": m, "path": "/any/where", "auth": "none"} for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
    ]
    assert [e["path"] for e in live.log()] == ["/v1/tokens/exchange"]  # the simulator's own log is apart


def test_trap_records_the_auth_scheme_never_the_value(live):
    url = live.admin("GET", "/trap")["url"]
    live.session.get(f"{url}/v1/apps/x/operations/abc?token=query-secret", timeout=5)
    requests.get(f"{url}/basic", auth=BASIC, timeout=5)
    requests.get(f"{url}/other", headers={"Authorization": "Token other-secret"}, timeout=5)
    requests.get(f"{url}/none", timeout=5)
    answer = requests.get(f"{live.url}/_sim/trap", timeout=5)
    assert answer.json()["requests"] == [
        {"method": "GET", "path": "/v1/apps/x/operations/abc", "auth": "bearer"},
        {"method": "GET", "path": "/basic", "auth": "basic"},
        {"method": "GET", "path": "/other", "auth": "other"},
        {"method": "GET", "path": "/none", "auth": "none"},
    ]
    for secret in (live.bearer, "tk-us-simulator", "query-secret", "other-secret"):
        assert secret not in answer.text and secret not in str(live.state.trap_log)


def test_trap_log_cleared_by_delete_and_reset(live):
    url = live.admin("GET", "/trap")["url"]
    requests.get(f"{url}/one", timeout=5)
    assert live.admin("DELETE", "/trap") == {"url": url, "requests": []}
    requests.get(f"{url}/two", timeout=5)
    assert len(live.admin("GET", "/trap")["requests"]) == 1
    live.admin("POST", "/reset")
    assert live.admin("GET", "/trap") == {"url": url, "requests": []}  # same listener after a reset


def test_trap_stops_with_its_app():
    app = create_app({"trap": True})
    url = app.test_client().get("/_sim/trap").get_json()["url"]
    assert requests.get(url, timeout=5).status_code == 200
    close_trap(app)
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert app.test_client().get("/_sim/trap").get_json()["url"] is None


def test_no_trap_unless_asked(client):
    assert client.get("/_sim/trap").get_json() == {"url": None, "requests": []}
    response = client.post("/_sim/faults", json={"path": "/v1/apps/*/scale", "location": "{trap}{path}"})
    assert response.status_code == 400 and "trap" in response.get_json()["error"]


# ----------------------------------------------------- rewritten operation URLs
def test_location_to_the_trap_after_the_write(deployed_live):
    live = deployed_live
    trap_url = live.admin("GET", "/trap")["url"]
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps/*/scale", "location": "{trap}{path}"})
    response = live.api("POST", "/v1/apps/live-app/scale", json=SCALE_WEB_2)
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(trap_url) and OPERATION_PATH.fullmatch(location[len(trap_url) :])
    assert live.api("GET", "/v1/apps/live-app/containers").json()["containers"][0]["amount"] == 2  # write applied
    # A client that follows it with its session credentials shows up at the trap with a bearer.
    assert live.session.get(location, timeout=5).json()["operation"]["status"] == "done"
    assert live.admin("GET", "/trap")["requests"] == [
        {"method": "GET", "path": location[len(trap_url) :], "auth": "bearer"}
    ]
    # The fault was used once: the next scale points home again.
    time.sleep(OPERATION_DURATION + 0.05)
    response = live.api("POST", "/v1/apps/live-app/scale", json={"containers": [{"name": "web", "amount": 3}]})
    assert response.status_code == 202 and response.headers["Location"].startswith(f"{live.url}/v1/apps/live-app/")


def test_location_rewrites_run_operation_url(deployed_live):
    live = deployed_live
    trap_url = live.admin("GET", "/trap")["url"]
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps/live-app/run", "location": "{trap}{path}"})
    body = live.api("POST", "/v1/apps/live-app/run", json={"command": "ls"}).json()
    assert body["operation_url"] == f"{trap_url}/v1/apps/live-app/operations/{body['operation']}"
    assert body["attach_url"].startswith(live.url)  # only operation URLs move
    assert body["operation"] in live.state.operations


@pytest.mark.parametrize(
    "template, expected",
    [
        ("https://127.0.0.1:{port}{path}", "https://127.0.0.1:{port}{path}"),
        ("{path}", "{path}"),
        ("http://localhost:{port}{path}", "http://localhost:{port}{path}"),
    ],
)
def test_location_scheme_relative_and_host_alias(deployed_live, template, expected):
    live = deployed_live
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps/*/restart", "location": template})
    response = live.api("POST", "/v1/apps/live-app/restart")
    assert response.status_code == 202
    location = response.headers["Location"]
    path = OPERATION_PATH.search(location).group(0)
    assert location == expected.format(port=live.port, path=path)
    if location.startswith("http://localhost"):
        assert live.session.get(location, timeout=5).json()["operation"]["type"] == "restart"


def test_location_validation(client):
    for bad in ("", 5, "{trap}{nope}", "{ path }"):
        response = client.post("/_sim/faults", json={"path": "/x", "location": bad})
        assert response.status_code == 400, bad
    assert client.post("/_sim/faults", json={"path": "/x", "location": "{path}", "status": 500}).status_code == 400
    assert client.post("/_sim/faults", json={"path": "/x", "location": "{path}"}).status_code == 201


def test_location_without_an_operation_url_changes_nothing(sim):
    sim.admin("/faults", {"method": "POST", "path": "/v1/apps/*/scale", "location": "{path}"})
    sim.create_app("never-deployed")
    response = sim.post("/v1/apps/never-deployed/scale", json=SCALE_WEB_2)
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.get_json()["containers"][0]["amount"] == 2


# ------------------------------------------------ body cut off after a write
def test_truncate_after_write_breaks_the_read_after_the_write(live):
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps", "truncate_after_write": True})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        live.api("POST", "/v1/apps", json={"app": {"name": "cut-off-app"}})
    assert live.api("GET", "/v1/apps/cut-off-app").status_code == 200
    assert live.state.find_app("cut-off-app") is not None
    entry = [e for e in live.log() if e["path"] == "/v1/apps" and e["method"] == "POST"][-1]
    assert (entry["status"], entry["truncated"]) == (201, True)
    assert live.api("GET", "/v1/apps").status_code == 200  # the session keeps working
    assert "truncated" not in live.log()[-1]


def test_truncate_announces_more_than_it_sends(live):
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps", "truncate_after_write": True})
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        body = b'{"app":{"name":"raw-cut-app"}}'
        sock.sendall(
            b"POST /v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + live.bearer.encode() + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, sent = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 Created\r\n")
    announced = int(re.search(rb"\r\nContent-Length: (\d+)", head).group(1))
    assert 0 < len(sent) < announced


def test_truncate_an_empty_body(deployed_live):
    live = deployed_live
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps/*/restart", "truncate_after_write": True})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        live.api("POST", "/v1/apps/live-app/restart")
    assert live.api("GET", "/v1/apps/live-app").json()["app"]["status"] == "restarting"


def test_truncate_in_the_test_client(sim):
    sim.admin("/faults", {"method": "POST", "path": "/v1/apps", "truncate_after_write": True})
    response = sim.post("/v1/apps", json={"app": {"name": "half-sent"}})
    assert len(response.get_data()) < int(response.headers["Content-Length"])
    assert sim.get("/v1/apps/half-sent").status_code == 200


# ------------------------------------------------------- any JSON body
@pytest.mark.parametrize("value", [None, 0, 3.5, "text", [], [1, "a"], {}, {"operation": None}, True])
def test_status_fault_with_any_json_value(sim, value):
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps", "status": 200, "json": value})
    listed = sim.admin("/faults", method="GET")["faults"]
    assert "json" in listed[0] and listed[0]["json"] == value
    response = sim.get("/v1/apps")
    assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == value
    if value is None:
        assert response.get_data() == b"null"


def test_json_null_with_an_error_status_and_headers(sim):
    sim.admin(
        "/faults",
        {"method": "POST", "path": "/v1/apps/*/scale", "status": 500, "json": None, "headers": {"X-Fault": "1"}},
    )
    response = sim.post("/v1/apps/whatever/scale", json=SCALE_WEB_2)
    assert (response.status_code, response.get_data(), response.headers["X-Fault"]) == (500, b"null", "1")


def test_body_null_still_means_no_body(sim):
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps", "status": 503, "body": None})
    assert sim.get("/v1/apps").content_type.startswith("text/html")


def test_json_validation(client):
    both = {"path": "/x", "status": 500, "body": "a", "json": None}
    assert client.post("/_sim/faults", json=both).status_code == 400
    assert client.post("/_sim/faults", json={"path": "/x", "delay": 1, "json": None}).status_code == 400
    assert client.post("/_sim/faults", json={"path": "/x", "json": None}).status_code == 400


# --------------------------------------------------- a repeating cursor
def test_repeat_cursor_never_ends(sim, deployed):
    sim.admin("/apps/deployed-app/logs_archives", {"count": 25})
    assert sim.admin("/config", {"repeat_cursor": True})["repeat_cursor"] is True
    cursor, seen = "", set()
    for _ in range(6):
        page = sim.get(f"/v1/apps/deployed-app/logs_archives?cursor={cursor}").get_json()
        assert page["has_more"] is True and page["archives"]
        seen.add(page["next_cursor"])
        cursor = page["next_cursor"]
    assert len(seen) == 1
    for asked in ("20", "999", "junk"):
        page = sim.get(f"/v1/apps/deployed-app/logs_archives?cursor={asked}").get_json()
        assert (page["has_more"], page["next_cursor"]) == (True, cursor)
    sim.admin("/reset")
    assert sim.admin("/config", method="GET")["repeat_cursor"] is False


def test_repeat_cursor_off_ends_and_validates(client, sim, deployed):
    sim.admin("/apps/deployed-app/logs_archives", {"count": 15})
    sim.admin("/config", {"repeat_cursor": True})
    sim.admin("/config", {"repeat_cursor": False})
    last = sim.get("/v1/apps/deployed-app/logs_archives?cursor=10").get_json()
    assert (last["has_more"], last["next_cursor"], len(last["archives"])) == (False, "", 5)
    assert sim.get("/v1/apps/deployed-app/logs_archives?cursor=junk").status_code == 400
    for bad in ("yes", 1, None):
        assert client.post("/_sim/config", json={"repeat_cursor": bad}).status_code == 400


# ------------------------------------------- slow and failing operation polls
def start_restart(sim):
    location = sim.post("/v1/apps/deployed-app/restart").headers["Location"]
    return location.replace("http://localhost", "")


def test_poll_faults_with_a_count_slow(sim, deployed):
    path = start_restart(sim)
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps/*/operations/*", "count": 2, "delay": 0.15})
    timings = []
    for _ in range(3):
        started = time.monotonic()
        assert sim.get(path).status_code == 200
        timings.append(time.monotonic() - started)
    assert timings[0] >= 0.15 and timings[1] >= 0.15 and timings[2] < 0.15
    assert sim.admin("/faults", method="GET") == {"faults": []}


def test_poll_faults_with_a_count_failing(sim, deployed):
    path = start_restart(sim)
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps/*/operations/*", "count": 3, "status": 503})
    assert sim.admin("/faults", method="GET")["faults"][0]["count"] == 3
    assert sim.get("/v1/apps/deployed-app").status_code == 200  # other paths pass through
    statuses = [sim.get(path).status_code for _ in range(4)]
    assert statuses == [503, 503, 503, 200]
    log = [e for e in sim.admin("/requests", method="GET")["requests"] if "/operations/" in e["path"]]
    assert [e["status"] for e in log] == [503, 503, 503, 200]


def test_poll_faults_on_a_real_server(deployed_live):
    live = deployed_live
    location = live.api("POST", "/v1/apps/live-app/restart").headers["Location"]
    live.admin("POST", "/faults", {"method": "GET", "path": "/v1/apps/*/operations/*", "count": 2, "status": 503})
    live.admin("POST", "/faults", {"method": "GET", "path": "/v1/apps/*/operations/*", "count": 1, "delay": 0.15})
    started = time.monotonic()
    statuses = [live.session.get(location, timeout=5).status_code for _ in range(3)]
    assert statuses == [503, 503, 200] and time.monotonic() - started >= 0.15


# ------------------------------------------ a write slower than the client waits
def test_a_delayed_write_applies_after_the_delay_even_when_the_client_gave_up(live):
    """`delay` is the slow apply: nothing is stored during the delay, the write then applies (once), and its
    answer is sent then, to a client that stopped waiting for it."""
    live.admin("POST", "/faults", {"method": "POST", "path": "/v1/apps", "delay": 1.0, "fresh": True})
    with pytest.raises(requests.exceptions.ReadTimeout):
        live.session.post(f"{live.url}/v1/apps", json={"app": {"name": "slow-app"}}, timeout=0.2)
    for _ in range(100):  # the delayed request ends on its own; the log has it once it answered
        if any(e["method"] == "POST" for e in live.log()):
            break
        time.sleep(0.1)
    posts = [e for e in live.log() if e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in posts] == [("/v1/apps", 201)]
    apps = [app for app in live.state.apps.values() if app.name == "slow-app"]
    assert len(apps) == 1
    # Stored only once the delay was over: a read during the delay could not see it.
    assert apps[0].created_at >= posts[0]["time"] + 1.0
    assert live.api("GET", "/v1/apps/slow-app").status_code == 200
