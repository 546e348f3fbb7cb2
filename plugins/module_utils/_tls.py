# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: domain names and TLS certificates for scalingo_domain.

Scalingo never gives a certificate back: it answers its subject (OpenSSL's one-line form,
`/C=FR/O=Example/CN=www.example.com`) and its expiry (`validity`). read_certificate() gives the
same two facts of a PEM certificate, so a task can tell whether the certificate it holds is the one
in place without sending it. Messages never quote a private key, nor an exception raised on one.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

MAX_DOMAIN_LENGTH = 253
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.S)
# OpenSSL's short names of the attributes a certificate subject holds, by OID.
SHORT_NAMES = {
    "2.5.4.6": "C",
    "2.5.4.8": "ST",
    "2.5.4.7": "L",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "2.5.4.9": "street",
    "2.5.4.17": "postalCode",
    "2.5.4.4": "SN",
    "2.5.4.42": "GN",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
}


def domain_name_problem(name: str) -> str | None:
    """What makes `name` (lower case) unusable as a custom domain, or None."""
    if "://" in name or "/" in name:
        return "give a host name such as www.example.com, without a scheme or a path"
    if name.endswith("."):
        return "give it without the trailing dot"
    if not name.isascii():
        return "give an internationalized name in its ASCII form (xn--...)"
    labels = name.split(".")
    if len(name) > MAX_DOMAIN_LENGTH or len(labels) < 2:
        return "a domain name has two labels or more (www.example.com) and at most 253 characters"
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            return "a wildcard domain covers a domain name of two labels or more (*.example.com)"
    bad = next((label for label in labels if not LABEL.match(label)), None)
    if bad is not None:
        return f"label {bad!r} should have 1 to 63 letters, digits or hyphens, without a hyphen at either end" + (
            " (a wildcard is only allowed as the whole first label: *.example.com)" if "*" in bad else ""
        )
    return None


def is_wildcard(name: str) -> bool:
    return name.startswith("*.")


def oneline(name: x509.Name) -> str:
    """A subject in OpenSSL's one-line form, as Scalingo shows a certificate's subject."""
    parts = []
    for rdn in name.rdns:
        parts.append(
            "+".join(
                f"{SHORT_NAMES.get(a.oid.dotted_string, a.oid.dotted_string)}={_escape(str(a.value))}" for a in rdn
            )
        )
    return "".join(f"/{part}" for part in parts)


def _escape(value: str) -> str:
    return "".join(chr(byte) if 0x20 <= byte <= 0x7E else f"\\x{byte:02X}" for byte in value.encode("utf-8", "replace"))


def _public(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _not_after(certificate: Any) -> datetime:
    moment = getattr(certificate, "not_valid_after_utc", None)
    return moment or certificate.not_valid_after.replace(tzinfo=UTC)


def read_certificate(cert_pem: str, key_pem: str) -> dict:
    """The facts Scalingo shows of a certificate, after checking the key is its own.

    Returns {"subject", "subjects" (the spellings that match it), "validity" (an aware datetime),
    "names" (the DNS names it covers)}; raises ValueError with a one-line message naming the option,
    whatever the certificate or the key hold.
    """
    blocks = PEM_CERTIFICATE.findall(cert_pem)
    if not blocks:
        raise ValueError("tls_cert is not a PEM certificate: it should hold a -----BEGIN CERTIFICATE----- block")
    chain = []
    for number, block in enumerate(blocks, 1):
        try:
            chain.append(x509.load_pem_x509_certificate(block.encode()))
        except Exception:  # ValueError, InvalidVersion...: cryptography's text is not for the task's user
            raise ValueError(
                f"tls_cert is not a valid PEM certificate (block {number} of {len(blocks)} could not be read)"
            ) from None
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        mine = _public(key.public_key())
    except TypeError:
        raise ValueError("tls_key is encrypted with a passphrase: give the key without one") from None
    except Exception:  # any other failure: its text is never shown, as it is about a secret
        raise ValueError("tls_key is not a private key in PEM (an unencrypted RSA or EC key)") from None
    leaf = chain[0]
    try:
        # Parsed lazily: a duplicate extension, an unknown key algorithm or a bad field raises only here.
        leaf_key = _public(leaf.public_key())
        names = _dns_names(leaf)
        subject, spelled = oneline(leaf.subject), leaf.subject.rfc4514_string()
        validity = _not_after(leaf)
    except Exception as exc:
        why = WHY.get(type(exc).__name__, "it could not be read")
        raise ValueError(
            f"tls_cert: certificate 1 of {len(chain)} can't be used: {why} ({type(exc).__name__})"
        ) from None
    if leaf_key != mine:
        other = next((n for n, c in enumerate(chain[1:], 2) if _public_or_none(c) == mine), None)
        if other:
            raise ValueError(
                f"tls_key belongs to certificate {other} of tls_cert: put the domain's certificate first, then its chain"
            )
        raise ValueError("tls_key does not match tls_cert: give the private key the certificate was made for")
    return {
        "subject": subject,
        "subjects": {subject, spelled},
        "validity": validity,
        "names": [n.lower() for n in names],
    }


# Why cryptography could not read a field of a certificate, by the exception it raised.
WHY = {
    "DuplicateExtension": "it holds an extension twice",
    "UnsupportedAlgorithm": "its public key is of an algorithm this host's cryptography can't read",
}


def _dns_names(certificate: Any) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return [str(a.value) for a in certificate.subject if a.oid.dotted_string == "2.5.4.3"]
    return san.value.get_values_for_type(x509.DNSName)


def _public_or_none(certificate: Any) -> bytes | None:
    try:
        return _public(certificate.public_key())
    except Exception:  # a chain certificate that can't be read is only not the key's
        return None


def covers(names: list[str], domain: str) -> bool:
    """True when a certificate for `names` is valid for `domain` (a wildcard covers one label)."""
    for name in names:
        if name == domain:
            return True
        if name.startswith("*.") and not is_wildcard(domain) and domain.split(".", 1)[-1] == name[2:]:
            return True
    return False


def parse_time(text: Any) -> datetime | None:
    """An aware datetime from the API's ISO 8601 text (`2015-08-05T19:57:21.000+02:00`, `...Z`), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shown_time(moment: datetime) -> str:
    """UTC, to the second: the same text for the same instant, whatever offset the API used."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def custom_cert(domain: dict) -> dict | None:
    """The custom certificate of a domain object of the API, as {subject, validity (UTC)}, or None."""
    subject = domain.get("tlscert")
    if not domain.get("ssl") or not isinstance(subject, str) or not subject:
        return None
    moment = parse_time(domain.get("validity"))
    return {"subject": subject, "validity": shown_time(moment) if moment else domain.get("validity")}


def holds(domain: dict, cert: dict) -> bool:
    """True when the custom certificate in place is `cert` (same subject, same expiry date)."""
    now = custom_cert(domain)
    return now is not None and now["subject"] in cert["subjects"] and now["validity"] == shown_time(cert["validity"])
