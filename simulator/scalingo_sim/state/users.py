"""Users (their API tokens and projects) and the bearers issued to them."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from .base import DEFAULT_EMAIL, DEFAULT_USERNAME, Part


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


class Users(Part):
    _start_tokens: list[str]

    def begin(self) -> None:
        # Kept across resets: a bearer issued before a reset stays valid for
        # the default user, so test harnesses can reset between cases.
        self.default_user_id = f"us-{uuid.uuid4()}"

    def start(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, str] = {}
        default = self._new_user(DEFAULT_EMAIL, DEFAULT_USERNAME, user_id=self.default_user_id)
        for token in self._start_tokens:
            self.tokens[token] = default.id

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

    def set_user_switches(self, user: User, switches: dict[str, bool]) -> None:
        """Billing switches: free_trial, payment_method."""
        with self.lock:
            for key, value in switches.items():
                setattr(user, key, value)


class Bearers(Part):
    """Bearers are signed with `secret`; every one issued stays known, across resets, until revoked."""

    def begin(self) -> None:
        self.secret = secrets.token_bytes(64)
        self._issued_bearers: set[str] = set()
        self._revoked_bearers: set[str] = set()

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
