"""What every part of the State shares: the Part protocol, ids, the start config."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

DEFAULT_TOKEN = "tk-us-simulator"
DEFAULT_EMAIL = "owner@example.com"
DEFAULT_USERNAME = "owner"
RATE_WINDOW = 60.0


def new_hex_id() -> str:
    """24 hex chars like a Mongo ObjectId: time prefix, so ids sort by creation."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def stable_hex_id(*parts: str) -> str:
    """24 hex chars that are always the same for the same parts."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


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


class Part:
    """One resource's share of the State: its data and its rules, as methods on the one State object.

    A part sets its data up in `begin` (once, kept across resets) and `start` (at every reset), and
    may forget what it holds of an app in `app_deleted`. Every public method takes `self.lock`.
    """

    lock: threading.RLock
    config: dict
    PARTS: tuple[type[Part], ...]  # every part of the State, set where they are composed

    def each_part(self, hook: str, *args) -> None:
        """Call this hook (begin, start, app_deleted) of every part, in the order they are listed."""
        for part in self.PARTS:
            getattr(part, hook)(self, *args)

    def begin(self) -> None:
        """Data kept across resets (called once, before the first reset)."""

    def start(self) -> None:
        """Data as at the start (called under the lock by every reset)."""

    def app_deleted(self, app) -> None:
        """The app is gone: drop what this part holds of it elsewhere than on the app."""
