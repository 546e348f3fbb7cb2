"""What the client quotes of an error answer is cleaned: servers that echo the request's headers or body."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.module_utils._redact import MARKER
from ansible_collections.scalingo.cloud.tests.unit.fake_transport import ScriptedTransport, answer, expect
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import (
    API,
    AUTH,
    TOKEN,
    make_client,
    new_bearer,
    text,
    token_exchange,
)

SECRET = "s3cr3t-first-line\n    s3cr3t-second-line"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def header_echo(authorization):
    return f"Host: api\nUser-Agent: scalingo.cloud-ansible\nAuthorization: {authorization}\nAccept: application/json\n"


def shown(exc):
    """Everything of a failure that reaches the user."""
    return exc.message + json.dumps(exc.failure) + json.dumps(exc.result)


def assert_clean(exc, *secrets):
    text = shown(exc)
    for secret in secrets:
        assert secret not in text
        for piece in secret.split():
            assert piece not in text
    for encoded in (b64(TOKEN), b64(":" + TOKEN)):
        assert encoded.rstrip("=")[2:-2] not in text
    assert "Basic O" not in text and "Bearer e" not in text


def test_an_exchange_error_echoing_basic_auth_never_shows_the_token(fake_clock):
    transport = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", text(401, header_echo(f"Basic {b64(':' + TOKEN)}")))
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("my-app")
    assert_clean(caught.value, TOKEN)
    assert caught.value.message.startswith("could not exchange the API token for a bearer token: Host: api")
    assert MARKER in caught.value.message and "\n" not in caught.value.message


def test_an_api_error_echoing_the_bearer_in_its_json_error_never_shows_it(fake_clock):
    bearer = new_bearer()
    transport = ScriptedTransport(
        token_exchange(bearer),
        expect(
            "GET",
            f"{API}/v1/apps/my-app",
            answer(
                403,
                {"error": header_echo(f"Bearer {bearer}"), "resource": f"app {bearer}"},
                **{"X-Request-ID": f"Bearer {bearer}"},
            ),
        ),
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).find_app("my-app")
    assert_clean(caught.value, TOKEN, bearer, bearer.split(".")[1])
    assert (
        caught.value.failure["error"]
        == f"Host: api User-Agent: scalingo.cloud-ansible {MARKER} Accept: application/json"
    )
    assert caught.value.failure["request_id"] == f"Bearer {MARKER}"


def test_field_errors_and_the_url_member_are_cleaned(fake_clock):
    bearer = new_bearer()
    refusal = {
        "errors": {"value": [f"{TOKEN} is not {bearer}"], f"Bearer {bearer}": "is unknown"},
        "error": "refused",
        "url": "https://storage.example/a?X-Amz-Signature=0f1e2d&X-Amz-Credential=AKIA",
    }
    transport = ScriptedTransport(
        token_exchange(bearer), expect("PUT", f"{API}/v1/apps/my-app/variables", answer(422, refusal))
    )
    with pytest.raises(ScalingoError) as caught:
        make_client(fake_clock, transport).request("PUT", "/apps/my-app/variables", {}, action="could not set")
    assert_clean(caught.value, TOKEN, bearer, "0f1e2d", "AKIA")
    assert caught.value.message == (
        f"could not set: value {MARKER} is not {MARKER}; Bearer {MARKER} is unknown (HTTP 422)"
    )


def test_a_plain_text_echo_of_a_body_never_shows_a_secret_value_even_where_it_is_cut(fake_clock):
    body = json.dumps({"variables": [{"name": "A", "value": SECRET}]})
    long_body = "x" * (200 - 20) + " " + SECRET  # the value straddles the 200 characters kept
    transport = ScriptedTransport(
        token_exchange(new_bearer()),
        [
            expect("PUT", f"{API}/v1/apps/my-app/variables", text(422, echo))
            for echo in (body, " ".join(body.split()), long_body, " ".join(long_body.split()))
        ],
    )
    client = make_client(fake_clock, transport)
    client.secret_values = (SECRET,)
    for _attempt in range(4):
        with pytest.raises(ScalingoError) as caught:
            client.request("PUT", "/apps/my-app/variables", {}, action="could not set")
        assert_clean(caught.value, SECRET, "s3cr3t")
        assert MARKER in caught.value.message
    assert transport.finished


def test_the_reason_phrase_is_cleaned_too():
    class Answer:
        status_code = 400
        reason = f"Basic {b64(':' + TOKEN)}"
        headers = {}  # noqa: RUF012
        content = b""
        text = ""

    exc = ScalingoError.from_response(Answer(), "could not read", (TOKEN,))
    assert exc.message == f"could not read: Basic {MARKER} (HTTP 400)"
