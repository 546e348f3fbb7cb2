"""Write a self-signed certificate and its EC key, in PEM, for the scalingo_domain target.

python make_cert.py DIR NAME CN DAYS: DIR/NAME.crt for CN (also its subjectAltName) and DIR/NAME.key,
expiring DAYS days after 2031-08-05T17:57:21Z. Prints nothing: the key stays in its 0600 file.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main():
    directory, name, cn, days = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Scalingo Cloud Tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    not_after = datetime(2031, 8, 5, 17, 57, 21, tzinfo=UTC) + timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=3650))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(directory, f"{name}.crt"), "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(os.path.join(directory, f"{name}.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


if __name__ == "__main__":
    main()
