"""Targets (met / not met) and bench/RESULTS.md, from the numbers of one run only."""

from __future__ import annotations

import itertools

from lib import median

CASE_TITLES = {
    "app_unchanged": "`scalingo_app` unchanged",
    "app_changed": "`scalingo_app` changed (settings)",
    "app_created": "`scalingo_app` created",
    "app_created_with_setting": "`scalingo_app` created with a setting",
    "scale_unchanged": "`scalingo_scale` unchanged",
    "scale_changed": "`scalingo_scale` changed",
    "app_info": "`scalingo_app_info` (`gather: []`)",
    "env_changed": "`scalingo_env` set (changed)",
    "env_unchanged": "`scalingo_env` set unchanged",
    "collaborator_changed": "`scalingo_collaborator` invite (changed)",
    "collaborator_unchanged": "`scalingo_collaborator` invite unchanged",
    "addon_changed": "`scalingo_addon` provision (changed)",
    "addon_unchanged": "`scalingo_addon` provision unchanged",
    "autoscaler_changed": "`scalingo_autoscaler` create (changed)",
    "autoscaler_unchanged": "`scalingo_autoscaler` create unchanged",
    "deployment_changed": "`scalingo_deployment` with a `git_ref` (changed)",
    "deployment_unchanged": "`scalingo_deployment` with a `git_ref` unchanged",
}
# The module each case needs, for "module not available" (the collection under test may be an older copy).
CASE_MODULES = {
    case: f"scalingo_{case.split('_')[0]}" for case in CASE_TITLES if not case.startswith(("app_", "scale_"))
}
CASE_MODULES["app_info"] = "scalingo_app_info"
# case: (requests allowed with a cached bearer, counted without the polls?)
REQUEST_TARGETS = {
    "app_unchanged": (1, False),
    "app_changed": (2, False),
    "scale_unchanged": (1, False),
    # The formation, the app's autoscalers (read only when an amount would change: an autoscaled type's
    # amount is left to its autoscaler), the scale.
    "scale_changed": (3, True),
    "app_info": (1, False),
    "env_unchanged": (1, False),
    "collaborator_unchanged": (1, False),
    "addon_unchanged": (1, False),
    "autoscaler_unchanged": (1, False),
    "deployment_unchanged": (1, False),
}
WAIT_TARGETS = {"1": (1.0, None), "5": (1.0, 7), "30": (6.0, 15)}
# deployment seconds: (noticed within s, at most polls)
DEPLOYMENT_WAIT_TARGETS = {"60": (6.0, 20)}


def fmt(value, digits=3):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def spread(values):
    """`a` when every repeat gave a, else `min–max`."""
    low, high = min(values), max(values)
    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def row(scenario, target, measured, met, why=""):
    return {"scenario": scenario, "target": target, "measured": measured, "met": met, "why": why}


# ------------------------------------------------------------------------- targets
def request_targets(s1):
    rows = []
    for case, (allowed, without_polls) in REQUEST_TARGETS.items():
        for bearer, extra in (("cached", 0), ("none", 1)):
            key = f"{bearer}:{case}"
            label = (
                f"{CASE_TITLES[case]}, {'bearer cached' if bearer == 'cached' else 'no bearer (bearer_cache: false)'}"
            )
            limit = allowed + extra
            what = f"{limit} request{'s' if limit > 1 else ''}" + (" + polls" if without_polls else "")
            if extra:
                what += " (the target + the token exchange)"
            runs = s1["cases"].get(key)
            if not runs:
                rows.append(
                    row(
                        1,
                        f"{label}: {what}",
                        "module not available",
                        None,
                        f"{CASE_MODULES.get(case, case)} was not in the collection when this run started",
                    )
                )
                continue
            failed = [r for r in runs if r["status"] != "ok"]
            if failed:
                rows.append(row(1, f"{label}: {what}", f"task failed: {failed[0]['msg']}", False, "the module failed"))
                continue
            counted = [r["requests"] - (r["polls"] if without_polls else 0) for r in runs]
            met = max(counted) <= limit
            why = "" if met else "sent: " + ", ".join(max(runs, key=lambda r: r["requests"])["calls"])
            rows.append(row(1, f"{label}: {what}", spread(counted) + (" + polls" if without_polls else ""), met, why))
    return rows


def time_targets(s2, s5, cores):
    plays = s2["plays"]
    per_task = {name: median([r["per_task"] for r in runs]) for name, runs in plays.items()}
    cpu = {name: median([r["cpu_per_task"] for r in runs]) for name, runs in plays.items()}
    ratio, cpu_ratio = per_task["scalingo_app"] / per_task["uri"], cpu["scalingo_app"] / cpu["uri"]
    met = ratio <= 1.0
    why = ""
    if met != (cpu_ratio <= 1.0):
        why = (
            f"wall time and CPU time disagree (CPU ratio {cpu_ratio:.3f}); the 1-minute load average was "
            f"{s2['load_average'][0]} before this scenario on {cores} cores: rerun on a quiet machine. "
        )
    if not met and s5 and "error" not in s5:
        alt = s5["alternatives_after_basic_ms"]
        why += (
            f"per task, scalingo_app spends {1000 * (per_task['scalingo_app'] - per_task['ping']):.0f} ms over ping and uri "
            f"{1000 * (per_task['uri'] - per_task['ping']):.0f} ms; the scalingo_app payload imports "
            f"{s5['scalingo_app']['extra_over_ping_ms']} ms more than ping's; `requests` alone costs "
            f"{alt['requests (today)']} ms after ansible.module_utils.basic, against "
            f"{alt['ansible.module_utils.urls (what uri uses)']} ms for what uri imports and "
            f"{alt['http.client + ssl (stdlib)']} ms for http.client + ssl"
        )
    rows = []
    if "scalingo_app_compared" in plays:
        other, other_cpu = per_task["scalingo_app_compared"], cpu["scalingo_app_compared"]
        rows.append(
            row(
                2,
                f"the same with the collection in {s2['compared']}, reported",
                f"{other / per_task['uri']:.3f} ({other:.3f} s per task); CPU time: {other_cpu / cpu['uri']:.3f} "
                f"({other_cpu:.3f} s)",
                None,
            )
        )
    app_requests = median([r["check_requests"] for r in plays["scalingo_app"]])
    uri_requests = median([r["play_requests"] for r in plays["uri"]])
    return [
        row(
            2,
            f"{s2['tasks']} unchanged `scalingo_app` tasks no slower than {s2['tasks']} `uri` checks (ratio ≤ 1.0, median time per task)",
            f"{ratio:.3f} ({per_task['scalingo_app']:.3f} s vs {per_task['uri']:.3f} s); CPU time: {cpu_ratio:.3f} "
            f"({cpu['scalingo_app']:.3f} s vs {cpu['uri']:.3f} s)",
            met,
            why,
        ),
        row(
            2,
            f"fewer requests than the `uri` play for {s2['tasks']} checks (uri: its exchange + one GET per check)",
            f"{fmt(app_requests)} vs {fmt(uri_requests)}",
            app_requests < uri_requests,
        ),
        row(
            2,
            "ratio to Ansible's floor (`ansible.builtin.ping`), reported",
            f"{per_task['scalingo_app'] / per_task['ping']:.3f} (CPU time: {cpu['scalingo_app'] / cpu['ping']:.3f})",
            None,
        ),
        *rows,
    ]


def wait_targets(s3):
    rows = []
    for duration, (late, polls) in WAIT_TARGETS.items():
        runs = s3["durations"].get(duration)
        if not runs:
            continue
        worst = max(r["late_task_end"] for r in runs)
        why = "" if worst <= late else f"polls at {runs[-1]['poll_offsets']} s after the operation was created"
        rows.append(
            row(
                3,
                f"a {duration} s operation noticed within {fmt(late)} s (operation end → task end, worst repeat)",
                f"{fmt(worst)} s",
                worst <= late,
                why,
            )
        )
        if polls is not None:
            most = max(r["polls"] for r in runs)
            why = "" if most <= polls else f"polls at {runs[-1]['poll_offsets']} s"
            rows.append(
                row(
                    3,
                    f"at most {polls} polls for a {duration} s operation",
                    spread([r["polls"] for r in runs]),
                    most <= polls,
                    why,
                )
            )
    return rows


def deployment_wait_targets(s3):
    rows = []
    for duration, (late, polls) in DEPLOYMENT_WAIT_TARGETS.items():
        runs = s3.get("deployments", {}).get(duration)
        if not runs:
            rows.append(
                row(
                    3,
                    f"a {duration} s deployment: at most {polls} polls, noticed within {fmt(late)} s",
                    "module not available",
                    None,
                    "scalingo_deployment was not in the collection when this run started",
                )
            )
            continue
        failed = [r for r in runs if r["status"] != "success"]
        if failed:
            rows.append(
                row(
                    3,
                    f"a {duration} s deployment followed to success",
                    f"status {failed[0]['status']}",
                    False,
                    failed[0]["msg"] or "",
                )
            )
            continue
        worst = max(r["late_task_end"] for r in runs)
        most = max(r["polls"] for r in runs)
        offsets = f"polls at {runs[-1]['poll_offsets']} s after the deployment was created"
        rows.append(
            row(
                3,
                f"a {duration} s deployment noticed within {fmt(late)} s (deployment end → task end, one run)",
                f"{fmt(worst)} s",
                worst <= late,
                "" if worst <= late else offsets,
            )
        )
        rows.append(
            row(
                3,
                f"at most {polls} polls for a {duration} s deployment",
                spread([r["polls"] for r in runs]),
                most <= polls,
                "" if most <= polls else offsets,
            )
        )
    return rows


def linear_check(s4):
    """Time per app from 10 to 1000 apps against time per app from 10 to 100 (with the noise of the repeats)."""
    times = {int(n): [r["seconds"] for r in runs] for n, runs in s4["apps"].items()}
    small, middle, large = sorted(times)
    base = median(times[small])
    noise = (max(times[small]) - min(times[small]) + max(times[middle]) - min(times[middle])) / (middle - small)
    per_app_middle = (median(times[middle]) - base) / (middle - small)
    per_app_large = (median(times[large]) - base) / (large - small)
    return per_app_middle, per_app_large, noise


def scale_targets(s4):
    if not s4.get("available"):
        return [
            row(
                4,
                "`scalingo_app_info` over 10, 100, 1000 apps and 500 child apps",
                "module not available",
                None,
                "scalingo_app_info was not in the collection when this run started",
            )
        ]
    counts = {n: max(r["requests"] for r in runs) for n, runs in s4["apps"].items()}
    children = s4["children"]
    most = max(r["requests"] for r in children["runs"])
    limit = children["pages"] + 1
    per_app_middle, per_app_large, noise = linear_check(s4)
    linear = per_app_large <= 2 * (max(per_app_middle, 0) + noise)
    return [
        row(
            4,
            "app list: one request (one page) whatever the number of apps",
            " / ".join(f"{counts[n]} ({n} apps)" for n in counts),
            all(c == 1 for c in counts.values()),
        ),
        row(
            4,
            f"{children['count']} child apps: at most one request per page ({children['pages']} pages of "
            f"{s4['max_per_page']}) + the app",
            f"{spread([r['requests'] for r in children['runs']])}",
            most <= limit,
            "" if most <= limit else "sent: " + ", ".join(children["runs"][0]["calls"][:3]) + ", …",
        ),
        row(
            4,
            "task time grows linearly with the apps (time per app 10→1000 ≤ 2 × time per app 10→100, ± the repeats' spread)",
            f"{1000 * per_app_large:.2f} ms/app vs {1000 * per_app_middle:.2f} ms/app (± {1000 * noise:.2f})",
            linear,
        ),
    ]


FLEET_TOLERANCE = 1.10  # pacing on: wall time at most 10 % over the floor
PACING_OVERHEAD_TARGET_US = 2000


def work_done(v, apps):
    """Every app created once and deleted once, none left, no host failed."""
    return (
        v["created_once"] == apps
        and v["deleted_once"] == apps
        and not v["left_behind"]
        and not v["created_twice"]
        and not v["hosts_failed"]
    )


def work_text(v, apps):
    text = f"{v['created_once']}/{apps} created once, {v['deleted_once']}/{apps} deleted"
    if v["created_twice"]:
        text += f", created twice: {len(v['created_twice'])}"
    if v["left_behind"]:
        text += f", left behind: {len(v['left_behind'])}"
    if v["hosts_failed"]:
        text += f", failed hosts: {len(v['hosts_failed'])}"
    return text


def failed_tasks(v):
    return "; ".join(f"{t['task']}: {t['failures'][0]}" for t in v["tasks"] if t.get("failures"))


def paced_targets(scenario, name, v, forks):
    """What a paced variant of scenario 6 or 7 must show: no request answered 429, one token exchange for all forks."""
    return [
        row(scenario, f"{name}: no request answered 429", fmt(v["throttled_429"]), v["throttled_429"] == 0),
        row(
            scenario,
            f"{name}: the token exchanged once for the {forks} forks",
            fmt(v["exchanges"]),
            v["exchanges"] == 1,
        ),
    ]


def fleet_targets(s6):
    rows, apps, variants = [], s6["apps"], s6["variants"]
    on = variants.get("pacing_on")
    if on:
        rows += paced_targets(6, "pacing on", on, s6["forks"])
        rows += [
            row(
                6,
                "pacing on: wall time within 10 % of the floor (admitted requests at "
                f"{s6['rate_limit']} per {fmt(float(s6['rate_window']))} s)",
                f"{on['wall_over_floor']:.3f} ({on['wall']:.0f} s vs {on['floor']:.0f} s)",
                on["wall_over_floor"] <= FLEET_TOLERANCE,
            ),
            row(
                6,
                f"pacing on: the work done ({apps} apps each created once and deleted, no task failed)",
                work_text(on, apps),
                work_done(on, apps),
                failed_tasks(on),
            ),
        ]
    for key in ("pacing_off", "uri"):
        v = variants.get(key)
        if v:
            rows.append(
                row(
                    6,
                    f"{v['title']}: reported",
                    f"{v['requests']} requests, {v['throttled_429']} answered 429, token exchanges: {v['exchanges']}, "
                    f"wall ÷ floor {v['wall_over_floor']:.3f} ({v['wall']:.0f} s); {work_text(v, apps)}",
                    None,
                )
            )
    overhead = s6.get("pacing_overhead") or {}
    target = f"pacing bookkeeping (lock, read, write of the budget file) under {PACING_OVERHEAD_TARGET_US // 1000} ms per request when nothing waits"
    if overhead.get("available"):
        us = median(overhead["us_per_request"])
        rows.append(
            row(
                6,
                target,
                f"{us:.0f} µs (median of {len(overhead['us_per_request'])} batches)",
                us < PACING_OVERHEAD_TARGET_US,
            )
        )
    else:
        rows.append(row(6, target, "no pacing in the collection", None, "the collection under test has no Pacer"))
    return rows


LOAD_TOLERANCE = 1.10  # paced: wall time at most 10 % over the unpaced run's


def load_work_done(v, apps):
    """Every app created, scaled, restarted and deleted once, none left, no host failed, nothing unexpected."""
    return work_done(v, apps) and v["scaled_once"] == apps and v["restarted_once"] == apps and not v["unexpected"]


def load_work_text(v, apps):
    text = f"{work_text(v, apps)}, {v['scaled_once']}/{apps} scaled once, {v['restarted_once']}/{apps} restarted once"
    if v["unexpected"]:
        text += f"; unexpected answers: {', '.join(v['unexpected'][:3])}"
    return text


def load_targets(s7):
    rows, apps, variants = [], s7["apps"], s7["variants"]
    paced, unpaced = variants.get("paced"), variants.get("unpaced")
    for v in (paced, unpaced):
        if v:
            rows.append(
                row(
                    7,
                    f"{v['title']}: the work done, nothing else answered but 404 and 429",
                    load_work_text(v, apps),
                    load_work_done(v, apps),
                    failed_tasks(v),
                )
            )
    if unpaced:
        rows.append(
            row(
                7,
                "unpaced: the rate limit refused requests (else the run proves nothing)",
                fmt(unpaced["throttled_429"]),
                unpaced["throttled_429"] > 0,
            )
        )
    if paced:
        rows += paced_targets(7, "paced", paced, s7["forks"])
        rows += [
            row(
                7,
                f"paced: no {fmt(float(s7['rate_window']))} s hold more than {s7['rate_limit']} requests",
                fmt(paced["peak_sent"]),
                paced["peak_sent"] <= s7["rate_limit"],
            ),
        ]
    if paced and unpaced:
        rows.append(
            row(
                7,
                "paced: wall time at most 10 % over unpaced (same run, same machine)",
                f"{paced['wall']:.0f} s vs {unpaced['wall']:.0f} s",
                paced["wall"] <= unpaced["wall"] * LOAD_TOLERANCE,
            )
        )
    return rows


def parallelism_targets(s8):
    apps = s8["apps"]
    a, b = s8["async"], s8["serial"]
    spans = b["spans"]
    ordered = all(spans) and all(x[1] < y[0] for x, y in itertools.pairwise(spans))
    return [
        row(
            8,
            f"async: the {apps} apps scaled once each (202), each module following its own operation to `done`",
            f"scaled {len(a['scaled'])} ({len(set(a['scaled']))} apps), answers {a['scale_statuses']}, "
            f"followed {len(a['followed'])}, operations {a['operation_statuses']}",
            len(a["scaled"]) == len(set(a["scaled"])) == apps
            and a["scale_statuses"] == [202]
            and len(a["followed"]) == apps
            and a["operation_statuses"] == ["done"],
        ),
        row(
            8,
            "async: the operations overlapped (the last created, and the last scale sent, before the first ended)",
            f"{fmt(a['last_created_before_first_finished'])} s / {fmt(a['last_scale_before_first_finished'])} s "
            "before the first end",
            (a["last_created_before_first_finished"] or 0) > 0 and (a["last_scale_before_first_finished"] or 0) > 0,
        ),
        row(
            8,
            f"serial: {b['batch']}: every app scaled once, no host failed, each batch's requests before the next's",
            f"scaled {len(b['scaled'])} ({len(set(b['scaled']))} apps), failed hosts {len(b['hosts_failed'])}, "
            f"batches (first–last request seq) {', '.join(f'{x[0]}–{x[1]}' for x in spans if x)}",
            len(b["scaled"]) == len(set(b["scaled"])) == apps and not b["hosts_failed"] and ordered,
        ),
    ]


CONTROLLERS_REFUSED = 0.02  # at most 2 % of the requests answered 429
CONTROLLERS_TOLERANCE = 1.20  # wall time at most 20 % over the floor
READ_CACHE_REQUESTS = 10


def controllers_targets(s9):
    v, apps = s9["figures"], s9["apps"] * s9["controllers"]
    return [
        row(
            9,
            f"{s9['controllers']} controllers: at most 2 % of the requests answered 429",
            f"{v['throttled_429']} of {v['requests']} ({100 * v['throttled_share']:.1f} %)",
            v["throttled_share"] <= CONTROLLERS_REFUSED,
        ),
        row(
            9,
            f"{s9['controllers']} controllers: nothing lost ({apps} apps each created, scaled and deleted once, no "
            "task failed, no answer but 404 and 429 besides the expected ones)",
            f"{work_text(v, apps)}, {v['scaled_once']}/{apps} scaled once",
            work_done(v, apps) and v["scaled_once"] == apps and v["other_errors"] == 0,
            failed_tasks(v),
        ),
        row(
            9,
            f"{s9['controllers']} controllers: wall time at most 20 % over the floor (admitted requests at "
            f"{s9['rate_limit']} per {fmt(float(s9['rate_window']))} s)",
            f"{v['wall_over_floor']:.3f} ({v['wall']:.0f} s vs {v['floor']:.0f} s)",
            v["wall_over_floor"] <= CONTROLLERS_TOLERANCE,
        ),
    ]


def read_cache_targets(s10):
    off, on = s10["variants"].get("off"), s10["variants"].get("on")
    rows = []
    if on:
        rows.append(
            row(
                10,
                f"{s10['apps']} unchanged apps with `read_cache: {s10['read_cache']}`: at most "
                f"{READ_CACHE_REQUESTS} requests, nothing changed, no task failed",
                f"{on['requests']} ({on['listings']} listings, {on['app_reads']} app reads, {on['exchanges']} "
                f"exchanges); changed {on['changed']}, failed {len(on['hosts_failed'])}",
                on["requests"] <= READ_CACHE_REQUESTS and not on["changed"] and not on["hosts_failed"],
            )
        )
    if off:
        rows.append(
            row(
                10,
                f"{s10['apps']} unchanged apps without `read_cache`: reported",
                f"{off['requests']} requests, {off['wall']:.0f} s",
                None,
            )
        )
    return rows


def targets(results):
    s = results["scenarios"]
    rows = []
    checks = [
        ("requests_per_task", lambda: request_targets(s["requests_per_task"])),
        ("task_time", lambda: time_targets(s["task_time"], s.get("startup"), results["meta"]["cpu_count"])),
        ("waiting", lambda: wait_targets(s["waiting"]) + deployment_wait_targets(s["waiting"])),
        ("scale_of_work", lambda: scale_targets(s["scale_of_work"])),
        ("startup", list),  # reported only, in its section
        ("fleet", lambda: fleet_targets(s["fleet"])),
        ("load", lambda: load_targets(s["load"])),
        ("parallelism", lambda: parallelism_targets(s["parallelism"])),
        ("controllers", lambda: controllers_targets(s["controllers"])),
        ("read_cache", lambda: read_cache_targets(s["read_cache"])),
    ]
    for number, (name, check) in enumerate(checks, start=1):
        if name not in s:
            continue
        if "error" in s[name]:
            rows.append(
                row(number, f"scenario {name}", "did not run to the end", False, s[name]["error"].splitlines()[0][:300])
            )
            continue
        rows.extend(check())
    return rows


# ------------------------------------------------------------------------- markdown
def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def verdict(target):
    """met / not met, or for a figure without a target: reported, or not measured (with why)."""
    if target["met"] is None:
        text = "not measured" if target["why"] else "reported"
    else:
        text = "met" if target["met"] else "**not met**"
    return text + (f" — {target['why']}" if target["why"] else "")


def section_requests(s1):
    rows = []
    for case, title in CASE_TITLES.items():
        cells = [title]
        for bearer in ("cached", "none"):
            runs = s1["cases"].get(f"{bearer}:{case}")
            if not runs:
                cells += ["module not available", "—"]
                continue
            polls = spread([r["polls"] for r in runs])
            cells += [
                spread([r["requests"] for r in runs]) + (f" ({polls} polls)" if polls != "0" else ""),
                fmt(median([r["seconds"] for r in runs])),
            ]
        rows.append(cells)
    sends = []
    for case, what in (
        ("scale_changed", "A changed scale"),
        ("env_changed", "A changed env"),
        ("collaborator_changed", "An invitation"),
        ("addon_changed", "A provisioned addon"),
        ("autoscaler_changed", "A created autoscaler"),
        ("deployment_changed", "A deployment"),
    ):
        runs = s1["cases"].get(f"cached:{case}")
        if runs:
            sends.append(f"{what} sends: {', '.join(collapse_polls(runs[0]['calls'])) or '—'}.")
    return "\n".join(
        [
            "## 1. Requests per task",
            "",
            f"From the simulator's request log, per task ({s1['repeats']} repeats; a range when they differ). "
            f"Scale operations and deployments last {s1['operation_seconds']} s, addons provision in "
            f'{s1.get("addon_provisioning_seconds", "—")} s. "No bearer" is `bearer_cache: false`. '
            "Each newer module's task runs twice on the same app: changed, then unchanged.",
            "",
            table(["task", "requests, bearer cached", "s", "requests, no bearer", "s"], rows),
            *(line for send in sends for line in ("", send)),
        ]
    )


def collapse_polls(calls):
    """The calls, with a run of the same GET repeated shown once with its count (×n)."""
    out = []
    for call in calls:
        if out and out[-1][0] == call:
            out[-1][1] += 1
        else:
            out.append([call, 1])
    return [call if n == 1 else f"{call} (×{n})" for call, n in out]


def section_time(s2):
    per_task = {name: median([r["per_task"] for r in runs]) for name, runs in s2["plays"].items()}
    cpu = {name: median([r["cpu_per_task"] for r in runs]) for name, runs in s2["plays"].items()}
    titles = {
        "ping": "`ansible.builtin.ping` (Ansible's floor)",
        "scalingo_app": "`scalingo.cloud.scalingo_app` (unchanged)",
        "uri": "`ansible.builtin.uri` (exchange once, GET, compare in Jinja)",
        "scalingo_app_compared": f"`scalingo_app` from {s2.get('compared')}",
    }
    rows = []
    for name, runs in s2["plays"].items():
        rows.append(
            [
                titles[name],
                fmt(median([r["wall"] for r in runs]), 2),
                fmt(per_task[name]),
                ", ".join(fmt(r["per_task"]) for r in runs),
                f"{per_task[name] / per_task['ping']:.3f}",
                f"{per_task[name] / per_task['uri']:.3f}",
                fmt(cpu[name]),
                f"{cpu[name] / cpu['ping']:.3f}",
                f"{cpu[name] / cpu['uri']:.3f}",
                fmt(median([r["check_requests"] for r in runs])),
                fmt(median([r["play_requests"] for r in runs])),
            ]
        )
    return "\n".join(
        [
            "## 2. Task time",
            "",
            f"Plays of {s2['tasks']} checks, each play run {len(s2['plays']['ping'])} times in rotating order; medians. "
            "Time per task = first check's start to last check's end, divided by the number of checks (each play's "
            "first task, a warm-up or uri's token exchange, is left out of it but not out of the play's time). "
            "CPU per task = CPU time (user + system) of all the play's processes, less that of a one-task play run in the "
            "same round, divided by the number of checks: it moves much less than wall time when other work shares the "
            f"machine (1-minute load average {s2['load_average'][0]} before this scenario, {s2['load_average'][1]} after).",
            "",
            table(
                [
                    "play",
                    "play s",
                    "per task s",
                    "per task, each run",
                    "÷ ping",
                    "÷ uri",
                    "CPU per task s",
                    "CPU ÷ ping",
                    "CPU ÷ uri",
                    "requests (checks)",
                    "requests (play)",
                ],
                rows,
            ),
        ]
    )


def section_waiting(s3):
    rows = []
    for duration, runs in s3["durations"].items():
        d = float(duration)
        rows.append(
            [
                f"{duration} s",
                spread([r["polls"] for r in runs]),
                fmt(median([r["late_last_poll"] for r in runs])),
                fmt(median([r["late_task_end"] for r in runs])),
                fmt(max(r["late_task_end"] for r in runs)),
                ", ".join(fmt(t, 1) for t in runs[0]["poll_offsets"]),
                fmt(d, 0),
                fmt(-(-d // 5), 0),
            ]
        )
    deployments = []
    for duration, runs in (s3.get("deployments") or {}).items():
        r = runs[0]
        deployments.append(
            [
                f"{duration} s",
                r["status"],
                fmt(r["polls"]),
                fmt(r["late_last_poll"]),
                fmt(r["late_task_end"]),
                ", ".join(fmt(t, 1) for t in r["poll_offsets"]),
                fmt(float(duration), 0),
                fmt(-(-float(duration) // 5), 0),
            ]
        )
    deployment_part = []
    if deployments:
        deployment_part = [
            "",
            '`scalingo_deployment` (with a `git_ref`) after `POST /_sim/next_deployment {"duration": N}`, run once '
            "(it is long). Polls = `GET` of the deployment; late = seconds from its `finished_at`. The waiter's policy: "
            "first poll at 0.5 s, then a quarter of the time elapsed, between 1 and 5 s.",
            "",
            table(
                [
                    "deployment",
                    "status",
                    "polls",
                    "late, last poll s",
                    "late, task end s",
                    "polls at (s after creation)",
                    "CLI polls",
                    "Terraform polls",
                ],
                deployments,
            ),
        ]
    return "\n".join(
        [
            "## 3. Waiting for an operation",
            "",
            f'`scalingo_scale` after `POST /_sim/next_operation {{"duration": N}}`, {len(next(iter(s3["durations"].values())))} repeats. '
            "Late = seconds from the operation's end (its `finished_at`) to the last poll / to the task's end. "
            "The last two columns are the anchors' poll counts for the same operation (Scalingo's CLI: 1 poll/s; "
            "its Terraform provider: every 5 s, up to 5 s late).",
            "",
            table(
                [
                    "operation",
                    "polls",
                    "late, last poll s",
                    "late, task end s (median)",
                    "(worst)",
                    "polls at (s after creation, 1st run)",
                    "CLI polls",
                    "Terraform polls",
                ],
                rows,
            ),
            *deployment_part,
        ]
    )


def section_scale(s4):
    if not s4.get("available"):
        return "## 4. Scale of work\n\n`scalingo.cloud.scalingo_app_info` was not available when this run started: not measured."
    rows = []
    for n, runs in s4["apps"].items():
        rows.append(
            [
                f"{n} apps (`gather: []`)",
                spread([r["requests"] for r in runs]),
                fmt(median([r["seconds"] for r in runs])),
                fmt(median(s4["api_seconds"][n]), 4),
                fmt(median([r["result_bytes"] for r in runs])),
            ]
        )
    children = s4["children"]
    rows.append(
        [
            f"1 app + {children['count']} child apps (`gather: [child_apps]`)",
            spread([r["requests"] for r in children["runs"]]),
            fmt(median([r["seconds"] for r in children["runs"]])),
            "—",
            fmt(median([r["result_bytes"] for r in children["runs"]])),
        ]
    )
    per_app_middle, per_app_large, noise = linear_check(s4)
    return "\n".join(
        [
            "## 4. Scale of work",
            "",
            f"`scalingo_app_info`, {len(children['runs'])} runs each (after a warm-up); the simulator serves at most "
            f"{s4['max_per_page']} items per page. API s = the simulator's own answer time for `GET /v1/apps`, measured "
            "directly from the benchmark (no Ansible).",
            "",
            table(["data", "requests", "task s (median)", "API s", "result bytes"], rows),
            "",
            f"Time per app: {1000 * per_app_middle:.2f} ms from 10 to 100 apps, {1000 * per_app_large:.2f} ms from 10 to 1000 "
            f"(repeats' spread: ± {1000 * noise:.2f} ms/app).",
        ]
    )


def section_startup(s5):
    rows = []
    for name in ("ping", "scalingo_app"):
        m = s5[name]
        rows.append(
            [
                f"`{name}`",
                fmt(min(m["adhoc"])),
                fmt(min(m["adhoc_cpu"])),
                fmt(min(m["payload_run"])),
                fmt(min(m["payload_cpu"])),
                fmt(m["payload_bytes"]),
                fmt(m["import_ms"], 1),
                fmt(m["extra_over_ping_ms"], 1),
            ]
        )
    extra = ", ".join(f"{k} {v}" for k, v in list(s5["scalingo_app"]["extra_by_package"].items())[:10])
    top = ", ".join(f"{k} {v}" for k, v in s5["scalingo_app"]["top_cumulative"][:8])
    alternatives = table(
        ["HTTP library", "ms imported after ansible.module_utils.basic"],
        [[k, fmt(v, 1)] for k, v in s5["alternatives_after_basic_ms"].items()],
    )
    return "\n".join(
        [
            "## 5. Module start-up",
            "",
            f"`ansible localhost -m <module>` wall time and the AnsiballZ payload (kept with ANSIBLE_KEEP_REMOTE_FILES=1) run "
            f"directly by Python: wall and CPU time (user + system, all processes), the best of {len(s5['ping']['adhoc'])} runs "
            "(start-up costs only grow with other load). Its size, "
            "and `python -X importtime` on it (self times summed, the run with the least).",
            "",
            table(
                [
                    "module",
                    "ad-hoc s",
                    "ad-hoc CPU s",
                    "payload run s",
                    "payload CPU s",
                    "payload bytes",
                    "imports ms",
                    "imports not in ping ms",
                ],
                rows,
            ),
            "",
            f"Imports `scalingo_app` adds to ping's (ms, by package): {extra}.",
            "",
            f"Largest cumulative imports of `scalingo_app` (ms): {top}.",
            "",
            alternatives,
        ]
    )


def minutes(seconds):
    return f"{seconds / 60:.1f}"


def variants_table(variants, window, work, times):
    """The table of scenario 6's or 7's variants: the work done (work(v)), what was sent, refused and admitted,
    `times` (header, value of a variant) columns, the busiest window and the CPU time."""
    busiest = f"busiest {fmt(float(window))} s"
    headers = ["variant", "work done", "requests sent", "answered 429", "token exchanges", "admitted"]
    headers += [header for header, _ in times] + [f"{busiest}: sent", f"{busiest}: admitted", "CPU s"]
    rows = [
        [v["title"], work(v), fmt(v["requests"]), fmt(v["throttled_429"]), fmt(v["exchanges"]), fmt(v["admitted"])]
        + [value(v) for _, value in times]
        + [fmt(v["peak_sent"]), fmt(v["peak_admitted"]), fmt(v["cpu"], 0)]
        for v in variants
    ]
    return table(headers, rows)


def timeline(v):
    """A variant's requests sent per minute, those answered 429 in brackets."""
    per_minute = ", ".join(f"{sent}" + (f" ({refused})" if refused else "") for sent, refused in v["per_minute"])
    return f"- {v['title']}: {per_minute}"


def section_fleet(s6):
    apps, limit, window = s6["apps"], s6["rate_limit"], s6["rate_window"]
    timelines, calls = [], []
    for v in s6["variants"].values():
        timelines.append(timeline(v))
        failures = failed_tasks(v)
        if failures:
            timelines.append(f"  Failed tasks: {failures}")
        calls.append(f"- {v['title']}: {', '.join(collapse_polls(v['calls_of_one_app']))}")
    overhead = s6.get("pacing_overhead") or {}
    if overhead.get("available"):
        cost = (
            f"Pacing bookkeeping when nothing waits (`Pacer.book()` in a loop, {overhead['calls']} calls a batch, on a "
            f"fresh budget file holding nearly {overhead['limit']} entries, its largest): "
            f"{', '.join(fmt(u, 0) for u in overhead['us_per_request'])} µs per request."
        )
    else:
        cost = "Pacing bookkeeping: not measured (the collection under test has no pacing)."
    return "\n".join(
        [
            "## 6. Fleet under the rate limit",
            "",
            f"{apps} apps (one inventory host each), {s6['forks']} forks; the simulator enforces {limit} requests per "
            f"{fmt(float(window))} s per user, as Scalingo does. Per app: created with a setting (`force_https`), "
            "deployed by the simulator's stand-in for a git push (its admin API: not counted), scaled from 1 to 2 `web` "
            f"containers (operations last {fmt(float(s6['operation_seconds']))} s) and its end waited for, deleted. Each variant "
            f"starts from an empty bearer cache and an empty rate window. Floor = admitted requests at {limit} per "
            f"{fmt(float(window))} s; busiest = the most requests in any {fmt(float(window))} s (admitted ones can't pass {limit}).",
            "",
            variants_table(
                s6["variants"].values(),
                window,
                lambda v: work_text(v, apps),
                [
                    ("floor min", lambda v: minutes(v["floor"])),
                    ("wall min", lambda v: minutes(v["wall"])),
                    ("wall ÷ floor", lambda v: f"{v['wall_over_floor']:.3f}"),
                ],
            ),
            "",
            "Requests sent per minute from the first (answered 429 in brackets):",
            "",
            *timelines,
            "",
            "One app's requests (the first app; the exchanges are not counted here):",
            "",
            *calls,
            "",
            cost,
        ]
    )


def section_load(s7):
    apps, limit, window = s7["apps"], s7["rate_limit"], s7["rate_window"]
    return "\n".join(
        [
            "## 7. Load: every task kind under the rate limit",
            "",
            f"{apps} apps (one inventory host each), {s7['forks']} forks; the simulator allows {limit} requests per "
            f"{fmt(float(window))} s per user (twice Scalingo's). Per app: created, configured (`force_https`, "
            "`router_logs`), deployed by the simulator's stand-in, scaled from 1 to 2 `web` containers (operations "
            f"last {fmt(float(s7['operation_seconds']))} s), restarted, read, deleted. The same play paced at {limit} and "
            "unpaced (`rate_limit_retry_timeout: 600`, so that refused requests keep trying), each from an empty bearer "
            "cache and an empty rate window. `make test` keeps a small case of it (`tests/integration/test_load.py`).",
            "",
            variants_table(
                s7["variants"].values(),
                window,
                lambda v: load_work_text(v, apps),
                [("wall min", lambda v: minutes(v["wall"]))],
            ),
            "",
            "Requests sent per minute from the first (answered 429 in brackets):",
            "",
            *map(timeline, s7["variants"].values()),
        ]
    )


def section_parallelism(s8):
    a, b = s8["async"], s8["serial"]
    return "\n".join(
        [
            "## 8. Ansible's parallelism: async and serial",
            "",
            f"{s8['apps']} apps. `async: 120, poll: 0` scales from one loop on localhost, collected with `async_status`, "
            f"whose operations last {fmt(float(s8['operation_seconds']))} s: the last operation was created "
            f"{fmt(a['last_created_before_first_finished'])} s, the last scale sent "
            f"{fmt(a['last_scale_before_first_finished'])} s, before the first operation ended (play: {fmt(a['wall'], 0)} s). "
            f"A `serial: {b['batch']}` play (scale, read) over the same apps: its batches' requests span the log's "
            f"sequence numbers {', '.join(f'{x[0]}–{x[1]}' for x in b['spans'] if x)} (play: {fmt(b['wall'], 0)} s).",
        ]
    )


def section_controllers(s9):
    v, window = s9["figures"], s9["rate_window"]
    per_minute = ", ".join(f"{sent}" + (f" ({refused})" if refused else "") for sent, refused in v["per_minute"])
    rows = [
        [f"controller {n}", fmt(c["requests"]), fmt(c["throttled_429"]), minutes(c["wall"])]
        for n, c in v["per_controller"].items()
    ]
    return "\n".join(
        [
            "## 9. Several controllers on one token",
            "",
            f"{s9['controllers']} `ansible-playbook` runs at once, as AWX execution nodes or concurrent job templates: "
            f"each with a cache folder of its own (so no shared budget file), {s9['forks']} forks and {s9['apps']} apps "
            f"of its own, all on one token, each with `rate_limit` {s9['rate_limit']}, the simulator's whole limit "
            f"({s9['rate_limit']} per {fmt(float(window))} s, scaled up from Scalingo's 60 to keep the run short). Per "
            "app: created with a setting, deployed by the simulator's stand-in, scaled from 1 to 2 `web` containers "
            f"and waited for (operations last {fmt(float(s9['operation_seconds']))} s), deleted. Floor = the admitted "
            "requests at the limit. Only the adaptive pacing shares the limit between them.",
            "",
            table(
                [
                    "requests sent",
                    "answered 429",
                    "token exchanges",
                    "admitted",
                    "floor min",
                    "wall min",
                    "wall ÷ floor",
                    f"busiest {fmt(float(window))} s: sent / admitted",
                    "CPU s",
                ],
                [
                    [
                        fmt(v["requests"]),
                        f"{fmt(v['throttled_429'])} ({100 * v['throttled_share']:.1f} %)",
                        fmt(v["exchanges"]),
                        fmt(v["admitted"]),
                        minutes(v["floor"]),
                        minutes(v["wall"]),
                        f"{v['wall_over_floor']:.3f}",
                        f"{v['peak_sent']} / {v['peak_admitted']}",
                        fmt(v["cpu"], 0),
                    ]
                ],
            ),
            "",
            table(["", "requests about its apps", "answered 429", "wall min"], rows),
            "",
            f"Requests sent per minute from the first (answered 429 in brackets): {per_minute}.",
        ]
    )


def section_read_cache(s10):
    rows = [
        [
            f"`read_cache: {v['read_cache']}`" if v["read_cache"] else "`read_cache` off (the default)",
            fmt(v["requests"]),
            fmt(v["listings"]),
            fmt(v["app_reads"]),
            fmt(v["exchanges"]),
            fmt(v["changed"]),
            fmt(len(v["hosts_failed"])),
            fmt(v["minutes_at_60"]),
            minutes(v["wall"]),
            fmt(v["cpu"], 0),
        ]
        for v in s10["variants"].values()
    ]
    return "\n".join(
        [
            "## 10. Unchanged apps with and without `read_cache`",
            "",
            f"{s10['apps']} apps (inventory hosts), {s10['forks']} forks, one `scalingo_app` task each that changes "
            f"nothing; the simulator and the pacing at {s10['rate_limit']} a minute so that the budget does not bind "
            'and the requests are what differ. "Minutes at 60" is what those requests take of Scalingo\'s real '
            "budget of 60 a minute.",
            "",
            table(
                [
                    "variant",
                    "requests",
                    "listings (`GET /v1/apps`)",
                    "app reads",
                    "token exchanges",
                    "changed",
                    "failed hosts",
                    "minutes at 60",
                    "wall min",
                    "CPU s",
                ],
                rows,
            ),
        ]
    )


def markdown(results):
    meta = results["meta"]
    rows = [[r["scenario"], r["target"], r["measured"], verdict(r)] for r in results["targets"]]
    parts = [
        "# Benchmark: API requests, task time and waiting",
        "",
        "Written by `make bench` (`bench/run.py`); every figure below was measured in the run that wrote this file. "
        "Raw numbers: [results.json](results.json).",
        "",
        f"Run {meta['date']} in {meta['seconds']:.0f} s on {meta['cpu_count']} cores (load average before: {meta['load_before']}), "
        f"Python {meta['python']}, ansible-core {meta['ansible_core']}, requests {meta['requests']}, against the local simulator.",
        "",
        *(line for note in meta.get("notes", []) for line in (note, "")),
        *(
            line
            for m in meta.get("merged", [])
            for line in (
                f"Exception: {', '.join(f'`{key}`' for key in m['scenarios'])} from a later run of its own "
                f"(`run.py --only … --merge`), {m['date']} in "
                f"{m['seconds']:.0f} s (load average before: {m['load_before']}), ansible-core {m['ansible_core']}.",
                "",
            )
        ),
        "## Targets",
        "",
        table(["#", "target", "measured", "result"], rows),
    ]
    sections = [
        ("requests_per_task", section_requests),
        ("task_time", section_time),
        ("waiting", section_waiting),
        ("scale_of_work", section_scale),
        ("startup", section_startup),
        ("fleet", section_fleet),
        ("load", section_load),
        ("parallelism", section_parallelism),
        ("controllers", section_controllers),
        ("read_cache", section_read_cache),
    ]
    for name, render in sections:
        data = results["scenarios"].get(name)
        if data is None:
            continue
        parts += [
            "",
            render(data)
            if "error" not in data
            else f"## {name}\n\nDid not run to the end: `{data['error'].splitlines()[0]}`",
        ]
    return "\n".join(parts) + "\n"
