"""Collaborators of apps: invitations (with the token of their link) and accepted ones."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import Part, new_hex_id

if TYPE_CHECKING:
    from .apps import App
    from .users import User


@dataclass
class Collaborator:
    """A collaborator of an app: `pending` (invited, with the token of its link) or `accepted`."""

    id: str
    email: str
    is_limited: bool
    status: str = "pending"
    token: str = ""


class Collaborators(Part):
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

    def add_collaborator(self, app: App, email: str, is_limited: bool | None) -> None:
        """An accepted collaborator at once, unless it is the owner; `is_limited` None keeps its role."""
        with self.lock:
            if email != self.owner_of(app).email and email not in app.collaborators:
                app.collaborators.append(email)
            for member in self.collaborator_records(app):
                if member.email == email.lower() and is_limited is not None:
                    member.is_limited = is_limited

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
