"""The attach listener: attached one-offs over real sockets (CONNECT, /files, /wait), their command
language and faults, the host it is reached on, and what /_sim/runs shows."""

import base64
import json
import socket
import time

import pytest
import requests
from sim_client import OPERATION_DURATION, served

from scalingo_sim import create_app

BASIC = ("", "tk-us-simulator")


class Live:
    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.bearer = self.session.post(f"{url}/v1/tokens/exchange", auth=BASIC, timeout=5).json()["token"]
        self.session.headers["Authorization"] = f"Bearer {self.bearer}"

    def admin(self, method, path, json=None):
        response = requests.request(method, f"{self.url}/_sim{path}", json=json, timeout=5)
        assert response.status_code < 400, response.text
        return response.json()

    def start(self, command, env=None, detached=False):
        """POST /run, then the finished operation: (run answer, attach URL from the operation)."""
        body = {"command": command, "env": env or {}, "detached": detached}
        answer = self.session.post(f"{self.url}/v1/apps/attach-app/run", json=body, timeout=5).json()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            operation = self.session.get(answer["operation_url"], timeout=5).json()["operation"]
            if operation["status"] == "done":
                return answer, operation["start_one_off_data"].get("attach_url")
            time.sleep(0.05)
        raise AssertionError("the one-off did not start")

    def basic(self, secret=None):
        return "Basic " + base64.b64encode(f":{secret or self.bearer}".encode()).decode()


@pytest.fixture
def live():
    with served(create_app({"operation_duration": OPERATION_DURATION, "attach": True})) as url:
        live = Live(url)
        live.admin("POST", "/apps", {"names": ["attach-app"], "deploy": [{"name": "web", "amount": 1}]})
        yield live


def attach(url, authorization, stdin=b"", then=b"", wait_before=0.0):
    """CONNECT to an attach URL, send stdin and Ctrl-D, read to the end: (status line, output, how it ended)."""
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"CONNECT /{path} HTTP/1.1\r\nHost: {host_port}\r\nAuthorization: {authorization}\r\n\r\n".encode()
        )
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return data.decode(), "", "closed"
            data += chunk
        head, _, output = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode()
        if not status.startswith("HTTP/1.1 200"):
            return status, "", "refused"
        sock.sendall(stdin + b"\x04")
        if wait_before:
            time.sleep(wait_before)
        sock.sendall(then)
        try:
            while chunk := sock.recv(4096):
                output += chunk
        except ConnectionResetError:
            return status, output.decode(), "cut"
        return status, output.decode(), "eof"


def wait(url, authorization):
    return requests.get(f"{url}/wait", headers={"Authorization": authorization}, timeout=10)


def upload(url, authorization, name, content):
    return requests.post(
        f"{url}/files", files={"file": (name, content)}, headers={"Authorization": authorization}, timeout=10
    )


def run_of(live, container_id):
    return next(run for run in live.admin("GET", "/runs")["runs"] if run["container_id"] == container_id)


def test_an_attached_one_off_is_reached_on_another_port_with_a_secret_path(live):
    answer, url = live.start("echo hi")
    listener = live.admin("GET", "/runs")["url"]
    assert listener.startswith("http://127.0.0.1:") and listener != live.url
    assert url.startswith(f"{listener}/s3cr3t-attach-") and answer["attach_url"] == url
    _, detached = live.start("echo hi", detached=True)
    assert detached is None  # a detached one-off has no attach URL


@pytest.mark.parametrize(
    "command, stdin, output, code",
    [
        ("echo hello world; echo second", b"", "hello world\r\nsecond\r\n", 0),
        ("echo one; exit 3; echo never", b"", "one\r\n", 3),
        ("red boom", b"", "\x1b[31mboom\x1b[0m\r\n", 0),
        ("cat", b"SELECT 1;\nSELECT 2;\n", "SELECT 1;\nSELECT 2;\n", 0),
        ("env GREETING; env MISSING", b"", "bonjour\r\n\r\n", 0),
        ("false; true", b"", "", 0),
        ("true; false", b"", "", 1),
        ("seq 3", b"", "1\r\n2\r\n3\r\n", 0),
        ("nope --flag", b"", "sim: nope: command not found\r\n", 127),
        ("ls /etc", b"", "ls: cannot access '/etc': No such file or directory\r\n", 2),
        (" ; echo spaced ;; ", b"", "spaced\r\n", 0),
    ],
)
def test_the_command_language(live, command, stdin, output, code):
    answer, url = live.start(command, env={"GREETING": "bonjour"})
    assert attach(url, live.basic(), stdin) == ("HTTP/1.1 200 OK", output, "eof")
    assert wait(url, live.basic()).json() == {"exit_code": code}
    run = run_of(live, answer["container"]["id"])
    assert (run["state"], run["exit_code"], run["eot"], run["stdin_bytes"]) == ("exited", code, True, len(stdin))


def test_migrate_prints_a_few_lines_and_succeeds(live):
    _, url = live.start("migrate")
    _, output, _ = attach(url, live.basic())
    assert "CreateOrders: migrated" in output and output.count("\r\n") >= 5
    assert wait(url, live.basic()).json() == {"exit_code": 0}


def test_files_uploaded_before_the_command_are_in_tmp_uploads(live):
    answer, url = live.start("ls /tmp/uploads; cat /tmp/uploads/fix.sql; cat /tmp/uploads/none")
    assert upload(url, live.basic(), "fix.sql", b"UPDATE t SET x = 1;\n").status_code == 200
    assert upload(url, live.basic(), "data.csv", b"a,b\n").status_code == 200
    _, output, _ = attach(url, live.basic())
    assert output == (
        "data.csv\r\nfix.sql\r\nUPDATE t SET x = 1;\ncat: /tmp/uploads/none: No such file or directory\r\n"
    )
    assert wait(url, live.basic()).json() == {"exit_code": 1}
    run = run_of(live, answer["container"]["id"])
    assert run["uploads"] == [{"name": "fix.sql", "size": 20}, {"name": "data.csv", "size": 4}]
    assert [(r["method"], r["path"], r["status"]) for r in run["requests"]] == [
        ("POST", "/{token}/files", 200),
        ("POST", "/{token}/files", 200),
        ("CONNECT", "/{token}", 200),
        ("GET", "/{token}/wait", 200),
    ]
    assert "s3cr3t" not in json.dumps(run)
    # Once the command has started, uploads are refused.
    assert upload(url, live.basic(), "late.sql", b"x").status_code == 409


def test_ctrl_c_interrupts_a_sleep(live):
    answer, url = live.start("echo started; sleep 30; echo never")
    _, output, ending = attach(url, live.basic(), then=b"\x03", wait_before=0.2)
    assert (output, ending) == ("started\r\n^C\r\n", "eof")
    assert wait(url, live.basic()).json() == {"exit_code": 130}
    assert run_of(live, answer["container"]["id"])["ctrl_c"] is True


def test_a_cut_resets_the_stream_and_the_command_goes_on(live):
    answer, url = live.start("echo before; cut; echo after; exit 4")
    _, _, ending = attach(url, live.basic())
    assert ending == "cut"
    assert wait(url, live.basic()).json() == {"exit_code": 4}
    assert run_of(live, answer["container"]["id"])["cut"] is True


def test_idle_ends_the_stream_and_wait_answers_408(live):
    answer, url = live.start("echo quiet; idle 0.2")
    assert attach(url, live.basic())[1:] == ("quiet\r\n", "eof")
    assert wait(url, live.basic()).status_code == 408
    assert run_of(live, answer["container"]["id"])["state"] == "inactive"


def test_hang_ignores_ctrl_c_until_the_client_leaves(live):
    answer, url = live.start("echo x; hang")
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"CONNECT /{path} HTTP/1.1\r\nAuthorization: {live.basic()}\r\n\r\n".encode() + b"\x04\x03")
        received = b""
        while not received.endswith(b"\r\n\r\nx\r\n"):
            received += sock.recv(4096)
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):  # and nothing more, Ctrl-C or not
            sock.recv(4096)
    deadline = time.monotonic() + 5
    while run_of(live, answer["container"]["id"])["state"] != "abandoned":
        assert time.monotonic() < deadline, "the run was not abandoned when the client left"
        time.sleep(0.05)
    assert run_of(live, answer["container"]["id"])["ctrl_c"] is True


@pytest.mark.parametrize(
    "who",
    ["nobody", "api token", "bearer as a user name", "bearer header", "other user"],
)
def test_only_the_bearer_of_a_user_who_sees_the_app_is_accepted(live, who):
    answer, url = live.start("echo secret output")
    if who == "other user":
        live.admin("POST", "/users", {"email": "eve@example.com", "username": "eve", "token": "tk-us-eve"})
        other = requests.post(f"{live.url}/v1/tokens/exchange", auth=("", "tk-us-eve"), timeout=5).json()["token"]
    authorization = {
        "nobody": "",
        "api token": live.basic("tk-us-simulator"),
        "bearer as a user name": "Basic " + base64.b64encode(f"{live.bearer}:".encode()).decode(),
        "bearer header": f"Bearer {live.bearer}",
        "other user": live.basic(other if who == "other user" else None),
    }[who]
    assert attach(url, authorization)[::2] == ("HTTP/1.1 401 Unauthorized", "refused")
    assert wait(url, authorization).status_code == 401
    assert upload(url, authorization, "x.sql", b"x").status_code == 401
    run = run_of(live, answer["container"]["id"])
    assert run["state"] == "waiting" and run["uploads"] == []
    # The rightful client can still attach afterwards.
    assert attach(url, live.basic())[1] == "secret output\r\n"


def test_an_unknown_token_and_a_second_attach_are_refused(live):
    _, url = live.start("echo once")
    listener = live.admin("GET", "/runs")["url"]
    assert attach(f"{listener}/s3cr3t-attach-unknown", live.basic())[0] == "HTTP/1.1 404 Not Found"
    assert attach(url, live.basic())[1] == "once\r\n"
    assert attach(url, live.basic())[0] == "HTTP/1.1 409 Conflict"


def test_a_terminal_size_is_accepted(live):
    _, url = live.start("echo x")
    response = requests.put(
        url, json={"width": "80", "height": "25"}, headers={"Authorization": live.basic()}, timeout=5
    )
    assert response.status_code == 200


def test_attach_base_moves_the_attach_urls_elsewhere(live):
    live.admin("POST", "/config", {"attach_base": "http://one-off.sim.invalid:5000"})
    answer, url = live.start("echo x")
    assert url.startswith("http://one-off.sim.invalid:5000/s3cr3t-attach-") and answer["attach_url"] == url
    live.admin("POST", "/config", {"attach_base": None})
    assert live.start("echo x")[1].startswith(live.admin("GET", "/runs")["url"])
    bad = requests.post(f"{live.url}/_sim/config", json={"attach_base": "http://x/path"}, timeout=5)
    assert bad.status_code == 400


def test_a_reset_forgets_the_runs(live):
    live.start("echo x")
    live.admin("POST", "/reset")
    assert live.admin("GET", "/runs")["runs"] == []


def test_an_attached_one_off_ends_with_its_command(live):
    answer, url = live.start("echo done")
    labels = [c["label"] for c in live.session.get(f"{live.url}/v1/apps/attach-app/ps", timeout=5).json()["containers"]]
    assert answer["container"]["label"] in labels
    attach(url, live.basic())
    assert wait(url, live.basic()).json() == {"exit_code": 0}
    labels = [c["label"] for c in live.session.get(f"{live.url}/v1/apps/attach-app/ps", timeout=5).json()["containers"]]
    assert answer["container"]["label"] not in labels
