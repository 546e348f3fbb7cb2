"""Local simulator of the Scalingo PaaS HTTP API."""

from .app import close_trap, create_app

__all__ = ["close_trap", "create_app"]
