"""The attach protocol of scalingo_run: the host rule, the stream reader and the attach host's requests,
with fake sockets (no network) and a fake clock."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import re
import ssl

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils import _attach
from ansible_collections.scalingo.cloud.plugins.module_utils._attach import (
    ABANDONED,
    CTRL_C,
    CUT,
    EOT,
    EXITED,
    STOPPED,
    AttachError,
    Attachment,
    FileChanged,
    Outcome,
    Output,
    attach_target,
    multipart,
    pump,
    read_head,
    registrable_domain,
    tail,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._client import Client
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import FakeClock, ScriptedTransport, answer, expect

API = "https://api.osc-fr1.scalingo.com"
SIM = "http://127.0.0.1:40123"
TOKEN_PATH = "/s3cr3t-attach-0123456789abcdef"
BEARER = "eyJhbGciOiJIUzUxMiJ9.eyJ1dWlkIjoidXMtMSJ9.c2lnbmF0dXJl"
# A well-formed JWT that expires in 2100.
BEARER_OF_CLIENT = "eyJhbGciOiJIUzUxMiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl"
BASIC = "Basic " + base64.b64encode(f":{BEARER}".encode()).decode()


# -- the host rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, domain",
    [
        ("api.osc-fr1.scalingo.com", "scalingo.com"),
        ("api.osc-secnum-fr1.scalingo.com", "scalingo.com"),
        ("scalingo.com", "scalingo.com"),
        ("sim", "sim"),
        ("api.shop.co.uk", "shop.co.uk"),
        ("api.shop.com.au", "shop.com.au"),
        ("co.uk", "co.uk"),
        ("api.example.io", "example.io"),
        # Not a generic second-level label, or not under a country code: two labels.
        ("api.shop.example.uk", "example.uk"),
        ("api.co.example", "co.example"),
    ],
)
def test_registrable_domain(host, domain):
    assert registrable_domain(host) == domain


@pytest.mark.parametrize(
    "url, host, port, target",
    [
        ("https://one-off.osc-fr1.scalingo.com:5000/abc", "one-off.osc-fr1.scalingo.com", 5000, "/abc"),
        ("https://one-off.osc-fr1.scalingo.com/abc?t=1", "one-off.osc-fr1.scalingo.com", 443, "/abc?t=1"),
        ("https://ONE-OFF.osc-fr1.Scalingo.com:5000", "one-off.osc-fr1.scalingo.com", 5000, "/"),
        # Subdomains at any depth, and the domain itself.
        ("https://a.b.c.scalingo.com:5000/x", "a.b.c.scalingo.com", 5000, "/x"),
        ("https://scalingo.com/x", "scalingo.com", 443, "/x"),
        # Another region's host is still Scalingo's.
        ("https://one-off.osc-secnum-fr1.scalingo.com:5000/x", "one-off.osc-secnum-fr1.scalingo.com", 5000, "/x"),
    ],
)
def test_an_attach_url_under_api_urls_domain_is_accepted(url, host, port, target):
    accepted = attach_target(url, API)
    assert (accepted.scheme, accepted.host, accepted.port, accepted.request_target()) == ("https", host, port, target)


@pytest.mark.parametrize(
    "url, reason",
    [
        # Look-alikes.
        ("https://scalingo.com.evil.example/x", "its host scalingo.com.evil.example is not under scalingo.com"),
        ("https://one-off.osc-fr1.scalingo.com.evil.example:5000/x", "is not under scalingo.com, api_url's domain"),
        ("https://evilscalingo.com/x", "its host evilscalingo.com is not under scalingo.com"),
        ("https://scalingo.co/x", "its host scalingo.co is not under scalingo.com"),
        ("https://scalingo.com.:5000/x", "its host scalingo.com. is not a valid host name"),
        ("https://one-off.sim.invalid:5000/x", "its host one-off.sim.invalid is not under scalingo.com"),
        # IP literals, whatever they point to.
        ("https://10.0.0.1:5000/x", "its host 10.0.0.1 is an IP address, not a name under scalingo.com"),
        ("https://127.0.0.1:5000/x", "its host 127.0.0.1 is an IP address"),
        ("https://[::1]:5000/x", "its host ::1 is an IP address"),
        ("https://[2001:db8::1]/x", "its host 2001:db8::1 is an IP address"),
        # User info: credentials of its own, or the classic trick of a trusted name before the @.
        ("https://user:pw@one-off.osc-fr1.scalingo.com/x", "carries a user name or password"),
        ("https://one-off.osc-fr1.scalingo.com@evil.example/x", "carries a user name or password"),
        ("https://one-off.osc-fr1.scalingo.com\\@evil.example/x", "carries a user name or password"),
        # Ports.
        ("https://one-off.osc-fr1.scalingo.com:99999/x", "port on host one-off.osc-fr1.scalingo.com is not a port"),
        ("https://one-off.osc-fr1.scalingo.com:five/x", "is not a port number"),
        # Not a URL the collection speaks.
        ("ftp://one-off.osc-fr1.scalingo.com/x", "is not an http or https URL"),
        ("one-off.osc-fr1.scalingo.com:5000/x", "is not an http or https URL"),
        ("https:///x", "has no host"),
        ("https://one-off.osc-fr1.scalingo.com/a b", "spaces or characters a URL can't carry"),
        ("https://one-off.osc-fr1.scalingo.com/\u00e9", "spaces or characters a URL can't carry"),
        ("https://one_off.scalingo.com/x", "its host one_off.scalingo.com is not a valid host name"),
        ("", "Scalingo gave no attach URL"),
        (None, "Scalingo gave no attach URL"),
        (42, "Scalingo gave no attach URL"),
    ],
)
def test_an_attach_url_elsewhere_is_refused(url, reason):
    with pytest.raises(AttachError) as refused:
        attach_target(url, API, allow_http=True)
    assert reason in refused.value.message
    assert "/x" not in refused.value.message  # never the path (it may carry a token)


def test_plain_http_on_a_scalingo_host_needs_attach_allow_http():
    url = f"http://one-off.osc-fr1.scalingo.com:5000{TOKEN_PATH}"
    with pytest.raises(AttachError) as refused:
        attach_target(url, API)
    assert refused.value.message == (
        "it is plain http (http://one-off.osc-fr1.scalingo.com:5000); set attach_allow_http: true to accept plain "
        "http on Scalingo's own hosts"
    )
    accepted = attach_target(url, API, allow_http=True)
    assert (accepted.scheme, accepted.port, accepted.request_target("/wait")) == ("http", 5000, f"{TOKEN_PATH}/wait")


def test_attach_allow_http_accepts_plain_http_on_scalingos_hosts_only():
    # A self-hosted API on its own domain: https under it is fine, plain http never.
    api = "https://api.paas.example.com"
    assert attach_target("https://one-off.paas.example.com:5000/x", api).host == "one-off.paas.example.com"
    with pytest.raises(AttachError) as refused:
        attach_target("http://one-off.paas.example.com:5000/x", api, allow_http=True)
    assert refused.value.message == (
        "it is plain http on host one-off.paas.example.com; attach_allow_http accepts plain http on Scalingo's own "
        "hosts (under scalingo.com) only"
    )


def test_a_multi_label_public_suffix_is_not_taken_for_a_domain():
    api = "https://api.shop.co.uk"
    assert attach_target("https://one-off.shop.co.uk/x", api).host == "one-off.shop.co.uk"
    with pytest.raises(AttachError, match=re.escape("its host one-off.other.co.uk is not under shop.co.uk")):
        attach_target("https://one-off.other.co.uk/x", api)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:40125/t", "http://127.0.0.5:40125/t", "http://localhost:40125/t", "http://[::1]:9/t"]
)
def test_a_loopback_api_accepts_a_loopback_attach_host_over_plain_http(url):
    assert attach_target(url, SIM).scheme == "http"
    assert attach_target(url, "http://localhost:8080").scheme == "http"


@pytest.mark.parametrize(
    "url, host",
    [
        ("http://one-off.sim.invalid:5000/t", "one-off.sim.invalid"),
        ("https://one-off.osc-fr1.scalingo.com:5000/t", "one-off.osc-fr1.scalingo.com"),
        ("http://10.0.0.1:5000/t", "10.0.0.1"),
    ],
)
def test_a_loopback_api_refuses_any_other_attach_host(url, host):
    with pytest.raises(AttachError) as refused:
        attach_target(url, SIM)
    assert refused.value.message == f"its host {host} is not a loopback address, as api_url's host 127.0.0.1 is"


def test_an_api_on_an_ip_address_accepts_that_address_only():
    assert attach_target("https://10.0.0.1:5000/t", "https://10.0.0.1").host == "10.0.0.1"
    with pytest.raises(AttachError, match=re.escape("its host 10.0.0.2 is not api_url's host 10.0.0.1")):
        attach_target("https://10.0.0.2:5000/t", "https://10.0.0.1")


def test_the_paths_of_the_attach_host_keep_the_query():
    target = attach_target("https://one-off.scalingo.com:5000/run/abc/?token=t1", API)
    assert target.request_target() == "/run/abc/?token=t1"
    assert target.request_target("/files") == "/run/abc/files?token=t1"
    assert target.origin == "https://one-off.scalingo.com:5000"
    assert attach_target("http://[::1]:9/t", SIM).origin == "http://[::1]:9"


# -- a socket that plays a script ------------------------------------------------------------------

SILENT = "silent"  # recv() times out: the clock moves by the socket's timeout


class FakeSocket:
    """What the code sees of a socket: recv() plays `script` (bytes, SILENT, or an exception to raise);
    past its end the socket is silent. Every byte sent is kept."""

    def __init__(self, clock, *script, answer=b"", send_error=None):
        self.clock = clock
        self.script = list(script)
        self.answer = answer
        self.send_error = send_error
        self.sent = b""
        self.timeout = None
        self.timeouts = []
        self.closed = False

    def settimeout(self, timeout):
        self.timeout = timeout
        self.timeouts.append(timeout)

    def sendall(self, data):
        if self.send_error is not None:
            raise self.send_error
        self.sent += bytes(data)

    def recv(self, size):
        item = self.script.pop(0) if self.script else SILENT
        if item == SILENT:
            self.clock.now += self.timeout
            raise TimeoutError("timed out")
        failure = item if isinstance(item, BaseException) else None
        if failure is not None:
            raise failure
        if len(item) > size:
            self.script.insert(0, item[size:])
        return item[:size]

    def makefile(self, mode):
        return io.BytesIO(self.answer)

    def close(self):
        self.closed = True


class Pumped:
    """What pump() did with a scripted socket: how the stream ended, the output, the socket and the clock."""

    def __init__(self, *script, stdin=b"", deadline=None, limit=1000, send_error=None):
        self.clock = FakeClock(100.0)
        self.sock = FakeSocket(self.clock, *script, send_error=send_error)
        self.output = Output(limit)
        self.ending = pump(
            self.sock, stdin, self.output, None if deadline is None else self.clock.now + deadline, self.clock
        )


# -- the stream reader -----------------------------------------------------------------------------


def test_the_stream_is_read_to_its_end_after_stdin_and_ctrl_d():
    run = Pumped(b"hello ", b"world\r\n", b"", stdin=b"SELECT 1;\n")
    assert run.ending == EXITED
    assert bytes(run.output.data) == b"hello world\r\n" and run.output.dropped == 0
    assert run.sock.sent == b"SELECT 1;\n" + EOT


def test_with_no_stdin_ctrl_d_is_sent_at_once():
    run = Pumped(b"")
    assert (run.ending, run.sock.sent) == (EXITED, EOT)


def test_partial_reads_and_silences_make_the_whole_output():
    # A character split across two reads, a chunk bigger than one read, silences between them.
    big = b"x" * (_attach.BLOCK + 10)
    run = Pumped(b"caf\xc3", SILENT, b"\xa9\n", SILENT, SILENT, big, b"", limit=len(big) + 10)
    assert run.ending == EXITED
    assert run.output.text() == "caf\u00e9\n" + "x" * (_attach.BLOCK + 10)
    assert run.clock.now == 103.0  # three silences of one tick: waited, not failed


def test_the_deadline_sends_ctrl_c_once_and_a_stream_that_ends_then_is_stopped():
    run = Pumped(b"working\n", SILENT, SILENT, SILENT, b"^C\r\n", b"", deadline=2.5)
    assert run.ending == STOPPED
    assert run.sock.sent == EOT + CTRL_C
    assert run.output.text() == "working\n^C\r\n"
    # The reads never waited past the deadline: a tick at a time, then the half second left.
    assert run.sock.timeouts[:4] == [1.0, 1.0, 1.0, 0.5] and run.clock.now == 102.5


def test_a_stream_that_goes_on_after_ctrl_c_is_abandoned_after_the_grace_period():
    chatter = [b"still here\n", SILENT] * 10
    run = Pumped(b"start\n", SILENT, *chatter, deadline=1.0)
    assert run.ending == ABANDONED
    assert run.sock.sent.count(CTRL_C) == 1
    assert run.clock.now == pytest.approx(101.0 + _attach.CTRL_C_GRACE)
    assert run.output.text().startswith("start\nstill here\n")


def test_a_cut_connection_ends_the_stream_with_the_output_so_far():
    run = Pumped(b"before the cut\n", ConnectionResetError(104, "Connection reset by peer"))
    assert run.ending == CUT and run.output.text() == "before the cut\n"


def test_a_tls_stream_without_its_end_is_a_cut():
    assert Pumped(b"partial", ssl.SSLEOFError(8, "EOF occurred in violation of protocol")).ending == CUT


def test_a_cut_after_ctrl_c_is_the_command_stopped():
    assert Pumped(SILENT, ConnectionResetError(), deadline=1.0).ending == STOPPED


def test_stdin_that_cannot_be_sent_is_a_cut():
    assert Pumped(b"never read", send_error=BrokenPipeError()).ending == CUT


def test_the_output_keeps_its_last_bytes_and_counts_the_dropped_ones():
    run = Pumped(b"0123456789", b"abcdef", b"", limit=8)
    assert run.ending == EXITED
    assert bytes(run.output.data) == b"89abcdef" and run.output.dropped == 8


def test_the_output_limit_may_cut_a_character_which_is_replaced():
    output = Output(3)
    output.add("\u00e9\u00e9".encode())  # 4 bytes: the first character loses its first byte
    assert output.text() == "\ufffd\u00e9" and output.dropped == 1


# -- the CONNECT answer ----------------------------------------------------------------------------


def test_the_connect_answer_is_read_across_reads_and_keeps_the_streams_first_bytes():
    sock = FakeSocket(FakeClock(100.0), b"HTTP/1.1 200 OK\r\nX-A: ", b"1\r\n\r", b"\nfirst output")
    assert read_head(sock) == (200, b"first output")


@pytest.mark.parametrize(
    "script, reason",
    [
        ([b"HTTP/1.1 200 OK\r\n"], "closed the connection without answering"),
        ([b"SSH-2.0-OpenSSH_9.6\r\n\r\n"], "answered something that is not HTTP"),
        ([b"X" * 5000] * 5, "answered with a head that never ends"),
    ],
)
def test_a_connect_answer_that_is_not_http_fails(script, reason):
    sock = FakeSocket(FakeClock(100.0), *script, b"")
    with pytest.raises(AttachError, match=reason):
        read_head(sock)


# -- what the task says ----------------------------------------------------------------------------


def test_the_tail_strips_ansi_codes_and_keeps_the_last_lines():
    text = "".join(f"\x1b[32mline {n}\x1b[0m\r\n" for n in range(30)) + "\x1b]0;title\x07\r\n"
    assert tail(text) == "; the last lines of its output:\n" + "\n".join(f"line {n}" for n in range(10, 30))
    assert tail("") == ""


def outcome(text, ending=EXITED, code=0, **kwargs):
    output = Output(100)
    output.add(text.encode())
    return Outcome(output, ending, code, **kwargs)


WHAT = "the command on app 'my-shop' (one-off-3)"


def test_a_zero_exit_code_is_a_success_and_others_fail_with_the_tail():
    assert outcome("ok\n").failure(WHAT, 60, "my-shop", "one-off-3") is None
    assert outcome("step 1\n\x1b[31mboom\x1b[0m\n", code=3).failure(WHAT, 60, "my-shop", "one-off-3") == (
        f"{WHAT} exited with code 3; the last lines of its output:\nstep 1\nboom"
    )


def test_each_ending_has_its_message():
    assert outcome("", STOPPED, None).failure(WHAT, 2, "my-shop", "one-off-3") == (
        f"{WHAT} did not end within timeout=2 s: Ctrl-C was sent and it stopped"
    )
    assert outcome("busy\n", ABANDONED, None).failure(WHAT, 2.5, "my-shop", "one-off-3") == (
        f"{WHAT} did not end within timeout=2.5 s, nor within 5 s of the Ctrl-C sent then: it may still be running "
        "(stop it with `scalingo --app my-shop one-off-stop one-off-3`); the last lines of its output:\nbusy"
    )
    assert outcome("", code=None, inactive=True).failure(WHAT, 60, "my-shop", "one-off-3") == (
        f"{WHAT} was stopped by Scalingo after a time without input or output (its exit code answered HTTP 408): "
        "make it print as it goes, or run it with detached=true"
    )
    assert outcome("", CUT, None, problem="no answer from x (ConnectionRefusedError)").failure(
        WHAT, 60, "my-shop", "one-off-3"
    ) == (
        f"{WHAT} ended, but its exit code could not be read: no answer from x (ConnectionRefusedError) (the output "
        "stream was cut before its end: the output may be incomplete)"
    )


def test_a_cut_stream_with_a_zero_exit_code_succeeds_with_a_warning():
    cut = outcome("half", CUT, 0)
    assert cut.failure(WHAT, 60, "my-shop", "one-off-3") is None
    assert cut.warnings(WHAT, 100) == [
        f"the output stream of {WHAT} was cut before its end: its output may be incomplete"
    ]


def test_the_fields_say_how_much_output_was_dropped():
    output = Output(4)
    output.add(b"line1\nline2\n")
    done = Outcome(output, EXITED, 0)
    assert done.fields() == {
        "rc": 0,
        "stdout": "ne2\n",
        "stdout_lines": ["ne2"],
        "output_truncated": True,
        "output_dropped": 8,
    }
    assert done.warnings(WHAT, 4) == [
        f"the output of {WHAT} was longer than output_limit=4: its first 8 bytes were dropped"
    ]


# -- uploads ---------------------------------------------------------------------------------------


def test_a_file_is_sent_as_one_multipart_field_named_file():
    content_type, chunks, length = multipart('dump "v1".sql', 6, io.BytesIO(b"SELECT"))
    body = b"".join(chunks)
    assert len(body) == length
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = list(message.iter_parts())
    assert len(parts) == 1
    assert parts[0].get_param("name", header="content-disposition") == "file"
    assert parts[0].get_filename() == 'dump "v1".sql'
    assert parts[0].get_payload(decode=True) == b"SELECT"


def test_a_file_that_shrank_since_it_was_checked_fails():
    chunks = multipart("data.csv", 10, io.BytesIO(b"short"))[1]
    with pytest.raises(FileChanged, match=re.escape("file data.csv became shorter while it was uploaded")):
        b"".join(chunks)


# -- the attach host, through fake sockets ---------------------------------------------------------


def http_answer(status, body=b"", reason="OK"):
    return f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body


class Host:
    """The attach host as the code meets it: each connection opened gets the next scripted socket."""

    def __init__(self, clock, *sockets):
        self.sockets = list(sockets)
        self.opened = []
        self.clock = clock

    def __call__(self, timeout):
        sock = self.sockets.pop(0)
        if isinstance(sock, BaseException):
            raise sock
        self.opened.append(sock)
        return sock


def attachment(host, url=f"https://one-off.osc-fr1.scalingo.com:5000{TOKEN_PATH}"):
    return Attachment(attach_target(url, API), BEARER, clock=host.clock, opener=host)


def test_a_run_uploads_connects_streams_and_reads_the_exit_code(tmp_path):
    script = tmp_path / "fix.sql"
    script.write_bytes(b"UPDATE orders SET state = 'paid';\n")
    clock = FakeClock(100.0)
    upload = FakeSocket(clock, answer=http_answer(200))
    stream = FakeSocket(clock, b"HTTP/1.1 200 OK\r\n\r\nUPDATE 3\r\n", b"")
    wait = FakeSocket(clock, answer=http_answer(200, b'{"exit_code": 0}'))
    host = Host(clock, upload, stream, wait)
    done = attachment(host).run(b"\\q\n", [str(script)], timeout=60, output_limit=1000)
    assert (done.ending, done.exit_code, done.output.text()) == (EXITED, 0, "UPDATE 3\r\n")
    request = upload.sent.decode("latin-1")
    assert request.startswith(f"POST {TOKEN_PATH}/files HTTP/1.1\r\n")
    assert "Host: one-off.osc-fr1.scalingo.com:5000\r\n" in request and f"Authorization: {BASIC}\r\n" in request
    assert 'filename="fix.sql"' in request and "UPDATE orders SET state = 'paid';" in request
    assert (
        stream.sent
        == (
            f"CONNECT {TOKEN_PATH} HTTP/1.1\r\nHost: one-off.osc-fr1.scalingo.com:5000\r\n"
            f"User-Agent: scalingo.cloud-ansible\r\nAuthorization: {BASIC}\r\n\r\n"
        ).encode()
        + b"\\q\n"
        + EOT
    )
    assert wait.sent.decode().startswith(f"GET {TOKEN_PATH}/wait HTTP/1.1\r\n")
    assert f"Authorization: {BASIC}\r\n" in wait.sent.decode()
    assert all(sock.closed for sock in host.opened)


def test_inactivity_is_the_408_of_wait():
    clock = FakeClock(100.0)
    host = Host(
        clock,
        FakeSocket(clock, b"HTTP/1.1 200 OK\r\n\r\n", b""),
        FakeSocket(clock, answer=http_answer(408, b"", "Request Timeout")),
    )
    done = attachment(host).run(b"", [], timeout=60, output_limit=10)
    assert (done.ending, done.exit_code, done.inactive) == (EXITED, None, True)


@pytest.mark.parametrize(
    "answer, problem",
    [
        (http_answer(500, b"oops"), "https://one-off.osc-fr1.scalingo.com:5000 answered HTTP 500"),
        (http_answer(200, b"{}"), "answered without an exit code (HTTP 200)"),
        (http_answer(200, b'{"exit_code": true}'), "answered without an exit code"),
        (http_answer(200, b"<html>"), "answered without an exit code"),
        (
            b"",
            "could not read the exit code: no answer from https://one-off.osc-fr1.scalingo.com:5000 (RemoteDisconnected)",
        ),
    ],
)
def test_an_exit_code_that_cannot_be_read_is_the_outcomes_problem(answer, problem):
    clock = FakeClock(100.0)
    host = Host(clock, FakeSocket(clock, b"HTTP/1.1 200 OK\r\n\r\nout", b""), FakeSocket(clock, answer=answer))
    done = attachment(host).run(b"", [], timeout=60, output_limit=10)
    assert done.exit_code is None and problem in done.problem and done.output.text() == "out"


def test_wait_is_not_asked_after_a_timeout():
    clock = FakeClock(100.0)
    host = Host(clock, FakeSocket(clock, b"HTTP/1.1 200 OK\r\n\r\n", SILENT, SILENT, b""))
    done = attachment(host).run(b"", [], timeout=1.5, output_limit=10)
    assert done.ending == STOPPED and len(host.opened) == 1


@pytest.mark.parametrize(
    "status, said",
    [
        (401, "refused the credentials (HTTP 401)"),
        (404, "does not know the container (HTTP 404)"),
        (502, "refused (HTTP 502)"),
    ],
)
def test_a_refused_connect_fails_before_anything_is_sent_on_the_stream(status, said):
    clock = FakeClock(100.0)
    stream = FakeSocket(clock, http_answer(status, b"no"))
    with pytest.raises(AttachError) as refused:
        attachment(Host(clock, stream)).run(b"secret stdin", [], timeout=60, output_limit=10)
    assert (
        refused.value.message == f"could not attach to the container: https://one-off.osc-fr1.scalingo.com:5000 {said}"
    )
    assert b"secret stdin" not in stream.sent and stream.closed


def test_an_unreachable_attach_host_fails_naming_its_origin_only():
    clock = FakeClock(100.0)
    with pytest.raises(AttachError) as refused:
        attachment(Host(clock, ConnectionRefusedError(111, "Connection refused"))).run(b"", [], 60, 10)
    assert refused.value.message == (
        "could not attach to the container: no answer from https://one-off.osc-fr1.scalingo.com:5000 "
        "(ConnectionRefusedError)"
    )


def test_an_unverified_certificate_says_what_to_do():
    clock = FakeClock(100.0)
    error = ssl.SSLCertVerificationError(1, "certificate verify failed: Hostname mismatch")
    with pytest.raises(
        AttachError,
        match=re.escape("the TLS certificate of https://one-off.osc-fr1.scalingo.com:5000 could not be verified"),
    ):
        attachment(Host(clock, error)).run(b"", [], 60, 10)


def test_a_refused_upload_stops_the_run_before_the_command(tmp_path):
    (tmp_path / "a.csv").write_text("1,2\n")
    clock = FakeClock(100.0)
    host = Host(clock, FakeSocket(clock, answer=http_answer(413, b"too big")))
    with pytest.raises(AttachError) as refused:
        attachment(host).run(b"", [str(tmp_path / "a.csv")], 60, 10)
    assert refused.value.message == (
        "could not upload file a.csv: https://one-off.osc-fr1.scalingo.com:5000 refused it (HTTP 413)"
    )
    assert len(host.opened) == 1


def test_a_file_that_cannot_be_read_fails_before_any_request(tmp_path):
    clock = FakeClock(100.0)
    host = Host(clock)
    with pytest.raises(AttachError, match=r"could not upload file gone.sql: it can't be read \(FileNotFoundError\)"):
        attachment(host).run(b"", [str(tmp_path / "gone.sql")], 60, 10)
    assert host.opened == []


# -- the real socket opener ------------------------------------------------------------------------


class RecordingContext:
    def __init__(self, context):
        self.context = context
        self.wrapped = None

    def __getattr__(self, name):
        return getattr(self.context, name)

    def __setattr__(self, name, value):
        if name in ("context", "wrapped"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.context, name, value)

    def wrap_socket(self, sock, **kwargs):
        self.wrapped = kwargs
        return sock


@pytest.mark.parametrize("verify", [True, False])
def test_https_is_tls_with_sni_verified_against_the_host_name(monkeypatch, verify):
    contexts, dialed = [], []
    monkeypatch.setattr(_attach.socket, "create_connection", lambda address, timeout: dialed.append(address) or "sock")

    real = ssl.create_default_context

    def context():
        contexts.append(RecordingContext(real()))
        return contexts[-1]

    monkeypatch.setattr(_attach.ssl, "create_default_context", context)
    target = attach_target("https://one-off.osc-fr1.scalingo.com:5000/t", API)
    Attachment(target, BEARER, verify=verify)._open(5)
    assert dialed == [("one-off.osc-fr1.scalingo.com", 5000)]
    assert contexts[0].wrapped == {"server_hostname": "one-off.osc-fr1.scalingo.com", "suppress_ragged_eofs": False}
    assert contexts[0].check_hostname is verify
    assert contexts[0].verify_mode == (ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)


def test_plain_http_is_a_bare_socket(monkeypatch):
    monkeypatch.setattr(_attach.socket, "create_connection", lambda address, timeout: ("sock", address, timeout))
    monkeypatch.setattr(_attach.ssl, "create_default_context", lambda: pytest.fail("no TLS for http"))
    opened = Attachment(attach_target("http://127.0.0.1:4000/t", SIM), BEARER)._open(7)
    assert opened == ("sock", ("127.0.0.1", 4000), 7)


def test_the_bearer_is_basic_with_an_empty_user_and_never_in_a_message():
    clock = FakeClock(100.0)
    stream = FakeSocket(clock, http_answer(401))
    with pytest.raises(AttachError) as refused:
        attachment(Host(clock, stream)).run(b"", [], 60, 10)
    assert BEARER not in refused.value.message and TOKEN_PATH not in refused.value.message
    sent = stream.sent.decode()
    credentials = sent.split("Authorization: Basic ", 1)[1].split("\r\n", 1)[0]
    assert base64.b64decode(credentials).decode() == f":{BEARER}"
    assert json.dumps(refused.value.message)  # one line of text


# -- the bearer the attach host gets ---------------------------------------------------------------


def test_the_client_gives_the_bearer_it_uses_and_exchanges_once(fake_clock):
    bearer = BEARER_OF_CLIENT
    transport = ScriptedTransport(
        expect("POST", "https://auth.test.example/v1/tokens/exchange", answer(200, {"token": bearer})),
        expect("GET", "https://api.test.example/v1/apps/my-app", answer(200, {"app": {"name": "my-app"}})),
    )
    client = Client(
        api_token="tk-us-unit",
        api_url="https://api.test.example",
        auth_url="https://auth.test.example",
        bearer_cache=False,
        rate_limit=0,
        sleep=fake_clock.sleep,
        monotonic=fake_clock.clock,
        session=transport.session(),
    )
    client.find_app("my-app")
    assert client.bearer() == bearer
    assert transport.log[1].headers["Authorization"] == f"Bearer {bearer}"
    assert len(transport.log) == 2  # no second exchange


# -- input checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stdin, problem",
    [
        ("SELECT 1;\n", None),
        ("", None),
        ("caf\u00e9\ttab\n", None),
        ("a\x03b\x04", "stdin holds Ctrl-C, Ctrl-D, which the container's terminal acts on: leave them out"),
        ("\x1a", "stdin holds Ctrl-Z, which the container's terminal acts on: leave them out"),
        ("\x1c", "stdin holds Ctrl-\\, which the container's terminal acts on: leave them out"),
    ],
)
def test_stdin_without_terminal_control_characters(stdin, problem):
    assert _attach.stdin_problem(stdin) == problem


def test_files_are_checked_before_any_request(tmp_path, monkeypatch):
    good = tmp_path / "fix.sql"
    good.write_text("SELECT 1;\n")
    other = tmp_path / "sub"
    other.mkdir()
    (other / "fix.sql").write_text("x")
    big = tmp_path / "big.dump"
    with open(big, "wb") as handle:
        handle.truncate(_attach.MAX_UPLOAD + 1)
    odd = tmp_path / "a\nb.sql"
    odd.write_text("x")
    assert _attach.files_problem([str(good)]) is None
    assert _attach.files_problem([]) is None
    assert _attach.files_problem([str(tmp_path / "gone.sql")]) == (
        f"files: {tmp_path}/gone.sql is not a file (a directory or nothing; pack a directory into an archive)"
    )
    assert "is not a file" in _attach.files_problem([str(other)])
    assert _attach.files_problem([str(big)]) == (
        f"files: {big} has 104857601 bytes; Scalingo takes files of 100 MiB (104857600 bytes) at most"
    )
    assert _attach.files_problem([str(odd)]) == f"files: the name of {str(odd)!r} holds control characters"
    assert _attach.files_problem([str(good), str(other / "fix.sql")]) == (
        "files: more than one file named fix.sql (they would land on the same path)"
    )
    monkeypatch.setattr(_attach.os, "access", lambda path, mode: False)
    assert _attach.files_problem([str(good)]) == f"files: {good} can't be read"
