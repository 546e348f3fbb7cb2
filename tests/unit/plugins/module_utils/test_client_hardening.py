"""The client against hostile answers and unlucky networks: credentials, answer checks, loops, time."""

from __future__ import annotations

import ast
import os
import time

import pytest
import requests
import yaml

from ansible_collections.scalingo.cloud.plugins.module_utils import _api, _settings
from ansible_collections.scalingo.cloud.plugins.module_utils._cache import BearerCache
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import connection_settings
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (
    FakeClock,
    ScriptedTransport,
    answer,
    expect,
    lost,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    AUTH,
    TOKEN,
    jwt,
    make_client,
    new_bearer,
    text,
    token_exchange,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def sent_authorization(transport: ScriptedTransport) -> list[tuple[str, str]]:
    return [(exchange.url, exchange.headers.get("Authorization", "")) for exchange in transport.log]


# -- credentials go only where they belong --------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/v1/apps/a/operations/op1",  # another host
        "http://api.test.example/v1/apps/a/operations/op1",  # plain http
        "https://api.test.example:8443/v1/apps/a/operations/op1",  # another port
        "//evil.example/v1/apps/a/operations/op1",  # scheme-relative
    ],
)
def test_an_operation_url_on_another_origin_is_refused_before_sending(fake_clock, location):
    transport = ScriptedTransport()
    client = make_client(fake_clock, transport)
    with pytest.raises(ScalingoError) as caught:
        client.resolve(location, "could not follow the scale")
    assert "nothing was sent there" in caught.value.message
    assert "https://api.test.example" in caught.value.message
    with pytest.raises(ScalingoError):
        client.request("GET", location if "://" in location else "https:" + location)
    assert not transport.log


@pytest.mark.parametrize(
    "location, url",
    [
        ("https://api.test.example/v1/apps/a/operations/op1", f"{API}/v1/apps/a/operations/op1"),
        (
            "https://API.test.example:443/v1/apps/a/operations/op1",
            "https://API.test.example:443/v1/apps/a/operations/op1",
        ),
        ("/v1/apps/a/operations/op1", f"{API}/v1/apps/a/operations/op1"),
        ("operations/op1", f"{API}/operations/op1"),
    ],
)
def test_operation_urls_on_the_api_origin_and_relative_ones_resolve_against_api_url(fake_clock, location, url):
    assert make_client(fake_clock).resolve(location, "x") == url


def test_redirects_are_never_followed_with_the_bearer(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps/a", answer(302, Location="https://evil.example/steal")),
        expect("GET", "https://evil.example/steal", answer(200, {"app": {"name": "a"}})),
    )
    with pytest.raises(ScalingoError, match="redirection"):
        make_client(fake_clock, transport).find_app("a")
    assert [url for url, _header in sent_authorization(transport)] == [f"{AUTH}/v1/tokens/exchange", f"{API}/v1/apps/a"]


def test_the_api_token_goes_to_auth_url_only_and_the_bearer_to_api_url_only(fake_clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer), expect("GET", f"{API}/v1/apps/a", answer(200, {"app": {"name": "a"}}))
    )
    make_client(fake_clock, transport).find_app("a")
    (auth_url, basic), (api_url, bearer_header) = sent_authorization(transport)
    assert auth_url.startswith(AUTH) and basic.startswith("Basic ")
    assert api_url.startswith(API) and bearer_header == f"Bearer {bearer}"


@pytest.mark.parametrize("token", ["tk-us-abc\u2019def", "tk-us-abc def", "tk-us-abc\n", " "])
def test_a_token_http_cannot_carry_is_refused_before_any_request(token):
    with pytest.raises(ScalingoError) as caught:
        connection_settings({"api_token": token})
    assert "copy the token again" in caught.value.message
    assert token.strip() not in caught.value.message or not token.strip()
    with pytest.raises(ScalingoError):
        Client(api_token=token, api_url=API, auth_url=AUTH)


@pytest.mark.parametrize(
    "data",
    [
        {"token": "eyJhbGciOiJIUzUxMiJ9.eyJleHAiOjF9.c2ln\n"},  # a trailing newline
        {"token": "not a jwt"},
        {"token": 42},
        {"token": None},
        ["eyJ"],
    ],
)
def test_a_malformed_bearer_is_refused_and_never_quoted(fake_clock, data):
    transport = ScriptedTransport(expect("POST", f"{AUTH}/v1/tokens/exchange", answer(200, data)))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("a")
    assert "well-formed bearer" in caught.value.message
    assert "eyJ" not in caught.value.message and "not a jwt" not in caught.value.message
    assert len(transport.log) == 1


def test_exceptions_of_the_http_stack_become_one_line_without_credentials(fake_clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect("GET", f"{API}/v1/apps/a", requests.exceptions.InvalidHeader(f"Invalid header value 'Bearer {bearer}'")),
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("a")
    assert caught.value.message == "could not read app 'a': the request could not be sent (InvalidHeader)"
    assert bearer not in str(caught.value) and TOKEN not in str(caught.value)


# -- the connection settings: one home ------------------------------------------------------------


def test_settings_defaults_and_empty_values():
    settings = connection_settings({"api_token": "tk-us-x", "region": "", "auth_url": "", "api_timeout": None})
    assert settings["api_url"] == "https://api.osc-fr1.scalingo.com"
    assert settings["auth_url"] == "https://auth.scalingo.com"
    assert settings["api_timeout"] == 30
    settings = connection_settings(
        {"api_token": "tk-us-x", "region": "osc-secnum-fr1", "api_url": "http://127.0.0.1:8080/"}
    )
    assert settings["api_url"] == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"region": "evil.example/x?"}, "region 'evil.example/x?' is invalid"),
        ({"api_url": "https://user:pw@api.example"}, "api_url 'https://user:pw@api.example' is invalid"),
        ({"api_url": "ftp://api.example"}, "api_url 'ftp://api.example' is invalid"),
        ({"auth_url": "https://auth.example/x?y"}, "auth_url 'https://auth.example/x?y' is invalid"),
        ({"api_timeout": 0}, "api_timeout must be a positive number"),
        ({"rate_limit_retry_timeout": -1}, "rate_limit_retry_timeout must be 0"),
        ({}, "api_token is required"),
    ],
)
def test_settings_are_checked_before_any_request(options, message):
    if options:
        options = dict(options, api_token="tk-us-x")
    with pytest.raises(ScalingoError, match=message.replace("?", r"\?")):
        connection_settings(options)


def documented_options(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        source = handle.read()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)["options"]
    raise AssertionError(f"no DOCUMENTATION in {path}")


def test_the_modules_and_the_inventory_document_the_defaults_and_variables_of_the_one_home():
    fragment, inventory = (
        documented_options("plugins/doc_fragments/auth.py"),
        documented_options("plugins/inventory/scalingo.py"),
    )
    for name, default in _settings.DEFAULTS.items():
        assert fragment[name].get("default") == default, name
        assert inventory[name].get("default") == default, name
    connection = {setting.name for setting in _settings.in_groups()}
    database = documented_options("plugins/doc_fragments/database.py")
    for name, variable in _settings.ENVIRONMENT.items():
        if name not in connection:  # a database module's option: not the inventory's
            assert variable in " ".join(database[name]["description"]), name
            continue
        assert [entry["name"] for entry in inventory[name]["env"]] == [variable], name
        assert variable in " ".join(fragment[name]["description"]), name


# -- answers are checked where they are read --------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        (text(200, "<html><body>Welcome to nginx</body></html>", "text/html"), "has no 'app'"),
        (answer(200, {"app": None}), "has no 'app'"),
        (answer(200, {}), "has no 'app'"),
        (answer(200), "has no 'app'"),
        (answer(200, {"app": ["a"]}), "has a 'app' that is not an object"),
        (answer(200, {"app": {"name": 42}}), "has a 'app' whose 'name' is not a string"),
        (answer(200, [1, 2]), "has no 'app'"),
    ],
)
def test_a_2xx_answer_without_the_expected_member_fails_naming_the_endpoint(fake_clock, body, message):
    transport = ScriptedTransport(token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps/a", body))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("a")
    assert caught.value.message.startswith(f"could not read app 'a': the answer of GET /v1/apps/a {message}")
    assert "(HTTP 200" in caught.value.message


def test_list_items_are_checked_too(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps/a/containers", answer(200, {"containers": [{"name": "web", "amount": "2"}]})),
    )
    with pytest.raises(ScalingoError, match="whose 'amount' is not a number"):
        make_client(fake_clock, transport).get("/apps/a/containers", "containers", list, {"name": str, "amount": int})


# -- every loop over answers ends --------------------------------------------------------------------


def test_a_repeated_cursor_stops_the_listing_with_a_warning(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect(
            "GET",
            f"{API}/v1/apps/a/logs_archives",
            answer(200, {"archives": [{"url": "x"}], "has_more": True, "next_cursor": "same"}),
            repeat=True,
        ),
    )
    client = make_client(fake_clock, transport)
    items = client.cursor_pages("/apps/a/logs_archives", "archives", action="could not read the logs archives")
    assert len(items) == 2 and len(transport.log) == 3
    assert client.warnings == [
        "could not read the logs archives: the API gave the same cursor twice; stopped with 2 items"
    ]


def test_cursor_and_page_listings_stop_at_the_ceiling(fake_clock, monkeypatch):
    monkeypatch.setattr(_api, "MAX_PAGES", 5)
    counter = iter(range(1000))
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect(
            "GET",
            f"{API}/v1/apps/a/logs_archives",
            lambda _sent: answer(200, {"archives": [{}], "has_more": True, "next_cursor": f"c{next(counter)}"}),
            times=5,
        ),
        expect(
            "GET",
            f"{API}/v1/apps/a/child_apps",
            lambda _sent: answer(200, {"child_apps": [{}], "meta": {"pagination": {"next_page": next(counter) + 2}}}),
            times=5,
        ),
    )
    client = make_client(fake_clock, transport)
    assert len(client.cursor_pages("/apps/a/logs_archives", "archives")) == 5
    assert len(client.paginate("/apps/a/child_apps", "child_apps")) == 5
    assert len(client.warnings) == 2 and all("stopped after 5 pages" in w for w in client.warnings)


# -- changed is honest ---------------------------------------------------------------------------------


def test_a_write_that_may_have_landed_marks_the_client(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("POST", f"{API}/v1/apps", answer(422, {"errors": {"name": ["taken"]}})),
        expect("POST", f"{API}/v1/apps", answer(502)),
    )
    client = make_client(fake_clock, transport)
    with pytest.raises(ScalingoError):
        client.request("POST", "/apps", {}, ok=(201,))
    assert not client.wrote  # a refusal applied nothing
    with pytest.raises(ScalingoError) as caught:
        client.request("POST", "/apps", {}, ok=(201,))
    assert client.wrote and caught.value.unknown_outcome


def test_a_body_cut_off_after_a_write_is_an_unknown_outcome(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("POST", f"{API}/v1/apps/a/restart", requests.exceptions.ChunkedEncodingError("IncompleteRead")),
    )
    client = make_client(fake_clock, transport)
    with pytest.raises(ScalingoError) as caught:
        client.request("POST", "/apps/a/restart", {}, ok=(202,))
    assert caught.value.unknown_outcome and client.wrote
    assert "may or may not have been applied" in caught.value.message


def test_a_dry_run_is_no_write(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("POST", f"{API}/v1/apps", answer(201, {"app": {"name": "a"}}))
    )
    client = make_client(fake_clock, transport)
    client.request("POST", "/apps", {}, headers={"X-Dry-Run": "true"}, ok=(201,))
    assert not client.wrote
    assert transport.log[1].headers["X-Dry-Run"] == "true"


# -- time is honest --------------------------------------------------------------------------------


def test_the_retry_budget_covers_a_re_exchange_after_401():
    clock = FakeClock()
    BearerCache(AUTH, TOKEN).save(jwt(time.time() + 3600), time.time() + 3600)
    transport = ScriptedTransport(
        expect("GET", f"{API}/v1/apps/a", answer(401, {"error": "revoked"})),
        expect("POST", f"{AUTH}/v1/tokens/exchange", answer(503), repeat=True),
    )
    client = make_client(clock, transport, retry_timeout=10)
    with pytest.raises(ScalingoError):
        client.find_app("a")
    assert sum(clock.slept) <= 10


def test_a_deadline_cuts_the_retries_and_the_attempt_timeout():
    clock = FakeClock()
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps/a/operations/op1", answer(503), repeat=True),
    )
    client = make_client(clock, transport, retry_timeout=60, api_timeout=30)
    with pytest.raises(ScalingoError):
        client.get(f"{API}/v1/apps/a/operations/op1", "operation", deadline=clock.now + 3)
    assert sum(clock.slept) <= 3
    assert len(transport.log) > 1 and all(exchange.timeout <= 3 for exchange in transport.log[1:])


# -- the bearer cache -----------------------------------------------------------------------------


def test_a_refused_bearer_is_dropped_only_if_the_cache_still_holds_it(cache_home):
    cache = BearerCache(AUTH, TOKEN)
    old, fresh = jwt(time.time() + 3600), jwt(time.time() + 7200)
    cache.save(fresh, time.time() + 7200)  # another fork wrote a fresh bearer meanwhile
    cache.discard(old)
    assert cache.load(time.time()) == fresh
    cache.discard(fresh)
    assert cache.load(time.time()) is None


def test_a_dry_run_whose_answer_is_lost_is_repeated_like_a_read(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("POST", f"{API}/v1/apps", lost()),
        expect("POST", f"{API}/v1/apps", answer(201, {"app": {"name": "a"}})),
    )
    client = make_client(fake_clock, transport)
    reply = client.request("POST", "/apps", {}, headers={"X-Dry-Run": "true"}, ok=(201,))
    assert reply.take("app") == {"name": "a"} and not client.wrote
