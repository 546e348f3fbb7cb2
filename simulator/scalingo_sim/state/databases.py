"""The database API's state: one Database per database addon (created on first use), the addon tokens and the
backups' download tokens. Statuses follow the clock, over the short durations of DatabaseStore.config.

Where Scalingo's real behaviour is not public, the choices are documented in docs/docsite/rst/databases.rst
("What the simulator chose").
"""

import hashlib
import io
import secrets
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .. import bearer
from .base import Part

# Databases with users (Scalingo's CLI: SupportedAddons) and with point-in-time recovery.
WITH_USERS = ("postgresql", "mysql", "mongodb", "influxdb")
WITH_PITR = ("postgresql",)
WITHOUT_DOWNLOAD = ("elasticsearch", "opensearch")
GENERIC_FEATURES = ("force-ssl", "publicly-available")
REDIS_FEATURES = ("redis-rdb", "redis-aof", "redis-cache")
VERSIONS = {"postgresql": "16.4.0", "mysql": "8.0.36", "redis": "7.2.5", "mongodb": "7.0.12"}
PENDING_ON = "PENDING_TO_ACTIVATE"
PENDING_OFF = "PENDING_TO_REMOVE"
ACTIVATED = "ACTIVATED"
RECOVERY_DAYS = 7


def default_db_config() -> dict:
    return {
        # Seconds a feature stays pending after it is enabled or disabled.
        "feature_delay": 0.5,
        # Seconds a manual backup stays scheduled, then running.
        "backup_scheduled": 0.3,
        "backup_running": 0.7,
        # Seconds a point-in-time or backup restore runs.
        "restore_duration": 1.0,
        # Seconds an addon token and a download URL are valid.
        "token_ttl": 3600.0,
        "download_ttl": 600.0,
    }


@dataclass
class Feature:
    name: str
    changed_at: float
    enabling: bool = True
    delay: float = 0.0
    failed: bool = False

    def status(self, now: float) -> str | None:
        """ACTIVATED, PENDING_*, FAILED; None once a removal is over."""
        if self.failed:
            return "FAILED"
        if now < self.changed_at + self.delay:
            return PENDING_ON if self.enabling else PENDING_OFF
        return ACTIVATED if self.enabling else None


@dataclass
class Backup:
    id: str
    name: str
    method: str  # manual | periodic
    created_at: float
    scheduled: float  # seconds scheduled, then
    running: float  # seconds running
    outcome: str = "done"  # done | error
    message: str | None = None
    content: bytes = b""

    def status(self, now: float) -> str:
        if now < self.created_at + self.scheduled:
            return "scheduled"
        if now < self.created_at + self.scheduled + self.running:
            return "running"
        return self.outcome

    def started_at(self, now: float) -> float | None:
        start = self.created_at + self.scheduled
        return start if now >= start else None


@dataclass
class DbUser:
    name: str
    read_only: bool = False
    protected: bool = False
    password_sha256: str = ""
    password_changes: int = 0


@dataclass
class Restore:
    """A point-in-time restore (an operation) or a restore from a backup (a backup restoration)."""

    id: str
    kind: str  # pitr | backup
    created_at: float
    duration: float
    restore_time: str | None = None
    source_backup_id: str | None = None

    def status(self, now: float) -> str:
        return "done" if now >= self.created_at + self.duration else "running"


@dataclass
class Database:
    addon_id: str
    type_name: str
    resource_id: str
    created_at: float
    features: dict = field(default_factory=dict)  # name -> Feature
    periodic_backups_enabled: bool = True
    periodic_backups_scheduled_at: list = field(default_factory=lambda: [1])
    weekday_utc: int = 3
    starting_hour_utc: int = 2
    duration_in_hour: int = 8
    backups: list = field(default_factory=list)  # newest first
    users: dict = field(default_factory=dict)  # name -> DbUser
    restores: dict = field(default_factory=dict)  # id -> Restore
    maintenance: list = field(default_factory=list)  # dicts, as answered
    earliest_recoverable_at: float | None = None
    next_backup: dict | None = None  # {"outcome": "error", "message": ...} for the next manual backup
    writes: int = 0  # the database object's updates, for tests

    def live_features(self, now: float) -> list[tuple[str, str]]:
        return [(name, status) for name, f in self.features.items() if (status := f.status(now)) is not None]

    def feature_status(self, name: str, now: float) -> str | None:
        feature = self.features.get(name)
        return feature.status(now) if feature else None


def backup_archive(database: Database, backup_id: str) -> bytes:
    """A small fixed .tar.gz per backup (the same bytes at each download): a dump of nothing."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as archive:
        data = f"-- scalingo simulator dump of {database.resource_id}, backup {backup_id}\n".encode()
        info = tarfile.TarInfo(f"{database.resource_id}.sql")
        info.size, info.mtime = len(data), 1700000000
        archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    # gzip writes the time of compression in its header: set it to zero, so the bytes never change.
    return raw[:4] + b"\x00\x00\x00\x00" + raw[8:]


def backup_name(at: float, resource_id: str) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%d%H%M%S") + f"_{resource_id}"


def next_maintenance(database: Database) -> dict:
    """A no-op maintenance scheduled at the next start of the database's window."""
    now = datetime.now(UTC)
    start = now.replace(hour=database.starting_hour_utc, minute=0, second=0, microsecond=0)
    # Python's weekday() is 0 for Monday; the window's weekday_utc is 0 for Sunday.
    days = (database.weekday_utc - (start.weekday() + 1) % 7) % 7
    start += timedelta(days=days)
    if start <= now:
        start += timedelta(days=7)
    return {
        "id": f"mt-{uuid.uuid4()}",
        "database_id": database.addon_id,
        "type": "no-op",
        "status": "scheduled",
        "started_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ended_at": None,
    }


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class DatabaseStore:
    """Everything the database API serves, reset with the simulator's state."""

    def __init__(self, secret: bytes) -> None:
        self.lock = threading.RLock()
        # Addon tokens are signed with a key of their own: the regional API never takes one as a bearer.
        self.secret = hashlib.sha512(b"scalingo-sim/addon-tokens/" + secret).digest()
        self.config = default_db_config()
        self.databases: dict[str, Database] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (addon id, expiry)
        self.downloads: dict[str, tuple[str, str, float]] = {}  # download token -> (addon id, backup id, expiry)
        self.tokens_issued = 0

    # -------------------------------------------------------------- databases
    def database(self, addon) -> Database:
        """The database of an addon (created on first use, with its platform user)."""
        with self.lock:
            found = self.databases.get(addon.id)
            if found is None:
                found = Database(addon.id, addon.provider_id, addon.resource_id, time.time())
                if addon.provider_id in WITH_USERS:
                    found.users[addon.resource_id] = DbUser(addon.resource_id, protected=True, password_sha256="")
                if addon.provider_id == "redis":
                    found.features["redis-rdb"] = Feature("redis-rdb", found.created_at)
                found.earliest_recoverable_at = found.created_at - RECOVERY_DAYS * 86400
                found.maintenance = [next_maintenance(found)]
                self.databases[addon.id] = found
            return found

    # ----------------------------------------------------------------- tokens
    def issue_token(self, addon_id: str) -> str:
        with self.lock:
            token, payload = bearer.issue(self.secret, addon_id, self.config["token_ttl"])
            self.tokens[token] = (addon_id, payload["exp"])
            self.tokens_issued += 1
            return token

    def token_addon(self, token: str, now: float) -> tuple[str | None, str]:
        """(the addon id a valid token is for, None) or (None, why not)."""
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None or bearer.verify(self.secret, token) is None:
                return None, "invalid token"
            if entry[1] <= now:
                return None, "token expired"
            return entry[0], ""

    def expire_tokens(self) -> int:
        with self.lock:
            for token, (addon_id, _exp) in list(self.tokens.items()):
                self.tokens[token] = (addon_id, 0.0)
            return len(self.tokens)

    def download_token(self, addon_id: str, backup_id: str) -> str:
        with self.lock:
            token = f"s3cr3t-dl-{secrets.token_hex(16)}"
            self.downloads[token] = (addon_id, backup_id, time.time() + self.config["download_ttl"])
            return token

    def download_allowed(self, token: str, addon_id: str, backup_id: str, now: float) -> bool:
        with self.lock:
            entry = self.downloads.get(token)
            return entry is not None and entry[:2] == (addon_id, backup_id) and entry[2] > now

    # ---------------------------------------------------------------- backups
    def add_backup(self, database: Database, method: str, now: float, age: float = 0.0, **outcome) -> Backup:
        with self.lock:
            created = now - age
            backup_id = f"bk-{uuid.uuid4()}"
            planned = outcome or (database.next_backup if method == "manual" else None) or {}
            if method == "manual":
                database.next_backup = None
            backup = Backup(
                id=backup_id,
                name=backup_name(created, database.resource_id),
                method=method,
                created_at=created,
                scheduled=self.config["backup_scheduled"],
                running=self.config["backup_running"],
                outcome=planned.get("outcome", "done"),
                message=planned.get("message"),
            )
            backup.content = backup_archive(database, backup_id)
            database.backups.append(backup)
            database.backups.sort(key=lambda b: b.created_at, reverse=True)
            return backup

    @staticmethod
    def find_backup(database: Database, backup_id: str) -> Backup | None:
        return next((b for b in database.backups if b.id == backup_id), None)

    # --------------------------------------------------------------- restores
    def add_restore(self, database: Database, kind: str, **fields) -> Restore:
        with self.lock:
            restore = Restore(
                id=f"op-{uuid.uuid4()}" if kind == "pitr" else f"br-{uuid.uuid4()}",
                kind=kind,
                created_at=time.time(),
                duration=self.config["restore_duration"],
                **fields,
            )
            database.restores[restore.id] = restore
            return restore


class DatabaseService(Part):
    """The database API's share of the State: made again at each reset, its tokens signed apart from bearers."""

    def start(self) -> None:
        self.databases = DatabaseStore(self.secret)
