"""The shared request budget (Pacer) and the one token exchange in flight."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
import time

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils import _cache
from ansible_collections.scalingo.cloud.plugins.module_utils._cache import Pacer
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._settings import connection_settings
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (
    Answer,
    Exchange,
    ScriptedTransport,
    answer,
    expect,
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

APPS = answer(200, {"apps": []})
REFUSED = text(429, "Retry later", **{"Retry-After": "20"})


def pacer(cache_home, fake_clock, limit=3, window=60.0):
    return Pacer(str(cache_home / "scalingo-ansible" / "pace-key.json"), limit, window, clock=fake_clock.clock)


def test_books_at_once_until_the_window_holds_the_limit(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    assert [pace.book() for _n in range(3)] == [0.0, 0.0, 0.0]
    # The fourth waits until the first has left the window (plus the slack for arrival).
    assert pace.book() == pytest.approx(61.0)
    assert pace.book() == pytest.approx(61.0)
    fake_clock.now += 30
    assert pace.book() == pytest.approx(31.0)
    assert pace.book() == pytest.approx(61.0 + 61.0 - 30)


def test_a_window_that_slid_past_costs_nothing(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    for _n in range(10):
        assert pace.book() == 0.0
        fake_clock.now += 21


def test_every_booking_window_holds_at_most_the_limit(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock, limit=5, window=10.0)
    times = []
    for _n in range(40):
        times.append(fake_clock.now + pace.book())
        fake_clock.now += 0.7
    assert all(later - earlier >= 11.0 for earlier, later in zip(times, times[5:], strict=False))


def test_a_hold_delays_every_booking(cache_home, fake_clock):
    first, second = pacer(cache_home, fake_clock), pacer(cache_home, fake_clock)
    first.hold(12.5)
    assert second.book() == pytest.approx(12.5)
    first.hold(2.0)  # a shorter hold never cuts a longer one
    assert first.book() == pytest.approx(12.5)


def test_state_file_is_private_and_holds_only_times(cache_home, fake_clock):
    pace = pacer(cache_home, fake_clock)
    pace.book()
    path = cache_home / "scalingo-ansible" / "pace-key.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"sent": [fake_clock.now], "hold": 0.0}


@pytest.mark.parametrize(
    "content",
    ["", "not json", '{"sent": "x", "hold": 1}', '{"sent": [1e99, "a"], "hold": null}', '{"sent": [], "hold": 1e99}'],
)
def test_a_damaged_state_is_started_afresh(cache_home, fake_clock, content):
    path = cache_home / "scalingo-ansible" / "pace-key.json"
    path.parent.mkdir(mode=0o700)
    path.write_text(content)
    path.chmod(0o600)
    assert pacer(cache_home, fake_clock).book() == 0.0
    assert json.loads(path.read_text())["sent"] == [fake_clock.now]


def test_a_state_file_others_can_write_is_not_used(cache_home, fake_clock):
    path = cache_home / "scalingo-ansible" / "pace-key.json"
    path.parent.mkdir(mode=0o700)
    path.write_text('{"sent": [], "hold": 9999999999}')
    path.chmod(0o666)
    assert pacer(cache_home, fake_clock).book() == 0.0
    assert json.loads(path.read_text())["hold"] == 9999999999


def book_many(path, count, queue):
    seen = []

    def clock():
        seen.append(time.time())
        return seen[-1]

    pace = Pacer(path, 10, 0.5, clock=clock)
    times = []
    for _n in range(count):
        wait = pace.book()
        times.append(seen[-1] + wait)
    queue.put(times)


def test_processes_sharing_a_token_never_book_more_than_the_limit(cache_home):
    path = str(cache_home / "scalingo-ansible" / "pace-shared.json")
    context = multiprocessing.get_context("spawn")  # fork in a threaded process (an xdist worker) may deadlock
    queue = context.Queue()
    workers = [context.Process(target=book_many, args=(path, 15, queue)) for _n in range(4)]
    for worker in workers:
        worker.start()
    times = sorted(t for worker in workers for t in queue.get(timeout=60))
    for worker in workers:
        worker.join(timeout=60)
    assert len(times) == 60
    # Any 11 consecutive bookings span more than a window (0.5 s + 1 s of slack): at most 10 in any window.
    assert min(later - earlier for earlier, later in zip(times, times[10:], strict=False)) >= 1.5 - 1e-6


def test_client_waits_its_turn_and_rate_limit_zero_turns_pacing_off(cache_home, fake_clock):
    transport = ScriptedTransport(token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps", APPS, times=8))
    client = make_client(fake_clock, transport, rate_limit=3)
    for _n in range(3):  # the exchange and three reads: the fourth request waits
        client.get("/apps", "apps", list)
    assert len(fake_clock.slept) == 1 and 59 < fake_clock.slept[0] <= 61
    assert [f for f in os.listdir(cache_home / "scalingo-ansible") if f.startswith("pace-")]

    off = make_client(fake_clock, transport, rate_limit=0)
    for _n in range(5):
        off.get("/apps", "apps", list)
    assert len(fake_clock.slept) == 1
    assert transport.finished


def test_a_refusal_pauses_the_other_tasks_of_the_token(cache_home, fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        expect("GET", f"{API}/v1/apps", REFUSED),
        expect("GET", f"{API}/v1/apps", APPS, times=2),
    )
    refused, other = make_client(fake_clock, transport), make_client(fake_clock, transport)
    refused.get("/apps", "apps", list)
    assert fake_clock.slept[-1] >= 19  # waited out its own refusal through the shared state
    # The other task waits too, although it was never refused itself.
    before = len(fake_clock.slept)
    other.get("/apps", "apps", list)  # (the pacer's clock is real time, which the fake sleeps don't move)
    assert len(fake_clock.slept) == before + 1 and fake_clock.slept[-1] >= 19


def test_concurrent_tasks_wait_for_the_one_exchange_in_flight(cache_home, fake_clock, monkeypatch):
    bearer = jwt(time.time() + 3600)
    exchanges: list[Exchange] = []
    others: list[threading.Thread] = []
    # Set when the second task waits for the bearer's lock, or (were there no lock) sends its own exchange.
    contended = threading.Event()
    flock = _cache.fcntl.flock

    def watched_flock(fd: int, operation: int) -> None:
        if threading.current_thread() in others and "bearer-" in os.readlink(f"/proc/self/fd/{fd}"):
            contended.set()
        flock(fd, operation)

    def exchange(sent: Exchange) -> Answer:
        exchanges.append(sent)
        if len(exchanges) == 1:
            # A second task starts while this exchange is in flight; this one answers once that task waits.
            other = threading.Thread(target=lambda: make_client(fake_clock, transport).get("/apps", "apps", list))
            others.append(other)
            other.start()
            assert contended.wait(timeout=60)
        else:
            contended.set()
        return answer(200, {"token": bearer})

    monkeypatch.setattr(_cache.fcntl, "flock", watched_flock)
    transport = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", exchange, repeat=True),
        expect("GET", f"{API}/v1/apps", APPS, repeat=True),
        ordered=False,
    )
    make_client(fake_clock, transport).get("/apps", "apps", list)
    others[0].join(timeout=60)
    assert len(exchanges) == 1
    assert [e.headers["Authorization"] for e in transport.log[1:]] == [f"Bearer {bearer}"] * 2


def test_rate_limit_must_not_be_negative():
    with pytest.raises(ScalingoError, match="rate_limit must be 0"):
        connection_settings({"api_token": TOKEN, "rate_limit": -1})
    assert connection_settings({"api_token": TOKEN})["rate_limit"] == 60


def test_a_refusal_not_retried_still_pauses_the_others(cache_home, fake_clock):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps", REFUSED), expect("GET", f"{API}/v1/apps", APPS)
    )
    with pytest.raises(ScalingoError, match="Retry later"):
        make_client(fake_clock, transport, retry_timeout=0).get("/apps", "apps", list)
    assert fake_clock.slept == []
    make_client(fake_clock, transport).get("/apps", "apps", list)
    assert len(fake_clock.slept) == 1 and fake_clock.slept[0] > 19
