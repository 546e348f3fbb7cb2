"""What the deployment tests need besides fakes.py: text answers and uploads to a pre-signed URL.

A deployment's output (text/plain) is scripted as an Answer whose data is a str. An upload goes through
the real Client.upload to the scripted network like any request, scripted as "PUT <upload URL>"; the
DeployClient also lists it among the calls, so that a test reads in one script everything the module
sent, and check mode proves it uploaded nothing.
"""

from __future__ import annotations

from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import fakes
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import Answer, Call, FakeClient

TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def text(body, status=200, **headers):
    return Answer(status, body, dict(TEXT, **headers))


class DeployClient(FakeClient):
    def __init__(self, *script, clock=None):
        super().__init__(*script, clock=clock)
        self.files = []  # each file handed to upload(), to check it was closed

    def upload(self, url, source, action, deadline=None):
        """Client.upload, listed among the calls as a PUT (it is no API write: `wrote` stays as it was)."""
        self.files.append(source)
        self.calls.append(Call("PUT", url, json_body=None, params=None, headers=None, ok=(200,), deadline=deadline))
        return Client.upload(self, url, source, action, deadline)

    @property
    def uploads(self):
        """(url, the bytes sent) of each upload, as it went on the wire (with no credential of ours)."""
        return [(e.url, e.body) for e in self.transport.log if e.method == "PUT" and "Authorization" not in e.headers]


def succeeds(resource_class, params, *script, check_mode=False):
    return fakes.succeeds(resource_class, params, *script, check_mode=check_mode, client_class=DeployClient)


def fails(resource_class, params, *script, check_mode=False):
    return fakes.fails(resource_class, params, *script, check_mode=check_mode, client_class=DeployClient)
