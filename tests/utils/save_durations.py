"""Writes tests/integration/durations.json from the durations the last integration runs left in pytest's cache.

The integration tests start the longest first (tests/integration/conftest.py). A fresh clone has no cache: it
orders them by this file, which a maintainer refreshes after a run of `make integration` when tests were added or
got much longer or shorter: `python tests/utils/save_durations.py`.
"""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".pytest_cache", "v", "scalingo", "integration-durations")
TARGET = os.path.join(ROOT, "tests", "integration", "durations.json")


def main() -> int:
    try:
        with open(CACHE, encoding="utf-8") as handle:
            measured = json.load(handle)
    except FileNotFoundError:
        print(f"no durations in {os.path.relpath(CACHE, ROOT)}: run make integration first", file=sys.stderr)
        return 1
    with open(TARGET, "w", encoding="utf-8") as handle:
        json.dump({nodeid: round(seconds) for nodeid, seconds in sorted(measured.items())}, handle, indent=1)
        handle.write("\n")
    print(f"wrote {len(measured)} durations to {os.path.relpath(TARGET, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
