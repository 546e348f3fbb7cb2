"""What the deployment tests need besides fakes.py: text answers and uploads to a pre-signed URL.

The scripted client of fakes.py fakes request() only. Here a deployment's output (text/plain) is
scripted as an Answer whose data is a str, and Client.upload (tested on its own in
tests/unit/plugins/module_utils) is scripted as a "PUT <upload URL>" request, so that a test reads
in one script everything the module sent, and check mode proves it uploaded nothing.
"""

from __future__ import annotations

from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    Answer,
    FakeClient,
    Outcome,
    fake_waiter,
)

TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def text(body, status=200, **headers):
    return Answer(status, body, dict(TEXT, **headers))


class DeployClient(FakeClient):
    get_text = Client.get_text

    def __init__(self, *script):
        super().__init__(*script)
        self.uploads = []
        self.files = []  # each file handed to upload(), to check it was closed

    def request(self, *args, **kwargs):
        reply = super().request(*args, **kwargs)
        if isinstance(reply.data, str):
            reply.text, reply.data = reply.data, None
        return reply

    def upload(self, url, source, action, deadline=None):
        """Client.upload's signature; scripted as a PUT. It is no API write: `wrote` stays as it was.

        `uploads` holds (url, the bytes uploaded); a file is read from where it stands, as Client.upload does.
        """
        self.files.append(source)
        wrote = self.wrote
        try:
            self.request("PUT", url, ok=(200,), action=action, deadline=deadline)
        finally:
            self.wrote = wrote
        self.uploads.append((url, source.read() if hasattr(source, "read") else source))


def run(resource_class, params, *script, check_mode=False):
    """fakes.run() with the DeployClient: the script used up, check mode sends and uploads nothing."""
    client = DeployClient(*script)
    waiter, clock = fake_waiter()
    outcome = Outcome(resource_class(client, params, check_mode=check_mode, waiter=waiter), client, clock)
    assert client.finished, f"scripted requests never made: {client.script} (sent: {client.sent})"
    if check_mode:
        assert client.mutations == [] and not client.wrote, f"check mode sent a change: {client.mutations}"
        assert client.uploads == []
    return outcome


def succeeds(resource_class, params, *script, check_mode=False):
    outcome = run(resource_class, params, *script, check_mode=check_mode)
    assert outcome.error is None, f"failed: {outcome.error.message}"
    return outcome


def fails(resource_class, params, *script, check_mode=False):
    outcome = run(resource_class, params, *script, check_mode=check_mode)
    assert outcome.error is not None, f"succeeded: {outcome.result}"
    return outcome
