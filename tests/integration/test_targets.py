"""Every integration target, run by real ansible-playbook at -vvvv against the real simulator.

A target passes when its own assertions pass (they read the simulator's request log) and when
nothing that looks like a secret appears anywhere in the -vvvv output, which is kept in
tests/output/integration/<target>.log.
"""

from __future__ import annotations

import os

import pytest
from conftest import HERE, ROOT, assert_ok_and_secret_free, run_playbook

TARGETS = sorted(
    name
    for name in os.listdir(os.path.join(HERE, "targets"))
    if not name.startswith("setup_") and os.path.exists(os.path.join(HERE, "targets", name, "tasks", "main.yml"))
)


@pytest.mark.parametrize("target", TARGETS)
def test_target(simulator, cache_dir, target):
    result = run_playbook(simulator, cache_dir, os.path.join(HERE, "target.yml"), "-e", f"target={target}")
    kept = os.path.join(ROOT, "tests", "output", "integration")
    os.makedirs(kept, exist_ok=True)
    with open(os.path.join(kept, f"{target}.log"), "w", encoding="utf-8") as handle:
        handle.write(result.stdout + result.stderr)
    assert_ok_and_secret_free(result)
