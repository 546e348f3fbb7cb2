from __future__ import annotations

import contextlib
import gzip
import io
import os
import random
import re
import tarfile
import tempfile

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._archive import open_source, source_problem, top_level
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_deployment
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_deployment import Deployment, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.deployment_fakes import fails, succeeds, text
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    APP_RULE,
    again,
    answer,
    expect,
    lost,
    not_found,
    unprocessable,
    validated,
)

APP = "my-shop"
SOURCE = "https://github.com/me/shop/archive/v2.tar.gz"
UPLOAD = "https://storage.test.example/sources/abc?token=s3cr3t-up-1"
DOWNLOAD = "https://storage.test.example/sources/abc?token=s3cr3t-dl-1"
LIST = f"/apps/{APP}/deployments"
URL = f"https://{APP}.osc-fr1.scalingo.io"


def params(**options):
    given = {"app": APP, "source_url": SOURCE, "source_max_size": 1 << 30, "git_ref": "v2", **options}
    return validated(scalingo_deployment, **given)


def dep(ident="d-new", status="success", git_ref="v2", **fields):
    return dict({"id": ident, "app_id": "a-1", "status": status, "git_ref": git_ref, "type": "archive"}, **fields)


def listing(*deployments):
    return expect("GET", LIST, answer(200, {"deployments": list(deployments), "meta": {"pagination": {}}}))


def created(deployment=None, status=201):
    return expect("POST", LIST, answer(status, {"deployment": deployment or dep(status="building")}))


def poll(status, ident="d-new", repeat=False, git_ref="v2"):
    return expect("GET", f"{LIST}/{ident}", answer(200, {"deployment": dep(ident, status, git_ref)}), repeat=repeat)


def app_read():
    return expect("GET", f"/apps/{APP}", answer(200, {"app": {"name": APP, "url": URL}}))


def output(body, ident="d-new"):
    return expect("GET", f"{LIST}/{ident}/output", text(body))


def sources():
    return expect("POST", "/sources", answer(201, {"source": {"upload_url": UPLOAD, "download_url": DOWNLOAD}}))


def uploaded(reply=None):
    return expect("PUT", UPLOAD, reply or answer(200))


OLD = dep("d-old", "success", "v1")
DEPLOYED = [created(), poll("building"), poll("starting"), poll("success"), app_read()]


def build_output(lines=40, last="\x1b[1;31m !     Build failed\x1b[0m"):
    head = " \x1b[1m<-- Start deployment of my-shop -->\x1b[0m\n"
    return head + "".join(f"       step {i:02d}\r\n" for i in range(1, lines)) + last + "\n"


# -- unchanged ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_same_git_ref_as_the_latest_success_sends_nothing_after_one_read(check_mode):
    current = dep("d-2", "success", "v2")
    o = succeeds(Deployment, params(), listing(current, OLD), check_mode=check_mode)
    assert o.sent == [f"GET {LIST}"]
    assert o.client.calls[0].params == {"page": 1, "per_page": 20}
    assert o.result == {
        "changed": False,
        "deployment": current,
        "url": None,
        "duration": 0.0,
        "diff": {"before": {"git_ref": "v2"}, "after": {"git_ref": "v2"}},
    }


def test_the_latest_success_counts_not_newer_failures():
    failed = dep("d-3", "build-error", "v3")
    o = succeeds(Deployment, params(), listing(failed, dep("d-2", "success", "v2"), OLD))
    assert o.changed is False and o.sent == [f"GET {LIST}"]


def test_a_source_path_is_not_even_packed_when_nothing_changes():
    o = succeeds(Deployment, params(source_url=None, source_path="/nowhere"), listing(dep("d-2", "success", "v2")))
    assert o.changed is False and o.client.uploads == []


# -- deploy -----------------------------------------------------------------------------------------


def test_a_new_git_ref_is_deployed_and_followed_to_success():
    o = succeeds(Deployment, params(), listing(OLD), *DEPLOYED)
    assert o.sent == [f"GET {LIST}", f"POST {LIST}"] + [f"GET {LIST}/d-new"] * 3 + [f"GET /apps/{APP}"]
    assert o.client.the("POST").json == {"deployment": {"source_url": SOURCE, "git_ref": "v2"}}
    assert o.client.the("POST").ok == (201, 200)
    assert o.changed is True
    assert o.result["deployment"] == dep("d-new", "success")
    assert o.result["url"] == URL
    assert o.result["duration"] == o.clock.now - 1000.0 > 0
    assert o.diff == {"before": {"git_ref": "v1"}, "after": {"git_ref": "v2"}}
    assert "output" not in o.result
    assert {call.deadline for call in o.client.calls if call.path == f"{LIST}/d-new"} == {1000.0 + 1800}


def test_a_first_deployment_has_no_git_ref_before():
    o = succeeds(Deployment, params(), listing(), *DEPLOYED)
    assert o.diff == {"before": {"git_ref": None}, "after": {"git_ref": "v2"}}


def test_without_git_ref_every_run_deploys_and_sends_a_null_git_ref():
    o = succeeds(
        Deployment,
        params(git_ref=None),
        listing(dep("d-old", "success", None)),
        created(dep(status="building", git_ref=None)),
        poll("success", git_ref=None),
        app_read(),
    )
    assert o.changed is True
    assert o.client.the("POST").json == {"deployment": {"source_url": SOURCE, "git_ref": None}}


def test_force_deploys_the_same_git_ref_again():
    o = succeeds(Deployment, params(force=True), listing(dep("d-2", "success", "v2")), *DEPLOYED)
    assert o.changed is True and len(o.client.mutations) == 1


def test_the_wait_goes_through_queued_building_pushing_and_starting():
    statuses = ["queued", "queued", "building", "pushing", "starting", "success"]
    o = succeeds(Deployment, params(), listing(OLD), created(), *[poll(s) for s in statuses], app_read())
    assert o.sent.count(f"GET {LIST}/d-new") == 6
    assert o.result["deployment"]["status"] == "success"


def test_without_wait_the_deployment_is_returned_as_created():
    o = succeeds(Deployment, params(wait=False), listing(OLD), created())
    assert o.sent == [f"GET {LIST}", f"POST {LIST}"]
    assert o.result == {
        "changed": True,
        "deployment": dep(status="building"),
        "url": None,
        "duration": 0.0,
        "diff": {"before": {"git_ref": "v1"}, "after": {"git_ref": "v2"}},
    }


def test_check_mode_predicts_the_real_change_and_diff_and_sends_nothing():
    real = succeeds(Deployment, params(), listing(OLD), *DEPLOYED)
    check = succeeds(Deployment, params(), listing(OLD), check_mode=True)
    assert (check.changed, check.diff) == (real.changed, real.diff)
    assert check.sent == [f"GET {LIST}"]
    assert check.result["deployment"] is None and check.result["url"] is None


def test_check_mode_without_git_ref_reports_a_change():
    o = succeeds(Deployment, params(git_ref=None), listing(dep("d-2", "success", None)), check_mode=True)
    assert o.changed is True and o.sent == [f"GET {LIST}"]


# -- a deployment already running ---------------------------------------------------------------------


def test_a_running_deployment_of_the_same_git_ref_is_followed_not_sent_again():
    running = dep("d-run", "building", "v2")
    o = succeeds(
        Deployment, params(), listing(running, OLD), poll("pushing", "d-run"), poll("success", "d-run"), app_read()
    )
    assert o.client.mutations == []
    assert o.changed is False and o.result["deployment"]["id"] == "d-run" and o.result["url"] == URL
    assert o.resource.warnings == [
        f"deployment d-run of v2 was already running on app '{APP}': followed it instead of deploying again"
    ]


def test_a_running_deployment_of_the_same_git_ref_in_check_mode_is_no_change():
    o = succeeds(Deployment, params(), listing(dep("d-run", "queued", "v2")), check_mode=True)
    assert o.changed is False and o.sent == [f"GET {LIST}"]


def test_a_running_deployment_of_another_git_ref_does_not_stop_a_new_one():
    o = succeeds(Deployment, params(), listing(dep("d-run", "building", "v3"), OLD), *DEPLOYED)
    assert o.changed is True and len(o.client.mutations) == 1


def test_a_joined_deployment_that_fails_is_not_a_change_of_this_task():
    o = fails(
        Deployment,
        params(),
        listing(dep("d-run", "building", "v2")),
        poll("build-error", "d-run"),
        output("x", "d-run"),
    )
    assert o.error.changed is False


# -- uploads ---------------------------------------------------------------------------------------


def members(data):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return sorted(archive.getnames())


def test_a_directory_is_packed_under_one_folder_uploaded_and_its_download_url_deployed(tmp_path):
    site = tmp_path / "my-site"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("<h1>hi</h1>")
    (site / "css" / "a.css").write_text("h1 {}")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main")
    o = succeeds(
        Deployment, params(source_url=None, source_path=str(site)), listing(OLD), sources(), uploaded(), *DEPLOYED
    )
    assert o.sent[:4] == [f"GET {LIST}", "POST /sources", f"PUT {UPLOAD}", f"POST {LIST}"]
    assert o.client.calls[3].json == {"deployment": {"source_url": DOWNLOAD, "git_ref": "v2"}}
    [(url, data)] = o.client.uploads
    assert url == UPLOAD
    assert members(data) == ["my-site", "my-site/css", "my-site/css/a.css", "my-site/index.html"]
    assert o.changed is True
    assert "s3cr3t" not in repr(o.result)


def test_an_archive_is_uploaded_as_it_is(tmp_path):
    archive = tmp_path / "shop.tar.gz"
    archive.write_bytes(pack_dir(tmp_path))
    o = succeeds(
        Deployment, params(source_url=None, source_path=str(archive)), listing(OLD), sources(), uploaded(), *DEPLOYED
    )
    assert o.client.uploads == [(UPLOAD, archive.read_bytes())]


def pack_dir(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "Procfile").write_text("web: serve")
    with open_source(str(folder), 1 << 20) as archive:
        return archive.read()


def test_a_refused_upload_fails_without_a_change_and_without_deploying(tmp_path):
    refusal = answer(403, {"error": "AccessDenied"})
    o = fails(
        Deployment, params(source_url=None, source_path=str(tmp_path)), listing(OLD), sources(), uploaded(refusal)
    )
    assert o.error.changed is False
    assert o.error.message.startswith("could not upload the source archive:")
    assert f"POST {LIST}" not in o.sent


def test_a_refused_upload_slot_fails_without_a_change(tmp_path):
    o = fails(
        Deployment,
        params(source_url=None, source_path=str(tmp_path)),
        listing(OLD),
        expect("POST", "/sources", answer(403, {"error": "forbidden"})),
    )
    assert o.error.changed is False
    assert o.error.message == "could not get an upload URL for the source archive: forbidden (HTTP 403)"


def test_a_source_path_that_can_not_be_packed_fails_without_a_change():
    o = fails(
        Deployment,
        params(source_url=None, source_path="/nowhere/at/all"),
        listing(OLD),
    )
    assert o.error.message == "source_path /nowhere/at/all could not be read: No such file or directory"
    assert o.error.changed is False


def test_a_lost_answer_to_the_upload_slot_is_sent_once_more(tmp_path):
    o = succeeds(
        Deployment,
        params(source_url=None, source_path=str(tmp_path)),
        listing(OLD),
        expect("POST", "/sources", lost()),
        sources(),
        uploaded(),
        *DEPLOYED,
    )
    assert o.sent.count("POST /sources") == 2 and o.changed is True


# -- failures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("build-error", "the build failed"),
        ("crashed-error", "the app crashed when it started"),
        ("timeout-error", "the app did not start within 60 seconds (does it listen on $PORT?)"),
        ("hook-error", "the postdeploy hook failed; the previous version keeps running"),
        ("aborted", "the deployment was aborted"),
        ("some-new-error", "it failed"),
    ],
)
def test_a_failed_deployment_fails_as_a_change_with_its_status_and_last_lines(status, why):
    o = fails(Deployment, params(), listing(OLD), created(), poll("building"), poll(status), output(build_output()))
    message = o.error.message
    first, *tail = message.split("\n")
    assert first == f"deployment d-new of app '{APP}' failed with status {status}: {why}; the last lines of its output:"
    assert tail == [f"       step {i:02d}" for i in range(21, 40)] + [" !     Build failed"]
    assert "\x1b" not in message and "\r" not in message
    assert o.error.changed is True
    assert o.error.result["deployment"]["status"] == status
    assert o.error.result["output"].startswith(" <-- Start deployment of my-shop -->\n       step 01\n")
    assert "\x1b" not in o.error.result["output"]
    assert o.error.result["duration"] > 0


def test_a_short_output_is_given_whole():
    o = fails(Deployment, params(), listing(OLD), created(), poll("build-error"), output("one\ntwo\n\n"))
    assert o.error.message.endswith("the last lines of its output:\none\ntwo")


def test_an_output_that_can_not_be_read_does_not_hide_the_failure():
    o = fails(
        Deployment,
        params(),
        listing(OLD),
        created(),
        poll("crashed-error"),
        expect("GET", f"{LIST}/d-new/output", not_found("deployment")),
    )
    assert o.error.message == (
        f"deployment d-new of app '{APP}' failed with status crashed-error: the app crashed when it started "
        "(its output could not be read: deployment not found (HTTP 404))"
    )
    assert o.error.changed is True and o.error.result["output"] is None


def test_an_output_answered_as_html_is_not_quoted():
    page = expect("GET", f"{LIST}/d-new/output", text("<html>a login page</html>", **{"Content-Type": "text/html"}))
    o = fails(Deployment, params(), listing(OLD), created(), poll("build-error"), page)
    assert "is not plain text" in o.error.message and "login page" not in o.error.message


def test_a_deployment_slower_than_wait_timeout_fails_as_a_change_with_its_id():
    o = fails(Deployment, params(wait_timeout=60), listing(OLD), created(), poll("building", repeat=True))
    assert o.error.message == (
        f"deployment d-new of app '{APP}' is still building after wait_timeout=60 s; it goes on on Scalingo"
    )
    assert o.error.changed is True
    assert o.error.result["deployment"]["id"] == "d-new" and o.error.result["duration"] == 60.0
    assert o.clock.now == 1060.0


def test_a_refused_deployment_changes_nothing():
    refusal = expect("POST", LIST, unprocessable({"git_ref": ["is invalid"]}))
    o = fails(Deployment, params(), listing(OLD), refusal)
    assert o.error.message == f"could not deploy app '{APP}': git_ref is invalid (HTTP 422)"
    assert o.error.changed is False


def test_an_unknown_app_fails_on_the_first_read():
    o = fails(Deployment, params(), expect("GET", LIST, not_found()))
    assert o.error.message == f"could not read the deployments of app '{APP}': app not found (HTTP 404)"


def test_the_upload_urls_never_reach_a_message_even_when_the_api_quotes_them(tmp_path):
    echo = expect("POST", LIST, unprocessable({"source_url": [f"{DOWNLOAD} can't be fetched"]}))
    o = fails(Deployment, params(source_url=None, source_path=str(tmp_path)), listing(OLD), sources(), uploaded(), echo)
    assert "s3cr3t" not in o.error.message and "s3cr3t" not in repr(o.error.errors)
    assert "source_url <redacted> can't be fetched" in o.error.message


@pytest.mark.parametrize("errors", [f"{DOWNLOAD} can't be fetched", {"url": DOWNLOAD}, [f"{UPLOAD} refused"]])
def test_the_upload_urls_never_reach_string_valued_or_nested_errors(tmp_path, errors):
    echo = expect("POST", LIST, unprocessable({"source_url": errors}))
    o = fails(Deployment, params(source_url=None, source_path=str(tmp_path)), listing(OLD), sources(), uploaded(), echo)
    assert "s3cr3t" not in o.error.message and "s3cr3t" not in repr(o.error.errors)
    assert "storage.test.example" not in o.error.message + repr(o.error.errors)


def test_the_source_url_given_never_reaches_the_errors():
    private = "https://git.example/me/shop/archive/v2.tar.gz?private_token=s3cr3t-given"
    echo = expect("POST", LIST, unprocessable({"source_url": f"{private} can't be fetched"}))
    o = fails(Deployment, params(source_url=private), listing(OLD), echo)
    assert o.error.message == f"could not deploy app '{APP}': source_url <redacted> can't be fetched (HTTP 422)"
    assert o.error.errors == {"source_url": "<redacted> can't be fetched"}


def test_the_download_url_is_hidden_in_the_output_too(tmp_path):
    o = fails(
        Deployment,
        params(source_url=None, source_path=str(tmp_path)),
        listing(OLD),
        sources(),
        uploaded(),
        created(),
        poll("build-error"),
        output(f"fetching {DOWNLOAD}\nfailed\n"),
    )
    assert "s3cr3t" not in o.error.message and "s3cr3t" not in o.error.result["output"]


# -- lost answers ------------------------------------------------------------------------------------


UNSEEN = (
    f"could not deploy app '{APP}': the answer was lost (ConnectionError); the request may or may not have been "
    f"applied. No new deployment of git_ref 'v2' showed up in the deployments of app '{APP}' within "
    "wait_timeout=60 s, so it was not sent again (that could deploy twice): look at the app's deployments "
    f"(scalingo --app {APP} deployments, or the dashboard) before deploying again; two new ones of git_ref 'v2' "
    "would mean a duplicate; with git_ref, a rerun of the task follows or skips a deployment of 'v2' that landed "
    "late instead of deploying again"
)


def test_a_lost_deployment_that_never_shows_up_is_never_sent_again_and_fails_as_a_change():
    o = fails(Deployment, params(wait_timeout=60), listing(OLD), expect("POST", LIST, lost()), again(listing(OLD)))
    assert len(o.client.mutations) == 1
    assert o.sent.count(f"GET {LIST}") > 5 and o.clock.now == 1060.0
    assert o.error.message == UNSEEN
    assert o.error.changed is True and o.error.unknown_outcome is True


def test_without_git_ref_the_failure_says_a_rerun_deploys_again():
    o = fails(
        Deployment,
        params(wait_timeout=60, git_ref=None),
        listing(OLD),
        expect("POST", LIST, lost()),
        again(listing(OLD)),
    )
    assert len(o.client.mutations) == 1 and o.error.changed is True
    assert "No new deployment showed up in the deployments of app" in o.error.message
    assert o.error.message.endswith("; without git_ref, a rerun deploys again")


def test_a_new_deployment_of_another_git_ref_is_not_taken_for_ours():
    o = fails(
        Deployment,
        params(wait_timeout=60),
        listing(OLD),
        expect("POST", LIST, lost()),
        again(listing(dep("d-other", "building", "v9"), OLD)),
    )
    assert len(o.client.mutations) == 1
    assert o.error.message == UNSEEN


def test_a_deployment_answered_503_that_never_shows_up_keeps_the_status_in_the_failure():
    o = fails(
        Deployment,
        params(wait_timeout=10),
        listing(OLD),
        expect("POST", LIST, answer(503, {"error": "upstream provider returned an error"})),
        again(listing(OLD)),
    )
    assert len(o.client.mutations) == 1 and o.error.changed is True
    assert o.error.status == 503 and o.error.failure["status"] == 503
    assert o.error.message.startswith(f"could not deploy app '{APP}': upstream provider returned an error (HTTP 503")


def test_a_server_error_on_the_deployment_is_settled_by_reading_the_list():
    o = succeeds(
        Deployment,
        params(),
        listing(OLD),
        expect("POST", LIST, answer(500, {"error": "Internal error occured, we're on it!"})),
        listing(dep("d-new", "queued"), OLD),
        poll("success"),
        app_read(),
    )
    assert len(o.client.mutations) == 1


# -- bad answers -------------------------------------------------------------------------------------


def test_a_list_without_deployments_fails_naming_the_endpoint():
    o = fails(Deployment, params(), expect("GET", LIST, answer(200, {"apps": []})))
    assert o.error.message.startswith(f"could not read the deployments of app '{APP}': the answer of GET /v1{LIST}")
    assert "has no 'deployments'" in o.error.message


def test_a_created_deployment_without_an_id_fails_as_a_change():
    o = fails(Deployment, params(), listing(OLD), created({"status": "building"}))
    assert "has a 'deployment' whose 'id' is not a string" in o.error.message
    assert o.error.changed is None and o.client.wrote is True


# -- the archive helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["shop", "shop/a", "shop/b/c"], (["shop"], True)),
        (["./shop/a", "./shop/b"], (["shop"], True)),
        (["a", "b/c"], (["a", "b"], False)),
        (["index.html"], (["index.html"], False)),
        ([".", "./index.html"], (["index.html"], False)),
        ([], ([], False)),
    ],
)
def test_top_level(names, expected):
    assert top_level(names) == expected


def test_source_problems(tmp_path):
    flat = tmp_path / "flat.tar.gz"
    with tarfile.open(flat, "w:gz") as archive:
        for name in ("index.html", "Procfile"):
            (tmp_path / name).write_text("x")
            archive.add(tmp_path / name, arcname=name)
    (tmp_path / "junk.tar.gz").write_bytes(b"not gzip")
    good = tmp_path / "good.tar.gz"
    good.write_bytes(pack_dir(tmp_path))
    assert source_problem(str(tmp_path / "missing")) == "does not exist on the host that runs the module"
    assert source_problem(str(flat)) == (
        "must hold one top-level folder, as Scalingo requires; it holds: Procfile, index.html"
    )
    assert re.match(
        r"^is not a readable gzip-compressed tar archive \(\w+\)$", source_problem(str(tmp_path / "junk.tar.gz"))
    )
    assert source_problem(str(good)) is None
    assert source_problem(str(tmp_path)) is None


def test_pack_names_the_folder_after_the_directory_and_drops_owners(tmp_path):
    data = pack_dir(tmp_path)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        assert archive.getnames() == ["shop", "shop/Procfile"]
        assert {(m.uid, m.gid, m.uname, m.gname) for m in archive.getmembers()} == {(0, 0, "", "")}


# -- local files: links, the size ceiling, the temporary file, damaged archives ---------------------------


def entries(data):
    """{name: (type, link target or content)} of a .tar.gz's members."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {
            m.name: ("link", m.linkname)
            if m.issym()
            else ("dir", None)
            if m.isdir()
            else ("file", archive.extractfile(m).read())
            for m in archive.getmembers()
        }


def deploy_path(path, **options):
    return succeeds(
        Deployment,
        params(source_url=None, source_path=str(path), **options),
        listing(OLD),
        sources(),
        uploaded(),
        *DEPLOYED,
    )


def releases(tmp_path):
    """The releases/ + current layout: current -> releases/v2."""
    release = tmp_path / "releases" / "v2"
    (release / "public").mkdir(parents=True)
    (release / "Procfile").write_text("web: serve")
    (release / "public" / "index.html").write_text("<h1>v2</h1>")
    (tmp_path / "current").symlink_to(release)
    return tmp_path / "current"


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The temporary directory the module's files go to; the test checks nothing is left in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def open_fds(folder):
    """Descriptors of this process open on files under `folder` (the test's own: the source tree and the temporary
    archive, deleted or not); descriptors of other tests come and go with the garbage collector, and the client's
    cache folder (under the same test folder) stays open with the client."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            count += target.startswith(f"{folder}/") and not target.startswith(f"{folder}/scalingo-ansible")
    return count


@pytest.mark.parametrize("spelled", ["current", "current/"])
def test_a_symlinked_source_folder_packs_the_folder_it_points_to_under_the_links_name(tmp_path, spelled):
    current = releases(tmp_path)
    o = deploy_path(f"{current.parent}/{spelled}")
    [(_url, data)] = o.client.uploads
    assert entries(data) == {
        "current": ("dir", None),
        "current/Procfile": ("file", b"web: serve"),
        "current/public": ("dir", None),
        "current/public/index.html": ("file", b"<h1>v2</h1>"),
    }


def test_links_inside_the_tree_are_archived_as_links_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s3cr3t-host-file")
    site = tmp_path / "site"
    site.mkdir()
    (site / "Procfile").write_text("web: serve")
    (site / "secret").symlink_to(outside / "secret.txt")
    (site / "elsewhere").symlink_to(outside)
    (site / "procfile").symlink_to("Procfile")
    (site / "loop").symlink_to("loop")
    o = deploy_path(site)
    [(_url, data)] = o.client.uploads
    assert entries(data) == {
        "site": ("dir", None),
        "site/Procfile": ("file", b"web: serve"),
        "site/secret": ("link", str(outside / "secret.txt")),
        "site/elsewhere": ("link", str(outside)),
        "site/procfile": ("link", "Procfile"),
        "site/loop": ("link", "loop"),
    }
    assert b"s3cr3t-host-file" not in gzip.decompress(data)


def noise_tree(tmp_path, files=64, size=64 << 10):
    """A folder of random (incompressible) files: `files` x `size` bytes."""
    rng = random.Random(5)
    folder = tmp_path / "big"
    folder.mkdir()
    for number in range(files):
        (folder / f"blob{number:02d}.bin").write_bytes(rng.randbytes(size))
    return folder


@pytest.mark.parametrize("check_mode", [False, True])
def test_packing_stops_as_soon_as_the_archive_passes_source_max_size(tmp_path, private_tmp, monkeypatch, check_mode):
    folder = noise_tree(tmp_path)  # 4 MiB that gzip can't shrink
    opened = []
    real_open = tarfile.bltn_open

    def counting_open(name, *args, **kwargs):
        opened.append(name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(tarfile, "bltn_open", counting_open)
    before = open_fds(tmp_path)
    o = fails(
        Deployment,
        params(source_url=None, source_path=str(folder), source_max_size=256 << 10),
        listing(OLD),
        check_mode=check_mode,
    )
    assert o.error.message == (
        f"source_path {folder} packs to more than source_max_size=256K (packing stopped there): leave out what "
        "the build does not need (dependencies, build output), or raise source_max_size"
    )
    assert o.error.changed is False and o.sent == [f"GET {LIST}"]
    assert 4 <= len(opened) <= 6  # about 256K of the 64 files of 64K were read, not the whole tree
    assert list(private_tmp.iterdir()) == [] and open_fds(tmp_path) == before


def test_a_source_just_under_source_max_size_is_uploaded_whole(tmp_path, private_tmp):
    folder = noise_tree(tmp_path, files=4)
    o = deploy_path(folder, source_max_size=300 << 10)
    [(_url, data)] = o.client.uploads
    assert len(data) <= 300 << 10 and len(entries(data)) == 5


def test_the_temporary_archive_is_gone_after_the_upload(tmp_path, private_tmp):
    before = open_fds(tmp_path)
    o = deploy_path(releases(tmp_path))
    [handle] = o.client.files
    assert handle.closed and list(private_tmp.iterdir()) == [] and open_fds(tmp_path) == before


@pytest.mark.parametrize(
    "script",
    [
        [listing(OLD), sources(), uploaded(answer(403, {"error": "AccessDenied"}))],
        [listing(OLD), expect("POST", "/sources", answer(403, {"error": "forbidden"}))],
        [listing(OLD), sources(), again(uploaded(lost()))],
    ],
    ids=["refused upload", "refused upload slot", "lost upload"],
)
def test_the_temporary_archive_is_gone_after_a_failure(tmp_path, private_tmp, script):
    before = open_fds(tmp_path)
    o = fails(Deployment, params(source_url=None, source_path=str(releases(tmp_path))), *script)
    assert o.error.changed is False
    assert all(handle.closed for handle in o.client.files)
    assert list(private_tmp.iterdir()) == [] and open_fds(tmp_path) == before


def test_check_mode_packs_a_folder_under_source_max_size_and_uploads_nothing(tmp_path, private_tmp):
    o = succeeds(
        Deployment, params(source_url=None, source_path=str(releases(tmp_path))), listing(OLD), check_mode=True
    )
    assert o.changed is True and o.result["deployment"] is None
    assert list(private_tmp.iterdir()) == []


def test_a_given_archive_over_source_max_size_is_refused_before_reading_it(tmp_path):
    archive = tmp_path / "shop.tar.gz"
    archive.write_bytes(pack_dir(tmp_path))
    size = archive.stat().st_size
    assert source_problem(str(archive), size) is None
    assert source_problem(str(archive), size - 1) == (
        f"is {size} bytes, over source_max_size={size - 1}: leave out what the build does not need (dependencies, "
        "build output), or raise source_max_size"
    )


def test_an_unreadable_file_is_named_on_one_line(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "Procfile").write_text("web: serve")
    (site / "bad\nname").write_text("x")
    real_open = tarfile.bltn_open

    def refusing_open(name, *args, **kwargs):
        if name.endswith("name"):
            raise PermissionError(13, "Permission denied", name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(tarfile, "bltn_open", refusing_open)
    o = fails(Deployment, params(source_url=None, source_path=str(site)), listing(OLD))
    assert o.error.message == f"source_path {site} could not be packed: {site}/bad\\x0aname: Permission denied"
    assert o.error.changed is False


def corrupt_copies(original, trials, seed):
    rng = random.Random(seed)
    for _trial in range(trials):
        damaged = bytearray(original)
        for _byte in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        yield bytes(damaged)


def fixed_archive():
    """The same .tar.gz bytes at every run (fixed times), so that a seed damages the same bytes."""
    rng = random.Random(5)
    words = ["deploy", "scalingo", "archive", "folder", "build", "web", "worker", "release"]
    files = {f"site/page{n}.txt": " ".join(rng.choices(words, k=1500)).encode() for n in range(3)}
    files["site/blob.bin"] = rng.randbytes(2000)  # deflate stores what it can't shrink: blocks of both kinds
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as packed, tarfile.open(fileobj=packed, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_damaged_archive_is_refused_on_one_line_never_with_a_traceback(tmp_path):
    original = fixed_archive()
    path = tmp_path / "damaged.tar.gz"
    problems = set()
    for damaged in corrupt_copies(original, 300, seed=36):
        path.write_bytes(damaged)
        problem = source_problem(str(path), 1 << 20)
        if problem is None:  # only bytes gzip does not check (its header's time, flags): the content is intact
            assert entries(damaged) == entries(original)
        else:
            assert re.fullmatch(r"is not a readable gzip-compressed tar archive \((zlib\.error|\w+)\)", problem)
            problems.add(problem)
    # zlib's own error was among them, as were gzip's checksum and tarfile's errors.
    assert {
        f"is not a readable gzip-compressed tar archive ({name})"
        for name in ("zlib.error", "BadGzipFile", "ReadError", "EOFError")
    } <= problems


def test_an_archive_cut_short_is_refused(tmp_path):
    original = pack_dir(tmp_path)
    path = tmp_path / "cut.tar.gz"
    for end in range(1, len(original)):
        path.write_bytes(original[:end])
        assert source_problem(str(path)) is not None, end


def test_a_named_pipe_or_a_device_is_refused_without_being_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.tar.gz")
    for path in (tmp_path / "pipe.tar.gz", "/dev/zero"):
        assert source_problem(str(path)) == "is neither a directory nor a .tar.gz file"


def test_valid_input_has_no_problem(tmp_path):
    archive = tmp_path / "shop.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("shop/Procfile")
        tar.addfile(info, io.BytesIO(b""))
    assert input_problems(params()) == []
    assert input_problems(params(source_url=None, source_path=str(archive), git_ref=None)) == []
    assert params()["wait_timeout"] == 1800


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop", "git_ref": "-x"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        (
            {"git_ref": " "},
            "git_ref must be a version such as a commit, a tag or v1.2.3, not empty nor starting with a dash",
        ),
        (
            {"git_ref": "--upload-pack=x"},
            "git_ref must be a version such as a commit, a tag or v1.2.3, not empty nor starting with a dash",
        ),
        ({"source_url": "ftp://example.com/shop.tar.gz"}, "source_url is invalid: "),
        ({"source_max_size": 0}, "source_max_size must be a size above zero, such as 512M or 2G"),
        (
            {"source_url": None, "source_path": "/nonexistent/shop.tar.gz"},
            "source_path /nonexistent/shop.tar.gz does not exist on the host that runs the module",
        ),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
