"""HS512 JWTs shaped like the ones Scalingo's auth service issues."""

import base64
import hashlib
import hmac
import json
import secrets
import time

HEADER = {"typ": "JWT", "alg": "HS512"}


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, signing_input: str) -> str:
    return _b64encode(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha512).digest())


def issue(secret: bytes, user_id: str, ttl: float) -> tuple[str, dict]:
    iat = int(time.time())
    payload = {"iss": "Scalingo", "iat": iat, "uuid": user_id, "rnd": secrets.token_hex(32), "exp": iat + int(ttl)}
    head = _b64encode(json.dumps(HEADER, separators=(",", ":")).encode())
    body = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}"
    return f"{signing_input}.{_sign(secret, signing_input)}", payload


def verify(secret: bytes, token: str) -> dict | None:
    """The payload if the signature is ours and the token is not expired."""
    try:
        head, body, signature = token.split(".")
        if not hmac.compare_digest(signature, _sign(secret, f"{head}.{body}")):
            return None
        if json.loads(_b64decode(head)) != HEADER:
            return None
        payload = json.loads(_b64decode(body))
        if not isinstance(payload, dict) or payload.get("exp", 0) <= time.time():
            return None
        return payload
    except (ValueError, UnicodeError):
        return None
