# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the one way answer text becomes the text of a message.

An answer may quote anything a server saw or holds: the request's headers (the bearer, the API token
as Basic auth), its body (environment values, certificate keys), pre-signed URLs. redact() replaces
what looks like a credential, and every secret value it is given, with a marker. Nothing here is a
public API; it may change in any release.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MARKER = "<redacted>"

# Secret values shorter than this (not counting whitespace) are not looked for: Ansible still masks the
# exact value wherever it appears, at any length, but the other forms looked for here (whitespace
# changed, JSON- or URL-escaped, base64) of a value of a few characters would match ordinary words and
# numbers of a message: an env value `1`, `true` or `info` would hide parts of "HTTP 401" or of an app
# name. Credentials are far longer (a Scalingo token, a bearer, a key); the patterns below still apply
# to any text.
MIN_SECRET = 6

BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")

# Names of query parameters and fields that hold a credential (pre-signed URLs: X-Amz-Signature,
# X-Amz-Credential, X-Amz-Security-Token, X-Goog-Signature, Azure's sig, Scalingo's token=).
SECRET_NAME = (
    r"[\w.-]*?(?:token|secret|signature|sig|password|passwd|pwd|credential|(?:api|access|private)_?key)[\w.-]*"
)
SECRET_KEY = re.compile(rf"(?i)(?:^|[&;])(?:{SECRET_NAME}|key|auth|code|session[\w.-]*)=")

PATTERNS = (
    # A header as a server echoes it, name and value: "Authorization: Bearer …", {"Authorization": "Basic …"}.
    (
        re.compile(
            r"(?i:\b(?:proxy-)?authorization\b)[\"']?\s*[:=]\s*[\"']?"
            r"(?:(?i:bearer|basic|token|digest)\s+)?[^\s\"',;}]*"
        ),
        lambda m: MARKER,
    ),
    # An auth scheme with a credential after it (an ordinary word such as "Basic plan" is left alone).
    (
        re.compile(r"(?i:\b(bearer|basic))(\s+)([A-Za-z0-9._~+/-]+=*)"),
        lambda m: m.group(1) + m.group(2) + MARKER if credential_like(m.group(3)) else m.group(0),
    ),
    # A URL with credentials in it (user info, or a pre-signed query string or fragment).
    # (Punctuation after it is the sentence's.)
    (
        re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]*[^\s\"'<>.,:;!?)\]]"),
        lambda m: url_without_credentials(m.group(0)),
    ),
    # A JWT (a bearer), whole or without its signature.
    (re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"), lambda m: MARKER),
    # A Scalingo API token.
    (re.compile(r"\btk-us-[A-Za-z0-9_-]+"), lambda m: MARKER),
    # name=value and "name": "value" of a credential outside a URL (a form body, a JSON body).
    (re.compile(rf"(?i)\b({SECRET_NAME})=[^\s&\"'<>;,]+"), lambda m: f"{m.group(1)}={MARKER}"),
    (re.compile(rf"(?i)\"({SECRET_NAME})\"(\s*:\s*)\"[^\"]*\""), lambda m: f'"{m.group(1)}"{m.group(2)}"{MARKER}"'),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value in `secrets` and anything that looks like a credential replaced by MARKER.

    A secret value is found as it is, with its whitespace changed anywhere (collapsed, re-wrapped or split
    over lines), JSON- or URL-escaped, and in base64 (as Basic auth carries the API token): a base64 word
    holding it is replaced whole. Values go first, so that the marker stands for a whole value.
    """
    plain, encoded = value_patterns(frozenset(s for s in secrets if isinstance(s, str)))
    if plain is not None:
        text = plain.sub(MARKER, text)
    if encoded is not None:
        text = replace_words(text, encoded)
    for pattern, replace in PATTERNS:
        text = pattern.sub(replace, text)
    return text


def redact_all(value: Any, secrets: Iterable[str] = ()) -> Any:
    """`value` with redact() applied to every string in it, the keys of dicts included."""
    secrets = frozenset(s for s in secrets if isinstance(s, str))
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_all(k, secrets): redact_all(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_all(item, secrets) for item in value)
    return value


def credential_like(word: str) -> bool:
    """A word after "Bearer" or "Basic" that is a credential, not prose: long, with a digit, a sign or inner capital."""
    return len(word) >= 8 and (any(c.isdigit() or c in "+/=._~-" for c in word) or any(c.isupper() for c in word[1:]))


def url_without_credentials(url: str) -> str:
    scheme, rest = url.split("://", 1)
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = MARKER + "@" + authority.rsplit("@", 1)[1]
    path, hash_, fragment = (slash + path).partition("#")
    path, question, query = path.partition("?")
    if SECRET_KEY.search(query):
        query = MARKER
    if SECRET_KEY.search(fragment):
        fragment = MARKER
    return f"{scheme}://{authority}{path}{question}{query}{hash_}{fragment}"


@functools.lru_cache(maxsize=16)
def value_patterns(secrets: frozenset[str]) -> tuple[re.Pattern | None, re.Pattern | None]:
    """(the forms of the secrets as text, their base64 forms), each as one pattern, longest first."""
    plain, encoded = set(), set()
    for secret in secrets:
        if sum(not c.isspace() for c in secret) < MIN_SECRET:
            continue
        plain |= {
            secret,
            json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False)[1:-1],
            quote(secret, safe=""),
            quote_plus(secret, safe=""),
        }
        encoded |= base64_forms(secret) | base64_forms(secret.strip())
    return compiled(plain), compiled({form for form in encoded if len(form) >= MIN_SECRET})


def compiled(forms: set[str]) -> re.Pattern | None:
    if not forms:
        return None
    flexible = {loose(form) for form in forms}
    return re.compile("|".join(sorted(flexible, key=len, reverse=True)))


def loose(form: str) -> str:
    """A pattern of `form` that matches it also with whitespace added, removed or changed anywhere."""
    return r"\s*".join(re.escape(c) for c in form if not c.isspace())


def base64_forms(value: str) -> set[str]:
    """What the base64 of `value` is wherever it starts in a longer encoded text, standard and URL-safe.

    At each of the three alignments (base64(":" + token) of Basic auth is the second one), only the
    characters made of the value's bits alone: the first ones mix in what comes before, the last one
    what comes after.
    """
    data = value.encode("utf-8")
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode().rstrip("=")
        start = -(-offset * 8 // 6)
        end = len(encoded) if (offset + len(data)) % 3 == 0 else len(encoded) - 1
        part = encoded[start:end]
        forms |= {part, part.replace("+", "-").replace("/", "_")}
    return forms


def replace_words(text: str, pattern: re.Pattern) -> str:
    """`text` with each base64 word in which `pattern` is found replaced whole by MARKER."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        start, end = match.start(), match.end()
        if start < last:
            continue  # inside the word just replaced
        while start > last and text[start - 1] in BASE64_CHARS:
            start -= 1
        while end < len(text) and (text[end] in BASE64_CHARS or text[end] == "="):
            end += 1
        pieces += [text[last:start], MARKER]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
