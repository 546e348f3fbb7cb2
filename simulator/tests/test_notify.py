"""Notifiers, alerts and the public listings they use."""

import pytest

from scalingo_sim.state.notify import go_duration

APP = "/v1/apps/deployed-app"
HOOK = "https://hooks.example.com/s3cr3t-sim-hook"


def platform_id(client, name):
    found = client.get(f"/v1/notification_platforms/search?name={name}").get_json()["notification_platforms"]
    return found[0]["id"]


def event_ids(client, *names):
    types = client.get("/v1/event_types").get_json()["event_types"]
    return [t["id"] for t in types if t["name"] in names]


def make_notifier(sim, client, **fields):
    body = {
        "name": "hook",
        "active": True,
        "platform_id": platform_id(client, "webhook"),
        "type_data": {"webhook_url": HOOK},
    }
    response = sim.post(f"{APP}/notifiers", json={"notifier": dict(body, **fields)})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["notifier"]


def test_the_listings_need_no_bearer(client):
    platforms = client.get("/v1/notification_platforms").get_json()["notification_platforms"]
    assert {p["name"] for p in platforms} == {"email", "slack", "webhook", "rocket_chat"}
    assert set(platforms[0]) == {"id", "name", "display_name", "logo_url", "description", "available_event_ids"}
    types = client.get("/v1/event_types").get_json()["event_types"]
    assert {"app_deployed", "app_crashed"} <= {t["name"] for t in types}
    assert set(types[0]) == {"id", "name", "display_name", "description", "category_id"}
    assert client.get("/v1/notification_platforms/search?name=nope").get_json() == {"notification_platforms": []}
    assert client.get(f"{APP}/notifiers").status_code == 401


def test_every_app_has_a_default_notifier(sim, deployed):
    (default,) = sim.get(f"{APP}/notifiers").get_json()["notifiers"]
    assert default["name"] == "Default 'deployed-app' notifier"
    assert (default["type"], default["active"], default["send_all_alerts"]) == ("email", True, True)


def test_create_echoes_the_webhook_url_then_update_and_delete(sim, client, deployed):
    events = event_ids(client, "app_deployed")
    notifier = make_notifier(sim, client, selected_event_ids=events)
    assert notifier["type"] == "webhook" and notifier["type_data"] == {"webhook_url": HOOK}
    assert notifier["selected_event_ids"] == events and notifier["app"] == "deployed-app"
    one = f"{APP}/notifiers/{notifier['id']}"
    response = sim.patch(one, json={"notifier": {"active": False, "send_all_events": True}})
    assert response.status_code == 200
    assert response.get_json()["notifier"]["active"] is False
    assert sim.get(one).get_json()["notifier"]["send_all_events"] is True
    assert sim.client.put(one, json={"notifier": {"name": "renamed"}}, headers=sim._headers(None)).status_code == 200
    assert sim.delete(one).status_code == 204
    assert sim.get(one).get_json() == {"resource": "base", "error": "not found"}


@pytest.mark.parametrize(
    ("fields", "status", "answer"),
    [
        ({"name": ""}, 422, {"errors": {"name": ["can't be blank"]}}),
        ({"active": None}, 422, {"errors": {"active": ["can't be blank"]}}),
        ({"platform_id": "nope"}, 404, {"resource": "notification_platform", "error": "not found"}),
        ({"type_data": {"webhook_url": "not a url"}}, 422, {"errors": {"webhook_url": ["is invalid"]}}),
        (
            {"selected_event_ids": ["ev-nope"]},
            422,
            {"errors": {"selected_event_ids": ["must be a list of event type ids"]}},
        ),
    ],
)
def test_notifier_refusals(sim, client, deployed, fields, status, answer):
    body = {
        "name": "hook",
        "active": True,
        "platform_id": platform_id(client, "webhook"),
        "type_data": {"webhook_url": HOOK},
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    response = sim.post(f"{APP}/notifiers", json={"notifier": body})
    assert (response.status_code, response.get_json()) == (status, answer)


def test_alerts_crud_without_notifiers_in_show_and_update(sim, client, deployed):
    notifier = make_notifier(sim, client)
    body = {
        "container_type": "web",
        "metric": "cpu",
        "limit": 0.8,
        "duration_before_trigger": 180 * 10**9,
        "remind_every": "5m0s",
        "notifiers": [notifier["id"]],
    }
    response = sim.post(f"{APP}/alerts", json={"alert": body})
    assert response.status_code == 201, response.get_data(as_text=True)
    alert = response.get_json()["alert"]
    assert {k: alert[k] for k in body} == body
    assert alert["id"].startswith("al-") and alert["send_when_below"] is False and alert["disabled"] is False
    one = f"{APP}/alerts/{alert['id']}"
    assert "notifiers" not in sim.get(one).get_json()["alert"]
    # go-scalingo's update: unwrapped, remind_every in nanoseconds.
    updated = sim.patch(one, json={"limit": 0.9, "remind_every": 90 * 10**9}).get_json()["alert"]
    assert (updated["limit"], updated["remind_every"]) == (0.9, "1m30s") and "notifiers" not in updated
    assert sim.get(f"{APP}/alerts").get_json()["alerts"][0]["notifiers"] == [notifier["id"]]
    # Deleting a notifier takes it out of the alerts.
    sim.delete(f"{APP}/notifiers/{notifier['id']}")
    assert sim.get(f"{APP}/alerts").get_json()["alerts"][0]["notifiers"] == []
    assert sim.delete(one).status_code == 204
    assert sim.get(one).get_json() == {"resource": "alert", "error": "not found"}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"metric": "rpm"},
            {
                "metric": [
                    "is not included in the list (cpu, memory, swap, p95_response_time, 5XX, all, rpm_per_container)"
                ]
            },
        ),
        (
            {"metric": "5XX", "container_type": "worker"},
            {"metric": ["router metrics are only available for the web container type"]},
        ),
        ({"limit": None}, {"limit": ["can't be blank"]}),
        ({"notifiers": ["no-unknown"]}, {"notifiers": ["contains unknown notifiers"]}),
        ({"remind_every": "often"}, {"remind_every": ["must be a duration such as 5m30s"]}),
    ],
)
def test_alert_refusals(sim, deployed, fields, errors):
    body = {"container_type": "web", "metric": "cpu", "limit": 0.8}
    body.update(fields)
    response = sim.post(f"{APP}/alerts", json={"alert": body})
    assert (response.status_code, response.get_json()) == (422, {"errors": errors})


def test_go_duration():
    assert [go_duration(n * 10**9) for n in (0, 45, 330, 3600, 5400)] == ["0s", "45s", "5m30s", "1h0m0s", "1h30m0s"]
