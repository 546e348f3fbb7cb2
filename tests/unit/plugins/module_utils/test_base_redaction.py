"""The edge (ScalingoModule.run and fail) cleans what a task shows of the task's secret values and credentials."""

from __future__ import annotations

import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import ScalingoModule
from ansible_collections.scalingo.cloud.plugins.module_utils._redact import MARKER
from ansible_collections.scalingo.cloud.plugins.module_utils._resource import Resource
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import FakeClient

BEARER = "eyJhbGciOiJIUzUxMiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl"
VALUE = "s3cr3t-line-one\n  s3cr3t-line-two"
TOKEN = "tk-us-unit"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


class Ended(Exception):
    pass


class FakeAnsibleModule:
    """What ScalingoModule uses of AnsibleModule; the task's end is recorded, not printed."""

    def __init__(self, no_log_values):
        self.no_log_values = set(no_log_values)
        self.check_mode = False
        self._diff = False
        self.warnings = []
        self.ended = None

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **result):
        self.ended = dict(result, failed=True)
        raise Ended

    def exit_json(self, **result):
        self.ended = result
        raise Ended


def module(client, no_log_values):
    m = ScalingoModule.__new__(ScalingoModule)
    m.module = FakeAnsibleModule(no_log_values)
    m.params = {"app": "my-app"}
    m.client = lambda: client
    client.secret_values = tuple(no_log_values)
    return m


def ended(m, resource_class):
    with pytest.raises(Ended):
        m.run(resource_class)
    return json.dumps({"result": m.module.ended, "warnings": m.module.warnings})


def test_a_failure_quoting_secret_values_in_every_form_shows_none():
    collapsed = " ".join(VALUE.split())

    class Echoing(Resource):
        def run(self):
            self.warnings.append(f"the API said {collapsed}")
            self.client._bearer = BEARER
            raise ScalingoError(
                f"could not set: {collapsed} / {json.dumps(KEY)} / {BEARER}",
                status=422,
                error=" ".join(KEY.split()),
                errors={"value": [VALUE], BEARER: "x"},
                result={"output": f"Authorization: Bearer {BEARER}\n{VALUE}"},
            )

    shown = ended(module(FakeClient(), {VALUE, KEY, TOKEN}), Echoing)
    for piece in ("s3cr3t", "PRIVATE KEY", "MIIEvQ", BEARER, "Authorization", TOKEN):
        assert piece not in shown
    assert shown.count(MARKER) >= 8


def test_a_failure_quoting_the_uploaded_urls_a_module_learned_shows_none():
    url = "https://storage.example/src/abc?token=opaque"

    class Uploading(Resource):
        def run(self):
            self.client.secret_values += (url,)
            self.fail(f"could not deploy: {url.replace('?', ' ? ')} can't be fetched", output=f"fetching {url}")

    shown = ended(module(FakeClient(), set()), Uploading)
    assert "opaque" not in shown and "storage.example" not in shown


def test_warnings_of_a_task_that_succeeds_are_cleaned_too():
    class Warning(Resource):
        def run(self):
            self.warnings.append(f"echo: {' '.join(VALUE.split())}")
            return self.result(False)

    m = module(FakeClient(), {VALUE})
    ended(m, Warning)
    assert m.module.warnings == [f"echo: {MARKER}"]


def test_fail_and_warn_before_any_request_are_cleaned():
    m = module(FakeClient(), {VALUE})
    m.warn(f"check {' '.join(VALUE.split())}")
    with pytest.raises(Ended):
        m.fail(f"refused: {' '.join(VALUE.split())}", details=[VALUE.replace("\n", " ")])
    assert m.module.warnings == [f"check {MARKER}"]
    assert m.module.ended == {"msg": f"refused: {MARKER}", "details": [MARKER], "failed": True}


def test_ordinary_failures_are_unchanged():
    class Refused(Resource):
        def run(self):
            raise ScalingoError("could not read app 'my-app': app not found (HTTP 404)", status=404, resource="app")

    m = module(FakeClient(), {"1", "true", VALUE})
    ended(m, Refused)
    assert m.module.ended["msg"] == "could not read app 'my-app': app not found (HTTP 404)"
    assert m.module.ended["failure"]["resource"] == "app"
