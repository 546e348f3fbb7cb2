import base64
import json
import time

import pytest
from sim_client import Sim

from scalingo_sim.middleware import ConnectionDropped

LOG_KEYS = {
    "seq",
    "time",
    "method",
    "path",
    "query",
    "status",
    "dry_run",
    "mutating",
    "auth",
    "body",
    "user_agent",
    "request_id",
    "origin",
}


def test_request_log_shape(client, sim):
    sim.post("/v1/apps?x=1&x=2", json={"app": {"name": "logged-app"}}, headers={"User-Agent": "ansible-scalingo/0.1"})
    client.post("/v1/tokens/exchange", data="not json")
    log = sim.admin("/requests", method="GET")["requests"]
    exchange, create, anonymous = log
    assert set(create) == LOG_KEYS
    assert (exchange["auth"], exchange["status"], exchange["mutating"]) == ("basic", 200, False)
    assert create["seq"] == exchange["seq"] + 1 and isinstance(create["time"], float)
    assert (create["method"], create["path"], create["query"]) == ("POST", "/v1/apps", {"x": "1"})
    assert (create["status"], create["auth"], create["dry_run"]) == (201, "bearer", False)
    assert create["origin"] == "api"  # "database" on the database API's own origin
    assert create["body"] == {"app": {"name": "logged-app"}} and create["user_agent"] == "ansible-scalingo/0.1"
    assert (anonymous["auth"], anonymous["status"], anonymous["body"]) == ("none", 401, "not json")
    assert sim.bearer not in str(log) and "tk-us-simulator" not in str(log)


def test_request_log_since_and_clear(sim):
    sim.get("/v1/apps")
    last = sim.admin("/requests", method="GET")["requests"][-1]["seq"]
    sim.get("/v1/apps/none-such")
    newer = sim.admin(f"/requests?since={last}", method="GET")["requests"]
    assert [(e["seq"], e["status"], e["mutating"]) for e in newer] == [(last + 1, 404, False)]
    sim.admin("/requests", method="DELETE")
    assert sim.admin("/requests", method="GET")["requests"] == []
    sim.get("/v1/apps")
    assert sim.admin("/requests", method="GET")["requests"][0]["seq"] == last + 2
    sim.admin("/reset")
    sim.get("/v1/apps")
    assert sim.admin("/requests", method="GET")["requests"][0]["seq"] == 1


def test_request_log_mark_is_the_last_seq_also_after_a_clear(sim):
    sim.get("/v1/apps")
    sim.get("/v1/apps/none-such")
    last = sim.admin("/requests", method="GET")["requests"][-1]["seq"]
    assert sim.admin("/requests/mark", method="GET") == {"seq": last}
    sim.admin("/requests", method="DELETE")
    assert sim.admin("/requests/mark", method="GET") == {"seq": last}
    sim.get("/v1/apps")
    assert sim.admin("/requests/mark", method="GET") == {"seq": last + 1}
    assert [e["seq"] for e in sim.admin(f"/requests?since={last}", method="GET")["requests"]] == [last + 1]
    assert sim.admin(f"/requests?since={last + 1}", method="GET")["requests"] == []


def test_reset_restores_initial_state(client, sim):
    sim.create_app("before-reset")
    sim.admin("/users", {"email": "x@example.com", "username": "x", "token": "tk-us-x"})
    sim.admin("/config", {"rate_limit": 5, "pagination_style": "go"})
    sim.admin("/faults", {"path": "/nowhere", "status": 500})
    sim.admin("/reset")
    assert sim.get("/v1/apps").get_json() == {"apps": []}
    assert sim.exchange("tk-us-x").status_code == 401
    assert sim.admin("/faults", method="GET") == {"faults": []}
    assert sim.admin("/config", method="GET") == {
        "operation_duration": 0.2,
        "bearer_ttl": 3600,
        "rate_limit": None,
        "rate_window": 60.0,
        "pagination_style": "rails",
        "max_per_page": 50,
        "repeat_cursor": False,
        "addon_provisioning": 1.0,
        "attach_base": None,
    }


def test_config_validation(client):
    assert client.post("/_sim/config", json={"pagination_style": "php"}).status_code == 400
    assert client.post("/_sim/config", json={"nope": 1}).status_code == 400


def test_bulk_create_apps(client, sim):
    sim.admin("/users", {"email": "bench@example.com", "username": "bench", "token": "tk-us-bench"})
    created = sim.admin(
        "/apps",
        {"prefix": "bench", "count": 300, "owner": "bench@example.com", "deploy": [{"name": "web", "amount": 2}]},
    )["apps"]
    assert len(created) == 300 and created[0]["name"] == "bench-001" and created[0]["status"] == "running"
    bench = Sim(client, "tk-us-bench")
    assert len(bench.get("/v1/apps").get_json()["apps"]) == 300
    assert sim.get("/v1/apps").get_json() == {"apps": []}
    assert sim.admin("/apps", {"names": ["named-one", "named-two"]})["apps"][1]["name"] == "named-two"
    response = client.post("/_sim/apps", json={"names": ["named-one", "Bad"]})
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"named-one", "Bad"}


def test_fault_status_with_json_body_and_headers(sim):
    sim.admin(
        "/faults",
        {
            "method": "POST",
            "path": "/v1/apps/*/scale",
            "count": 2,
            "status": 500,
            "body": {"error": "Internal error occured, we're on it!"},
            "headers": {"X-Fault": "yes"},
        },
    )
    assert len(sim.admin("/faults", method="GET")["faults"]) == 1
    sim.create_app("faulty-app")
    for _ in range(2):
        response = sim.post("/v1/apps/faulty-app/scale", json={"containers": [{"name": "web", "amount": 2}]})
        assert response.status_code == 500 and response.headers["X-Fault"] == "yes"
        assert response.get_json() == {"error": "Internal error occured, we're on it!"}
    assert sim.get("/v1/apps/faulty-app/containers").get_json()["containers"][0]["amount"] == 1  # not processed
    assert sim.post("/v1/apps/faulty-app/scale", json={"containers": [{"name": "web", "amount": 2}]}).status_code == 200
    assert sim.admin("/faults", method="GET") == {"faults": []}


def test_fault_503_html_and_429_plain(sim):
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps", "status": 503})
    response = sim.get("/v1/apps")
    assert response.status_code == 503 and response.content_type.startswith("text/html")
    assert response.get_data(as_text=True) == "<html><body><h1>503 Service Unavailable</h1></body></html>"
    sim.admin("/faults", {"method": "*", "path": "/v1/apps", "status": 429})
    response = sim.get("/v1/apps")
    assert (response.status_code, response.get_data(as_text=True)) == (429, "Retry later")
    assert response.content_type.startswith("text/plain") and "Retry-After" not in response.headers
    assert sim.get("/v1/apps").status_code == 200
    log = sim.admin("/requests", method="GET")["requests"]
    assert [e["status"] for e in log[-3:]] == [503, 429, 200]


def test_fault_delay(sim):
    sim.admin("/faults", {"path": "/v1/apps", "delay": 0.3})
    started = time.time()
    assert sim.get("/v1/apps").status_code == 200
    assert time.time() - started >= 0.3


def test_fault_echo_headers_quotes_the_bearer_in_the_json_error(sim):
    sim.create_app("echo-app")
    sim.admin("/faults", {"method": "GET", "path": "/v1/apps/echo-app", "echo_headers": 403})
    response = sim.get("/v1/apps/echo-app", headers={"X-Extra": "1"})
    assert response.status_code == 403 and response.content_type == "application/json; charset=utf-8"
    lines = response.get_json()["error"].splitlines()
    assert f"Authorization: Bearer {sim.bearer}" in lines and "X-Extra: 1" in lines
    assert sim.get("/v1/apps/echo-app").status_code == 200  # once only
    assert [e["status"] for e in sim.admin("/requests", method="GET")["requests"][-2:]] == [403, 200]


def test_fault_echo_headers_on_the_token_exchange_quotes_basic_auth_as_text(sim):
    sim.admin("/faults", {"method": "POST", "path": "/v1/tokens/exchange", "echo_headers": 401, "echo_as": "text"})
    response = sim.exchange("tk-us-simulator")
    assert response.status_code == 401 and response.content_type == "text/plain; charset=utf-8"
    basic = base64.b64encode(b":tk-us-simulator").decode()
    assert f"Authorization: Basic {basic}" in response.get_data(as_text=True).splitlines()
    assert "token" in sim.exchange("tk-us-simulator").get_json()


def test_fault_echo_body_answers_the_request_body_and_applies_nothing(sim):
    sim.create_app("echo-app")
    sim.admin("/faults", {"method": "PUT", "path": "/v1/apps/*/variables", "echo_body": 422})
    body = {"variables": [{"name": "KEY", "value": "line one\n  line two"}]}
    response = sim.put("/v1/apps/echo-app/variables", json=body)
    assert response.status_code == 422 and response.content_type == "text/plain; charset=utf-8"
    assert json.loads(response.get_data(as_text=True)) == body
    assert sim.get("/v1/apps/echo-app/variables").get_json()["variables"] == []  # not processed
    sim.admin("/faults", {"method": "PUT", "path": "/v1/apps/*/variables", "echo_body": 400, "echo_as": "json"})
    assert json.loads(sim.put("/v1/apps/echo-app/variables", json=body).get_json()["error"]) == body


@pytest.mark.parametrize(
    "fault",
    [
        {"echo_headers": 200},
        {"echo_headers": True},
        {"echo_body": "422"},
        {"echo_body": 422, "echo_as": "xml"},
        {"echo_body": 422, "status": 422},
        {"status": 422, "echo_as": "text"},
    ],
)
def test_fault_echo_validation(client, fault):
    assert client.post("/_sim/faults", json={"path": "/v1/apps", **fault}).status_code == 400


def test_fault_validation(client):
    assert client.post("/_sim/faults", json={"path": "/v1/apps"}).status_code == 400
    assert client.post("/_sim/faults", json={"path": "/v1/apps", "status": 500, "delay": 1}).status_code == 400
    client.post("/_sim/faults", json={"path": "/x", "drop": True})
    assert client.delete("/_sim/faults").get_json() == {"faults": []}


def test_rate_limit_sliding_window(client, sim):
    sim.admin("/config", {"rate_limit": 3})
    assert [sim.get("/v1/apps").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = sim.get("/v1/apps")
    assert (response.status_code, response.get_data(as_text=True)) == (429, "Retry later")
    assert response.content_type == "text/plain; charset=utf-8" and "Retry-After" not in response.headers
    sim.admin("/users", {"email": "b@example.com", "username": "b", "token": "tk-us-b"})
    assert Sim(client, "tk-us-b").get("/v1/apps").status_code == 200  # per user
    sim.admin("/config", {"rate_limit": None})
    assert sim.get("/v1/apps").status_code == 200


def test_rate_window_can_be_shortened(client, sim):
    sim.admin("/config", {"rate_limit": 2, "rate_window": 0.2})
    assert [sim.get("/v1/apps").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(0.25)
    assert sim.get("/v1/apps").status_code == 200


def test_next_operation_is_consumed_once(sim, deployed):
    sim.admin("/next_operation", {"outcome": "never"})
    first = sim.post("/v1/apps/deployed-app/run", json={"command": "ls"}).get_json()
    second = sim.post("/v1/apps/deployed-app/run", json={"command": "ls"}).get_json()
    time.sleep(0.25)
    assert sim.get(first["operation_url"]).get_json()["operation"]["status"] == "running"
    assert sim.get(second["operation_url"]).get_json()["operation"]["status"] == "done"


def test_drop_in_the_test_client_raises(client, sim):
    sim.admin("/faults", {"method": "POST", "path": "/v1/apps", "drop_after_write": True})
    with pytest.raises(ConnectionDropped):
        sim.post("/v1/apps", json={"app": {"name": "half-written"}})
    assert sim.get("/v1/apps/half-written").status_code == 200
    assert sim.admin("/requests", method="GET")["requests"][-2]["status"] == 0


def test_projects_and_users_listing(client, sim):
    sim.admin("/users", {"email": "p@example.com", "username": "p", "token": "tk-us-p"})
    projects = sim.admin("/projects", method="GET")["projects"]
    assert len(projects) == 4 and {p["name"] for p in projects} == {"default", "staging"}
    assert client.post("/_sim/users", json={"email": "p@example.com", "username": "q"}).status_code == 409
    assert len(sim.admin("/users", method="GET")["users"]) == 2


def test_admin_requests_are_not_logged(sim):
    sim.admin("/config", method="GET")
    assert all(not e["path"].startswith("/_sim") for e in sim.admin("/requests", method="GET")["requests"])


def test_attach_url(sim, deployed):
    body = sim.post("/v1/apps/deployed-app/run", json={"command": "bash", "env": {"K": "secret-v"}}).get_json()
    attach = sim.client.get(body["attach_url"].replace("http://localhost", "")).get_json()
    assert attach["container"]["command"] == "bash" and "secret-v" not in str(attach)


def test_fresh_fault_clears_earlier_faults_and_the_log(client, sim):
    sim.get("/v1/apps")
    client.post("/_sim/faults", json={"path": "/x", "status": 500, "count": 5})
    answer = client.post("/_sim/faults", json={"path": "/v1/apps", "status": 503, "fresh": True}).get_json()
    assert [f["path"] for f in answer["faults"]] == ["/v1/apps"]
    assert client.get("/_sim/requests").get_json() == {"requests": []}


def test_fault_busy_refuses_as_while_another_operation_runs_and_the_app_reads_free(sim, deployed):
    sim.admin("/faults", {"method": "POST", "path": "/v1/apps/*/restart", "busy": "restarting"})
    response = sim.post("/v1/apps/deployed-app/restart", json={})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"app": ["an operation is already in progress on this app (restarting), retry when it is done"]}
    }
    # Nothing is running: the app reads free, and the next restart goes through.
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "running"
    assert sim.post("/v1/apps/deployed-app/restart", json={}).status_code == 202
    log = sim.admin("/requests", method="GET")["requests"]
    assert [(e["method"], e["status"]) for e in log[-3:]] == [("POST", 422), ("GET", 200), ("POST", 202)]


def test_fault_busy_names_scaling_or_restarting_only(client):
    response = client.post("/_sim/faults", json={"path": "/v1/apps/*/scale", "busy": "deploying"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "busy must be one of scaling, restarting: the operation the refusal names"
    assert client.post("/_sim/faults", json={"path": "/v1/apps/*/scale", "busy": "scaling"}).status_code == 201


def test_the_admin_api_imports_no_route_module():
    """The admin blueprint reaches the data through state (and shapes through render), never through a route module."""
    import ast
    import pathlib

    import scalingo_sim

    package = pathlib.Path(scalingo_sim.__file__).parent
    tree = ast.parse((package / "admin.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imported |= {node.module} if node.module else {alias.name for alias in node.names}
    routes = {path.stem for path in package.glob("*.py") if "Blueprint(" in path.read_text()} - {"admin"}
    assert routes >= {"apps", "collaborators", "deployments", "domains"}
    assert not imported & routes, f"admin.py imports route modules: {sorted(imported & routes)}"
