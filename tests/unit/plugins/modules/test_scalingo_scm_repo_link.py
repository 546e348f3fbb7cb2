from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_scm_repo_link
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_scm_repo_link import RepoLink, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    AUTH,
    answer,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    validated,
)

APP = "my-shop"
PATH = f"/apps/{APP}/scm_repo_link"
INTEGRATIONS = f"{AUTH}/v1/scm_integrations"
GITHUB = "9b0a9c3e-5b53-4d2c-a0d5-3b2f6f6a5e9d"
GITLAB = "1c2d3e4f-0000-4000-8000-000000000002"
SOURCE = "https://github.com/my-org/my-shop"
ACCESS_TOKEN = "s3cr3t-scm-access-token"
MISSING = answer(404, {"error": "The scm_repo_link was not found"})


def params(**options):
    return validated(scalingo_scm_repo_link, **{"app": APP, **options})


def link(**fields):
    base = {
        "id": "2ea5d6a0",
        "app_id": "5ed1",
        "auth_integration_uuid": GITHUB,
        "scm_type": "github",
        "url": "https://github.com",
        "owner": "my-org",
        "repo": "my-shop",
        "branch": "main",
        "auto_deploy_enabled": False,
        "deploy_review_apps_enabled": False,
        "delete_on_close_enabled": False,
        "hours_before_delete_on_close": 0,
        "delete_stale_enabled": False,
        "hours_before_delete_stale": 0,
        "automatic_creation_from_forks_allowed": False,
    }
    return dict(base, **fields)


def read(found=None):
    return expect("GET", PATH, answer(200, {"scm_repo_link": found}) if found else MISSING)


def integrations(*found):
    items = found or (
        {
            "id": GITHUB,
            "scm_type": "github",
            "url": "https://github.com",
            "username": "jane",
            "access_token": ACCESS_TOKEN,
        },
        {
            "id": GITLAB,
            "scm_type": "gitlab",
            "url": "https://gitlab.com",
            "username": "jane-gl",
            "access_token": ACCESS_TOKEN + "2",
        },
    )
    return expect("GET", INTEGRATIONS, answer(200, {"scm_integrations": list(items)}))


def created(result):
    return expect("POST", PATH, answer(201, {"scm_repo_link": result}))


def shown(state="present", **fields):
    return dict({"state": state}, **fields)


def no_token(outcome):
    text = repr(outcome.result) + (outcome.error.message if outcome.error else "")
    assert ACCESS_TOKEN not in text


# -- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (
            {"source": "github.com/my-org/my-shop"},
            "source 'github.com/my-org/my-shop' is invalid: give an http:// or https:// URL with a path, without spaces or line breaks",
        ),
        (
            {"source": "https://x:s3cr3t@github.com/a/b"},
            "source holds credentials (user@ or user:password@): give the repository's URL without them",
        ),
        (
            {"integration": "git hub"},
            "integration 'git hub' is invalid: give it as Scalingo shows it, without spaces, line breaks or '/'",
        ),
        ({"hours_before_delete_stale": -1}, "hours_before_delete_stale must be 0 or more, got -1"),
        ({"branch": "main\n"}, "branch 'main\\n' is invalid: give a branch name, without spaces or line breaks"),
    ],
)
def test_bad_input_is_refused_before_any_request(options, problem):
    assert input_problems(params(**options)) == [problem]


def test_a_branch_with_a_slash_is_fine():
    assert input_problems(params(branch="feature/new-cart")) == []


# -- decisions -----------------------------------------------------------------------------------


def test_an_unchanged_link_costs_one_read_when_the_integration_is_named_by_the_links_type():
    o = succeeds(RepoLink, params(source=SOURCE + ".git", integration="github", branch="main"), read(link()))
    assert o.sent == [f"GET {PATH}"] and o.changed is False
    assert o.diff["after"] == shown(source=SOURCE, integration=GITHUB, branch="main")


def test_a_new_link_resolves_the_integration_on_the_auth_service_and_never_returns_its_token():
    gitlab_link = link(
        auth_integration_uuid=GITLAB, url="https://gitlab.com", scm_type="gitlab", auto_deploy_enabled=True
    )
    source = "https://gitlab.com/my-org/my-shop"
    options = params(source=source, integration="jane-gl", auto_deploy=True, branch="main")
    real = succeeds(RepoLink, options, read(), integrations(), created(gitlab_link))
    check = succeeds(RepoLink, options, read(), integrations(), check_mode=True)
    body = {
        "scm_repo_link": {
            "branch": "main",
            "auto_deploy_enabled": True,
            "source": source,
            "auth_integration_uuid": GITLAB,
        }
    }
    assert real.client.the("POST").json == body
    assert (
        real.diff
        == check.diff
        == {
            "before": shown("absent"),
            "after": shown(source=source, integration=GITLAB, branch="main", auto_deploy=True),
        }
    )
    assert ACCESS_TOKEN in real.client.secret_values
    no_token(real)
    no_token(check)


def test_a_new_link_without_source_or_integration_fails_after_the_read():
    o = fails(RepoLink, params(branch="main"), read())
    assert o.error.message == f"app '{APP}' has no repo link: give source and integration to link it"


def test_an_unknown_or_ambiguous_integration_fails_listing_them_without_tokens():
    o = fails(RepoLink, params(source=SOURCE, integration="bitbucket"), read(), integrations())
    assert o.error.message.startswith("the account has no SCM integration 'bitbucket' (by id, type or user name)")
    assert GITHUB in o.error.message and ACCESS_TOKEN not in o.error.message
    twice = [
        {"id": GITHUB, "scm_type": "github", "username": "a", "access_token": ACCESS_TOKEN},
        {"id": GITLAB, "scm_type": "github", "username": "b", "access_token": ACCESS_TOKEN},
    ]
    o = fails(RepoLink, params(source=SOURCE, integration="github"), read(), integrations(*twice))
    assert "has 2 SCM integrations of scm_type 'github'" in o.error.message


def test_settings_changes_are_one_patch_of_the_changed_keys():
    options = params(auto_deploy=True, hours_before_delete_stale=48, branch="main")
    updated = link(auto_deploy_enabled=True, hours_before_delete_stale=48)
    real = succeeds(RepoLink, options, read(link()), expect("PATCH", PATH, answer(200, {"scm_repo_link": updated})))
    check = succeeds(RepoLink, options, read(link()), check_mode=True)
    assert real.client.the("PATCH").json == {
        "scm_repo_link": {"auto_deploy_enabled": True, "hours_before_delete_stale": 48}
    }
    assert real.diff == check.diff and real.changed and check.changed
    assert real.result["replaced"] is False


def test_a_new_source_deletes_and_creates_the_link_again_keeping_its_settings():
    options = params(source="https://github.com/my-org/other", integration=GITHUB)
    old = link(auto_deploy_enabled=True)
    new = link(repo="other", auto_deploy_enabled=True)
    real = succeeds(RepoLink, options, read(old), expect("DELETE", PATH, answer(204)), created(new))
    assert [repr(c) for c in real.client.mutations] == [f"DELETE {PATH}", f"POST {PATH}"]
    sent = real.client.the("POST").json["scm_repo_link"]
    assert sent["auto_deploy_enabled"] is True and sent["source"] == "https://github.com/my-org/other"
    assert real.diff["after"] == shown(source="https://github.com/my-org/other", integration=GITHUB, replaced=True)
    assert real.result["replaced"] is True
    check = succeeds(RepoLink, options, read(old), check_mode=True)
    assert check.diff == real.diff


def test_a_new_integration_by_id_replaces_the_link():
    options = params(integration=GITLAB)
    real = succeeds(
        RepoLink,
        options,
        read(link()),
        integrations(),
        expect("DELETE", PATH, answer(204)),
        created(link(auth_integration_uuid=GITLAB)),
    )
    assert real.client.the("POST").json["scm_repo_link"]["source"] == SOURCE
    assert real.result["replaced"] is True


def test_a_link_whose_answer_does_not_tell_its_repository_is_never_replaced_on_a_guess():
    bare = {k: v for k, v in link().items() if k not in ("owner", "repo")}
    o = succeeds(RepoLink, params(source="https://github.com/my-org/other"), read(bare))
    assert o.changed is False and "source was not compared" in o.resource.warnings[0]


def test_absent_unlinks_once_and_is_unchanged_without_a_link_or_app():
    o = succeeds(RepoLink, params(state="absent"), read(link()), expect("DELETE", PATH, answer(204)))
    assert o.changed and o.result["scm_repo_link"] == {}
    o = succeeds(RepoLink, params(state="absent"), read())
    assert o.changed is False
    o = succeeds(RepoLink, params(state="absent"), expect("GET", PATH, not_found("app")))
    assert o.changed is False


def test_a_present_task_on_a_missing_app_fails():
    o = fails(RepoLink, params(source=SOURCE, integration="github"), expect("GET", PATH, not_found("app")))
    assert o.error.status == 404


def test_a_lost_creation_that_landed_is_not_sent_again():
    o = succeeds(
        RepoLink,
        params(source=SOURCE, integration=GITHUB),
        read(),
        integrations(),
        expect("POST", PATH, lost()),
        read(link()),
    )
    assert [c.method for c in o.client.calls].count("POST") == 1 and o.changed


def test_a_lost_delete_that_landed_is_not_sent_again():
    o = succeeds(RepoLink, params(state="absent"), read(link()), expect("DELETE", PATH, lost()), read())
    assert [c.method for c in o.client.calls] == ["GET", "DELETE", "GET"]
