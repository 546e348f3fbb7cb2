import time

import pytest

BUSY = {"errors": {"app": ["an operation is already in progress on this app (scaling), retry when it is done"]}}


def wait_done(sim, location, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        op = sim.get(location).get_json()["operation"]
        if op["status"] in ("done", "error"):
            return op
        time.sleep(0.05)
    raise AssertionError("operation did not finish")


def test_new_app_formation(sim):
    app = sim.create_app("fresh-app")
    assert sim.get("/v1/apps/fresh-app/containers").get_json() == {
        "containers": [{"name": "web", "command": "", "amount": 1, "size": "M", "app_id": app["id"]}]
    }
    assert sim.get("/v1/apps/fresh-app/ps").get_json() == {"containers": []}


def test_deploy_and_ps(sim, deployed):
    assert deployed["status"] == "running" and deployed["last_deployed_by"] == "owner"
    assert deployed["last_deployed_at"] and len(deployed["last_deployment_id"]) == 24
    ps = sim.get(f"/v1/apps/{deployed['id']}/ps").get_json()["containers"]
    assert [c["label"] for c in ps] == ["web-1", "web-2", "worker-1"]
    web1 = ps[0]
    assert (web1["type"], web1["type_index"], web1["state"], web1["size"]) == ("web", 1, "running", "M")
    assert web1["container_size"]["name"] == "M" and web1["app_id"] == deployed["id"]
    assert ps == sim.get("/v1/apps/deployed-app/ps").get_json()["containers"]  # stable ids


def test_scale_validation_errors(sim, deployed):
    response = sim.post(
        "/v1/apps/deployed-app/scale",
        json={
            "containers": [
                {"name": "clock", "amount": 1},
                {"name": "web", "amount": 11},
                {"name": "worker", "amount": -1, "size": "XXL"},
            ]
        },
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {
            "container-clock-name": ["no such container type"],
            "container-web-amount": [
                "can't scale over 10 containers, contact us at support@scalingo.com if you need more"
            ],
            "container-worker-amount": ["must be a positive integer"],
            "container-worker-size": ["'XXL' is not a valid container size"],
        }
    }
    for amount in ("2", 1.5, True, None):
        response = sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": amount}]})
        assert response.get_json() == {"errors": {"container-web-amount": ["must be a positive integer"]}}


def test_scale_without_change_is_400(sim, deployed):
    response = sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": 2, "size": "M"}]})
    assert (response.status_code, response.get_json()) == (400, {"error": "no change in containers formation"})


def test_scale_never_deployed_is_200_without_operation(sim):
    sim.create_app("undeployed")
    response = sim.post("/v1/apps/undeployed/scale", json={"containers": [{"name": "web", "amount": 3, "size": "L"}]})
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.get_json()["containers"][0]["amount"] == 3
    assert sim.get("/v1/apps/undeployed").get_json()["app"]["status"] == "new"


def test_scale_operation_lifecycle(sim, deployed):
    # Long enough that a loaded machine still sees it pending, then running, before it is done.
    sim.admin("/next_operation", {"duration": 4.0})
    response = sim.post(f"/v1/apps/{deployed['id']}/scale", json={"containers": [{"name": "web", "amount": 3}]})
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"http://localhost/v1/apps/{deployed['id']}/operations/")
    assert [c["amount"] for c in response.get_json()["containers"]] == [3, 1]  # complete formation
    assert sim.get("/v1/apps/deployed-app/containers").get_json()["containers"][0]["amount"] == 3

    op = sim.get(location).get_json()["operation"]
    assert op["status"] == "pending" and op["type"] == "scale" and op["app_id"] == deployed["id"]
    assert "finished_at" not in op and "error" not in op and op["message"] is None
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "scaling"

    busy = sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": 4}]})
    assert (busy.status_code, busy.get_json()) == (422, BUSY)
    assert sim.post("/v1/apps/deployed-app/restart").get_json() == BUSY

    time.sleep(0.25)  # past the pending share (at most 0.2 s)
    assert sim.get(location).get_json()["operation"]["status"] == "running"
    op = wait_done(sim, location, timeout=10.0)
    assert op["status"] == "done" and op["finished_at"] >= op["created_at"]
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "running"
    assert len(sim.get("/v1/apps/deployed-app/ps").get_json()["containers"]) == 4


def test_operation_outcomes_from_next_operation(sim, deployed):
    sim.admin("/next_operation", {"duration": 0.05, "outcome": "error", "error": "container web-1 failed to start"})
    location = sim.post("/v1/apps/deployed-app/restart").headers["Location"]
    op = wait_done(sim, location)
    assert op["status"] == "error" and op["error"] == "container web-1 failed to start" and "finished_at" in op
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "running"

    sim.admin("/next_operation", {"duration": 0.01, "outcome": "never"})
    location = sim.post("/v1/apps/deployed-app/restart").headers["Location"]
    time.sleep(0.05)
    assert sim.get(location).get_json()["operation"]["status"] == "running"
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "restarting"


def test_unknown_operation(sim, deployed):
    response = sim.get("/v1/apps/deployed-app/operations/0123456789abcdef01234567")
    assert (response.status_code, response.get_json()) == (404, {"resource": "operation", "error": "not found"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": "null"},
        {"json": {}},
        {"json": {"scope": None}},
        {"json": {"scope": []}},
        {"json": {"scope": ["web", "worker-1"]}},
        {"json": {"scope": "web"}},
    ],
)
def test_restart_accepted_bodies(sim, deployed, kwargs):
    sim.admin("/next_operation", {"duration": 0})
    response = sim.post("/v1/apps/deployed-app/restart", **kwargs)
    assert response.status_code == 202
    assert response.data == b"" and response.content_type == "text/plain; charset=utf-8"
    assert "/v1/apps/deployed-app/operations/" in response.headers["Location"]
    assert sim.get(response.headers["Location"]).get_json()["operation"]["type"] == "restart"


def test_restart_errors(sim, deployed):
    response = sim.post("/v1/apps/deployed-app/restart", json={"scope": ["wrong", "web-3", "web", "web-1\n"]})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {
            "scope": [
                "'wrong' → no such process type",
                "'web-3' → no such process type",
                "'web-1\n' → no such process type",
            ]
        }
    }
    sim.create_app("not-deployed")
    response = sim.post("/v1/apps/not-deployed/restart")
    assert (response.status_code, response.get_json()) == (422, {"errors": {"app": ["app is not deployed"]}})


def test_status_forced_by_admin_and_stopped(sim, deployed):
    sim.admin("/apps/deployed-app/status", {"status": "crashed"})
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "crashed"
    sim.admin("/apps/deployed-app/status", {"status": None})
    sim.deploy("deployed-app", [{"name": "web", "amount": 0}])
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "stopped"


def test_run_one_off(sim, deployed):
    response = sim.post(
        "/v1/apps/deployed-app/run",
        json={"command": "bundle exec rake db:migrate", "env": {"SECRET": "s3cr3t"}, "size": "L", "detached": True},
    )
    assert response.status_code == 200
    body = response.get_json()
    container = body["container"]
    assert (container["type"], container["type_index"], container["label"], container["state"]) == (
        "one-off",
        1,
        "one-off-1",
        "booting",
    )
    assert container["memory"] == 1073741824.0 and container["app"] == {"name": "deployed-app", "id": deployed["id"]}
    assert body["operation_url"] == f"http://localhost/v1/apps/deployed-app/operations/{body['operation']}"
    assert "attach_url" not in body  # detached: nothing to attach to
    op = wait_done(sim, body["operation_url"])
    assert op["type"] == "start-one-off" and op["start_one_off_data"] == {"container_id": container["id"]}
    ps = sim.get("/v1/apps/deployed-app/ps").get_json()["containers"]
    assert ps[-1]["label"] == "one-off-1" and ps[-1]["state"] == "running"
    assert sim.get("/v1/apps/deployed-app").get_json()["app"]["status"] == "running"
    # one-offs do not block scaling
    assert (
        sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": 1}]}).status_code == 202
    )


def test_run_validation_and_limit(sim, deployed):
    response = sim.post("/v1/apps/deployed-app/run", json={"size": "XXL"})
    assert response.get_json() == {
        "errors": {"command": ["can't be blank"], "size": ["'XXL' is not a valid container size"]}
    }
    sim.admin("/next_operation", {"duration": 0})
    for _ in range(10):
        assert sim.post("/v1/apps/deployed-app/run", json={"command": "true"}).status_code == 200
    response = sim.post("/v1/apps/deployed-app/run", json={"command": "true"})
    assert (response.status_code, response.get_json()) == (422, {"errors": {"app": ["too many one-off containers"]}})
    sim.admin("/apps/deployed-app/one_offs", method="DELETE")
    assert sim.post("/v1/apps/deployed-app/run", json={"command": "true"}).status_code == 200
