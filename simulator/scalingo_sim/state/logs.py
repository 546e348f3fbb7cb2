"""The logs of apps: the tokens of their logs URLs and their logs archives."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from .. import catalog
from .base import Part

if TYPE_CHECKING:
    from .apps import App


class Logs(Part):
    def start(self) -> None:
        self.logs_tokens: dict[str, str] = {}

    def new_logs_token(self, app: App) -> str:
        with self.lock:
            token = secrets.token_urlsafe(48)
            self.logs_tokens[token] = app.id
            return token

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
