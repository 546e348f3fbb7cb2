"""Operations (scale, restart, one-off starts) with time-driven statuses, and one-off containers."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .base import Part, new_hex_id

if TYPE_CHECKING:
    from .apps import App

PENDING_SHARE, PENDING_CAP = 0.1, 0.2
DEFAULT_OPERATION_ERROR = "container web-1 failed to start"


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


class Operations(Part):
    def start(self) -> None:
        self.operations: dict[str, Operation] = {}
        self.next_operation: dict | None = None

    def set_next_operation(self, duration: float | None, outcome: str, error: str | None) -> dict:
        """What the next operation created will do (its duration, outcome and error text)."""
        with self.lock:
            self.next_operation = {"duration": duration, "outcome": outcome, "error": error}
            return self.next_operation

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

    def busy_operation(self, app: App, now: float) -> Operation | None:
        """The unfinished scale/restart operation of the app, if any."""
        with self.lock:
            op = self.operations.get(app.active_operation_id or "")
            if op is None or op.finished(now):
                return None
            return op


class OneOffs(Part):
    def start(self) -> None:
        self.one_offs: dict[str, OneOff] = {}
        self.attach_runs: dict[str, AttachRun] = {}  # by attach token

    def app_deleted(self, app: App) -> None:
        for one_off in app.one_offs:
            self.one_offs.pop(one_off.id, None)

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
