"""The input rules of _checks (and the app name rules of _client), and the API path helper."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
import requests

from ansible_collections.scalingo.cloud.plugins.module_utils._api import api_path, app_name_problems
from ansible_collections.scalingo.cloud.plugins.module_utils._checks import (
    container_type_problem,
    email_problem,
    identifier_problem,
    provider_problem,
    scope_problem,
    size_problem,
    url_problem,
    variable_name_problem,
)
from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError

# Each refused value must be refused whatever follows or precedes it: a line break, a space, a tab.
EDGES = ["{}\n", "\n{}", "{} ", " {}", "{}\t", "{}\r\n", "{}\x00"]


def around(valid):
    return [edge.format(valid) for edge in EDGES]


TYPE_RULE = "a container type has only letters and digits, as in the Procfile (web, worker), with single '-' or '_' between them"
URL_RULE = "give an http:// or https:// URL with a path, without spaces or line breaks"
URLS = [
    "https://example.com/a.tar.gz",
    "http://127.0.0.1:8080/v1/sources/5f2?token=abc&x=1",
    "https://github.com/Scalingo/sample-go-martini",
    "https://codeload.github.com/org/repo/tar.gz/refs/heads/main",
]

# One row per rule: the check, the option it is given, the reason of a refusal, what it accepts, what it refuses.
RULES = {
    "container_type": (
        container_type_problem,
        "container_type",
        TYPE_RULE,
        ["web", "worker", "clock", "heavyProcess", "WEB", "worker2", "2", "worker-2", "clock_1", "w" * 63],
        [
            "",
            " web",
            "wéb",
            "web/../x",
            "../x",
            "web?since=1",
            "web#1",
            "-web",
            "web-",
            "web__2",
            "we b",
            "w" * 64,
            "web%2F",
            "ｗｅｂ",
            *around("web"),
        ],
    ),
    "scope": (
        scope_problem,
        "scope[0]",
        f"give a container type or a container (web, web-1): {TYPE_RULE}",
        ["web", "web-1", "worker-12", "heavyProcess-3", "WEB", "worker-2-1", "clock_1"],
        ["", "web-", "-1", "web--1", "web/1", "web-1/..", "wéb-1", "web-1 ", *around("web-1")],
    ),
    "size": (
        size_problem,
        "size",
        "a container size has only letters and digits (S, M, 2XL)",
        ["S", "M", "L", "XL", "2XL", "3XL"],
        ["", "X L", "2XL/..", "Ｍ", *around("M")],
    ),
    "email": (
        email_problem,
        "email",
        "give one email address such as dev@example.com, without spaces or line breaks",
        ["dev@example.com", "Bob.Smith+ops@mail.example.co.uk", "o'neil@example.fr", "élise@exemple.fr"],
        [
            "",
            "bob",
            "bob@example",
            "@example.com",
            "bob@",
            "bob@@example.com",
            "bob@ex@ample.com",
            "bob @example.com",
            "bob@exam\u2028ple.com",
            *around("bob@example.com"),
        ],
    ),
    "url": (
        url_problem,
        "git_source",
        URL_RULE,
        URLS,
        [
            "",
            "example.com/a.tar.gz",
            "ftp://example.com/a.tar.gz",
            "https://example.com",
            "https:///a.tar.gz",
            "https://exa mple.com/a",
            "https://example.com/a b.tar.gz",
            "https://example.com?x=/a",
            "javascript://x/a",
            *around("https://example.com/a.tar.gz"),
        ],
    ),
    # A secret URL's refusals are not quoted: see test_a_secret_url_is_never_quoted_but_its_flaw_is_placed.
    "secret url": (lambda option, value: url_problem(option, value, secret=True), "source_url", URL_RULE, URLS, []),
    "provider": (
        provider_problem,
        "provider",
        "give a provider id such as postgresql, mysql, redis or mongodb",
        ["postgresql", "mysql", "redis", "mongodb", "scalingo-elasticsearch", "s3"],
        ["", "Postgre SQL", "PostgreSQL", "-redis", "redis/../x", "rédis", *around("redis")],
    ),
    "identifier": (
        identifier_problem,
        "addon_id",
        "give it as Scalingo shows it, without spaces, line breaks or '/'",
        ["ad-4f1e5f4b-8e9a-4c55-a4b3-0c4bf7e3cd37", "postgresql-starter-512", "x"],
        ["", "ad-1/../x", "a b", "ad-1\xa0", *around("ad-1")],
    ),
}
CASES = [
    (rule, value, accepted)
    for rule, row in RULES.items()
    for accepted in (True, False)
    for value in row[3 + (not accepted)]
]


@pytest.mark.parametrize(
    "rule, value, accepted",
    CASES,
    ids=[f"{rule}-{'accepts' if ok else 'refuses'}-{value!r}" for rule, value, ok in CASES],
)
def test_each_rule_accepts_its_values_and_refuses_anything_else_in_one_line(rule, value, accepted):
    check, option, reason, _accepts, _refuses = RULES[rule]
    assert check(option, value) == (None if accepted else f"{option} {value!r} is invalid: {reason}")


def test_a_refused_value_is_shown_escaped_on_one_line():
    message = container_type_problem("metrics[0].container_type", "web\n")
    assert message.startswith("metrics[0].container_type 'web\\n' is invalid")
    assert "\n" not in message


def test_a_secret_url_is_never_quoted_but_its_flaw_is_placed():
    secret = "https://example.com/a.tar.gz?token=s3cr3t\n"
    message = url_problem("source_url", secret, secret=True)
    assert message == (
        "source_url is invalid (a space or a line break at character 42): give an http:// or https:// URL with a "
        "path, without spaces or line breaks"
    )
    assert "s3cr3t" not in url_problem("source_url", "ftp://example.com/?token=s3cr3t", secret=True)


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, problem",
    [
        ("RAILS_ENV", None),
        ("lower_case_2", None),
        ("A" * 64, None),
        ("1ABC", "must start with a letter"),
        ("_ABC", "must start with a letter"),
        ("", "must start with a letter"),
        ("\nABC", "must start with a letter"),
        ("MY-VAR", "must hold only letters, digits and underscores"),
        ("MY VAR", "must hold only letters, digits and underscores"),
        ("CAFÉ", "must hold only letters, digits and underscores"),
        ("MY_VAR\n", "must hold only letters, digits and underscores"),
        ("A" * 65, "has 65 characters, more than 64"),
    ],
)
def test_variable_names(name, problem):
    assert variable_name_problem(name) == problem


@pytest.mark.parametrize(
    "name, problems",
    [
        ("my-app", []),
        ("my-app\n", ["should contain only lowercase letters, digits and hyphens"]),
        (" my-app", ["should contain only lowercase letters, digits and hyphens"]),
        ("my-app/..", ["should contain only lowercase letters, digits and hyphens"]),
    ],
)
def test_app_names_refuse_line_breaks_and_slashes(name, problems):
    assert app_name_problems(name) == problems


# -- API paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "segment, encoded",
    [
        ("my-app", "my-app"),
        ("web/../x", "web%2F..%2Fx"),
        ("../../apps", "..%2F..%2Fapps"),
        ("a.b", "a.b"),
        ("...", "..."),
        ("a b", "a%20b"),
        ("wéb", "w%C3%A9b"),
        ("web\n", "web%0A"),
        ("web\r\nX-Header: 1", "web%0D%0AX-Header%3A%201"),
        ("x?since=1#f", "x%3Fsince%3D1%23f"),
        ("100%", "100%25"),
        ("%2F", "%252F"),
        ("https://elsewhere.example/x", "https%3A%2F%2Felsewhere.example%2Fx"),
        ("~user_1", "~user_1"),
        (12, "12"),
    ],
)
def test_api_path_encodes_each_segment_whole(segment, encoded):
    assert api_path("apps", segment, "containers") == f"/apps/{encoded}/containers"


@pytest.mark.parametrize(
    "segment", ["web/../x", "../../apps", "a b", "wéb", "web\n", "x?since=1#f", "%2F", "a.b", "..."]
)
def test_an_encoded_segment_reaches_the_wire_as_one_segment(segment):
    # What requests sends: the path keeps its three segments, and the middle one decodes to the value.
    url = requests.Request("GET", "https://api.example.com/v1" + api_path("apps", segment, "containers")).prepare().url
    parts = urlsplit(url).path.split("/")
    assert parts[:3] == ["", "v1", "apps"] and parts[4:] == ["containers"]
    assert unquote(parts[3]) == segment


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_api_path_refuses_what_cannot_be_one_segment(segment):
    with pytest.raises(ScalingoError, match=r"can't name anything in the API path /apps"):
        api_path("apps", segment, "containers")


def test_api_path_of_constants():
    assert api_path("apps") == "/apps"
    assert api_path("features", "container_sizes") == "/features/container_sizes"
