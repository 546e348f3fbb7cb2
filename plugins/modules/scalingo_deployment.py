#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_deployment
short_description: Deploy code to a Scalingo application from an archive
description:
  - Deploys an app from a C(.tar.gz) archive that Scalingo fetches (O(source_url)), or from a local directory or
    archive that the module uploads first (O(source_path)), then waits until the deployment succeeds or fails.
  - Idempotent on O(git_ref) - when the app's latest successful deployment (among its 20 most recent ones) has
    the same O(git_ref), nothing is sent and nothing is uploaded, at the cost of one request. Without
    O(git_ref), every run deploys and reports C(changed).
  - When the newest deployment of the app is still running with the same O(git_ref) (an earlier task with
    O(wait=false)), it is followed instead of being deployed a second time; the task then reports no change.
  - A deployment that fails (V(build-error), V(crashed-error), V(timeout-error), V(hook-error), V(aborted)) fails
    the task with C(changed=true), its status and the last 20 lines of its output in the message; the whole
    output is returned in RV(output).
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  app:
    description: Name of the application.
    type: str
    required: true
  source_url:
    description:
      - URL of a gzip-compressed tar archive (C(.tar.gz)) holding one top-level folder, which Scalingo fetches and
        builds; for example a GitHub archive URL (C(https://github.com/<org>/<repo>/archive/<ref>.tar.gz)).
      - It is never printed, as such URLs often carry a token.
      - Exactly one of O(source_url) and O(source_path) is required.
    type: str
  source_path:
    description:
      - A directory, or a C(.tar.gz) archive with one top-level folder, on the host that runs the module (usually
        the controller, with C(delegate_to=localhost) or C(connection=local)).
      - A directory is packed into an archive whose only top-level folder is the directory's name; C(.git)
        folders are left out, as C(git archive) does. The archive is written to an anonymous temporary file (in
        E(TMPDIR), else C(/tmp)), streamed from it by the upload, and gone when the task ends, whatever happens.
      - A symbolic link given as O(source_path) is followed, such as the C(current) link of a C(releases/) layout;
        the folder it points to is packed, under the link's name. Symbolic links inside the directory are archived
        as links, never followed.
      - The archive is uploaded through Scalingo's sources API (C(POST /v1/sources), then a C(PUT) of the archive
        to the pre-signed upload URL, which goes without the API's credentials), and its download URL is deployed.
        Neither URL is ever printed, as they carry tokens.
      - Checked before any request - that it exists, and that an archive is within O(source_max_size), is a
        readable C(.tar.gz) to its end (its gzip checksum included) and holds one top-level folder.
    type: path
  source_max_size:
    description:
      - The largest archive O(source_path) may upload, in bytes or with a unit (V(512M), V(2G); K, M, G and T are
        powers of 1024).
      - A C(.tar.gz) is measured before any request. A directory is measured while it is packed, after the
        deployments are read, and packing stops as soon as the archive passes the size; nothing is uploaded.
    type: bytes
    default: 1G
  git_ref:
    description:
      - The version deployed (a commit, a tag, a version number); it becomes part of the image name.
      - Any string not starting with a dash.
      - Makes the task idempotent; see the description.
    type: str
  force:
    description: Deploy even when the latest successful deployment has the same O(git_ref).
    type: bool
    default: false
  wait:
    description:
      - Wait until the deployment succeeds or fails. With V(false), the task returns as soon as Scalingo accepted
        the deployment.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the deployment, the retries of each poll included. Scalingo allows builds up to
        30 minutes.
      - When the deployment is still running after it, the task fails with C(changed=true) and the deployment's id;
        the deployment goes on on Scalingo.
      - It also bounds the time spent looking for a deployment whose answer was lost (Scalingo may still be making
        it). Such a deployment is never sent twice - when it does not show up, the task fails with C(changed=true)
        and says to look at the app's deployments.
    type: int
    default: 1800
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.wait
  - scalingo.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the deployments list and reports whether a deployment would be made; uploads and sends nothing.
      - When a deployment would be made from a O(source_path) directory, the directory is packed, the archive
        measured and thrown away as it is made, so that a source over O(source_max_size) or with an unreadable file
        fails as it would in a real run.
  diff_mode:
    support: full
    details:
      - The diff shows the O(git_ref) of the latest successful deployment and the one deployed.
notes:
  - Scalingo runs one deployment at a time per app; a deployment sent while another runs is C(queued) until it ends,
    and the wait covers that time too.
  - A failed deployment leaves the previous version running.
seealso:
  - name: Deploy from an archive
    description: Scalingo's documentation of archive deployments.
    link: https://doc.scalingo.com/platform/deployment/deploy-with-archive
"""

EXAMPLES = r"""
- name: Deploy a release from GitHub (nothing is sent when v1.4.2 is already deployed)
  scalingo.cloud.scalingo_deployment:
    app: my-shop
    source_url: https://github.com/my-org/my-shop/archive/v1.4.2.tar.gz
    git_ref: v1.4.2

- name: Deploy the directory the playbook built, under the commit it was built from
  scalingo.cloud.scalingo_deployment:
    app: my-shop-staging
    source_path: "{{ playbook_dir }}/build/my-shop"
    git_ref: "{{ lookup('ansible.builtin.pipe', 'git rev-parse HEAD') }}"
  delegate_to: localhost
  register: deployed

- name: Say where it runs
  ansible.builtin.debug:
    msg: "{{ deployed.deployment.git_ref }} runs at {{ deployed.url }}"
  when: deployed.url

- name: Deploy the same archive again, without waiting for the build
  scalingo.cloud.scalingo_deployment:
    app: my-shop-staging
    source_path: /tmp/my-shop.tar.gz
    git_ref: v1.4.2
    force: true
    wait: false
"""

RETURN = r"""
deployment:
  description:
    - The deployment made (its last state seen), the one followed, or, when nothing was deployed, the latest
      successful one (V(null) when there is none). V(null) in check mode when a deployment would be made.
  returned: always
  type: dict
  sample:
    id: cabf82f2-1cb1-46d4-b09e-bfb6fe09bc18
    app_id: 5ed0fe5d884fef000f5e4fd1
    status: success
    git_ref: v1.4.2
    previous_git_ref: v1.4.1
    type: archive
    created_at: "2020-05-29T12:21:51.275Z"
    finished_at: "2020-05-29T12:23:25.688+00:00"
    duration: 92
url:
  description: The app's URL, once the deployment this task made or followed succeeded; V(null) otherwise.
  returned: always
  type: str
  sample: https://my-shop.osc-fr1.scalingo.io
duration:
  description: Seconds spent waiting for the deployment.
  returned: always
  type: float
  sample: 95.3
output:
  description: The whole output of a failed deployment, ANSI codes removed.
  returned: when the deployment failed
  type: str
  sample: "<-- Start deployment of my-shop -->\n       Fetching source code\n..."
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import DEPLOYMENT_FIELDS, api_path
from ansible_collections.scalingo.cloud.plugins.module_utils._archive import (
    SourceError,
    check_packing,
    open_source,
    shown_name,
    source_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._attach import plain
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import (
    app_name_problem,
    git_ref_problem,
    url_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule, wait_argument_spec
from ansible_collections.scalingo.cloud.plugins.module_utils._redact import redact
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource

RUNNING = ("queued", "building", "pushing", "starting")
RECENT = 20
TAIL = 20
WHY = {
    "build-error": "the build failed",
    "crashed-error": "the app crashed when it started",
    "timeout-error": "the app did not start within 60 seconds (does it listen on $PORT?)",
    "hook-error": "the postdeploy hook failed; the previous version keeps running",
    "aborted": "the deployment was aborted",
}


ARGUMENT_SPEC = {
    "app": {"type": "str", "required": True},
    "source_url": {"type": "str", "no_log": True},
    "source_path": {"type": "path"},
    "source_max_size": {"type": "bytes", "default": "1G"},
    "git_ref": {"type": "str"},
    "force": {"type": "bool", "default": False},
    **wait_argument_spec(),
    # A build takes minutes: the wait is longer than other modules'.
    "wait_timeout": {"type": "int", "default": 1800},
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported (source_path is looked at
    on the host that runs the module, before any request)."""
    problems = [app_name_problem("app", params["app"])]
    if params["git_ref"] is not None:
        problems.append(git_ref_problem("git_ref", params["git_ref"]))
    if params["source_url"] is not None:
        problems.append(url_problem("source_url", params["source_url"], secret=True))
    if params["source_max_size"] <= 0:
        problems.append("source_max_size must be a size above zero, such as 512M or 2G")
    elif params["source_path"] is not None:
        problem = source_problem(params["source_path"], params["source_max_size"])
        if problem:
            problems.append(f"source_path {shown_name(params['source_path'])} {problem}")
    return [problem for problem in problems if problem]


class Deployment(Resource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self.params["app"]
        self.ref = self.params["git_ref"]
        self.client.keep_secret(self.params["source_url"])  # pre-signed URLs are credentials

    def run(self) -> dict:
        recent = self.client.deployments(self.app, RECENT)
        current = next((d for d in recent if d["status"] == "success"), None)
        before, after = {"git_ref": current and current.get("git_ref")}, {"git_ref": self.ref}
        newest = recent[0] if recent else None
        if self.ref is not None and not self.params["force"]:
            if current is not None and current.get("git_ref") == self.ref:
                return self.result(False, before, before, deployment=current, url=None, duration=0.0)
            if newest is not None and newest["status"] in RUNNING and newest.get("git_ref") == self.ref:
                self.warnings.append(
                    f"deployment {newest['id']} of {self.ref} was already running on app '{self.app}': "
                    "followed it instead of deploying again"
                )
                return self.act(
                    lambda: self.result(False, before, before, deployment=newest, url=None, duration=0.0),
                    lambda: self.finish(newest, False, before, before),
                )
        return self.act(
            lambda: self.predict(before, after),
            lambda: self.finish(self.deploy({d["id"] for d in recent}), True, before, after),
        )

    def predict(self, before: dict, after: dict) -> dict:
        """Check mode: a deployment would be made; a source_path directory is packed, keeping nothing, so
        that one over source_max_size or unreadable fails here as it would in a real run."""
        if self.params["source_path"] is not None:
            try:
                check_packing(self.params["source_path"], self.params["source_max_size"])
            except SourceError as exc:
                self.fail(f"source_path {shown_name(self.params['source_path'])} {exc}", changed=False)
        return self.result(True, before, after, deployment=None, url=None, duration=0.0)

    def deploy(self, known: set[str]) -> dict:
        """Upload the source if needed, then create the deployment (never twice)."""
        try:
            source_url = self.params["source_url"] or self.upload()
            # Never sent twice: a second POST would be a second deployment.
            return self.write(
                lambda: self.send(source_url), lambda: self.landed(known), resend=False, unseen=self.unseen()
            )
        except ScalingoError as exc:
            exc.redact(self.client.secrets())
            raise

    def upload(self) -> str:
        """The download URL of the source_path archive, uploaded; a failure here changes nothing on the app."""
        path = self.params["source_path"]
        try:
            data = open_source(path, self.params["source_max_size"])
        except SourceError as exc:
            self.fail(f"source_path {shown_name(path)} {exc}", changed=False)
        try:
            source = self.write(
                lambda: self.client.request(
                    "POST", "/sources", ok=(201, 200), action="could not get an upload URL for the source archive"
                ).take("source", fields={"upload_url": str, "download_url": str}),
                lambda: None,
            )
            self.client.keep_secret(source["upload_url"], source["download_url"])
            self.client.upload(source["upload_url"], data, "could not upload the source archive")
        except ScalingoError as exc:
            exc.changed = False
            raise
        finally:
            data.close()  # a packed directory's temporary file goes with it
        return source["download_url"]

    def send(self, source_url: str) -> dict:
        try:
            return self.client.request(
                "POST",
                api_path("apps", self.app, "deployments"),
                {"deployment": {"source_url": source_url, "git_ref": self.ref}},
                ok=(201, 200),
                action=f"could not deploy app '{self.app}'",
            ).take("deployment", fields=DEPLOYMENT_FIELDS)
        except ScalingoError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                exc.changed = False  # refused: nothing was deployed
            raise

    def unseen(self) -> str:
        """What a deployment whose answer was lost and that did not show up leaves the user to look at."""
        ref = f" of git_ref '{self.ref}'" if self.ref is not None else ""
        rerun = (
            f"; with git_ref, a rerun of the task follows or skips a deployment of '{self.ref}' that landed late "
            "instead of deploying again"
            if self.ref is not None
            else "; without git_ref, a rerun deploys again"
        )
        then = f"deploying again; two new ones{ref} would mean a duplicate{rerun}"
        return self.not_seen(self.app, f"new deployment{ref}", "deployments", "deploy twice", then)

    def landed(self, known: set[str]) -> dict | None:
        """After a lost answer: the deployment it created, if it did (a new one with our git_ref)."""
        recent = self.client.deployments(self.app, RECENT)
        return next((d for d in recent if d["id"] not in known and d.get("git_ref") == self.ref), None)

    def finish(self, deployment: dict, changed: bool, before: dict, after: dict) -> dict:
        """Wait for the deployment to end, and fail unless it succeeded."""
        if not self.params["wait"]:
            return self.result(changed, before, after, deployment=deployment, url=None, duration=0.0)
        ident = deployment["id"]
        deployment, seconds = self.wait_done(
            lambda deadline: self.client.deployment(self.app, ident, deadline),
            lambda d: d["status"] not in RUNNING,
            "deployment",
            lambda d: f"deployment {ident} of app '{self.app}' is still {d['status']}",
            changed,
            "; it goes on on Scalingo",
        )
        status = deployment["status"]
        if status != "success":
            output, tail = self.output(ident)
            self.fail(
                f"deployment {ident} of app '{self.app}' failed with status {status}: {WHY.get(status, 'it failed')}"
                f"{tail}",
                changed=changed,
                deployment=deployment,
                output=output,
                duration=seconds,
            )
        app = self.client.get(api_path("apps", self.app), "app", action=f"could not read app '{self.app}'")
        return self.result(changed, before, after, deployment=deployment, url=app.get("url"), duration=seconds)

    def output(self, ident: str) -> tuple[str | None, str]:
        """(whole output, the message's end with its last lines), ANSI codes removed."""
        try:
            text = self.client.get_text(
                api_path("apps", self.app, "deployments", ident, "output"),
                action=f"could not read the output of deployment {ident}",
            )
        except ScalingoError as exc:
            return None, f" (its output could not be read: {exc.message.split(': ', 1)[-1]})"
        text = redact(plain(text), self.client.secrets())
        lines = [line.rstrip() for line in text.rstrip().splitlines()]
        return text, ("; the last lines of its output:\n" + "\n".join(lines[-TAIL:])) if lines else ""


def main() -> None:
    ScalingoModule(
        ARGUMENT_SPEC,
        input_problems=input_problems,
        mutually_exclusive=[("source_url", "source_path")],
        required_one_of=[("source_url", "source_path")],
    ).run(Deployment)


if __name__ == "__main__":
    main()
