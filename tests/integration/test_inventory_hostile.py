"""The scalingo.cloud.scalingo inventory plugin against hostile input and answers, run by real ansible-inventory.

A region that is no region name fails before any request; an app list (or a formation) answered with a 200
that is not what Scalingo answers fails with one clear line naming the endpoint. Every run is at -vvvv, with
the bearer cache off so that each run exchanges the token, and its output must hold no secret and no traceback.
The rows of docs/reliability.md ("Hostile answers") name these tests.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import with_simulator
from conftest import COLLECTIONS, SECRETS, ansible_bin, sim

HTML_PAGE = "<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>"
NOT_API = (
    r"; it is not what Scalingo's API answers \(a proxy page or an incompatible API\?\) "
    r"\(HTTP 200, request id [^)]+\)"
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A simulator of its own with a few deployed apps. (The collection link is made once, by conftest, before any
    worker starts: relinking here would pull the collection from under another worker's ansible.)"""
    process, url = with_simulator.start()
    try:
        sim(
            url,
            "POST",
            "/_sim/apps",
            {"names": ["shop-prod", "shop-staging"], "deploy": [{"name": "web", "amount": 1}]},
        )
        yield {"url": url, "cache": str(tmp_path_factory.mktemp("xdg"))}
    finally:
        with_simulator.stop(process)


def inventory(seeded, tmp_path, config, env=None, fault=None):
    """ansible-inventory --list -vvvv on `config` after injecting `fault`; returns (process, output, requests sent)."""
    path = tmp_path / "apps.scalingo.yml"
    path.write_text(config, encoding="utf-8")
    full_env = with_simulator.environment(seeded["url"], seeded["cache"])
    full_env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_INVENTORY_ENABLED="scalingo.cloud.scalingo",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        SCALINGO_BEARER_CACHE="false",
    )
    full_env.update(env or {})
    sim(seeded["url"], "DELETE", "/_sim/faults")
    sim(seeded["url"], "DELETE", "/_sim/requests")
    if fault is not None:
        sim(seeded["url"], "POST", "/_sim/faults", fault)
    result = subprocess.run(
        [ansible_bin("ansible-inventory"), "-i", str(path), "--list", "-vvvv"],
        env=full_env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=False,
    )
    sent = sim(seeded["url"], "GET", "/_sim/requests")["requests"]
    output = result.stdout + result.stderr
    leaks = sorted(set(SECRETS.findall(output)))
    assert not leaks, f"secrets in the output: {leaks}"
    assert "Traceback" not in output, output
    return result, output, sent


def failure_lines(output):
    """The plugin's own message, as ansible-inventory shows it: each line that starts with 'scalingo inventory:'."""
    return [line for line in output.splitlines() if line.startswith("scalingo inventory:")]


@pytest.mark.parametrize("api_url", ["simulator", "from the region"])
def test_region_that_is_no_region_name_sends_nothing(seeded, tmp_path, api_url):
    # With api_url unset, the region would become the API's host name (https://api.evil.example/x?.scalingo.com);
    # the auth URL still points at the simulator, so a token exchange would show in its log.
    env = {"SCALINGO_API_URL": ""} if api_url == "from the region" else {}
    result, output, sent = inventory(
        seeded, tmp_path, 'plugin: scalingo.cloud.scalingo\nregion: "evil.example/x?"\n', env=env
    )
    assert result.returncode != 0
    assert failure_lines(output) == [
        "scalingo inventory: region 'evil.example/x?' is invalid: use a Scalingo region name "
        "such as osc-fr1 or osc-secnum-fr1"
    ], output
    assert sent == [], sent


@pytest.mark.parametrize(
    "fault, message",
    [
        pytest.param(
            {"method": "GET", "path": "/v1/apps", "status": 200, "body": HTML_PAGE, "content_type": "text/html"},
            r"could not list the apps: the answer of GET /v1/apps has no 'apps'",
            id="app list an HTML page",
        ),
        pytest.param(
            {"method": "GET", "path": "/v1/apps", "status": 200, "json": None},
            r"could not list the apps: the answer of GET /v1/apps has no 'apps'",
            id="app list null",
        ),
        pytest.param(
            {"method": "GET", "path": "/v1/apps", "status": 200, "json": {"apps": {"shop-prod": {}}}},
            r"could not list the apps: the answer of GET /v1/apps has a 'apps' that is not a list",
            id="app list an object",
        ),
    ],
)
def test_app_list_not_from_scalingo(seeded, tmp_path, fault, message):
    result, output, sent = inventory(seeded, tmp_path, "plugin: scalingo.cloud.scalingo\n", fault=fault)
    assert result.returncode != 0
    lines = failure_lines(output)
    assert len(lines) == 1 and re.fullmatch(f"scalingo inventory: {message}{NOT_API}", lines[0]), output
    assert "It works!" not in output
    # The exchange, then one list: a 200 is not retried, and nothing else is asked.
    assert [f"{r['method']} {r['path']} {r['status']}" for r in sent] == [
        "POST /v1/tokens/exchange 200",
        "GET /v1/apps 200",
    ], sent


def test_formation_not_from_scalingo(seeded, tmp_path):
    fault = {
        "method": "GET",
        "path": "/v1/apps/shop-prod/containers",
        "status": 200,
        "json": {"containers": {"web": 1}},
    }
    result, output, sent = inventory(
        seeded, tmp_path, "plugin: scalingo.cloud.scalingo\nformation: true\n", fault=fault
    )
    assert result.returncode != 0
    lines = failure_lines(output)
    expected = (
        r"scalingo inventory: could not read the formation of app 'shop-prod': the answer of "
        r"GET /v1/apps/shop-prod/containers has a 'containers' that is not a list"
    ) + NOT_API
    assert len(lines) == 1 and re.fullmatch(expected, lines[0]), output
    assert not [r for r in sent if r["mutating"]]


@pytest.mark.parametrize(
    "fault, message",
    [
        pytest.param(
            {"method": "POST", "path": "/v1/tokens/exchange", "echo_headers": 401},
            r"could not exchange the API token for a bearer token: Host: .* <redacted>: check api_token .* \(HTTP 401, "
            r"request id [^)]+\)",
            id="token exchange echoing Basic auth",
        ),
        pytest.param(
            {"method": "GET", "path": "/v1/apps", "echo_headers": 403, "echo_as": "text"},
            r"could not list the apps: Host: .* <redacted> \(HTTP 403, request id [^)]+\)",
            id="app list echoing the bearer",
        ),
    ],
)
def test_errors_echoing_the_request_headers_show_no_credential(seeded, tmp_path, fault, message):
    # inventory() fails on any token, JWT, Authorization, Bearer or Basic header, or base64 of the token, in the output.
    result, output, sent = inventory(seeded, tmp_path, "plugin: scalingo.cloud.scalingo\n", fault=fault)
    assert result.returncode != 0
    lines = failure_lines(output)
    assert len(lines) == 1 and re.fullmatch(f"scalingo inventory: {message}", lines[0]), output
    assert [r["status"] for r in sent][-1] == fault.get("echo_headers")


def test_control_the_same_inventory_works_without_faults(seeded, tmp_path):
    """The failures above come from the hostile answers: without them, the same configuration lists the apps."""
    result, output, sent = inventory(seeded, tmp_path, "plugin: scalingo.cloud.scalingo\nformation: true\n")
    assert result.returncode == 0, output
    listed = json.loads(result.stdout[result.stdout.index("\n{") + 1 :])  # -vvvv prints its banner first
    hosts = listed["scalingo"]["hosts"]
    assert sorted(hosts) == ["shop-prod", "shop-staging"]
    assert any(r["path"] == "/v1/tokens/exchange" for r in sent)
