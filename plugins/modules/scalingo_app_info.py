#!/usr/bin/python
# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: scalingo_app_info
short_description: Read Scalingo applications with their containers, logs, environment, collaborators, addons, domains, deployments, metrics
description:
  - Returns one application, or every application the token can see, with the extra sections you ask for.
  - Only what is asked for is fetched. One app without O(gather) or O(metrics) costs one request (plus a token
    exchange when no bearer is cached, see O(bearer_cache)); each section costs one request per app, or one per
    page for O(gather=child_apps), O(gather=logs_archives) and O(gather=events).
  - Never changes anything.
author:
  - scalingo.cloud contributors (@scalingo-cloud)
options:
  name:
    description:
      - Name of the application to read.
      - Without it, every application the token can see (apps it owns and those it collaborates on).
      - When no app has this name, RV(apps) is empty and the task does not fail.
    type: str
  gather:
    description:
      - Extra sections to read for each app, each returned under a key of the same name in the app.
      - V(containers) is the formation (container types, amounts and sizes).
      - V(stats) is the real-time usage of each running container.
      - V(logs_url) is a URL to read the app's logs from. It embeds a token that gives read access to the logs,
        see the notes.
      - V(logs_archives) lists the app's logs archives, in Scalingo's order, up to O(logs_archives_limit). Their
        download URLs are signed and valid for an hour.
      - V(child_apps) lists the app's child apps (review apps), following every page.
      - V(env) lists the names of the app's environment variables (those addons injected included), without their
        values unless O(env_values=true).
      - V(collaborators) lists the app's collaborators and pending invitations (the owner is not one), without
        their C(invitation_link), which lets whoever holds it join the app.
      - V(addons) lists the app's addons (provider, plan, status).
      - V(autoscalers) lists the app's autoscalers, one per container type at most.
      - V(domains) lists the app's custom domains (their TLS state; Scalingo never returns a certificate's key).
      - V(deployments) lists the app's latest deployments, newest first, at most O(deployments_limit).
      - V(notifiers) lists the app's notifiers, each with its V(platform) (Scalingo's C(type)), V(name), V(active)
        and V(events) (V(all), or the selected event names or ids as Scalingo gives them); URLs in their
        C(type_data) (webhooks) are masked to their scheme and host, a phone number hidden.
      - V(alerts) lists the app's alerts.
      - V(log_drains) lists the app's own log drains (not its addons', see M(scalingo.cloud.scalingo_log_drain)),
        each as its masked URL and a digest of its URL, never the URL (it carries the drain's token).
      - V(scm_repo_link) is the app's link to its repository (auto-deploy, review apps), or V(null) without one.
      - V(events) lists the app's latest events (its timeline), newest first, at most O(events_limit).
      - V(cron_tasks) lists the app's scheduled tasks (from its C(cron.json)), each a cron expression and command.
      - These six are only read when asked for; the default reads stay as they were.
    type: list
    elements: str
    choices: [containers, stats, logs_url, logs_archives, child_apps, env, collaborators, addons, autoscalers,
              domains, deployments, notifiers, alerts, log_drains, scm_repo_link, events, cron_tasks]
    default: []
  logs_archives_limit:
    description:
      - Most logs archives to read per app (archives come in pages of Scalingo's choosing; pages past the
        limit are not requested). Without it, every archive is read.
      - Only used with O(gather=logs_archives).
    type: int
  env_values:
    description:
      - With O(gather=env), return the value of each variable too, as stored (an alias is returned as written,
        such as V($SCALINGO_POSTGRESQL_URL)).
      - B(The values are secrets) (database URLs with their passwords, API keys), which this option can't hide. Set
        the task keyword C(no_log=true) on the task (the module warns when it is not), and never print or template
        them where others can read them. See the notes.
      - Only used with O(gather=env); a warning says so otherwise.
    type: bool
    default: false
  deployments_limit:
    description:
      - Most deployments to read per app with O(gather=deployments), the newest first. V(1) or more.
      - They are asked for in one request; should Scalingo answer with fewer per page than asked while it has more,
        the next pages are read up to the limit.
    type: int
    default: 10
  events_limit:
    description:
      - Most events to read per app with O(gather=events), the newest first. V(1) or more.
      - Read in pages of at most 50; pages past the limit are not requested.
    type: int
    default: 20
  metrics:
    description:
      - Metric queries on the app named O(name) (required with this option). Each query's answer is returned in
        RV(metrics), in the same order.
      - Checked before any request.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The metric. Time series are V(cpu), V(memory), V(swap) (per container type) and V(router) (requests).
          - With O(metrics[].recommended=true), the value Scalingo recommends for autoscaling on V(cpu),
            V(memory), V(swap), V(5XX) (requests answered with a server error), V(all) (requests per minute),
            V(rpm_per_container) or V(p95_response_time).
        type: str
        required: true
        choices: [cpu, memory, swap, router, 5XX, all, rpm_per_container, p95_response_time]
      container_type:
        description:
          - Container type (V(web), V(worker), ...), letters and digits with single C(-) or C(_) between them, as in the Procfile. Required for
            V(cpu), V(memory) and V(swap); not used with V(router).
        type: str
      index:
        description:
          - Number of one container of O(metrics[].container_type) (V(1) for C(web-1)), V(1) or more. Without it,
            the mean over the containers of that type.
          - Not used with V(router) nor O(metrics[].recommended=true).
        type: int
      since:
        description:
          - Hours of history, from V(1) to V(71). Scalingo's default (the last hour) when omitted.
          - Not used with O(metrics[].recommended=true).
        type: int
      status_code:
        description:
          - Only with V(router), to count only the requests answered with this class of status code.
        type: str
        choices: [1XX, 2XX, 3XX, 4XX, 5XX, all]
      recommended:
        description:
          - Read the value Scalingo recommends for autoscaling on this metric instead of its time series.
        type: bool
        default: false
extends_documentation_fragment:
  - scalingo.cloud.auth
  - scalingo.cloud.attributes
  - scalingo.cloud.attributes.INFO_MODULE
notes:
  - The URL from O(gather=logs_url) is a credential for the app's logs; this module returns it only when it is
    asked for, and never puts it in a message or a warning. Register it with C(no_log) on the task when the output
    is shown or kept (C(-v) prints registered results), and do not write it to files others can read.
  - With O(env_values=true), the values of the environment variables are in the result. Ansible can't mask them
    without erasing them from the result, so the task must have C(no_log=true), as must any task that prints or
    uses them. They are never put in a message, a warning or an error.
  - Invitation links of pending collaborators are never returned by this module; use
    M(scalingo.cloud.scalingo_collaborator) with O(scalingo.cloud.scalingo_collaborator#module:return_invitation_link=true)
    to get one.
  - A metric Scalingo has no data for (an app never deployed, a router without traffic) gives an empty series, or
    V(null) for a recommended value; it does not fail.
seealso:
  - module: scalingo.cloud.scalingo_app
  - module: scalingo.cloud.scalingo_child_app
  - module: scalingo.cloud.scalingo_env
  - module: scalingo.cloud.scalingo_collaborator
  - module: scalingo.cloud.scalingo_addon
  - module: scalingo.cloud.scalingo_autoscaler
"""

EXAMPLES = r"""
- name: Every app the token can see
  scalingo.cloud.scalingo_app_info:
  register: all_apps

- name: Names of the apps that crashed
  ansible.builtin.debug:
    msg: "{{ all_apps.apps | selectattr('status', 'eq', 'crashed') | map(attribute='name') | list }}"

- name: One app with its formation and review apps
  scalingo.cloud.scalingo_app_info:
    name: my-shop-staging
    gather: [containers, child_apps]
  register: shop

- name: The last 5 logs archives
  scalingo.cloud.scalingo_app_info:
    name: my-shop-staging
    gather: [logs_archives]
    logs_archives_limit: 5

- name: What an app is made of, with its latest 3 deployments (variable names only, no values)
  scalingo.cloud.scalingo_app_info:
    name: my-shop-staging
    gather: [env, collaborators, addons, autoscalers, domains, deployments]
    deployments_limit: 3
  register: shop_parts

- name: Fail when DATABASE_URL is missing or the last deployment failed
  ansible.builtin.assert:
    that:
      - "'DATABASE_URL' in (shop_parts.apps[0].env | map(attribute='name'))"
      - shop_parts.apps[0].deployments[0].status == 'success'

- name: Call the app's admin API with its own ADMIN_TOKEN (a value is a secret, hence no_log)
  no_log: true
  block:
    - name: Read the variables with their values
      scalingo.cloud.scalingo_app_info:
        name: my-shop-staging
        gather: [env]
        env_values: true
      register: staging
    - name: Check the admin API
      ansible.builtin.uri:
        url: https://my-shop-staging.osc-fr1.scalingo.io/admin/health
        headers:
          Authorization: "Bearer {{ (staging.apps[0].env | selectattr('name', 'eq', 'ADMIN_TOKEN') | first).value }}"

- name: CPU of web-1 over two days, 5XX responses, and the recommended memory for workers
  scalingo.cloud.scalingo_app_info:
    name: my-shop-staging
    metrics:
      - {name: cpu, container_type: web, index: 1, since: 48}
      - {name: router, status_code: 5XX}
      - {name: memory, container_type: worker, recommended: true}
  register: shop_metrics

- name: The last 100 log lines (the logs URL is a credential, hence no_log)
  no_log: true
  block:
    - name: Get the logs URL
      scalingo.cloud.scalingo_app_info:
        name: my-shop-staging
        gather: [logs_url]
      register: shop_logs
    - name: Read the logs
      ansible.builtin.uri:
        url: "{{ shop_logs.apps[0].logs_url }}&n=100"
        return_content: true
"""

RETURN = r"""
apps:
  description:
    - The apps, each as the API returns it, with the O(gather) sections under keys of the same names.
    - Empty when O(name) names no app.
  returned: always
  type: list
  elements: dict
  contains:
    containers:
      description: The formation (O(gather=containers)).
      returned: when asked for
      type: list
      elements: dict
      sample: [{name: web, amount: 2, size: M, command: ""}]
    stats:
      description: Real-time usage of each running container (O(gather=stats)).
      returned: when asked for
      type: list
      elements: dict
      sample: [{id: web-1, cpu_usage: 3, memory_usage: 200105984, memory_limit: 536870912, swap_usage: 0}]
    logs_url:
      description: URL of the app's logs, embedding a token that gives read access to them (O(gather=logs_url)).
      returned: when asked for
      type: str
      sample: https://logs.osc-fr1.scalingo.com/apps/5ed12fa6f112e2000f9f93f7/logs?token=...
    logs_archives:
      description: Logs archives, at most O(logs_archives_limit) (O(gather=logs_archives)).
      returned: when asked for
      type: list
      elements: dict
      sample: [{url: "https://...", size: 98765, from: "Fri Mar 24 14:00:00 +0000 UTC 2017", to: "Sun Mar 26 14:00:00 +0000 UTC 2017"}]
    child_apps:
      description: The child apps, from every page (O(gather=child_apps)).
      returned: when asked for
      type: list
      elements: dict
      sample: [{name: my-shop-staging-pr42, parent_app_name: my-shop-staging, status: running}]
    env:
      description:
        - The environment variables (O(gather=env)), each as its V(name), with its V(value) (as stored, an alias
          as written) only with O(env_values=true).
        - The values are secrets, see the notes.
      returned: when asked for
      type: list
      elements: dict
      sample: [{name: DATABASE_URL}, {name: SCALINGO_POSTGRESQL_URL}, {name: RAILS_ENV}]
    collaborators:
      description: The collaborators and pending invitations (O(gather=collaborators)), without C(invitation_link).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: 54101e25736f7563d5060000, email: jane@example.com, username: jane, status: accepted, is_limited: false,
           user_id: us-8ba2c5b9-2b7b-4e6f-9d2a-3c1b2a5c0f11, app_id: 5ed12fa6f112e2000f9f93f7, app_name: my-shop-staging}
        - {id: 54101e25736f7563d5060001, email: joe@example.com, username: n/a, status: pending, is_limited: true,
           user_id: null, app_id: 5ed12fa6f112e2000f9f93f7, app_name: my-shop-staging}
    addons:
      description: The addons (O(gather=addons)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - id: ad-6733873b-1628-4b8e-8e74-c30f1c3f3b63
          resource_id: my_shop_staging_5629
          status: running
          addon_provider: {id: postgresql, name: PostgreSQL}
          plan: {id: 5ed10d74f112e2000f9f93d8, name: postgresql-starter-512, price: 14.4}
          provisioned_at: "2020-05-29T13:08:58.103Z"
    autoscalers:
      description: The autoscalers (O(gather=autoscalers)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: sc-5418fe67-885d-4e50-8cbe-9a9a2d2d690a, container_type: web, metric: cpu, target: 0.75,
           min_containers: 2, max_containers: 6, disabled: false, last_scale: "0001-01-01T00:00:00Z"}
    domains:
      description: The custom domains (O(gather=domains)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: 5ed10ae9884fef000f5e500b, name: www.example.com, canonical: true, ssl: true, letsencrypt: true,
           letsencrypt_status: created, created_at: "2020-05-29T13:15:21.050Z"}
    deployments:
      description: The latest deployments, newest first, at most O(deployments_limit) (O(gather=deployments)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - id: cabf82f2-1cb1-46d4-b09e-bfb6fe09bc18
          status: success
          git_ref: a5dca8ec8f48630c07c56fd8370e4f5535fe0fd8
          created_at: "2020-05-29T12:21:51.275Z"
          finished_at: "2020-05-29T12:23:25.688+00:00"
          duration: 92
          pusher: {username: jane, email: jane@example.com}
    notifiers:
      description: The notifiers (O(gather=notifiers)), webhook URLs masked.
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: no-a035cf2d-3b4c-4d1c-9bfc-0c9b7f1d3a10, name: ops, platform: webhook, active: true, events: all,
           type_data: {webhook_url: "https://hooks.example.com..."}}
    alerts:
      description: The alerts (O(gather=alerts)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: al-1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b, container_type: web, metric: cpu, limit: 0.8,
           send_when_below: false, disabled: false}
    log_drains:
      description: The app's log drains (O(gather=log_drains)), each as its masked URL and the digest of its URL.
      returned: when asked for
      type: list
      elements: dict
      sample: [{url: "syslog://logs.example.com:6514...", digest: "sha256:5d41402abc4b2a76"}]
    scm_repo_link:
      description: The repo link (O(gather=scm_repo_link)), V(null) when the app has none.
      returned: when asked for
      type: dict
      sample: {scm_type: github, owner: my-org, repo: my-shop, branch: main, auto_deploy_enabled: true}
    events:
      description: The latest events, newest first, at most O(events_limit) (O(gather=events)).
      returned: when asked for
      type: list
      elements: dict
      sample:
        - {id: 5ed12fb0f112e2000f9f9410, type: restart, created_at: "2020-05-29T15:47:28.000Z",
           user: {username: jane}, type_data: {scope: [web]}}
    cron_tasks:
      description: The scheduled tasks (O(gather=cron_tasks)).
      returned: when asked for
      type: list
      elements: dict
      sample: [{command: "0 5 * * * rake import", size: M}]
  sample:
    - id: 5ed12fa6f112e2000f9f93f7
      name: my-shop-staging
      parent_app_name: ""
      status: running
      url: https://my-shop-staging.osc-fr1.scalingo.io
      containers: [{name: web, amount: 2, size: M, command: ""}]
metrics:
  description:
    - The O(metrics) queries, in order, each with its answer in V(data).
    - V(data) is a list of points (V(time), V(value)) for a time series, empty when Scalingo has no data; for
      O(metrics[].recommended=true) a V(time) and V(value), or V(null) when Scalingo has no data.
    - Empty when O(name) names no app.
  returned: always
  type: list
  elements: dict
  sample:
    - name: cpu
      container_type: web
      index: 1
      since: 48
      status_code: null
      recommended: false
      data: [{time: "2016-07-26T15:34:00Z", value: 5.92}, {time: "2016-07-26T15:35:00Z", value: 6.56}]
    - {name: memory, container_type: worker, index: null, since: null, status_code: null, recommended: true,
       data: {time: "2018-05-24T00:00:00Z", value: 0.9}}
"""

from typing import Any

from ansible_collections.scalingo.cloud.plugins.module_utils._api import (
    AUTOSCALER_FIELDS,
    CONTAINER_FIELDS,
    api_path,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import app_name_problem
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._metrics import (
    RECOMMENDED,
    SERIES,
    metric_problem,
    metric_request,
    no_data,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource
from ansible_collections.scalingo.cloud.plugins.module_utils._wiring import WIRING

GATHER = (
    "containers",
    "stats",
    "logs_url",
    "logs_archives",
    "child_apps",
    "env",
    "collaborators",
    "addons",
    "autoscalers",
    "domains",
    "deployments",
    "notifiers",
    "alerts",
    "log_drains",
    "scm_repo_link",
    "events",
    "cron_tasks",
)
# Sections read with one GET of /apps/<app>/<section>: the list's key and the fields each item must have.
LISTS: dict[str, dict] = {
    "containers": CONTAINER_FIELDS,
    "stats": {},
    "collaborators": {"id": str, "email": str},
    "addons": {"id": str, "addon_provider": dict, "plan": dict},
    "autoscalers": AUTOSCALER_FIELDS,
    "domains": {"id": str, "name": str},
}
DEPLOYMENT_FIELDS = {"id": str, "status": str}
# Secrets the API puts in a section's items, never returned.
STRIPPED = {"collaborators": ("invitation_link",)}
SECTION_WORDS = {"env": "environment variables"}
CHILD_APPS_PER_PAGE = 50
DEPLOYMENTS_LIMIT = 10
EVENTS_LIMIT = 20


ARGUMENT_SPEC = {
    "name": {"type": "str"},
    "gather": {"type": "list", "elements": "str", "choices": list(GATHER), "default": []},
    "logs_archives_limit": {"type": "int"},
    "env_values": {"type": "bool", "default": False},
    "deployments_limit": {"type": "int", "default": DEPLOYMENTS_LIMIT},
    "events_limit": {"type": "int", "default": EVENTS_LIMIT},
    "metrics": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "name": {"type": "str", "required": True, "choices": list(dict.fromkeys(SERIES + RECOMMENDED))},
            "container_type": {"type": "str"},
            "index": {"type": "int"},
            "since": {"type": "int"},
            "status_code": {"type": "str", "choices": ["1XX", "2XX", "3XX", "4XX", "5XX", "all"]},
            "recommended": {"type": "bool", "default": False},
        },
    },
}


def input_problems(params: dict) -> list[str]:
    """What is wrong with the task's input on its face, in the order it is reported."""
    problems = []
    if params["name"] is not None:
        problems.append(app_name_problem("name", params["name"]))
    if params["metrics"] and not params["name"]:
        problems.append("metrics are read for one app: give its name")
    for number, query in enumerate(params["metrics"]):
        problem = metric_problem(query)
        if problem:
            problems.append(f"metrics[{number}] ({query['name']}): {problem}")
    limit = params["logs_archives_limit"]
    if limit is not None and limit < 1:
        problems.append(
            f"logs_archives_limit must be 1 or more, got {limit}: leave logs_archives out of gather to read none"
        )
    limit = params["deployments_limit"]
    if limit < 1:  # never null: Ansible refuses null for an int with a default
        problems.append(
            f"deployments_limit must be 1 or more, got {limit}: leave deployments out of gather to read none"
        )
    if params["events_limit"] < 1:
        problems.append(f"events_limit must be 1 or more, got {params['events_limit']}: leave events out of gather")
    return [problem for problem in problems if problem]


def input_warnings(params: dict, no_log: bool) -> list[str]:
    """Options given for nothing, and env_values on a task whose result is logged."""
    warnings = []
    if params["logs_archives_limit"] is not None and "logs_archives" not in params["gather"]:
        warnings.append("logs_archives_limit is only used with gather=logs_archives")
    if params["env_values"]:
        if "env" not in params["gather"]:
            warnings.append("env_values is only used with gather=env")
        elif not no_log:
            warnings.append(
                "env_values=true returns the values of the environment variables, which are secrets: "
                "set no_log: true on this task"
            )
    return warnings


class AppInfo(Resource):
    def section(self, name: str, section: str) -> Any:
        what = f"could not read the {SECTION_WORDS.get(section, section.replace('_', ' '))} of app '{name}'"
        base = api_path("apps", name)
        if section in LISTS:
            found = self.client.get(f"{base}/{section}", section, list, LISTS[section], action=what)
            hidden = STRIPPED.get(section, ())
            return [{key: value for key, value in item.items() if key not in hidden} for item in found]
        if section == "env":
            return self.env(base, what)
        if section in WIRING:
            return WIRING[section](self.client, base, what, self.params)
        if section == "deployments":
            limit = self.params["deployments_limit"]
            return self.client.paginate(
                f"{base}/deployments", "deployments", limit, action=what, limit=limit, fields=DEPLOYMENT_FIELDS
            )
        if section == "logs_url":
            return self.client.get(f"{base}/logs", "logs_url", str, action=what)
        if section == "logs_archives":
            return self.client.cursor_pages(
                f"{base}/logs_archives", "archives", limit=self.params["logs_archives_limit"], action=what
            )
        return self.client.paginate(f"{base}/child_apps", "child_apps", per_page=CHILD_APPS_PER_PAGE, action=what)

    def env(self, base: str, what: str) -> list[dict]:
        """The variables' names, and their values only when asked for (they are secrets)."""
        keys = ("name", "value") if self.params["env_values"] else ("name",)
        found = self.client.get(
            f"{base}/variables", "variables", list, dict.fromkeys(keys, str), params={"aliases": "true"}, action=what
        )
        return [{key: variable[key] for key in keys} for variable in found]

    def metric(self, name: str, query: dict) -> Any:
        path, params = metric_request(name, query)
        try:
            reply = self.client.request(
                "GET", path, params=params, action=f"could not read metric '{query['name']}' of app '{name}'"
            )
        except ScalingoError as exc:
            if no_data(exc):
                return None if query["recommended"] else []
            raise
        return reply.data

    def run(self) -> dict:
        name = self.params["name"]
        if name:
            app = self.client.find_app(name)
            apps = [app] if app is not None else []
        else:
            apps = self.client.get("/apps", "apps", list, {"name": str}, action="could not list apps")
        gather = [section for section in GATHER if section in self.params["gather"]]
        for app in apps:
            for section in gather:
                app[section] = self.section(app["name"], section)
        metrics = [dict(query, data=self.metric(name, query)) for query in self.params["metrics"]] if apps else []
        return self.result(False, apps=apps, metrics=metrics)


def main() -> None:
    m = ScalingoModule(ARGUMENT_SPEC, input_problems=input_problems)
    for warning in input_warnings(m.params, m.module.no_log):
        m.warn(warning)
    m.run(AppInfo)


if __name__ == "__main__":
    main()
