import io
import re
import tarfile
import time

import pytest
from sim_client import OPERATION_DURATION

from scalingo_sim.state import archive_members, make_archive

APP = "deploy-app"
FILES = {"shop/index.html": "<h1>shop</h1>", "shop/Procfile": "web: serve"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def app(sim):
    return sim.create_app(APP)


def add_source(sim, files=None):
    return sim.admin("/sources", {"files": files or FILES})["source"]


def deploy(sim, source_url, git_ref="v1", app=APP):
    return sim.post(f"/v1/apps/{app}/deployments", json={"deployment": {"source_url": source_url, "git_ref": git_ref}})


def read(sim, deployment_id, app=APP):
    return sim.get(f"/v1/apps/{app}/deployments/{deployment_id}").get_json()["deployment"]


def wait_finished(sim, deployment_id, timeout=5.0):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        deployment = read(sim, deployment_id)
        if not seen or seen[-1] != deployment["status"]:
            seen.append(deployment["status"])
        if deployment["status"] not in ("queued", "building", "pushing", "starting"):
            return deployment, seen
        time.sleep(0.02)
    raise AssertionError(f"deployment did not finish: {seen}")


def output(sim, deployment_id, app=APP):
    response = sim.get(f"/v1/apps/{app}/deployments/{deployment_id}/output")
    assert response.status_code == 200 and response.content_type == "text/plain; charset=utf-8"
    return response.get_data(as_text=True)


# -- the lifecycle -----------------------------------------------------------------------------------


def test_a_deployment_is_created_201_builds_then_runs_the_app(sim, app):
    sim.admin("/next_deployment", {"duration": 0.4, "formation": [{"name": "web", "amount": 2}]})
    response = deploy(sim, add_source(sim)["download_url"])
    assert response.status_code == 201
    created = response.get_json()["deployment"]
    assert created["status"] in ("building", "queued") and created["finished_at"] is None
    assert created["image_size"] == 0 and created["stack_base_image"] == "scalingo/scalingo-22"
    assert (created["git_ref"], created["type"], created["duration"], created["app_id"]) == (
        "v1",
        "archive",
        0,
        app["id"],
    )
    assert created["links"]["output"] == f"http://localhost/v1/apps/{app['id']}/deployments/{created['id']}/output"
    assert re.match(r"^[0-9a-f-]{36}$", created["id"])
    assert sim.get(f"/v1/apps/{APP}").get_json()["app"]["status"] == "new"
    finished, seen = wait_finished(sim, created["id"])
    assert seen[-1] == "success" and set(seen) <= {"building", "pushing", "starting", "success"}
    assert finished["finished_at"].endswith("+00:00") and finished["image"]
    assert isinstance(finished["image_size"], int) and finished["image_size"] > 0
    assert finished["stack_base_image"] == "scalingo/scalingo-22"
    shown = sim.get(f"/v1/apps/{APP}").get_json()["app"]
    assert shown["status"] == "running" and shown["last_deployment_id"] == created["id"]
    containers = sim.get(f"/v1/apps/{APP}/containers").get_json()["containers"]
    assert [(c["name"], c["amount"]) for c in containers] == [("web", 2)]
    text = output(sim, created["id"])
    assert "\x1b[" in text and text.rstrip().endswith(f"<-- https://{APP}.osc-fr1.scalingo.io -->\x1b[0m")


def test_every_status_is_passed_through_in_order(sim, app):
    # Phases of about a second each, so that a poll every 20 ms sees every one even on a busy machine.
    sim.admin("/next_deployment", {"duration": 5.0, "queued": 1.0})
    created = deploy(sim, add_source(sim)["download_url"]).get_json()["deployment"]
    assert created["status"] == "queued"
    assert "Waiting for a free deployment slot" in output(sim, created["id"])
    _, seen = wait_finished(sim, created["id"], timeout=30.0)
    assert seen == ["queued", "building", "pushing", "starting", "success"]


@pytest.mark.parametrize(
    ("outcome", "last_phase", "line"),
    [
        ("build-error", "building", "Build failed"),
        ("aborted", "pushing", "Deployment aborted"),
        ("crashed-error", "starting", "crashed when it started"),
        ("timeout-error", "starting", "has not started in 60 seconds"),
        ("hook-error", "starting", "Postdeploy hook failed"),
    ],
)
def test_a_chosen_failure_ends_the_deployment_and_leaves_the_app_as_it_was(sim, app, outcome, last_phase, line):
    sim.admin("/next_deployment", {"duration": 0.3, "outcome": outcome})
    created = deploy(sim, add_source(sim)["download_url"]).get_json()["deployment"]
    finished, seen = wait_finished(sim, created["id"])
    assert finished["status"] == outcome and finished["finished_at"]
    assert seen[-2] == last_phase
    assert line in ANSI.sub("", output(sim, created["id"])).splitlines()[-1]
    assert sim.get(f"/v1/apps/{APP}").get_json()["app"]["status"] == "new"


def test_a_failed_deployment_keeps_the_previous_version_running(sim, app):
    url = add_source(sim)["download_url"]
    sim.admin("/next_deployment", {"duration": 0})
    first = deploy(sim, url, "v1").get_json()["deployment"]
    sim.admin("/next_deployment", {"duration": 0, "outcome": "hook-error"})
    second = deploy(sim, url, "v2").get_json()["deployment"]
    assert read(sim, second["id"])["previous_git_ref"] == "v1"
    shown = sim.get(f"/v1/apps/{APP}").get_json()["app"]
    assert shown["status"] == "running" and shown["last_deployment_id"] == first["id"]


def test_a_second_deployment_is_queued_behind_the_running_one(sim, app):
    url = add_source(sim)["download_url"]
    sim.admin("/next_deployment", {"duration": 0.5})
    first = deploy(sim, url, "v1").get_json()["deployment"]
    second = deploy(sim, url, "v2").get_json()["deployment"]
    assert read(sim, second["id"])["status"] == "queued"
    wait_finished(sim, first["id"])
    assert read(sim, second["id"])["status"] != "queued"
    assert wait_finished(sim, second["id"])[0]["status"] == "success"


def test_the_default_duration_is_the_operation_duration(sim, app):
    created = deploy(sim, add_source(sim)["download_url"]).get_json()["deployment"]
    time.sleep(OPERATION_DURATION + 0.05)
    assert read(sim, created["id"])["status"] == "success"


# -- archives and sources ----------------------------------------------------------------------------


def test_a_source_is_uploaded_to_its_pre_signed_url_without_a_bearer_then_deployed(sim, app, client):
    response = sim.post("/v1/sources")
    assert response.status_code == 201
    source = response.get_json()["source"]
    assert set(source) == {"upload_url", "download_url"}
    for url in source.values():
        assert re.search(r"/_sources/[0-9a-f-]{36}\?token=s3cr3t-[A-Za-z0-9-]+$", url)
    archive = make_archive({"site/a.txt": "a", "site/b/c.txt": "c"})
    put = client.put(source["upload_url"], data=archive, content_type="application/x-gzip")
    assert put.status_code == 200
    got = client.get(source["download_url"])
    assert got.status_code == 200 and got.data == archive
    sim.admin("/next_deployment", {"duration": 0})
    created = deploy(sim, source["download_url"]).get_json()["deployment"]
    listing = sim.admin(f"/apps/{APP}/deployments/{created['id']}/archive", method="GET")
    assert listing == {
        "members": ["site/a.txt", "site/b/c.txt"],
        "top_level": ["site"],
        "one_folder": True,
        "problem": None,
    }
    assert read(sim, created["id"])["status"] == "success"
    log = sim.admin("/requests", method="GET")["requests"]
    upload = next(e for e in log if e["method"] == "PUT")
    assert upload["auth"] == "none" and upload["query"] == {"token": "[redacted]"}
    assert upload["body"] == f"<{len(archive)} bytes>"
    # Only the deployment's body holds a token (the source_url, as sent); queries are redacted.
    assert [e["path"] for e in log if "s3cr3t" in str(e)] == [f"/v1/apps/{APP}/deployments"]


def test_source_urls_refuse_a_wrong_token_and_the_other_kind_of_token(sim, client):
    source = sim.post("/v1/sources").get_json()["source"]
    upload_token = source["upload_url"].split("token=")[1]
    base = source["upload_url"].split("?")[0]
    assert client.put(f"{base}?token=s3cr3t-wrong", data=b"x").status_code == 403
    response = client.get(f"{base}?token={upload_token}")
    assert response.status_code == 403 and b"<Code>AccessDenied</Code>" in response.data
    assert client.get(source["download_url"]).status_code == 404  # nothing uploaded yet


def test_a_source_url_elsewhere_can_not_be_fetched_and_the_build_fails(sim, app):
    sim.admin("/next_deployment", {"duration": 0})
    created = deploy(sim, "https://github.com/me/shop/archive/v1.tar.gz").get_json()["deployment"]
    finished = read(sim, created["id"])
    assert finished["status"] == "build-error"
    text = ANSI.sub("", output(sim, created["id"]))
    assert "could not fetch the source archive from https://github.com" in text
    assert "archive/v1" not in text


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"index.html": "x", "Procfile": "web: x"}, "one top-level folder, it holds: Procfile, index.html"),
        ({"a/x": "x", "b/y": "y"}, "it holds: a, b"),
        ({"index.html": "x"}, "it holds: index.html"),
    ],
)
def test_an_archive_without_one_top_level_folder_fails_the_build(sim, app, files, problem):
    sim.admin("/next_deployment", {"duration": 0})
    created = deploy(sim, add_source(sim, files)["download_url"]).get_json()["deployment"]
    assert read(sim, created["id"])["status"] == "build-error"
    assert problem in output(sim, created["id"])
    assert problem in sim.admin(f"/apps/{APP}/deployments/{created['id']}/archive", method="GET")["problem"]


def test_an_upload_that_is_not_a_tarball_fails_the_build(sim, app, client):
    source = sim.post("/v1/sources").get_json()["source"]
    client.put(source["upload_url"], data=b"not a tarball", content_type="application/x-gzip")
    created = deploy(sim, source["download_url"]).get_json()["deployment"]
    assert "not a gzip-compressed tar archive" in output(sim, created["id"])


def test_archive_helpers_round_trip():
    data = make_archive(FILES)
    assert archive_members(data) == list(FILES)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        assert archive.extractfile("shop/Procfile").read() == b"web: serve"
    assert archive_members(b"junk") is None


# -- listing, errors ------------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(sim, app):
    url = add_source(sim)["download_url"]
    sim.admin("/next_deployment", {"duration": 0})
    ids = []
    for ref in ("v1", "v2", "v3"):
        sim.admin("/next_deployment", {"duration": 0})
        ids.append(deploy(sim, url, ref).get_json()["deployment"]["id"])
    page1 = sim.get(f"/v1/apps/{APP}/deployments?per_page=2").get_json()
    assert [d["git_ref"] for d in page1["deployments"]] == ["v3", "v2"]
    assert page1["meta"]["pagination"] == {
        "current_page": 1,
        "previous_page": None,
        "next_page": 2,
        "total_pages": 2,
        "total_count": 3,
    }
    page2 = sim.get(f"/v1/apps/{APP}/deployments?per_page=2&page=2").get_json()
    assert [d["id"] for d in page2["deployments"]] == [ids[0]]


def test_refusals_and_unknown_deployments(sim, app):
    response = sim.post(f"/v1/apps/{APP}/deployments", json={"deployment": {"git_ref": "-x"}})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"source_url": ["can't be blank"], "git_ref": ["is invalid: it cannot start with a dash"]}
    }
    for path in ("deployments/nope", "deployments/nope/output"):
        response = sim.get(f"/v1/apps/{APP}/{path}")
        assert (response.status_code, response.get_json()) == (404, {"resource": "deployment", "error": "not found"})
    response = sim.get("/v1/apps/no-such-app/deployments")
    assert response.get_json() == {"resource": "app", "error": "not found"}
    assert sim.delete(f"/v1/apps/{APP}/caches/deployment").status_code == 204


def test_deployments_need_a_bearer(client, app):
    assert client.get(f"/v1/apps/{APP}/deployments").status_code == 401
    assert client.post("/v1/sources").status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"duration": -1}, "duration must be"),
        ({"queued": "soon"}, "queued must be"),
        ({"outcome": "exploded"}, "outcome must be one of success, build-error"),
        ({"formation": [{"name": "web", "amount": -1}]}, "amount must be an integer"),
    ],
)
def test_next_deployment_is_checked(client, body, message):
    response = client.post("/_sim/next_deployment", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_a_reset_forgets_sources_and_the_next_deployment(sim, client):
    source = add_source(sim)
    sim.admin("/next_deployment", {"outcome": "aborted"})
    sim.admin("/reset")
    assert client.get(source["download_url"]).status_code == 403
    sim.create_app(APP)
    created = deploy(sim, add_source(sim)["download_url"]).get_json()["deployment"]
    time.sleep(OPERATION_DURATION + 0.05)
    assert read(sim, created["id"])["status"] == "success"
