"""The community's quality tools over the collection, as `make test` runs them.

ansible-lint (production profile, no skipped rule) over roles/ and playbooks/, antsibull-docs over the
plugin and role docs, ansible-doc over every plugin and role, antsibull-changelog lint, the `all` action
group, and module_defaults for group/scalingo.cloud.all against the simulator. And the habits around them:
what the README, the docs index and galaxy.yml say the collection holds, the pre-commit hooks (make lint's
commands), the paths CONTRIBUTING.md names, and what `make docs` says before installing Chromium.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml
from conftest import COLLECTIONS, ROOT, ansible_bin, assert_ok_and_secret_free

COLLECTION = os.path.join(COLLECTIONS, "ansible_collections", "scalingo", "cloud")
VENV_BIN = os.path.dirname(sys.executable)
MODULES = sorted(
    name[:-3]
    for name in os.listdir(os.path.join(ROOT, "plugins", "modules"))
    if name.endswith(".py") and name != "__init__.py"
)
INVENTORY_PLUGINS = sorted(
    name[:-3]
    for name in os.listdir(os.path.join(ROOT, "plugins", "inventory"))
    if name.endswith(".py") and name != "__init__.py"
)
# These tools run from the newest venv whatever ANSIBLE_BIN says: the oldest-core run would only repeat them.
# Tools whose result does not depend on ansible-core: `make integration-oldest` deselects them.
NEWEST_ONLY = pytest.mark.newest_only
ROLES = sorted(
    name for name in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", name))
)


def tool(*command, cwd=ROOT, env=None, binary_dir=VENV_BIN):
    """Run a tool of the venv with the collection on the collections path; returns the CompletedProcess."""
    full_env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        NO_COLOR="1",
        PATH=binary_dir + os.pathsep + os.environ.get("PATH", ""),
    )
    full_env.update(env or {})
    return subprocess.run(
        [os.path.join(binary_dir, command[0]), *command[1:]],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def collection_tree():
    return COLLECTION


@NEWEST_ONLY
def test_ansible_lint_production_profile(collection_tree):
    with open(os.path.join(ROOT, ".ansible-lint"), encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    assert config["profile"] == "production"
    assert not {"skip_list", "warn_list", "enable_list"} & set(config), (
        "the production profile runs whole: no skipped or warned rule"
    )
    result = tool("ansible-lint", "--offline", "roles/", "playbooks/")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Profile 'production' was required, and it passed" in output, output


@NEWEST_ONLY
def test_antsibull_docs_lint(collection_tree):
    result = tool(
        "antsibull-docs", "lint-collection-docs", "--plugin-docs", "--validate-collection-refs", "all", collection_tree
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


@pytest.mark.parametrize(
    "kind, name",
    [("module", m) for m in MODULES] + [("inventory", p) for p in INVENTORY_PLUGINS] + [("role", r) for r in ROLES],
)
def test_ansible_doc_renders(collection_tree, kind, name):
    # ansible-doc of the ansible-core under test (ANSIBLE_BIN: the oldest one in `make integration-oldest`).
    result = tool(
        "ansible-doc", "-t", kind, f"scalingo.cloud.{name}", binary_dir=os.path.dirname(ansible_bin("ansible-doc"))
    )
    assert result.returncode == 0, result.stderr
    assert f"scalingo.cloud.{name}" in result.stdout
    # ansible-core's own internal collection warns that it has no version when roles are listed: not ours.
    problems = [
        line
        for line in result.stderr.splitlines()
        if ("ERROR" in line or "WARNING" in line) and "_protomatter" not in line
    ]
    assert not problems, result.stderr
    if kind != "role":
        assert "EXAMPLES" in result.stdout or "EXAMPLES" in result.stdout.upper(), result.stdout[:2000]


@NEWEST_ONLY
def test_antsibull_changelog_lint(collection_tree):
    fragments = [
        name for name in os.listdir(os.path.join(ROOT, "changelogs", "fragments")) if name.endswith((".yml", ".yaml"))
    ]
    assert fragments, "every change comes with a changelog fragment"
    result = tool("antsibull-changelog", "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def documentation(module):
    with open(os.path.join(ROOT, "plugins", "modules", f"{module}.py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{module} has no DOCUMENTATION")


def test_every_module_is_in_the_all_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        runtime = yaml.safe_load(handle)
    group = runtime["action_groups"]["all"]
    assert sorted(group) == MODULES, f"meta/runtime.yml action_groups.all must list exactly the modules: {MODULES}"
    for module in MODULES:
        # The attributes fragment documents the action_group attribute (membership scalingo.cloud.all).
        assert "scalingo.cloud.attributes" in documentation(module).get("extends_documentation_fragment", []), module


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as handle:
        return handle.read()


def module_names(text):
    return sorted(set(re.findall(r"scalingo\.cloud\.(scalingo_[a-z0-9_]+)", text)))


@NEWEST_ONLY
def test_the_collection_says_what_it_holds():
    """The README, the documentation site's index and galaxy.yml describe the plugins and roles of this tree."""
    readme = read("README.md")
    opening = readme.split("\n## ", 1)[0]
    modules_section = readme.split("\n## Modules\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in modules_section.splitlines() if line.startswith("| `scalingo.cloud.")]
    assert module_names("\n".join(table)) == MODULES, "README.md: the module table lists exactly plugins/modules"
    assert len(table) == len(MODULES), "README.md: one row per module"
    assert f"{len(MODULES)} [modules]" in opening, f"README.md's opening says how many modules: {len(MODULES)}"
    assert f"{len(ROLES)} [roles]" in opening
    for name in INVENTORY_PLUGINS + ROLES:
        assert f"`scalingo.cloud.{name}`" in opening, f"README.md's opening names scalingo.cloud.{name}"

    index = read("docs", "sphinx", "index.rst")
    linked = sorted(re.findall(r":ansplugin:`scalingo\.cloud\.(\w+)#module`", index))
    assert linked == MODULES, "docs/sphinx/index.rst lists exactly plugins/modules, each once"
    assert f"- {len(MODULES)} modules:" in index and f"- {len(ROLES)} roles," in index
    for name in INVENTORY_PLUGINS:
        assert f":ansplugin:`scalingo.cloud.{name}#inventory`" in index
    for name in ROLES:
        assert f":ansplugin:`scalingo.cloud.{name}#role`" in index

    galaxy = yaml.safe_load(read("galaxy.yml"))
    assert f"{len(MODULES)} modules" in galaxy["description"] and "inventory plugin" in galaxy["description"]
    assert len(galaxy["description"]) <= 255  # what Galaxy shows of it


def recipe(makefile, target):
    """The commands of a Makefile target's recipe (the tab-indented lines under `target:`), without `@`."""
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(line.strip().removeprefix("@"))
    return commands


def as_hooks_write_it(command):
    """A Makefile command as the hooks write it: .venv and build/collections for the variables, from the tool on."""
    command = command.replace("$(VENV)", ".venv").replace("$(COLLECTIONS)", "build/collections").replace("$$", "$")
    return re.sub(r"^PATH=\S+ ", "", command)  # antsibull-docs: the hook puts .venv/bin on PATH itself


@NEWEST_ONLY
def test_pre_commit_runs_what_make_lint_runs():
    config = yaml.safe_load(read(".pre-commit-config.yaml"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    # Local hooks on the tools of .venv: nothing to download.
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    assert all(hook["language"] == "system" and "additional_dependencies" not in hook for hook in hooks)
    entries = [" ".join(hook["entry"].split()) for hook in hooks]
    makefile = read("Makefile")
    commands = [
        as_hooks_write_it(c) for target in ("ruff", "collection", "types", "lint") for c in recipe(makefile, target)
    ]
    assert len(commands) == len(hooks), f"one hook per command of make ruff, collection, types and lint: {commands}"
    for command in commands:
        assert any(command in entry for entry in entries), f"no hook runs `{command}`"


def browser_setup(tmp_path, uid, apt_get=True, present=False):
    """Run tests/utils/browser.sh (make docs's first step) with Chromium missing (or `present`), a fake `id`, and a fake
    apt-get that logs its calls into the same output (or no apt-get)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "id").chmod(0o755)
    if apt_get:
        (fake / "apt-get").write_text('#!/bin/sh\necho "APT-GET $*"\n')
        (fake / "apt-get").chmod(0o755)
    where = "/bin/sh" if present else str(tmp_path / "nothing")
    env = {"PATH": str(fake), "CHROMIUM": where, "CHROMEDRIVER": where}
    return subprocess.run(
        ["/bin/sh", os.path.join(ROOT, "tests", "utils", "browser.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@NEWEST_ONLY
def test_make_docs_says_what_it_installs_before_installing_it(tmp_path):
    result = browser_setup(tmp_path, 0)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    announced = next(
        i for i, line in enumerate(lines) if "installing the Debian packages chromium and chromium-driver" in line
    )
    assert "as root" in lines[announced]
    assert lines[announced + 1 :] == ["APT-GET update -qq", "APT-GET install -y -qq chromium chromium-driver"]


@NEWEST_ONLY
@pytest.mark.parametrize(
    "uid, apt_get, says",
    [
        (1000, True, "installing them takes root: run 'sudo apt-get install chromium chromium-driver'"),
        (0, False, "no apt-get here: install Chromium and chromedriver as"),
    ],
)
def test_make_docs_refuses_clearly_when_it_can_not_install_chromium(tmp_path, uid, apt_get, says):
    result = browser_setup(tmp_path, uid, apt_get)
    assert result.returncode == 1
    assert says in result.stderr and "make docs again" in result.stderr
    assert "needs Chromium and its driver" in result.stdout and "APT-GET" not in result.stdout


@NEWEST_ONLY
def test_make_docs_installs_nothing_when_chromium_is_there(tmp_path):
    result = browser_setup(tmp_path, 1000, present=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@NEWEST_ONLY
def test_make_docs_checks_the_browser_before_it_installs_anything():
    makefile = read("Makefile")
    docs = next(line for line in makefile.splitlines() if line.startswith("docs:"))
    assert docs.split(":", 1)[1].split()[0] == "docs-browser"
    assert recipe(makefile, "docs-browser") == ["sh tests/utils/browser.sh"]


@NEWEST_ONLY
def test_contributing_names_only_paths_that_exist():
    """Every path CONTRIBUTING.md names in backquotes is in the tree (`<thing>` stands for any name); what the
    runs write (tests/output/, build/) is left out."""
    text = read("CONTRIBUTING.md")
    top = set(os.listdir(ROOT))
    named = {p for p in re.findall(r"`([^`\s]+)`", text) if p.split("/", 1)[0] in top and ("/" in p or "." in p)}
    named -= {p for p in named if p.startswith(("tests/output/", "build/"))}
    assert len(named) > 20, sorted(named)  # the paths are found at all
    missing = sorted(p for p in named if not glob.glob(os.path.join(ROOT, p.replace("<thing>", "*"))))
    assert not missing, f"CONTRIBUTING.md names paths that are not in the tree: {missing}"


MODULE_DEFAULTS_PLAY = """
- name: Every module takes its connection settings from module_defaults
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    sim: "{{ lookup('ansible.builtin.env', 'MODULE_DEFAULTS_SIM_URL') }}"
  module_defaults:
    group/scalingo.cloud.all:
      api_url: "{{ sim }}"
      auth_url: "{{ sim }}"
      api_token: "{{ lookup('ansible.builtin.env', 'MODULE_DEFAULTS_TOKEN') }}"
      bearer_cache: false
      # The simulator sets no limit here: paced at Scalingo's 60 a minute, this play would mostly wait.
      rate_limit: 1200
  tasks:
    - name: Nothing from the environment
      ansible.builtin.assert:
        that: lookup('ansible.builtin.env', 'SCALINGO_API_TOKEN', default='') == ''
    - name: Start from an empty simulator with short operations
      ansible.builtin.uri:
        url: "{{ sim }}/_sim/{{ item.path }}"
        method: POST
        body_format: json
        body: "{{ item.body }}"
      loop:
        - {path: reset, body: {}}
        - {path: config, body: {operation_duration: 0.2}}
    - name: Create an app (scalingo_app)
      scalingo.cloud.scalingo_app:
        name: defaults-app
        force_https: true
    - name: Deploy it
      ansible.builtin.uri:
        url: "{{ sim }}/_sim/apps/defaults-app/deploy"
        method: POST
        body_format: json
        body: {}
    - name: Scale it (scalingo_scale)
      scalingo.cloud.scalingo_scale:
        app: defaults-app
        containers: [{name: web, amount: 2}]
    - name: Restart it (scalingo_restart)
      scalingo.cloud.scalingo_restart:
        app: defaults-app
    - name: Run a one-off (scalingo_run)
      scalingo.cloud.scalingo_run:
        app: defaults-app
        command: "true"
    - name: Create a child app (scalingo_child_app)
      scalingo.cloud.scalingo_child_app:
        parent: defaults-app
        name: defaults-app-pr1
    - name: Invite a collaborator (scalingo_collaborator)
      scalingo.cloud.scalingo_collaborator:
        app: defaults-app
        email: defaults@example.com
    - name: Set a variable (scalingo_env)
      scalingo.cloud.scalingo_env:
        app: defaults-app
        variables: {LOG_LEVEL: debug}
    - name: Give it a database (scalingo_addon)
      scalingo.cloud.scalingo_addon:
        app: defaults-app
        provider: postgresql
        plan: postgresql-sandbox
      register: defaults_db
    - name: Set its backup hour (scalingo_database)
      scalingo.cloud.scalingo_database:
        app: defaults-app
        addon: postgresql
        periodic_backups: {hour: 4}
    - name: Back it up (scalingo_database_backup)
      scalingo.cloud.scalingo_database_backup:
        app: defaults-app
        addon: postgresql
        max_age: 1h
    - name: Restore that backup (scalingo_database_restore)
      scalingo.cloud.scalingo_database_restore:
        app: defaults-app
        addon: postgresql
        backup: latest
        confirm: "{{ defaults_db.addon.id }}"
    - name: Add a database user (scalingo_database_user)
      scalingo.cloud.scalingo_database_user:
        app: defaults-app
        addon: postgresql
        name: defaults-reader
        read_only: true
        password: defaults-password-0123456789
    - name: Read the database (scalingo_database_info)
      scalingo.cloud.scalingo_database_info:
        app: defaults-app
        addon: postgresql
      register: defaults_db_read
    - name: Let Scalingo scale it (scalingo_autoscaler)
      scalingo.cloud.scalingo_autoscaler:
        app: defaults-app
        container_type: web
        metric: cpu
        target: 0.8
        min_containers: 2
        max_containers: 4
    - name: Deploy an archive (scalingo_deployment)
      scalingo.cloud.scalingo_deployment:
        app: defaults-app
        source_path: "{{ playbook_dir }}/defaults-src"
        git_ref: v1
    - name: Add a domain (scalingo_domain)
      scalingo.cloud.scalingo_domain:
        app: defaults-app
        name: www.defaults-app.example
    - name: Notify by e-mail (scalingo_notifier)
      scalingo.cloud.scalingo_notifier:
        app: defaults-app
        name: on-call
        platform: email
        emails: [oncall@example.com]
    - name: Alert on memory (scalingo_alert)
      scalingo.cloud.scalingo_alert:
        app: defaults-app
        container_type: web
        metric: memory
        limit: 0.9
        notifiers: [on-call]
    - name: Drain its logs (scalingo_log_drain)
      scalingo.cloud.scalingo_log_drain:
        app: defaults-app
        type: papertrail
        host: logs.example.com
        port: 514
    - name: An SCM integration of the account
      ansible.builtin.uri:
        url: "{{ sim }}/_sim/scm_integrations"
        method: POST
        body_format: json
        body: {scm_type: github, username: defaults}
        status_code: 201
      no_log: true  # the simulator's answer holds the integration's access token
    - name: Link its repository (scalingo_scm_repo_link)
      scalingo.cloud.scalingo_scm_repo_link:
        app: defaults-app
        source: https://github.com/defaults/defaults-app
        integration: github
        branch: main
    - name: Read them (scalingo_app_info)
      scalingo.cloud.scalingo_app_info:
        name: defaults-app
        gather: [child_apps]
      register: defaults_read
    - name: Every module worked
      ansible.builtin.assert:
        that:
          - defaults_read.apps[0].child_apps | map(attribute='name') | list == ['defaults-app-pr1']
          - defaults_db_read.users | map(attribute='name') | select('eq', 'defaults-reader') | list | length == 1
"""

# The modules the play above runs, as it names them.
COVERED = set(re.findall(r"^      scalingo\.cloud\.(scalingo_[a-z_]+):", MODULE_DEFAULTS_PLAY, re.M))


def test_module_defaults_group(simulator, cache_dir, tmp_path):
    assert set(MODULES) <= COVERED, f"add a task for {sorted(set(MODULES) - COVERED)} to MODULE_DEFAULTS_PLAY"
    playbook = tmp_path / "module_defaults.yml"
    playbook.write_text(MODULE_DEFAULTS_PLAY, encoding="utf-8")
    (tmp_path / "defaults-src").mkdir()
    (tmp_path / "defaults-src" / "Procfile").write_text("web: true\n", encoding="utf-8")
    # No SCALINGO_* variable reaches the modules: only module_defaults can give them their settings.
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCALINGO_")}
    env.update(
        MODULE_DEFAULTS_SIM_URL=simulator,
        MODULE_DEFAULTS_TOKEN="tk-us-simulator",
        XDG_CACHE_HOME=cache_dir,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    result = subprocess.run(
        [ansible_bin("ansible-playbook"), str(playbook), "-vvvv"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert_ok_and_secret_free(result)
