"""playbooks/release.yml, run by real ansible-playbook at -vvvv against the simulator: it deploys, runs the
migration attached, and scales only after a migration that succeeded (the request log and the attach listener's
runs show the order, and that a failed migration leaves the formation alone)."""

from __future__ import annotations

import json
import os

from conftest import ROOT, SECRETS, assert_ok_and_secret_free, failures, run_playbook
from test_roles_playbooks import api, clear, fresh, log, sim

RELEASE = os.path.join(ROOT, "playbooks", "release.yml")


def source(tmp_path):
    folder = tmp_path / "shop"
    (folder / "public").mkdir(parents=True)
    (folder / "Procfile").write_text("web: python -m http.server $PORT\n", encoding="utf-8")
    (folder / "public" / "index.html").write_text("<h1>shop</h1>\n", encoding="utf-8")
    return str(folder)


def release(url, cache_dir, *extra):
    clear(url)
    return run_playbook(url, cache_dir, RELEASE, *extra)


def posts(url):
    return [entry["path"] for entry in log(url) if entry["method"] == "POST" and entry["mutating"]]


def release_app(url, cache_dir, tmp_path, migrate_command, amount, *extra):
    """The release of a new app's source with `migrate_command`, asking for `amount` web containers."""
    fresh(url)
    api(url, "POST", "/apps", {"app": {"name": "release-app"}})
    return release(
        url,
        cache_dir,
        "-e",
        "app=release-app",
        "-e",
        f"archive={source(tmp_path)}",
        "-e",
        json.dumps({"migrate_command": migrate_command, "formation": [{"name": "web", "amount": amount}]}),
        *extra,
    )


def web_containers(url):
    return [(c["name"], c["amount"]) for c in api(url, "GET", "/apps/release-app/containers")["containers"]]


def test_release_deploys_migrates_then_scales(simulator, cache_dir, tmp_path):
    result = release_app(simulator, cache_dir, tmp_path, "echo migrating; migrate", 2, "-e", "git_ref=v2")
    assert_ok_and_secret_free(result)
    output = result.stdout
    assert "CreateOrders: migrated" in output  # the migration's output, printed by the play
    assert posts(simulator) == [
        "/v1/sources",
        "/v1/apps/release-app/deployments",
        "/v1/apps/release-app/run",
        "/v1/apps/release-app/scale",
    ]
    (run,) = sim(simulator, "GET", "/_sim/runs")["runs"]
    assert (run["command"], run["state"], run["exit_code"]) == ("echo migrating; migrate", "exited", 0)
    assert web_containers(simulator) == [("web", 2)]


def test_a_failed_migration_stops_the_release_before_the_scale(simulator, cache_dir, tmp_path):
    migrate = "echo applying 20240102_add_index; red index already exists; exit 1"
    result = release_app(simulator, cache_dir, tmp_path, migrate, 3)
    output = result.stdout + result.stderr
    assert result.returncode == 2, failures(output)
    assert not SECRETS.findall(output)
    assert "exited with code 1; the last lines of its output:" in output and "index already exists" in output
    assert "/v1/apps/release-app/scale" not in posts(simulator)
    assert posts(simulator)[-1] == "/v1/apps/release-app/run"
    assert web_containers(simulator) == [("web", 1)]


def test_release_needs_its_extra_vars(simulator, cache_dir):
    fresh(simulator)
    result = release(simulator, cache_dir, "-e", "app=release-app")
    assert result.returncode == 2
    assert "give -e app=<app> and -e archive=" in result.stdout
    assert log(simulator) == []
