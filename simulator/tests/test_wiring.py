"""Log drains (app and addon), SCM integrations and repo links, events and cron tasks."""

import pytest

DRAINS = "/v1/apps/wired-app/log_drains"
LINK = "/v1/apps/wired-app/scm_repo_link"


@pytest.fixture
def app(sim):
    return sim.create_app("wired-app")


def add(sim, path=DRAINS, **drain):
    return sim.post(path, json={"drain": drain})


@pytest.mark.parametrize(
    ("drain", "url"),
    [
        ({"type": "datadog", "token": "s3cr3t-dd", "drain_region": "eu"}, "datadog://s3cr3t-dd?region=eu"),
        (
            {"type": "ovh-graylog", "token": "s3cr3t-ovh", "host": "tag1.logs.ovh.com"},
            "ovh://:s3cr3t-ovh@tag1.logs.ovh.com:6514",
        ),
        (
            {"type": "syslog", "host": "logs.example.com", "port": "514", "token": "s3cr3t-sy"},
            "syslog://:s3cr3t-sy@logs.example.com:514",
        ),
        ({"type": "syslog", "host": "logs.example.com", "port": "514"}, "syslog://logs.example.com:514"),
        (
            {"type": "papertrail", "host": "logs7.papertrailapp.com", "port": "12345"},
            "tcp+tls://logs7.papertrailapp.com:12345",
        ),
        ({"type": "elk", "url": "https://user:s3cr3t@elk.example.com/x"}, "https://user:s3cr3t@elk.example.com/x"),
    ],
)
def test_a_drain_url_is_made_of_its_type_and_fields(sim, app, drain, url):
    response = add(sim, **drain)
    assert (response.status_code, response.get_json()) == (201, {"drain": {"url": url}})
    assert sim.get(DRAINS).get_json() == {"drains": [{"app_id": app["id"], "url": url}]}


def test_drain_refusals(sim, app):
    response = add(sim, host="x.example.com")
    assert (response.status_code, response.get_json()) == (400, {"error": "'type' parameter is required"})
    response = add(sim, type="datadog", token="t")
    assert (response.status_code, response.get_json()) == (422, {"errors": {"drain_region": ["can't be blank"]}})
    assert add(sim, type="kafka").status_code == 422
    assert add(sim, type="papertrail", host="h.example.com", port="99999").status_code == 422
    assert add(sim, type="papertrail", host="h.example.com", port="1").status_code == 201
    response = add(sim, type="papertrail", host="h.example.com", port="1")
    assert (response.status_code, response.get_json()) == (422, {"errors": {"url": ["has already been taken"]}})


def test_remove_by_url_in_the_query_or_the_body(sim, app):
    for port in ("1", "2"):
        add(sim, type="papertrail", host="h.example.com", port=port)
    assert sim.delete(DRAINS, query_string={"url": "tcp+tls://h.example.com:1"}).status_code == 204
    assert sim.delete(DRAINS, json={"url": "tcp+tls://h.example.com:2"}).status_code == 204
    assert sim.get(DRAINS).get_json() == {"drains": []}
    response = sim.delete(DRAINS, query_string={"url": "tcp+tls://h.example.com:2"})
    assert (response.status_code, response.get_json()) == (404, {"resource": "log_drain", "error": "not found"})
    assert sim.delete(DRAINS).status_code == 400


def test_addon_drains_and_an_addon_without_logs(sim, app):
    addon = sim.admin("/apps/wired-app/addons", {"addon_provider_id": "redis", "plan": "redis-sandbox"})
    path = f"/v1/apps/wired-app/addons/{addon['addon']['id']}/log_drains"
    assert add(sim, path, type="papertrail", host="h.example.com", port="1").status_code == 201
    assert sim.get(path).get_json()["drains"][0]["url"] == "tcp+tls://h.example.com:1"
    assert sim.get(DRAINS).get_json() == {"drains": []}
    assert sim.admin(f"/apps/wired-app/addons/{addon['addon']['id']}/logs", {"supported": False}) == {
        "supported": False
    }
    response = add(sim, path, type="papertrail", host="h.example.com", port="2")
    assert (response.status_code, response.get_json()) == (400, {"error": "This addon doesn't support log drains"})
    response = sim.get("/v1/apps/wired-app/addons/ad-unknown/log_drains")
    assert (response.status_code, response.get_json()) == (404, {"resource": "addon", "error": "not found"})


def integration(sim, **fields):
    return sim.admin("/scm_integrations", dict({"scm_type": "github", "username": "jane"}, **fields))["scm_integration"]


def test_integrations_are_listed_on_the_auth_side_with_their_token(sim):
    made = integration(sim)
    listed = sim.get("/v1/scm_integrations").get_json()["scm_integrations"]
    assert listed == [made]
    assert made["access_token"].startswith("s3cr3t-scm-") and made["url"] == "https://github.com"
    assert sim.get(f"/v1/scm_integrations/{made['id']}").get_json() == {"scm_integration": made}


def test_repo_link_singleton(sim, app):
    response = sim.get(LINK)
    assert (response.status_code, response.get_json()) == (404, {"error": "The scm_repo_link was not found"})
    made = integration(sim)
    body = {"source": "https://github.com/my-org/my-shop.git", "auth_integration_uuid": made["id"], "branch": "main"}
    response = sim.post(LINK, json={"scm_repo_link": dict(body, auto_deploy_enabled=True)})
    assert response.status_code == 201, response.get_json()
    link = response.get_json()["scm_repo_link"]
    assert (link["owner"], link["repo"], link["url"], link["branch"]) == (
        "my-org",
        "my-shop",
        "https://github.com",
        "main",
    )
    assert link["auto_deploy_enabled"] is True and link["deploy_review_apps_enabled"] is False
    assert "source" not in link and "access_token" not in str(link)
    assert sim.post(LINK, json={"scm_repo_link": body}).status_code == 422
    response = sim.patch(LINK, json={"scm_repo_link": {"hours_before_delete_stale": 48, "delete_stale_enabled": True}})
    assert response.get_json()["scm_repo_link"]["hours_before_delete_stale"] == 48
    assert sim.patch(LINK, json={"scm_repo_link": {"hours_before_delete_stale": -1}}).status_code == 422
    assert sim.delete(LINK).status_code == 204
    assert sim.delete(LINK).status_code == 404
    other = dict(body, source="https://gitlab.com/my-org/my-shop")
    assert sim.post(LINK, json={"scm_repo_link": other}).status_code == 422
    unknown = dict(body, auth_integration_uuid="nope")
    assert sim.post(LINK, json={"scm_repo_link": unknown}).get_json() == {
        "resource": "scm_integration",
        "error": "not found",
    }


def test_events_newest_first_paginated_and_cron_tasks(sim, app, flask_app):
    sim.admin("/apps/wired-app/events", {"count": 5, "type": "restart"})
    page = sim.get("/v1/apps/wired-app/events", query_string={"per_page": 2}).get_json()
    assert [e["type_data"]["n"] for e in page["events"]] == [5, 4]
    assert page["meta"]["pagination"]["next_page"] == 2 and page["meta"]["pagination"]["total_count"] == 5
    last = sim.get("/v1/apps/wired-app/events", query_string={"per_page": 2, "page": 3}).get_json()
    assert [e["type_data"]["n"] for e in last["events"]] == [1]
    assert last["events"][0]["app_name"] == "wired-app" and last["events"][0]["user"]["username"] == "owner"
    assert sim.get("/v1/apps/wired-app/cron_tasks").get_json() == {"jobs": []}
    jobs = [{"command": "0 5 * * * rake import", "size": "2XL"}]
    sim.admin("/apps/wired-app/cron_tasks", {"jobs": jobs})
    assert sim.get("/v1/apps/wired-app/cron_tasks").get_json() == {"jobs": jobs}


def test_reset_forgets_the_wiring(sim, app):
    integration(sim)
    add(sim, type="papertrail", host="h.example.com", port="1")
    sim.admin("/reset")
    assert sim.get("/v1/scm_integrations").get_json() == {"scm_integrations": []}
