from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOT_AFTER = datetime(2031, 8, 5, 17, 57, 21, tzinfo=UTC)


def pem_pair(cn="www.example.com", key=None, not_after=NOT_AFTER):
    """A self-signed certificate and its key, in PEM."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Café"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=90))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


@pytest.fixture
def app(sim):
    return sim.create_app("domain-app")


def add(sim, name, app="domain-app", **fields):
    return sim.post(f"/v1/apps/{app}/domains", json={"domain": {"name": name, **fields}})


def added(sim, name, **fields):
    response = add(sim, name, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["domain"]


def domains(sim, app="domain-app"):
    return {d["name"]: d for d in sim.get(f"/v1/apps/{app}/domains").get_json()["domains"]}


def test_a_new_domain_waits_for_lets_encrypt(sim, app):
    domain = added(sim, "WWW.Example.com")
    assert len(domain["id"]) == 24 and domain["app_id"] == app["id"]
    assert domain["name"] == "www.example.com"
    assert domain["letsencrypt_status"] == "new" and domain["letsencrypt_enabled"] is True
    assert domain["letsencrypt"] is False and domain["ssl"] is False and domain["ssl_status"] == "pending"
    assert domain["canonical"] is False and domain["acme_dns_error"] == {}
    assert domain["acme_dns_fqdn"] is None and domain["acme_dns_value"] is None
    assert "tlscert" not in domain and "validity" not in domain
    assert domains(sim) == {"www.example.com": domain}
    assert sim.get(f"/v1/apps/domain-app/domains/{domain['id']}").get_json() == {"domain": domain}


def test_a_certificate_is_shown_as_its_subject_key_description_and_expiry(sim, app):
    cert, key = pem_pair()
    domain = added(sim, "www.example.com", tlscert=cert, tlskey=key)
    assert domain["ssl"] is True and domain["ssl_status"] == "success"
    assert domain["tlscert"] == "/C=FR/O=Example Caf\\xC3\\xA9/CN=www.example.com"
    assert domain["tlskey"] == "EC private key - 256 bytes"
    assert domain["validity"] == "2031-08-05T19:57:21.000+02:00"
    assert cert not in str(domain) and key not in str(domain)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert2, key2 = pem_pair("api.example.com", key=rsa_key, not_after=NOT_AFTER + timedelta(days=1))
    chain = cert2 + cert  # the leaf first, then the chain
    updated = sim.patch(
        f"/v1/apps/domain-app/domains/{domain['id']}", json={"domain": {"tlscert": chain, "tlskey": key2}}
    )
    assert updated.status_code == 200
    assert updated.get_json()["domain"]["tlskey"] == "RSA private key - 2048 bytes"
    assert updated.get_json()["domain"]["validity"] == "2031-08-06T19:57:21.000+02:00"


def test_an_empty_certificate_and_key_remove_the_certificate(sim, app):
    cert, key = pem_pair()
    domain = added(sim, "www.example.com", tlscert=cert, tlskey=key)
    response = sim.put(f"/v1/apps/domain-app/domains/{domain['id']}", json={"domain": {"tlscert": "", "tlskey": ""}})
    assert response.status_code == 200
    removed = response.get_json()["domain"]
    assert removed["ssl"] is False and "tlscert" not in removed and "validity" not in removed


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"tlscert": "not a certificate", "tlskey": "x"}, {"tlscert": ["is invalid"]}),
        (
            {"tlscert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "tlskey": "x"},
            {"tlscert": ["is invalid"]},
        ),
        (
            {"tlscert": "CERT", "tlskey": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
            {"tlskey": ["is invalid"]},
        ),
        ({"tlscert": "CERT", "tlskey": "OTHER"}, {"tlskey": ["doesn't match the certificate"]}),
        ({"tlscert": "CERT"}, {"tlskey": ["can't be blank"]}),
        ({"tlskey": "KEY"}, {"tlscert": ["can't be blank"]}),
        ({"canonical": "yes"}, {"canonical": ["must be a boolean"]}),
        ({"letsencrypt_enabled": 1}, {"letsencrypt_enabled": ["must be a boolean"]}),
    ],
)
def test_bad_certificates_and_settings_are_refused(sim, app, fields, errors):
    cert, key = pem_pair()
    _, other = pem_pair()
    swap = {"CERT": cert, "KEY": key, "OTHER": other}
    fields = {k: swap.get(v, v) for k, v in fields.items()}
    response = add(sim, "www.example.com", **fields)
    assert response.status_code == 422
    assert response.get_json() == {"errors": errors}
    domain = added(sim, "www.example.com")
    patched = sim.patch(f"/v1/apps/domain-app/domains/{domain['id']}", json={"domain": fields})
    assert (patched.status_code, patched.get_json()) == (422, {"errors": errors})
    assert domains(sim)["www.example.com"] == domain


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("", {"name": ["can't be blank"]}),
        (None, {"name": ["can't be blank"]}),
        ("localhost", {"name": ["is invalid"]}),
        ("https://www.example.com", {"name": ["is invalid"]}),
        ("www.*.example.com", {"name": ["is invalid"]}),
    ],
)
def test_bad_names_are_refused(sim, app, name, errors):
    response = add(sim, name)
    assert (response.status_code, response.get_json()) == (422, {"errors": errors})


def test_a_name_belongs_to_one_app(sim, app):
    sim.create_app("other-app")
    added(sim, "www.example.com")
    for target in ("domain-app", "other-app"):
        response = add(sim, "www.example.com", app=target)
        assert response.get_json() == {"errors": {"name": ["has already been taken"]}}


def test_one_canonical_domain_per_app(sim, app):
    first = added(sim, "a.example.com", canonical=True)
    second = added(sim, "b.example.com")
    assert first["canonical"] is True and second["canonical"] is False
    sim.patch(f"/v1/apps/domain-app/domains/{second['id']}", json={"domain": {"canonical": True}})
    assert {n: d["canonical"] for n, d in domains(sim).items()} == {"a.example.com": False, "b.example.com": True}
    added(sim, "c.example.com", canonical=True)
    assert [n for n, d in domains(sim).items() if d["canonical"]] == ["c.example.com"]
    sim.patch(
        f"/v1/apps/domain-app/domains/{domains(sim)['c.example.com']['id']}", json={"domain": {"canonical": False}}
    )
    assert [n for n, d in domains(sim).items() if d["canonical"]] == []


def test_a_wildcard_domain_cant_be_canonical(sim, app):
    response = add(sim, "*.example.com", canonical=True)
    assert response.get_json() == {"errors": {"canonical": ["a wildcard domain can't be the canonical domain"]}}
    wildcard = added(sim, "*.example.com")
    response = sim.patch(f"/v1/apps/domain-app/domains/{wildcard['id']}", json={"domain": {"canonical": True}})
    assert response.status_code == 422


def test_twenty_domains_at_most(sim, app):
    for n in range(20):
        added(sim, f"d{n}.example.com")
    response = add(sim, "one-more.example.com")
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"base": ["an app can have at most 20 custom domains, contact support@scalingo.com to get more"]}
    }


def test_lets_encrypt_can_be_disabled(sim, app):
    domain = added(sim, "www.example.com", letsencrypt_enabled=False)
    assert domain["letsencrypt_enabled"] is False
    response = sim.patch(f"/v1/apps/domain-app/domains/{domain['id']}", json={"domain": {"letsencrypt_enabled": True}})
    assert response.get_json()["domain"]["letsencrypt_enabled"] is True


def test_remove_and_unknown_domains(sim, app):
    domain = added(sim, "www.example.com")
    assert sim.delete(f"/v1/apps/domain-app/domains/{domain['id']}").status_code == 204
    assert domains(sim) == {}
    for response in (
        sim.delete(f"/v1/apps/domain-app/domains/{domain['id']}"),
        sim.get(f"/v1/apps/domain-app/domains/{domain['id']}"),
        sim.patch(f"/v1/apps/domain-app/domains/{domain['id']}", json={"domain": {"canonical": True}}),
    ):
        assert (response.status_code, response.get_json()) == (404, {"resource": "domain", "error": "not found"})
    assert sim.get("/v1/apps/no-such-app/domains").get_json() == {"resource": "app", "error": "not found"}


def test_domains_go_with_their_app(sim, app):
    added(sim, "www.example.com")
    assert sim.delete("/v1/apps/domain-app", query_string={"current_name": "domain-app"}).status_code == 204
    sim.create_app("domain-app")
    assert add(sim, "www.example.com").status_code == 201


def test_admin_moves_the_lets_encrypt_status_on(sim, app):
    wildcard = added(sim, "*.example.com")
    shown = sim.admin("/apps/domain-app/domains/*.example.com/letsencrypt", {"status": "dns_required"})["domain"]
    assert shown["letsencrypt_status"] == "dns_required"
    assert shown["acme_dns_fqdn"] == "_acme-challenge.example.com" and len(shown["acme_dns_value"]) == 22
    assert domains(sim)["*.example.com"] == shown

    shown = sim.admin(f"/apps/domain-app/domains/{wildcard['id']}/letsencrypt", {"status": "created"})["domain"]
    assert shown["letsencrypt"] is True and shown["ssl_status"] == "success" and shown["ssl"] is False
    assert shown["acme_dns_fqdn"] is None

    shown = sim.admin(f"/apps/domain-app/domains/{wildcard['id']}/letsencrypt", {"status": "error", "error": "no"})
    assert shown["domain"]["acme_challenge_error"] == "no" and shown["domain"]["ssl_status"] == "error"

    for path, body, status in (
        ("/apps/domain-app/domains/*.example.com/letsencrypt", {"status": "done"}, 400),
        ("/apps/domain-app/domains/nope.example.com/letsencrypt", {"status": "new"}, 404),
        ("/apps/no-such-app/domains/*.example.com/letsencrypt", {"status": "new"}, 404),
    ):
        assert sim.client.post(f"/_sim{path}", json=body).status_code == status


def test_writes_are_logged_as_mutating(sim, app):
    sim.admin("/requests", method="DELETE")
    added(sim, "www.example.com")
    log = sim.admin("/requests", method="GET")["requests"]
    assert [(e["method"], e["path"], e["status"], e["mutating"]) for e in log] == [
        ("POST", "/v1/apps/domain-app/domains", 201, True)
    ]
