# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the client of Scalingo's database API.

A database is an addon of an app (find_database_addon: by provider id, or by addon id when there are several).
Its API lives on its own origin, the region's `database_api` (or db_api_url), under /api, and takes the
addon's own token, exchanged on the regional API (POST /v1/apps/<app>/addons/<id>/token) and kept between
tasks like the bearer (AddonTokenCache). The requests go through the Transport (pacing, retries, answer
checks), with these origin rules:
- the addon token goes only to the database API's origin, which must differ from api_url's and auth_url's:
  the user's bearer never reaches it, and the addon token never reaches the regional API;
- no redirection is followed, so no Authorization is replayed elsewhere;
- a 401 of the database API drops the token (and its cached copy) and exchanges it again, once per request.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._api import api_path
from ._cache import AddonTokenCache, kept_or_new
from ._checks import app_name_problem, identifier_problem
from ._errors import ScalingoError
from ._resource import Resource
from ._settings import DEFAULTS, URL
from ._transport import bearer_expiry, origin, shown_origin
from ._waiter import Waiter

if TYPE_CHECKING:
    from ._client import Client
    from ._transport import Transport

# The database API's prefix, after the region's database_api URL.
PREFIX = "/api"
# An addon token is valid one hour (Scalingo's documentation); a token whose expiry can't be read counts from
# the moment it was given.
TOKEN_LIFE = 3600.0
ADDON_FIELDS = {"id": str, "addon_provider": dict}
AGE = re.compile(r"(?:[0-9]{1,9}[smhdw])+")
AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def address_problems(params: dict) -> list[str]:
    """What is wrong on its face with a database module's `app` and `addon` (its first input checks)."""
    problems = [app_name_problem("app", params["app"]), identifier_problem("addon", params["addon"])]
    return [problem for problem in problems if problem]


def age_seconds(text: str) -> int | None:
    """Seconds of an age such as 90s, 30m, 1h, 2d, 1w or 1h30m; None when it is not one."""
    if not AGE.fullmatch(text):
        return None
    return sum(int(count) * AGE_UNITS[unit] for count, unit in re.findall(r"([0-9]+)([smhdw])", text))


def file_sha256(path: str) -> str | None:
    """The SHA-256 of the regular file at `path`, or None when there is none (or it can't be read)."""
    digest = hashlib.sha256()
    if not os.path.isfile(path):  # a FIFO's open would block
        return None
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def save_download(client: Transport, url: str, path: str, action: str, deadline: float | None = None) -> dict:
    """Download `url` (a pre-signed URL: see Transport.download) to `path`, atomically.

    The archive goes to a new 0600 file beside `path` (same folder, so the rename can't cross file systems),
    is flushed to disk, then renamed over `path`: `path` is the old file or the whole new one, never a part.
    When `path` already holds these very bytes (same SHA-256), it is left as it is. Whatever fails, the
    temporary file is removed. Returns path, size, sha256 and whether `path` changed.
    """
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ScalingoError(f"{action}: could not create a file in {folder} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            size, sha256 = client.download(url, handle, action, deadline)
            handle.flush()
            os.fsync(handle.fileno())
        changed = file_sha256(path) != sha256
        if changed:
            os.replace(temporary, path)
            with contextlib.suppress(OSError):  # the rename itself made durable, where the system allows
                folder_fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(folder_fd)
                finally:
                    os.close(folder_fd)
        else:
            os.unlink(temporary)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise ScalingoError(f"{action}: could not write {path} ({exc.strerror or type(exc).__name__})") from None
        raise
    return {"path": path, "size": size, "sha256": sha256, "changed": changed}


def provider_of(addon: dict) -> Any:
    return addon["addon_provider"].get("id")


def find_database_addon(client: Transport, app: str, wanted: str) -> dict:
    """The addon of `app` that `wanted` names: its id, or its provider id (postgresql...) when the app has one
    addon of that provider. Fails, listing what the app has, when none or several match."""
    addons = client.get(
        api_path("apps", app, "addons"),
        "addons",
        list,
        ADDON_FIELDS,
        action=f"could not read the addons of app '{app}'",
    )
    found = next((addon for addon in addons if addon["id"] == wanted), None)
    if found is not None:
        return found
    mine = [addon for addon in addons if provider_of(addon) == wanted]
    if len(mine) == 1:
        return mine[0]
    if mine:
        ids = ", ".join(addon["id"] for addon in mine)
        raise ScalingoError(
            f"app '{app}' has {len(mine)} {wanted} addons ({ids}): set addon to the id of the one meant"
        )
    listed = ", ".join(f"{provider_of(addon)} ({addon['id']})" for addon in addons) or "none"
    raise ScalingoError(f"app '{app}' has no addon '{wanted}' (a provider id or an addon id); its addons: {listed}")


class DatabaseApi:
    """The database API for one addon of one app, on a Transport (one per task)."""

    def __init__(
        self, client: Transport, app: str, addon: dict, region: str | None = None, db_api_url: str | None = None
    ) -> None:
        self.client = client
        self.app = app
        self.addon = addon
        self.addon_id: str = addon["id"]
        self.region = region or DEFAULTS["region"]
        self.db_api_url = db_api_url.rstrip("/") if db_api_url else None
        self.base: str | None = None  # <database API URL>/api, once known
        self.cache: AddonTokenCache | None = None
        self.token: str | None = None
        self.described = f"the {provider_of(addon)} database {self.addon_id} of app '{app}'"

    @classmethod
    def for_task(cls, client: Transport, params: dict) -> DatabaseApi:
        """The database a task's `app` and `addon` name, with its connection options."""
        addon = find_database_addon(client, params["app"], params["addon"])
        return cls(client, params["app"], addon, params.get("region"), params.get("db_api_url"))

    # -- where ----------------------------------------------------------------

    def url(self) -> str:
        """<database API URL>/api: db_api_url, or the region's database_api (read once)."""
        if self.base is None:
            url = self.db_api_url or self.region_url()
            where = "db_api_url" if self.db_api_url else f"the database API of region {self.region}"
            for other, name in ((self.client.api_url, "api_url"), (self.client.auth_url, "auth_url")):
                if origin(url) == origin(other):
                    raise ScalingoError(
                        f"{where} ({shown_origin(url)}) has the origin of {name}: the addon token and the bearer "
                        "token each go only to their own origin; set db_api_url to the database API's own URL"
                    )
            if self.client.cache is not None:
                self.cache = AddonTokenCache(
                    self.client.auth_url, self.client.api_token, shown_origin(url), self.addon_id, self.client.folder
                )
            self.base = f"{url}{PREFIX}"
        return self.base

    def region_url(self) -> str:
        action = "could not read the region listing of the auth service (to find the database API)"
        regions = self.client.auth_get("/regions", "regions", list, {"name": str}, action=action)
        region = next((r for r in regions if r["name"] == self.region), None)
        if region is None:
            names = ", ".join(r["name"] for r in regions) or "none"
            raise ScalingoError(
                f"{action}: region {self.region} is not listed (regions: {names}); set region, or db_api_url"
            )
        url = region.get("database_api")
        if not isinstance(url, str) or not URL.fullmatch(url):
            raise ScalingoError(
                f"{action}: region {self.region} has no usable database_api URL; set db_api_url to the database API"
            )
        return url.rstrip("/")

    # -- the addon token ------------------------------------------------------

    def exchange(self, limit: float) -> str:
        """A new addon token from the regional API (with the user's bearer), kept in the cache."""
        action = f"could not get a database API token for {self.described}"
        path = api_path("apps", self.app, "addons", self.addon_id, "token")
        # The exchange changes nothing: retried like a read, never counted as a change.
        reply = self.client.request("POST", path, ok=(200, 201), action=action, writes=False, deadline=limit)
        addon = reply.take("addon", fields={"token": str})
        token = addon["token"]
        if not AddonTokenCache.SHAPE.match(token):
            # Never quoted: whatever it is, it may be a credential.
            raise ScalingoError(f"{action}: the API answered without a well-formed addon token")
        self.client.keep_secret(token)
        now = self.client.clock()
        if self.cache is not None:
            self.cache.save(token, min(bearer_expiry(token) or now + TOKEN_LIFE, now + TOKEN_LIFE))
        return token

    def authorization(self, limit: float) -> str:
        if self.token is None:
            self.url()  # the cache is keyed by the database API's origin
            if self.cache is None:
                self.token = self.exchange(limit)
            else:
                self.token, _kept = kept_or_new(self.cache, self.client.clock(), lambda: self.exchange(limit))
                self.client.keep_secret(self.token)
        return f"Bearer {self.token}"

    def refused(self) -> bool:
        """After a 401: the token is dropped (a cached one, or one that expired during a long wait)."""
        if self.cache is not None and self.token is not None:
            self.cache.discard(self.token)
        self.token = None
        return True

    # -- requests -------------------------------------------------------------

    def path(self, *segments: str | int) -> str:
        """A path of this database (`/databases/<addon id>/...`), each segment percent-encoded whole."""
        return api_path("databases", self.addon_id, *segments)

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        params: dict | None = None,
        ok: tuple[int, ...] = (200,),
        action: str | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Call the database API (`path` relative to /api, from path() or api_path()); a Reply, see Transport.call."""
        url = f"{self.url()}{path}"
        return self.client.call(
            method,
            url,
            self.authorization,
            self.refused,
            json_body,
            params,
            None,
            ok,
            action or f"{method} {path} on the database API failed",
            deadline,
        )

    def get(
        self,
        path: str,
        key: str,
        kind: type = dict,
        fields: Mapping[str, type] | None = None,
        params: dict | None = None,
        action: str | None = None,
        deadline: float | None = None,
    ) -> Any:
        """The `key` member of a GET answer of the database API, checked (see Reply.take)."""
        return self.request("GET", path, params=params, action=action, deadline=deadline).take(key, kind, fields)

    def database(self, deadline: float | None = None) -> dict:
        """The database object (features, periodic backups, maintenance window...)."""
        return self.get(
            self.path(), "database", fields={"id": str}, action=f"could not read {self.described}", deadline=deadline
        )


class DatabaseResource(Resource):
    """A Resource on the database a task's `app` and `addon` name: self.db, found on first use (or given, in tests).

    The database modules are made with ScalingoModule(..., groups=DATABASE), which adds db_api_url to the
    connection options; their docs extend the scalingo.cloud.database fragment.
    """

    def __init__(
        self,
        client: Client,
        params: dict[str, Any],
        check_mode: bool = False,
        waiter: Waiter | None = None,
        db: DatabaseApi | None = None,
    ) -> None:
        super().__init__(client, params, check_mode, waiter)
        self._db = db

    @property
    def db(self) -> DatabaseApi:
        if self._db is None:
            self._db = DatabaseApi.for_task(self.client, self.params)
        return self._db


# -- the database object, in the modules' terms ---------------------------------------------------

# The modules' names of the generic features, in the order they are turned on (off: the other way round).
FEATURES = {"force_tls": "force-ssl", "publicly_available": "publicly-available"}
# The maintenance window's weekday_utc numbers the days from 0 for Sunday (Go's time.Weekday).
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def features_of(database: dict) -> dict[str, str]:
    """Feature name -> status (ACTIVATED, PENDING..., FAILED) of a database object; malformed items skipped."""
    items = database.get("features")
    items = items if isinstance(items, list) else []
    return {
        item["name"]: str(item.get("status") or "")
        for item in items
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }


def feature_state(status: str | None) -> str:
    """on, off or failed: a pending activation counts as on, a pending removal as off."""
    if status is None or status.upper() == "PENDING_TO_REMOVE":
        return "off"
    return "failed" if status.upper() == "FAILED" else "on"


def settings_of(database: dict) -> dict:
    """The settings scalingo_database manages, read from a database object."""
    features = features_of(database)
    listed = database.get("periodic_backups_scheduled_at")
    hours = [hour for hour in listed if isinstance(hour, int)] if isinstance(listed, list) else []
    window = database.get("maintenance_window")
    if not isinstance(window, dict):
        window = {}
    weekday = window.get("weekday_utc")
    return {
        "features": {key: feature_state(features.get(name)) == "on" for key, name in FEATURES.items()},
        "periodic_backups": {
            "enabled": database.get("periodic_backups_enabled"),
            "hour": hours[0] if len(hours) == 1 else None,
            "hours": hours,
        },
        "maintenance_window": {
            "weekday": WEEKDAYS[weekday] if isinstance(weekday, int) and 0 <= weekday < 7 else None,
            "weekday_utc": weekday,
            "hour": window.get("starting_hour_utc"),
            "duration_in_hour": window.get("duration_in_hour"),
        },
    }
