"""Autoscalers: one per container type of an app (the app finds them: App.autoscaler)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .base import Part

if TYPE_CHECKING:
    from .apps import App


@dataclass
class Autoscaler:
    id: str
    container_type: str
    metric: str
    target: float
    min_containers: int
    max_containers: int
    created_at: float
    updated_at: float
    disabled: bool = False
    alert_id_scale_up: str = field(default_factory=lambda: f"al-{uuid.uuid4()}")
    alert_id_scale_down: str = field(default_factory=lambda: f"al-{uuid.uuid4()}")


class Autoscalers(Part):
    def add_autoscaler(self, app: App, container_type: str, values: dict) -> Autoscaler:
        """`values`: metric, target, min_containers and max_containers, already checked."""
        with self.lock:
            now = time.time()
            autoscaler = Autoscaler(
                id=f"sc-{uuid.uuid4()}", container_type=container_type, **values, created_at=now, updated_at=now
            )
            app.autoscalers.append(autoscaler)
            return autoscaler

    def update_autoscaler(self, autoscaler: Autoscaler, changes: dict) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(autoscaler, key, value)
            autoscaler.updated_at = time.time()

    def remove_autoscaler(self, app: App, autoscaler: Autoscaler) -> None:
        with self.lock:
            app.autoscalers.remove(autoscaler)
