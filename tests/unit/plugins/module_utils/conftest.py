"""Fixtures of the client tests: a private cache home and a fake clock."""

from __future__ import annotations

import pytest


class FakeTime:
    def __init__(self):
        self.now = 1_000_000.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def fake_time():
    return FakeTime()
