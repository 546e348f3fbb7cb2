# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what the client keeps between tasks (the bearer, the request budget).

Everything lives in one folder, $XDG_CACHE_HOME/scalingo-ansible (default ~/.cache/scalingo-ansible), used
only when it is this user's alone. The folder is opened once and checked through its descriptor; every file in
it is opened relative to that descriptor, without following a link, and checked through its own descriptor.
No path is resolved twice, so another user can neither aim a write of ours elsewhere nor swap a file in
between a check and a read. Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import stat
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

# Re-exchange the API token this long before the bearer's own expiry.
BEARER_MARGIN = 300
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z")
# No cache file is read beyond this (a bearer, or 60 sending times, takes a few KiB at most).
MAX_READ = 1 << 20
# Every file of the cache is opened with these: a link is not followed, a child process does not inherit the
# descriptor, and a FIFO put in a file's place does not block the open (fstat then refuses it).
FILE_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
WITHOUT = "Meanwhile the bearer token is not kept between tasks, and each task paces only its own requests"


def cache_directory() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG Base Directory specification: a relative path is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "scalingo-ansible")


def token_key(auth_url: str, api_token: str) -> str:
    """What names an API token's files: a SHA-256 of the auth URL and the token, never the token."""
    return hashlib.sha256(f"{auth_url}\n{api_token}".encode()).hexdigest()


def ours_alone(st: os.stat_result) -> bool:
    """A cache folder or file we may trust: this user's, and no permission at all for group or others."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o077


def _not_ours_alone(st: os.stat_result) -> str | None:
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid}, you are uid {os.getuid()})"
    if st.st_mode & 0o077:
        return f"its mode {stat.S_IMODE(st.st_mode):04o} lets other users in"
    return None


def _file_problem(st: os.stat_result) -> str | None:
    """Why a cache file, as fstat describes it, can't be used; None when it can."""
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    if st.st_nlink > 1:
        # A hard link to a file of ours elsewhere would pass the owner and mode checks.
        return "it has other names (hard links)"
    return _not_ours_alone(st)


def _link_error(exc: OSError) -> bool:
    # O_NOFOLLOW on a symbolic link: ELOOP on Linux and macOS, EMLINK on FreeBSD.
    return exc.errno in (errno.ELOOP, errno.EMLINK)


def parsed(raw: bytes | None) -> Any:
    """The JSON of a cache file, or None when it is missing or damaged in any way (deep nesting included)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except Exception:  # pylint: disable=broad-exception-caught  # a damaged file, whatever it holds, starts afresh
        return None


class CacheFolder:
    """The cache folder, opened and checked on first use, then used through its descriptor.

    A folder that exists but is not ours alone (another owner, group or other permissions, a symbolic link)
    is not used, and `warn` is told once, naming it and what to do: the bearer is then not kept and the
    pacing covers this process's requests only. A missing folder is created 0700 (its parents normally).
    """

    def __init__(self, path: str | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.path = path or cache_directory()
        self.warn = warn
        self._fd: int | None = None
        self._opened = False
        self._closer: weakref.finalize | None = None
        self._refused: set[str] = set()  # the files already warned about

    def descriptor(self) -> int | None:
        """The folder's descriptor, or None when it can't be used."""
        if not self._opened:
            self._opened = True
            self._fd = self._open()
            if self._fd is not None:
                self._closer = weakref.finalize(self, os.close, self._fd)  # closed with this object
        return self._fd

    def _open(self) -> int | None:
        with contextlib.suppress(OSError):  # the mkdir below says what is wrong
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
        created = False
        try:
            os.mkdir(self.path, 0o700)
            created = True
        except FileExistsError:
            pass
        except OSError as exc:
            return self._unusable(
                f"it could not be created ({exc.strerror})", "set XDG_CACHE_HOME to a folder you can write"
            )
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | FILE_FLAGS)
        except OSError as exc:
            # O_DIRECTORY may answer ENOTDIR for a link to a folder: lstat only words the message.
            if _link_error(exc) or os.path.islink(self.path):
                return self._unusable(
                    "it is a symbolic link", "remove the link, or set XDG_CACHE_HOME to a private folder"
                )
            if exc.errno == errno.ENOTDIR:
                return self._unusable("it is not a folder", "remove it, or set XDG_CACHE_HOME to a private folder")
            return self._unusable(f"it could not be opened ({exc.strerror})", "set XDG_CACHE_HOME to a private folder")
        try:
            st = os.fstat(fd)
            if created and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != 0o700:
                os.fchmod(fd, 0o700)  # the umask may have taken some of the owner's own rights
                st = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            return self._unusable(f"it could not be checked ({exc.strerror})", "set XDG_CACHE_HOME to a private folder")
        problem = _not_ours_alone(st)
        if problem:
            os.close(fd)
            if st.st_uid == os.getuid():
                return self._unusable(problem, "run chmod 700 on it, or set XDG_CACHE_HOME to a private folder")
            return self._unusable(problem, "set XDG_CACHE_HOME to a private folder of your own")
        return fd

    def _unusable(self, problem: str, remedy: str) -> int | None:
        """Warn why the folder is not used; None, what _open returns then."""
        if self.warn:
            self.warn(f"not using the cache folder {self.path}: {problem}; {remedy}. {WITHOUT}.")
        return None

    def open(self, name: str, flags: int) -> int | None:
        """The file `name` of the folder, opened relative to it without following a link, or None when it does not
        exist (`flags` without O_CREAT) or can't be used: not a regular file of ours alone with no other name."""
        folder = self.descriptor()
        if folder is None:
            return None
        try:
            fd = os.open(name, flags | FILE_FLAGS, 0o600, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if _link_error(exc):
                self._refuse(name, "it is a symbolic link")
            return None  # no space left, ...: that only costs what the file would have saved
        try:
            problem = _file_problem(os.fstat(fd))
        except OSError as exc:
            problem = f"it could not be checked ({exc.strerror})"
        if problem:
            os.close(fd)
            self._refuse(name, problem)
            return None
        return fd

    def _refuse(self, name: str, problem: str) -> None:
        if self.warn and name not in self._refused:
            self._refused.add(name)
            self.warn(f"not using the cache file {os.path.join(self.path, name)}: {problem}; remove it.")

    def read(self, name: str, limit: int = MAX_READ) -> bytes | None:
        fd = self.open(name, os.O_RDONLY)
        if fd is None:
            return None
        try:
            return os.pread(fd, limit, 0)
        except OSError:
            return None
        finally:
            os.close(fd)

    def replace(self, name: str, data: bytes) -> None:
        """Write `name` whole through a new private file renamed over it, so a reader sees the old content or the
        new one. The new file is removed whatever fails; the failure is raised."""
        folder = self.descriptor()
        if folder is None:
            return
        temporary = f".{name}.{os.urandom(6).hex()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | FILE_FLAGS, 0o600, dir_fd=folder)
        try:
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
            finally:
                os.close(fd)
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
            raise

    def remove(self, name: str) -> None:
        folder = self.descriptor()
        if folder is not None:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        self._fd = None


@contextlib.contextmanager
def locked(path: str, folder: CacheFolder | None = None) -> Iterator[int | None]:
    """An exclusive lock, across processes, on the file `path` of the cache folder (created 0600), yielding its
    descriptor, or None when the file can't be used (see CacheFolder.open): the caller goes on unlocked."""
    own = folder is None
    folder = folder or CacheFolder(os.path.dirname(path))
    fd = folder.open(os.path.basename(path), os.O_RDWR | os.O_CREAT)
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # O_NONBLOCK does not apply to flock: this waits for the lock
            except OSError:
                os.close(fd)
                fd = None
        try:
            yield fd
        finally:
            if fd is not None:
                os.close(fd)  # closing releases the lock
    finally:
        if own:
            folder.close()


def kept_or_new(cache: BearerCache, now: float, obtain: Callable[[], str]) -> tuple[str, bool]:
    """(a token, whether it came from `cache`): the one kept there, or the one obtain() gets and saves. The tasks of
    one cache file wait for each other's obtain(), then find its token: one exchange at a time per file."""
    token = cache.load(now)
    if token is not None:
        return token, True
    with locked(cache.lock_path, cache.folder):
        token = cache.load(now)
        return (token, True) if token is not None else (obtain(), False)


class Pacer:
    """One request budget per API token, shared by every process of this user on this host.

    The state (a 0600 file of the cache folder, named after the token like the bearer's) lists when the latest
    requests were, or are booked to be, sent, and until when a refusal (429) holds every sender. A request books
    the earliest time that keeps at most `limit` requests in any window, and sleeps until then. When the file
    can't be used, the state is kept in this process: its own requests are still paced.

    On top of that budget the pacer adapts to what the API says: a refusal means that others (another
    controller, another tool) share the token's limit. The refused request leaves the budget (the API did not
    count it), and the pacer's own allowance is cut to DECREASE of what the API admitted from it in the last
    window (never below FLOOR of `limit`); it then grows back by INCREASE of `limit` per window while no refusal
    comes (additive increase, multiplicative decrease). The allowance lives in the same file, so the forks of one controller move
    together; a refusal of a request booked before the latest cut (one burst of refusals) cuts once.
    """

    # The API counts a request when it arrives, which may be a little after it was sent: the booked
    # windows are this much longer than the API's.
    SLACK = 1.0
    DECREASE = 0.7
    INCREASE = 0.1
    # The allowance never falls below this share of `limit`: a refusal met before much was sent says little.
    FLOOR = 0.1

    def __init__(
        self,
        path: str,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
        folder: CacheFolder | None = None,
    ) -> None:
        self.path = path
        self.folder = folder or CacheFolder(os.path.dirname(path))
        self.limit = limit
        self.window = window
        self.span = window + self.SLACK
        self.clock = clock
        self._state: dict[str, Any] = {"sent": [], "hold": 0.0}
        # The time this process's latest request was booked for (see refused()).
        self.booked = 0.0

    def allowance(self, state: dict[str, Any], now: float) -> float:
        """Requests per window this controller may send now: `limit`, or less since a refusal."""
        rate, cut = state.get("rate"), state.get("cut")
        if rate is None or cut is None:
            return float(self.limit)
        return min(float(self.limit), rate + self.INCREASE * self.limit * (now - cut) / self.window)

    def book(self) -> float:
        """Book the next sending time; the seconds to wait for it."""
        with locked(self.path, self.folder) as fd:
            now = self.clock()
            state = self._read(fd, now)
            sent = state["sent"]
            allowed = max(1, int(self.allowance(state, now)))
            at = max(now, state["hold"])
            if len(sent) >= allowed:
                at = max(at, sent[-allowed] + self.span)
            sent.append(at)
            self.booked = at
            self._write(fd, state)
            return at - now

    def hold(self, seconds: float) -> None:
        """Every sender waits `seconds` from now (the API refused a request)."""
        with locked(self.path, self.folder) as fd:
            now = self.clock()
            state = self._read(fd, now)
            state["hold"] = max(state["hold"], now + seconds)
            self._write(fd, state)

    def refused(self, at: float, seconds: float) -> None:
        """The API refused (429) the request booked for `at`: every sender waits `seconds` from now, the request
        leaves the budget, and the allowance is cut unless a refusal has cut it since `at`."""
        with locked(self.path, self.folder) as fd:
            now = self.clock()
            state = self._read(fd, now)
            sent = state["sent"]
            if at in sent:
                sent.remove(at)
            state["hold"] = max(state["hold"], now + seconds)
            if at > state.get("cut", 0.0):
                admitted = sum(1 for t in sent if t <= now)
                rate = self.DECREASE * min(self.allowance(state, now), admitted)
                state.update(rate=max(1.0, self.FLOOR * self.limit, rate), cut=now)
            self._write(fd, state)

    def _read(self, fd: int | None, now: float) -> dict[str, Any]:
        if fd is None:
            data = self._state
        else:
            try:
                data = parsed(os.pread(fd, MAX_READ, 0))
            except OSError:
                data = None
        # A damaged state only costs its own pacing, once. Times beyond an hour from now come from a damaged
        # file or a clock set back: forgotten.
        if not isinstance(data, dict):
            return {"sent": [], "hold": 0.0}
        times, hold = data.get("sent"), data.get("hold")
        times = times if isinstance(times, list) else []
        sent = sorted(t for t in times if isinstance(t, float) and now - self.span < t < now + 3600)
        hold = hold if isinstance(hold, float) and hold < now + 3600 else 0.0
        oldest = max(0, len(sent) - self.limit)
        state: dict[str, Any] = {"sent": sent[oldest:], "hold": hold}
        rate, cut = data.get("rate"), data.get("cut")
        # A cut older than the time the allowance takes to grow back to `limit` is over.
        usable = isinstance(rate, float) and isinstance(cut, float) and 1.0 <= rate <= self.limit and cut < now + 3600
        if usable and self.allowance({"rate": rate, "cut": cut}, now) < self.limit:
            state.update(rate=rate, cut=cut)
        return state

    def _write(self, fd: int | None, state: dict[str, Any]) -> None:
        self._state = state
        if fd is None:
            return
        data = json.dumps(state).encode()
        with contextlib.suppress(OSError):
            # Written over, then cut: truncating to zero first frees the block, slow on some disks.
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))


class BearerCache:
    """Bearer tokens kept between tasks, one 0600 file per API token in the cache folder.

    The file name is a SHA-256 of the auth URL and the API token, so the API token itself is
    never written; the file holds only the bearer and its expiry.
    """

    # What a kept token must look like to be used.
    SHAPE = JWT

    def __init__(
        self, auth_url: str, api_token: str, directory: str | None = None, folder: CacheFolder | None = None
    ) -> None:
        self.folder = folder or CacheFolder(directory)
        self.directory = self.folder.path
        key = token_key(auth_url, api_token)
        self.name = f"bearer-{key}.json"
        self.path = os.path.join(self.directory, self.name)
        # Held while a token is exchanged, so that concurrent tasks wait for that one exchange.
        self.lock_path = os.path.join(self.directory, f"bearer-{key}.lock")

    def _read(self) -> dict:
        data = parsed(self.folder.read(self.name))
        return data if isinstance(data, dict) else {}

    def load(self, now: float) -> str | None:
        data = self._read()
        bearer, exp = data.get("bearer"), data.get("exp")
        fresh = isinstance(exp, (int, float)) and exp - BEARER_MARGIN > now
        if isinstance(bearer, str) and self.SHAPE.match(bearer) and fresh:
            return bearer
        return None

    def save(self, bearer: str, exp: float) -> None:
        # A cache that can't be written only costs one token exchange per task.
        with contextlib.suppress(OSError, TypeError, ValueError):
            self.folder.replace(self.name, json.dumps({"bearer": bearer, "exp": exp}).encode())

    def discard(self, bearer: str) -> None:
        """Forget `bearer`, unless another task has already put a fresh one in its place."""
        if self._read().get("bearer") == bearer:
            self.folder.remove(self.name)


class AppList:
    """The listing of all the apps a token sees, shared for `max_age` seconds by the tasks of a run (read_cache).

    One 0600 file of the cache folder per token and API origin, named after a SHA-256 of both; it holds the
    time of the listing and the app objects as the API listed them, never a credential. A write to an app
    drops that app from the listing, so its next read is fresh; a damaged or expired file is listed anew.
    """

    # A listing of 1000 apps takes about 1 MiB.
    MAX_READ = 32 << 20

    def __init__(self, folder: CacheFolder, auth_url: str, api_token: str, api_origin: str, max_age: float) -> None:
        self.folder = folder
        self.max_age = max_age
        key = hashlib.sha256(f"{token_key(auth_url, api_token)}\n{api_origin}".encode()).hexdigest()
        self.name = f"apps-{key}.json"
        # Held while the listing is made or changed, so that concurrent tasks wait for that one listing.
        self.lock_path = os.path.join(folder.path, f"apps-{key}.lock")

    def _read(self) -> dict[str, Any] | None:
        data = parsed(self.folder.read(self.name, self.MAX_READ))
        if not (isinstance(data, dict) and isinstance(data.get("at"), float) and isinstance(data.get("apps"), list)):
            return None
        return data

    def load(self, now: float) -> dict[str, dict] | None:
        """The apps by name, when the listing is younger than max_age; else None."""
        data = self._read()
        if data is None or not 0 <= now - data["at"] < self.max_age:
            return None
        return {app["name"]: app for app in data["apps"] if isinstance(app, dict) and isinstance(app.get("name"), str)}

    def save(self, apps: list[dict], at: float) -> None:
        # A listing that can't be written only costs a listing per task.
        with contextlib.suppress(OSError, TypeError, ValueError):
            self.folder.replace(self.name, json.dumps({"at": at, "apps": apps}).encode())

    def forget(self, names: set[str]) -> None:
        """Drop the apps `names` from the listing (a write went to them): their next read is fresh."""
        if not names or self.folder.read(self.name, 1) is None:
            return  # no listing: nothing to drop, not even a lock to take
        with locked(self.lock_path, self.folder):
            data = self._read()
            if data is None:
                return
            kept = [app for app in data["apps"] if not (isinstance(app, dict) and app.get("name") in names)]
            if len(kept) != len(data["apps"]):
                try:
                    self.folder.replace(self.name, json.dumps({"at": data["at"], "apps": kept}).encode())
                except (OSError, TypeError, ValueError):
                    self.folder.remove(self.name)  # a listing that still shows them must not stay


class AddonTokenCache(BearerCache):
    """An addon's database API tokens kept between tasks, under the bearer cache's rules.

    One 0600 file per API token, database API origin and addon, named after a SHA-256 of the four: a
    token is only used by the user who obtained it, for the database and the origin it was given for.
    """

    # Whatever the database API takes as a Bearer token: visible ASCII, no space.
    SHAPE = re.compile(r"[\x21-\x7e]{1,4096}\Z")

    def __init__(self, auth_url: str, api_token: str, db_origin: str, addon_id: str, folder: CacheFolder) -> None:
        super().__init__(auth_url, api_token, folder=folder)
        key = hashlib.sha256(f"{auth_url}\n{api_token}\n{db_origin}\n{addon_id}".encode()).hexdigest()
        self.name = f"addon-{key}.json"
        self.path = os.path.join(self.directory, self.name)
        self.lock_path = os.path.join(self.directory, f"addon-{key}.lock")
