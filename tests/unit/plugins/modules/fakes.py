"""A scripted Scalingo client and a fake clock, to unit-test the modules' decisions without HTTP or sleeps.

FakeClient only fakes request(): the script says, call by call, which request is expected and what
the API answers. Everything above request() is the real Client's code (get, find_app, paginate,
cursor_pages, resolve), and the answers go through the real Reply and ScalingoError, so a test sees
exactly what a module sees from the real client.
"""

from __future__ import annotations

import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from requests.structures import CaseInsensitiveDict

from ansible_collections.scalingo.cloud.plugins.module_utils._api import ApiCalls, app_name_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import full_spec
from ansible_collections.scalingo.cloud.plugins.module_utils._transport import (
    SAFE_METHODS,
    UNKNOWN_OUTCOME_STATUSES,
    Reply,
    origin,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._waiter import Waiter

API = "https://api.test.example"
AUTH = "https://auth.test.example"
LOST = "lost"
# The rule an app name such as 'My Shop' breaks, as input_problems quote it (the rule itself is tested with _api).
APP_RULE = "; ".join(app_name_problems("My Shop"))
# The bearer FakeClient.bearer() gives (a one-off's attach host gets it).
BEARER = "eyJhbGciOiJIUzUxMiJ9.eyJ1dWlkIjoidXMtdW5pdCJ9.c2lnbmF0dXJl"


def auth_params():
    """The connection options as the argument spec fills them."""
    return {
        "api_token": "tk-us-unit",
        "region": "osc-fr1",
        "api_url": API,
        "auth_url": AUTH,
        "validate_certs": True,
        "api_timeout": 30,
        "bearer_cache": True,
        "rate_limit_retry_timeout": 60,
    }


def validated(module, waits=False, **given):
    """The task's parameters as Ansible fills them from `given` and the connection options above:
    the module's ARGUMENT_SPEC (with the wait options when `waits`) run through ansible-core's validator,
    so defaults and types are Ansible's own. Fails the test on anything the validator refuses."""
    validator = ArgumentSpecValidator(full_spec(module.ARGUMENT_SPEC, waits))
    result = validator.validate(dict(auth_params(), **given))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def wait_params(wait=True, wait_timeout=300):
    return {"wait": wait, "wait_timeout": wait_timeout}


# -- what the API answers -------------------------------------------------------------------------


class Answer:
    """One scripted answer: a status with a JSON body, and headers."""

    def __init__(self, status, data=None, headers=None):
        self.status = status
        self.data = data
        self.headers = CaseInsensitiveDict(headers or {})

    def response(self):
        """The answer as the HTTP response the real ScalingoError.from_response reads."""
        return ScriptedResponse(self.status, self.data, self.headers)


class ScriptedResponse:
    """What ScalingoError.from_response reads of a requests.Response."""

    def __init__(self, status, data, headers):
        self.status_code = status
        self.reason = "Scripted"
        self.headers = CaseInsensitiveDict(headers)
        self.content = b"" if data is None else json.dumps(data).encode()
        if data is not None:
            self.headers.setdefault("Content-Type", "application/json")

    @property
    def text(self):
        return self.content.decode()

    def json(self):
        return json.loads(self.content)


def answer(status=200, data=None, **headers):
    return Answer(status, data, headers)


def not_found(resource="app"):
    return Answer(404, {"resource": resource, "error": "not found"})


def busy(status_word="scaling"):
    """The API's refusal of an operation while another one runs on the app."""
    return Answer(
        422,
        {
            "errors": {
                "app": [f"an operation is already in progress on this app ({status_word}), retry when it is done"]
            }
        },
    )


def unprocessable(errors):
    return Answer(422, {"errors": errors})


def lost():
    """The connection broke: a write may or may not have been applied; a read is given up on (after retries)."""
    return LOST


class Expected:
    def __init__(self, method, path, reply, repeat=False, times=1, again=False):
        self.method = method
        self.path = path
        self.reply = reply
        self.repeat = repeat
        self.times = times
        self.again = again
        self.used = 0

    def __repr__(self):
        return f"{self.method} {self.path}"


def expect(method, path, reply, repeat=False, times=1, again=False):
    """The next request is `method path`, answered with `reply` (an Answer, lost(), or a ScalingoError to raise).

    With repeat=True, every later request is this one, with this answer (a wait that never ends).
    With times=N, the next N requests are this one, each with this answer.
    With again=True, this one is answered as often as it is asked (at least once), until a request is
    the next scripted one: re-reads whose number depends on the backoff.
    """
    return Expected(method, path, reply, repeat, times, again)


def again(expected):
    """`expected` (an expect() or a test's helper giving one), answered as often as asked: see expect(again=True)."""
    expected.again = True
    return expected


class Call:
    """One request the code made."""

    def __init__(self, method, path, *, json_body, params, headers, ok, deadline):
        self.method = method
        self.path = path
        self.json = json_body
        self.params = params
        self.headers = headers or {}
        self.ok = ok
        self.deadline = deadline

    @property
    def mutating(self):
        return self.method not in SAFE_METHODS and self.headers.get("X-Dry-Run") != "true"

    def __repr__(self):
        return f"{self.method} {self.path}"


class FakeClient(ApiCalls):
    """The client interface the resources use, answering from a script and recording every call."""

    # The real client's code above request() (ApiCalls: find_app, paginate, formation, ...): only request() is faked.
    get = Client.get
    resolve = Client.resolve
    secrets = Client.secrets

    def __init__(self, *script):
        self.script = [item for entry in script for item in (entry if isinstance(entry, list) else [entry])]
        self.calls = []
        self.api_url = API
        self.api_origin = origin(API)
        self.api_token = auth_params()["api_token"]
        self._bearer = None
        self.secret_values = ()
        self.wrote = False
        self.warnings = []

    # Client.request's own signature, positional arguments included.
    def request(self, method, path, json_body=None, params=None, headers=None, ok=(200,), action=None, deadline=None):
        call = Call(method, path, json_body=json_body, params=params, headers=headers, ok=ok, deadline=deadline)
        self.calls.append(call)
        assert self.script, f"unexpected request {call}: the script has no more answers (sent so far: {self.sent})"
        expected = self.script[0]
        if expected.again and expected.used and (method, path) != (expected.method, expected.path):
            assert len(self.script) > 1, f"unexpected request {call} after {expected} (sent so far: {self.sent})"
            self.script.pop(0)
            expected = self.script[0]
        assert (method, path) == (expected.method, expected.path), f"expected {expected}, got {call}"
        expected.used += 1
        if not (expected.repeat or expected.again) and expected.used >= expected.times:
            self.script.pop(0)
        action = action or f"{method} {path} failed"
        writes = call.mutating
        reply = expected.reply
        if reply is LOST:
            # As Client._send says it: a read is given up on, anything else may have been applied.
            if method in SAFE_METHODS:
                raise ScalingoError(f"{action}: no answer from {API} (ConnectionError)")
            self.wrote = self.wrote or writes
            raise ScalingoError(
                f"{action}: the answer was lost (ConnectionError); the request may or may not have been applied",
                unknown_outcome=True,
            )
        if isinstance(reply, ScalingoError):
            self.wrote = self.wrote or (writes and reply.unknown_outcome)
            raise reply
        # From here, what Client.request does with an answer.
        if writes and (reply.status < 400 or reply.status in UNKNOWN_OUTCOME_STATUSES):
            self.wrote = True
        if reply.status not in ok:
            exc = ScalingoError.from_response(reply.response(), action, self.secrets())
            if reply.status in UNKNOWN_OUTCOME_STATUSES and writes:
                exc.unknown_outcome = True
                exc.message += "; the request may or may not have been applied"
            raise exc
        return Reply(reply.status, reply.headers, reply.data, action, f"{method} {path}")

    def bearer(self):
        return BEARER

    # -- what tests look at -----------------------------------------------------

    @property
    def sent(self):
        """Every request made, as 'METHOD path'."""
        return [repr(call) for call in self.calls]

    @property
    def mutations(self):
        """The requests that may change something (a dry run changes nothing)."""
        return [call for call in self.calls if call.mutating]

    def the(self, method, path=None):
        """The only call with this method (and path)."""
        found = [call for call in self.calls if call.method == method and path in (None, call.path)]
        assert len(found) == 1, f"{len(found)} calls {method} {path or ''}: {self.sent}"
        return found[0]

    @property
    def finished(self):
        """True when every scripted answer was used (a repeated one counts once it was used)."""
        return all((item.repeat or item.again) and item.used for item in self.script)


# -- time ----------------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that moves only when the code sleeps: waits are instant and deterministic."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


def fake_waiter():
    clock = FakeClock()
    return Waiter(clock.clock, clock.sleep), clock


class Outcome:
    """What running a resource gave: its result or its error, the client and the clock."""

    def __init__(self, resource, client, clock):
        self.resource = resource
        self.client = client
        self.clock = clock
        self.result = None
        self.error = None
        try:
            self.result = resource.run()
        except ScalingoError as exc:
            self.error = exc

    @property
    def changed(self):
        return self.result["changed"]

    @property
    def diff(self):
        return self.result.get("diff")

    @property
    def sent(self):
        return self.client.sent


def run(resource_class, params, *script, check_mode=False):
    """Run a resource on a client answering `script`, whatever the outcome.

    The script must be used up, and check mode must send nothing that changes anything (a dry run is fine).
    """
    client = FakeClient(*script)
    waiter, clock = fake_waiter()
    outcome = Outcome(resource_class(client, params, check_mode=check_mode, waiter=waiter), client, clock)
    assert client.finished, f"scripted requests never made: {client.script} (sent: {client.sent})"
    if check_mode:
        assert client.mutations == [] and not client.wrote, f"check mode sent a change: {client.mutations}"
    return outcome


def succeeds(resource_class, params, *script, check_mode=False):
    """run(), asserting the resource succeeded."""
    outcome = run(resource_class, params, *script, check_mode=check_mode)
    assert outcome.error is None, f"failed: {outcome.error.message}"
    return outcome


def fails(resource_class, params, *script, check_mode=False):
    """run(), asserting the resource failed with a ScalingoError."""
    outcome = run(resource_class, params, *script, check_mode=check_mode)
    assert outcome.error is not None, f"succeeded: {outcome.result}"
    return outcome
