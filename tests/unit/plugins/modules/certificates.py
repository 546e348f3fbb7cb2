"""Self-signed certificates and keys in PEM for the scalingo_domain tests, made with cryptography."""

from __future__ import annotations

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
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    pems = (cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem(key))
    return (*pems, key) if with_key else pems


# Scalingo's way of showing the certificate above: its subject, and its expiry at Paris time.
SUBJECT = "/C=FR/O=Example/CN=www.example.com"
VALIDITY = "2031-08-05T19:57:21.000+02:00"
VALIDITY_UTC = "2031-08-05T17:57:21Z"
