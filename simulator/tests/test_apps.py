import re

import pytest
from sim_client import Sim

NOT_FOUND = {"resource": "app", "error": "not found"}
MISMATCH = {"errors": {"current_name": ["Provided name does not match app name"]}}


def test_create_returns_full_app_object(sim):
    response = sim.post("/v1/apps", json={"app": {"name": "my-app-one"}})
    assert response.status_code == 201
    app = response.get_json()["app"]
    assert re.fullmatch(r"[0-9a-f]{24}", app["id"])
    assert re.fullmatch(r"ap-[0-9a-f-]{36}", app["uuid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", app["created_at"])
    assert app["region"] == "osc-fr1" and app["parent_app_name"] == ""
    assert app["git_url"] == "git@ssh.osc-fr1.scalingo.com:my-app-one.git"
    assert app["url"] == app["base_url"] == "https://my-app-one.osc-fr1.scalingo.io"
    assert app["links"] == {"deployments_stream": "wss://deployments.osc-fr1.scalingo.com/apps/my-app-one"}
    assert app["status"] == "new" and app["stack_id"] == "st-scalingo-22"
    assert app["owner"]["email"] == "owner@example.com" and app["owner"]["flags"] == {}
    assert app["project"]["name"] == "default" and app["project"]["id"].startswith("pr-")
    for key in (
        "last_deployed_at",
        "last_deployed_by",
        "last_deployment_id",
        "git_source",
        "data_access_consent",
        "new_dashboard_url",
        "new_region",
    ):
        assert app[key] is None
    for key in ("force_https", "sticky_session", "router_logs", "hds_resource"):
        assert app[key] is False
    assert app["flags"] == {} and app["limits"] == {} and app["private_networks_ids"] == []


def test_create_with_options(sim):
    staging = next(p for p in sim.admin("/projects", method="GET")["projects"] if p["name"] == "staging")
    app = sim.create_app(
        "opt-app",
        stack_id="st-scalingo-24",
        project_id=staging["id"],
        hds_resource=True,
        git_source="https://github.com/x/y",
    )
    assert app["stack_id"] == "st-scalingo-24" and app["project"] == {"id": staging["id"], "name": "staging"}
    assert app["hds_resource"] is True and app["git_source"] == "https://github.com/x/y"


def test_create_unknown_stack_and_project(sim):
    response = sim.post("/v1/apps", json={"app": {"name": "stack-app", "stack_id": "st-nope"}})
    assert (response.status_code, response.get_json()) == (404, {"resource": "stack", "error": "not found"})
    response = sim.post("/v1/apps", json={"app": {"name": "stack-app", "project_id": "pr-nope"}})
    assert (response.status_code, response.get_json()) == (404, {"resource": "project", "error": "not found"})


@pytest.mark.parametrize("body", [{}, {"name": "x"}, {"app": "name"}, None])
def test_create_without_app_root(sim, body):
    response = sim.post("/v1/apps", json=body)
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"app": ["missing field"]}}
    assert response.content_type == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "name, messages",
    [
        ("abc", ["is too short (minimum is 6 characters)"]),
        ("a" * 49, ["is too long (maximum is 48 characters)"]),
        ("AnotherApp", ["should contain only lowercap letters, digits and hyphens"]),
        ("another-app\n", ["should contain only lowercap letters, digits and hyphens"]),
        ("-leading", ["can't start with an hyphen"]),
        ("my--app-", ["can't end with an hyphen", "can't contain 2 consecutive hyphens"]),
        (
            "A-",
            [
                "is too short (minimum is 6 characters)",
                "should contain only lowercap letters, digits and hyphens",
                "can't end with an hyphen",
            ],
        ),
    ],
)
def test_create_name_rules_all_reported(sim, name, messages):
    response = sim.post("/v1/apps", json={"app": {"name": name}})
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"name": messages}}


def test_name_taken_across_users(client, sim):
    sim.admin("/users", {"email": "other@example.com", "username": "other", "token": "tk-us-other"})
    Sim(client, "tk-us-other").create_app("shared-name")
    response = sim.post("/v1/apps", json={"app": {"name": "shared-name"}})
    assert response.get_json() == {"errors": {"name": ["has already been taken"]}}


def test_dry_run_validates_but_stores_nothing(sim):
    response = sim.post("/v1/apps", json={"app": {"name": "dry-app"}}, headers={"X-Dry-Run": "true"})
    assert response.status_code == 201
    assert re.fullmatch(r"[0-9a-f]{24}", response.get_json()["app"]["id"])
    assert sim.get("/v1/apps").get_json() == {"apps": []}
    assert sim.get("/v1/apps/dry-app").status_code == 404
    bad = sim.post("/v1/apps", json={"app": {"name": "Dry"}}, headers={"X-Dry-Run": "true"})
    assert bad.status_code == 422
    log = sim.admin("/requests", method="GET")["requests"]
    posts = [(e["dry_run"], e["mutating"]) for e in log if e["path"] == "/v1/apps" and e["method"] == "POST"]
    assert posts == [(True, False), (True, False)]


def test_free_trial_user_gets_402_on_second_app(client, sim):
    sim.admin("/users", {"email": "trial@example.com", "username": "trial", "token": "tk-us-trial", "free_trial": True})
    trial = Sim(client, "tk-us-trial")
    trial.create_app("trial-one")
    response = trial.post("/v1/apps", json={"app": {"name": "trial-two"}})
    assert response.status_code == 402
    assert response.get_json() == {
        "error": "Sorry, you need to verify your account (billing profile and payment card) to create a new app",
        "url": "https://my.scalingo.com/apps/billing",
        "name": "free-trial-exceeded",
    }


def test_show_by_id_and_by_name_and_list(sim):
    app = sim.create_app("find-me-app")
    assert sim.get(f"/v1/apps/{app['id']}").get_json()["app"]["name"] == "find-me-app"
    assert sim.get("/v1/apps/find-me-app").get_json()["app"]["id"] == app["id"]
    assert [a["name"] for a in sim.get("/v1/apps").get_json()["apps"]] == ["find-me-app"]


def test_apps_of_others_are_not_found(client, sim):
    sim.admin("/users", {"email": "other@example.com", "username": "other", "token": "tk-us-other"})
    other = Sim(client, "tk-us-other")
    app = sim.create_app("private-app")
    for path in ("/v1/apps/private-app", f"/v1/apps/{app['id']}", "/v1/apps/private-app/containers"):
        response = other.get(path)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    assert other.get("/v1/apps").get_json() == {"apps": []}
    sim.admin("/apps/private-app/collaborators", {"email": "other@example.com"})
    assert other.get("/v1/apps/private-app").status_code == 200
    assert len(other.get("/v1/apps").get_json()["apps"]) == 1


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("wrapped", [True, False])
def test_update_settings_wrapped_or_not(sim, method, wrapped):
    app = sim.create_app("settings-app")
    fields = {"force_https": True, "router_logs": True, "unknown": 1}
    response = getattr(sim, method)(f"/v1/apps/{app['id']}", json={"app": fields} if wrapped else fields)
    assert response.status_code == 200
    updated = response.get_json()["app"]
    assert updated["force_https"] is True and updated["router_logs"] is True and updated["sticky_session"] is False
    assert updated["updated_at"] >= app["updated_at"]


def test_update_validation(sim):
    sim.create_app("valid-app")
    response = sim.patch("/v1/apps/valid-app", json={"app": {"force_https": "yes", "sticky_session": 1}})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"force_https": ["must be a boolean"], "sticky_session": ["must be a boolean"]}
    }
    response = sim.put("/v1/apps/valid-app", json={"project_id": ""})
    assert response.get_json() == {"errors": {"project_id": ["can't be blank"]}}
    response = sim.patch("/v1/apps/valid-app", json={"app": {"stack_id": "st-nope"}})
    assert (response.status_code, response.get_json()) == (404, {"resource": "stack", "error": "not found"})
    response = sim.put("/v1/apps/valid-app", json={"project_id": "pr-nope"})
    assert (response.status_code, response.get_json()) == (404, {"resource": "project", "error": "not found"})


def test_update_stack_and_project(sim):
    sim.create_app("moving-app")
    staging = next(p for p in sim.admin("/projects", method="GET")["projects"] if p["name"] == "staging")
    app = sim.patch("/v1/apps/moving-app", json={"app": {"stack_id": "st-scalingo-24"}}).get_json()["app"]
    assert app["stack_id"] == "st-scalingo-24"
    app = sim.put("/v1/apps/moving-app", json={"project_id": staging["id"]}).get_json()["app"]
    assert app["project"] == {"id": staging["id"], "name": "staging"}


def test_update_current_name_check(sim):
    sim.create_app("named-app")
    assert sim.patch("/v1/apps/named-app?current_name=wrong", json={"app": {}}).get_json() == MISMATCH
    assert sim.patch("/v1/apps/named-app", json={"current_name": "wrong", "app": {}}).get_json() == MISMATCH
    assert sim.patch("/v1/apps/named-app?current_name=named-app", json={"app": {}}).status_code == 200


def test_transfer_with_stack_and_project_in_one_patch(sim):
    sim.create_app("one-patch-app")
    sim.admin("/apps/one-patch-app/collaborators", {"email": "lead@example.com"})
    staging = next(p for p in sim.admin("/projects", method="GET")["projects"] if p["name"] == "staging")
    response = sim.patch(
        "/v1/apps/one-patch-app",
        json={
            "current_name": "one-patch-app",
            "app": {"owner": "lead@example.com", "stack_id": "st-scalingo-24", "project_id": staging["id"]},
        },
    )
    assert response.status_code == 200, response.get_json()
    app = response.get_json()["app"]
    assert app["owner"]["email"] == "lead@example.com" and app["owner"]["username"] == "lead"
    assert app["stack_id"] == "st-scalingo-24" and app["project"] == {"id": staging["id"], "name": "staging"}
    assert sim.get("/v1/apps/one-patch-app").get_json()["app"] == app


def test_transfer_ownership(client, sim):
    sim.create_app("transfer-app")
    response = sim.patch(
        "/v1/apps/transfer-app", json={"current_name": "transfer-app", "app": {"owner": "new@example.com"}}
    )
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"owner": ["must be a collaborator of the app"]}}
    sim.admin("/users", {"email": "new@example.com", "username": "newowner", "token": "tk-us-new"})
    sim.admin("/apps/transfer-app/collaborators", {"email": "new@example.com"})
    app = sim.patch(
        "/v1/apps/transfer-app", json={"current_name": "transfer-app", "app": {"owner": "new@example.com"}}
    ).get_json()["app"]
    assert app["owner"]["email"] == "new@example.com" and app["owner"]["username"] == "newowner"
    assert Sim(client, "tk-us-new").get("/v1/apps/transfer-app").status_code == 200
    assert sim.get("/v1/apps/transfer-app").status_code == 200  # former owner stays collaborator


def test_rename(sim):
    app = sim.create_app("old-name-app")
    sim.create_app("other-app-x")
    response = sim.post("/v1/apps/old-name-app/rename", json={"current_name": "nope", "new_name": "new-name-app"})
    assert (response.status_code, response.get_json()) == (422, MISMATCH)
    response = sim.post("/v1/apps/old-name-app/rename", json={"current_name": "old-name-app", "new_name": "bad-name--"})
    assert response.get_json() == {
        "errors": {"name": ["can't end with an hyphen", "can't contain 2 consecutive hyphens"]}
    }
    response = sim.post(
        "/v1/apps/old-name-app/rename", json={"current_name": "old-name-app", "new_name": "other-app-x"}
    )
    assert response.get_json() == {"errors": {"name": ["has already been taken"]}}
    response = sim.post(
        f"/v1/apps/{app['id']}/rename", json={"current_name": "old-name-app", "new_name": "new-name-app"}
    )
    assert response.status_code == 200
    renamed = response.get_json()["app"]
    assert renamed["git_url"] == "git@ssh.osc-fr1.scalingo.com:new-name-app.git"
    assert renamed["url"] == "https://new-name-app.osc-fr1.scalingo.io"
    assert sim.get("/v1/apps/old-name-app").status_code == 404
    assert sim.get("/v1/apps/new-name-app").get_json()["app"]["id"] == app["id"]


def test_delete(sim):
    app = sim.create_app("doomed-app")
    assert sim.delete("/v1/apps/doomed-app").get_json() == MISMATCH
    assert sim.delete("/v1/apps/doomed-app?current_name=wrong").get_json() == MISMATCH
    response = sim.delete(f"/v1/apps/{app['id']}?current_name=doomed-app")
    assert response.status_code == 204 and response.data == b""
    assert sim.get("/v1/apps/doomed-app").get_json() == NOT_FOUND
    assert sim.delete("/v1/apps/doomed-app?current_name=doomed-app").status_code == 404


def test_child_apps(sim):
    parent = sim.create_app("parent-app", stack_id="st-scalingo-24")
    response = sim.post("/v1/apps/parent-app/child_apps", json={"app": {"name": "child-app-1"}})
    assert response.status_code == 201
    child = response.get_json()["app"]
    assert child["parent_app_name"] == "parent-app" and child["stack_id"] == "st-scalingo-24"
    assert child["owner"] == parent["owner"] and child["project"] == parent["project"]
    assert sim.post("/v1/apps/parent-app/child_apps", json={"app": {"name": "Bad"}}).status_code == 422
    via_parent_id = sim.create_app("child-app-2", parent_id=parent["id"])
    assert via_parent_id["parent_app_name"] == "parent-app"
    assert sim.get("/v1/apps/child-app-1").get_json()["app"]["parent_app_name"] == "parent-app"
    sim.post("/v1/apps/parent-app/rename", json={"current_name": "parent-app", "new_name": "parent-two"})
    assert sim.get("/v1/apps/child-app-1").get_json()["app"]["parent_app_name"] == "parent-two"
    sim.delete("/v1/apps/parent-two?current_name=parent-two")
    assert sim.get("/v1/apps/child-app-1").get_json()["app"]["parent_app_name"] == "parent-two"


def test_child_apps_pagination_rails_style(sim):
    sim.create_app("big-parent")
    sim.admin("/apps/big-parent/child_apps", {"prefix": "kid", "count": 45})
    body = sim.get("/v1/apps/big-parent/child_apps").get_json()
    assert len(body["child_apps"]) == 20
    assert body["meta"] == {
        "pagination": {"current_page": 1, "previous_page": None, "next_page": 2, "total_pages": 3, "total_count": 45}
    }
    body = sim.get("/v1/apps/big-parent/child_apps?page=3").get_json()
    assert [a["name"] for a in body["child_apps"]] == ["kid-41", "kid-42", "kid-43", "kid-44", "kid-45"]
    assert body["meta"]["pagination"]["previous_page"] == 2 and body["meta"]["pagination"]["next_page"] is None
    body = sim.get("/v1/apps/big-parent/child_apps?per_page=500").get_json()
    assert len(body["child_apps"]) == 45 and body["meta"]["pagination"]["total_pages"] == 1
    sim.admin("/config", {"max_per_page": 10})
    assert len(sim.get("/v1/apps/big-parent/child_apps?per_page=30").get_json()["child_apps"]) == 10


def test_child_apps_pagination_go_style(sim):
    sim.create_app("go-parent")
    sim.admin("/config", {"pagination_style": "go"})
    assert sim.get("/v1/apps/go-parent/child_apps").get_json()["meta"]["pagination"] == {
        "current_page": 1,
        "per_page": 20,
        "prev_page": 1,
        "next_page": 1,
        "total_pages": 1,
        "total_count": 0,
    }
    sim.admin("/apps/go-parent/child_apps", {"prefix": "gokid", "count": 25})
    meta = sim.get("/v1/apps/go-parent/child_apps?page=2").get_json()["meta"]["pagination"]
    assert (meta["prev_page"], meta["next_page"], meta["total_pages"], meta["total_count"]) == (1, 2, 2, 25)
    assert "previous_page" not in meta


def test_invalid_json_body(sim):
    response = sim.post("/v1/apps", data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("There was a problem in the JSON you submitted")


def test_unknown_route_is_json_404(sim):
    response = sim.get("/v1/nothing-here")
    assert (response.status_code, response.get_json()) == (404, {"error": "not found"})
