from __future__ import annotations

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._attach import (
    CUT,
    EXITED,
    STOPPED,
    AttachError,
    Outcome,
    Output,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._transport import origin
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_run as module
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_run import (
    Run,
    env_text,
    input_problems,
    refused_values,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    API,
    BEARER,
    NO_SCALARS,
    SCALAR_TEXTS,
    FakeClient,
    answer,
    auth_params,
    expect,
    fails,
    fake_waiter,
    lost,
    succeeds,
    unprocessable,
    validated,
    wait_params,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import Outcome as Outcome_

APP = "my-shop"
OP_URL = f"{API}/v1/apps/{APP}/operations/op-3"
CONTAINER = {"id": "5250424112dba4edf0000024", "type": "one-off", "label": "one-off-1234", "state": "booting"}
SECRET = "s3cr3t-value"


def params(command="bundle exec rake db:migrate", env=None, size=None, detached=True, **options):
    """A detached run's parameters unless said otherwise (attached runs: the tests further down)."""
    p = dict(
        auth_params(),
        **wait_params(),
        app=APP,
        command=command,
        env=env,
        size=size,
        detached=detached,
        stdin=None,
        files=None,
        timeout=3600,
        output_limit=1048576,
        attach_allow_http=False,
    )
    p.update(options)
    return p


def started(data=None, status=200, **headers):
    if data is None:
        data = {"container": CONTAINER, "operation_url": OP_URL, "operation": "op-3"}
    return expect("POST", f"/apps/{APP}/run", answer(status, data, **headers))


def run_answer(reply):
    return expect("POST", f"/apps/{APP}/run", reply)


def operation(status, repeat=False, **fields):
    return expect(
        "GET",
        OP_URL,
        answer(200, {"operation": dict({"id": "op-3", "status": status, "type": "start-one-off"}, **fields)}),
        repeat=repeat,
    )


# -- env values ------------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [*SCALAR_TEXTS, ("", "")])
def test_an_env_value_is_sent_as_text(value, text):
    assert env_text("VAR", value) == text


@pytest.mark.parametrize("value, kind", NO_SCALARS)
def test_an_env_value_that_is_no_scalar_is_refused_naming_the_variable_never_the_value(value, kind):
    with pytest.raises(ScalingoError) as caught:
        env_text("API_KEY", value)
    assert caught.value.message == (
        f"API_KEY is {kind}: give a string, a number or true/false (quote it to send it as text)"
    )
    assert "s3cr3t" not in caught.value.message and "s3cr3t" not in str(caught.value.result)


def test_env_values_are_sent_converted():
    o = succeeds(
        Run, params(env={"NAME": "shop", "WORKERS": 4, "RATIO": 0.25, "DEBUG": False}), started(), operation("done")
    )
    assert o.client.the("POST").json["env"] == {"NAME": "shop", "WORKERS": "4", "RATIO": "0.25", "DEBUG": "false"}


def test_an_env_value_that_is_no_scalar_fails_before_any_request():
    o = fails(Run, params(env={"TOKEN": SECRET, "LIST": [SECRET]}))
    assert o.sent == []
    assert o.error.message.startswith("LIST is list:")
    assert SECRET not in o.error.message


# -- a real run ------------------------------------------------------------------------------


def test_a_detached_one_off_is_started_and_followed_until_it_runs():
    o = succeeds(Run, params(), started(), operation("running"), operation("done"))
    assert o.sent == [f"POST /apps/{APP}/run", f"GET {OP_URL}", f"GET {OP_URL}"]
    assert o.client.the("POST").json == {"command": "bundle exec rake db:migrate", "detached": True}
    assert o.client.the("POST").ok == (200, 201, 202)
    assert o.changed is True
    assert o.result["container"] == CONTAINER
    assert o.result["operation"] == {"id": "op-3", "status": "done", "type": "start-one-off"}
    assert o.result["duration"] == o.clock.now - 1000.0


def test_the_size_is_sent_when_given():
    o = succeeds(Run, params(size="L"), started(), operation("done"))
    assert o.client.the("POST").json == {"command": "bundle exec rake db:migrate", "detached": True, "size": "L"}


def test_an_empty_env_is_not_sent():
    o = succeeds(Run, params(env={}), started(), operation("done"))
    assert "env" not in o.client.the("POST").json


def test_the_operation_location_header_is_followed_when_the_body_has_no_operation_url():
    o = succeeds(Run, params(), started({"container": CONTAINER}, status=202, Location=OP_URL), operation("done"))
    assert o.sent == [f"POST /apps/{APP}/run", f"GET {OP_URL}"]


def test_an_answer_without_an_operation_returns_the_container_without_waiting():
    o = succeeds(Run, params(), started({"container": CONTAINER}))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.result == {
        "changed": True,
        "command": "bundle exec rake db:migrate",
        "container": CONTAINER,
        "operation": None,
        "duration": 0.0,
        "diff": {
            "before": {},
            "after": {"command": "bundle exec rake db:migrate", "size": "(Scalingo's default)", "detached": True},
        },
    }


def test_an_accepted_run_answered_without_its_container_fails_as_a_change():
    o = fails(Run, params(), expect("POST", f"/apps/{APP}/run", answer(202, None, Location=OP_URL)))
    assert f"the answer of POST /v1/apps/{APP}/run" in o.error.message and "has no 'container'" in o.error.message
    assert o.client.wrote  # the edge reports it as changed: the container may have started


def test_without_wait_only_the_operation_id_and_url_are_returned():
    o = succeeds(Run, params(wait=False), started())
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.result["operation"] == {"id": "op-3", "url": OP_URL} and o.result["container"] == CONTAINER


def test_an_operation_ending_in_error_fails_as_a_change():
    o = fails(Run, params(), started(), operation("error", error="the container could not start"))
    assert (
        o.error.message
        == f"the one-off container on app '{APP}' failed: the container could not start (operation op-3)"
    )
    assert o.error.changed is True and o.error.result["operation"]["status"] == "error"


def test_an_operation_still_running_at_the_deadline_fails_as_a_change_with_the_operation():
    o = fails(Run, params(wait_timeout=15), started(), operation("pending", repeat=True))
    assert o.error.message == (
        f"the one-off container on app '{APP}' was sent but its operation op-3 is still pending after wait_timeout=15 s"
    )
    assert o.error.changed is True
    assert o.error.result["operation"]["status"] == "pending" and o.error.result["duration"] == 15.0


def test_a_refused_run_fails_with_the_api_reason():
    o = fails(Run, params(), run_answer(unprocessable({"app": ["too many one-off containers"]})))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert (
        o.error.message == f"could not start a one-off container on app '{APP}': too many one-off containers (HTTP 422)"
    )
    assert o.client.wrote is False


def test_a_run_whose_answer_was_lost_is_never_sent_again():
    o = fails(Run, params(env={"TOKEN": SECRET}), run_answer(lost()))
    assert o.sent == [f"POST /apps/{APP}/run"]
    assert o.error.unknown_outcome is True and o.client.wrote is True
    assert SECRET not in o.error.message


def test_env_values_never_show_in_the_result():
    o = succeeds(Run, params(env={"TOKEN": SECRET}), started(), operation("done"))
    assert SECRET not in repr(o.result)


# -- check mode ------------------------------------------------------------------------------


def test_check_mode_reports_a_change_and_sends_nothing():
    o = succeeds(Run, params(env={"TOKEN": SECRET}, size="L"), check_mode=True)
    assert o.sent == []
    assert o.result == {
        "changed": True,
        "command": "bundle exec rake db:migrate",
        "container": None,
        "operation": None,
        "duration": 0.0,
        "diff": {"before": {}, "after": {"command": "bundle exec rake db:migrate", "size": "L", "detached": True}},
    }
    assert SECRET not in repr(o.result)


# -- attached runs -----------------------------------------------------------------------------------

ATTACH_URL = "https://one-off.test.example:5000/s3cr3t-attach-token"


def attached(**options):
    return params(detached=False, **options)


def started_attached(data=None):
    return started(data or {"container": CONTAINER, "operation_url": OP_URL, "operation": "op-3"})


def done_with(attach_url=ATTACH_URL):
    data = {"container_id": CONTAINER["id"]}
    if attach_url is not None:
        data["attach_url"] = attach_url
    return operation("done", start_one_off_data=data)


def ended(text="", code=0, ending=EXITED, dropped=0, **kwargs):
    output = Output(1 << 20)
    output.add(text.encode())
    output.dropped = dropped
    return Outcome(output, ending, code, **kwargs)


class AttachHost:
    """Stands for the attach host: `outcome` is what a run gets (or `error` is raised), `made`
    lists the attachments made (_attach.Attachment's stand-ins), each with how it was made and run."""

    def __init__(self):
        self.made = []
        self.outcome = ended("ok\r\n")
        self.error = None  # an AttachError to raise instead

    def attachment(self, target, bearer, verify, io_timeout, clock=None):
        host = self

        class Session:
            def __init__(self):
                self.target, self.bearer, self.verify, self.io_timeout = target, bearer, verify, io_timeout
                self.ran = None

            def run(self, stdin, files, timeout, output_limit):
                self.ran = (stdin, files, timeout, output_limit)
                if host.error is not None:
                    raise host.error
                return host.outcome

        self.made.append(Session())
        return self.made[-1]


@pytest.fixture
def attach_host(monkeypatch):
    host = AttachHost()
    monkeypatch.setattr(Run, "attachment", host.attachment)
    return host


def test_an_attached_run_returns_the_output_and_exit_code(attach_host):
    attach_host.outcome = ended("== migrating ==\r\n== migrated ==\r\n")
    o = succeeds(Run, attached(), started_attached(), operation("running"), done_with())
    assert o.client.the("POST").json == {"command": "bundle exec rake db:migrate", "detached": False}
    (session,) = attach_host.made
    assert (session.target.host, session.target.port, session.target.request_target()) == (
        "one-off.test.example",
        5000,
        "/s3cr3t-attach-token",
    )
    assert (session.bearer, session.verify, session.io_timeout) == (BEARER, True, 30)
    assert session.ran == (b"", [], 3600, 1048576)
    assert o.changed is True
    assert o.result["rc"] == 0
    assert o.result["stdout"] == "== migrating ==\r\n== migrated ==\r\n"
    assert o.result["stdout_lines"] == ["== migrating ==", "== migrated =="]
    assert (o.result["output_truncated"], o.result["output_dropped"]) == (False, 0)
    assert o.result["container"] == CONTAINER and o.result["command"] == "bundle exec rake db:migrate"
    assert o.result["duration"] == o.clock.now - 1000.0
    # The operation comes back without its attach URL (it holds a token).
    assert o.result["operation"]["start_one_off_data"] == {"container_id": CONTAINER["id"]}
    assert "s3cr3t" not in repr(o.result) and o.resource.warnings == []


def test_stdin_and_files_go_to_the_attach_host(attach_host, tmp_path):
    script = tmp_path / "fix.sql"
    script.write_text("UPDATE t SET x = 1;\n")
    o = succeeds(
        Run,
        attached(stdin="SELECT 1;\n", files=[str(script)], timeout=60, output_limit=100),
        started_attached(),
        done_with(),
    )
    assert attach_host.made[0].ran == (b"SELECT 1;\n", [str(script)], 60, 100)
    assert o.result["diff"]["after"]["files"] == {"fix.sql": "20 bytes"}


def test_a_non_zero_exit_code_fails_as_a_change_with_the_last_lines(attach_host):
    attach_host.outcome = ended("step 1\r\n\x1b[31mfatal: relation missing\x1b[0m\r\n", code=3)
    o = fails(Run, attached(), started_attached(), done_with())
    assert o.error.message == (
        f"the command on app '{APP}' (one-off-1234) exited with code 3; the last lines of its output:\n"
        "step 1\nfatal: relation missing"
    )
    assert o.error.changed is True
    assert o.error.result["rc"] == 3 and o.error.result["stdout_lines"][0] == "step 1"
    assert o.error.result["container"] == CONTAINER and o.error.result["command"] == "bundle exec rake db:migrate"
    assert "s3cr3t" not in repr(o.error.result)


def test_a_command_stopped_at_the_timeout_fails_with_the_output_so_far(attach_host):
    attach_host.outcome = ended("importing\r\n^C\r\n", code=None, ending=STOPPED)
    o = fails(Run, attached(timeout=2), started_attached(), done_with())
    assert o.error.message == (
        f"the command on app '{APP}' (one-off-1234) did not end within timeout=2 s: Ctrl-C was sent and it stopped; "
        "the last lines of its output:\nimporting\n^C"
    )
    assert o.error.changed is True and "rc" not in o.error.result and o.error.result["container"] == CONTAINER


def test_a_cut_stream_with_exit_code_zero_succeeds_with_a_warning(attach_host):
    attach_host.outcome = ended("half", code=0, ending=CUT)
    o = succeeds(Run, attached(), started_attached(), done_with())
    assert o.result["rc"] == 0
    assert o.resource.warnings == [
        f"the output stream of the command on app '{APP}' (one-off-1234) was cut before its end: its output may "
        "be incomplete"
    ]


def test_a_dropped_output_start_is_said(attach_host):
    attach_host.outcome = ended("tail", dropped=2048)
    o = succeeds(Run, attached(output_limit=4), started_attached(), done_with())
    assert (o.result["output_truncated"], o.result["output_dropped"]) == (True, 2048)
    assert o.resource.warnings == [
        f"the output of the command on app '{APP}' (one-off-1234) was longer than output_limit=4: its first 2048 "
        "bytes were dropped"
    ]


def test_a_failure_on_the_attach_host_fails_as_a_change(attach_host):
    attach_host.error = AttachError(
        "could not attach to the container: https://one-off.test.example:5000 refused the credentials (HTTP 401)"
    )
    o = fails(Run, attached(), started_attached(), done_with())
    assert o.error.message == (
        f"the command on app '{APP}' (one-off-1234): could not attach to the container: "
        "https://one-off.test.example:5000 refused the credentials (HTTP 401)"
    )
    assert o.error.changed is True and o.error.result["container"] == CONTAINER
    assert "rc" not in o.error.result


@pytest.mark.parametrize(
    "url, reason",
    [
        (
            "https://one-off.evil.example:5000/s3cr3t-attach-token",
            "its host one-off.evil.example is not under test.example",
        ),
        ("https://test.example.evil.example/s3cr3t-attach-token", "is not under test.example, api_url's domain"),
        ("https://10.1.2.3:5000/s3cr3t-attach-token", "its host 10.1.2.3 is an IP address"),
        ("https://user@one-off.test.example/s3cr3t-attach-token", "carries a user name or password"),
        ("http://one-off.test.example:5000/s3cr3t-attach-token", "it is plain http"),
        (None, "Scalingo gave no attach URL"),
    ],
)
def test_an_attach_url_elsewhere_fails_before_anything_is_sent_there(attach_host, url, reason):
    o = fails(Run, attached(), started_attached(), done_with(url))
    assert o.error.message.startswith(
        f"the one-off container one-off-1234 of app '{APP}' started, but its attach URL can't be used: "
    )
    assert reason in o.error.message
    assert o.error.message.endswith("; nothing was sent there, as the bearer goes only to api_url's domain")
    assert attach_host.made == []  # no connection, no bearer
    assert o.error.changed is True and o.error.result["container"] == CONTAINER
    assert "s3cr3t" not in o.error.message and "s3cr3t" not in repr(o.error.result)


def scalingo_run(params_, *script):
    """run() against Scalingo's own API URL (the host rule depends on it)."""
    api = "https://api.osc-fr1.scalingo.com"
    client = FakeClient(*script)
    client.api_url, client.api_origin = api, origin(api)
    waiter, clock = fake_waiter()
    outcome = Outcome_(Run(client, params_, waiter=waiter), client, clock)
    assert client.finished, client.script
    return outcome


SCALINGO_OP = f"https://api.osc-fr1.scalingo.com/v1/apps/{APP}/operations/op-3"


def scalingo_script(attach_url):
    return [
        expect("POST", f"/apps/{APP}/run", answer(200, {"container": CONTAINER, "operation_url": SCALINGO_OP})),
        expect(
            "GET",
            SCALINGO_OP,
            answer(
                200, {"operation": {"id": "op-3", "status": "done", "start_one_off_data": {"attach_url": attach_url}}}
            ),
        ),
    ]


def test_plain_http_on_a_scalingo_host_fails_naming_attach_allow_http(attach_host):
    url = "http://one-off.osc-fr1.scalingo.com:5000/s3cr3t-attach-token"
    o = scalingo_run(attached(), *scalingo_script(url))
    assert "it is plain http (http://one-off.osc-fr1.scalingo.com:5000); set attach_allow_http: true" in o.error.message
    assert attach_host.made == []
    o = scalingo_run(attached(attach_allow_http=True), *scalingo_script(url))
    assert o.error is None and o.result["rc"] == 0
    assert attach_host.made[0].target.scheme == "http"


def test_an_https_attach_host_of_another_scalingo_subdomain_is_used(attach_host):
    o = scalingo_run(attached(), *scalingo_script("https://one-off.osc-fr1.scalingo.com:5000/s3cr3t-attach-token"))
    assert o.error is None and attach_host.made[0].target.host == "one-off.osc-fr1.scalingo.com"


@pytest.mark.parametrize("start_data", [None, {"container_id": CONTAINER["id"]}])
def test_the_run_answers_attach_url_serves_when_the_operation_has_none(attach_host, start_data):
    data = {"container": CONTAINER, "operation_url": OP_URL, "attach_url": ATTACH_URL}
    done = operation("done") if start_data is None else operation("done", start_one_off_data=start_data)
    o = succeeds(Run, attached(), started_attached(data), done)
    assert attach_host.made[0].target.host == "one-off.test.example" and o.result["rc"] == 0
    assert "s3cr3t" not in repr(o.result)


def test_an_operation_attach_url_comes_before_the_run_answers(attach_host):
    data = {"container": CONTAINER, "operation_url": OP_URL, "attach_url": "https://old.test.example/s3cr3t-attach-x"}
    succeeds(Run, attached(), started_attached(data), done_with())
    assert attach_host.made[0].target.host == "one-off.test.example"


def test_a_failed_start_returns_the_operation_without_its_attach_url(attach_host):
    o = fails(
        Run,
        attached(),
        started_attached(),
        operation("error", error="no capacity", start_one_off_data={"attach_url": ATTACH_URL}),
    )
    assert o.error.message == f"the one-off container on app '{APP}' failed: no capacity (operation op-3)"
    assert o.error.result["operation"]["start_one_off_data"] == {}
    assert "s3cr3t" not in repr(o.error.result) and attach_host.made == []


def test_check_mode_of_an_attached_run_shows_the_command_size_and_files(tmp_path, attach_host):
    dump = tmp_path / "data.csv"
    dump.write_bytes(b"a,b\n1,2\n")
    o = succeeds(Run, attached(size="XL", files=[str(dump)], stdin="x\n"), check_mode=True)
    assert o.sent == [] and attach_host.made == []
    assert o.result["command"] == "bundle exec rake db:migrate" and o.result["container"] is None
    assert o.diff == {
        "before": {},
        "after": {
            "command": "bundle exec rake db:migrate",
            "size": "XL",
            "detached": False,
            "files": {"data.csv": "8 bytes"},
        },
    }


# -- input checks (input_problems and refused_values, before any request) ---------------------------------


def given(**options):
    """The task's parameters as Ansible fills them: a detached run unless said otherwise."""
    return validated(module, waits=True, **{"app": APP, "command": "rake db:migrate", "detached": True, **options})


def test_valid_input_has_no_problem(tmp_path):
    (tmp_path / "fix.sql").write_text("select 1;\n")
    assert input_problems(given(env={"RAILS_ENV": "production", "N": 2}, size="M")) == []
    assert input_problems(given(detached=False, stdin="y\n", files=[str(tmp_path / "fix.sql")])) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop"}, "app name 'My Shop' (app) is invalid: "),
        ({"command": "  "}, "command must not be empty: give the command line to run"),
        ({"env": {"A=B": "x", " ": "y"}}, "env has invalid variable names:  , A=B"),
        ({"size": " "}, "size must not be empty: leave it out for Scalingo's default"),
        ({"size": "M L"}, "size 'M L' is invalid: "),
        ({"stdin": "x"}, "stdin and files need an attached run: leave detached false"),
        ({"files": ["/nowhere"]}, "stdin and files need an attached run: leave detached false"),
        ({"detached": False, "wait": False}, "wait=false needs detached=true: an attached run waits for its command"),
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"output_limit": -1}, "output_limit must be a positive number of bytes, got -1"),
        ({"detached": False, "files": ["/nowhere/fix.sql"]}, "files: "),
    ],
)
def test_each_bad_input_is_its_problem(options, problem):
    problems = input_problems(given(**options))
    assert problems[0].startswith(problem), problems


def test_the_first_problem_is_the_app_name():
    assert input_problems(given(app="-shop", command=""))[0].startswith("app name '-shop' (app)")


def test_env_values_that_cant_be_sent_are_refused_naming_the_variable_never_the_value():
    refused = refused_values(given(env={"OK": SECRET, "LIST": [SECRET], "EMPTY": None}))
    assert refused == {
        "LIST": "LIST is list: give a string, a number or true/false (quote it to send it as text)",
        "EMPTY": "EMPTY is null: give a string, a number or true/false (quote it to send it as text)",
    }
    assert refused_values(given()) == {}
