# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark only: the start and end (epoch seconds) of every task, written as JSON at the end of the run.

Enabled by bench/run.py with ANSIBLE_CALLBACKS_ENABLED=bench_events; the file is $BENCH_EVENTS.
Epoch time, so the tasks line up with the simulator's request log (same host, same clock).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_events
type: aggregate
short_description: task start/end times for bench/run.py
description: Writes the start and end time of every task to the file named by BENCH_EVENTS.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

KEPT = ("changed", "failed", "skipped", "msg", "duration", "operation", "deployment")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.events = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.events.append({"task": task.get_name(), "start": time.time()})

    def _end(self, result, status):
        # With many hosts (the fleet scenario) each host's result ends the task again: the last one's
        # result is kept, and how many hosts ended in each status, with the first failures' messages.
        event = self.events[-1]
        event["end"] = time.time()
        event["status"] = status
        event["result"] = {key: result.result[key] for key in KEPT if key in result.result}
        event["result_bytes"] = len(json.dumps(result.result, default=str))
        event.setdefault("hosts", {})
        event["hosts"][status] = event["hosts"].get(status, 0) + 1
        event["changed"] = event.get("changed", 0) + bool(result.result.get("changed"))
        if status == "failed" and len(event.setdefault("failures", [])) < 3:
            event["failures"].append(str(result.result.get("msg", ""))[:300])

    def v2_runner_on_ok(self, result):
        self._end(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._end(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._end(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["BENCH_EVENTS"], "w", encoding="utf-8") as handle:
            json.dump(self.events, handle)
