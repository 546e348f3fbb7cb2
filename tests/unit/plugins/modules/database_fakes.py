"""The database API on the scripted client of fakes.py, to unit-test the database modules' decisions.

FakeDatabase is the real DatabaseApi above request(): its requests (paths /databases/<addon id>/...) are sent
through the FakeClient's request(), so the test's script answers them like the regional API's, and the client's
download() is replaced by one that writes a given archive (or half of it, then fails as a cut stream does).
"""

from __future__ import annotations

import hashlib

from ansible_collections.scalingo.cloud.plugins.module_utils._database import DatabaseApi

DB_API = "https://db-api.test.example"


class FakeDatabase(DatabaseApi):
    def __init__(self, client, addon_id="ad-1", provider="postgresql", app="my-app", archive=b"", cut=None):
        super().__init__(client, app, {"id": addon_id, "addon_provider": {"id": provider}}, "osc-fr1", DB_API)
        self.archive = archive
        self.cut = cut
        self.downloads = []
        client.download = self.download

    def request(self, method, path, json_body=None, params=None, ok=(200,), action=None, deadline=None):
        return self.client.request(method, path, json_body, params, None, ok, action, deadline)

    def download(self, url, handle, action, deadline=None):
        self.downloads.append(url)
        if self.cut is not None:
            handle.write(self.archive[: len(self.archive) // 2])
            raise self.cut
        handle.write(self.archive)
        return len(self.archive), hashlib.sha256(self.archive).hexdigest()


def on_database(resource_class, **options):
    """`resource_class` made on a FakeDatabase (with `options`) instead of the addon the task names."""

    class Scripted(resource_class):
        def __init__(self, client, params, check_mode=False, waiter=None):
            super().__init__(client, params, check_mode, waiter, db=FakeDatabase(client, **options))

    return Scripted
