from __future__ import annotations

import base64
import json
import os
import stat
import time
from typing import Any

import pytest
import requests

from ansible_collections.scalingo.cloud.plugins.module_utils import _transport
from ansible_collections.scalingo.cloud.plugins.module_utils._api import app_name_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._cache import BearerCache
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._transport import bearer_expiry
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (
    Expected,
    ScriptedTransport,
    answer,
    expect,
    lost,
)

API = "https://api.test.example"
AUTH = "https://auth.test.example"
TOKEN = "tk-us-unit-secret-token"
BASIC = "Basic " + base64.b64encode(f":{TOKEN}".encode()).decode()


def jwt(exp: float) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS512', 'typ': 'JWT'})}.{part({'exp': exp, 'iss': 'Scalingo'})}.c2lnbmF0dXJl"


def make_client(fake_clock: Any, transport: ScriptedTransport | None = None, **kwargs: Any) -> Client:
    """The real Client on `transport` (by default one with nothing scripted: any request fails the test)."""
    options = {
        "api_token": TOKEN,
        "api_url": API,
        "auth_url": AUTH,
        "sleep": fake_clock.sleep,
        "clock": time.time,
        "monotonic": fake_clock.clock,
        "session": (transport or ScriptedTransport()).session(),
    }
    options.update(kwargs)
    return Client(**options)


def new_bearer(exp: float | None = None) -> str:
    return jwt(exp or time.time() + 3600)


def token_exchange(bearer: str) -> Expected:
    """The exchange of TOKEN (sent as Basic auth) for `bearer`."""
    return expect(
        "POST", f"{AUTH}/v1/tokens/exchange", answer(200, {"token": bearer}), headers={"Authorization": BASIC}
    )


def paths(transport: ScriptedTransport) -> list[str]:
    """The path after /v1 of every request sent."""
    return [exchange.url.split("/v1")[1] for exchange in transport.log]


def test_exchanges_the_token_then_sends_the_bearer_and_user_agent(fake_clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect(
            "GET",
            f"{API}/v1/apps/my-app",
            answer(200, {"app": {"name": "my-app"}}),
            headers={"Authorization": f"Bearer {bearer}"},
        ),
    )
    app = make_client(fake_clock, transport).find_app("my-app")
    assert app == {"name": "my-app"}
    assert transport.log[1].headers["User-Agent"] == f"scalingo.cloud-ansible/{_transport.VERSION}"


def test_cached_bearer_is_reused_by_the_next_client_and_file_is_private(fake_clock, cache_home):
    read = expect("GET", f"{API}/v1/apps/my-app", answer(200, {"app": {"name": "my-app"}}), times=2)
    transport = ScriptedTransport(token_exchange(new_bearer()), read)
    make_client(fake_clock, transport).find_app("my-app")
    make_client(fake_clock, transport).find_app("my-app")
    assert paths(transport) == [
        "/tokens/exchange",
        "/apps/my-app",
        "/apps/my-app",
    ]
    # The bearer, the lock of its exchange and the pacing state: all private, none naming or holding the token.
    files = sorted((cache_home / "scalingo-ansible").iterdir())
    assert [f.name.split("-")[0] + f.suffix for f in files] == ["bearer.json", "bearer.lock", "pace.json"]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert TOKEN not in file.read_text() and TOKEN not in file.name


def exchange_then_read(bearer: str) -> list[Expected]:
    return [token_exchange(bearer), expect("GET", f"{API}/v1/apps/my-app", answer(200, {"app": {"name": "my-app"}}))]


def test_bearer_cache_off_exchanges_every_time(fake_clock, cache_home):
    bearer = new_bearer()
    transport = ScriptedTransport(exchange_then_read(bearer), exchange_then_read(bearer))
    make_client(fake_clock, transport, bearer_cache=False).find_app("my-app")
    make_client(fake_clock, transport, bearer_cache=False).find_app("my-app")
    assert len(transport.log) == 4
    assert [f.name[:5] for f in (cache_home / "scalingo-ansible").iterdir()] == ["pace-"]  # no bearer kept


def test_bearer_close_to_expiry_is_not_reused(fake_clock):
    bearer = new_bearer(exp=time.time() + 200)  # inside the 5 minute margin
    transport = ScriptedTransport(exchange_then_read(bearer), exchange_then_read(bearer))
    make_client(fake_clock, transport).find_app("my-app")
    make_client(fake_clock, transport).find_app("my-app")
    assert len([e for e in transport.log if e.url.endswith("/exchange")]) == 2


def test_cache_file_readable_by_others_is_ignored(cache_home):
    cache = BearerCache(AUTH, TOKEN)
    cache.save(jwt(time.time() + 3600), time.time() + 3600)
    assert cache.load(time.time())
    os.chmod(cache.path, 0o644)
    assert cache.load(time.time()) is None


def test_revoked_cached_bearer_is_exchanged_again_once(fake_clock):
    BearerCache(AUTH, TOKEN).save("revoked.bearer.x", time.time() + 3600)
    transport = ScriptedTransport(
        expect(
            "GET",
            f"{API}/v1/apps/my-app",
            answer(401, {"error": "expired"}),
            headers={"Authorization": "Bearer revoked.bearer.x"},
        ),
        exchange_then_read(new_bearer()),
    )
    assert make_client(fake_clock, transport).find_app("my-app") == {"name": "my-app"}
    assert len(transport.log) == 3


def test_invalid_token_message_is_actionable_and_secret_free(fake_clock):
    transport = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", answer(401, {"error": "Invalid credentials"}))
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("my-app")
    assert "Invalid credentials" in caught.value.message and "api_token" in caught.value.message
    assert TOKEN not in caught.value.message
    assert caught.value.status == 401


def test_422_errors_map_becomes_one_line_and_failure_dict(fake_clock):
    refusal = {"errors": {"name": ["can't end with an hyphen", "can't contain 2 consecutive hyphens"]}}
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("POST", f"{API}/v1/apps", answer(422, refusal, **{"X-Request-ID": "req-42"})),
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).request(
            "POST", "/apps", {"app": {"name": "bad--name-"}}, ok=(201,), action="could not create app 'bad--name-'"
        )
    exc = caught.value
    assert exc.message == (
        "could not create app 'bad--name-': name can't end with an hyphen, can't contain 2 consecutive hyphens "
        "(HTTP 422, request id req-42)"
    )
    assert "\n" not in exc.message
    assert exc.failure == {
        "status": 422,
        "error": None,
        "errors": {"name": ["can't end with an hyphen", "can't contain 2 consecutive hyphens"]},
        "request_id": "req-42",
        "resource": None,
    }


def test_402_keeps_the_billing_url(fake_clock):
    refusal = {"error": "Sorry, you need to verify your account", "url": "https://my.scalingo.com/apps/billing"}
    transport = ScriptedTransport(token_exchange(new_bearer()), expect("POST", f"{API}/v1/apps", answer(402, refusal)))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).request("POST", "/apps", {}, ok=(201,), action="could not create app 'x'")
    assert "https://my.scalingo.com/apps/billing" in caught.value.message and caught.value.status == 402


def text(status: int, body: str, content_type: str = "text/plain", **headers: str) -> Any:
    """An answer whose body is not JSON."""
    return answer(status, body, **{"Content-Type": content_type}, **headers)


def test_html_and_plain_text_bodies_do_not_crash(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect(
            "GET",
            f"{API}/v1/apps/a",
            text(503, "<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html"),
        ),
        expect("GET", f"{API}/v1/apps/b", text(429, "Retry later")),
    )
    client = make_client(fake_clock, transport, retry_timeout=0)
    with pytest.raises(ScalingoError) as html:
        client.get("/apps/a", "app")
    with pytest.raises(ScalingoError) as plain:
        client.get("/apps/b", "app")
    assert "<html>" not in html.value.message and "Service Unavailable" in html.value.message
    assert "Retry later" in plain.value.message and plain.value.status == 429


def test_get_is_retried_on_503_with_backoff(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps", text(503, "down")),
        expect("GET", f"{API}/v1/apps", answer(200, {"apps": []})),
    )
    assert make_client(fake_clock, transport).get("/apps", "apps", list) == []
    assert len(fake_clock.slept) == 1


def test_post_is_not_retried_on_503_but_is_on_429_with_retry_after(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("POST", f"{API}/v1/apps/a/scale", text(503, "down"))
    )
    with pytest.raises(ScalingoError):
        make_client(fake_clock, transport).request("POST", "/apps/a/scale", {})
    assert len([e for e in transport.log if e.url.endswith("/scale")]) == 1

    transport = ScriptedTransport(
        expect("POST", f"{API}/v1/apps/a/restart", text(429, "Retry later", **{"Retry-After": "7"})),
        expect("POST", f"{API}/v1/apps/a/restart", answer(202)),
    )
    assert make_client(fake_clock, transport).request("POST", "/apps/a/restart", {}, ok=(202,)).status == 202
    assert fake_clock.slept[-1] > 6.9  # Retry-After from the refusal, less the instants spent since


def test_lost_answer_to_a_post_is_reported_not_resent(fake_clock):
    transport = ScriptedTransport(token_exchange(new_bearer()), expect("POST", f"{API}/v1/apps", lost()))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).request(
            "POST", "/apps", {"app": {"name": "abcdef"}}, ok=(201,), action="could not create app 'abcdef'"
        )
    assert "may or may not have been applied" in caught.value.message
    assert caught.value.unknown_outcome
    assert len([e for e in transport.log if e.url.endswith("/apps")]) == 1


def test_gateway_error_on_a_write_is_an_unknown_outcome_but_a_422_is_not(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("POST", f"{API}/v1/apps/a/scale", text(502, "<html>bad gateway</html>", "text/html")),
        expect("POST", f"{API}/v1/apps/b/scale", answer(422, {"errors": {"app": ["busy"]}})),
    )
    client = make_client(fake_clock, transport)
    with pytest.raises(ScalingoError) as gateway:
        client.request("POST", "/apps/a/scale", {}, ok=(202,))
    with pytest.raises(ScalingoError) as refused:
        client.request("POST", "/apps/b/scale", {}, ok=(202,))
    assert gateway.value.unknown_outcome and "may or may not" in gateway.value.message
    assert not refused.value.unknown_outcome and refused.value.message.startswith(
        "POST /apps/b/scale failed: busy (HTTP 422"
    )


def test_writes_other_than_refusals_are_never_resent_by_the_client(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        [expect(method, f"{API}/v1/apps/a", lost()) for method in ("DELETE", "PATCH", "PUT")],
    )
    client = make_client(fake_clock, transport)
    for method in ("DELETE", "PATCH", "PUT"):
        with pytest.raises(ScalingoError) as caught:
            client.request(method, "/apps/a", {})
        assert caught.value.unknown_outcome
    assert len(transport.log) == 4 and fake_clock.slept == []


def test_tls_failure_says_what_to_do(fake_clock):
    transport = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", requests.exceptions.SSLError("certificate verify failed"))
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).get("/apps", "apps", list)
    assert "TLS certificate of https://auth.test.example could not be verified" in caught.value.message
    assert "validate_certs=false" in caught.value.message


def test_certificates_are_verified_unless_turned_off(fake_clock):
    assert make_client(fake_clock).session.verify is True
    assert make_client(fake_clock, validate_certs=False).session.verify is False


def test_retry_budget_is_bounded(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps", text(429, "Retry later"), repeat=True)
    )
    with pytest.raises(ScalingoError):
        make_client(fake_clock, transport, retry_timeout=10).get("/apps", "apps", list)
    assert sum(fake_clock.slept) <= 10


@pytest.mark.parametrize("style", ["rails", "go"])
def test_paginate_follows_every_page(fake_clock, style):
    pages = []
    for page in (1, 2, 3):
        if style == "rails":
            meta = {
                "current_page": page,
                "previous_page": page - 1 or None,
                "next_page": page + 1 if page < 3 else None,
                "total_pages": 3,
            }
        else:
            meta = {
                "current_page": page,
                "prev_page": max(page - 1, 1),
                "next_page": min(page + 1, 3),
                "total_pages": 3,
            }
        pages.append(
            expect(
                "GET",
                f"{API}/v1/apps/p/child_apps?page={page}&per_page=50",
                answer(200, {"child_apps": [{"name": f"c{page}"}], "meta": {"pagination": meta}}),
            )
        )
    transport = ScriptedTransport(token_exchange(new_bearer()), pages)
    items = make_client(fake_clock, transport).paginate("/apps/p/child_apps", "child_apps")
    assert [i["name"] for i in items] == ["c1", "c2", "c3"]
    assert len(transport.log) == 4


def test_cursor_pages_follow_next_cursor_and_stop_at_the_limit(fake_clock):
    url = f"{API}/v1/apps/a/logs_archives"
    pages = [
        expect(
            "GET", url, answer(200, {"next_cursor": "c2", "has_more": True, "archives": [{"url": "1"}, {"url": "2"}]})
        ),
        expect(
            "GET",
            f"{url}?cursor=c2",
            answer(200, {"next_cursor": "c3", "has_more": True, "archives": [{"url": "3"}, {"url": "4"}]}),
        ),
        expect(
            "GET", f"{url}?cursor=c3", answer(200, {"next_cursor": "", "has_more": False, "archives": [{"url": "5"}]})
        ),
    ]
    transport = ScriptedTransport(token_exchange(new_bearer()), pages, pages[:2])
    client = make_client(fake_clock, transport)
    assert [a["url"] for a in client.cursor_pages("/apps/a/logs_archives", "archives")] == ["1", "2", "3", "4", "5"]
    calls = len(transport.log)
    assert [a["url"] for a in client.cursor_pages("/apps/a/logs_archives", "archives", limit=3)] == ["1", "2", "3"]
    assert len(transport.log) - calls == 2
    assert [e.url for e in transport.log[1:]] == [url, f"{url}?cursor=c2", f"{url}?cursor=c3", url, f"{url}?cursor=c2"]


def test_find_app_is_none_on_404_app_and_refuses_an_id(fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps/gone-app", answer(404, {"resource": "app", "error": "not found"})),
        expect("GET", f"{API}/v1/apps/5ed12fa6f112e2000f9f93f7", answer(200, {"app": {"name": "other-app"}})),
    )
    client = make_client(fake_clock, transport)
    assert client.find_app("gone-app") is None
    with pytest.raises(ScalingoError, match="is the id of app 'other-app'"):
        client.find_app("5ed12fa6f112e2000f9f93f7")


@pytest.mark.parametrize(
    "name, problems",
    [
        ("my-app", []),
        ("abc", ["should have between 6 and 48 characters"]),
        ("a" * 49, ["should have between 6 and 48 characters"]),
        ("MyApp_1", ["should contain only lowercase letters, digits and hyphens"]),
        ("-my-app", ["can't start with a hyphen"]),
        ("my-app-", ["can't end with a hyphen"]),
        ("my--app", ["can't contain 2 consecutive hyphens"]),
        ("ééééééé", ["should contain only lowercase letters, digits and hyphens"]),
    ],
)
def test_app_name_rules(name, problems):
    assert app_name_problems(name) == problems


def test_bearer_expiry_reads_exp_and_tolerates_garbage():
    assert bearer_expiry(jwt(1234)) == 1234
    assert bearer_expiry("not-a-jwt") is None
    assert bearer_expiry("a.!!!.c") is None


def test_version_matches_the_collection():
    root = os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    )
    if os.path.exists(os.path.join(root, "galaxy.yml")):
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
            assert f"version: {_transport.VERSION}\n" in handle.read()
    else:  # an installed collection: ansible-galaxy wrote galaxy.yml's metadata into MANIFEST.json
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as handle:
            assert json.load(handle)["collection_info"]["version"] == _transport.VERSION


def test_the_auth_service_gets_the_bearer_for_the_accounts_scm_integrations_and_their_tokens_are_kept_out(fake_clock):
    bearer = new_bearer()
    integration = {"id": "in-1", "scm_type": "github", "url": "https://github.com", "username": "jane"}
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect(
            "GET",
            f"{AUTH}/v1/scm_integrations",
            answer(200, {"scm_integrations": [dict(integration, access_token="s3cr3t-scm-token")]}),
            headers={"Authorization": f"Bearer {bearer}"},
        ),
    )
    client = make_client(fake_clock, transport)
    assert client.scm_integration("github") == integration
    assert "s3cr3t-scm-token" in client.secrets()
    with pytest.raises(ScalingoError, match="the auth service"):
        client.request("GET", "https://elsewhere.example/v1/x", service="auth")
    assert len(transport.log) == 2  # nothing sent elsewhere
