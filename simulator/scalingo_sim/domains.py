"""Custom domains of an app: list, show, add, update (canonical, Let's Encrypt, certificate), remove.

Certificates are read with cryptography, as the API reads the PEMs a client sends, and shown the
way the API shows them: a subject in OpenSSL's one-line form, a key description, an expiry date.
"""

import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Blueprint

from . import errors
from .render import domain_json
from .responses import json_response, no_content
from .state import Domain
from .web import json_object, locked_app, state, visible_app

bp = Blueprint("domains", __name__, url_prefix="/v1")

MAX_DOMAINS = 20
HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.S)
SHORT_NAMES = {
    "2.5.4.6": "C",
    "2.5.4.8": "ST",
    "2.5.4.7": "L",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}


# ------------------------------------------------------------------ certificates
def oneline(name: x509.Name) -> str:
    """OpenSSL's X509_NAME_oneline: /C=FR/O=Example/CN=example.com, bytes outside ASCII as \\xHH."""
    parts = []
    for rdn in name.rdns:
        attributes = []
        for attribute in rdn:
            value = "".join(
                chr(b) if 0x20 <= b <= 0x7E else f"\\x{b:02X}" for b in str(attribute.value).encode("utf-8", "replace")
            )
            attributes.append(f"{SHORT_NAMES.get(attribute.oid.dotted_string, attribute.oid.dotted_string)}={value}")
        parts.append("+".join(attributes))
    return "".join(f"/{part}" for part in parts)


def key_description(key) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA private key - {key.key_size} bytes"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC private key - {key.curve.key_size} bytes"
    return f"{type(key).__name__.removesuffix('PrivateKey').removeprefix('_')} private key"


def public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def read_certificate(cert_pem, key_pem):
    """(certificate facts, None) or (None, errors map) for a PEM certificate (chain) and key."""
    blocks = PEM_CERTIFICATE.findall(cert_pem)
    try:
        leaf = x509.load_pem_x509_certificate(blocks[0].encode())
    except (IndexError, ValueError):
        return None, {"tlscert": ["is invalid"]}
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except Exception:
        return None, {"tlskey": ["is invalid"]}
    if public(key.public_key()) != public(leaf.public_key()):
        return None, {"tlskey": ["doesn't match the certificate"]}
    return {"subject": oneline(leaf.subject), "key": key_description(key), "not_after": leaf.not_valid_after_utc}, None


# ------------------------------------------------------------------ domains
def find_domain(app, ident: str) -> Domain:
    return errors.found(state().find_domain(app, ident), "domain")


def fields_of_body() -> dict:
    body = json_object()
    return body["domain"] if isinstance(body.get("domain"), dict) else {}


def check_settings(fields: dict, name: str, problems: dict):
    """The certificate facts to store (None: remove, False: unchanged), adding to `problems`."""
    for key in ("canonical", "letsencrypt_enabled"):
        if key in fields and not isinstance(fields[key], bool):
            problems[key] = ["must be a boolean"]
    if fields.get("canonical") is True and name.startswith("*."):
        problems["canonical"] = ["a wildcard domain can't be the canonical domain"]
    if "tlscert" not in fields and "tlskey" not in fields:
        return False
    cert, key = fields.get("tlscert") or "", fields.get("tlskey") or ""
    if not isinstance(cert, str) or not isinstance(key, str):
        problems["tlscert"] = ["must be a string"]
        return False
    if not cert and not key:
        return None
    for field, value in (("tlscert", cert), ("tlskey", key)):
        if not value:
            problems[field] = ["can't be blank"]
    if problems:
        return False
    facts, cert_problems = read_certificate(cert, key)
    problems.update(cert_problems or {})
    return facts if facts else False


@bp.get("/apps/<ident>/domains")
def list_domains(ident):
    s = state()
    with s.lock:
        return json_response({"domains": [domain_json(d) for d in visible_app(ident).domains]})


@bp.get("/apps/<ident>/domains/<domain_id>")
def show_domain(ident, domain_id):
    s = state()
    with s.lock:
        return json_response({"domain": domain_json(find_domain(visible_app(ident), domain_id))})


@bp.post("/apps/<ident>/domains")
def add_domain(ident):
    fields = fields_of_body()
    with locked_app(ident) as (s, app):
        name = fields.get("name")
        problems = {}
        if not isinstance(name, str) or not name.strip():
            problems["name"] = ["can't be blank"]
            name = ""
        elif not HOST.match(name.lower()):
            problems["name"] = ["is invalid"]
        elif s.domain_taken(name.lower()):
            problems["name"] = ["has already been taken"]
        cert = check_settings(fields, name, problems)
        if problems:
            return errors.unprocessable(problems)
        if len(app.domains) >= MAX_DOMAINS:
            return errors.domain_limit(MAX_DOMAINS)
        domain = s.add_domain(app, name.lower())
        s.set_domain(app, domain, fields, cert)
        return json_response({"domain": domain_json(domain)}, 201)


@bp.route("/apps/<ident>/domains/<domain_id>", methods=["PATCH", "PUT"])
def update_domain(ident, domain_id):
    fields = fields_of_body()
    with locked_app(ident) as (s, app):
        domain = find_domain(app, domain_id)
        problems = {}
        cert = check_settings(fields, domain.name, problems)
        if problems:
            return errors.unprocessable(problems)
        s.set_domain(app, domain, fields, cert)
        return json_response({"domain": domain_json(domain)})


@bp.delete("/apps/<ident>/domains/<domain_id>")
def remove_domain(ident, domain_id):
    with locked_app(ident) as (s, app):
        s.remove_domain(app, find_domain(app, domain_id))
        return no_content()
