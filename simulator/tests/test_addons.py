import re
import time

import pytest

SECRET = re.compile(r"s3cr3t-[A-Za-z0-9-]+")


def plan_id(client, provider, name):
    plans = client.get(f"/v1/addon_providers/{provider}/plans").get_json()["plans"]
    return next(p["id"] for p in plans if p["name"] == name)


def provision(sim, client, app="addon-app", provider="postgresql", plan="postgresql-starter-512"):
    body = {"addon": {"addon_provider_id": provider, "plan_id": plan_id(client, provider, plan)}}
    return sim.post(f"/v1/apps/{app}/addons", json=body)


@pytest.fixture
def app(sim):
    return sim.create_app("addon-app")


# -- catalogue -------------------------------------------------------------------------------------


def test_the_catalogue_is_public(client):
    providers = client.get("/v1/addon_providers")
    assert providers.status_code == 200
    ids = [p["id"] for p in providers.get_json()["addon_providers"]]
    assert ids == ["postgresql", "mysql", "redis", "mongodb"]
    postgresql = providers.get_json()["addon_providers"][0]
    assert postgresql["category"]["name"] == "Databases"
    plan = postgresql["plans"][1]
    assert (plan["name"], plan["price"], plan["position"]) == ("postgresql-starter-512", 14.4, 1)
    assert re.fullmatch(r"[0-9a-f]{24}", plan["id"])
    assert postgresql["plans"][0]["position"] is None  # as in real data
    assert plan["pricings"]["default"]["period"] == "minute"
    plans = client.get("/v1/addon_providers/postgresql/plans?show_all=false").get_json()["plans"]
    assert plans == postgresql["plans"]
    assert client.get("/v1/addon_categories").get_json()["addon_categories"][0]["name"] == "Databases"
    category = postgresql["category"]["id"]
    assert len(client.get(f"/v1/addon_providers?category_id={category}").get_json()["addon_providers"]) == 4
    assert client.get("/v1/addon_providers?category_id=other").get_json()["addon_providers"] == []


def test_an_unknown_provider_has_no_plans(client):
    response = client.get("/v1/addon_providers/oracle/plans")
    assert (response.status_code, response.get_json()) == (404, {"resource": "addon_provider", "error": "not found"})


def test_plan_ids_are_stable_across_simulators(client):
    from scalingo_sim import create_app

    other = create_app().test_client()
    assert plan_id(client, "redis", "redis-sandbox") == plan_id(other, "redis", "redis-sandbox")


# -- provisioning ----------------------------------------------------------------------------------


def test_provision_then_running_after_the_configured_delay(sim, client, app):
    sim.admin("/config", {"addon_provisioning": 0.3})
    response = provision(sim, client)
    assert response.status_code == 201
    body = response.get_json()
    addon = body["addon"]
    assert body["message"] == addon["message"] == "Database is being provisioned"
    assert addon["variables"] is None
    assert re.fullmatch(r"ad-[0-9a-f-]{36}", addon["id"])
    assert re.fullmatch(r"addon_app_\d{4}", addon["resource_id"])
    assert addon["app_id"] == app["id"] and addon["status"] == "provisioning"
    assert addon["addon_provider"] == {
        "id": "postgresql",
        "name": "PostgreSQL",
        "logo_url": "//cdn.scalingo.com/addons/Scalingo_PostgreSQL.svg",
    }
    assert addon["plan"]["name"] == "postgresql-starter-512"
    shown = sim.get(f"/v1/apps/addon-app/addons/{addon['id']}").get_json()["addon"]
    assert shown["status"] == "provisioning"
    time.sleep(0.35)
    assert sim.get(f"/v1/apps/{app['id']}/addons/{addon['id']}").get_json()["addon"]["status"] == "running"
    listed = sim.get("/v1/apps/addon-app/addons").get_json()["addons"]
    assert [a["id"] for a in listed] == [addon["id"]]


def test_provision_injects_a_url_and_its_alias(sim, client, app):
    addon = provision(sim, client).get_json()["addon"]
    raw = sim.get("/v1/apps/addon-app/variables").get_json()["variables"]
    assert [v["name"] for v in raw] == ["SCALINGO_POSTGRESQL_URL", "DATABASE_URL"]
    url = raw[0]["value"]
    assert url.startswith(f"postgres://{addon['resource_id']}:s3cr3t-") and SECRET.search(url)
    assert raw[1]["value"] == "$SCALINGO_POSTGRESQL_URL"
    assert all(v["app_id"] == app["id"] and re.fullmatch(r"[0-9a-f]{24}", v["id"]) for v in raw)
    assert sim.get("/v1/apps/addon-app/variables?aliases=true").get_json()["variables"] == raw
    interpolated = sim.get("/v1/apps/addon-app/variables?aliases=false").get_json()["variables"]
    assert [v["value"] for v in interpolated] == [url, url]


def test_a_second_addon_of_a_provider_gets_numbered_names_and_no_alias(sim, client, app):
    provision(sim, client)
    provision(sim, client, plan="postgresql-sandbox")
    provision(sim, client, provider="redis", plan="redis-sandbox")
    names = [v["name"] for v in sim.get("/v1/apps/addon-app/variables").get_json()["variables"]]
    assert names == [
        "SCALINGO_POSTGRESQL_URL",
        "DATABASE_URL",
        "SCALINGO_POSTGRESQL_2_URL",
        "SCALINGO_REDIS_URL",
        "REDIS_URL",
    ]


def test_provision_refusals(sim, client, app):
    assert sim.post("/v1/apps/addon-app/addons", json={"addon": {"addon_provider_id": "postgresql"}}).get_json() == {
        "error": "plan_id is required"
    }
    response = sim.post("/v1/apps/addon-app/addons", json={})
    assert (response.status_code, response.get_json()) == (400, {"error": "plan_id is required"})
    redis_plan = plan_id(client, "redis", "redis-sandbox")
    response = sim.post("/v1/apps/addon-app/addons", json={"addon": {"plan_id": redis_plan}})
    assert (response.status_code, response.get_json()) == (400, {"error": "addon_provider_id is required"})
    for provider, plan in (("postgresql", "5ed0000000000000000000ff"), ("postgresql", redis_plan)):
        response = sim.post(
            "/v1/apps/addon-app/addons", json={"addon": {"addon_provider_id": provider, "plan_id": plan}}
        )
        assert (response.status_code, response.get_json()) == (404, {"resource": "plan", "error": "not found"})
    response = sim.post(
        "/v1/apps/addon-app/addons", json={"addon": {"addon_provider_id": "oracle", "plan_id": redis_plan}}
    )
    assert (response.status_code, response.get_json()["resource"]) == (404, "addon_provider")
    assert provision(sim, client, app="no-such-app").get_json() == {"resource": "app", "error": "not found"}
    assert sim.get("/v1/apps/addon-app/addons").get_json() == {"addons": []}


def test_app_addons_need_a_bearer(client, sim, app):
    assert client.get("/v1/apps/addon-app/addons").status_code == 401
    assert client.get("/v1/apps/addon-app/variables").status_code == 401


def test_a_paid_plan_needs_a_payment_method(sim, client, app):
    user = sim.admin("/users/owner@example.com", {"payment_method": False}, method="PATCH")["user"]
    assert user["payment_method"] is False
    response = provision(sim, client)
    assert response.status_code == 402
    assert response.get_json() == {
        "error": "You need to add a payment method to your account to use this paid addon plan",
        "url": "https://my.scalingo.com/apps/billing",
        "name": "payment-method-required",
    }
    free = provision(sim, client, plan="postgresql-sandbox").get_json()["addon"]
    upgrade = {"addon": {"plan_id": plan_id(client, "postgresql", "postgresql-starter-512")}}
    assert sim.patch(f"/v1/apps/addon-app/addons/{free['id']}", json=upgrade).status_code == 402
    sim.admin("/users/owner@example.com", {"payment_method": True}, method="PATCH")
    assert sim.patch(f"/v1/apps/addon-app/addons/{free['id']}", json=upgrade).status_code == 200


def test_user_switches_are_checked(client):
    assert client.patch("/_sim/users/owner@example.com", json={}).status_code == 400
    assert client.patch("/_sim/users/owner@example.com", json={"payment_method": "no"}).status_code == 400
    assert client.patch("/_sim/users/nobody@example.com", json={"free_trial": True}).status_code == 404
    created = client.post(
        "/_sim/users", json={"email": "payless@example.com", "username": "payless", "payment_method": False}
    )
    assert created.get_json()["user"]["payment_method"] is False


# -- plan change, deletion -------------------------------------------------------------------------


def test_change_plan_provisions_again(sim, client, app):
    sim.admin("/config", {"addon_provisioning": 0})
    addon = provision(sim, client).get_json()["addon"]
    assert sim.get(f"/v1/apps/addon-app/addons/{addon['id']}").get_json()["addon"]["status"] == "running"
    sim.admin("/config", {"addon_provisioning": 30})
    new_plan = plan_id(client, "postgresql", "postgresql-business-1024")
    response = sim.patch(f"/v1/apps/addon-app/addons/{addon['id']}", json={"addon": {"plan_id": new_plan}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["variables"] is None and body["message"] == "Database plan is being changed"
    assert body["addon"]["plan"]["name"] == "postgresql-business-1024"
    assert body["addon"]["status"] == "provisioning"
    assert body["addon"]["provisioned_at"] >= addon["provisioned_at"]
    put = sim.put(f"/v1/apps/addon-app/addons/{addon['id']}", json={"addon": {"plan_id": addon["plan"]["id"]}})
    assert put.status_code == 200 and put.get_json()["addon"]["plan"]["name"] == "postgresql-starter-512"


def test_change_plan_refusals(sim, client, app):
    addon = provision(sim, client).get_json()["addon"]
    path = f"/v1/apps/addon-app/addons/{addon['id']}"
    response = sim.patch(path, json={"addon": {}})
    assert (response.status_code, response.get_json()) == (400, {"error": "plan_id is required"})
    response = sim.patch(path, json={"addon": {"plan_id": plan_id(client, "redis", "redis-sandbox")}})
    assert (response.status_code, response.get_json()) == (404, {"resource": "plan", "error": "not found"})
    response = sim.patch("/v1/apps/addon-app/addons/ad-nope", json={"addon": {"plan_id": addon["plan"]["id"]}})
    assert (response.status_code, response.get_json()) == (404, {"resource": "addon", "error": "not found"})
    sim.admin(f"/apps/addon-app/addons/{addon['id']}/status", {"status": "suspended"})
    assert sim.get(path).get_json()["addon"]["status"] == "suspended"
    response = sim.patch(path, json={"addon": {"plan_id": plan_id(client, "postgresql", "postgresql-sandbox")}})
    assert response.status_code == 400 and "suspended" in response.get_json()["error"]
    sim.admin(f"/apps/addon-app/addons/{addon['id']}/status", {"status": None})
    assert sim.get(path).get_json()["addon"]["status"] in ("provisioning", "running")


def test_delete_removes_the_addon_and_its_variables(sim, client, app):
    addon = provision(sim, client).get_json()["addon"]
    provision(sim, client, provider="redis", plan="redis-sandbox")
    response = sim.delete(f"/v1/apps/addon-app/addons/{addon['id']}")
    assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    assert sim.get(f"/v1/apps/addon-app/addons/{addon['id']}").get_json() == {"resource": "addon", "error": "not found"}
    assert sim.delete(f"/v1/apps/addon-app/addons/{addon['id']}").status_code == 404
    names = [v["name"] for v in sim.get("/v1/apps/addon-app/variables").get_json()["variables"]]
    assert names == ["SCALINGO_REDIS_URL", "REDIS_URL"]


# -- admin -----------------------------------------------------------------------------------------


def test_admin_seeds_addons_and_never_shows_values(sim, app):
    seeded = sim.admin("/apps/addon-app/addons", {"addon_provider_id": "postgresql", "plan": "postgresql-sandbox"})
    addon = seeded["addon"]
    assert addon["status"] == "running" and addon["plan"] == "postgresql-sandbox"
    assert addon["variables"] == ["DATABASE_URL", "SCALINGO_POSTGRESQL_URL"]
    slow = sim.admin(
        "/apps/addon-app/addons", {"addon_provider_id": "redis", "plan": "redis-sandbox", "provisioning": 60}
    )["addon"]
    assert slow["status"] == "provisioning"
    forced = sim.admin(f"/apps/addon-app/addons/{slow['id']}/status", {"status": "running"})["addon"]
    assert forced["status"] == "running"
    for body in (
        {"addon_provider_id": "oracle", "plan": "x"},
        {"addon_provider_id": "redis", "plan": "postgresql-sandbox"},
        {"addon_provider_id": "redis", "plan": "redis-sandbox", "provisioning": -1},
    ):
        assert sim.client.post("/_sim/apps/addon-app/addons", json=body).status_code == 400
    assert (
        sim.client.post(f"/_sim/apps/addon-app/addons/{slow['id']}/status", json={"status": "gone"}).status_code == 400
    )
    assert sim.client.post("/_sim/apps/addon-app/addons/ad-nope/status", json={"status": None}).status_code == 404
    assert sim.client.post("/_sim/config", json={"addon_provisioning": -1}).status_code == 400


def test_reset_restores_the_provisioning_delay_and_drops_addons(sim, client, app):
    sim.admin("/config", {"addon_provisioning": 12})
    provision(sim, client)
    sim.admin("/reset")
    assert sim.admin("/config", method="GET")["addon_provisioning"] == 1.0
    assert sim.admin("/users", method="GET")["users"][0]["payment_method"] is True
