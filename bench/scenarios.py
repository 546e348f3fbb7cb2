"""The scenarios of the benchmark. Each returns a dict of raw numbers (see bench/README.md)."""

from __future__ import annotations

import glob
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import lib

APP = "scalingo.cloud.scalingo_app"
SCALE = "scalingo.cloud.scalingo_scale"
INFO = "scalingo.cloud.scalingo_app_info"
INFO_MODULE = "scalingo_app_info"
ENV = "scalingo.cloud.scalingo_env"
COLLABORATOR = "scalingo.cloud.scalingo_collaborator"
ADDON = "scalingo.cloud.scalingo_addon"
AUTOSCALER = "scalingo.cloud.scalingo_autoscaler"
DEPLOYMENT = "scalingo.cloud.scalingo_deployment"
WEB = [{"name": "web", "amount": 1}]


def task(title, module, args=None, ignore_errors=False):
    entry = {"name": title, module: args or {}}
    if ignore_errors:
        entry["ignore_errors"] = True
    return entry


def summary(run, name):
    """Requests, polls and seconds of the task called `name` in `run`."""
    event, log = lib.task_requests(run, name)
    return {
        "requests": len(log),
        "polls": sum(1 for r in log if lib.is_poll(r)),
        "exchanges": sum(1 for r in log if r["path"] == "/v1/tokens/exchange"),
        "seconds": round(event["end"] - event["start"], 3),
        "status": event.get("status"),
        "changed": event.get("result", {}).get("changed"),
        "msg": event.get("result", {}).get("msg"),
        "result_bytes": event.get("result_bytes"),
        "calls": [f"{r['method']} {r['path']}" for r in log],
    }


# ---------------------------------------------------------------- 1. requests per task
BEARERS = {"cached": {}, "none": {"bearer_cache": False}}


def request_cases(app, new, extra, available, source_url="x"):
    """(case, module, args) of scenario 1, on app `app` (deployed, web: 1, force_https false).

    `available`: the modules of the collection that may be missing from an older copy (see module_available);
    their cases are left out when they are. Each newer module's case runs changed, then unchanged.
    """
    scale = {"app": app, "containers": [{"name": "web", "amount": 2}]}
    env = {"app": app, "variables": {"BENCH_SETTING": "on"}}
    collaborator = {"app": app, "email": "bench-dev@example.com"}
    addon = {"app": app, "provider": "postgresql", "plan": "postgresql-starter-512"}
    autoscaler = {"app": app, "container_type": "web", "metric": "cpu", "target": 0.75}
    autoscaler.update(min_containers=2, max_containers=4)
    deployment = {"app": app, "source_url": source_url, "git_ref": "bench-v1"}
    cases = [
        ("app_changed", APP, {"name": app, "force_https": True}),
        ("app_unchanged", APP, {"name": app, "force_https": True}),
        ("app_created", APP, {"name": new}),
        ("app_created_with_setting", APP, {"name": f"{new}-s", "force_https": True}),
        ("scale_changed", SCALE, scale),
        ("scale_unchanged", SCALE, scale),
    ]
    if INFO in available:
        cases.append(("app_info", INFO, {"name": app, "gather": []}))
    for prefix, module, args in (
        ("env", ENV, env),
        ("collaborator", COLLABORATOR, collaborator),
        ("addon", ADDON, addon),
        ("autoscaler", AUTOSCALER, autoscaler),
        ("deployment", DEPLOYMENT, deployment),
    ):
        if module in available:
            cases += [(f"{prefix}_changed", module, args), (f"{prefix}_unchanged", module, args)]
    return [(case, module, dict(args, **extra)) for case, module, args in cases]


OPTIONAL = (INFO, ENV, COLLABORATOR, ADDON, AUTOSCALER, DEPLOYMENT)


def available_modules(collections):
    return {module for module in OPTIONAL if lib.module_available(collections, module.rsplit(".", 1)[-1])}


def requests_per_task(sim, collections, repeats, operation=2, addon_provisioning=1):
    available = available_modules(collections)
    runs = {}
    for _ in range(repeats):
        sim.reset(operation_duration=operation, addon_provisioning=addon_provisioning)
        sim.create_apps(names=[f"bench-{b}" for b in BEARERS], deploy=WEB)
        source_url = sim.source_url() if DEPLOYMENT in available else "x"
        tasks = [task("warm-up (fills the bearer cache)", APP, {"name": "bench-cached"})]
        for bearer, extra in BEARERS.items():
            for case, module, args in request_cases(
                f"bench-{bearer}", f"bench-new-{bearer}", extra, available, source_url
            ):
                tasks.append(task(f"{bearer}:{case}", module, args, ignore_errors=module in OPTIONAL))
        run = lib.run_play(sim, collections, tasks)
        for bearer in BEARERS:
            for case, _, _ in request_cases("x", "x", {}, available):
                runs.setdefault(f"{bearer}:{case}", []).append(summary(run, f"{bearer}:{case}"))
    return {
        "repeats": repeats,
        "operation_seconds": operation,
        "addon_provisioning_seconds": addon_provisioning,
        "app_info_available": INFO in available,
        "available": sorted(module.rsplit(".", 1)[-1] for module in available),
        "cases": runs,
    }


# ---------------------------------------------------------------- 2. task time
def ping_tasks(count):
    tasks = [task("warm-up", "ansible.builtin.ping")]
    return tasks + [task(f"check {i:02d}", "ansible.builtin.ping") for i in range(1, count + 1)]


def app_tasks(count):
    tasks = [task("warm-up (fills the bearer cache)", APP, {"name": "bench-01"})]
    return tasks + [
        task(f"check {i:02d}", APP, {"name": f"bench-{i:02d}", "force_https": False}) for i in range(1, count + 1)
    ]


def uri_tasks(url, count):
    """What a user without the collection writes: exchange once, then GET and compare in Jinja."""
    exchange = {
        "name": "exchange the API token",
        "ansible.builtin.uri": {
            "url": f"{url}/v1/tokens/exchange",
            "method": "POST",
            "headers": {"Authorization": "Basic {{ (':' ~ api_token) | b64encode }}"},
        },
        "vars": {"api_token": lib.with_simulator.TOKEN},
        "register": "exchange",
        "no_log": True,
    }
    checks = [
        {
            "name": f"check {i:02d}",
            "ansible.builtin.uri": {
                "url": f"{url}/v1/apps/bench-{i:02d}",
                "headers": {"Authorization": "Bearer {{ exchange.json.token }}"},
            },
            "register": "app",
            "changed_when": "app.json.app.force_https != false",
        }
        for i in range(1, count + 1)
    ]
    return [exchange, *checks]


def check_span(run):
    """Seconds from the first `check` task's start to the last one's end, and their requests."""
    checks = [e for e in run["events"] if e["task"].startswith("check ")]
    start, end = checks[0]["start"], checks[-1]["end"]
    return end - start, len([r for r in run["log"] if start <= r["time"] <= end]), len(checks)


def task_time(sim, collections, repeats, count=30, compare=None):
    """Plays of `count` checks, `repeats` times in rotating order.

    Per task: wall time (first check's start to last check's end, over `count`) and CPU time of all the
    play's processes beyond those of a one-task play run in the same round, over `count`. With `compare`
    (another collections path, e.g. a patched copy), its scalingo_app play joins the rotation.
    """
    sim.reset()
    sim.create_apps(prefix="bench", count=count)
    plays = {
        "ping": (collections, ping_tasks(count)),
        "scalingo_app": (collections, app_tasks(count)),
        "uri": (collections, uri_tasks(sim.url, count)),
    }
    if compare:
        plays["scalingo_app_compared"] = (compare, app_tasks(count))
    results = {name: [] for name in plays}
    for rep in range(repeats):
        names = list(plays)
        names = names[rep % len(names) :] + names[: rep % len(names)]  # rotate the order: no play always first
        baseline = lib.run_play(sim, collections, ping_tasks(0))["cpu"]
        for name in names:
            where, tasks = plays[name]
            run = lib.run_play(sim, where, tasks)
            span, requests, checks = check_span(run)
            results[name].append(
                {
                    "wall": round(run["wall"], 3),
                    "span": round(span, 3),
                    "per_task": round(span / checks, 4),
                    "cpu_per_task": round((run["cpu"] - baseline) / checks, 4),
                    "check_requests": requests,
                    "play_requests": len(run["log"]),
                }
            )
    return {"tasks": count, "plays": results, "compared": compare}


# ---------------------------------------------------------------- 3. waiting
def wait_tasks(url, durations, first_amount):
    tasks, amount = [], first_amount
    for duration in durations:
        tasks.append(
            {
                "name": f"next operation lasts {duration} s",
                "ansible.builtin.uri": {
                    "url": f"{url}/_sim/next_operation",
                    "method": "POST",
                    "body_format": "json",
                    "body": {"duration": duration},
                },
            }
        )
        tasks.append(
            task(f"scale {duration}", SCALE, {"app": "bench-wait", "containers": [{"name": "web", "amount": amount}]})
        )
        amount = 3 - amount
    return tasks


def wait_summary(run, duration):
    event, log = lib.task_requests(run, f"scale {duration}")
    operation = event["result"].get("operation") or {}
    created = lib.epoch(operation["created_at"])
    finished = lib.epoch(operation["finished_at"]) if operation.get("finished_at") else created + duration
    polls = [r for r in log if lib.is_poll(r)]
    return {
        "status": operation.get("status"),
        "polls": len(polls),
        "requests": len(log),
        "poll_offsets": [round(r["time"] - created, 3) for r in polls],
        "late_last_poll": round(polls[-1]["time"] - finished, 3) if polls else None,
        "late_task_end": round(event["end"] - finished, 3),
        "task_seconds": round(event["end"] - event["start"], 3),
    }


def deployment_wait_tasks(url, duration, source_url):
    body = {"duration": duration}
    return [
        {
            "name": f"next deployment lasts {duration} s",
            "ansible.builtin.uri": {
                "url": f"{url}/_sim/next_deployment",
                "method": "POST",
                "body_format": "json",
                "body": body,
            },
        },
        task(
            f"deploy {duration}",
            DEPLOYMENT,
            {"app": "bench-wait", "source_url": source_url, "git_ref": f"wait-{duration}"},
            ignore_errors=True,
        ),
    ]


def deployment_wait_summary(run, duration):
    event, log = lib.task_requests(run, f"deploy {duration}")
    deployment = event["result"].get("deployment") or {}
    created = lib.epoch(deployment["created_at"]) if deployment.get("created_at") else event["start"]
    finished = lib.epoch(deployment["finished_at"]) if deployment.get("finished_at") else created + duration
    polls = [r for r in log if lib.is_poll(r)]
    return {
        "status": deployment.get("status"),
        "polls": len(polls),
        "requests": len(log),
        "calls": [f"{r['method']} {r['path']}" for r in log if not lib.is_poll(r)],
        "poll_offsets": [round(r["time"] - created, 3) for r in polls],
        "late_last_poll": round(polls[-1]["time"] - finished, 3) if polls else None,
        "late_task_end": round(event["end"] - finished, 3),
        "task_seconds": round(event["end"] - event["start"], 3),
        "msg": event["result"].get("msg") if event.get("status") != "ok" else None,
    }


def waiting(sim, collections, repeats, durations=(1, 5, 30), deployments=(60,)):
    """Scale operations of `durations`, `repeats` times; then each deployment of `deployments` once (they are long)."""
    sim.reset()
    sim.create_apps(names=["bench-wait"], deploy=WEB)
    results, amount = {str(d): [] for d in durations}, 1
    for _ in range(repeats):
        tasks = wait_tasks(sim.url, durations, 3 - amount)
        amount = tasks[-1][SCALE]["containers"][0]["amount"]
        run = lib.run_play(sim, collections, tasks)
        for duration in durations:
            results[str(duration)].append(wait_summary(run, duration))
    deployed = {}
    if deployments and lib.module_available(collections, DEPLOYMENT.rsplit(".", 1)[-1]):
        source_url = sim.source_url()
        tasks = [step for duration in deployments for step in deployment_wait_tasks(sim.url, duration, source_url)]
        run = lib.run_play(sim, collections, tasks)
        deployed = {str(d): [deployment_wait_summary(run, d)] for d in deployments}
    return {"durations": results, "deployments": deployed}


# ---------------------------------------------------------------- 4. scale of work
def info_run(sim, collections, args, repeats):
    tasks = [task("warm-up", INFO, args)] + [task(f"info {i}", INFO, args) for i in range(repeats)]
    run = lib.run_play(sim, collections, tasks)
    return [summary(run, f"info {i}") for i in range(repeats)]


def scale_of_work(sim, collections, repeats, sizes=(10, 100, 1000), children=500):
    if not lib.module_available(collections, INFO_MODULE):
        return {"available": False}
    results = {"available": True, "apps": {}, "api_seconds": {}, "max_per_page": None}
    for size in sizes:
        sim.reset()
        sim.create_apps(prefix="bench", count=size)
        results["apps"][str(size)] = info_run(sim, collections, {"gather": []}, repeats)
        results["api_seconds"][str(size)] = [round(sim.timed_get("/v1/apps"), 4) for _ in range(repeats)]
    sim.reset()
    sim.create_apps(names=["bench-parent"])
    sim.create_children("bench-parent", prefix="bench-child", count=children)
    results["max_per_page"] = sim.admin("GET", "config")["max_per_page"]
    results["children"] = {
        "count": children,
        "pages": math.ceil(children / results["max_per_page"]),
        "runs": info_run(sim, collections, {"name": "bench-parent", "gather": ["child_apps"]}, repeats),
    }
    return results


# ---------------------------------------------------------------- 5. module start-up
def adhoc(sim, collections, module, args, keep_dir=None):
    extra = {"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": keep_dir} if keep_dir else {}
    env = lib.ansible_env(sim, collections, **extra)
    command = [os.path.join(lib.BIN, "ansible"), "localhost", "-m", module] + (["-a", args] if args else [])
    cpu, started = lib.cpu_of_children(), time.monotonic()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ansible {module} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.monotonic() - started, lib.cpu_of_children() - cpu


def payload(sim, collections, module, args, keep):
    """Path of the AnsiballZ file Ansible sends for `module` (kept with ANSIBLE_KEEP_REMOTE_FILES in `keep`)."""
    adhoc(sim, collections, module, args, keep_dir=keep)
    return glob.glob(os.path.join(keep, "*", "AnsiballZ_*.py"))[0]


def run_payload(sim, path, importtime=False):
    env = lib.with_simulator.environment(sim.url, sim.cache_dir)
    command = [sys.executable] + (["-X", "importtime"] if importtime else []) + [path]
    cpu, started = lib.cpu_of_children(), time.monotonic()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{path} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.monotonic() - started, lib.cpu_of_children() - cpu, proc.stderr


IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def parse_importtime(stderr):
    """[(module, self µs, cumulative µs, depth)] in the order Python printed them."""
    rows = []
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            rows.append((match[4], int(match[1]), int(match[2]), len(match[3]) // 2))
    return rows


def by_package(rows, names=None):
    """Self time (ms) grouped by top-level package, optionally only for modules in `names`."""
    totals = {}
    for name, own, _, _ in rows:
        if names is None or name in names:
            root = name.split(".")[0]
            if name.startswith("ansible_collections."):
                root = ".".join(name.split(".")[:5])
            totals[root] = totals.get(root, 0) + own
    return {k: round(v / 1000, 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])[:15]}


def import_cost(statement):
    """Milliseconds `statement` adds after `import ansible.module_utils.basic`, from -X importtime."""
    code = f"import ansible.module_utils.basic\n{statement}"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = parse_importtime(proc.stderr)
    basic = next(i for i, row in enumerate(rows) if row[0] == "ansible.module_utils.basic")
    return round(sum(own for _, own, _, _ in rows[basic + 1 :]) / 1000, 1)


ALTERNATIVES = {
    "requests (today)": "import requests",
    "urllib3 alone": "import urllib3",
    "ansible.module_utils.urls (what uri uses)": "import ansible.module_utils.urls",
    "urllib.request (stdlib, proxies)": "import urllib.request",
    "http.client + ssl (stdlib)": "import http.client, ssl",
}


def module_startup(sim, collections, module, args, keep, repeats):
    """Ad-hoc runs, payload runs and -X importtime of one module (wall and CPU seconds; import rows)."""
    path = payload(sim, collections, module, args, keep)
    times = [adhoc(sim, collections, module, args) for _ in range(repeats)]
    direct = [run_payload(sim, path)[:2] for _ in range(repeats)]
    imports = [parse_importtime(run_payload(sim, path, importtime=True)[2]) for _ in range(repeats)]
    return {
        "adhoc": [round(t, 3) for t, _ in times],
        "adhoc_cpu": [round(c, 3) for _, c in times],
        "payload_run": [round(t, 3) for t, _ in direct],
        "payload_cpu": [round(c, 3) for _, c in direct],
        "payload_bytes": os.path.getsize(path),
        "imports": imports,
    }


def import_summary(imports, ping_names):
    """The run with the least import time: its total, by package, what ping does not import, the largest."""
    best = min(imports, key=lambda rows: sum(r[1] for r in rows))
    extra = {row[0] for row in best} - ping_names
    return {
        "import_ms": round(sum(r[1] for r in best) / 1000, 1),
        "by_package": by_package(best),
        "extra_over_ping_ms": round(sum(r[1] for r in best if r[0] in extra) / 1000, 1),
        "extra_by_package": by_package(best, extra),
        "top_cumulative": [(r[0], round(r[2] / 1000, 1)) for r in sorted(best, key=lambda r: -r[2]) if r[3] <= 2][:12],
    }


def startup(sim, collections, repeats):
    sim.reset()
    sim.create_apps(names=["bench-start"])
    modules = {"ping": ("ansible.builtin.ping", ""), "scalingo_app": (APP, "name=bench-start")}
    result = {}
    for name, (module, args) in modules.items():
        adhoc(sim, collections, module, args)  # warm the bearer cache and the OS file cache
        with tempfile.TemporaryDirectory(prefix="scalingo-bench-ansiballz-") as keep:
            result[name] = module_startup(sim, collections, module, args, keep, repeats)
    ping_names = {row[0] for rows in result["ping"]["imports"] for row in rows}
    for name in modules:
        result[name].update(import_summary(result[name].pop("imports"), ping_names))
    result["alternatives_after_basic_ms"] = {
        name: min(import_cost(code) for _ in range(3)) for name, code in ALTERNATIVES.items()
    }
    return result


# ---------------------------------------------------------------- 6. fleet under the rate limit
EXCHANGE_PATH = "/v1/tokens/exchange"
SIM_URL = "{{ lookup('ansible.builtin.env', 'SCALINGO_API_URL') }}"


def deploy_task():
    """The simulator's stand-in for a git push (admin API: not rate-limited, not in the request log)."""
    return {
        "name": "deploy (the simulator's stand-in for a git push)",
        "ansible.builtin.uri": {
            "url": SIM_URL + "/_sim/apps/{{ inventory_hostname }}/deploy",
            "method": "POST",
            "body_format": "json",
            "body": {"containers": [{"name": "web", "amount": 1}]},
        },
    }


def fleet_tasks():
    """The fleet work with the collection, per app (host): created with a setting, deployed, scaled, deleted."""
    name = "{{ inventory_hostname }}"
    return [
        task("create and configure", APP, {"name": name, "force_https": True}),
        deploy_task(),
        {**task("scale", SCALE, {"app": name, "containers": [{"name": "web", "amount": 2}]}), "register": "scaled"},
        {
            "name": "the app was scaled",
            "ansible.builtin.assert": {"that": ["scaled.changed", "scaled.operation.status == 'done'"]},
        },
        task("delete", APP, {"name": name, "state": "absent"}),
    ]


def fleet_uri_tasks(retries=30, delay=10):
    """The same work as a user without the collection writes it: each host exchanges the token, and each
    request is sent again while it is answered 429 (`until`/`retries`/`delay`)."""
    api, name = SIM_URL, "{{ inventory_hostname }}"
    bearer = {"Authorization": "Bearer {{ exchange.json.token }}"}

    def call(title, method, path, status, register, body=None, until=None, url=None):
        args = {"url": url or f"{api}{path}", "method": method, "headers": bearer, "status_code": status}
        if body is not None:
            args.update(body_format="json", body=body)
        step = {"name": title, "ansible.builtin.uri": args, "register": register}
        step.update(until=until or f"{register}.status != 429", retries=retries, delay=delay)
        return step

    exchange = call("exchange the API token", "POST", EXCHANGE_PATH, 200, "exchange")
    exchange["ansible.builtin.uri"]["headers"] = {"Authorization": "Basic {{ (':' ~ api_token) | b64encode }}"}
    exchange.update(vars={"api_token": "{{ lookup('ansible.builtin.env', 'SCALINGO_API_TOKEN') }}"}, no_log=True)
    return [
        exchange,
        call("create", "POST", "/v1/apps", 201, "created", {"app": {"name": name}}),
        call("configure", "PATCH", f"/v1/apps/{name}", 200, "configured", {"app": {"force_https": True}}),
        deploy_task(),
        call("scale", "POST", f"/v1/apps/{name}/scale", 202, "scaled", {"containers": [{"name": "web", "amount": 2}]}),
        call(
            "wait for the scale",
            "GET",
            None,
            200,
            "operation",
            url="{{ scaled.location }}",
            until="operation.status == 200 and operation.json.operation.status in ['done', 'error']",
        ),
        {
            "name": "the app was scaled",
            "ansible.builtin.assert": {"that": ["operation.json.operation.status == 'done'"]},
        },
        call("delete", "DELETE", f"/v1/apps/{name}?current_name={name}", 204, "deleted"),
    ]


def window_peak(times, window):
    """The most entries of `times` (sorted) within any `window` seconds."""
    peak, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - window:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def created_name(entry):
    body = entry.get("body")
    app = body.get("app") if isinstance(body, dict) else None
    return app.get("name") if isinstance(app, dict) else None


def fleet_figures(run, apps, limit, window, left):
    log = run["log"]
    admitted = [e for e in log if e["status"] != 429]
    created = {}
    for e in log:
        if e["method"] == "POST" and e["path"] == "/v1/apps" and e["status"] == 201:
            created[created_name(e)] = created.get(created_name(e), 0) + 1
    deleted = dict.fromkeys(apps, 0)
    for e in log:
        if e["method"] == "DELETE" and e["status"] == 204 and e["path"].rsplit("/", 1)[-1] in deleted:
            deleted[e["path"].rsplit("/", 1)[-1]] += 1
    floor = len(admitted) / limit * window
    start = log[0]["time"] if log else 0
    minutes = {}
    for e in log:
        bucket = minutes.setdefault(int((e["time"] - start) // 60), [0, 0])
        bucket[0] += 1
        bucket[1] += e["status"] == 429
    first_app = apps[0]
    return {
        "wall": round(run["wall"], 1),
        "cpu": round(run["cpu"], 1),
        "returncode": run["returncode"],
        "hosts_failed": sorted(h for h, r in run["recap"].items() if r["failed"] or r["unreachable"]),
        "tasks": [
            {"task": e["task"], "hosts": e.get("hosts", {}), "failures": e.get("failures", [])} for e in run["events"]
        ],
        "requests": len(log),
        "throttled_429": sum(1 for e in log if e["status"] == 429),
        "other_errors": sum(1 for e in log if e["status"] >= 500 or e["status"] == 0),
        "exchanges": sum(1 for e in log if e["path"] == EXCHANGE_PATH),
        "exchanges_admitted": sum(1 for e in admitted if e["path"] == EXCHANGE_PATH),
        "admitted": len(admitted),
        "created_once": sum(1 for app in apps if created.get(app) == 1),
        "created_twice": sorted(app for app, n in created.items() if n > 1),
        "deleted_once": sum(1 for n in deleted.values() if n == 1),
        "left_behind": sorted(left),
        "floor": round(floor, 1),
        "wall_over_floor": round(run["wall"] / floor, 3) if floor else None,
        "first_to_last_request": round(log[-1]["time"] - start, 1) if log else 0,
        "peak_sent": window_peak([e["time"] for e in log], window),
        "peak_admitted": window_peak([e["time"] for e in admitted], window),
        "per_minute": [minutes.get(m, [0, 0]) for m in range(max(minutes) + 1)] if minutes else [],
        "calls_of_one_app": [
            f"{e['method']} {e['path']} {e['status']}"
            for e in log
            if f"/v1/apps/{first_app}" in e["path"] or (e["path"] == "/v1/apps" and created_name(e) == first_app)
        ],
    }


def settle(sim, window):
    """Back to an empty simulator whose rate-limit window holds nothing of the previous requests."""
    log = sim.admin("GET", "requests")["requests"]
    if log:
        time.sleep(max(0.0, log[-1]["time"] + window + 1 - time.time()))
    sim.reset()


def pacing_overhead(collections, calls=2000, batches=5, limit=60):
    """µs per request of the pacing's bookkeeping (lock, read, write of the budget file) when nothing waits.

    The pacer's clock is moved on by a little more than window ÷ limit per call: the budget file then
    holds nearly `limit` entries (its largest), and no call has to wait.
    """
    sys.path.insert(0, collections)
    try:
        from ansible_collections.scalingo.cloud.plugins.module_utils import _client
    finally:
        sys.path.remove(collections)
    if not hasattr(_client, "Pacer"):
        return {"available": False}
    now = [time.time()]

    def clock():
        now[0] += 62.0 / limit
        return now[0]

    runs, waits = [], 0.0
    with tempfile.TemporaryDirectory(prefix="scalingo-bench-pacing-") as cache:
        pacer = _client.Pacer(os.path.join(cache, "pace.json"), limit, clock=clock)
        for _ in range(batches):
            started = time.perf_counter()
            for _ in range(calls):
                waits += pacer.book()
            runs.append((time.perf_counter() - started) / calls * 1e6)
    return {
        "available": True,
        "calls": calls,
        "limit": limit,
        "waited": waits,
        "us_per_request": [round(r, 1) for r in runs],
    }


# variant: (title, environment, module_defaults of the collection's modules)
FLEET_VARIANTS = {
    # with_simulator's environment sets a high SCALINGO_RATE_LIMIT for the tests: unset, the default applies.
    "pacing_on": ("collection, pacing on (`rate_limit` 60, the default)", {"SCALINGO_RATE_LIMIT": None}, {}),
    # Unpaced, a request may be refused for longer than the default 60 s of retries while 19 other forks
    # compete for the window; its task would fail and leave part of the work undone.
    "pacing_off": (
        "collection, pacing off (`SCALINGO_RATE_LIMIT=0`, `rate_limit_retry_timeout: 600`)",
        {"SCALINGO_RATE_LIMIT": "0"},
        {"rate_limit_retry_timeout": 600},
    ),
    "uri": ("`ansible.builtin.uri`: an exchange per app, `until` 429 (`retries: 30`, `delay: 10`)", {}, {}),
}


def fleet(sim, collections, repeats, apps=100, forks=20, limit=60, window=60, operation=0.2, variants=None):
    """The same fleet work three ways under Scalingo's rate limit (`limit` requests per `window` s per user)."""
    names = [f"fleet-{n:03d}" for n in range(1, apps + 1)]
    result = {"apps": apps, "forks": forks, "rate_limit": limit, "rate_window": window, "variants": {}}
    result["operation_seconds"] = operation
    for variant in variants or FLEET_VARIANTS:
        title, extra, defaults = FLEET_VARIANTS[variant]
        settle(sim, window)
        sim.admin("POST", "config", {"rate_limit": limit, "rate_window": window, "operation_duration": operation})
        tasks = fleet_uri_tasks() if variant == "uri" else fleet_tasks()
        print(f"  fleet: {title} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="scalingo-bench-fleet-cache-") as cache:
            timeout = 4 * apps * 10 / limit * window + 600  # far beyond any variant; a hung run still ends
            run = lib.run_fleet(sim, collections, tasks, names, forks, cache, timeout, defaults, **extra)
        sim.admin("POST", "config", {"rate_limit": None})  # the check below must not wait for the window
        left = [n for n in sim.app_names() if n in names]
        figures = fleet_figures(run, names, limit, window, left)
        figures["title"] = title
        result["variants"][variant] = figures
        print(
            f"  fleet: {variant}: {figures['requests']} requests, {figures['throttled_429']} 429, "
            f"{figures['exchanges']} exchanges, {figures['wall']} s (floor {figures['floor']} s)",
            flush=True,
        )
    sim.admin("POST", "config", {"rate_limit": None, "rate_window": 60})
    result["pacing_overhead"] = pacing_overhead(collections)
    return result


# ---------------------------------------------------------------- 7. load: a smaller fleet, every task kind
RESTART = "scalingo.cloud.scalingo_restart"


def load_tasks():
    """Per app (host): created, configured, deployed, scaled, restarted, read, deleted."""
    name = "{{ inventory_hostname }}"
    return [
        task("create", APP, {"name": name}),
        task("settings", APP, {"name": name, "force_https": True, "router_logs": True}),
        deploy_task(),
        task("scale", SCALE, {"app": name, "containers": [{"name": "web", "amount": 2}]}),
        task("restart", RESTART, {"app": name}),
        {**task("info", INFO, {"name": name}), "register": "info"},
        {
            "name": "the app is as configured",
            "ansible.builtin.assert": {"that": ["info.apps | length == 1", "info.apps[0].force_https"]},
        },
        task("delete", APP, {"name": name, "state": "absent"}),
    ]


def once_each(log, apps, method, suffix, status):
    """How many of `apps` got exactly one `method` request on /v1/apps/<app><suffix> answered `status`."""
    counts = dict.fromkeys(apps, 0)
    for e in log:
        for app in apps:
            if e["method"] == method and e["path"] == f"/v1/apps/{app}{suffix}" and e["status"] == status:
                counts[app] += 1
    return sum(1 for n in counts.values() if n == 1)


def load(sim, collections, repeats, apps=30, forks=10, limit=120, window=60, operation=0.5):
    """The same play twice under a rate limit of `limit` requests per `window` s: paced at `limit`, then unpaced
    (every refused request tried again, `rate_limit_retry_timeout: 600`)."""
    names = [f"load-app-{n:02d}" for n in range(1, apps + 1)]
    result = {"apps": apps, "forks": forks, "rate_limit": limit, "rate_window": window, "variants": {}}
    result["operation_seconds"] = operation
    variants = {
        "paced": (f"paced (`rate_limit` {limit}, the simulator's)", str(limit)),
        "unpaced": ("unpaced (`SCALINGO_RATE_LIMIT=0`)", "0"),
    }
    for variant, (title, rate_limit) in variants.items():
        sim.reset(rate_limit=limit, rate_window=window, operation_duration=operation)  # an empty window
        print(f"  load: {title} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="scalingo-bench-load-cache-") as cache:
            timeout = 4 * apps * 20 / limit * window + 600  # far beyond either run; a hung run still ends
            defaults = {"rate_limit_retry_timeout": 600}
            run = lib.run_fleet(
                sim, collections, load_tasks(), names, forks, cache, timeout, defaults, SCALINGO_RATE_LIMIT=rate_limit
            )
        sim.admin("POST", "config", {"rate_limit": None})  # the check below must not wait for the window
        left = [n for n in sim.app_names() if n in names]
        figures = fleet_figures(run, names, limit, window, left)
        log = run["log"]
        figures.update(
            title=title,
            scaled_once=once_each(log, names, "POST", "/scale", 202),
            restarted_once=once_each(log, names, "POST", "/restart", 202),
            # Anything but what the play expects (404: an app not there yet) or a refusal of the rate limit.
            unexpected=sorted(
                {
                    f"{e['method']} {e['path']} {e['status']}"
                    for e in log
                    if e["status"] >= 400 and e["status"] not in (404, 429)
                }
                | {f"{e['method']} {e['path']} {e['status']}" for e in log if e["status"] == 0}
            ),
        )
        result["variants"][variant] = figures
        print(
            f"  load: {variant}: {figures['requests']} requests, {figures['throttled_429']} 429, "
            f"{figures['exchanges']} exchanges, {figures['wall']} s",
            flush=True,
        )
    sim.reset()
    return result


# ---------------------------------------------------------------- 8. Ansible's parallelism: async, serial
PARALLEL_APPS = [f"par-app-{n}" for n in range(1, 7)]


def async_scale_tasks(apps):
    return [
        {
            **task(
                "scale without waiting here", SCALE, {"app": "{{ item }}", "containers": [{"name": "web", "amount": 2}]}
            ),
            "loop": apps,
            "async": 120,
            "poll": 0,
            "register": "jobs",
        },
        {
            "name": "wait for all of them",
            "ansible.builtin.async_status": {"jid": "{{ item.ansible_job_id }}"},
            "loop": "{{ jobs.results }}",
            "register": "done",
            "until": "done.finished",
            "retries": 60,
            "delay": 2,
        },
        {
            "name": "every scale changed its app and saw its operation done",
            "ansible.builtin.assert": {
                "that": [
                    "done.results | map(attribute='changed') is all",
                    "done.results | map(attribute='operation.status') | unique == ['done']",
                ]
            },
        },
        {
            "name": "forget the finished jobs",
            "ansible.builtin.async_status": {"jid": "{{ item.ansible_job_id }}", "mode": "cleanup"},
            "loop": "{{ jobs.results }}",
        },
    ]


def app_of(entry):
    """The app a request of the log was about, or None."""
    parts = entry["path"].split("/")
    return parts[3] if len(parts) > 3 and parts[1:3] == ["v1", "apps"] else None


def parallelism(sim, collections, repeats, apps=PARALLEL_APPS, operation=40.0, batch=2):
    """`async` + `poll: 0` scales whose operations wait side by side, then a `serial: batch` play whose
    batches follow one another; what happened is read from the request log and the operations' own times."""
    # Operations long enough for every scale to be sent before the first one ends, even on a busy machine:
    # the loop starts one job after the other, about 1 s apart, 4 s at a load average of 20 on 2 cores.
    sim.reset(operation_duration=operation)
    sim.create_apps(names=list(apps), deploy=WEB)
    run = lib.run_play(sim, collections, async_scale_tasks(list(apps)))
    log = run["log"]
    scales = [e for e in log if e["method"] == "POST" and e["path"].endswith("/scale")]
    followed = {}
    for e in log:
        if "/operations/" in e["path"]:
            followed.setdefault(app_of(e), e["path"].rsplit("/", 1)[-1])
    operations = [sim.operation(app, op) for app, op in followed.items()]
    finished = [lib.epoch(o["finished_at"]) for o in operations if o.get("finished_at")]
    first_finished = min(finished) if finished else None
    result = {
        "apps": len(apps),
        "operation_seconds": operation,
        "async": {
            "wall": round(run["wall"], 1),
            "scaled": sorted(app_of(e) for e in scales),
            "scale_statuses": sorted({e["status"] for e in scales}),
            "followed": sorted(followed),
            "operation_statuses": sorted({o["status"] for o in operations}),
            # > 0: the last operation was created (and the last scale sent) before the first one finished.
            "last_created_before_first_finished": round(
                first_finished - max(lib.epoch(o["created_at"]) for o in operations), 1
            )
            if operations and first_finished
            else None,
            "last_scale_before_first_finished": round(first_finished - max(e["time"] for e in scales), 1)
            if scales and first_finished
            else None,
        },
    }

    sim.reset(operation_duration=0.5)
    sim.create_apps(names=list(apps), deploy=WEB)
    tasks = [
        task("scale", SCALE, {"app": "{{ inventory_hostname }}", "containers": [{"name": "web", "amount": 3}]}),
        task("read", INFO, {"name": "{{ inventory_hostname }}"}),
    ]
    with tempfile.TemporaryDirectory(prefix="scalingo-bench-serial-cache-") as cache:
        run = lib.run_fleet(sim, collections, tasks, list(apps), 5, cache, 600, play_options={"serial": batch})
    entries = [e for e in run["log"] if app_of(e) in apps]
    batches = [list(apps[i : i + batch]) for i in range(0, len(apps), batch)]
    spans = [[e["seq"] for e in entries if app_of(e) in b] for b in batches]
    result["serial"] = {
        "batch": batch,
        "wall": round(run["wall"], 1),
        "hosts_failed": sorted(h for h, r in run["recap"].items() if r["failed"] or r["unreachable"]),
        "scaled": sorted(app_of(e) for e in entries if e["method"] == "POST" and e["path"].endswith("/scale")),
        # Per batch, the first and last `seq` of its requests: each batch's last before the next one's first.
        "spans": [[min(s), max(s)] if s else [] for s in spans],
    }
    sim.reset()
    return result


# ---------------------------------------------------------------- 9. several controllers on one token
def controller_tasks():
    """Per app (host): created with a setting, scaled and its operation waited for, deleted."""
    name = "{{ inventory_hostname }}"
    return [
        task("create with a setting", APP, {"name": name, "force_https": True}),
        deploy_task(),
        task("scale", SCALE, {"app": name, "containers": [{"name": "web", "amount": 2}]}),
        task("delete", APP, {"name": name, "state": "absent"}),
    ]


def controllers(sim, collections, repeats, count=3, apps=30, forks=10, limit=240, window=60, operation=10.0):
    """`count` controllers at once (each its own cache folder, as AWX execution nodes), each with `forks` forks over
    `apps` apps of its own, all on one token; each believes the simulator's whole limit is its own (`rate_limit`
    = `limit`). Figures from the request log: refusals, the work done once, wall time against the floor."""
    import threading

    names = {n: [f"ctl{n}-app-{i:02d}" for i in range(1, apps + 1)] for n in range(1, count + 1)}
    every = [app for group in names.values() for app in group]
    settle(sim, window)
    sim.admin("POST", "config", {"rate_limit": limit, "rate_window": window, "operation_duration": operation})
    seq = sim.last_seq()
    runs, caches = {}, [tempfile.TemporaryDirectory(prefix=f"scalingo-bench-ctl{n}-") for n in names]
    timeout = 4 * len(every) * 20 / limit * window + 600  # far beyond the expected run; a hung run still ends

    def one(n, cache):
        runs[n] = lib.run_fleet(
            sim, collections, controller_tasks(), names[n], forks, cache.name, timeout, SCALINGO_RATE_LIMIT=str(limit)
        )

    print(f"  controllers: {count} × {forks} forks × {apps} apps at {limit} a minute ...", flush=True)
    cpu, started = lib.cpu_of_children(), time.monotonic()
    threads = [threading.Thread(target=one, args=(n, caches[n - 1])) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.monotonic() - started, lib.cpu_of_children() - cpu
    for cache in caches:
        cache.cleanup()
    log = sim.requests_since(seq)
    sim.admin("POST", "config", {"rate_limit": None})
    left = [n for n in sim.app_names() if n in every]
    merged = {
        "wall": wall,
        "cpu": cpu,
        "returncode": max(r["returncode"] for r in runs.values()),
        "events": [e for r in runs.values() for e in r["events"]],
        "log": log,
        "recap": {h: v for r in runs.values() for h, v in r["recap"].items()},
    }
    figures = fleet_figures(merged, every, limit, window, left)
    figures.update(
        scaled_once=once_each(log, every, "POST", "/scale", 202),
        per_controller={
            str(n): {
                "requests": sum(1 for e in log if app_of(e) in group or created_name(e) in group),
                "throttled_429": sum(
                    1 for e in log if (app_of(e) in group or created_name(e) in group) and e["status"] == 429
                ),
                "wall": round(runs[n]["wall"], 1),
            }
            for n, group in names.items()
        },
        throttled_share=round(figures["throttled_429"] / figures["requests"], 4) if figures["requests"] else None,
    )
    print(
        f"  controllers: {figures['requests']} requests, {figures['throttled_429']} 429, {figures['wall']} s "
        f"(floor {figures['floor']} s)",
        flush=True,
    )
    sim.reset()
    return {
        "controllers": count,
        "apps": apps,
        "forks": forks,
        "rate_limit": limit,
        "rate_window": window,
        "operation_seconds": operation,
        "figures": figures,
    }


# ---------------------------------------------------------------- 10. unchanged apps, with and without read_cache
def read_cache(sim, collections, repeats, apps=300, forks=10, limit=600, read_cache_seconds=60):
    """`apps` unchanged apps (inventory hosts) reconciled by `scalingo_app`, without and with `read_cache`; the
    simulator and the pacing at `limit` a minute, so that the budget does not bind and requests are what differ."""
    names = [f"ro-app-{n:03d}" for n in range(1, apps + 1)]
    tasks = [task("unchanged", APP, {"name": "{{ inventory_hostname }}"})]
    result = {"apps": apps, "forks": forks, "rate_limit": limit, "read_cache": read_cache_seconds, "variants": {}}
    for variant, seconds in (("off", 0), ("on", read_cache_seconds)):
        sim.reset(rate_limit=limit, rate_window=60)
        sim.create_apps(names=names)
        print(f"  read_cache: {apps} unchanged apps, read_cache {seconds} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="scalingo-bench-read-cache-") as cache:
            run = lib.run_fleet(
                sim,
                collections,
                tasks,
                names,
                forks,
                cache,
                3600,
                SCALINGO_RATE_LIMIT=str(limit),
                SCALINGO_READ_CACHE=str(seconds),
            )
        log = run["log"]
        changed = sum(e.get("changed", 0) for e in run["events"] if e["task"] == "unchanged")
        result["variants"][variant] = {
            "read_cache": seconds,
            "requests": len(log),
            "exchanges": sum(1 for e in log if e["path"] == EXCHANGE_PATH),
            "listings": sum(1 for e in log if e["method"] == "GET" and e["path"] == "/v1/apps"),
            "app_reads": sum(1 for e in log if e["method"] == "GET" and app_of(e) is not None),
            "writes": sum(1 for e in log if e["method"] not in ("GET", "HEAD") and e["path"] != EXCHANGE_PATH),
            "throttled_429": sum(1 for e in log if e["status"] == 429),
            "hosts_failed": sorted(h for h, r in run["recap"].items() if r["failed"] or r["unreachable"]),
            "changed": changed,
            "wall": round(run["wall"], 1),
            "cpu": round(run["cpu"], 1),
            "minutes_at_60": round(len(log) / 60, 2),
        }
        print(f"  read_cache {seconds}: {len(log)} requests, {run['wall']:.0f} s", flush=True)
    sim.reset()
    return result
