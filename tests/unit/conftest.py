"""Fixtures of every unit test: a private cache home and the one fake clock."""

from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.tests.unit.fake_transport import FakeClock


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def fake_clock():
    return FakeClock()
