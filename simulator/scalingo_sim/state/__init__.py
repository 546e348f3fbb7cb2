"""All simulator state, behind one re-entrant lock: one State composed of a part per resource.

Views that read, check and then write hold `state.lock` for the whole sequence; every public method
also takes it, so single calls are safe. No Flask here: plain data and rules that depend on time.

A new resource is a new module here holding its dataclasses and a `Part` subclass (its data made in
`start`, its methods), added to PARTS below: that one line is the whole hook (see simulator/README.md).
"""

from __future__ import annotations

import threading

from .addons import Addon, Addons
from .apps import App, Apps, ContainerType
from .autoscalers import Autoscaler, Autoscalers
from .base import DEFAULT_TOKEN, Part, default_config, new_hex_id, stable_hex_id
from .collaborators import Collaborator, Collaborators
from .databases import DatabaseService
from .deployments import DEPLOYMENT_OUTCOMES, Deployment, Deployments, Source, archive_members, make_archive, top_level
from .domains import LETSENCRYPT_STATUSES, Domain, Domains
from .logs import Logs
from .notify import Notify
from .operations import AttachRun, OneOff, OneOffs, Operation, Operations
from .traffic import Faults, RateLimit, RequestLog, TrapLog
from .users import Bearers, Project, User, Users
from .variables import Variables
from .wiring import Wiring

# Every part of the State; their `begin`, `start` and `app_deleted` run in this order.
PARTS: tuple[type[Part], ...] = (
    Users,
    Bearers,
    Apps,
    Operations,
    OneOffs,
    Logs,
    Collaborators,
    Variables,
    Addons,
    Autoscalers,
    Deployments,
    Domains,
    Notify,
    Wiring,
    DatabaseService,
    Faults,
    RateLimit,
    RequestLog,
    TrapLog,
)


class State(*PARTS):
    PARTS = PARTS

    def __init__(self, tokens=None, operation_duration=2.0, bearer_ttl=3600):
        self.lock = threading.RLock()
        self._start_tokens = list(tokens) if tokens else [DEFAULT_TOKEN]
        self._start_config = default_config(operation_duration, bearer_ttl)
        self.each_part("begin")
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.config = dict(self._start_config)
            self.each_part("start")

    def update_config(self, changes: dict) -> dict:
        """Merge checked settings into the config; the config as it now is."""
        with self.lock:
            self.config.update(changes)
            return dict(self.config)


__all__ = [
    "DEPLOYMENT_OUTCOMES",
    "LETSENCRYPT_STATUSES",
    "PARTS",
    "Addon",
    "App",
    "AttachRun",
    "Autoscaler",
    "Collaborator",
    "ContainerType",
    "Deployment",
    "Domain",
    "OneOff",
    "Operation",
    "Part",
    "Project",
    "Source",
    "State",
    "User",
    "archive_members",
    "make_archive",
    "new_hex_id",
    "stable_hex_id",
    "top_level",
]
