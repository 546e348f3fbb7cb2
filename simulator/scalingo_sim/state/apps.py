"""Apps: their formation, settings and owner; names, visibility, statuses."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import catalog
from .base import Part, new_hex_id
from .users import User

if TYPE_CHECKING:
    from .addons import Addon
    from .autoscalers import Autoscaler
    from .collaborators import Collaborator
    from .deployments import Deployment
    from .domains import Domain
    from .operations import OneOff


@dataclass
class ContainerType:
    name: str
    amount: int
    size: str = catalog.DEFAULT_SIZE
    command: str = ""


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


class Apps(Part):
    def start(self) -> None:
        self.apps: dict[str, App] = {}
        self.app_ids_by_name: dict[str, str] = {}

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
            self.each_part("app_deleted", app)

    def rename_app(self, app: App, new_name: str) -> None:
        with self.lock:
            self.app_ids_by_name.pop(app.name, None)
            app.name = new_name
            self.app_ids_by_name[new_name] = app.id
            for child in self.apps.values():
                if child.parent_id == app.id:
                    child.parent_name = new_name
            app.updated_at = time.time()

    def update_app(self, app: App, settings: dict, owner: User) -> None:
        """Checked settings (force_https, sticky_session, router_logs, stack_id, project_id) and the owner:
        a former owner stays on as a collaborator, and the app keeps its project unless one is given."""
        with self.lock:
            for key in ("force_https", "sticky_session", "router_logs", "stack_id"):
                if key in settings:
                    setattr(app, key, settings[key])
            old_owner = self.owner_of(app)
            if owner is not old_owner:
                app.collaborators = [e for e in app.collaborators if e != owner.email] + [old_owner.email]
                app.owner_id = owner.id
            if "project_id" in settings:
                app.project_id = settings["project_id"]
            app.updated_at = time.time()

    def scale_app(self, app: App, changes: dict[str, tuple[int, str]]) -> None:
        """New (amount, size) by container type; an amount changed by hand disables its autoscaler."""
        with self.lock:
            for name, (amount, size) in changes.items():
                container = app.container_type(name)
                if amount != container.amount:
                    app.scaled_by_hand(name)
                container.amount, container.size = amount, size

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

    def force_status(self, app: App, status: str | None) -> None:
        """A status the app shows until its next deployment (None: back to its computed one)."""
        with self.lock:
            app.forced_status = status

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
