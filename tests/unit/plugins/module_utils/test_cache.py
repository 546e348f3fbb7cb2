"""The cache folder and its files (bearer, pacing state, locks): used only when they are this user's alone,
opened without following a link, never written through one, and never left half-written."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
from typing import Any

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._cache import (
    BearerCache,
    Pacer,
    cache_directory,
    locked,
    token_key,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import ScriptedTransport, answer, expect
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    AUTH,
    TOKEN,
    jwt,
    make_client,
    new_bearer,
    token_exchange,
)

NOBODY = 65534
VICTIM = b"-----BEGIN OPENSSH PRIVATE KEY-----\nthe victim's own bytes\n"


@pytest.fixture
def folder(cache_home):
    return cache_home / "scalingo-ansible"


@pytest.fixture
def victim(tmp_path):
    """A private file of ours outside the cache folder, which no cache write may reach."""
    path = tmp_path / "id_ed25519"
    path.write_bytes(VICTIM)
    path.chmod(0o600)
    return path


def private(folder):
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    return folder


def pace_path(folder):
    return str(folder / "pace-key.json")


def exchange_then_reads(requests: int) -> ScriptedTransport:
    """The token exchange, then `requests` reads of the apps."""
    return ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps", answer(200, {"apps": []}), times=requests)
    )


def run_client(
    fake_clock: Any, rate_limit: int = 3, requests: int = 3, **kwargs: Any
) -> tuple[Client, ScriptedTransport]:
    """A client that exchanges the token then reads `requests` times; returns it and its transport."""
    transport = exchange_then_reads(requests)
    client = make_client(fake_clock, transport, rate_limit=rate_limit, **kwargs)
    for _n in range(requests):
        client.get("/apps", "apps", list)
    return client, transport


# -- the folder --------------------------------------------------------------------------------------


def test_a_missing_folder_is_created_0700_whatever_the_umask(cache_home, fake_clock, monkeypatch):
    nested = cache_home / "not" / "yet"
    monkeypatch.setenv("XDG_CACHE_HOME", str(nested))
    previous = os.umask(0o277)
    try:
        Pacer(os.path.join(cache_directory(), "pace-key.json"), 3, clock=fake_clock.clock).book()
    finally:
        os.umask(previous)
    folder = nested / "scalingo-ansible"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads((folder / "pace-key.json").read_text())["sent"] == [fake_clock.now]


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_directory() == str(tmp_path / ".cache" / "scalingo-ansible")


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (
            lambda folder: (folder.mkdir(), folder.chmod(0o777)),
            r"its mode 0777 lets other users in; run chmod 700 on it",
        ),
        (
            lambda folder: (folder.mkdir(), folder.chmod(0o750)),
            r"its mode 0750 lets other users in; run chmod 700 on it",
        ),
        (
            lambda folder: (folder.mkdir(mode=0o700), os.chown(folder, NOBODY, NOBODY)),
            r"it belongs to another user \(uid 65534, you are uid \d+\); set XDG_CACHE_HOME to a private folder",
        ),
        (
            lambda folder: (folder.with_name("elsewhere").mkdir(mode=0o700), folder.symlink_to("elsewhere")),
            r"it is a symbolic link; remove the link, or set XDG_CACHE_HOME",
        ),
    ],
    ids=["mode-0777", "mode-0750", "another-owner", "symlink"],
)
def test_a_folder_not_ours_alone_is_not_used_and_said_once(folder, fake_clock, prepare, says):
    prepare(folder)
    client, _transport = run_client(fake_clock)
    # Nothing was created or written in it (nor, for the link, where it points).
    assert os.listdir(folder) == []
    assert len(client.warnings) == 1, client.warnings
    warning = client.warnings[0]
    assert warning.startswith(f"not using the cache folder {folder}: ")
    assert re.search(says, warning), warning
    assert "the bearer token is not kept between tasks" in warning
    assert TOKEN not in warning


def test_without_the_folder_a_task_still_paces_its_own_requests_and_exchanges_once(folder, fake_clock):
    folder.mkdir()
    folder.chmod(0o777)
    client, transport = run_client(fake_clock, rate_limit=3, requests=3)
    # The exchange and three reads: the fourth request waited for the first to leave the window.
    assert len(fake_clock.slept) == 1 and 59 < fake_clock.slept[0] <= 61
    assert [e.url.split("/v1")[1] for e in transport.log].count("/tokens/exchange") == 1
    assert len(client.warnings) == 1
    assert os.listdir(folder) == []


def test_a_pace_file_in_a_foreign_folder_is_never_written_through(folder, victim, fake_clock):
    """The reported attack: another user made the folder 0777 and the pace file a link to the victim's key."""
    folder.mkdir()
    folder.chmod(0o777)
    (folder / "pace-key.json").symlink_to(victim)
    for _n in range(5):
        Pacer(pace_path(folder), 3, clock=fake_clock.clock).book()
        Pacer(pace_path(folder), 3, clock=fake_clock.clock).hold(5)
    assert victim.read_bytes() == VICTIM


# -- the files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["symlink", "dangling symlink", "hard link"])
def test_a_pace_file_linked_to_a_file_of_ours_is_neither_used_nor_written(folder, victim, tmp_path, fake_clock, link):
    private(folder)
    pace = folder / "pace-key.json"
    if link == "symlink":
        pace.symlink_to(victim)
    elif link == "dangling symlink":
        pace.symlink_to(tmp_path / "created-through-the-link")
    else:
        os.link(victim, pace)
    pacer = Pacer(str(pace), 3, clock=fake_clock.clock)
    assert [pacer.book() for _n in range(4)][-1] == pytest.approx(61.0)  # still paced, in this process
    pacer.hold(100)  # and a refusal still holds this process's next request
    assert pacer.book() == pytest.approx(100.0)
    assert victim.read_bytes() == VICTIM
    assert not (tmp_path / "created-through-the-link").exists()


def test_a_linked_pace_file_is_said_once_and_the_task_goes_on(folder, victim, fake_clock):
    private(folder)
    client = make_client(fake_clock, exchange_then_reads(3), rate_limit=3)
    # The client's pacing file, named after the token: made a link before the first request.
    pace = folder / f"pace-{token_key(AUTH, TOKEN)}.json"
    pace.symlink_to(victim)
    for _n in range(3):
        client.get("/apps", "apps", list)
    assert victim.read_bytes() == VICTIM
    assert client.warnings == [f"not using the cache file {pace}: it is a symbolic link; remove it."]
    assert len(fake_clock.slept) == 1  # paced in this process instead
    # The bearer was kept all the same: the folder itself is fine.
    assert [f.name.split("-")[0] + f.suffix for f in sorted(folder.iterdir())] == [
        "bearer.json",
        "bearer.lock",
        "pace.json",
    ]


def test_a_bearer_file_linked_to_a_file_of_ours_is_not_read(folder, tmp_path):
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps({"bearer": jwt(time.time() + 3600), "exp": time.time() + 3600}))
    planted.chmod(0o600)
    os.symlink(planted, cache.path)
    assert cache.load(time.time()) is None
    os.unlink(cache.path)
    os.link(planted, cache.path)
    assert cache.load(time.time()) is None


def test_a_bearer_swapped_in_after_the_check_is_not_read(folder, monkeypatch):
    """The bearer file is checked and read through one descriptor: replacing the path after the check changes
    nothing (the old code checked with os.stat, then opened the path again)."""
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    ours, theirs = jwt(time.time() + 3600), jwt(time.time() + 3601)
    cache.save(ours, time.time() + 3600)
    planted = folder.parent / "theirs.json"
    planted.write_text(json.dumps({"bearer": theirs, "exp": time.time() + 3600}))
    planted.chmod(0o600)
    os.chown(planted, NOBODY, NOBODY)

    swapped = []

    def swap_after(check):
        def checked(*args, **kwargs):
            result = check(*args, **kwargs)
            if not swapped:
                swapped.append(True)
                os.replace(planted, cache.path)  # what another user can do in a folder open to them
            return result

        return checked

    assert cache.load(time.time()) == ours  # (the folder is now open: the checks below are the file's)
    monkeypatch.setattr(os, "stat", swap_after(os.stat))
    monkeypatch.setattr(os, "fstat", swap_after(os.fstat))
    assert cache.load(time.time()) == ours
    assert swapped  # it was swapped in, after the check


def test_a_fifo_in_place_of_the_bearer_file_does_not_block(folder):
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    os.mkfifo(cache.path, 0o600)
    loaded = []
    reader = threading.Thread(target=lambda: loaded.append(cache.load(time.time())), daemon=True)
    reader.start()
    reader.join(timeout=60)  # a generous bound for one open(), so that a regression fails instead of hanging
    assert loaded == [None]


@pytest.mark.parametrize("link", ["symlink", "dangling symlink"])
def test_a_lock_file_linked_elsewhere_is_not_locked_nor_created(folder, victim, tmp_path, link):
    private(folder)
    lock = folder / "bearer-key.lock"
    target = victim if link == "symlink" else tmp_path / "created-through-the-link"
    lock.symlink_to(target)
    with locked(str(lock)) as fd:
        assert fd is None
    assert victim.read_bytes() == VICTIM
    assert not (tmp_path / "created-through-the-link").exists()


def test_a_lock_file_of_another_user_or_open_to_others_is_not_used(folder):
    private(folder)
    lock = folder / "bearer-key.lock"
    lock.write_bytes(b"")
    lock.chmod(0o666)
    with locked(str(lock)) as fd:
        assert fd is None
    lock.chmod(0o600)
    os.chown(lock, NOBODY, NOBODY)
    with locked(str(lock)) as fd:
        assert fd is None
    os.unlink(lock)
    with locked(str(lock)) as fd:
        assert fd is not None  # the same folder, a file of ours: locked
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_an_exchange_lock_linked_elsewhere_costs_only_the_lock(folder, victim, fake_clock):
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    os.symlink(victim, cache.lock_path)
    client, _transport = run_client(fake_clock, requests=1)
    assert victim.read_bytes() == VICTIM
    assert client.warnings == [f"not using the cache file {cache.lock_path}: it is a symbolic link; remove it."]
    assert cache.load(time.time())  # the bearer was kept


# -- saving ------------------------------------------------------------------------------------------


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if not name.startswith("bearer-"))


def test_a_save_whose_serialisation_fails_leaves_nothing_behind(folder, monkeypatch):
    private(folder)

    def refuse(*_args, **_kwargs):
        raise TypeError("not serialisable")

    bearer = jwt(time.time() + 3600)
    monkeypatch.setattr(json, "dump", refuse)
    monkeypatch.setattr(json, "dumps", refuse)
    BearerCache(AUTH, TOKEN).save(bearer, time.time() + 3600)
    assert os.listdir(folder) == []


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), ValueError("odd")])
def test_a_save_whose_rename_fails_leaves_no_temporary_file(folder, monkeypatch, failure):
    private(folder)

    def refuse(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(os, "replace", refuse)
    cache = BearerCache(AUTH, TOKEN)
    cache.save(jwt(time.time() + 3600), time.time() + 3600)
    assert os.listdir(folder) == []
    assert cache.load(time.time()) is None


def test_any_failure_of_a_save_removes_the_temporary_file_and_is_raised(folder, monkeypatch):
    private(folder)

    class Interrupted(BaseException):
        pass

    def refuse(*_args, **_kwargs):
        raise Interrupted

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(Interrupted):
        BearerCache(AUTH, TOKEN).save(jwt(time.time() + 3600), time.time() + 3600)
    assert os.listdir(folder) == []


def test_a_save_replaces_a_link_instead_of_writing_through_it(folder, victim):
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    os.symlink(victim, cache.path)
    bearer = jwt(time.time() + 3600)
    cache.save(bearer, time.time() + 3600)
    assert victim.read_bytes() == VICTIM
    assert not os.path.islink(cache.path)
    assert cache.load(time.time()) == bearer
    assert leftovers(folder) == []


# -- damaged files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"sent": ' * 50_000, "\udcff"])
def test_a_pacing_state_damaged_in_any_way_is_started_afresh(folder, fake_clock, content):
    private(folder)
    pace = folder / "pace-key.json"
    pace.write_bytes(content.encode("utf-8", "surrogateescape"))
    pace.chmod(0o600)
    assert Pacer(str(pace), 3, clock=fake_clock.clock).book() == 0.0
    assert json.loads(pace.read_text()) == {"sent": [fake_clock.now], "hold": 0.0}


def test_a_deeply_nested_bearer_file_is_ignored(folder):
    private(folder)
    cache = BearerCache(AUTH, TOKEN)
    with open(cache.path, "w", encoding="utf-8") as handle:
        handle.write("[" * 100_000 + "]" * 100_000)
    os.chmod(cache.path, 0o600)
    assert cache.load(time.time()) is None
