#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_run
short_description: Run a one-off command on a Scalingo application and return its output and exit code
description:
  - Starts a one-off container in the app's environment to run a command (a database migration, a data fix, an
    import), waits for it to end and returns its output (RV(stdout)) and exit code (RV(rc)), like
    C(scalingo run). A non-zero exit code fails the task, with the exit code and the last 20 lines of the output
    (ANSI codes removed) in the message, so a playbook stops before, for example, scaling a release whose
    migration failed.
  - With O(detached=true), starts the container and returns at once, like C(scalingo run --detached) - the output
    then goes to the app's logs, and the exit code is not known.
  - Running a command is an action, not a state; the task reports C(changed) every time it runs, failed or not.
  - How an attached run works - once the container has started, Scalingo names an attach URL on another host than
    the API (in production C(one-off.<region>.scalingo.com:5000)). The module checks that host (see
    O(attach_allow_http) and the notes) before it sends anything there; then it uploads O(files), opens the
    container's terminal stream (an HTTP C(CONNECT)), sends O(stdin) followed by Ctrl-D, reads the output to its end,
    and asks for the exit code. The bearer token goes to that host as the password of Basic credentials with an
    empty user, as Scalingo's CLI sends it. The attach URL (it can carry a token) is never printed.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  command:
    description: Command line to run, for example V(bundle exec rake db:migrate).
    type: str
    required: true
  env:
    description:
      - Environment variables added to the app's own for this container.
      - A string is sent as it is; a number as its plain text; a boolean as V(true) or V(false). A null, a list
        or a dict is refused before any request, with the variable's name (never its value) in the message.
      - Values are treated as secrets; they are sent to Scalingo and never shown in results, diffs or logs.
        As with any C(no_log) value, Ansible masks every occurrence of a value in the task's output (RV(stdout)
        included), so very short values (V(1), V(true)) also hide unrelated text.
    type: dict
  size:
    description: Container size (V(S), V(M), V(L), ...). Scalingo's default (V(M)) when omitted.
    type: str
  detached:
    description:
      - V(false) waits for the command and returns its output and exit code.
      - V(true) starts the container and returns once it has started (with O(wait=true)) or at once; the output
        goes to the app's logs (C(scalingo logs --filter <container label>)) and the exit code is not known.
        O(stdin) and O(files) need V(false).
    type: bool
    default: false
  stdin:
    description:
      - Text sent to the command's standard input (UTF-8), followed by Ctrl-D (the end of the input); without it,
        Ctrl-D alone.
      - The platform reads it through a terminal - end it with a line break. It can't hold the control
        characters Ctrl-C, Ctrl-D, Ctrl-Z or Ctrl-\ (the terminal would act on them); that is checked before any
        request. It is not hidden; set C(no_log) on the task if it holds a secret.
    type: str
  files:
    description:
      - Files on the host that runs the module (usually the controller) uploaded before the command starts; each
        lands in C(/tmp/uploads/<its name>) in the container (a SQL script, a data import).
      - Checked before any request - each must be a readable regular file of at most 100 MiB (Scalingo's limit),
        and their names must differ. Pack a directory into an archive first.
    type: list
    elements: path
  timeout:
    description:
      - Seconds the attached command may run, from the moment the module connects to it to its end.
      - At the end of it, Ctrl-C is sent to the command, which gets 5 more seconds to stop; the task then fails with
        C(changed=true), the container and the output read so far.
      - Scalingo itself ends an attached command after 30 minutes without any input or output (the task then
        fails, saying so). For longer commands, see the notes.
    type: int
    default: 3600
  output_limit:
    description:
      - Bytes of output kept (the last ones). When the output is longer, its start is dropped, RV(output_truncated)
        is V(true), RV(output_dropped) says how many bytes went, and a warning says so.
    type: int
    default: 1048576
  attach_allow_http:
    description:
      - Accept an attach URL in plain C(http) on Scalingo's own hosts (under C(scalingo.com)). Which scheme Scalingo
        hands out is not documented; C(https) is always accepted, and plain C(http) otherwise fails naming this
        option. With it, the bearer travels unencrypted to the attach host.
      - Has no effect on the host rule (see the notes), nor for a loopback O(api_url) (a local simulator), where
        plain C(http) is accepted.
    type: bool
    default: false
  wait:
    description:
      - Wait until the container has started (O(detached=true)), or until the command has ended. An attached run
        always waits - V(false) needs O(detached=true).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the container to start, the retries of each poll included. The command's own time is
        O(timeout).
    type: int
    default: 300
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Starts nothing and sends nothing; reports C(changed) with the RV(command) it would run.
  diff_mode:
    support: full
    details:
      - The diff shows the command, the container size, and the names and sizes of O(files).
notes:
  - Where the bearer goes - the attach URL is used only when its host lies under the same registrable domain as
    O(api_url)'s host (C(scalingo.com) for Scalingo), or is a loopback address when O(api_url)'s is one. The
    registrable domain is taken without the Public Suffix List - the last two labels of the API's host, or three
    when they are a generic second-level label under a country code (C(example.co.uk), C(example.com.au)); an API
    under another multi-label public suffix would accept its neighbours under that suffix. Any other host (a
    look-alike such as C(scalingo.com.evil.example), an IP address, a URL with a user name) fails before anything
    is sent to it, with C(changed=true), as the container has started. C(https) is verified against that host name
    (unless O(validate_certs=false)). No HTTP proxy is used on that connection, as with Scalingo's CLI.
  - Long commands - an attached run holds the task until the command ends. To keep a long one from being cut by a
    connection (SSH to a remote host, a CI job), run the task with C(async) (more seconds than O(wait_timeout) +
    O(timeout)) and C(poll) (how often Ansible looks, for example V(30)); the module then runs in the background on
    the host and returns its output as usual. A command silent for 30 minutes is ended by Scalingo - make it
    print as it goes, or run it with O(detached=true) and follow the app's logs.
  - The output is one stream, standard output and standard error mixed as the platform sends them, from a terminal
    (lines end in CR LF; C(stdout_lines) splits them).
  - A stream cut before its end (the connection broke) still asks for the exit code; the task then warns that the
    output may be incomplete.
"""

EXAMPLES = r"""
- name: Run the database migrations, and stop the play here if they fail
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: bundle exec rake db:migrate
    size: L
  register: migration

- name: Show what the migration printed
  ansible.builtin.debug:
    var: migration.stdout_lines

- name: Load a SQL script uploaded with the command (it lands in /tmp/uploads/)
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: psql $SCALINGO_POSTGRESQL_URL -v ON_ERROR_STOP=1 -f /tmp/uploads/fix-orders.sql
    files:
      - files/fix-orders.sql

- name: Feed the command on its standard input
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: python manage.py shell
    stdin: |
      from shop.models import Order
      print(Order.objects.filter(state="stuck").update(state="pending"))

- name: A long import, in the background so that no connection has to stay open meanwhile
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: python manage.py import_catalogue
    timeout: 7200
  async: 7800 # more than wait_timeout + timeout
  poll: 30

- name: Start a job detached, with a secret it needs (its output goes to the app's logs)
  scalingo.cloud.scalingo_run:
    app: my-shop
    command: python manage.py reindex
    detached: true
    env:
      SEARCH_ADMIN_KEY: "{{ vault_search_admin_key }}"
"""

RETURN = r"""
command:
  description: The command run (or, in check mode, that would run).
  returned: always
  type: str
  sample: bundle exec rake db:migrate
rc:
  description: The command's exit code. Not returned when it is not known (a command stopped at O(timeout), or ended
    by Scalingo for inactivity).
  returned: when attached and the exit code was read
  type: int
  sample: 0
stdout:
  description:
    - The command's output, standard output and standard error mixed as the platform sends them (from a terminal,
      lines end in CR LF), cut to its last O(output_limit) bytes. Also returned when the task fails.
  returned: when attached, once the container was reached
  type: str
  sample: "== 20240101000000 CreateOrders: migrated (0.0031s) ==\r\n"
stdout_lines:
  description: RV(stdout) split into lines.
  returned: when attached, once the container was reached
  type: list
  elements: str
  sample: ["== 20240101000000 CreateOrders: migrated (0.0031s) =="]
output_truncated:
  description: Whether the start of the output was dropped to keep O(output_limit) bytes.
  returned: when attached, once the container was reached
  type: bool
  sample: false
output_dropped:
  description: How many bytes of the output's start were dropped.
  returned: when attached, once the container was reached
  type: int
  sample: 0
container:
  description: The one-off container as Scalingo started it (its V(id) and V(label) name it).
  returned: success and not in check mode; also on failures after it started
  type: dict
  sample: {id: 5250424112dba4edf0000024, type: one-off, label: one-off-1234, state: booting}
operation:
  description:
    - The last state seen of the start operation; only its V(id) and V(url) when O(wait=false). Its attach URL is
      left out.
  returned: success and not in check mode
  type: dict
  sample: {id: 675bf2409307d58e1b1bc595, status: done, type: start-one-off}
duration:
  description: Seconds from the start request to the exit code (attached), or spent waiting for the container to
    start (detached).
  returned: success
  type: float
  sample: 12.5
"""

import os
from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._attach import (
    AttachError,
    Attachment,
    attach_target,
    files_problem,
    stdin_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem, size_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource, env_text, unsendable

ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "command": {"type": "str", "required": True},
    "env": {"type": "dict", "no_log": True},
    "size": {"type": "str"},
    "detached": {"type": "bool", "default": False},
    "stdin": {"type": "str"},
    "files": {"type": "list", "elements": "path"},
    "timeout": {"type": "int", "default": 3600},
    "output_limit": {"type": "int", "default": 1048576},
    "attach_allow_http": {"type": "bool", "default": False},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported; the env values are
    checked apart (refused_values), as a refusal must not quote them."""
    problems = [app_name_problem("app", params["app"])]
    if not params["command"].strip():
        problems.append("command must not be empty: give the command line to run")
    bad = sorted(str(k) for k in (params["env"] or {}) if not str(k).strip() or "=" in str(k))
    if bad:
        problems.append(f"env has invalid variable names: {', '.join(bad)}")
    if params["size"] is not None and not params["size"].strip():
        problems.append("size must not be empty: leave it out for Scalingo's default")
    elif params["size"] is not None:
        problems.append(size_problem("size", params["size"]))
    if params["detached"] and (params["stdin"] is not None or params["files"]):
        problems.append("stdin and files need an attached run: leave detached false")
    if not params["detached"] and not params["wait"]:
        problems.append(
            "wait=false needs detached=true: an attached run waits for its command (run the task with async instead)"
        )
    if params["timeout"] <= 0:
        problems.append(f"timeout must be a positive number of seconds, got {params['timeout']}")
    if params["output_limit"] <= 0:
        problems.append(f"output_limit must be a positive number of bytes, got {params['output_limit']}")
    problems.append(stdin_problem(params["stdin"] or "") or files_problem(params["files"] or []))
    return [problem for problem in problems if problem]


def refused_values(params: dict) -> dict[str, str]:
    """The env variables whose values can't be sent, each with why, never quoting the value."""
    return unsendable(params["env"] or {})


def shown(operation: Any) -> Any:
    """The operation as returned: without its attach URL, which may carry a token."""
    if not isinstance(operation, dict) or not isinstance(operation.get("start_one_off_data"), dict):
        return operation
    data = {k: v for k, v in operation["start_one_off_data"].items() if k != "attach_url"}
    return dict(operation, start_one_off_data=data)


class Run(Resource):
    attachment = Attachment  # how the attach host is reached (a fake in unit tests)

    def run(self) -> dict:
        return self.act(lambda: self.result(True, {}, self.planned(), **self.nothing()), self.start)

    def planned(self) -> dict:
        p = self.params
        after = {"command": p["command"], "size": p["size"] or "(Scalingo's default)", "detached": p["detached"]}
        if p["files"]:
            after["files"] = {os.path.basename(path): f"{os.path.getsize(path)} bytes" for path in p["files"]}
        return after

    def nothing(self) -> dict:
        return {"command": self.params["command"], "container": None, "operation": None, "duration": 0.0}

    def start(self) -> dict:
        p = self.params
        began = self.waiter.clock()
        body = {"command": p["command"], "detached": p["detached"]}
        if p["env"]:
            body["env"] = {str(name): env_text(name, value) for name, value in p["env"].items()}
        if p["size"] is not None:
            body["size"] = p["size"]
        reply = self.client.request(
            "POST",
            api_path("apps", p["app"], "run"),
            body,
            ok=(200, 201, 202),
            action=f"could not start a one-off container on app '{p['app']}'",
        )
        container = reply.take("container")
        location = reply.data.get("operation_url") or reply.headers.get("Location")
        try:
            operation, duration = self.follow(
                location if isinstance(location, str) else None, p["app"], "the one-off container"
            )
        except ScalingoError as exc:
            exc.result["operation"] = shown(exc.result.get("operation"))
            exc.result.update(command=p["command"], container=container)
            raise
        fields = {"command": p["command"], "container": container, "operation": shown(operation)}
        if p["detached"]:
            return self.result(True, {}, self.planned(), duration=duration, **fields)
        data = (operation or {}).get("start_one_off_data")
        url = (data.get("attach_url") if isinstance(data, dict) else None) or reply.data.get("attach_url")
        fields.update(self.attached(container, url, fields), duration=round(self.waiter.clock() - began, 3))
        return self.result(True, {}, self.planned(), **fields)

    def attached(self, container: dict, url: str | None, fields: dict) -> dict:
        p = self.params
        label = str(container.get("label") or container.get("id"))
        what = f"the command on app '{p['app']}' ({label})"
        try:
            target = attach_target(url, self.client.api_url, p["attach_allow_http"])
        except AttachError as exc:
            self.fail(
                f"the one-off container {label} of app '{p['app']}' started, but its attach URL can't be used: "
                f"{exc.message}; nothing was sent there, as the bearer goes only to api_url's domain",
                changed=True,
                **fields,
            )
        session = self.attachment(
            target, self.client.bearer(), p["validate_certs"], p["api_timeout"], clock=self.waiter.clock
        )
        try:
            outcome = session.run((p["stdin"] or "").encode(), p["files"] or [], p["timeout"], p["output_limit"])
        except AttachError as exc:
            self.fail(f"{what}: {exc.message}", changed=True, **fields)
        self.warnings.extend(outcome.warnings(what, p["output_limit"]))
        failure = outcome.failure(what, p["timeout"], p["app"], label)
        if failure:
            self.fail(failure, changed=True, **fields, **outcome.fields())
        return outcome.fields()


def main() -> None:
    m = ScalingoModule(ARGUMENT_SPEC, wait=True, input_problems=input_problems)
    m.refuse_values("env", refused_values(m.params))
    m.run(Run)


if __name__ == "__main__":
    main()
