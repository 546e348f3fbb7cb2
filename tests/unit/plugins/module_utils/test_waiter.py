from __future__ import annotations

import itertools

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._waiter import Waiter
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import FakeClock

START = 100.0


def reader(clock, values, read_time=0.0):
    """read(deadline) returning `values` in turn (the last one forever), each read taking `read_time`;
    read.calls records (when, the deadline given) of each call."""
    values = list(values)

    def read(deadline):
        read.calls.append((clock.now, deadline))
        clock.now += read_time
        return values.pop(0) if len(values) > 1 else values[0]

    read.calls = []
    return read


def test_first_poll_at_half_a_second_then_a_quarter_of_the_time_waited_from_1_to_5_s():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    read = reader(clock, ["running"] * 20 + ["done"])
    waited = waiter.until(read, lambda v: v == "done", waiter.deadline(300))
    assert waited.finished and waited.value == "done" and waited.polls == 21
    assert clock.slept[0] == 0.5
    assert clock.slept[1:4] == [1.0, 1.0, 1.0]  # a quarter of 0.5, 1.5, 2.5 s is under the 1 s floor
    assert clock.slept == sorted(clock.slept)
    assert all(1.0 <= d <= 5.0 for d in clock.slept[1:])
    assert clock.slept[-1] == 5.0  # the ceiling
    elapsed = [t - START for t, _deadline in read.calls]
    for before, after in itertools.pairwise(elapsed):
        assert after - before == pytest.approx(min(5.0, max(1.0, before / 4)))


def test_a_five_second_operation_is_noticed_within_a_second_and_a_thirty_second_one_in_14_polls():
    for length, polls in ((5, 6), (30, 14)):
        clock = FakeClock(START)
        waiter = Waiter(clock.clock, clock.sleep)
        waited = waiter.until(
            lambda deadline, clock=clock, length=length: "done" if clock.now - START >= length else "running",
            lambda v: v == "done",
            waiter.deadline(300),
        )
        assert waited.finished and waited.polls == polls
        assert waited.duration - length < max(1.0, length / 4) + 0.01


def test_the_last_poll_is_at_the_deadline_never_past_it():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    deadline = waiter.deadline(10)
    read = reader(clock, ["running"])
    waited = waiter.until(read, lambda v: v == "done", deadline)
    assert not waited.finished and waited.value == "running"
    assert all(t <= deadline for t, _deadline in read.calls)
    assert read.calls[-1][0] == pytest.approx(deadline)
    assert sum(clock.slept) == pytest.approx(10)
    assert waited.duration == pytest.approx(10)


def test_read_gets_the_deadline_so_its_retries_stop_there_too():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    deadline = waiter.deadline(3)
    read = reader(clock, ["running"])
    waiter.until(read, lambda v: False, deadline)
    assert {d for _time, d in read.calls} == {deadline}


def test_slow_reads_count_against_the_deadline():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    deadline = waiter.deadline(5)
    waited = waiter.until(reader(clock, ["running"], read_time=2.0), lambda v: False, deadline)
    # 0.5 s, read (2 s), 1 s, read (2 s): the clock is then past the deadline and no further poll is made.
    assert waited.polls == 2 and clock.now == pytest.approx(START + 5.5)


def test_first_can_be_zero_for_an_immediate_read():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    waited = waiter.until(reader(clock, ["done"]), lambda v: v == "done", waiter.deadline(60), first=0.0)
    assert waited.finished and waited.polls == 1 and clock.slept == [0.0]


def test_a_deadline_already_passed_still_reads_once():
    clock = FakeClock(START)
    waiter = Waiter(clock.clock, clock.sleep)
    waited = waiter.until(reader(clock, ["running"]), lambda v: False, clock.now - 1)
    assert waited.polls == 1 and not waited.finished and clock.slept == [0.0]
