"""A Scalingo client on the scripted network, to unit-test the modules' decisions without HTTP or sleeps.

FakeClient is the real Client whose requests.Session answers from a script (tests/unit/fake_transport.py):
the script says, request by request, which request is expected and what the API answers. Everything
above the session (request, get, find_app, paginate, resolve, upload, the errors) is the real code,
so a test sees exactly what a module sees from the real client. FakeClient also records each call the
code made to request(), with its arguments (ok, deadline, params as given), for tests to look at.

Two settings differ from a task's: the bearer is already known (no exchange is scripted) and nothing is
retried (rate_limit_retry_timeout 0: the retries are the client's own tests' business), so each scripted
answer is the answer the code gets.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.scalingo.cloud.plugins.module_utils._api import app_name_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._module import full_spec
from ansible_collections.scalingo.cloud.plugins.module_utils._transport import SAFE_METHODS
from ansible_collections.scalingo.cloud.plugins.module_utils._waiter import Waiter
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (  # noqa: F401  # pylint: disable=unused-import
    API,
    AUTH,
    LOST,
    Answer,
    Expected,
    FakeClock,
    ScriptedTransport,
    again,
    answer,
    expect,
    lost,
)

# The rule an app name such as 'My Shop' breaks, as input_problems quote it (the rule itself is tested with _api).
APP_RULE = "; ".join(app_name_problems("My Shop"))
# The bearer FakeClient.bearer() gives (a one-off's attach host gets it).
BEARER = "eyJhbGciOiJIUzUxMiJ9.eyJ1dWlkIjoidXMtdW5pdCJ9.c2lnbmF0dXJl"


# Task values of an environment variable and the text each is sent as (_resource.env_text), and the values
# that are no scalar, with the kind a refusal names (scalingo_env and scalingo_run both take them).
SCALAR_TEXTS = [
    ("as is", "as is"),
    ("007", "007"),
    ("true", "true"),
    (42, "42"),
    (0, "0"),
    (-3, "-3"),
    (1.5, "1.5"),
    (True, "true"),
    (False, "false"),
]
NO_SCALARS = [(None, "null"), (["s3cr3t-item"], "list"), ({"key": "s3cr3t-value"}, "dict")]


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


class FakeClient(Client):
    """The real Client on a scripted network, recording every call made to request()."""

    def __init__(self, *script: Expected | list[Expected], clock: FakeClock | None = None) -> None:
        self.transport = ScriptedTransport(*script)
        self.fake_clock = clock or FakeClock()
        params = auth_params()
        super().__init__(
            api_token=params["api_token"],
            api_url=API,
            auth_url=AUTH,
            bearer_cache=False,
            retry_timeout=60,
            rate_limit=0,
            session=self.transport.session(),
            sleep=self.fake_clock.sleep,
            monotonic=self.fake_clock.clock,
        )
        self._bearer = BEARER
        self.calls: list[Call] = []

    def request(
        self,
        method,
        path,
        json_body=None,
        params=None,
        headers=None,
        ok=(200,),
        action=None,
        deadline=None,
        service="api",
    ):
        # The auth service's calls are recorded by their whole URL: AUTH + "/v1/scm_integrations".
        shown = f"{AUTH}/v1{path}" if service == "auth" else path
        self.calls.append(
            Call(method, shown, json_body=json_body, params=params, headers=headers, ok=ok, deadline=deadline)
        )
        return super().request(method, path, json_body, params, headers, ok, action, deadline, service=service)

    @property
    def script(self) -> list[Expected]:
        """The scripted answers not used yet."""
        return self.transport.script

    # -- what tests look at -----------------------------------------------------

    @property
    def sent(self):
        """Every request made, as 'METHOD path'."""
        return [repr(call) for call in self.calls]

    @property
    def wire(self):
        """Every request as it went on the wire (retries included), as 'METHOD path' (the path as scripts name it)."""
        return [f"{exchange.method} {exchange.names()[0]}" for exchange in self.transport.log]

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
        return self.transport.finished


# -- time ----------------------------------------------------------------------------------------


def fake_waiter(clock=None):
    clock = clock or FakeClock()
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


def run(resource_class, params, *script, check_mode=False, client_class=None):
    """Run a resource on a client (a FakeClient, or `client_class`) answering `script`, whatever the outcome.

    The script must be used up, and check mode must send nothing that changes anything (a dry run is fine),
    as the code called the client and as it went on the wire (an upload included).
    """
    waiter, clock = fake_waiter()
    client = (client_class or FakeClient)(*script, clock=clock)
    outcome = Outcome(resource_class(client, params, check_mode=check_mode, waiter=waiter), client, clock)
    assert client.finished, f"scripted requests never made: {client.script} (sent: {client.sent})"
    if check_mode:
        assert client.mutations == [] and not client.wrote, f"check mode sent a change: {client.mutations}"
        changes = [
            e for e in client.transport.log if e.method not in SAFE_METHODS and e.headers.get("X-Dry-Run") != "true"
        ]
        assert changes == [], f"check mode sent a change: {changes}"
    return outcome


def succeeds(resource_class, params, *script, check_mode=False, client_class=None):
    """run(), asserting the resource succeeded."""
    outcome = run(resource_class, params, *script, check_mode=check_mode, client_class=client_class)
    assert outcome.error is None, f"failed: {outcome.error.message}"
    return outcome


def fails(resource_class, params, *script, check_mode=False, client_class=None):
    """run(), asserting the resource failed with a ScalingoError."""
    outcome = run(resource_class, params, *script, check_mode=check_mode, client_class=client_class)
    assert outcome.error is not None, f"succeeded: {outcome.result}"
    return outcome


def same_as_real_run(resource_class, options, real_script, check_script, keys=()):
    """A real run and a check-mode run of the same task: check mode predicts the real run's `changed`, diff
    and result `keys`, and sends nothing that changes anything (run() checks that). Returns (real, check)."""
    real = succeeds(resource_class, options, *real_script)
    check = succeeds(resource_class, options, *check_script, check_mode=True)
    for key in ("changed", "diff", *keys):
        assert check.result.get(key) == real.result.get(key), key
    return real, check
