"""Self-signed certificates and keys in PEM for the scalingo_domain tests, made with cryptography."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_AFTER = datetime(2031, 8, 5, 17, 57, 21, tzinfo=UTC)


def key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def pem_pair(
    cn="www.example.com",
    not_after=NOT_AFTER,
    sans=None,
    organization="Example",
    key=None,
    issuer_key=None,
    with_key=False,
    extensions=(),
):
    """(certificate PEM, key PEM), and the key object `with_key`: a certificate for `cn` (and `sans`), signed by
    `issuer_key` or itself."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=90))
        .not_valid_after(not_after)
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    pems = (cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem(key))
    return (*pems, key) if with_key else pems


# Scalingo's way of showing the certificate above: its subject, and its expiry at Paris time.
SUBJECT = "/C=FR/O=Example/CN=www.example.com"
VALIDITY = "2031-08-05T19:57:21.000+02:00"
VALIDITY_UTC = "2031-08-05T17:57:21Z"


# -- certificates cryptography's builder refuses to make ----------------------------------------------
#
# The builder won't add an extension twice nor use a key type it does not know. These helpers take a
# certificate it made, change bytes of its to-be-signed part, and sign that part again with the same
# key, so that the result is a well-formed certificate whose signature is still right.

EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")  # id-ecPublicKey, 1.2.840.10045.2.1
UNKNOWN_KEY_OID = bytes.fromhex("06072a8648ce3d0209")  # 1.2.840.10045.2.9: no such key type
SAN_OID = bytes.fromhex("0603551d11")  # subjectAltName, 2.5.29.17
IAN_OID = bytes.fromhex("0603551d12")  # issuerAltName, 2.5.29.18: same length


def _der_end(data: bytes, start: int) -> int:
    """Where the DER element starting at `start` ends."""
    first = data[start + 1]
    if first < 0x80:
        return start + 2 + first
    count = first & 0x7F
    return start + 2 + count + int.from_bytes(data[start + 2 : start + 2 + count], "big")


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def resigned(cert_pem: str, key, old: bytes, new: bytes) -> str:
    """`cert_pem` with `old` replaced by `new` (once) in its to-be-signed part, signed again by the EC `key`."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(old) == 1, "the bytes to patch should be there once"
    tbs = tbs.replace(old, new)
    algorithm_start = der.index(cert.tbs_certificate_bytes) + len(cert.tbs_certificate_bytes)
    algorithm = der[algorithm_start : _der_end(der, algorithm_start)]
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    patched = _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(patched).public_bytes(serialization.Encoding.PEM).decode()


def two_sans_pair():
    """(certificate PEM, key PEM): a certificate holding two subjectAltName extensions."""
    ian = x509.IssuerAlternativeName([x509.DNSName("www.example.com")])
    cert, key_text, key = pem_pair(sans=["www.example.com"], extensions=[ian], with_key=True)
    return resigned(cert, key, IAN_OID, SAN_OID), key_text  # the issuerAltName becomes a second subjectAltName


def unknown_key_type_pair():
    """(certificate PEM, key PEM): a certificate whose public key is of a type no library knows."""
    cert, key_text, key = pem_pair(with_key=True)
    return resigned(cert, key, EC_PUBLIC_KEY_OID, UNKNOWN_KEY_OID), key_text


def unknown_key_type_pem() -> str:
    """A PKCS#8 private key in PEM whose algorithm is of a type no library knows."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert der.count(EC_PUBLIC_KEY_OID) == 1
    body = base64.encodebytes(der.replace(EC_PUBLIC_KEY_OID, UNKNOWN_KEY_OID)).decode()
    return f"-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n"
