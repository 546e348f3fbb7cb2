"""Transport.download: a pre-signed URL fetched without our credentials, streamed into a file, its size and SHA-256;
never quoted; a cut or refused download fails."""

from __future__ import annotations

import hashlib
import io
import types

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import ScriptedTransport, answer, expect
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import make_client, text

URL = "https://db-api.test.example/api/databases/ad-1/backups/bk-1/download?token=dl-secret-0123456789"
ARCHIVE = b"\x1f\x8b" + bytes(range(256)) * 300


@pytest.fixture
def clock():
    """A monotonic clock that moves only when the code sleeps: waits are instant."""
    now = [1000.0]
    return types.SimpleNamespace(sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])


def test_the_archive_is_streamed_whole_without_any_credential(clock):
    transport = ScriptedTransport(expect("GET", URL, answer(200, ARCHIVE, **{"Content-Type": "application/x-gzip"})))
    handle = io.BytesIO()
    size, sha256 = make_client(clock, transport).download(URL, handle, "could not download")
    assert (size, sha256) == (len(ARCHIVE), hashlib.sha256(ARCHIVE).hexdigest())
    assert handle.getvalue() == ARCHIVE
    assert [exchange.url for exchange in transport.log] == [URL]
    assert "Authorization" not in transport.log[0].headers


def test_a_refused_download_fails_without_quoting_the_url_or_the_body(clock):
    transport = ScriptedTransport(expect("GET", URL, text(403, f"<Error>bad signature for {URL}</Error>")))
    with pytest.raises(
        ScalingoError, match=r"https://db-api.test.example refused the download \(HTTP 403\)"
    ) as failure:
        make_client(clock, transport).download(URL, io.BytesIO(), "could not download")
    assert "dl-secret" not in failure.value.message


def test_a_plain_http_url_is_refused_when_the_api_is_https(clock):
    with pytest.raises(ScalingoError, match="not https; nothing was sent there"):
        make_client(clock).download(URL.replace("https", "http"), io.BytesIO(), "could not download")


def test_a_body_shorter_than_its_length_is_a_cut_download(clock):
    transport = ScriptedTransport(
        expect("GET", URL, answer(200, ARCHIVE[:1000], **{"Content-Length": str(len(ARCHIVE))}))
    )
    with pytest.raises(ScalingoError, match="the download was cut short after"):
        make_client(clock, transport).download(URL, io.BytesIO(), "could not download")


class Full(io.BytesIO):
    def write(self, data):
        raise OSError(28, "No space left on device")


def test_a_full_disk_says_so(clock):
    transport = ScriptedTransport(expect("GET", URL, answer(200, ARCHIVE)))
    with pytest.raises(ScalingoError, match=r"could not download: could not write it \(No space left on device\)"):
        make_client(clock, transport).download(URL, Full(), "could not download")
