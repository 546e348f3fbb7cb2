"""What happens to requests: injected faults, the rate limit, the request log and the trap listener's log."""

from __future__ import annotations

import collections
import fnmatch

from .base import RATE_WINDOW, Part


class Faults(Part):
    def start(self) -> None:
        self.faults: list[dict] = []

    def add_fault(self, fault: dict) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults = []

    def take_fault(self, method: str, path: str) -> dict | None:
        """The first pending fault matching the request, its count consumed."""
        with self.lock:
            for fault in self.faults:
                if fault["method"] not in ("*", method):
                    continue
                if not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                return dict(fault)
            return None


class RateLimit(Part):
    def start(self) -> None:
        self.rate_windows: dict[str, collections.deque] = {}

    def admit(self, user_id: str, now: float) -> bool:
        """Sliding-window limiter; refused requests do not count."""
        with self.lock:
            limit = self.config.get("rate_limit")
            if not limit:
                return True
            window = self.rate_windows.setdefault(user_id, collections.deque())
            while window and window[0] <= now - self.config.get("rate_window", RATE_WINDOW):
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True


class RequestLog(Part):
    def start(self) -> None:
        self.request_log: list[dict] = []
        self.seq = 0

    def log_request(self, entry: dict) -> dict:
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, **entry}
            self.request_log.append(entry)
            return entry

    def requests_since(self, seq: int) -> list[dict]:
        with self.lock:
            return [e for e in self.request_log if e["seq"] > seq]

    def last_seq(self) -> int:
        with self.lock:
            return self.seq

    def clear_requests(self) -> None:
        with self.lock:
            self.request_log = []


class TrapLog(Part):
    def start(self) -> None:
        self.trap_log: list[dict] = []

    def log_trap_request(self, entry: dict) -> None:
        with self.lock:
            self.trap_log.append(dict(entry))

    def trap_requests(self) -> list[dict]:
        with self.lock:
            return [dict(e) for e in self.trap_log]

    def clear_trap_log(self) -> None:
        with self.lock:
            self.trap_log = []
