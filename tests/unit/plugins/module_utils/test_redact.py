"""redact(): answer text as the text of a message, one test per form a credential or a secret takes."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._redact import MARKER, MIN_SECRET, redact, redact_all
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import TOKEN, jwt

BEARER = jwt(2_000_000_000)
# A token that does not look like one: found because it is given, not by a pattern.
PLAIN_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def test_a_bearer_header_keeps_its_scheme_only():
    assert redact(f"refused: Bearer {BEARER} (expired)") == f"refused: Bearer {MARKER} (expired)"
    assert redact(f"refused: bearer {BEARER}") == f"refused: bearer {MARKER}"


def test_a_basic_header_keeps_its_scheme_only():
    assert redact(f"got Basic {b64(':' + PLAIN_TOKEN)} here") == f"got Basic {MARKER} here"


def test_an_echoed_authorization_header_goes_whole():
    text = f"Host: api\nAuthorization: Bearer {BEARER}\nAccept: application/json"
    assert redact(text) == f"Host: api\n{MARKER}\nAccept: application/json"
    assert redact(json.dumps({"Authorization": f"Basic {b64(':x')}"})) == f'{{"{MARKER}"}}'


def test_a_bare_jwt():
    assert redact(f"token {BEARER} is not valid") == f"token {MARKER} is not valid"
    header_and_payload = BEARER.rsplit(".", 1)[0]
    assert redact(f"cut: {header_and_payload}") == f"cut: {MARKER}"


def test_the_token_given_or_shaped_like_a_scalingo_token():
    assert redact(f"unknown token {TOKEN}") == f"unknown token {MARKER}"
    assert redact(f"unknown token {PLAIN_TOKEN}!", [PLAIN_TOKEN]) == f"unknown token {MARKER}!"


@pytest.mark.parametrize("encoded", [b64(PLAIN_TOKEN), b64(":" + PLAIN_TOKEN), b64("user:" + PLAIN_TOKEN)])
def test_the_base64_of_the_token_at_any_alignment(encoded):
    assert redact(f"credentials {encoded} refused", [PLAIN_TOKEN]) == f"credentials {MARKER} refused"
    urlsafe = encoded.replace("+", "-").replace("/", "_")
    assert redact(f"credentials {urlsafe} refused", [PLAIN_TOKEN]) == f"credentials {MARKER} refused"


def test_the_bearer_given_as_a_secret_and_its_base64():
    opaque = "opaque-bearer-0123456789"  # not JWT-shaped: only the value finds it
    assert redact(f"bearer {opaque} revoked", [opaque]) == f"bearer {MARKER} revoked"
    assert redact(f"x-auth {b64(opaque)}", [opaque]) == f"x-auth {MARKER}"


def test_a_multi_line_secret_collapsed():
    value = "first line of the secret\n  second line"
    assert redact("got: first line of the secret second line; refused", [value]) == f"got: {MARKER}; refused"


def test_a_secret_split_over_whitespace():
    value = "s3cr3t-value-without-spaces"
    assert redact("got: s3cr3t-value-\n without-spaces; refused", [value]) == f"got: {MARKER}; refused"
    assert redact("got: s3cr3t-val ue-without-spa ces", [value]) == f"got: {MARKER}"


def test_a_secret_whose_own_spacing_was_collapsed():
    assert redact("got: two  spaces inside", ["two  spaces inside"]) == f"got: {MARKER}"


def test_a_secret_json_escaped_in_an_echoed_body():
    body = json.dumps({"variables": [{"name": "KEY", "value": KEY}]})
    cleaned = redact(body, [KEY])
    assert "PRIVATE KEY" not in cleaned and "MIIEvQ" not in cleaned
    assert json.loads(cleaned) == {"variables": [{"name": "KEY", "value": MARKER}]}


def test_a_secret_url_encoded():
    assert redact("value=p%40ss+w0rd%21%21", ["p@ss w0rd!!"]) == f"value={MARKER}"


@pytest.mark.parametrize(
    "url, shown",
    [
        (
            "https://bucket.s3.amazonaws.com/src/a.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1"
            "&X-Amz-Signature=0f1e2d",
            f"https://bucket.s3.amazonaws.com/src/a.tar.gz?{MARKER}",
        ),
        ("https://sim.test/_sources/abc?token=s3cr3t-dl-1", f"https://sim.test/_sources/abc?{MARKER}"),
        (
            "https://acct.blob.core.windows.net/c/b?sv=2022&sig=abc%3D",
            f"https://acct.blob.core.windows.net/c/b?{MARKER}",
        ),
        ("https://user:pa55@git.example/repo.tar.gz", f"https://{MARKER}@git.example/repo.tar.gz"),
        ("https://app.example/cb#access_token=abc", f"https://app.example/cb#{MARKER}"),
    ],
)
def test_a_pre_signed_or_credential_url_keeps_its_origin_and_path(url, shown):
    assert redact(f"can't fetch {url}: 403") == f"can't fetch {shown}: 403"


def test_credential_fields_outside_urls():
    assert redact("token=abc123&app=shop") == f"token={MARKER}&app=shop"
    assert redact('{"token": "abc", "app": "shop"}') == f'{{"token": "{MARKER}", "app": "shop"}}'


@pytest.mark.parametrize(
    "text",
    [
        "could not read app 'my-shop': app not found (HTTP 404, request id 6f1c0e2a-13f2-4a42-9d1a-1c2b3d4e5f60)",
        "could not create app 'x': name can't end with an hyphen, can't contain 2 consecutive hyphens (HTTP 422)",
        "could not exchange the API token for a bearer token: the auth service answered without a well-formed "
        "bearer token (is auth_url http://127.0.0.1:8080 Scalingo's auth service?) (HTTP 200)",
        "Sorry, you need to verify your account (https://my.scalingo.com/apps/billing?page=2)",
        "Invalid credentials: check api_token (or SCALINGO_API_TOKEN) and that this user can access the app",
        "plan 'Basic plan' of addon postgresql; a bearer token is needed; Authorization required",
        "create a TXT record _acme-challenge.shop.example.com with the value gfj9Xq4lmVRm0Tn5B1bD7aWzLkjC7AnTp8",
        "wait_timeout=300 s, rate_limit_retry_timeout=60, set validate_certs=false for a test endpoint only",
    ],
)
def test_ordinary_error_text_is_untouched(text):
    assert redact(text, [PLAIN_TOKEN, BEARER]) == text


def test_short_values_are_not_looked_for_but_the_patterns_still_apply():
    text = "could not read app 'shop': HTTP 401 true"
    assert redact(text, ["1", "true", "x" * (MIN_SECRET - 1)]) == text
    assert redact(f"Bearer {BEARER}", ["1"]) == f"Bearer {MARKER}"
    assert redact(f"got {'y' * MIN_SECRET}", ["y" * MIN_SECRET]) == f"got {MARKER}"


def test_redact_all_cleans_every_string_keys_included():
    failure = {
        "error": f"Authorization: Bearer {BEARER}",
        "errors": {"value": [f"{PLAIN_TOKEN} is invalid"], PLAIN_TOKEN: "x"},
        "status": 422,
        "nested": ({"url": "https://x.example/a?sig=1"},),
    }
    assert redact_all(failure, [PLAIN_TOKEN]) == {
        "error": MARKER,
        "errors": {"value": [f"{MARKER} is invalid"], MARKER: "x"},
        "status": 422,
        "nested": ({"url": f"https://x.example/a?{MARKER}"},),
    }
