"""Deployments from source archives (statuses driven by time, one at a time per app) and the sources."""

from __future__ import annotations

import io
import secrets
import tarfile
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .apps import ContainerType
from .base import Part

if TYPE_CHECKING:
    from .apps import App

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


class Deployments(Part):
    def start(self) -> None:
        self.sources: dict[str, Source] = {}
        self.next_deployment: dict | None = None

    def set_next_deployment(
        self, duration: float | None, queued: float, outcome: str, formation: list[ContainerType] | None
    ) -> None:
        """What the next deployment started will do: its duration, queue time, outcome and formation."""
        with self.lock:
            self.next_deployment = {"duration": duration, "queued": queued, "outcome": outcome, "formation": formation}

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
