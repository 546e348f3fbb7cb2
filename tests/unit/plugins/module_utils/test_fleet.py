"""Fleets at AWX scale: the adaptive pacing (Pacer.refused, on an injected clock) and the shared listing of the
apps (read_cache)."""

from __future__ import annotations

import json
import os
import stat
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._cache import Pacer
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import connection_settings
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (
    Answer,
    Exchange,
    Expected,
    ScriptedTransport,
    answer,
    expect,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    TOKEN,
    make_client,
    new_bearer,
    text,
    token_exchange,
)

LIMIT = 60


def pacer(cache_home, fake_clock, limit=LIMIT):
    return Pacer(str(cache_home / "scalingo-ansible" / "pace-key.json"), limit, clock=fake_clock.clock)


def state(cache_home):
    return json.loads((cache_home / "scalingo-ansible" / "pace-key.json").read_text())


def client_state(cache_home):
    (name,) = [n for n in os.listdir(cache_home / "scalingo-ansible") if n.startswith("pace-") and n.endswith(".json")]
    return json.loads((cache_home / "scalingo-ansible" / name).read_text())


def booked_times(pace, fake_clock, count, step=1.0):
    """`count` requests booked `step` seconds apart (none waits); the times they were booked for."""
    times = []
    for _n in range(count):
        assert pace.book() == 0.0
        times.append(pace.booked)
        fake_clock.now += step
    return times


# ---------------------------------------------------------------- adaptive pacing
def test_a_burst_of_refusals_cuts_the_allowance_once(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    times = booked_times(pace, fake_clock, 20)
    # The last three were in flight together when the API started refusing: all three come back 429.
    for at in times[-3:]:
        pace.refused(at, 1.0)
    saved = state(cache_home)
    # Cut once, by the first refusal, to DECREASE of the 19 others (the refused request left the budget), not
    # three times over: the other two were booked before that cut.
    assert saved["rate"] == pytest.approx(Pacer.DECREASE * 19)
    assert saved["cut"] == fake_clock.now
    assert len(saved["sent"]) == 17


def test_after_a_cut_bookings_keep_to_the_allowance(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    times = booked_times(pace, fake_clock, 30)
    pace.refused(times[-1], 1.0)
    allowed = int(Pacer.DECREASE * 29)
    later = []
    for _n in range(40):
        wait = pace.book()
        later.append(fake_clock.now + wait)
        fake_clock.now += 0.5
    # The refusal holds everyone for its pause; then no window ending at a later booking holds more than the
    # allowance (plus its growth over a window, INCREASE * LIMIT = 6), where 29 went before.
    assert min(later) >= times[-1] + 1.0
    every = sorted(times[:-1] + later)
    assert max(sum(1 for t in every if end - 61.0 < t <= end) for end in later) <= allowed + Pacer.INCREASE * LIMIT


def test_the_allowance_grows_back_to_the_limit_while_no_refusal_comes(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    times = booked_times(pace, fake_clock, 20)
    pace.refused(times[-1], 1.0)
    cut = state(cache_home)
    assert pace.allowance(cut, fake_clock.now) == pytest.approx(Pacer.DECREASE * 19)
    # INCREASE of the limit per window: 6 more requests a minute, each minute.
    assert pace.allowance(cut, fake_clock.now + 60) == pytest.approx(Pacer.DECREASE * 19 + Pacer.INCREASE * LIMIT)
    back = (LIMIT - Pacer.DECREASE * 19) / (Pacer.INCREASE * LIMIT) * 60
    assert pace.allowance(cut, fake_clock.now + back - 1) < LIMIT
    assert pace.allowance(cut, fake_clock.now + back + 1) == LIMIT
    # Once grown back, the cut is forgotten: the state is the plain budget again.
    fake_clock.now += back + 1
    pace.book()
    assert set(state(cache_home)) == {"sent", "hold"}


def test_a_refusal_of_a_request_booked_after_the_cut_cuts_again(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    times = booked_times(pace, fake_clock, 40)
    pace.refused(times[-1], 0.5)
    first = state(cache_home)["rate"]
    fake_clock.now += 5
    pace.book()
    fake_clock.now += 60
    pace.refused(pace.booked, 0.5)  # booked after the first cut: news, a new cut
    assert state(cache_home)["rate"] < first


def test_the_allowance_never_falls_below_its_floor(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    pace.book()
    pace.refused(pace.booked, 0.5)  # refused at once: nothing was admitted
    assert state(cache_home)["rate"] == Pacer.FLOOR * LIMIT
    one = pacer(cache_home, fake_clock, limit=3)
    fake_clock.now += 100
    one.book()
    one.refused(one.booked, 0.5)
    assert state(cache_home)["rate"] == 1.0


def test_retry_after_holds_every_sender_and_cuts(cache_home, fake_clock):
    first, second = pacer(cache_home, fake_clock), pacer(cache_home, fake_clock)
    times = booked_times(first, fake_clock, 3)
    first.refused(times[-1], 20.0)
    assert second.book() == pytest.approx(20.0)
    assert state(cache_home)["rate"] == Pacer.FLOOR * LIMIT


@pytest.mark.parametrize(
    "fields",
    [
        {"rate": "3", "cut": 1.0},
        {"rate": 1e9, "cut": 1.0},
        {"rate": 0.0, "cut": 1.0},
        {"rate": 10.0, "cut": 1e99},
        {"rate": 10.0, "cut": None},
    ],
)
def test_a_damaged_allowance_is_started_afresh(cache_home, fake_clock, fields):
    path = cache_home / "scalingo-ansible" / "pace-key.json"
    path.parent.mkdir(mode=0o700)
    fields = {k: (fake_clock.now - 1 if v == 1.0 else v) for k, v in fields.items()}
    path.write_text(json.dumps({"sent": [], "hold": 0.0, **fields}))
    path.chmod(0o600)
    pace = pacer(cache_home, fake_clock)
    assert [pace.book() for _n in range(LIMIT)] == [0.0] * LIMIT  # the whole limit: no cut survived
    assert set(state(cache_home)) == {"sent", "hold"}


def test_a_refusal_through_the_client_cuts_the_shared_allowance_and_is_counted(cache_home, fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps", answer(200, {"apps": []}), times=9),
        expect("GET", f"{API}/v1/apps/x", text(429, "Retry later", **{"Retry-After": "5"})),
        expect("GET", f"{API}/v1/apps/x", answer(200, {"app": {"name": "x"}})),
    )
    client = make_client(fake_clock, transport, clock=fake_clock.clock)
    for _n in range(9):
        client.get("/apps", "apps", list)
        fake_clock.now += 1
    assert client.find_app("x") == {"name": "x"}
    # The exchange and nine reads admitted: cut to DECREASE of those ten, which the window already holds.
    assert client_state(cache_home)["rate"] == pytest.approx(Pacer.DECREASE * 10)
    # So the retry waited for its turn in the window (the seventh latest admitted, 61 s on), not only Retry-After.
    assert len(fake_clock.slept) == 1 and fake_clock.slept[0] > 50
    assert client.pacing() == {"requests": 12, "waited": round(fake_clock.slept[0], 1), "throttled": 1}


# ---------------------------------------------------------------- read_cache
APPS = [{"name": "app-one", "force_https": True}, {"name": "app-two", "force_https": False}]


def listing_files(cache_home):
    return [
        name
        for name in os.listdir(cache_home / "scalingo-ansible")
        if name.startswith("apps-") and name.endswith(".json")
    ]


def listing(apps: list | None = None, api: str = API) -> Expected:
    """The listing of the apps, answered with `apps` (by default, APPS)."""
    return expect("GET", f"{api}/v1/apps", answer(200, {"apps": APPS if apps is None else apps}))


def test_the_first_task_lists_the_apps_and_the_others_read_nothing(cache_home, fake_clock):
    transport = ScriptedTransport(token_exchange(new_bearer()), listing())
    first = make_client(fake_clock, transport, clock=fake_clock.clock, read_cache=30)
    assert first.listed_app("app-one") == APPS[0]  # a miss: listed
    second = make_client(fake_clock, transport, clock=fake_clock.clock, read_cache=30)
    assert second.listed_app("app-two") == APPS[1]  # a hit: nothing sent
    assert second.listed_app("app-three") is None  # not listed: the caller reads it fresh
    assert [e.url.split("?")[0] for e in transport.log[1:]] == [f"{API}/v1/apps"]


def test_the_listing_follows_every_page(cache_home, fake_clock):
    pages = {"1": (APPS[:1], 2), "2": (APPS[1:], None)}

    def page(sent: Exchange) -> Answer:
        apps, following = pages[parse_qs(urlsplit(sent.url).query)["page"][0]]
        return answer(200, {"apps": apps, "meta": {"pagination": {"next_page": following}}})

    transport = ScriptedTransport(token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps", page, times=2))
    assert make_client(fake_clock, transport, read_cache=30).listed_app("app-two") == APPS[1]
    assert len(transport.log) == 3


def test_an_expired_listing_is_made_again(cache_home, fake_clock):
    transport = ScriptedTransport(token_exchange(new_bearer()), listing(), listing())
    make_client(fake_clock, transport, clock=fake_clock.clock, read_cache=30).listed_app("app-one")
    fake_clock.now += 29
    make_client(fake_clock, transport, clock=fake_clock.clock, read_cache=30).listed_app("app-one")
    assert len([e for e in transport.log if e.url.startswith(f"{API}/v1/apps")]) == 1
    fake_clock.now += 2
    make_client(fake_clock, transport, clock=fake_clock.clock, read_cache=30).listed_app("app-one")
    assert len([e for e in transport.log if e.url.startswith(f"{API}/v1/apps")]) == 2


def test_off_by_default_and_then_nothing_is_listed(cache_home, fake_clock):
    assert connection_settings({"api_token": TOKEN})["read_cache"] == 0
    with pytest.raises(ScalingoError, match="read_cache must be 0"):
        connection_settings({"api_token": TOKEN, "read_cache": -1})
    transport = ScriptedTransport()
    assert make_client(fake_clock, transport).listed_app("app-one") is None
    assert len(transport.log) == 0


def test_a_write_drops_its_app_from_the_listing_even_in_a_task_without_read_cache(cache_home, fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        listing(),
        expect("PATCH", f"{API}/v1/apps/app-one", answer(200, {"app": APPS[0]})),
        expect("POST", f"{API}/v1/apps/app-two/rename", answer(200, {"app": {"name": "app-2"}})),
    )
    make_client(fake_clock, transport, read_cache=30).listed_app("app-one")
    make_client(fake_clock, transport).request("PATCH", "/apps/app-one", {"app": {"force_https": False}})
    reader = make_client(fake_clock, transport, read_cache=30)
    assert reader.listed_app("app-one") is None and reader.listed_app("app-two") == APPS[1]
    reader.request("POST", "/apps/app-two/rename", {"current_name": "app-two", "new_name": "app-2"})
    assert reader.listed_app("app-two") is None
    assert len([e for e in transport.log if e.method == "GET"]) == 1  # never listed again


def test_the_listing_file_is_private_holds_no_credential_and_is_keyed_by_api_origin(cache_home, fake_clock):
    other = "https://api.other.example"
    transport = ScriptedTransport(token_exchange(new_bearer()), listing(), listing([], other))
    client = make_client(fake_clock, transport, read_cache=30)
    client.listed_app("app-one")
    (name,) = listing_files(cache_home)
    path = cache_home / "scalingo-ansible" / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    assert TOKEN not in content and client._bearer not in content and "Bearer" not in content
    assert json.loads(content)["apps"] == APPS
    assert make_client(fake_clock, transport, read_cache=30, api_url=other).listed_app("app-one") is None
    assert len(listing_files(cache_home)) == 2


@pytest.mark.parametrize("content", ["", "not json", '{"at": "x", "apps": []}', '{"at": 1.5, "apps": {}}', "[]"])
def test_a_damaged_listing_is_made_again(cache_home, fake_clock, content):
    transport = ScriptedTransport(token_exchange(new_bearer()), listing(), listing())
    client = make_client(fake_clock, transport, read_cache=30)
    client.listed_app("app-one")
    (name,) = listing_files(cache_home)
    (cache_home / "scalingo-ansible" / name).write_text(content)
    assert make_client(fake_clock, transport, read_cache=30).listed_app("app-one") == APPS[0]
    assert len([e for e in transport.log if e.method == "GET"]) == 2
