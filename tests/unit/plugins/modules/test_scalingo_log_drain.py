from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._drains import (
    digest,
    drain_matches,
    masked_url,
    predicted_url,
)
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_log_drain
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_log_drain import LogDrain, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    again,
    answer,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    validated,
)

APP = "my-shop"
PATH = f"/apps/{APP}/log_drains"
ADDON_ID = "ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63"
ADDON_PATH = f"/apps/{APP}/addons/{ADDON_ID}/log_drains"
TOKEN = "s3cr3t-Drain-Token"
DATADOG = f"datadog://{TOKEN}?region=eu"
SYSLOG = f"syslog://:{TOKEN}@logs.example.com:6514"
ELK = "https://user:s3cr3t-elk@elk.example.com/ingest"
PAPERTRAIL = "tcp+tls://logs7.papertrailapp.com:12345"


def params(**options):
    return validated(scalingo_log_drain, **{"app": APP, **options})


def listing(*urls, path=PATH):
    return expect("GET", path, answer(200, {"drains": [{"app_id": "5ed1", "url": url} for url in urls]}))


def added(url, path=PATH):
    return expect("POST", path, answer(201, {"drain": {"url": url}}))


def removed(path=PATH):
    return expect("DELETE", path, answer(204))


def addons(*found):
    return expect("GET", f"/apps/{APP}/addons", answer(200, {"addons": list(found)}))


def addon(provider="postgresql", ident=ADDON_ID):
    return {"id": ident, "status": "running", "addon_provider": {"id": provider}, "plan": {"name": f"{provider}-x"}}


def shown(url):
    return {"url": masked_url(url), "digest": digest(url)}


def never_quoted(outcome, *secrets):
    text = repr(outcome.result) + (outcome.error.message if outcome.error else "")
    assert not [secret for secret in secrets if secret in text]


# -- the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (DATADOG, "datadog://..."),
        (SYSLOG, "syslog://logs.example.com:6514..."),
        (ELK, "https://elk.example.com..."),
        (PAPERTRAIL, "tcp+tls://logs7.papertrailapp.com:12345"),
        ("not a url", "..."),
        ("https://10.0.0.1:443/x?token=s3cr3t", "https://10.0.0.1:443..."),
    ],
)
def test_a_masked_url_keeps_scheme_and_host_only(url, masked):
    assert masked_url(url) == masked


def test_a_digest_tells_urls_apart_without_quoting_them():
    assert digest(SYSLOG) != digest(SYSLOG + "x")
    assert digest(SYSLOG).startswith("sha256:") and TOKEN not in digest(SYSLOG)


@pytest.mark.parametrize(
    ("drain", "url", "match"),
    [
        ({"type": "datadog", "token": TOKEN, "drain_region": "eu"}, DATADOG, True),
        ({"type": "datadog", "token": TOKEN, "drain_region": "us"}, DATADOG, False),
        ({"type": "datadog", "token": "other", "drain_region": "eu"}, DATADOG, False),
        ({"type": "syslog", "host": "logs.example.com", "port": 6514, "token": TOKEN}, SYSLOG, True),
        ({"type": "syslog", "host": "LOGS.example.com", "port": 6514, "token": TOKEN}, SYSLOG, True),
        ({"type": "syslog", "host": "logs.example.com", "port": 514, "token": TOKEN}, SYSLOG, False),
        ({"type": "syslog", "host": "logs.example.com", "port": 6514}, SYSLOG, False),
        ({"type": "syslog", "host": "logs.example.com", "port": 6514}, "syslog://logs.example.com:6514", True),
        (
            {"type": "ovh-graylog", "host": "tag1.logs.ovh.com", "token": TOKEN},
            f"ovh://:{TOKEN}@tag1.logs.ovh.com:6514",
            True,
        ),
        ({"type": "papertrail", "host": "logs7.papertrailapp.com", "port": 12345}, PAPERTRAIL, True),
        (
            {"type": "papertrail", "host": "logs7.papertrailapp.com", "port": 12345},
            "syslog://logs7.papertrailapp.com:12345",
            False,
        ),
        ({"type": "appsignal", "token": TOKEN}, f"https://appsignal-endpoint.net/logs?api_key={TOKEN}", True),
        ({"type": "appsignal", "token": "other"}, f"https://appsignal-endpoint.net/logs?api_key={TOKEN}", False),
        ({"type": "elk", "url": ELK}, ELK, True),
        ({"type": "elk", "url": ELK}, ELK + "/", False),
    ],
)
def test_a_typed_drain_is_matched_by_its_fields_in_their_place(drain, url, match):
    assert drain_matches(drain, url) is match


def test_a_predicted_url_is_the_documented_form_and_none_for_the_unknown_ones():
    assert predicted_url({"type": "datadog", "token": TOKEN, "drain_region": "eu"}) == DATADOG
    assert predicted_url({"type": "syslog", "token": TOKEN, "host": "logs.example.com", "port": 6514}) == SYSLOG
    assert predicted_url({"type": "betterstack", "token": TOKEN, "host": "in.logs.example.com"}) is None


# -- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({}, "give the drain: url, or type with its fields (or several in drains)"),
        ({"type": "datadog", "token": TOKEN}, "the drain: type datadog needs drain_region"),
        ({"type": "papertrail", "host": "h.example.com"}, "the drain: type papertrail needs port"),
        ({"type": "elk"}, "the drain: type elk is given by its url"),
        (
            {"url": ELK, "type": "syslog"},
            "the drain: url is the form of the elk type; give type syslog with its fields, or leave type out",
        ),
        ({"url": ELK, "host": "x.example.com"}, "the drain: url goes alone; leave host out"),
        ({"url": "elk.example.com"}, "the drain: url is not a URL (scheme://...) on one line without spaces"),
        (
            {"url": "https://user:s3cr3t@e.example.com/a b"},
            "the drain: url is not a URL (scheme://...) on one line without spaces",
        ),
        (
            {"type": "papertrail", "host": "h.example.com", "port": 0},
            "the drain: port must be between 1 and 65535, got 0",
        ),
        (
            {"type": "papertrail", "host": "https://h.example.com", "port": 1},
            "the drain: host 'https://h.example.com' is not a host name (no scheme, port or path)",
        ),
        ({"drains": [{"url": ELK}], "url": ELK}, "drains lists the drains: leave url out, or give them in drains"),
        ({"drains": [{"url": ELK}, {"type": "datadog"}]}, "drains[1]: type datadog needs token and drain_region"),
        (
            {"url": ELK, "state": "absent", "exclusive": True},
            "exclusive is for state=present (it removes the drains the task does not give)",
        ),
        (
            {"url": ELK, "addon": "a b"},
            "addon 'a b' is invalid: give it as Scalingo shows it, without spaces, line breaks or '/'",
        ),
    ],
)
def test_bad_input_is_refused_before_any_request_without_quoting_a_secret(options, problem):
    problems = input_problems(params(**options))
    assert problems[0] == problem
    assert not [p for p in problems if "s3cr3t" in p or TOKEN in p]


def test_removing_every_drain_takes_an_empty_list_not_exclusive_alone():
    assert input_problems(params(exclusive=True)) == [
        "exclusive=true without a drain would remove every drain: give drains: [] to mean that"
    ]
    assert input_problems(params(exclusive=True, drains=[])) == []


# -- decisions -----------------------------------------------------------------------------------


def test_a_listed_drain_is_left_alone_after_one_read():
    o = succeeds(LogDrain, params(type="datadog", token=TOKEN, drain_region="eu"), listing(PAPERTRAIL, DATADOG))
    assert o.sent == [f"GET {PATH}"] and o.changed is False
    assert o.result["drains"] == [shown(PAPERTRAIL), shown(DATADOG)]
    assert o.result["added"] == [] and o.result["removed"] == []
    never_quoted(o, TOKEN)


def test_a_missing_drain_is_added_with_one_post_of_its_fields_as_strings():
    options = params(type="syslog", host="logs.example.com", port=6514, token=TOKEN)
    real = succeeds(LogDrain, options, listing(PAPERTRAIL), added(SYSLOG))
    check = succeeds(LogDrain, options, listing(PAPERTRAIL), check_mode=True)
    body = {"drain": {"type": "syslog", "host": "logs.example.com", "port": "6514", "token": TOKEN}}
    assert real.client.the("POST").json == body and real.client.the("POST").ok == (201,)
    assert real.changed and check.changed
    assert (
        real.diff
        == check.diff
        == {
            "before": {"drains": [shown(PAPERTRAIL)]},
            "after": {"drains": [shown(PAPERTRAIL), shown(SYSLOG)]},
        }
    )
    assert real.result["added"] == [shown(SYSLOG)]
    assert SYSLOG in real.client.secret_values
    never_quoted(real, TOKEN, SYSLOG)
    never_quoted(check, TOKEN, SYSLOG)


def test_a_drain_of_an_unknown_url_form_is_predicted_by_its_type_and_host():
    options = params(type="betterstack", host="in.logs.example.com", token=TOKEN)
    check = succeeds(LogDrain, options, listing(), check_mode=True)
    assert check.result["added"] == [{"url": "betterstack://in.logs.example.com...", "digest": None}]


def test_exclusive_removes_the_others_by_url_in_the_query_string():
    options = params(exclusive=True, drains=[{"url": ELK}])
    real = succeeds(LogDrain, options, listing(ELK, PAPERTRAIL, DATADOG), removed(), removed())
    deletes = [call for call in real.client.calls if call.method == "DELETE"]
    assert [call.params for call in deletes] == [{"url": PAPERTRAIL}, {"url": DATADOG}]
    assert real.result["removed"] == [shown(PAPERTRAIL), shown(DATADOG)]
    assert real.result["drains"] == [shown(ELK)]
    check = succeeds(LogDrain, options, listing(ELK, PAPERTRAIL, DATADOG), check_mode=True)
    assert check.diff == real.diff and check.changed
    never_quoted(real, DATADOG, ELK, TOKEN)


def test_exclusive_with_an_empty_list_removes_every_drain():
    o = succeeds(LogDrain, params(exclusive=True, drains=[]), listing(ELK), removed())
    assert o.result["drains"] == [] and o.changed


def test_absent_removes_the_matching_drain_only_and_is_unchanged_when_gone():
    o = succeeds(LogDrain, params(url=ELK, state="absent"), listing(PAPERTRAIL, ELK), removed())
    assert o.client.the("DELETE").params == {"url": ELK}
    assert o.result["drains"] == [shown(PAPERTRAIL)]
    o = succeeds(LogDrain, params(url=ELK, state="absent"), listing(PAPERTRAIL))
    assert o.changed is False and o.sent == [f"GET {PATH}"]


def test_absent_on_a_missing_app_changes_nothing():
    o = succeeds(LogDrain, params(url=ELK, state="absent"), expect("GET", PATH, not_found("app")))
    assert o.changed is False


def test_an_addon_is_found_by_provider_and_its_own_path_is_used():
    o = succeeds(
        LogDrain,
        params(addon="postgresql", type="papertrail", host="logs7.papertrailapp.com", port=12345),
        addons(addon("redis", "ad-other"), addon()),
        listing(path=ADDON_PATH),
        added(PAPERTRAIL, ADDON_PATH),
    )
    assert o.result["addon_id"] == ADDON_ID and o.changed


def test_an_addon_by_id_and_a_missing_addon():
    o = succeeds(LogDrain, params(addon=ADDON_ID, url=ELK), addons(addon()), listing(ELK, path=ADDON_PATH))
    assert o.changed is False
    o = fails(LogDrain, params(addon="mysql", url=ELK), addons(addon()))
    assert o.error.message == f"app '{APP}' has no mysql addon; its addons: {ADDON_ID} (postgresql, plan postgresql-x)"
    o = succeeds(LogDrain, params(addon="mysql", url=ELK, state="absent"), addons(addon()))
    assert o.changed is False and o.result["drains"] == []


def test_two_addons_of_the_provider_need_the_id():
    o = fails(LogDrain, params(addon="postgresql", url=ELK), addons(addon(), addon(ident="ad-2")))
    assert "has 2 postgresql addons" in o.error.message and o.error.message.endswith("set addon to its id")


def test_the_api_refusal_for_a_non_database_addon_is_its_own_message():
    refusal = answer(400, {"error": "This addon doesn't support log drains"})
    o = fails(
        LogDrain,
        params(addon=ADDON_ID, url=ELK),
        addons(addon()),
        listing(path=ADDON_PATH),
        expect("POST", ADDON_PATH, refusal),
    )
    assert "This addon doesn't support log drains" in o.error.message
    never_quoted(o, ELK)


def test_a_lost_post_that_landed_is_not_sent_again():
    options = params(type="datadog", token=TOKEN, drain_region="eu")
    o = succeeds(LogDrain, options, listing(), expect("POST", PATH, lost()), listing(DATADOG))
    assert [call.method for call in o.client.calls] == ["GET", "POST", "GET"]
    assert o.result["drains"] == [shown(DATADOG)]


def test_a_lost_post_that_did_not_land_is_sent_once_more_after_the_reads():
    options = params(type="datadog", token=TOKEN, drain_region="eu")
    o = succeeds(LogDrain, options, listing(), expect("POST", PATH, lost()), again(listing()), added(DATADOG))
    assert [call.method for call in o.client.calls].count("POST") == 2


def test_a_lost_delete_that_landed_is_not_sent_again():
    o = succeeds(LogDrain, params(url=ELK, state="absent"), listing(ELK), expect("DELETE", PATH, lost()), listing())
    assert [call.method for call in o.client.calls] == ["GET", "DELETE", "GET"]


def test_a_lost_delete_on_an_app_gone_since_reads_as_removed():
    gone = expect("GET", PATH, not_found("app"))
    o = succeeds(LogDrain, params(url=ELK, state="absent"), listing(ELK), expect("DELETE", PATH, lost()), gone)
    assert [call.method for call in o.client.calls] == ["GET", "DELETE", "GET"]
    assert o.changed is True
