"""Benchmark of the scalingo.cloud collection against the local simulator (issue 7).

    make bench                      # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --only 2 5 --collections /tmp/patched --out /tmp/patched-results
    .venv/bin/python bench/run.py --only 6 --merge  # the fleet (about 45 min), merged into the last results

Starts the simulator, runs the ten scenarios (bench/scenarios.py), writes results.json and RESULTS.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import tempfile
import time
import traceback

import lib
import report
import requests
import scenarios

# (number, key, function, repeats): small counts, the first five stay around six minutes; the fleet (6)
# runs three plays at Scalingo's real 60 requests a minute, about 45 minutes; the load (7), two plays at
# 120 a minute, about 8 minutes; the parallelism (8) about 2 minutes.
SCENARIOS = [
    (1, "requests_per_task", scenarios.requests_per_task, 2),
    (2, "task_time", scenarios.task_time, 3),
    (3, "waiting", scenarios.waiting, 2),
    (4, "scale_of_work", scenarios.scale_of_work, 3),
    (5, "startup", scenarios.startup, 5),
    (6, "fleet", scenarios.fleet, 1),
    (7, "load", scenarios.load, 1),
    (8, "parallelism", scenarios.parallelism, 1),
    (9, "controllers", scenarios.controllers, 1),
    (10, "read_cache", scenarios.read_cache, 1),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--collections",
        default=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(lib.ROOT, "build", "collections"),
        help="directory holding ansible_collections/scalingo/cloud (default: $ANSIBLE_COLLECTIONS_PATH)",
    )
    parser.add_argument("--only", type=int, nargs="*", help="scenario numbers to run (default: all)")
    parser.add_argument("--out", default=lib.BENCH, help="directory for results.json and RESULTS.md (default: bench/)")
    parser.add_argument(
        "--compare", help="another collections directory (a patched copy): its scalingo_app joins scenario 2"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other scenarios of the results.json already in --out (this run's replace theirs)",
    )
    return parser.parse_args()


def metadata():
    from ansible.release import __version__ as ansible_version

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu_count": os.cpu_count(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "requests": requests.__version__,
    }


def run_scenarios(sim, collections, only, compare=None):
    results = {}
    for number, key, function, repeats in SCENARIOS:
        if only and number not in only:
            continue
        run = functools.partial(function, compare=compare) if compare and function is scenarios.task_time else function
        started, load = time.monotonic(), os.getloadavg()[0]
        print(f"scenario {number}: {key} ...", flush=True)
        try:
            results[key] = run(sim, collections, repeats)
        except Exception:  # one scenario's failure is reported; the others still run
            results[key] = {"error": traceback.format_exc()}
            print(results[key]["error"], file=sys.stderr)
        results[key]["elapsed"] = round(time.monotonic() - started, 1)
        results[key]["load_average"] = [round(load, 2), round(os.getloadavg()[0], 2)]  # 1-minute, before and after
        print(f"scenario {number}: {key} done in {results[key]['elapsed']} s", flush=True)
    return results


def merged(path, results):
    """The results in `path` with this run's scenarios put in (or replacing theirs); this run's metadata
    goes to meta["merged"], which RESULTS.md shows beside the scenarios it concerns."""
    if not os.path.exists(path):
        return results
    with open(path, encoding="utf-8") as handle:
        earlier = json.load(handle)
    meta = dict(results["meta"], scenarios=sorted(results["scenarios"]))
    keys = set(results["scenarios"])
    earlier["meta"]["merged"] = [m for m in earlier["meta"].get("merged", []) if not set(m["scenarios"]) <= keys]
    earlier["meta"]["merged"].append(meta)
    earlier["scenarios"].update(results["scenarios"])
    return {"meta": earlier["meta"], "scenarios": earlier["scenarios"]}


def main():
    args = parse_args()
    collections = os.path.abspath(args.collections.split(os.pathsep)[0])
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "scalingo", "cloud")):
        sys.exit(f"no scalingo.cloud collection under {collections}: run `make collection` (or give --collections)")
    started = time.monotonic()
    meta = metadata()
    process, url = lib.start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="scalingo-bench-cache-") as cache_dir:
            compare = os.path.abspath(args.compare) if args.compare else None
            results = {
                "meta": meta,
                "scenarios": run_scenarios(lib.Sim(url, cache_dir), collections, args.only, compare),
            }
    finally:
        lib.stop_simulator(process)
    meta["seconds"] = round(time.monotonic() - started, 1)
    meta["collections"] = collections
    if args.merge:
        results = merged(os.path.join(args.out, "results.json"), results)
    results["targets"] = report.targets(results)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
    with open(os.path.join(args.out, "RESULTS.md"), "w", encoding="utf-8") as handle:
        handle.write(report.markdown(results))
    missed = [t for t in results["targets"] if t["met"] is False]
    print(f"wrote {args.out}/RESULTS.md and results.json in {meta['seconds']:.0f} s; {len(missed)} target(s) not met")
    for target in missed:
        print(f"  not met: {target['target']}: {target['measured']}")
    sys.exit(1 if any("error" in s for s in results["scenarios"].values()) else 0)


if __name__ == "__main__":
    main()
