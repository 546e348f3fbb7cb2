"""Local simulator of the Scalingo PaaS HTTP API."""

from .app import create_app

__all__ = ["create_app"]
