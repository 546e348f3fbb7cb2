import re
from urllib.parse import urlsplit

import pytest


def test_container_sizes_without_auth(client):
    response = client.get("/v1/features/container_sizes")
    sizes = response.get_json()["container_sizes"]
    assert [s["name"] for s in sizes] == ["S", "M", "L", "XL", "2XL", "3XL"]
    m = sizes[1]
    assert m["memory"] == 536870912 and m["ordinal"] == 3 and m["sku"] == "osc-fr1-app-M"
    assert m["human_cpu"] == "standard CPU priority" and m["pids_limit"] == 256 and m["swap"] is None
    assert (m["hourly_price"], m["thirtydays_price"]) == (20, 1440)
    assert re.fullmatch(r"[0-9a-f-]{36}", m["id"])


def test_logs_url_and_stream(client, sim, deployed):
    body = sim.get("/v1/apps/deployed-app/logs").get_json()
    assert body["app"]["id"] == deployed["id"]
    url = urlsplit(body["logs_url"])
    assert url.path == f"/_logs/apps/{deployed['id']}/logs"
    assert re.fullmatch(r"token=[A-Za-z0-9_-]{64}", url.query)
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 200 and response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert any("[web-1]" in line for line in lines)
    assert len(client.get(f"{url.path}?{url.query}&n=2").get_data(as_text=True).splitlines()) == 2
    assert client.get(f"{url.path}?token=wrong").status_code == 401
    logged = sim.admin("/requests", method="GET")["requests"][-1]
    assert logged["query"]["token"] == "[redacted]"


def test_logs_archives_cursor_pagination(sim, deployed):
    assert sim.get("/v1/apps/deployed-app/logs_archives").get_json() == {
        "next_cursor": "",
        "has_more": False,
        "archives": [],
    }
    sim.admin("/apps/deployed-app/logs_archives", {"count": 25})
    first = sim.get("/v1/apps/deployed-app/logs_archives").get_json()
    assert first["has_more"] is True and len(first["archives"]) == 10
    archive = first["archives"][0]
    assert set(archive) == {"url", "size", "from", "to"}
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 UTC \d{4}", archive["from"])
    second = sim.get(f"/v1/apps/deployed-app/logs_archives?cursor={first['next_cursor']}").get_json()
    third = sim.get(f"/v1/apps/deployed-app/logs_archives?cursor={second['next_cursor']}").get_json()
    assert (len(third["archives"]), third["has_more"], third["next_cursor"]) == (5, False, "")
    response = sim.get("/v1/apps/deployed-app/logs_archives?cursor=bogus")
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid cursor"})


def test_stats(sim, deployed):
    stats = sim.get("/v1/apps/deployed-app/stats").get_json()["stats"]
    assert [s["id"] for s in stats] == ["web-1", "web-2", "worker-1"]
    assert set(stats[0]) == {
        "id",
        "cpu_usage",
        "memory_usage",
        "memory_limit",
        "highest_memory_usage",
        "swap_usage",
        "swap_limit",
        "highest_swap_usage",
    }
    assert stats[0]["memory_limit"] == 536870912 and stats[2]["memory_limit"] == 268435456
    assert stats == sim.get("/v1/apps/deployed-app/stats").get_json()["stats"]


@pytest.mark.parametrize("path", ["cpu/web", "memory/web/1", "swap/worker", "router", "router/web/2"])
def test_metric_series(sim, deployed, path):
    points = sim.get(f"/v1/apps/deployed-app/stats/{path}?since=2").get_json()
    assert isinstance(points, list) and len(points) == 120
    assert points[0]["value"] is None and isinstance(points[1]["value"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", points[0]["time"])


def test_metric_errors(sim, deployed):
    def get(path):
        response = sim.get(f"/v1/apps/deployed-app/stats/{path}")
        return response.status_code, response.get_json()

    assert get("cpu") == (400, {"error": "'container' should be defined"})
    assert get("cpu/clock") == (404, {"resource": "container_type", "error": "not found"})
    assert get("disk/web") == (400, {"error": "invalid metric"})
    assert get("router?status_code=1XX") == (404, {"error": "no metrics found"})
    assert len(sim.get("/v1/apps/deployed-app/stats/router?since=500").get_json()) == 72 * 60
    sim.create_app("quiet-app")
    response = sim.get("/v1/apps/quiet-app/stats/cpu/web")
    assert (response.status_code, response.get_json()) == (404, {"error": "no metrics found"})


def test_recommended_value(sim, deployed):
    body = sim.get("/v1/apps/deployed-app/stats/cpu/recommended_value?container_type=web").get_json()
    assert body["value"] == 0.9 and body["time"].endswith("T00:00:00Z")
    assert sim.get("/v1/apps/deployed-app/stats/all/recommended_value").status_code == 200
    response = sim.get("/v1/apps/deployed-app/stats/memory/recommended_value")
    assert (response.status_code, response.get_json()) == (400, {"error": "'container' should be defined"})
    assert sim.get("/v1/apps/deployed-app/stats/router/recommended_value").status_code == 400
