"""The scalingo.cloud.scalingo inventory plugin, run by real ansible-inventory against its own simulator.

Apps are seeded through the simulator's admin API; each test writes an inventory file into a tmp dir
and reads what ansible-inventory --list answers, and the simulator's request log shows what was sent.
The plugin's documented EXAMPLES are read from its source and run as they are written.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess

import pytest
import with_simulator
import yaml
from conftest import COLLECTIONS, ROOT, SECRETS, ansible_bin, assert_ok_and_secret_free, run_playbook, sim

TOKEN = with_simulator.TOKEN


def plugin_examples():
    """The EXAMPLES of plugins/inventory/scalingo.py: {file name: configuration text}, each example's file
    name taken from its first line (`# production.scalingo.yml: ...`)."""
    with open(os.path.join(ROOT, "plugins", "inventory", "scalingo.py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    text = next(
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets)
    )
    examples = {}
    for part in re.split(r"^---[ \t]*$", text, flags=re.M):
        if part.strip():
            name = re.match(r"# (\S*scalingo\.ya?ml):", part.strip())
            assert name, f"an example of the inventory plugin does not start with '# <file name>: ...': {part!r}"
            examples[name.group(1)] = part.strip() + "\n"
    return examples


EXAMPLES = plugin_examples()


def example(name):
    assert name in EXAMPLES, f"the inventory plugin's EXAMPLES have no {name} any more: {sorted(EXAMPLES)}"
    return EXAMPLES[name]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A simulator of its own with apps in every interesting shape."""
    process, url = with_simulator.start()
    try:
        formation = [{"name": "web", "amount": 2, "size": "L"}, {"name": "worker", "amount": 1}]
        sim(url, "POST", "/_sim/apps", {"names": ["shop-prod", "shop-staging"], "deploy": formation})
        sim(url, "POST", "/_sim/apps", {"names": ["blog-main"], "deploy": [{"name": "web", "amount": 1}]})
        sim(url, "POST", "/_sim/apps", {"names": ["idle-sandbox"]})
        sim(url, "POST", "/_sim/apps/shop-prod/child_apps", {"names": ["shop-prod-pr12", "shop-prod-pr13"]})
        sim(url, "POST", "/_sim/apps/blog-main/status", {"status": "crashed"})
        # The parent app of the review-apps example.
        sim(url, "POST", "/_sim/apps", {"names": ["my-shop"], "deploy": [{"name": "web", "amount": 1}]})
        sim(url, "POST", "/_sim/apps/my-shop/child_apps", {"names": ["my-shop-pr3"]})
        # An app of another user must not show up.
        sim(url, "POST", "/_sim/users", {"email": "bob@example.com", "username": "bob", "token": "tk-us-bob"})
        sim(url, "POST", "/_sim/apps", {"names": ["bob-private"], "owner": "bob@example.com"})
        yield {"url": url, "cache": str(tmp_path_factory.mktemp("xdg"))}
    finally:
        with_simulator.stop(process)


def unwrap(value):
    """ansible-inventory --list marks API strings as unsafe ({"__ansible_unsafe": ...}); the plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def inventory(seeded, tmp_path, config, *args, env=None, name="apps.scalingo.yml", command="--list"):
    """Run ansible-inventory --list (or --graph) on `config`; returns (parsed JSON or None, process, requests sent)."""
    path = tmp_path / name
    path.write_text(config, encoding="utf-8")
    full_env = with_simulator.environment(seeded["url"], seeded["cache"])
    full_env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_INVENTORY_ENABLED="scalingo.cloud.scalingo",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_LOCALHOST_WARNING="0",
    )
    full_env.update(env or {})
    sim(seeded["url"], "DELETE", "/_sim/requests")
    result = subprocess.run(
        [ansible_bin("ansible-inventory"), "-i", str(path), command, *args],
        env=full_env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=False,
    )
    requests_sent = sim(seeded["url"], "GET", "/_sim/requests")["requests"]
    leaks = sorted(set(SECRETS.findall(result.stdout + result.stderr)))
    assert not leaks, f"secrets in the output: {leaks}"
    parsed = None
    if result.returncode == 0:
        parsed = unwrap(json.loads(result.stdout)) if command == "--list" else graph_hosts(result.stdout)
    return parsed, result, requests_sent


def graph_hosts(text):
    """The hosts of an ansible-inventory --graph answer, as {"scalingo": {"hosts": [...]}}."""
    return {"scalingo": {"hosts": sorted(set(re.findall(r"\|--([^@\s]\S*)$", text, re.M)))}}


def hosts_of(data, group):
    return sorted((data.get(group) or {}).get("hosts", []))


EVERYONE = [
    "blog-main",
    "idle-sandbox",
    "my-shop",
    "my-shop-pr3",
    "shop-prod",
    "shop-prod-pr12",
    "shop-prod-pr13",
    "shop-staging",
]


def test_hosts_groups_and_hostvars(seeded, tmp_path):
    # The production example's formation, groups and compose, over every app (its filters, token and
    # cache are tested as they are in test_documented_production_example).
    production = yaml.safe_load(example("production.scalingo.yml"))
    config = yaml.safe_dump(
        {
            "plugin": production["plugin"],
            **{key: production[key] for key in ("formation", "keyed_groups", "groups", "compose")},
        }
    )
    # A bearer cache of its own, whatever ran before on this worker: the token exchange is always counted.
    data, result, sent = inventory(seeded, tmp_path, config, env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    assert hosts_of(data, "scalingo") == EVERYONE
    assert hosts_of(data, "status_running") == ["my-shop", "shop-prod", "shop-staging"]
    assert hosts_of(data, "status_crashed") == ["blog-main"]
    assert hosts_of(data, "status_new") == ["idle-sandbox", "my-shop-pr3", "shop-prod-pr12", "shop-prod-pr13"]
    assert hosts_of(data, "review_of_shop_prod") == ["shop-prod-pr12", "shop-prod-pr13"]
    assert hosts_of(data, "review_of_my_shop") == ["my-shop-pr3"]
    assert hosts_of(data, "https_not_forced") == EVERYONE
    hostvars = data["_meta"]["hostvars"]
    prod = hostvars["shop-prod"]
    assert prod["ansible_connection"] == "local"
    assert prod["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    assert prod["scalingo_status"] == "running"
    assert prod["scalingo_url"] == "https://shop-prod.osc-fr1.scalingo.io"
    assert prod["scalingo_region"] == "osc-fr1"
    assert prod["scalingo_owner"] == "owner@example.com"
    assert prod["scalingo_parent"] is None
    assert prod["scalingo_formation"] == [
        {"name": "web", "amount": 2, "size": "L"},
        {"name": "worker", "amount": 1, "size": "M"},
    ]
    assert prod["web_containers"] == 2
    assert hostvars["shop-prod-pr12"]["scalingo_parent"] == "shop-prod"
    # One token exchange, one list, one formation read per app: nothing else.
    paths = sorted(f"{r['method']} {r['path']}" for r in sent)
    assert paths == sorted(
        ["POST /v1/tokens/exchange", "GET /v1/apps"] + [f"GET /v1/apps/{name}/containers" for name in EVERYONE]
    ), paths
    assert not [r for r in sent if r["mutating"]]


def test_documented_every_app_example(seeded, tmp_path):
    data, result, sent = inventory(seeded, tmp_path, example("scalingo.yml"), name="scalingo.yml")
    assert result.returncode == 0, result.stderr
    assert hosts_of(data, "scalingo") == EVERYONE
    # The formation is read only when asked.
    assert "scalingo_formation" not in data["_meta"]["hostvars"]["shop-prod"]
    assert [f"{r['method']} {r['path']}" for r in sent if r["path"] != "/v1/tokens/exchange"] == ["GET /v1/apps"]


def test_documented_production_example(seeded, tmp_path):
    """The production example as its comment runs it: ansible-inventory -i production.scalingo.yml -e @vault.yml --list
    (plus --export: without it --list prints the extra variables, the token among them, in every host's variables)."""
    secrets = tmp_path / "vault.yml"
    secrets.write_text(f"vault_scalingo_api_token: {TOKEN}\n", encoding="utf-8")
    password = tmp_path / "vault-pass"
    password.write_text("not-a-real-password\n", encoding="utf-8")
    subprocess.run(
        [ansible_bin("ansible-vault"), "encrypt", str(secrets), "--vault-password-file", str(password)],
        check=True,
        capture_output=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
    )
    home = tmp_path / "home"  # the example's cache is in ~/.cache/ansible-inventory
    home.mkdir()
    args = ("-e", f"@{secrets}", "--vault-password-file", str(password), "--export")
    env = {"SCALINGO_API_TOKEN": "", "HOME": str(home)}
    config = example("production.scalingo.yml")

    data, result, sent = inventory(seeded, tmp_path, config, *args, env=env, name="production.scalingo.yml")
    assert result.returncode == 0, result.stderr
    # Running or crashed apps named shop-*: the review apps are new.
    assert hosts_of(data, "scalingo") == ["shop-prod", "shop-staging"]
    assert hosts_of(data, "status_running") == ["shop-prod", "shop-staging"]
    assert hosts_of(data, "https_not_forced") == ["shop-prod", "shop-staging"]
    hostvars = data["_meta"]["hostvars"]
    assert [hostvars[name]["web_containers"] for name in ("shop-prod", "shop-staging")] == [2, 2]
    assert hostvars["shop-prod"]["scalingo_formation"][0] == {"name": "web", "amount": 2, "size": "L"}
    assert not [name for name, variables in hostvars.items() if "vault_scalingo_api_token" in variables]
    paths = sorted(f"{r['method']} {r['path']}" for r in sent if r["path"] != "/v1/tokens/exchange")
    assert paths == ["GET /v1/apps", "GET /v1/apps/shop-prod/containers", "GET /v1/apps/shop-staging/containers"], paths

    # Cached: the next run sends nothing, and the cache holds no token.
    again, result, sent = inventory(seeded, tmp_path, config, *args, env=env, name="production.scalingo.yml")
    assert result.returncode == 0, result.stderr
    assert sent == [], sent
    assert again == data
    cached = "".join(p.read_text(encoding="utf-8") for p in (home / ".cache" / "ansible-inventory").iterdir())
    assert "shop-prod" in cached and TOKEN not in cached


def test_documented_review_apps_example(seeded, tmp_path):
    data, result, sent = inventory(
        seeded, tmp_path, example("review-apps.scalingo.yml"), name="review-apps.scalingo.yml"
    )
    assert result.returncode == 0, result.stderr
    assert hosts_of(data, "scalingo") == ["my-shop-pr3"]
    assert data["_meta"]["hostvars"]["my-shop-pr3"]["scalingo_parent"] == "my-shop"
    assert [f"{r['method']} {r['path']}" for r in sent if r["path"] != "/v1/tokens/exchange"] == ["GET /v1/apps"]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ("name_patterns: ['shop-*']\nchild_apps: exclude", ["shop-prod", "shop-staging"]),
        ("statuses: [crashed, new]\nchild_apps: exclude", ["blog-main", "idle-sandbox"]),
        ("parents: [shop-prod]", ["shop-prod-pr12", "shop-prod-pr13"]),
        ("child_apps: only\nname_patterns: ['*-pr13']", ["shop-prod-pr13"]),
    ],
)
def test_filters(seeded, tmp_path, filters, expected):
    data, result, sent = inventory(seeded, tmp_path, f"plugin: scalingo.cloud.scalingo\nformation: true\n{filters}\n")
    assert result.returncode == 0, result.stderr
    assert hosts_of(data, "scalingo") == expected
    # The formation is read for the apps kept only.
    assert sorted(r["path"] for r in sent if r["path"].endswith("/containers")) == [
        f"/v1/apps/{name}/containers" for name in expected
    ]


def test_cache_hit_sends_nothing(seeded, tmp_path):
    config = f"""
plugin: scalingo.cloud.scalingo
formation: true
name_patterns: ['shop-*']
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {tmp_path / "inventory-cache"}
"""
    first, result, sent = inventory(seeded, tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/apps" for r in sent)
    second, result, sent = inventory(seeded, tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert sent == [], sent
    assert second == first
    cached = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "inventory-cache").iterdir())
    assert TOKEN not in cached and "shop-prod" in cached
    # --flush-cache asks the API again.
    flushed, result, sent = inventory(seeded, tmp_path, config, "--flush-cache")
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/apps" for r in sent)
    assert flushed == first
    # Other options (or another token) never read this cache.
    other, result, sent = inventory(seeded, tmp_path, config.replace("shop-*", "blog-*"))
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/apps" for r in sent)
    assert hosts_of(other, "scalingo") == ["blog-main"]


def test_token_from_extra_vars_and_vault(seeded, tmp_path):
    # --graph: --list would print the extra variables (the token given with -e) among every host's variables.
    config = 'plugin: scalingo.cloud.scalingo\napi_token: "{{ vault_scalingo_api_token }}"\nchild_apps: exclude\n'
    no_env_token = {"SCALINGO_API_TOKEN": ""}
    data, result, sent = inventory(
        seeded, tmp_path, config, "-e", f"vault_scalingo_api_token={TOKEN}", env=no_env_token, command="--graph"
    )
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/apps" for r in sent)
    assert "shop-prod" in hosts_of(data, "scalingo")

    secrets = tmp_path / "vault.yml"
    secrets.write_text(f"vault_scalingo_api_token: {TOKEN}\n", encoding="utf-8")
    password = tmp_path / "vault-pass"
    password.write_text("not-a-real-password\n", encoding="utf-8")
    subprocess.run(
        [ansible_bin("ansible-vault"), "encrypt", str(secrets), "--vault-password-file", str(password)],
        check=True,
        capture_output=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
    )
    assert TOKEN not in secrets.read_text(encoding="utf-8")
    data, result, sent = inventory(
        seeded,
        tmp_path,
        config,
        "-e",
        f"@{secrets}",
        "--vault-password-file",
        str(password),
        env=no_env_token,
        command="--graph",
    )
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/apps" for r in sent)
    assert "shop-prod" in hosts_of(data, "scalingo")


def test_other_users_token_sees_its_apps_only(seeded, tmp_path):
    data, result, sent = inventory(
        seeded, tmp_path, "plugin: scalingo.cloud.scalingo\n", env={"SCALINGO_API_TOKEN": "tk-us-bob"}
    )
    assert result.returncode == 0, result.stderr
    assert not [r for r in sent if r["mutating"]]
    assert hosts_of(data, "scalingo") == ["bob-private"]


@pytest.mark.parametrize(
    "config, env, message",
    [
        (
            "plugin: scalingo.cloud.scalingo\n",
            {"SCALINGO_API_TOKEN": "tk-us-wrong-and-secret"},
            "could not exchange the API token",
        ),
        ("plugin: scalingo.cloud.scalingo\n", {"SCALINGO_API_TOKEN": ""}, "api_token is required"),
        (
            'plugin: scalingo.cloud.scalingo\napi_token: "{{ undefined_token_var }}"\n',
            {},
            "could not render the api_token option",
        ),
        (
            "plugin: scalingo.cloud.scalingo\napi_url: ftp://example.com\n",
            {"SCALINGO_API_URL": ""},
            "api_url 'ftp://example.com' is invalid",
        ),
    ],
)
def test_errors_are_clear_and_secret_free(seeded, tmp_path, config, env, message):
    data, result, sent = inventory(seeded, tmp_path, config, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and data is None
    assert not [r for r in sent if r["path"] == "/v1/apps"]
    assert message in output, output
    assert "tk-us-wrong-and-secret" not in output


def test_file_name_must_end_in_scalingo_yml(seeded, tmp_path):
    data, result, sent = inventory(seeded, tmp_path, "plugin: scalingo.cloud.scalingo\n", name="apps.yml")
    assert result.returncode != 0 and data is None
    assert sent == []


PLAY_ON_APPS = """
- name: A play on the apps of the inventory
  hosts: status_running
  gather_facts: false
  tasks:
    - name: Read each app through the modules (connection local, the controller's Python)
      scalingo.cloud.scalingo_app_info:
        name: "{{ inventory_hostname }}"
      register: app_read
    - name: The inventory and the module agree
      ansible.builtin.assert:
        that:
          - app_read.apps[0].status == scalingo_status
          - app_read.apps[0].url == scalingo_url
          - ansible_python_interpreter == ansible_playbook_python
"""


def test_playbook_over_inventory_hosts(seeded, tmp_path):
    (tmp_path / "apps.scalingo.yml").write_text(
        "plugin: scalingo.cloud.scalingo\nkeyed_groups:\n  - key: scalingo_status\n    prefix: status\n",
        encoding="utf-8",
    )
    (tmp_path / "play.yml").write_text(PLAY_ON_APPS, encoding="utf-8")
    result = run_playbook(
        seeded["url"], seeded["cache"], str(tmp_path / "play.yml"), "-i", str(tmp_path / "apps.scalingo.yml")
    )
    assert_ok_and_secret_free(result)
    assert re.search(r"^shop-prod\s+: ok=2 ", result.stdout, re.M) and re.search(
        r"^shop-staging\s+: ok=2 ", result.stdout, re.M
    )
