import base64
import json

from sim_client import Sim

from scalingo_sim import bearer, create_app
from scalingo_sim.web import EXTENSION


def decode(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def basic(token):
    return {"Authorization": "Basic " + base64.b64encode(f":{token}".encode()).decode()}


def test_exchange_returns_hs512_jwt(client):
    response = client.post("/v1/tokens/exchange", headers=basic("tk-us-simulator"))
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    head, payload, signature = response.get_json()["token"].split(".")
    assert "=" not in head + payload + signature
    assert decode(head) == {"typ": "JWT", "alg": "HS512"}
    claims = decode(payload)
    assert set(claims) == {"iss", "iat", "uuid", "rnd", "exp"}
    assert claims["iss"] == "Scalingo" and claims["uuid"].startswith("us-")
    assert claims["exp"] - claims["iat"] == 3600


def test_exchange_accepts_empty_body_json_object_and_no_content_type(client):
    for kwargs in ({}, {"json": {}}, {"data": "{}"}, {"data": ""}):
        assert client.post("/v1/tokens/exchange", headers=basic("tk-us-simulator"), **kwargs).status_code == 200


def test_exchange_rejects_bad_or_missing_token(client):
    for headers in (basic("wrong"), {}, {"Authorization": "Bearer tk-us-simulator"}):
        response = client.post("/v1/tokens/exchange", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": "Invalid credentials"}


def test_token_option_replaces_default_token():
    client = create_app({"tokens": ["tk-us-one", "tk-us-two"]}).test_client()
    assert client.post("/v1/tokens/exchange", headers=basic("tk-us-simulator")).status_code == 401
    assert client.post("/v1/tokens/exchange", headers=basic("tk-us-one")).status_code == 200
    assert client.post("/v1/tokens/exchange", headers=basic("tk-us-two")).status_code == 200


def test_regional_routes_need_a_valid_bearer(client, sim):
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        basic("tk-us-simulator"),
        {"Authorization": f"Bearer {sim.bearer[:-2]}xx"},
    ):
        response = client.get("/v1/apps", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": "You are not authorized to do this operation"}
        assert response.content_type == "application/json; charset=utf-8"
    assert sim.get("/v1/apps").status_code == 200
    assert client.get("/v1/features/container_sizes").status_code == 200


def test_expired_bearer_is_refused(flask_app, client):
    state = flask_app.extensions[EXTENSION]
    token, payload = bearer.issue(state.secret, state.default_user_id, ttl=-5)
    state.register_bearer(payload["rnd"])
    assert client.get("/v1/apps", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_bearer_ttl_setting(client, sim):
    sim.admin("/config", {"bearer_ttl": 60})
    claims = decode(Sim(client).bearer.split(".")[1])
    assert claims["exp"] - claims["iat"] == 60


def test_revoke_makes_issued_bearers_invalid(client, sim):
    assert sim.admin("/bearers/revoke")["revoked"] >= 1
    assert sim.get("/v1/apps").status_code == 401
    assert Sim(client).get("/v1/apps").status_code == 200


def test_regions_point_back_to_the_simulator(sim):
    response = sim.get("/v1/regions")
    region = response.get_json()["regions"][0]
    assert region == {
        "name": "osc-fr1",
        "display_name": "Paris - Outscale",
        "api": "http://localhost",
        "dashboard": "https://my.osc-fr1.scalingo.com",
        "database_api": "http://localhost",
        "ssh": "ssh.osc-fr1.scalingo.com:22",
        "default": True,
    }


def test_users_self(sim):
    user = sim.get("/v1/users/self").get_json()["user"]
    assert user["email"] == "owner@example.com" and user["username"] == "owner"


def test_request_id_is_generated_or_echoed(client, sim):
    generated = sim.get("/v1/apps").headers["X-Request-ID"]
    assert len(generated) == 36
    assert sim.get("/v1/apps", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert client.get("/v1/apps").headers["X-Request-ID"]  # also on errors


def test_bearer_survives_reset(sim):
    sim.admin("/reset")
    # reset keeps the default user's id and the signing secret
    assert sim.get("/v1/apps").status_code == 200
