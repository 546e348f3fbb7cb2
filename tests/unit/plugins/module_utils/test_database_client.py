"""The database API client: where it goes (the region's database_api, or db_api_url), which credential goes
where (the addon token only to the database API's origin, the bearer never there), the addon token's cache and
its one re-exchange after a 401."""

from __future__ import annotations

import os
import stat
import time
import types
from typing import Any

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._database import DatabaseApi, find_database_addon
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import connection_settings
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import Expected, ScriptedTransport, answer, expect
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    AUTH,
    TOKEN,
    jwt,
    make_client,
    new_bearer,
    token_exchange,
)

DB = "https://db-api.test.example"
ADDON = {"id": "ad-1234", "addon_provider": {"id": "postgresql"}}
TOKEN_PATH = f"{API}/v1/apps/my-app/addons/ad-1234/token"
DATABASE_PATH = f"{DB}/api/databases/ad-1234"
DATABASE = {"database": {"id": "ad-1234", "features": []}}
REGIONS = {
    "regions": [
        {"name": "osc-secnum-fr1", "api": "https://api.other.example", "database_api": "https://db.other.example"},
        {"name": "osc-fr1", "api": API, "database_api": DB + "/"},
    ]
}


def addon_token(token: str = "addon-token-one", bearer: str | None = None) -> Expected:
    """The exchange of the addon's token (with the bearer `bearer`, when given)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else None
    return expect("POST", TOKEN_PATH, answer(200, {"addon": {"id": "ad-1234", "token": token}}), headers=headers)


def read_database(reply: Any = None, token: str | None = None, url: str = DATABASE_PATH) -> Expected:
    """The database's read (with the addon token `token`, when given), answered with `reply` (by default, it)."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return expect("GET", url, reply or answer(200, DATABASE), headers=headers)


def database_api(clock: Any, transport: ScriptedTransport, db_api_url: str | None = DB, **kwargs: Any) -> DatabaseApi:
    return DatabaseApi(make_client(clock, transport, **kwargs), "my-app", ADDON, "osc-fr1", db_api_url)


def sent(transport: ScriptedTransport) -> list[tuple[str, str]]:
    return [(exchange.method, exchange.url.split("?")[0]) for exchange in transport.log]


@pytest.fixture
def clock():
    """A monotonic clock that moves only when the code sleeps: waits are instant."""
    now = [1000.0]
    return types.SimpleNamespace(sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])


def test_the_region_listing_gives_the_database_api_and_each_credential_goes_to_its_own_origin(clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect("GET", f"{AUTH}/v1/regions", answer(200, REGIONS), headers={"Authorization": f"Bearer {bearer}"}),
        addon_token(bearer=bearer),
        read_database(token="addon-token-one"),
    )
    db = database_api(clock, transport, db_api_url=None)
    assert db.database() == DATABASE["database"]
    assert db.url() == f"{DB}/api"
    assert sent(transport) == [
        ("POST", f"{AUTH}/v1/tokens/exchange"),
        ("GET", f"{AUTH}/v1/regions"),
        ("POST", TOKEN_PATH),
        ("GET", DATABASE_PATH),
    ]
    # The addon token's exchange changes nothing, and the addon token is a secret of the run.
    assert not db.client.wrote
    assert "addon-token-one" in db.client.secrets()


def test_a_region_missing_from_the_listing_fails_naming_the_listed_ones(clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{AUTH}/v1/regions", answer(200, REGIONS))
    )
    db = DatabaseApi(make_client(clock, transport), "my-app", ADDON, "osc-elsewhere")
    with pytest.raises(
        ScalingoError, match=r"region osc-elsewhere is not listed .regions: osc-secnum-fr1, osc-fr1.; set"
    ):
        db.database()


@pytest.mark.parametrize("url", [API + ":443/x", AUTH])
def test_a_database_api_on_the_origin_of_the_regional_api_or_the_auth_service_is_refused(clock, url):
    db = database_api(clock, ScriptedTransport(), db_api_url=url)
    with pytest.raises(ScalingoError, match=r"has the origin of (api|auth)_url"):
        db.url()


def test_the_addon_token_is_kept_between_tasks_in_a_private_file_named_after_no_secret(clock, cache_home):
    transport = ScriptedTransport(token_exchange(new_bearer()), addon_token(), read_database(), read_database())
    database_api(clock, transport).database()
    database_api(clock, transport).database()
    assert [path for _method, path in sent(transport)].count(TOKEN_PATH) == 1
    files = [name for name in os.listdir(cache_home / "scalingo-ansible") if name.startswith("addon-")]
    kept = [name for name in files if name.endswith(".json")]
    assert len(kept) == 1
    path = cache_home / "scalingo-ansible" / kept[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "ad-1234" not in kept[0] and TOKEN not in kept[0]


def test_the_kept_token_is_for_one_addon_one_origin_and_one_api_token(clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        addon_token(),
        read_database(),
        addon_token(),
        read_database(url="https://db2.test.example/api/databases/ad-1234"),
    )
    database_api(clock, transport).database()
    database_api(clock, transport, db_api_url="https://db2.test.example").database()
    assert [path for _method, path in sent(transport)].count(TOKEN_PATH) == 2


def test_a_token_expiring_within_five_minutes_is_exchanged_again(clock):
    soon = jwt(time.time() + 200)
    transport = ScriptedTransport(
        token_exchange(new_bearer()), addon_token(soon), read_database(), addon_token(soon), read_database()
    )
    database_api(clock, transport).database()
    database_api(clock, transport).database()
    assert [path for _method, path in sent(transport)].count(TOKEN_PATH) == 2


def test_a_401_drops_the_kept_token_and_exchanges_once_more(clock):
    unauthorized = answer(401, {"error": "unauthorized"})
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        addon_token("addon-token-one"),
        read_database(),
        # The next task: the kept token is refused, dropped and exchanged once more.
        read_database(answer(401, {"error": "token expired"}), token="addon-token-one"),
        addon_token("addon-token-two"),
        read_database(token="addon-token-two"),
        # Once more only: a token refused twice is a failure, not a loop.
        read_database(unauthorized),
        addon_token("addon-token-two"),
        read_database(unauthorized),
    )
    database_api(clock, transport).database()
    assert database_api(clock, transport).database() == DATABASE["database"]
    with pytest.raises(ScalingoError, match="HTTP 401"):
        database_api(clock, transport).database()
    assert [path for _method, path in sent(transport)].count(TOKEN_PATH) == 3
    assert transport.finished


def test_the_addon_token_is_never_quoted_even_when_an_answer_echoes_it(clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        addon_token("addon-token-echoed"),
        read_database(answer(400, {"error": "bad token addon-token-echoed"})),
    )
    db = database_api(clock, transport)
    with pytest.raises(ScalingoError) as failure:
        db.database()
    assert "addon-token-echoed" not in failure.value.message


def test_no_redirect_is_followed_from_the_database_api(clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        addon_token(),
        read_database(answer(302, Location="https://elsewhere.example/x")),
        expect("GET", "https://elsewhere.example/x", answer(200, DATABASE)),
    )
    with pytest.raises(ScalingoError, match="HTTP 302"):
        database_api(clock, transport).database()
    assert "elsewhere" not in " ".join(url for _method, url in sent(transport))


def test_a_malformed_token_answer_fails_without_quoting_it(clock):
    transport = ScriptedTransport(token_exchange(new_bearer()), addon_token("has a space"))
    with pytest.raises(ScalingoError, match="without a well-formed addon token") as failure:
        database_api(clock, transport).database()
    assert "has a space" not in failure.value.message


@pytest.mark.parametrize(
    ("wanted", "found", "problem"),
    [
        ("ad-2", "ad-2", None),
        ("redis", "ad-3", None),
        ("postgresql", None, r"has 2 postgresql addons \(ad-1, ad-2\): set addon to the id"),
        ("mysql", None, r"has no addon 'mysql' .*its addons: postgresql \(ad-1\), postgresql \(ad-2\), redis \(ad-3\)"),
    ],
)
def test_the_addon_is_found_by_id_or_by_its_provider_when_it_is_the_only_one(clock, wanted, found, problem):
    addons = [
        {"id": "ad-1", "addon_provider": {"id": "postgresql"}},
        {"id": "ad-2", "addon_provider": {"id": "postgresql"}},
        {"id": "ad-3", "addon_provider": {"id": "redis"}},
    ]
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps/my-app/addons", answer(200, {"addons": addons}))
    )
    client = make_client(clock, transport)
    if problem:
        with pytest.raises(ScalingoError, match=problem):
            find_database_addon(client, "my-app", wanted)
    else:
        assert find_database_addon(client, "my-app", wanted)["id"] == found


def test_db_api_url_is_checked_with_the_connection_settings():
    settings = connection_settings({"api_token": TOKEN, "db_api_url": "https://db.example/"})
    assert settings["db_api_url"] == "https://db.example"
    assert connection_settings({"api_token": TOKEN})["db_api_url"] is None
    with pytest.raises(ScalingoError, match=r"db_api_url 'db\.example' is invalid"):
        connection_settings({"api_token": TOKEN, "db_api_url": "db.example"})
