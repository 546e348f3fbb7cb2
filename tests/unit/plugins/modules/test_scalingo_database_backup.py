from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from datetime import UTC, datetime

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_database_backup
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_backup import DatabaseBackup, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    answer,
    expect,
    fails,
    lost,
    succeeds,
    validated,
)

BACKUPS = "/databases/ad-1/backups"
ARCHIVE = b"\x1f\x8b a small archive"
URL = "https://db-api.test.example/api/databases/ad-1/backups/bk-new/download?token=dl-credential-0123456789"
Scripted = on_database(DatabaseBackup, archive=ARCHIVE)


def params(**options):
    return validated(scalingo_database_backup, waits=True, **{"app": "my-app", "addon": "postgresql", **options})


def backup(backup_id, age, status="done", method="periodic", **fields):
    # Ages are counted on the wall clock (the client's), as the module counts them.
    created = datetime.fromtimestamp(time.time() - age, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"id": backup_id, "status": status, "method": method, "created_at": created, "size": 17, **fields}


def listing(*backups):
    return expect("GET", BACKUPS, answer(200, {"database_backups": list(backups)}))


def shown(item, times=1):
    return expect("GET", f"{BACKUPS}/{item['id']}", answer(200, {"database_backup": item}), times=times)


def created(item):
    return expect("POST", BACKUPS, answer(201, {"database_backup": item}))


def archive(backup_id="bk-new"):
    return expect("GET", f"{BACKUPS}/{backup_id}/archive", answer(200, {"download_url": URL}))


def test_a_young_enough_backup_is_enough():
    outcome = succeeds(Scripted, params(max_age="1h"), listing(backup("bk-recent", 1800), backup("bk-old", 9000)))
    assert not outcome.changed and not outcome.result["taken"]
    assert outcome.result["backup"]["id"] == "bk-recent"
    assert outcome.client.mutations == []


def test_only_a_successful_backup_counts_for_max_age():
    failed = backup("bk-failed", 60, status="error")
    running = backup("bk-running", 30, status="running")
    outcome = succeeds(
        Scripted,
        params(max_age="1h"),
        listing(running, failed, backup("bk-old", 7200)),
        created(backup("bk-new", 0, status="scheduled", method="manual")),
        shown(backup("bk-new", 0, status="running", method="manual")),
        shown(backup("bk-new", 0, method="manual")),
    )
    assert outcome.changed and outcome.result["taken"]
    assert outcome.result["backup"]["status"] == "done"
    assert [call.method for call in outcome.client.mutations] == ["POST"]


def test_check_mode_says_a_backup_would_be_taken():
    outcome = succeeds(Scripted, params(max_age="30m"), listing(backup("bk-old", 7200)), check_mode=True)
    assert outcome.changed and outcome.result["taken"]
    assert outcome.result["backup"]["id"] is None


def test_a_failed_backup_reports_the_platforms_status_and_message():
    outcome = fails(
        Scripted,
        params(),
        listing(),
        created(backup("bk-new", 0, status="scheduled", method="manual")),
        shown(backup("bk-new", 0, status="error", method="manual", message="not enough disk space")),
    )
    assert outcome.error.changed
    assert outcome.error.message == (
        "backup bk-new of the postgresql database ad-1 of app 'my-app' ended with status error: not enough disk space"
    )


def test_a_lost_creation_is_found_in_the_list_not_sent_again():
    outcome = succeeds(
        Scripted,
        params(),
        listing(backup("bk-old", 7200)),
        expect("POST", BACKUPS, lost()),
        listing(backup("bk-new", 0, status="running", method="manual"), backup("bk-old", 7200)),
        shown(backup("bk-new", 0, method="manual")),
    )
    assert outcome.result["backup"]["id"] == "bk-new"
    assert [call.method for call in outcome.client.mutations] == ["POST"]


def test_a_lost_creation_that_never_shows_fails_without_a_second_backup():
    outcome = fails(
        Scripted,
        params(wait_timeout=10),
        listing(backup("bk-old", 7200)),
        expect("POST", BACKUPS, lost()),
        expect("GET", BACKUPS, answer(200, {"database_backups": [backup("bk-old", 7200)]}), repeat=True),
    )
    assert outcome.error.changed
    assert "so none was requested again" in outcome.error.message
    assert [call.method for call in outcome.client.mutations] == ["POST"]


def test_the_download_is_atomic_private_and_skipped_when_the_file_holds_it(tmp_path):
    path = str(tmp_path / "dump.tar.gz")
    script = (listing(backup("bk-new", 60)), archive())
    first = succeeds(Scripted, params(backup="latest", download_to=path), *script)
    assert first.changed
    digest = hashlib.sha256(ARCHIVE).hexdigest()
    assert first.result["download"] == {"path": path, "size": len(ARCHIVE), "sha256": digest, "changed": True}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["dump.tar.gz"]
    # The URL is a credential: never in the result, and one of the run's secrets.
    assert URL not in json.dumps(first.result) and URL in first.client.secrets()
    again = succeeds(Scripted, params(backup="latest", download_to=path), *script)
    assert not again.changed and not again.result["download"]["changed"]
    assert again.diff["before"] == {"backup": {"id": "bk-new", "status": "done"}, "download": None}


def test_a_cut_download_leaves_the_old_file_and_no_part_of_the_new_one(tmp_path):
    path = tmp_path / "dump.tar.gz"
    path.write_bytes(b"the older archive")
    cut = ScalingoError("could not download: the download was cut short after 8 bytes")
    outcome = fails(
        on_database(DatabaseBackup, archive=ARCHIVE, cut=cut),
        params(backup="bk-new", download_to=str(path)),
        shown(backup("bk-new", 60)),
        archive(),
    )
    assert "cut short" in outcome.error.message
    assert path.read_bytes() == b"the older archive"
    assert os.listdir(tmp_path) == ["dump.tar.gz"]


def test_a_backup_not_done_is_not_downloaded(tmp_path):
    outcome = fails(
        Scripted, params(backup="bk-new", download_to=str(tmp_path / "x")), shown(backup("bk-new", 5, "running"))
    )
    assert outcome.error.message.endswith("is running: it can't be downloaded yet")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"max_age": "an hour"}, "max_age 'an hour' is not an age: give one such as 90s, 30m, 1h, 2d or 1h30m"),
        ({"max_age": "0h"}, "max_age '0h' is not an age"),
        ({"backup": "latest"}, "backup names a backup to download: give download_to"),
        ({"backup": "latest", "max_age": "1h", "download_to": "/tmp/x"}, "backup names an existing backup"),
        ({"download_to": "/no/such/folder/x.tar.gz"}, "download_to: the folder /no/such/folder does not exist"),
        ({"download_to": "/tmp"}, "download_to /tmp is a folder"),
        ({"download_to": "/tmp/x.tar.gz", "wait": False}, "download_to needs wait=true"),
    ],
)
def test_input_problems(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
