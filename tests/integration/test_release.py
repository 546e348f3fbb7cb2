"""playbooks/release.yml, run by real ansible-playbook at -vvvv against the simulator: it backs the database up
(unless a backup is younger than backup_max_age), deploys, runs the migration attached, and scales only after a
migration that succeeded (the request log and the attach listener's runs show the order, that a failed migration
leaves the formation alone and names the backup to restore from)."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, SECRETS, assert_ok_and_secret_free, failures, run_playbook
from test_roles_playbooks import api, clear, fresh, log, sim

# The newest ansible-core only: a composition of modules whose targets run on both ansible-cores.
pytestmark = pytest.mark.newest_only

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


def with_database(url, backup_age=None):
    """The release app with a PostgreSQL database (and a backup `backup_age` seconds old): the addon and backup ids."""
    api(url, "POST", "/apps", {"app": {"name": "release-app"}})
    addon = sim(
        url, "POST", "/_sim/apps/release-app/addons", {"addon_provider_id": "postgresql", "plan": "postgresql-sandbox"}
    )
    addon_id = addon["addon"]["id"]
    sim(url, "POST", "/_sim/databases/config", {"backup_scheduled": 0.1, "backup_running": 0.2})
    backup = None
    if backup_age is not None:
        backup = sim(url, "POST", f"/_sim/databases/{addon_id}/backups", {"age": backup_age})["database_backup"]["id"]
    return addon_id, backup


def test_release_backs_up_deploys_migrates_then_scales(simulator, cache_dir, tmp_path):
    fresh(simulator)
    addon_id, old_backup = with_database(simulator, backup_age=7200)
    result = release(
        simulator,
        cache_dir,
        "-e",
        "app=release-app",
        "-e",
        "database=postgresql",
        "-e",
        f"archive={source(tmp_path)}",
        "-e",
        "git_ref=v2",
        "-e",
        '{"migrate_command": "echo migrating; migrate"}',
        "-e",
        '{"formation": [{"name": "web", "amount": 2}]}',
    )
    assert_ok_and_secret_free(result)
    output = result.stdout
    assert "CreateOrders: migrated" in output  # the migration's output, printed by the play
    # The only backup is two hours old, older than the default backup_max_age (1h): one is taken, first.
    assert posts(simulator) == [
        f"/api/databases/{addon_id}/backups",
        "/v1/sources",
        "/v1/apps/release-app/deployments",
        "/v1/apps/release-app/run",
        "/v1/apps/release-app/scale",
    ]
    (run,) = sim(simulator, "GET", "/_sim/runs")["runs"]
    assert (run["command"], run["state"], run["exit_code"]) == ("echo migrating; migrate", "exited", 0)
    formation = api(simulator, "GET", "/apps/release-app/containers")["containers"]
    assert [(c["name"], c["amount"]) for c in formation] == [("web", 2)]
    backups = sim(simulator, "GET", f"/_sim/databases/{addon_id}")["database"]["backups"]
    assert [(b["method"], b["status"]) for b in backups] == [("manual", "done"), ("periodic", "done")]
    assert backups[1]["id"] == old_backup
    assert f'"release-app: backup {backups[0]["id"]} taken",' in output


def test_a_failed_migration_stops_the_release_before_the_scale_and_names_the_backup(simulator, cache_dir, tmp_path):
    fresh(simulator)
    addon_id, recent = with_database(simulator, backup_age=60)
    result = release(
        simulator,
        cache_dir,
        "-e",
        "app=release-app",
        "-e",
        "database=postgresql",
        "-e",
        "backup_max_age=30m",
        "-e",
        f"archive={source(tmp_path)}",
        "-e",
        '{"migrate_command": "echo applying 20240102_add_index; red index already exists; exit 1"}',
        "-e",
        '{"formation": [{"name": "web", "amount": 3}]}',
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, failures(output)
    assert not SECRETS.findall(output)
    assert "exited with code 1; the last lines of its output:" in output and "index already exists" in output
    # A backup of a minute ago is recent enough: none was taken, and the failure names that one, and how to restore it.
    assert "/v1/apps/release-app/scale" not in posts(simulator)
    assert posts(simulator) == ["/v1/sources", "/v1/apps/release-app/deployments", "/v1/apps/release-app/run"]
    assert f"Its database was backed up before this release: backup {recent} of " in output
    assert "(younger than 30m, so none was taken now)" in output
    assert (
        f"run scalingo.cloud.scalingo_database_restore with app: release-app, addon: postgresql, backup: {recent}, "
        f"confirm: {addon_id}"
    ) in " ".join(output.split())
    assert "The formation was left as it was." in output
    formation = api(simulator, "GET", "/apps/release-app/containers")["containers"]
    assert [(c["name"], c["amount"]) for c in formation] == [("web", 1)]


def test_release_needs_its_extra_vars(simulator, cache_dir):
    fresh(simulator)
    result = release(simulator, cache_dir, "-e", "app=release-app")
    assert result.returncode == 2
    assert "give -e app=<app> and -e archive=" in result.stdout
    assert log(simulator) == []
