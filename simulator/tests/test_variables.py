import re

import pytest

BASE = "/v1/apps/env-app/variables"


@pytest.fixture
def app(sim):
    return sim.create_app("env-app")


def names_values(sim, aliases=None):
    query = "" if aliases is None else f"?aliases={aliases}"
    return {v["name"]: v["value"] for v in sim.get(BASE + query).get_json()["variables"]}


def test_empty_list_then_create_201_and_upsert_200(sim, app):
    assert sim.get(BASE).get_json() == {"variables": []}
    response = sim.post(BASE, json={"variable": {"name": "RAILS_ENV", "value": "production"}})
    assert response.status_code == 201
    created = response.get_json()["variable"]
    assert re.fullmatch(r"[0-9a-f]{24}", created["id"])
    assert created == {"id": created["id"], "app_id": app["id"], "name": "RAILS_ENV", "value": "production"}
    again = sim.post(BASE, json={"variable": {"name": "RAILS_ENV", "value": "staging"}})
    assert again.status_code == 200
    assert again.get_json()["variable"] == dict(created, value="staging")
    assert sim.get(f"/v1/apps/{app['id']}/variables").get_json() == {"variables": [dict(created, value="staging")]}


def test_create_validation_as_the_real_api(sim, app):
    response = sim.post(BASE, json={"variable": {"wrong": "params"}})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"name": ["can't be blank", "must start with a letter"], "value": ["can't be blank"]}
    }
    cases = [
        ({"name": "1ABC", "value": "x"}, {"name": ["must start with a letter"]}),
        ({"name": "_ABC", "value": "x"}, {"name": ["must start with a letter"]}),
        ({"name": "MY-VAR", "value": "x"}, {"name": ["is invalid"]}),
        ({"name": "A" * 65, "value": "x"}, {"name": ["is too long (maximum is 64 characters)"]}),
        ({"name": "PORT", "value": "80"}, {"name": ["is reserved"]}),
        ({"name": "EMPTY", "value": ""}, {"value": ["can't be blank"]}),
        ({"name": "NUMBER", "value": 5}, {"value": ["must be a string"]}),
        ({"name": "HUGE", "value": "x" * 32769}, {"value": ["is too long (maximum is 32768 characters)"]}),
    ]
    for fields, expected in cases:
        response = sim.post(BASE, json={"variable": fields})
        assert (response.status_code, response.get_json()) == (422, {"errors": expected}), fields
    assert sim.post(BASE, json={"variable": {"name": "A" * 64, "value": "x" * 32768}}).status_code == 201
    assert sim.post(BASE, json={"variable": {"name": "lower_case_1", "value": "x"}}).status_code == 201


def test_bulk_put_upserts_and_answers_only_the_sent_ones(sim, app):
    sim.post(BASE, json={"variable": {"name": "KEEP", "value": "kept"}})
    sim.post(BASE, json={"variable": {"name": "RACK_ENV", "value": "staging"}})
    response = sim.put(
        BASE,
        json={"variables": [{"name": "RAILS_ENV", "value": "production"}, {"name": "RACK_ENV", "value": "production"}]},
    )
    assert response.status_code == 200
    sent = response.get_json()["variables"]
    assert [(v["name"], v["value"], v["app_id"]) for v in sent] == [
        ("RAILS_ENV", "production", app["id"]),
        ("RACK_ENV", "production", app["id"]),
    ]
    assert names_values(sim) == {"KEEP": "kept", "RACK_ENV": "production", "RAILS_ENV": "production"}


def test_bulk_put_reserved_name_is_a_400_failed_list(sim, app):
    response = sim.put(
        BASE, json={"variables": [{"name": "PORT", "value": "12345"}, {"name": "GOOD", "value": "fine"}]}
    )
    assert response.status_code == 400
    failed = response.get_json()["failed"]
    assert len(failed) == 1
    assert re.fullmatch(r"[0-9a-f]{24}", failed[0]["id"])
    assert failed[0] == {
        "id": failed[0]["id"],
        "app_id": app["id"],
        "name": "PORT",
        "value": "12345",
        "errors": {"name": ["is reserved"]},
    }
    # Each variable is saved on its own: the valid one was kept.
    assert names_values(sim) == {"GOOD": "fine"}


def test_bulk_put_without_a_list(sim, app):
    for body in ({}, {"variables": {"A": "b"}}, None):
        response = sim.put(BASE, json=body)
        assert response.status_code == 422
        assert response.get_json() == {"errors": {"variables": ["must be a list of variables"]}}


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_one_changes_only_the_value(sim, app, method):
    variable = sim.post(BASE, json={"variable": {"name": "RAILS_ENV", "value": "production"}}).get_json()["variable"]
    response = getattr(sim, method)(
        f"{BASE}/{variable['id']}", json={"variable": {"name": "OTHER", "value": "staging"}}
    )
    assert response.status_code == 200
    assert response.get_json() == {"variable": dict(variable, value="staging")}
    blank = getattr(sim, method)(f"{BASE}/{variable['id']}", json={"variable": {"value": ""}})
    assert (blank.status_code, blank.get_json()) == (422, {"errors": {"value": ["can't be blank"]}})
    missing = getattr(sim, method)(f"{BASE}/0123456789abcdef01234567", json={"variable": {"value": "x"}})
    assert (missing.status_code, missing.get_json()) == (404, {"resource": "variable", "error": "not found"})


def test_delete_one(sim, app):
    variable = sim.post(BASE, json={"variable": {"name": "GONE", "value": "soon"}}).get_json()["variable"]
    response = sim.delete(f"{BASE}/{variable['id']}")
    assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    again = sim.delete(f"{BASE}/{variable['id']}")
    assert (again.status_code, again.get_json()) == (404, {"resource": "variable", "error": "not found"})


def test_bulk_delete_with_ids_in_the_body_or_the_query(sim, app):
    ids = {}
    for name in ("A", "B", "C", "D"):
        ids[name] = sim.post(BASE, json={"variable": {"name": name, "value": "v"}}).get_json()["variable"]["id"]
    response = sim.delete(BASE, json={"variable_ids": [ids["A"], ids["B"], "0123456789abcdef01234567"]})
    assert response.status_code == 204 and response.data == b""
    assert set(names_values(sim)) == {"C", "D"}
    response = sim.delete(f"{BASE}?variable_ids%5B%5D={ids['C']}")
    assert response.status_code == 204
    assert set(names_values(sim)) == {"D"}
    for body in ({}, {"variable_ids": []}, {"variable_ids": "x"}):
        response = sim.delete(BASE, json=body)
        assert (response.status_code, response.get_json()) == (422, {"errors": {"variable_ids": ["can't be blank"]}})
    assert set(names_values(sim)) == {"D"}


def test_aliases_raw_by_default_and_resolved_when_false(sim, app):
    sim.put(
        BASE,
        json={
            "variables": [
                {"name": "SCALINGO_POSTGRESQL_URL", "value": "postgres://u:pw@db:5432/app"},
                {"name": "DATABASE_URL", "value": "$SCALINGO_POSTGRESQL_URL"},
                {"name": "BRACED", "value": "${SCALINGO_POSTGRESQL_URL}?sslmode=require"},
                {"name": "DANGLING", "value": "$NOT_SET"},
            ]
        },
    )
    raw = {
        "SCALINGO_POSTGRESQL_URL": "postgres://u:pw@db:5432/app",
        "DATABASE_URL": "$SCALINGO_POSTGRESQL_URL",
        "BRACED": "${SCALINGO_POSTGRESQL_URL}?sslmode=require",
        "DANGLING": "$NOT_SET",
    }
    assert names_values(sim) == raw
    assert names_values(sim, "true") == raw
    assert names_values(sim, "false") == dict(
        raw, DATABASE_URL="postgres://u:pw@db:5432/app", BRACED="postgres://u:pw@db:5432/app?sslmode=require"
    )


def test_unknown_app_and_other_users_apps(client, sim, app):
    assert sim.get("/v1/apps/no-such-app/variables").get_json() == {"resource": "app", "error": "not found"}
    sim.admin("/users", {"email": "bob@example.com", "username": "bob", "token": "tk-us-bob"})
    from sim_client import Sim

    bob = Sim(client, "tk-us-bob")
    assert bob.put(BASE, json={"variables": [{"name": "A", "value": "b"}]}).status_code == 404
    assert names_values(sim) == {}


def test_faults_and_request_log_apply(sim, app):
    sim.admin("/faults", {"method": "PUT", "path": "/v1/apps/*/variables", "status": 503, "fresh": True})
    assert sim.put(BASE, json={"variables": [{"name": "A", "value": "b"}]}).status_code == 503
    assert names_values(sim) == {}
    response = sim.put(BASE, json={"variables": [{"name": "A", "value": "b"}]})
    assert response.status_code == 200
    log = sim.admin("/requests", method="GET")["requests"]
    assert [(e["method"], e["path"], e["status"], e["mutating"]) for e in log] == [
        ("PUT", "/v1/apps/env-app/variables", 503, True),
        ("GET", "/v1/apps/env-app/variables", 200, False),
        ("PUT", "/v1/apps/env-app/variables", 200, True),
    ]


def test_reset_forgets_variables(sim, app):
    sim.post(BASE, json={"variable": {"name": "A", "value": "b"}})
    sim.admin("/reset")
    sim.create_app("env-app")
    assert names_values(sim) == {}
