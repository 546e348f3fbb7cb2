"""The real server in a subprocess, spoken to over HTTP with requests."""

import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

SIMULATOR_DIR = Path(__file__).resolve().parents[1]
BASIC = ("", "tk-us-simulator")


def start(*args):
    env = {**os.environ, "PYTHONPATH": str(SIMULATOR_DIR)}
    return subprocess.Popen(
        [sys.executable, "-m", "scalingo_sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url_file = tmp_path_factory.mktemp("sim") / "url"
    process = start("--port", "0", "--operation-duration", "0.2", "--url-file", str(url_file))
    line = process.stdout.readline()
    assert line.startswith("Scalingo simulator listening on http://127.0.0.1:"), line
    url = line.split(" on ", 1)[1].strip()
    assert url_file.read_text() == url
    yield url, process
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert process.stderr.read() == ""  # no access log, no traceback


@pytest.fixture
def api(server):
    url = server[0]
    requests.post(f"{url}/_sim/reset", timeout=5)
    session = requests.Session()
    token = session.post(f"{url}/v1/tokens/exchange", auth=BASIC, timeout=5).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return url, session


def test_serves_real_http(api):
    url, session = api
    response = session.post(f"{url}/v1/apps", json={"app": {"name": "real-app"}}, timeout=5)
    assert response.status_code == 201 and response.reason == "Created"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Request-ID"]
    assert session.get(f"{url}/v1/regions", timeout=5).json()["regions"][0]["api"] == url
    requests.post(f"{url}/_sim/apps/real-app/deploy", json={}, timeout=5)
    response = session.post(f"{url}/v1/apps/real-app/restart", timeout=5)
    assert response.status_code == 202 and response.headers["Location"].startswith(
        f"{url}/v1/apps/real-app/operations/"
    )


def test_drop_closes_connection_without_processing(api):
    url, session = api
    requests.post(f"{url}/_sim/faults", json={"method": "POST", "path": "/v1/apps", "drop": True}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        session.post(f"{url}/v1/apps", json={"app": {"name": "dropped-app"}}, timeout=5)
    assert session.get(f"{url}/v1/apps/dropped-app", timeout=5).status_code == 404
    log = requests.get(f"{url}/_sim/requests", timeout=5).json()["requests"]
    assert [e["status"] for e in log if e["path"] == "/v1/apps"] == [0]


def test_drop_after_write_processes_then_closes(api):
    url, session = api
    requests.post(
        f"{url}/_sim/faults", json={"method": "POST", "path": "/v1/apps", "drop_after_write": True}, timeout=5
    )
    with pytest.raises(requests.ConnectionError):
        session.post(f"{url}/v1/apps", json={"app": {"name": "written-app"}}, timeout=5)
    assert session.get(f"{url}/v1/apps/written-app", timeout=5).status_code == 200
    # the same session keeps working after the drop
    assert session.get(f"{url}/v1/apps", timeout=5).status_code == 200


def test_truncate_after_write_processes_then_cuts_the_body(api):
    url, session = api
    requests.post(
        f"{url}/_sim/faults", json={"method": "POST", "path": "/v1/apps", "truncate_after_write": True}, timeout=5
    )
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        session.post(f"{url}/v1/apps", json={"app": {"name": "truncated-app"}}, timeout=5)
    assert session.get(f"{url}/v1/apps/truncated-app", timeout=5).status_code == 200
    log = requests.get(f"{url}/_sim/requests", timeout=5).json()["requests"]
    assert [(e["status"], e.get("truncated")) for e in log if e["path"] == "/v1/apps"] == [(201, True)]


def test_location_fault_points_at_the_trap(api):
    url, session = api
    trap = requests.get(f"{url}/_sim/trap", timeout=5).json()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", trap["url"]) and trap["requests"] == []
    requests.post(
        f"{url}/_sim/apps", json={"names": ["trapped-app"], "deploy": [{"name": "web", "amount": 1}]}, timeout=5
    )
    requests.post(
        f"{url}/_sim/faults",
        json={"method": "POST", "path": "/v1/apps/*/restart", "location": "{trap}{path}"},
        timeout=5,
    )
    location = session.post(f"{url}/v1/apps/trapped-app/restart", timeout=5).headers["Location"]
    assert location.startswith(trap["url"] + "/v1/apps/trapped-app/operations/")
    assert session.get(location, timeout=5).json()["operation"]["status"] == "done"
    answer = requests.get(f"{url}/_sim/trap", timeout=5)
    assert [r["auth"] for r in answer.json()["requests"]] == ["bearer"]
    assert session.headers["Authorization"].split()[1] not in answer.text


def test_trap_stops_with_the_simulator():
    process = start("--port", "0")
    url = process.stdout.readline().split(" on ", 1)[1].strip()
    trap_url = requests.get(f"{url}/_sim/trap", timeout=5).json()["url"]
    assert requests.get(f"{trap_url}/anything", timeout=5).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert process.stderr.read() == ""
    process.stdout.close()
    process.stderr.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(trap_url, timeout=2)


def test_refuses_non_local_host():
    process = start("--host", "0.0.0.0", "--port", "0")
    assert process.wait(timeout=10) == 2
    assert "refusing" in process.stderr.read()
    process.stdout.close()
    process.stderr.close()


def test_concurrent_restarts_start_one_operation(api):
    url, session = api
    token = session.headers["Authorization"]
    requests.post(f"{url}/_sim/apps", json={"names": ["busy-app"], "deploy": [{"name": "web", "amount": 1}]}, timeout=5)
    # The first restart outlasts the others, however slowly a loaded machine sends them.
    requests.post(f"{url}/_sim/next_operation", json={"duration": 60}, timeout=5)

    def restart(_):
        return requests.post(f"{url}/v1/apps/busy-app/restart", headers={"Authorization": token}, timeout=5).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(restart, range(8)))
    assert statuses == [202] + [422] * 7


def test_the_database_api_has_its_own_origin_and_a_download_can_be_cut(api):
    url, session = api
    session.post(f"{url}/v1/apps", json={"app": {"name": "db-app"}}, timeout=5)
    seeded = {"addon_provider_id": "postgresql", "plan": "postgresql-sandbox"}
    addon_id = requests.post(f"{url}/_sim/apps/db-app/addons", json=seeded, timeout=5).json()["addon"]["id"]
    database_api = session.get(f"{url}/v1/regions", timeout=5).json()["regions"][0]["database_api"]
    assert database_api.startswith("http://127.0.0.1:") and database_api != url
    token = session.post(f"{url}/v1/apps/db-app/addons/{addon_id}/token", timeout=5).json()["addon"]["token"]
    db = requests.Session()
    db.headers["Authorization"] = f"Bearer {token}"
    assert db.get(f"{database_api}/api/databases/{addon_id}", timeout=5).json()["database"]["id"] == addon_id
    # The addon token is not a bearer of the regional API, nor the bearer a token of the database API.
    assert db.get(f"{url}/v1/apps", timeout=5).status_code == 401
    assert session.get(f"{database_api}/api/databases/{addon_id}", timeout=5).status_code == 401
    backup = requests.post(f"{url}/_sim/databases/{addon_id}/backups", json={"age": 60}, timeout=5).json()
    path = f"/api/databases/{addon_id}/backups/{backup['database_backup']['id']}"
    download_url = db.get(f"{database_api}{path}/archive", timeout=5).json()["download_url"]
    assert download_url.startswith(f"{database_api}{path}/download?token=")
    whole = requests.get(download_url, timeout=5)
    assert whole.status_code == 200 and whole.content[:2] == b"\x1f\x8b"
    fault = {"method": "GET", "path": f"{path}/download", "truncate_after_write": True}
    requests.post(f"{url}/_sim/faults", json=fault, timeout=5)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(download_url, timeout=5).content  # noqa: B018
    log = requests.get(f"{url}/_sim/requests", timeout=5).json()["requests"]
    downloads = [e for e in log if e["path"].endswith("/download")]
    assert [(e["origin"], e["auth"], e["query"]) for e in downloads] == [
        ("database", "none", {"token": "[redacted]"})
    ] * 2
    assert downloads[1].get("truncated") is True
