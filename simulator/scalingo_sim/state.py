"""All simulator state, behind one re-entrant lock.

Views that read, check and then write hold `state.lock` for the whole
sequence; every public method here also takes it, so single calls are safe.
No Flask here: this module is plain data and rules that depend on time.
"""

from __future__ import annotations

import collections
import fnmatch
import io
import secrets
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, field

from . import catalog
from .db_state import DatabaseStore

DEFAULT_TOKEN = "tk-us-simulator"
DEFAULT_EMAIL = "owner@example.com"
DEFAULT_USERNAME = "owner"
RATE_WINDOW = 60.0
PENDING_SHARE, PENDING_CAP = 0.1, 0.2
DEFAULT_OPERATION_ERROR = "container web-1 failed to start"


def new_hex_id() -> str:
    """24 hex chars like a Mongo ObjectId: time prefix, so ids sort by creation."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


@dataclass
class Project:
    id: str
    name: str


@dataclass
class User:
    id: str
    email: str
    username: str
    free_trial: bool = False
    projects: list[Project] = field(default_factory=list)
    # False: paid addon plans are refused with 402 (the owner of the app pays for its addons).
    payment_method: bool = True

    def project(self, project_id: str) -> Project | None:
        return next((p for p in self.projects if p.id == project_id), None)


@dataclass
class ContainerType:
    name: str
    amount: int
    size: str = catalog.DEFAULT_SIZE
    command: str = ""


@dataclass
class OneOff:
    id: str
    app_id: str
    type_index: int
    command: str
    env: dict
    size: str
    detached: bool
    created_at: float
    operation_id: str
    # The secret part of an attached one-off's attach URL (its path); empty when detached.
    attach_token: str = ""

    @property
    def label(self) -> str:
        return f"one-off-{self.type_index}"


@dataclass
class AttachRun:
    """What the attach listener knows of an attached one-off: its uploads, its stream, its end.

    state: waiting (not attached yet), running, exited (exit_code set), inactive (ended by an `idle`:
    /wait answers 408), abandoned (the client left a command that never ends).
    """

    one_off_id: str
    app_name: str
    label: str
    command: str
    env: dict
    uploads: dict = field(default_factory=dict)  # file name -> bytes, in upload order
    state: str = "waiting"
    exit_code: int | None = None
    stdin_bytes: int = 0
    eot: bool = False  # Ctrl-D received
    ctrl_c: bool = False
    cut: bool = False
    connects: int = 0
    requests: list = field(default_factory=list)  # {"method", "path", "status", "auth"}, the token hidden
    ended: threading.Event = field(default_factory=threading.Event)

    def json(self) -> dict:
        return {
            "container_id": self.one_off_id,
            "app": self.app_name,
            "label": self.label,
            "command": self.command,
            "state": self.state,
            "exit_code": self.exit_code,
            "uploads": [{"name": name, "size": len(data)} for name, data in self.uploads.items()],
            "stdin_bytes": self.stdin_bytes,
            "eot": self.eot,
            "ctrl_c": self.ctrl_c,
            "cut": self.cut,
            "connects": self.connects,
            "requests": [dict(r) for r in self.requests],
        }


@dataclass
class Operation:
    id: str
    app_id: str
    type: str
    created_at: float
    duration: float
    outcome: str = "done"  # done | error | never
    error: str | None = None
    one_off_id: str | None = None

    def status(self, now: float) -> str:
        elapsed = now - self.created_at
        if self.outcome != "never" and elapsed >= self.duration:
            return "error" if self.outcome == "error" else "done"
        pending_for = min(self.duration * PENDING_SHARE, PENDING_CAP)
        return "pending" if elapsed < pending_for else "running"

    def finished(self, now: float) -> bool:
        return self.status(now) in ("done", "error")

    @property
    def finished_at(self) -> float:
        return self.created_at + self.duration


DEPLOYMENT_OUTCOMES = ("success", "build-error", "crashed-error", "timeout-error", "hook-error", "aborted")
# Share of a deployment's duration each phase takes; a failure stops after its last phase.
DEPLOYMENT_PHASES = {"building": 0.6, "pushing": 0.15, "starting": 0.25}
PHASES_OF = {"build-error": ("building",), "aborted": ("building", "pushing")}
SOURCE_TTL = 600.0


@dataclass
class Deployment:
    id: str
    app_id: str
    git_ref: str | None
    previous_git_ref: str | None
    created_at: float
    starts_at: float  # leaves `queued` then
    duration: float  # from starts_at to the outcome
    outcome: str
    formation: list[ContainerType] | None = None
    members: list[str] = field(default_factory=list)
    problem: str | None = None  # why the build fails (could not fetch, bad archive)
    applied: bool = False

    @property
    def finished_at(self) -> float:
        return self.starts_at + self.duration

    @property
    def phases(self) -> tuple[str, ...]:
        return PHASES_OF.get(self.outcome, tuple(DEPLOYMENT_PHASES))

    def status(self, now: float) -> str:
        if now < self.starts_at:
            return "queued"
        if now >= self.finished_at:
            return self.outcome
        left = (now - self.starts_at) / self.duration * sum(DEPLOYMENT_PHASES[p] for p in self.phases)
        for phase in self.phases:
            left -= DEPLOYMENT_PHASES[phase]
            if left < 0:
                return phase
        return self.phases[-1]


# Source archives: what a build finds in one.
def archive_members(data: bytes) -> list[str] | None:
    """Member names of a gzip-compressed tar archive, in order, or None when it is not one."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            return archive.getnames()
    except (tarfile.TarError, EOFError, OSError):
        return None


def top_level(members: list[str]) -> tuple[list[str], bool]:
    """(the top-level entries, whether they are one folder): Scalingo wants one folder at the top."""
    names = [m[2:] if m.startswith("./") else m for m in members]
    tops = sorted({name.split("/", 1)[0] for name in names if name not in ("", ".")})
    return tops, len(tops) == 1 and any(name.startswith(f"{tops[0]}/") for name in names)


def make_archive(files: dict[str, str]) -> bytes:
    """A .tar.gz holding exactly these members (path: text content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class Source:
    id: str
    upload_token: str
    download_token: str
    created_at: float
    archive: bytes | None = None


@dataclass
class Collaborator:
    """A collaborator of an app: `pending` (invited, with the token of its link) or `accepted`."""

    id: str
    email: str
    is_limited: bool
    status: str = "pending"
    token: str = ""


@dataclass
class Addon:
    """An app's addon; its status follows the clock: provisioning until ready_at, then running."""

    id: str
    app_id: str
    provider_id: str
    plan_id: str
    resource_id: str
    provisioned_at: float
    ready_at: float
    # Injected variables, name -> raw value (an alias holds "$NAME"); the values are secrets.
    variables: dict[str, str] = field(default_factory=dict)
    forced_status: str | None = None

    def status(self, now: float) -> str:
        return self.forced_status or ("provisioning" if now < self.ready_at else "running")


@dataclass
class Autoscaler:
    id: str
    container_type: str
    metric: str
    target: float
    min_containers: int
    max_containers: int
    created_at: float
    updated_at: float
    disabled: bool = False
    alert_id_scale_up: str = field(default_factory=lambda: f"al-{uuid.uuid4()}")
    alert_id_scale_down: str = field(default_factory=lambda: f"al-{uuid.uuid4()}")


@dataclass
class App:
    id: str
    name: str
    owner_id: str
    project_id: str
    stack_id: str
    created_at: float
    uuid: str = field(default_factory=lambda: f"ap-{uuid.uuid4()}")
    updated_at: float = 0.0
    parent_id: str | None = None
    parent_name: str = ""
    git_source: str | None = None
    hds_resource: bool = False
    force_https: bool = False
    sticky_session: bool = False
    router_logs: bool = False
    formation: list[ContainerType] = field(default_factory=lambda: [ContainerType("web", 1, catalog.DEFAULT_SIZE)])
    deployed: bool = False
    last_deployed_at: float | None = None
    last_deployed_by: str | None = None
    last_deployment_id: str | None = None
    containers_started_at: float | None = None
    forced_status: str | None = None
    collaborators: list[str] = field(default_factory=list)
    active_operation_id: str | None = None
    one_offs: list[OneOff] = field(default_factory=list)
    one_off_counter: int = 0
    archives: list[dict] = field(default_factory=list)
    # Collaborator records by lower-case email: invitations, and the records of the accepted
    # collaborators, whose emails `collaborators` lists (see State.collaborator_records).
    members: dict[str, Collaborator] = field(default_factory=dict)
    # Environment variables, in creation order: {"id", "name", "value"} (see variables.py).
    variables: list[dict] = field(default_factory=list)
    addons: list[Addon] = field(default_factory=list)
    autoscalers: list[Autoscaler] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)  # oldest first
    domains: list[Domain] = field(default_factory=list)

    def __post_init__(self):
        if not self.updated_at:
            self.updated_at = self.created_at

    def container_type(self, name: str) -> ContainerType | None:
        return next((c for c in self.formation if c.name == name), None)

    def autoscaler(self, key: str, by: str = "id") -> Autoscaler | None:
        """The autoscaler with this id (or container type, by="container_type")."""
        return next((a for a in self.autoscalers if getattr(a, by) == key), None)

    def scaled_by_hand(self, name: str) -> None:
        """Scalingo disables the autoscaler of a type whose amount is changed by a scale request."""
        autoscaler = self.autoscaler(name, by="container_type")
        if autoscaler is not None and not autoscaler.disabled:
            autoscaler.disabled = True
            autoscaler.updated_at = time.time()


def default_config(operation_duration: float, bearer_ttl: float) -> dict:
    return {
        "operation_duration": float(operation_duration),
        "bearer_ttl": bearer_ttl,
        "rate_limit": None,
        # Seconds the rate limit counts over; tests shorten it to keep Scalingo's 60-per-window
        # behaviour while compressing time.
        "rate_window": RATE_WINDOW,
        "pagination_style": "rails",
        "max_per_page": 50,
        # Logs archives answer has_more with the same next_cursor forever.
        "repeat_cursor": False,
        # Seconds an addon stays "provisioning" after its creation or a plan change.
        "addon_provisioning": 1.0,
        # Base (scheme://host:port) of the attach URLs handed out instead of the attach listener's.
        "attach_base": None,
    }


class State:
    def __init__(self, tokens=None, operation_duration=2.0, bearer_ttl=3600):
        self.lock = threading.RLock()
        self._start_tokens = list(tokens) if tokens else [DEFAULT_TOKEN]
        self._start_config = default_config(operation_duration, bearer_ttl)
        # Kept across resets: a bearer issued before a reset stays valid for
        # the default user, so test harnesses can reset between cases.
        self.secret = secrets.token_bytes(64)
        self.default_user_id = f"us-{uuid.uuid4()}"
        self._issued_bearers: set[str] = set()
        self._revoked_bearers: set[str] = set()
        self.reset()

    # ----------------------------------------------------------------- reset
    def reset(self) -> None:
        with self.lock:
            self.config = dict(self._start_config)
            self.users: dict[str, User] = {}
            self.tokens: dict[str, str] = {}
            self.apps: dict[str, App] = {}
            self.app_ids_by_name: dict[str, str] = {}
            self.operations: dict[str, Operation] = {}
            self.one_offs: dict[str, OneOff] = {}
            self.attach_runs: dict[str, AttachRun] = {}  # by attach token
            self.logs_tokens: dict[str, str] = {}
            self.faults: list[dict] = []
            self.next_operation: dict | None = None
            self.request_log: list[dict] = []
            self.trap_log: list[dict] = []
            self.seq = 0
            self.rate_windows: dict[str, collections.deque] = {}
            default = self._new_user(DEFAULT_EMAIL, DEFAULT_USERNAME, user_id=self.default_user_id)
            for token in self._start_tokens:
                self.tokens[token] = default.id
            self.sources: dict[str, Source] = {}
            self.next_deployment: dict | None = None
            self.databases = DatabaseStore(self.secret)

    # ----------------------------------------------------------------- users
    def _new_user(self, email, username, free_trial=False, user_id=None) -> User:
        user = User(
            id=user_id or f"us-{uuid.uuid4()}",
            email=email,
            username=username,
            free_trial=free_trial,
            projects=[Project(f"pr-{uuid.uuid4()}", "default"), Project(f"pr-{uuid.uuid4()}", "staging")],
        )
        self.users[user.id] = user
        return user

    def add_user(self, email: str, username: str, token: str | None, free_trial=False) -> User:
        """Raises ValueError with a reason when email, username or token is in use."""
        with self.lock:
            if self.user_by_email(email):
                raise ValueError("email already used")
            if any(u.username == username for u in self.users.values()):
                raise ValueError("username already used")
            if token and token in self.tokens:
                raise ValueError("token already used")
            user = self._new_user(email, username, free_trial)
            if token:
                self.tokens[token] = user.id
            return user

    def user_by_token(self, token: str) -> User | None:
        with self.lock:
            return self.users.get(self.tokens.get(token, ""))

    def find_project(self, project_id: str) -> Project | None:
        with self.lock:
            for user in self.users.values():
                project = user.project(project_id)
                if project is not None:
                    return project
            return None

    def user_by_email(self, email: str) -> User | None:
        with self.lock:
            return next((u for u in self.users.values() if u.email == email), None)

    def user_for_collaborator(self, email: str) -> User:
        """Collaborators may be unknown to the simulator: give them a tokenless user."""
        with self.lock:
            user = self.user_by_email(email)
            if user is None:
                base = email.split("@", 1)[0] or "user"
                username, n = base, 1
                while any(u.username == username for u in self.users.values()):
                    n += 1
                    username = f"{base}{n}"
                user = self._new_user(email, username)
            return user

    # ------------------------------------------------------------ bearers
    def register_bearer(self, rnd: str) -> None:
        with self.lock:
            self._issued_bearers.add(rnd)

    def revoke_bearers(self) -> int:
        with self.lock:
            newly = self._issued_bearers - self._revoked_bearers
            self._revoked_bearers |= self._issued_bearers
            return len(newly)

    def bearer_usable(self, rnd: str) -> bool:
        with self.lock:
            return rnd in self._issued_bearers and rnd not in self._revoked_bearers

    # ------------------------------------------------------------------ apps
    def find_app(self, ident: str) -> App | None:
        with self.lock:
            app = self.apps.get(ident)
            if app is None and ident in self.app_ids_by_name:
                app = self.apps[self.app_ids_by_name[ident]]
            if app is not None:
                self.settle_deployments(app, time.time())
            return app

    @staticmethod
    def can_see(user: User, app: App) -> bool:
        return app.owner_id == user.id or user.email in app.collaborators

    def visible_apps(self, user: User) -> list[App]:
        with self.lock:
            now = time.time()
            return [self.settle_deployments(a, now) for a in self.apps.values() if self.can_see(user, a)]

    def name_taken(self, name: str, exclude_id: str | None = None) -> bool:
        with self.lock:
            owner = self.app_ids_by_name.get(name)
            return owner is not None and owner != exclude_id

    def owned_count(self, user: User) -> int:
        with self.lock:
            return sum(1 for a in self.apps.values() if a.owner_id == user.id)

    def build_app(
        self, name: str, owner: User, project_id=None, stack_id=None, parent: App | None = None, **extra
    ) -> App:
        """An app object that is not stored yet (dry runs stop here)."""
        now = time.time()
        app = App(
            id=new_hex_id(),
            name=name,
            owner_id=owner.id,
            project_id=project_id or owner.projects[0].id,
            stack_id=stack_id or catalog.DEFAULT_STACK,
            created_at=now,
            **extra,
        )
        if parent is not None:
            app.parent_id = parent.id
            app.parent_name = parent.name
            app.collaborators = list(parent.collaborators)
        return app

    def store_app(self, app: App) -> App:
        with self.lock:
            self.apps[app.id] = app
            self.app_ids_by_name[app.name] = app.id
            return app

    def delete_app(self, app: App) -> None:
        with self.lock:
            self.apps.pop(app.id, None)
            self.app_ids_by_name.pop(app.name, None)
            for one_off in app.one_offs:
                self.one_offs.pop(one_off.id, None)

    def rename_app(self, app: App, new_name: str) -> None:
        with self.lock:
            self.app_ids_by_name.pop(app.name, None)
            app.name = new_name
            self.app_ids_by_name[new_name] = app.id
            for child in self.apps.values():
                if child.parent_id == app.id:
                    child.parent_name = new_name
            app.updated_at = time.time()

    def children(self, parent: App) -> list[App]:
        with self.lock:
            return [a for a in self.apps.values() if a.parent_id == parent.id]

    def owner_of(self, app: App) -> User:
        return self.users[app.owner_id]

    def deploy(self, app: App, formation: list[ContainerType]) -> None:
        with self.lock:
            now = time.time()
            app.formation = formation
            app.deployed = True
            app.forced_status = None
            app.last_deployed_at = now
            app.last_deployed_by = self.owner_of(app).username
            app.last_deployment_id = new_hex_id()
            app.containers_started_at = now
            app.updated_at = now

    def seed_archives(self, app: App, count: int) -> None:
        with self.lock:
            day = 86400
            anchor = int(time.time()) // 3600 * 3600
            start = len(app.archives)
            for i in range(start, start + count):
                app.archives.append(
                    {
                        "url": f"https://logs-archives.{catalog.REGION}.scalingo.com/{app.id}/{i + 1}.log.gz",
                        "size": 10000 + (i * 7919) % 90000,
                        "from": anchor - (i + 1) * day,
                        "to": anchor - i * day,
                    }
                )

    def new_logs_token(self, app: App) -> str:
        with self.lock:
            token = secrets.token_urlsafe(48)
            self.logs_tokens[token] = app.id
            return token

    # ------------------------------------------------------------ statuses
    def busy_operation(self, app: App, now: float) -> Operation | None:
        """The unfinished scale/restart operation of the app, if any."""
        with self.lock:
            op = self.operations.get(app.active_operation_id or "")
            if op is None or op.finished(now):
                return None
            return op

    def app_status(self, app: App, now: float) -> str:
        op = self.busy_operation(app, now)
        if op is not None:
            return "scaling" if op.type == "scale" else "restarting"
        if app.forced_status:
            return app.forced_status
        if not app.deployed:
            return "new"
        if all(c.amount == 0 for c in app.formation):
            return "stopped"
        return "running"

    # ---------------------------------------------------------- operations
    def start_operation(self, app: App, op_type: str) -> Operation:
        with self.lock:
            override, self.next_operation = self.next_operation, None
            override = override or {}
            duration = override.get("duration")
            if duration is None:
                duration = self.config["operation_duration"]
            outcome = override.get("outcome") or "done"
            op = Operation(
                id=new_hex_id(),
                app_id=app.id,
                type=op_type,
                created_at=time.time(),
                duration=float(duration),
                outcome=outcome,
                error=(override.get("error") or DEFAULT_OPERATION_ERROR) if outcome == "error" else None,
            )
            self.operations[op.id] = op
            if op_type in ("scale", "restart"):
                app.active_operation_id = op.id
                app.containers_started_at = op.created_at
            return op

    def add_one_off(self, app: App, command: str, env: dict, size: str, detached: bool) -> tuple[OneOff, Operation]:
        with self.lock:
            op = self.start_operation(app, "start-one-off")
            app.one_off_counter += 1
            one_off = OneOff(
                id=new_hex_id(),
                app_id=app.id,
                type_index=app.one_off_counter,
                command=command,
                env=dict(env),
                size=size,
                detached=detached,
                created_at=op.created_at,
                operation_id=op.id,
                attach_token="" if detached else f"s3cr3t-attach-{secrets.token_hex(16)}",
            )
            op.one_off_id = one_off.id
            app.one_offs.append(one_off)
            self.one_offs[one_off.id] = one_off
            if not detached:
                self.attach_runs[one_off.attach_token] = AttachRun(
                    one_off.id, app.name, one_off.label, command, dict(env)
                )
            return one_off, op

    def live_one_offs(self, app: App, now: float) -> list[OneOff]:
        """One-offs whose start did not fail and, when attached, whose command has not ended; a detached one
        lives until reset or cleared."""
        with self.lock:
            ended = {run.one_off_id for run in self.attach_runs.values() if run.ended.is_set()}
            return [
                o for o in app.one_offs if self.operations[o.operation_id].status(now) != "error" and o.id not in ended
            ]

    def clear_one_offs(self, app: App) -> int:
        with self.lock:
            count = len(app.one_offs)
            for one_off in app.one_offs:
                self.one_offs.pop(one_off.id, None)
                self.attach_runs.pop(one_off.attach_token, None)
            app.one_offs = []
            return count

    # --------------------------------------------------------------- faults
    def add_fault(self, fault: dict) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method: str, path: str) -> dict | None:
        """The first pending fault matching the request, its count consumed."""
        with self.lock:
            for fault in self.faults:
                if fault["method"] not in ("*", method):
                    continue
                if not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                return dict(fault)
            return None

    # ----------------------------------------------------------- rate limit
    def admit(self, user_id: str, now: float) -> bool:
        """Sliding-window limiter; refused requests do not count."""
        with self.lock:
            limit = self.config.get("rate_limit")
            if not limit:
                return True
            window = self.rate_windows.setdefault(user_id, collections.deque())
            while window and window[0] <= now - self.config.get("rate_window", RATE_WINDOW):
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    # ---------------------------------------------------------- request log
    def log_request(self, entry: dict) -> dict:
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, **entry}
            self.request_log.append(entry)
            return entry

    def requests_since(self, seq: int) -> list[dict]:
        with self.lock:
            return [e for e in self.request_log if e["seq"] > seq]

    def clear_requests(self) -> None:
        with self.lock:
            self.request_log = []

    # ------------------------------------------------------------- trap log
    def log_trap_request(self, entry: dict) -> None:
        with self.lock:
            self.trap_log.append(dict(entry))

    def trap_requests(self) -> list[dict]:
        with self.lock:
            return [dict(e) for e in self.trap_log]

    def clear_trap_log(self) -> None:
        with self.lock:
            self.trap_log = []

    # -------------------------------------------------------- collaborators
    def collaborator_records(self, app: App) -> list[Collaborator]:
        """The app's collaborators, in invitation order; never its owner.

        `app.collaborators` (accepted emails, used by can_see and transfers) is the truth about who
        has accepted: a record is made for an email added there directly (a full collaborator), an
        accepted record whose email left it is dropped, and so is the owner's.
        """
        with self.lock:
            owner = self.owner_of(app).email.lower()
            accepted = {email.lower() for email in app.collaborators}
            for key, member in list(app.members.items()):
                if key == owner or (member.status == "accepted" and key not in accepted):
                    del app.members[key]
                elif key in accepted and member.status != "accepted":
                    member.status, member.token = "accepted", ""
            for email in app.collaborators:
                if email.lower() != owner and email.lower() not in app.members:
                    app.members[email.lower()] = Collaborator(new_hex_id(), email.lower(), False, "accepted")
            return list(app.members.values())

    def find_collaborator(self, app: App, collaborator_id: str) -> Collaborator | None:
        with self.lock:
            return next((c for c in self.collaborator_records(app) if c.id == collaborator_id), None)

    def invite(self, app: App, email: str, is_limited: bool) -> Collaborator:
        with self.lock:
            member = Collaborator(
                new_hex_id(), email.lower(), is_limited, token=f"s3cr3t-invite-{secrets.token_hex(20)}"
            )
            app.members[member.email] = member
            return member

    def invitation(self, token: str) -> tuple[App, Collaborator] | None:
        """(app, pending collaborator) whose invitation link carries `token`, or None."""
        with self.lock:
            for app in self.apps.values():
                for member in self.collaborator_records(app):
                    if member.status == "pending" and token and secrets.compare_digest(member.token, token):
                        return app, member
            return None

    def accept_invitation(self, app: App, member: Collaborator, user: User | None = None) -> None:
        """The invitation is accepted: by `user` (the link is not bound to the invited email), else by an
        account of the invited email (made if unknown). That account now sees the app."""
        with self.lock:
            if user is not None and user.email.lower() != member.email:
                del app.members[member.email]
                member.email = user.email.lower()
                app.members[member.email] = member
            self.user_for_collaborator(member.email)
            member.status, member.token = "accepted", ""
            if member.email not in (e.lower() for e in app.collaborators):
                app.collaborators.append(member.email)

    def remove_collaborator(self, app: App, member: Collaborator) -> None:
        with self.lock:
            app.members.pop(member.email, None)
            app.collaborators = [e for e in app.collaborators if e.lower() != member.email]

    # --------------------------------------------------------------- addons
    def add_addon(self, app: App, provider_id: str, plan_id: str, ready_in: float | None = None) -> Addon:
        """A new addon of the app, provisioning for `ready_in` seconds (the config's by default).

        It injects SCALINGO_<KEY>_URL (SCALINGO_<KEY>_<n>_URL when an earlier addon took the name)
        and the provider's alias when that name is free. Values carry a `s3cr3t-` password.
        """
        with self.lock:
            now = time.time()
            entry = catalog.ADDON_PROVIDERS[provider_id]
            resource_id = f"{app.name.replace('-', '_')}_{secrets.randbelow(9000) + 1000}"
            taken = {name for addon in app.addons for name in addon.variables}
            name, n = f"SCALINGO_{entry['key']}_URL", 1
            while name in taken:
                n += 1
                name = f"SCALINGO_{entry['key']}_{n}_URL"
            host = f"{resource_id.replace('_', '-')}.{provider_id}.a.{catalog.REGION}.scalingo-dbs.com"
            password = f"s3cr3t-{secrets.token_hex(12)}"
            variables = {name: f"{entry['scheme']}://{resource_id}:{password}@{host}:{30000 + n}/{resource_id}"}
            if entry["alias"] not in taken:
                variables[entry["alias"]] = f"${name}"
            delay = self.config["addon_provisioning"] if ready_in is None else ready_in
            addon = Addon(
                id=f"ad-{uuid.uuid4()}",
                app_id=app.id,
                provider_id=provider_id,
                plan_id=plan_id,
                resource_id=resource_id,
                provisioned_at=now,
                ready_at=now + delay,
                variables=variables,
            )
            app.addons.append(addon)
            return addon

    def change_addon_plan(self, addon: Addon, plan_id: str) -> None:
        with self.lock:
            now = time.time()
            addon.plan_id = plan_id
            addon.provisioned_at = now
            addon.ready_at = now + self.config["addon_provisioning"]

    @staticmethod
    def find_addon(app: App, addon_id: str) -> Addon | None:
        return next((a for a in app.addons if a.id == addon_id), None)

    def remove_addon(self, app: App, addon: Addon) -> None:
        """Its variables go with it."""
        with self.lock:
            app.addons = [a for a in app.addons if a.id != addon.id]

    def addon_variables(self, app: App) -> list[tuple[str, str]]:
        """(name, raw value) of every variable the app's addons injected: for the variables listing."""
        with self.lock:
            return [item for addon in app.addons for item in addon.variables.items()]

    # ---------------------------------------------------- deployments, sources
    def new_source(self) -> Source:
        with self.lock:
            source = Source(
                id=str(uuid.uuid4()),
                # Distinctive, so that a test harness can prove they never reach an output.
                upload_token=f"s3cr3t-up-{secrets.token_hex(16)}",
                download_token=f"s3cr3t-dl-{secrets.token_hex(16)}",
                created_at=time.time(),
            )
            self.sources[source.id] = source
            return source

    def add_source(self, files: dict[str, str]) -> Source:
        """A source already holding an archive of these files (path: text), as if uploaded."""
        with self.lock:
            source = self.new_source()
            source.archive = make_archive(files)
            return source

    def source_for(self, source_id: str, token: str, kind: str, now: float) -> Source | None:
        """The source when `token` is its live upload or download token (kind), else None."""
        with self.lock:
            source = self.sources.get(source_id)
            if source is None or now - source.created_at > SOURCE_TTL:
                return None
            wanted = source.upload_token if kind == "upload" else source.download_token
            return source if secrets.compare_digest(token, wanted) else None

    def start_deployment(self, app: App, git_ref: str | None, members: list[str], problem: str | None) -> Deployment:
        """A new deployment, queued behind the app's unfinished one (one at a time per app)."""
        with self.lock:
            now = time.time()
            override, self.next_deployment = self.next_deployment or {}, None
            duration = override.get("duration")
            previous = next((d for d in reversed(app.deployments) if d.outcome == "success"), None)
            running = [d.finished_at for d in app.deployments if d.finished_at > now]
            deployment = Deployment(
                id=str(uuid.uuid4()),
                app_id=app.id,
                git_ref=git_ref,
                previous_git_ref=previous.git_ref if previous else None,
                created_at=now,
                starts_at=max([now + override.get("queued", 0.0), *running]),
                duration=float(self.config["operation_duration"] if duration is None else duration),
                outcome="build-error" if problem else override.get("outcome") or "success",
                formation=override.get("formation"),
                members=members,
                problem=problem,
            )
            app.deployments.append(deployment)
            return deployment

    @staticmethod
    def find_deployment(app: App, deployment_id: str) -> Deployment | None:
        return next((d for d in app.deployments if d.id == deployment_id), None)

    def settle_deployments(self, app: App, now: float) -> App:
        """Apply what finished deployments did to the app: a success runs its formation."""
        with self.lock:
            for deployment in app.deployments:
                if deployment.applied or now < deployment.finished_at:
                    continue
                deployment.applied = True
                if deployment.outcome == "success":
                    formation = deployment.formation
                    if formation is None:
                        formation = app.formation if app.deployed else [ContainerType("web", 1)]
                    self.deploy(app, [ContainerType(c.name, c.amount, c.size, c.command) for c in formation])
                    app.last_deployed_at = deployment.finished_at
                    app.last_deployment_id = deployment.id
            return app

    # --------------------------------------------------------------- domains
    def domain_taken(self, name: str) -> bool:
        """A domain name belongs to one app at most."""
        with self.lock:
            return any(d.name == name for a in self.apps.values() for d in a.domains)


LETSENCRYPT_STATUSES = ("pending_dns", "new", "created", "dns_required", "error")


@dataclass
class Domain:
    """A custom domain; `cert` holds what the API keeps of a certificate (subject, key description, expiry)."""

    id: str
    app_id: str
    name: str
    created_at: float
    canonical: bool = False
    letsencrypt_enabled: bool = True
    letsencrypt_status: str = "new"
    cert: dict | None = None
    acme_dns_fqdn: str | None = None
    acme_dns_value: str | None = None
    acme_challenge_error: str | None = None
