"""Compare a contract recording with the reference: python tests/contract/compare.py REFERENCE RECORDING.

The reference is what the API answered (a live recording, once a maintainer ran `make contract`). Every
step of the reference must be in the recording (steps are the playbook's tasks, in order), every exchange of
a step answered with the same status, the same kind of body, and every key and type of the reference's
answer present in the recording's. The recording may hold more (keys the real API left out, a step the live
run did not need, such as deleting a leftover app): that is listed as a note, not as a difference.
Rate-limit refusals and gateway errors (429, 502, 503, 504) are retried by the client: they are not compared.
"""

from __future__ import annotations

import json
import sys

TRANSIENT = (0, 429, 502, 503, 504)


def occurrences(steps: list[dict]) -> dict:
    """Steps keyed by (task name, occurrence): a task file included twice gives two steps of one name."""
    keyed, seen = {}, {}
    for step in steps:
        seen[step["task"]] = seen.get(step["task"], 0) + 1
        keyed[(step["task"], seen[step["task"]])] = step
    return keyed


def types(text: str) -> set:
    return set(text.split("|"))


def compare(reference: dict, recording: dict) -> tuple[list[str], list[str]]:
    """(differences, notes) between a reference recording and another recording of the same playbooks."""
    differences, notes = [], []
    for refused in recording.get("refused", []):
        differences.append(f"{refused['task']}: {refused['method']} {refused['path']} refused: {refused['reason']}")
    ours, theirs = occurrences(reference["steps"]), occurrences(recording["steps"])
    for key, step in ours.items():
        task = key[0]
        other = theirs.get(key)
        compared = [e for e in step["exchanges"] if e["status"] not in TRANSIENT]
        reported = set()  # routes whose status already differed
        if other is None:
            if compared:
                sent = ", ".join(f"{e['method']} {e['path']}" for e in compared)
                differences.append(f"{task}: sent nothing in this step; the reference sent {sent}")
            continue
        for exchange in compared:
            where = f"{task}: {exchange['method']} {exchange['path']}"
            same_route = [
                e for e in other["exchanges"] if (e["method"], e["path"]) == (exchange["method"], exchange["path"])
            ]
            answered = [e for e in same_route if e["status"] == exchange["status"]]
            if not same_route:
                differences.append(f"{where}: not sent (the reference answered {exchange['status']})")
                continue
            if not answered:
                reported.add((exchange["method"], exchange["path"]))
                statuses = ", ".join(str(e["status"]) for e in same_route)
                differences.append(f"{where}: answered {statuses}; the reference answered {exchange['status']}")
                continue
            mine = answered[0]
            where = f"{where} {exchange['status']}"
            if mine["body"] != exchange["body"]:
                differences.append(f"{where}: a {mine['body']} body; the reference's is {exchange['body']}")
            for path, kinds in exchange["shape"].items():
                found = mine["shape"].get(path)
                if found is None:
                    differences.append(f"{where}: {path} ({kinds}) is missing")
                elif not types(kinds) <= types(found):
                    differences.append(f"{where}: {path} is {found}; the reference has {kinds}")
            for path in sorted(set(mine["shape"]) - set(exchange["shape"])):
                notes.append(f"{where}: {path} ({mine['shape'][path]}) is not in the reference")
        for exchange in other["exchanges"]:
            if exchange["status"] in TRANSIENT:
                continue
            route = (exchange["method"], exchange["path"])
            if not any((e["method"], e["path"]) == route for e in compared):
                notes.append(
                    f"{task}: {exchange['method']} {exchange['path']} {exchange['status']} is not in the reference"
                )
            elif route not in reported and not any(
                (e["method"], e["path"], e["status"]) == (*route, exchange["status"]) for e in compared
            ):
                differences.append(
                    f"{task}: {exchange['method']} {exchange['path']}: also answered {exchange['status']}, "
                    "which the reference never did"
                )
    for key in [key for key in theirs if key not in ours]:
        notes.append(f"{key[0]}: a step that is not in the reference")
    return differences, notes


def report(differences: list[str], notes: list[str], reference_name: str) -> str:
    lines = [f"{len(differences)} difference(s) with {reference_name}:"] + [f"  - {d}" for d in differences]
    if notes:
        lines += [f"{len(notes)} note(s), not failures:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        reference = json.load(handle)
    with open(sys.argv[2], encoding="utf-8") as handle:
        recording = json.load(handle)
    differences, notes = compare(reference, recording)
    print(report(differences, notes, sys.argv[1]))
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
