"""Client.upload (a PUT to a pre-signed URL, without our credentials) and Client.get_text."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
import requests

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import (
    Answer,
    Exchange,
    Expected,
    ScriptedTransport,
    answer,
    expect,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    TOKEN,
    make_client,
    new_bearer,
    text,
    token_exchange,
)

STORAGE = "https://storage.test.example"
UPLOAD = f"{STORAGE}/sources/0f8e?token=s3cr3t-up-42&X-Amz-Signature=abcdef"
ACTION = "could not upload the source archive"
DATA = b"\x1f\x8b fake tarball"


def no_secret(text, *more):
    for secret in ("s3cr3t", "X-Amz-Signature", "abcdef", TOKEN, *more):
        assert secret not in text


def to_storage(reply: Any, **options: Any) -> Expected:
    """The PUT to the pre-signed URL, answered with `reply`."""
    return expect("PUT", UPLOAD, reply, **options)


def test_the_archive_is_put_to_the_pre_signed_url_without_any_credential(fake_clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect("GET", f"{API}/v1/apps/a", answer(200, {"app": {"name": "a"}})),
        to_storage(answer(200)),
    )
    client = make_client(fake_clock, transport)
    client.find_app("a")  # a bearer is in hand: it still does not go to the storage
    client.upload(UPLOAD, DATA, ACTION)
    put = transport.log[-1]
    assert (put.method, put.url, put.body) == ("PUT", UPLOAD, DATA)
    assert put.headers["Content-Type"] == "application/x-gzip"
    assert put.headers["Content-Length"] == str(len(DATA))
    assert "Authorization" not in put.headers
    assert bearer not in str(put.headers) and TOKEN not in str(put.headers)
    assert client.wrote is False  # nothing of the app changed


def test_an_upload_needs_no_bearer(fake_clock):
    transport = ScriptedTransport(to_storage(answer(200)))
    make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert [exchange.method for exchange in transport.log] == ["PUT"]


@pytest.mark.parametrize("status", [201, 204])
def test_any_success_status_of_the_storage_is_accepted(fake_clock, status):
    transport = ScriptedTransport(to_storage(answer(status)))
    make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert transport.finished


def test_a_plain_http_upload_url_is_refused_before_sending_when_the_api_is_https(fake_clock):
    transport = ScriptedTransport()
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD.replace("https://", "http://"), DATA, ACTION)
    assert caught.value.message == f"{ACTION}: the API gave an upload URL that is not https; nothing was sent there"
    assert len(transport.log) == 0


def test_a_plain_http_upload_url_is_fine_with_a_plain_http_api(fake_clock):
    url = "http://127.0.0.1:8080/_sources/1?token=s3cr3t-up-1"
    transport = ScriptedTransport(expect("PUT", url, answer(200)))
    make_client(fake_clock, transport, api_url="http://127.0.0.1:8080").upload(url, DATA, ACTION)
    assert len(transport.log) == 1


@pytest.mark.parametrize("url", ["ftp://storage.test.example/x?token=s3cr3t-1", "storage/x?token=s3cr3t-1", ""])
def test_anything_but_an_http_url_is_refused(fake_clock, url):
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock).upload(url, DATA, ACTION)
    assert "not https" in caught.value.message
    no_secret(caught.value.message)


def test_a_refusal_names_the_storage_and_its_error_code_never_the_url_or_the_body(fake_clock):
    body = (
        "<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code><Message>The signature</Message>"
        "<StringToSign>PUT s3cr3t-up-42</StringToSign><SignatureProvided>abcdef</SignatureProvided></Error>"
    )
    transport = ScriptedTransport(to_storage(text(403, body, "application/xml")))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    exc = caught.value
    assert exc.message == f"{ACTION}: the storage at {STORAGE} refused the upload (SignatureDoesNotMatch) (HTTP 403)"
    assert (exc.status, exc.error) == (403, "SignatureDoesNotMatch")
    no_secret(exc.message + repr(exc.failure))


def test_a_refusal_without_an_error_code(fake_clock):
    transport = ScriptedTransport(to_storage(text(400, "bad request s3cr3t-up-42")))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert caught.value.message == f"{ACTION}: the storage at {STORAGE} refused the upload (HTTP 400)"


def test_a_redirection_is_not_followed(fake_clock):
    transport = ScriptedTransport(
        to_storage(answer(307, Location="https://elsewhere.example/x")),
        expect("PUT", "https://elsewhere.example/x", answer()),
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert caught.value.status == 307
    assert len(transport.log) == 1


def test_a_gateway_error_or_a_lost_connection_is_retried_as_the_put_is_repeatable(fake_clock):
    transport = ScriptedTransport(
        to_storage(answer(503)), to_storage(requests.ConnectionError(f"refused {UPLOAD}")), to_storage(answer(200))
    )
    make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert len(transport.log) == 3
    assert all(exchange.body == DATA for exchange in transport.log)


def test_a_storage_that_never_answers_fails_with_the_exception_type_and_the_origin_only(fake_clock):
    transport = ScriptedTransport(
        to_storage(requests.ConnectionError(f"HTTPSConnectionPool {UPLOAD} failed"), repeat=True)
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport, retry_timeout=5).upload(UPLOAD, DATA, ACTION)
    assert caught.value.message == f"{ACTION}: no answer from {STORAGE} (ConnectionError)"
    no_secret(caught.value.message)
    assert sum(fake_clock.slept) <= 5


def test_other_exceptions_of_the_http_stack_are_named_by_type_only(fake_clock):
    transport = ScriptedTransport(to_storage(requests.exceptions.InvalidHeader(f"bad {UPLOAD}")))
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD, DATA, ACTION)
    assert caught.value.message == f"{ACTION}: the request could not be sent (InvalidHeader)"


# -- text answers ------------------------------------------------------------------------------------


def test_get_text_returns_a_plain_text_body(fake_clock):
    body = " \x1b[1m<-- Start deployment -->\x1b[0m\nok\n"
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps/a/deployments/d/output", text(200, body))
    )
    assert make_client(fake_clock, transport).get_text("/apps/a/deployments/d/output", action="read") == body


@pytest.mark.parametrize(
    ("body"),
    [answer(200, {"output": "x"}), text(200, "<html>sign in</html>", "text/html")],
)
def test_get_text_refuses_an_answer_that_is_not_plain_text(fake_clock, body):
    transport = ScriptedTransport(
        token_exchange(new_bearer()), expect("GET", f"{API}/v1/apps/a/deployments/d/output", body)
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).get_text("/apps/a/deployments/d/output", action="could not read the output")
    assert caught.value.message == (
        "could not read the output: the answer of GET /v1/apps/a/deployments/d/output is not plain text; it is not "
        "what Scalingo's API answers (a proxy page or an incompatible API?) (HTTP 200)"
    )
    assert "sign in" not in caught.value.message


# -- a file or a path: streamed, whole at each attempt ------------------------------------------------


def open_fds(path):
    """How many descriptors of this process are open on `path` (other descriptors come and go with other tests)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
    return count


class Storage:
    """A storage that keeps each PUT's body (the transport reads a file body from where the file stands)."""

    def __init__(self, *outcomes: int | Exception) -> None:
        self.outcomes: list[int | Exception] = list(outcomes)
        self.bodies: list[bytes] = []

    def __call__(self, exchange: Exchange) -> Answer | Exception:
        outcome = self.outcomes.pop(0)
        assert int(exchange.headers["Content-Length"]) == len(exchange.body)
        self.bodies.append(exchange.body)
        return outcome if isinstance(outcome, Exception) else answer(outcome)

    def transport(self) -> ScriptedTransport:
        return ScriptedTransport(to_storage(self, times=len(self.outcomes)))


def spied(client):
    """The client, and the bodies its session was handed: a file is handed as it is, for requests to stream."""
    handed = []
    send = client.session.request

    def request(*args, **kwargs):
        handed.append(kwargs.get("data"))
        return send(*args, **kwargs)

    client.session.request = request
    return client, handed


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "source.tar.gz"
    path.write_bytes(DATA * 5000)
    return path


@pytest.mark.parametrize("given", ["path", "str", "file"])
def test_a_file_is_streamed_whole_without_credentials_and_closed_when_given_by_path(fake_clock, archive, given):
    storage = Storage(200)
    transport = storage.transport()
    before = open_fds(archive)
    client, handed = spied(make_client(fake_clock, transport))
    if given == "file":
        with archive.open("rb") as handle:
            client.upload(UPLOAD, handle, ACTION)
    else:
        client.upload(UPLOAD, archive if given == "path" else str(archive), ACTION)
    assert storage.bodies == [archive.read_bytes()]
    assert [type(body).__name__ for body in handed] == ["BufferedReader"]
    put = transport.log[-1]
    assert "Authorization" not in put.headers and put.url == UPLOAD
    assert open_fds(archive) == before


def test_each_attempt_sends_the_whole_file_again(fake_clock, archive):
    storage = Storage(503, requests.ConnectionError("reset"), 200)
    with archive.open("rb") as handle:
        make_client(fake_clock, storage.transport()).upload(UPLOAD, handle, ACTION)
    assert storage.bodies == [archive.read_bytes()] * 3


def test_a_file_is_sent_from_where_it_stands(fake_clock, archive):
    storage = Storage(503, 200)
    with archive.open("rb") as handle:
        handle.seek(100)
        make_client(fake_clock, storage.transport()).upload(UPLOAD, handle, ACTION)
    assert storage.bodies == [archive.read_bytes()[100:]] * 2


def test_a_path_that_can_not_be_read_fails_on_one_line_sending_nothing(fake_clock, tmp_path):
    transport = ScriptedTransport()
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).upload(UPLOAD, tmp_path / "gone.tar.gz", ACTION)
    assert caught.value.message == f"{ACTION}: could not read it (No such file or directory)"
    assert len(transport.log) == 0


def test_a_refusal_of_a_file_upload_closes_the_file_given_by_path(fake_clock, archive):
    transport = ScriptedTransport(to_storage(answer(403)))
    before = open_fds(archive)
    with pytest.raises(ScalingoError):
        make_client(fake_clock, transport).upload(UPLOAD, archive, ACTION)
    assert open_fds(archive) == before
