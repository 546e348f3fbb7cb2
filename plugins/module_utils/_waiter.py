# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the one polling loop.

Everything the collection waits on (an operation, an app that is no longer busy, ...) is waited on
here. Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Waited:
    """How a wait ended: the last value read, how many reads, whether `done` held, and the seconds spent."""

    __slots__ = ("duration", "finished", "polls", "value")

    def __init__(self, value: Any, polls: int, finished: bool, duration: float) -> None:
        self.value = value
        self.polls = polls
        self.finished = finished
        self.duration = duration


class Waiter:
    """Polls with one backoff policy until a condition holds or a deadline passes.

    The first read comes FIRST seconds after the start; each later one waits a quarter of the time
    already waited, from MIN to MAX seconds. Short waits are noticed within a second, long ones
    don't eat the API's 60 requests a minute (a 30 s operation takes about 14 reads). No sleep
    goes past the deadline, so the last read is at the deadline, never after it.
    """

    FIRST = 0.5
    MIN = 1.0
    MAX = 5.0

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.clock = clock
        self.sleep = sleep

    def deadline(self, timeout: float) -> float:
        return self.clock() + timeout

    def later(self, waited: float) -> float:
        """The pause before the next read once `waited` seconds were spent waiting (after the first read)."""
        return min(self.MAX, max(self.MIN, waited / 4))

    def until(
        self, read: Callable[[float], Any], done: Callable[[Any], bool], deadline: float, first: float | None = None
    ) -> Waited:
        """Call read(deadline) until done(value) or the deadline; returns a Waited.

        `read` gets the deadline so that its own retries stop there too.
        """
        start = self.clock()
        delay = self.FIRST if first is None else first
        polls = 0
        while True:
            self.sleep(max(0.0, min(delay, deadline - self.clock())))
            value = read(deadline)
            polls += 1
            now = self.clock()
            if done(value):
                return Waited(value, polls, True, round(now - start, 3))
            if now >= deadline:
                return Waited(value, polls, False, round(now - start, 3))
            delay = self.later(now - start)
