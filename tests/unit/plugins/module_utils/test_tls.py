from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.scalingo.cloud.plugins.module_utils._tls import (
    covers,
    custom_cert,
    domain_name_problem,
    holds,
    oneline,
    parse_time,
    read_certificate,
    shown_time,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.certificates import (
    NOT_AFTER,
    SUBJECT,
    VALIDITY,
    key_pem,
    pem_pair,
    two_sans_pair,
    unknown_key_type_pair,
    unknown_key_type_pem,
)

LABEL_RULE = "should have 1 to 63 letters, digits or hyphens, without a hyphen at either end"
WILDCARD_RULE = "(a wildcard is only allowed as the whole first label: *.example.com)"


@pytest.mark.parametrize(
    "name", ["www.example.com", "example.com", "*.example.com", "xn--caf-dma.example", "a-b.c-d.example", "1.example"]
)
def test_good_domain_names(name):
    assert domain_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("https://www.example.com", "give a host name such as www.example.com, without a scheme or a path"),
        ("www.example.com/shop", "give a host name such as www.example.com, without a scheme or a path"),
        ("www.example.com.", "give it without the trailing dot"),
        ("café.example", "give an internationalized name in its ASCII form (xn--...)"),
        ("localhost", "a domain name has two labels or more (www.example.com) and at most 253 characters"),
        ("", "a domain name has two labels or more (www.example.com) and at most 253 characters"),
        ("a." * 127 + "com", "a domain name has two labels or more (www.example.com) and at most 253 characters"),
        ("*.com", "a wildcard domain covers a domain name of two labels or more (*.example.com)"),
        (
            "www.*.example.com",
            f"label '*' {LABEL_RULE} {WILDCARD_RULE}",
        ),
        (
            "*shop.example.com",
            f"label '*shop' {LABEL_RULE} {WILDCARD_RULE}",
        ),
        (
            "-www.example.com",
            "label '-www' should have 1 to 63 letters, digits or hyphens, without a hyphen at either end",
        ),
        ("www..example.com", "label '' should have 1 to 63 letters, digits or hyphens, without a hyphen at either end"),
        (
            "my_shop.example.com",
            "label 'my_shop' should have 1 to 63 letters, digits or hyphens, without a hyphen at either end",
        ),
        (
            "www example.com",
            "label 'www example' should have 1 to 63 letters, digits or hyphens, without a hyphen at either end",
        ),
        (
            "a" * 64 + ".com",
            f"label '{'a' * 64}' should have 1 to 63 letters, digits or hyphens, without a hyphen at either end",
        ),
    ],
)
def test_bad_domain_names_say_why(name, problem):
    assert domain_name_problem(name) == problem


def test_a_certificate_is_read_as_scalingo_shows_it():
    cert, key = pem_pair(sans=["www.example.com", "example.com"])
    facts = read_certificate(cert, key)
    assert facts["subject"] == SUBJECT
    assert facts["subjects"] == {SUBJECT, "CN=www.example.com,O=Example,C=FR"}
    assert facts["validity"] == NOT_AFTER
    assert facts["names"] == ["www.example.com", "example.com"]


def test_the_common_name_stands_for_the_names_without_a_san_extension():
    cert, key = pem_pair("Shop.Example.com")
    assert read_certificate(cert, key)["names"] == ["shop.example.com"]


def test_subjects_outside_ascii_are_escaped_as_openssl_does():
    cert, key = pem_pair(organization="Café + Co/Ltd")
    assert read_certificate(cert, key)["subject"] == "/C=FR/O=Caf\\xC3\\xA9 + Co/Ltd/CN=www.example.com"


def test_a_multi_valued_rdn_and_an_unknown_attribute_are_shown_like_openssl():
    name = x509.Name(
        [
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME, "Ops"),
                    x509.NameAttribute(x509.ObjectIdentifier("1.2.3.4"), "x"),
                ]
            ),
            x509.RelativeDistinguishedName([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "a.example")]),
        ]
    )
    assert oneline(name) == "/OU=Ops+1.2.3.4=x/CN=a.example"


def test_a_chain_is_read_from_its_first_certificate():
    leaf, key = pem_pair()
    issuer = pem_pair("Example CA")[0]
    assert read_certificate(leaf + "\n" + issuer, key)["subject"] == SUBJECT


def test_a_chain_in_the_wrong_order_says_so():
    leaf, key = pem_pair()
    issuer = pem_pair("Example CA")[0]
    with pytest.raises(
        ValueError, match=r"^tls_key belongs to certificate 2 of tls_cert: put the domain's certificate first"
    ):
        read_certificate(issuer + leaf, key)


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        (
            "not a certificate",
            "KEY",
            "tls_cert is not a PEM certificate: it should hold a -----BEGIN CERTIFICATE----- block",
        ),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "KEY",
            "tls_cert is not a valid PEM certificate (block 1 of 1 could not be read)",
        ),
        ("CERT", "not a key", "tls_key is not a private key in PEM (an unencrypted RSA or EC key)"),
        (
            "CERT",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "tls_key is not a private key in PEM (an unencrypted RSA or EC key)",
        ),
        ("CERT", "ENCRYPTED", "tls_key is encrypted with a passphrase: give the key without one"),
        ("CERT", "OTHER", "tls_key does not match tls_cert: give the private key the certificate was made for"),
    ],
)
def test_bad_certificates_and_keys_say_what_is_wrong_without_quoting_the_key(cert, key, message):
    good_cert, good_key, key_object = pem_pair(with_key=True)
    other_key = pem_pair()[1]
    swap = {
        "CERT": good_cert,
        "KEY": good_key,
        "OTHER": other_key,
        "ENCRYPTED": key_pem(key_object, b"s3cr3t-passphrase"),
    }
    with pytest.raises(ValueError) as caught:
        read_certificate(swap.get(cert, cert), swap.get(key, key))
    assert str(caught.value).startswith(message)
    assert "PRIVATE KEY-----\n" not in str(caught.value) and caught.value.__cause__ is None


def test_an_rsa_key_matches_its_certificate():
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert, key = pem_pair(key=rsa_key)
    assert read_certificate(cert, key)["subject"] == SUBJECT


def test_a_certificate_signed_by_another_key_still_matches_its_own_key():
    cert, key = pem_pair(issuer_key=ec.generate_private_key(ec.SECP256R1()))
    assert read_certificate(cert, key)["subject"] == SUBJECT


@pytest.mark.parametrize(
    ("names", "domain", "expected"),
    [
        (["www.example.com"], "www.example.com", True),
        (["*.example.com"], "www.example.com", True),
        (["*.example.com"], "a.b.example.com", False),
        (["*.example.com"], "example.com", False),
        (["*.example.com"], "*.example.com", True),
        (["www.example.com"], "*.example.com", False),
        ([], "www.example.com", False),
    ],
)
def test_which_names_a_certificate_covers(names, domain, expected):
    assert covers(names, domain) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-08-05T19:57:21.000+02:00", datetime(2015, 8, 5, 17, 57, 21, tzinfo=UTC)),
        ("2015-08-05T17:57:21Z", datetime(2015, 8, 5, 17, 57, 21, tzinfo=UTC)),
        ("2015-08-05T17:57:21", datetime(2015, 8, 5, 17, 57, 21, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_api_times_are_read_as_instants(text, expected):
    assert parse_time(text) == expected


def test_times_are_shown_in_utc_to_the_second():
    assert shown_time(parse_time(VALIDITY)) == "2031-08-05T17:57:21Z"


def test_the_custom_certificate_of_a_domain_object():
    assert custom_cert({"ssl": True, "tlscert": SUBJECT, "validity": VALIDITY}) == {
        "subject": SUBJECT,
        "validity": "2031-08-05T17:57:21Z",
    }
    assert custom_cert({"ssl": True, "tlscert": SUBJECT, "validity": "soon"}) == {
        "subject": SUBJECT,
        "validity": "soon",
    }
    for domain in ({"ssl": False, "tlscert": SUBJECT}, {"ssl": True}, {"ssl": True, "tlscert": ""}, {}):
        assert custom_cert(domain) is None


def test_a_domain_holds_a_certificate_with_the_same_subject_and_expiry():
    cert, key = pem_pair()
    facts = read_certificate(cert, key)
    assert holds({"ssl": True, "tlscert": SUBJECT, "validity": VALIDITY}, facts)
    assert not holds({"ssl": True, "tlscert": SUBJECT, "validity": "2031-08-05T19:57:22.000+02:00"}, facts)
    assert not holds({"ssl": True, "tlscert": "/CN=www.example.com", "validity": VALIDITY}, facts)
    assert not holds({"ssl": False}, facts)


# -- certificates and keys cryptography can't read: one line naming the option, never a traceback ------


def one_line_about(exc, option):
    message = str(exc)
    assert message.startswith(f"{option}") and "\n" not in message
    assert exc.__cause__ is None and exc.__suppress_context__
    return message


def test_a_certificate_with_two_subject_alt_names_fails_naming_tls_cert():
    cert, key = two_sans_pair()
    with pytest.raises(x509.DuplicateExtension):  # the certificate is what the test means it to be
        x509.load_pem_x509_certificate(cert.encode()).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    with pytest.raises(ValueError) as caught:
        read_certificate(cert, key)
    assert one_line_about(caught.value, "tls_cert") == (
        "tls_cert: certificate 1 of 1 can't be used: it holds an extension twice (DuplicateExtension)"
    )


def test_a_certificate_of_an_unknown_key_algorithm_fails_naming_tls_cert():
    cert, key = unknown_key_type_pair()
    with pytest.raises(UnsupportedAlgorithm):
        x509.load_pem_x509_certificate(cert.encode()).public_key()
    with pytest.raises(ValueError) as caught:
        read_certificate(cert, key)
    assert one_line_about(caught.value, "tls_cert") == (
        "tls_cert: certificate 1 of 1 can't be used: its public key is of an algorithm this host's cryptography "
        "can't read (UnsupportedAlgorithm)"
    )


def test_a_chain_certificate_of_an_unknown_key_algorithm_does_not_hide_a_key_mismatch():
    leaf = pem_pair()[0]
    odd, key = unknown_key_type_pair()
    with pytest.raises(ValueError, match=r"^tls_key does not match tls_cert"):
        read_certificate(leaf + odd, key)


def test_a_key_of_an_unknown_algorithm_fails_naming_tls_key_without_quoting_it():
    cert = pem_pair()[0]
    key = unknown_key_type_pem()
    with pytest.raises(ValueError) as caught:
        read_certificate(cert, key)
    message = one_line_about(caught.value, "tls_key")
    assert message == "tls_key is not a private key in PEM (an unencrypted RSA or EC key)"
    assert all(line not in message for line in key.splitlines()[1:-1])


def pem_block(der, label="CERTIFICATE"):
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


@pytest.mark.parametrize("seed", range(4))
def test_garbage_in_a_pem_block_fails_on_one_line(seed):
    rng = random.Random(seed)
    cert, key = pem_pair()
    garbage = pem_block(rng.randbytes(rng.randrange(1, 600)))
    for cert_text, key_text in ((garbage, key), (cert, garbage.replace("CERTIFICATE", "PRIVATE KEY"))):
        with pytest.raises(ValueError) as caught:
            read_certificate(cert_text, key_text)
        assert str(caught.value).startswith(("tls_cert is not a valid PEM", "tls_key is not a private key"))
        one_line_about(caught.value, "tls_")


@pytest.mark.filterwarnings("ignore:Parsed a serial number")
def test_corrupt_certificates_never_raise_anything_but_a_one_line_value_error():
    cert, key = pem_pair(sans=["www.example.com", "example.com"])
    der = x509.load_pem_x509_certificate(cert.encode()).public_bytes(serialization.Encoding.DER)
    rng = random.Random(20240607)
    failures = set()
    for _trial in range(1500):
        damaged = bytearray(der)
        for _byte in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            read_certificate(pem_block(bytes(damaged)), key)
        except ValueError as exc:
            failures.add(one_line_about(exc, "tls_"))
    # Each way cryptography refuses the damage was met (the seed is fixed): each became a message of ours.
    assert {
        "tls_cert is not a valid PEM certificate (block 1 of 1 could not be read)",
        "tls_cert: certificate 1 of 1 can't be used: it could not be read (ValueError)",
        "tls_cert: certificate 1 of 1 can't be used: its public key is of an algorithm this host's cryptography "
        "can't read (UnsupportedAlgorithm)",
    } <= failures
    assert all(m.startswith(("tls_cert is not a valid", "tls_cert: certificate 1 of 1", "tls_key")) for m in failures)
