# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: contract_steps
type: aggregate
short_description: Tells the contract recorder which task starts
description:
  - Test helper of tests/contract; not part of the collection. Before each task, posts the task's name to the
    recorder at E(SCALINGO_CONTRACT_RECORDER), so that the recording names the step of every request.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import urllib.request

from ansible.plugins.callback import CallbackBase

STEP_PATH = "/_contract/step"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "contract_steps"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        # The recorder listens on 127.0.0.1: no proxy of the environment in between.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def step(self, task):
        url = os.environ.get("SCALINGO_CONTRACT_RECORDER")
        if not url:
            return
        body = json.dumps({"task": task.get_name().strip()}).encode()
        request = urllib.request.Request(url + STEP_PATH, body, {"Content-Type": "application/json"})
        with self.opener.open(request, timeout=30) as answer:
            answer.read()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.step(task)

    def v2_playbook_on_handler_task_start(self, task):
        self.step(task)

    def v2_playbook_on_cleanup_task_start(self, task):
        self.step(task)
