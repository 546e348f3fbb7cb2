from __future__ import annotations

import json

import pytest

from ansible_collections.scalingo.cloud.plugins.modules import scalingo_domain
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_domain import Domain, input_problems
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.certificates import (
    NOT_AFTER,
    SUBJECT,
    VALIDITY,
    VALIDITY_UTC,
    pem_pair,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    APP_RULE,
    answer,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    unprocessable,
    validated,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    same_as_real_run as both_runs,
)

APP = "my-shop"
NAME = "www.example.com"
LIST = f"/apps/{APP}/domains"
CERT, KEY = pem_pair()
RENEWED_CERT, RENEWED_KEY = pem_pair(not_after=NOT_AFTER.replace(year=2032))


def params(**options):
    return validated(scalingo_domain, **{"app": APP, "name": NAME, **options})


def domain(name=NAME, ident=None, **fields):
    base = {
        "id": ident or f"dm-{name.split('.')[0].replace('*', 'star')}",
        "app_id": "5ed10ae7f112e2000f9f93be",
        "name": name,
        "created_at": "2020-05-29T13:15:21.050Z",
        "canonical": False,
        "letsencrypt": False,
        "letsencrypt_enabled": True,
        "letsencrypt_status": "new",
        "ssl": False,
        "ssl_status": "pending",
        "acme_dns_fqdn": None,
        "acme_dns_value": None,
        "acme_dns_error": {},
        "acme_challenge_error": None,
    }
    base.update(fields)
    return base


def with_cert(d, subject=SUBJECT, validity=VALIDITY):
    return dict(
        d, ssl=True, ssl_status="success", tlscert=subject, tlskey="EC private key - 256 bytes", validity=validity
    )


def listing(*domains):
    return expect("GET", LIST, answer(200, {"domains": list(domains)}))


def posted(result):
    return expect("POST", LIST, answer(201, {"domain": result}))


def patched(result, ident=None):
    return expect("PATCH", f"{LIST}/{ident or result['id']}", answer(200, {"domain": result}))


def deleted(ident="dm-www"):
    return expect("DELETE", f"{LIST}/{ident}", answer(204))


def shown(state="present", name=NAME, **fields):
    return dict(fields, state=state, name=name)


CERT_SHOWN = {"subject": SUBJECT, "validity": VALIDITY_UTC}


def same_as_real_run(options, real_script, check_script):
    return both_runs(Domain, options, real_script, check_script)


def bodies(o):
    return [(call.method, call.path, call.json) for call in o.client.mutations]


def no_key_in(o):
    """The private key appears nowhere in what the task returns (result, diff, warnings, error)."""
    for pem in (KEY, RENEWED_KEY):
        marker = pem.strip().splitlines()[1]
        seen = json.dumps([o.result, o.resource.warnings, o.error and o.error.message], default=str)
        assert marker not in seen and "PRIVATE KEY" not in seen


# -- unchanged ---------------------------------------------------------------------------------


def test_a_domain_with_the_wanted_settings_is_left_alone_after_one_read():
    current = domain(canonical=True, letsencrypt_enabled=False)
    o = succeeds(Domain, params(canonical=True, letsencrypt=False), listing(domain("other.example.com"), current))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.diff == {
        "before": shown(canonical=True, letsencrypt=False),
        "after": shown(canonical=True, letsencrypt=False),
    }
    assert o.result["domain"] == current and o.result["previous_canonical"] is None
    assert o.client.wrote is False


def test_unmanaged_settings_are_not_compared():
    o = succeeds(Domain, params(), listing(domain(canonical=True, letsencrypt_enabled=False)))
    assert o.changed is False and o.diff == {"before": shown(), "after": shown()}


def test_the_name_is_compared_in_lower_case():
    o = succeeds(Domain, params(name="WWW.Example.COM"), listing(domain()))
    assert o.changed is False and o.sent == [f"GET {LIST}"]


def test_an_unchanged_domain_in_check_mode_is_the_same_one_read():
    o = succeeds(Domain, params(canonical=False), listing(domain()), check_mode=True)
    assert o.sent == [f"GET {LIST}"] and o.changed is False


def test_the_same_certificate_is_not_sent_again():
    o = succeeds(Domain, params(tls_cert=CERT, tls_key=KEY), listing(with_cert(domain())))
    assert o.sent == [f"GET {LIST}"] and o.changed is False
    assert o.diff == {"before": shown(certificate=CERT_SHOWN), "after": shown(certificate=CERT_SHOWN)}
    no_key_in(o)


@pytest.mark.parametrize(
    ("subject", "validity"),
    [
        (SUBJECT, "2031-08-05T17:57:21.000Z"),  # the same instant, in UTC
        (SUBJECT, "2031-08-05T17:57:21Z"),
        ("CN=www.example.com,O=Example,C=FR", VALIDITY),  # RFC 4514 spelling of the same subject
    ],
)
def test_the_same_certificate_is_recognized_whatever_its_spelling(subject, validity):
    o = succeeds(Domain, params(tls_cert=CERT, tls_key=KEY), listing(with_cert(domain(), subject, validity)))
    assert o.changed is False


def test_removing_a_certificate_that_is_not_there_changes_nothing():
    o = succeeds(Domain, params(tls_cert=""), listing(domain(letsencrypt=True, letsencrypt_status="created")))
    assert o.changed is False and o.sent == [f"GET {LIST}"]
    assert o.diff["after"] == shown(certificate=None)


# -- create ------------------------------------------------------------------------------------


def test_a_missing_domain_is_added_with_the_settings_given():
    new = domain(letsencrypt_enabled=False)
    o = succeeds(Domain, params(letsencrypt=False, canonical=False), listing(), posted(new))
    assert o.sent == [f"GET {LIST}", f"POST {LIST}"]
    assert o.client.the("POST").json == {"domain": {"name": NAME, "letsencrypt_enabled": False, "canonical": False}}
    assert o.changed is True and o.result["domain"] == new
    assert o.diff == {
        "before": shown("absent"),
        "after": shown(canonical=False, letsencrypt=False),
    }


def test_a_creation_sends_only_the_name_when_nothing_else_is_given():
    o = succeeds(Domain, params(name="Shop.Example.com"), listing(), posted(domain("shop.example.com")))
    assert o.client.the("POST").json == {"domain": {"name": "shop.example.com"}}


def test_check_mode_predicts_a_creation_without_sending_it():
    options = params(canonical=True, letsencrypt=True)
    new = domain(canonical=True)
    real, check = same_as_real_run(options, [listing(), posted(new)], [listing()])
    assert check.sent == [f"GET {LIST}"]
    predicted = check.result["domain"]
    assert "id" not in predicted
    assert (predicted["name"], predicted["canonical"], predicted["letsencrypt_status"]) == (NAME, True, "new")
    assert real.client.the("POST").json == {"domain": {"name": NAME, "canonical": True, "letsencrypt_enabled": True}}


def test_a_domain_is_added_with_its_certificate_and_the_key_is_never_returned():
    options = params(tls_cert=CERT, tls_key=KEY)
    real, check = same_as_real_run(options, [listing(), posted(with_cert(domain()))], [listing()])
    assert real.client.the("POST").json == {"domain": {"name": NAME, "tlscert": CERT, "tlskey": KEY}}
    assert real.diff == {"before": shown("absent"), "after": shown(certificate=CERT_SHOWN)}
    assert check.result["domain"]["tlscert"] == SUBJECT and check.result["domain"]["ssl"] is True
    no_key_in(real)
    no_key_in(check)


def test_the_twentieth_domain_is_the_last_and_nothing_is_sent_past_it():
    full = [domain(f"d{n}.example.com") for n in range(20)]
    o = fails(Domain, params(), listing(*full))
    assert o.sent == [f"GET {LIST}"]
    assert o.error.message == (
        "app 'my-shop' has 20 custom domains, the most Scalingo allows: remove one before adding "
        "'www.example.com' (or ask Scalingo's support for more)"
    )


def test_a_refused_creation_fails_with_the_api_reason_and_is_not_sent_again():
    refusal = unprocessable({"tlskey": ["doesn't match the certificate"]})
    o = fails(Domain, params(tls_cert=CERT, tls_key=KEY), listing(), expect("POST", LIST, refusal))
    assert o.error.message == (
        "could not add domain 'www.example.com' to app 'my-shop': tlskey doesn't match the certificate (HTTP 422)"
    )
    assert len(o.client.mutations) == 1
    no_key_in(o)


def test_an_unknown_app_fails_with_the_api_reason():
    o = fails(Domain, params(), expect("GET", LIST, not_found("app")))
    assert o.error.message == "could not list the domains of app 'my-shop': app not found (HTTP 404)"


# -- update ------------------------------------------------------------------------------------


def test_lets_encrypt_is_switched_with_one_patch():
    current = domain()
    options = params(letsencrypt=False)
    real = same_as_real_run(
        options,
        [listing(current), patched(dict(current, letsencrypt_enabled=False))],
        [listing(current)],
    )[0]
    assert bodies(real) == [("PATCH", f"{LIST}/dm-www", {"domain": {"letsencrypt_enabled": False}})]
    assert real.diff == {"before": shown(letsencrypt=True), "after": shown(letsencrypt=False)}


def test_a_domain_without_letsencrypt_enabled_in_its_answer_counts_as_enabled():
    current = domain()
    del current["letsencrypt_enabled"]
    o = succeeds(Domain, params(letsencrypt=True), listing(current))
    assert o.changed is False


def test_canonical_is_unset_on_this_domain_alone():
    current = domain(canonical=True)
    o = succeeds(Domain, params(canonical=False), listing(current), patched(dict(current, canonical=False)))
    assert bodies(o) == [("PATCH", f"{LIST}/dm-www", {"domain": {"canonical": False}})]
    assert o.result["previous_canonical"] is None


def test_canonical_is_set_in_one_patch_when_no_other_domain_has_it():
    current = domain()
    o = succeeds(
        Domain,
        params(canonical=True),
        listing(current, domain("b.example.com")),
        patched(dict(current, canonical=True)),
    )
    assert bodies(o) == [("PATCH", f"{LIST}/dm-www", {"domain": {"canonical": True}})]


def test_moving_canonical_unsets_the_old_domain_before_setting_the_new_one():
    old, current = domain("old.example.com", canonical=True), domain()
    options = params(canonical=True)
    real, check = same_as_real_run(
        options,
        [
            listing(old, current),
            patched(dict(old, canonical=False)),
            patched(dict(current, canonical=True)),
        ],
        [listing(old, current)],
    )
    assert bodies(real) == [
        ("PATCH", f"{LIST}/dm-old", {"domain": {"canonical": False}}),
        ("PATCH", f"{LIST}/dm-www", {"domain": {"canonical": True}}),
    ]
    assert real.diff == {"before": shown(canonical=False), "after": shown(canonical=True)}
    assert real.result["previous_canonical"] == check.result["previous_canonical"] == "old.example.com"
    assert check.result["domain"]["canonical"] is True


def test_other_settings_are_sent_before_canonical_moves():
    old, current = domain("old.example.com", canonical=True), domain()
    o = succeeds(
        Domain,
        params(canonical=True, letsencrypt=False),
        listing(old, current),
        patched(dict(current, letsencrypt_enabled=False)),
        patched(dict(old, canonical=False)),
        patched(dict(current, canonical=True, letsencrypt_enabled=False)),
    )
    assert [c.json for c in o.client.mutations] == [
        {"domain": {"letsencrypt_enabled": False}},
        {"domain": {"canonical": False}},
        {"domain": {"canonical": True}},
    ]
    assert o.diff["after"] == shown(canonical=True, letsencrypt=False)


def test_a_new_canonical_domain_is_added_then_made_canonical_once_the_old_one_is_unset():
    old = domain("old.example.com", canonical=True)
    options = params(canonical=True)
    real = same_as_real_run(
        options,
        [listing(old), posted(domain()), patched(dict(old, canonical=False)), patched(domain(canonical=True))],
        [listing(old)],
    )[0]
    assert bodies(real) == [
        ("POST", LIST, {"domain": {"name": NAME}}),
        ("PATCH", f"{LIST}/dm-old", {"domain": {"canonical": False}}),
        ("PATCH", f"{LIST}/dm-www", {"domain": {"canonical": True}}),
    ]
    assert real.diff == {"before": shown("absent"), "after": shown(canonical=True)}


def test_a_canonical_domain_with_a_second_canonical_one_beside_it_gets_the_flag_alone():
    current, stray = domain(canonical=True), domain("stray.example.com", canonical=True)
    o = succeeds(Domain, params(canonical=True), listing(current, stray), patched(dict(stray, canonical=False)))
    assert bodies(o) == [("PATCH", f"{LIST}/dm-stray", {"domain": {"canonical": False}})]
    assert o.changed is True and o.diff["before"] == o.diff["after"]


def test_a_renewed_certificate_is_sent_with_its_key():
    current = with_cert(domain())
    renewed = with_cert(domain(), validity="2032-08-05T19:57:21.000+02:00")
    options = params(tls_cert=RENEWED_CERT, tls_key=RENEWED_KEY)
    real, check = same_as_real_run(options, [listing(current), patched(renewed)], [listing(current)])
    assert bodies(real) == [("PATCH", f"{LIST}/dm-www", {"domain": {"tlscert": RENEWED_CERT, "tlskey": RENEWED_KEY}})]
    assert real.diff == {
        "before": shown(certificate=CERT_SHOWN),
        "after": shown(certificate={"subject": SUBJECT, "validity": "2032-08-05T17:57:21Z"}),
    }
    assert "tlskey" not in check.result["domain"]
    no_key_in(real)
    no_key_in(check)


def test_an_empty_certificate_removes_the_custom_one():
    current = with_cert(domain(letsencrypt_status="created"))
    removed = domain(letsencrypt=True, letsencrypt_status="created", ssl_status="success")
    real, check = same_as_real_run(
        params(tls_cert="", tls_key=""), [listing(current), patched(removed)], [listing(current)]
    )
    assert bodies(real) == [("PATCH", f"{LIST}/dm-www", {"domain": {"tlscert": "", "tlskey": ""}})]
    assert real.diff == {"before": shown(certificate=CERT_SHOWN), "after": shown(certificate=None)}
    assert check.result["domain"]["ssl"] is False


def test_a_refused_update_fails_with_the_api_reason():
    refusal = unprocessable({"canonical": ["a wildcard domain can't be the canonical domain"]})
    o = fails(Domain, params(canonical=True), listing(domain()), expect("PATCH", f"{LIST}/dm-www", refusal))
    assert o.error.message == (
        "could not update domain 'www.example.com' of app 'my-shop': canonical a wildcard domain can't be the "
        "canonical domain (HTTP 422)"
    )


def test_an_update_whose_answer_was_lost_but_landed_is_not_sent_twice():
    current = with_cert(domain())
    renewed = with_cert(domain(), validity="2032-08-05T19:57:21.000+02:00")
    o = succeeds(
        Domain,
        params(tls_cert=RENEWED_CERT, tls_key=RENEWED_KEY, letsencrypt=False),
        listing(current),
        expect("PATCH", f"{LIST}/dm-www", lost()),
        listing(dict(renewed, letsencrypt_enabled=False)),
    )
    assert len(o.client.mutations) == 1 and o.changed is True
    assert o.result["domain"]["letsencrypt_enabled"] is False


def test_a_lost_canonical_unset_that_landed_goes_on_to_set_the_new_one():
    old, current = domain("old.example.com", canonical=True), domain()
    o = succeeds(
        Domain,
        params(canonical=True),
        listing(old, current),
        expect("PATCH", f"{LIST}/dm-old", lost()),
        listing(dict(old, canonical=False), current),
        patched(dict(current, canonical=True)),
    )
    assert [c.path for c in o.client.mutations] == [f"{LIST}/dm-old", f"{LIST}/dm-www"]


def test_a_certificate_removal_lost_twice_that_did_not_land_fails_as_an_unknown_outcome():
    current = with_cert(domain())
    o = fails(
        Domain,
        params(tls_cert=""),
        listing(current),
        expect("PATCH", f"{LIST}/dm-www", lost()),
        listing(current),
        expect("PATCH", f"{LIST}/dm-www", answer(503, {"error": "unavailable"})),
        listing(current),
    )
    assert o.error.unknown_outcome is True and o.error.status == 503


# -- Let's Encrypt warnings ---------------------------------------------------------------------


def test_a_wildcard_waiting_for_its_dns_record_warns_with_the_record():
    wildcard = domain(
        "*.example.com",
        letsencrypt_status="dns_required",
        acme_dns_fqdn="_acme-challenge.example.com",
        acme_dns_value="Yq2bXi8w",
    )
    o = succeeds(Domain, params(name="*.example.com"), listing(wildcard))
    assert o.changed is False
    assert o.resource.warnings == [
        "domain '*.example.com' waits for a DNS record before Let's Encrypt can issue its certificate: create a TXT "
        "record _acme-challenge.example.com with the value Yq2bXi8w (or set DNS_PROVIDER and its credentials in "
        "the app's environment)"
    ]
    assert o.result["domain"]["acme_dns_fqdn"] == "_acme-challenge.example.com"


def test_a_lets_encrypt_error_warns():
    o = succeeds(Domain, params(), listing(domain(letsencrypt_status="error")))
    assert o.resource.warnings == [
        "Let's Encrypt could not issue a certificate for domain 'www.example.com' (letsencrypt_status error): "
        "check that its DNS points to the app"
    ]


@pytest.mark.parametrize(
    "current",
    [
        with_cert(domain(letsencrypt_status="error")),
        domain(letsencrypt_status="dns_required", letsencrypt_enabled=False),
        domain(letsencrypt_status="created", letsencrypt=True),
    ],
)
def test_no_lets_encrypt_warning_when_it_does_not_matter(current):
    o = succeeds(Domain, params(), listing(current))
    assert o.resource.warnings == []


# -- absent ------------------------------------------------------------------------------------


def test_absent_removes_the_domain_by_its_id():
    real, check = same_as_real_run(
        params(state="absent"), [listing(domain(), domain("b.example.com")), deleted()], [listing(domain())]
    )
    assert bodies(real) == [("DELETE", f"{LIST}/dm-www", None)]
    assert real.diff == {"before": shown(), "after": shown("absent")}
    assert real.result["domain"] == check.result["domain"] == {}


def test_absent_ignores_the_settings_and_leaves_them_out_of_the_diff():
    options = params(state="absent", canonical=True, letsencrypt=False, tls_cert=CERT, tls_key=KEY)
    o = succeeds(Domain, options, listing(with_cert(domain(canonical=True))), deleted())
    assert o.diff == {"before": shown(), "after": shown("absent")}


def test_absent_on_a_missing_domain_changes_nothing_after_one_read():
    o = succeeds(Domain, params(state="absent", canonical=True, tls_cert="ignored"), listing(domain("b.example.com")))
    assert o.changed is False and o.sent == [f"GET {LIST}"]


# -- bad answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"domain": []}, "has no 'domains'"),
        ({"domains": {}}, "has a 'domains' that is not a list"),
        ({"domains": [{"name": NAME}]}, "has a 'domains' whose 'id' is not a string"),
        ({"domains": ["www.example.com"]}, "has a 'domains' item that is not an object"),
    ],
)
def test_a_listing_that_is_not_the_apis_fails_clearly(data, problem):
    o = fails(Domain, params(), expect("GET", LIST, answer(200, data)))
    assert o.error.message.startswith(
        f"could not list the domains of app 'my-shop': the answer of GET /v1{LIST} {problem}"
    )


def test_a_creation_answer_without_a_domain_fails_clearly_as_a_change():
    o = fails(Domain, params(), listing(), expect("POST", LIST, answer(201, {"app": {}})))
    assert "has no 'domain'" in o.error.message
    assert o.client.wrote is True


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"name": "WWW.Example.com", "canonical": True, "tls_cert": CERT, "tls_key": KEY},
        {"tls_cert": ""},
        {"name": "*.example.com", "canonical": True, "state": "absent"},
        {"tls_key": KEY, "state": "absent"},
    ],
)
def test_valid_input_has_no_problem(options):
    assert input_problems(params(**options)) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"app": "My Shop", "name": "-x"}, f"app name 'My Shop' (app) is invalid: {APP_RULE}"),
        ({"name": "www .example.com", "state": "absent"}, "domain name 'www .example.com' (name) is invalid: "),
        (
            {"name": "*.example.com", "canonical": True},
            "domain '*.example.com' is a wildcard, which can't be canonical: make another domain of the app canonical",
        ),
        (
            {"tls_key": KEY},
            "tls_key goes with tls_cert: give both, or tls_cert: '' alone to remove the custom certificate",
        ),
        ({"tls_cert": "", "tls_key": KEY}, "tls_cert: '' removes the custom certificate: leave tls_key out"),
        ({"tls_cert": CERT}, "tls_cert needs its private key in tls_key: give both"),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(params(**options))[0].startswith(problem)
