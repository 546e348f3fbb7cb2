"""The collection as Galaxy and its users get it: the tarball `make galaxy-import` builds.

galaxy-importer (the check Galaxy runs on every upload) passes it without an error or a warning; it ships what an
installed collection can use and nothing else; its unit tests run from the installed collection, as a user runs
them: `ansible-test units` in ansible_collections/scalingo/cloud.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
GALAXY_BIN = os.path.join(os.path.abspath(os.environ.get("GALAXY_VENV") or os.path.join(ROOT, ".venv-galaxy")), "bin")
with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as _handle:
    GALAXY = yaml.safe_load(_handle)
TARBALL = os.path.join(ROOT, "build", "dist", f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz")

# What an installed collection can use. Anything else at the top (or in tests/) is a decision to make in
# galaxy.yml's build_ignore, and this list.
SHIPPED = {
    ".ansible-lint",
    "CONTRIBUTING.md",
    "COPYING",
    "FILES.json",
    "MANIFEST.json",
    "README.md",
    "changelogs",
    "docs",
    "meta",
    "playbooks",
    "plugins",
    "roles",
    "tests",
}
SHIPPED_TESTS = {"config.yml", "sanity", "unit"}
# Every file git tracks under these ships.
SHIPPED_TREES = ("changelogs", "docs", "meta", "playbooks", "plugins", "roles", "tests/unit")
NEVER = (
    "tests/integration",
    "tests/contract",
    "tests/docs",
    "tests/output",
    "tests/utils",
    "simulator",
    "bench",
    "build",
    ".venv",
    ".venv-oldest",
    ".venv-galaxy",
)
SECRET_FILES = (
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.crt",
    "id_rsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".env",
    ".env.*",
    ".netrc",
    ".pypirc",
    "*vault_pass*",
    "*vault-pass*",
)
# Real-looking secrets: an API token or a signed JWT of real length, a private key with a body, a vaulted file.
# The unit tests' fakes (tk-us-unit, a JWT with a 4-character signature, a key whose body is AAAA) are shorter.
SECRET_TEXT = re.compile(
    r"tk-us-[A-Za-z0-9_-]{24,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=\s]{64,}"
    r"|\$ANSIBLE_VAULT;"
)


@pytest.fixture(scope="module")
def tarball():
    assert os.path.isfile(TARBALL), f"{TARBALL} is missing: `make galaxy-import` builds it"
    return TARBALL


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as archive:
        return {
            member.name: archive.extractfile(member).read() if member.isfile() else None
            for member in archive.getmembers()
        }


def names_in(directory):
    return sorted(name[:-3] for name in os.listdir(directory) if name.endswith(".py") and name != "__init__.py")


def test_galaxy_importer(tarball, tmp_path):
    env = dict(
        os.environ,
        GALAXY_IMPORTER_CONFIG=os.path.join(ROOT, "tests", "galaxy-importer.cfg"),
        # Where the importer unpacks the tarball, and ansible-lint's and ansible's temporary files.
        GALAXY_IMPORTER_TMP_ROOT_DIR=str(tmp_path),
        GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=str(tmp_path / "ansible"),
        # ansible-doc, ansible-lint and flake8 of .venv-galaxy.
        PATH=GALAXY_BIN + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_NOCOLOR="1",
        NO_COLOR="1",
    )
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    result = subprocess.run(
        [os.path.join(GALAXY_BIN, "python"), "-m", "galaxy_importer.main", tarball],
        cwd=tmp_path,  # it writes importer_result.json into the working directory
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout.splitlines()
    errors = [line for line in log if line.startswith(("ERROR", "CRITICAL"))]
    warnings = [line for line in log if line.startswith("WARNING")]
    assert result.returncode == 0 and not errors, result.stdout + result.stderr
    assert not warnings, "\n".join(warnings)
    assert not result.stderr.strip(), result.stderr
    assert log[-1] == "Importer processing completed successfully", result.stdout[-3000:]
    assert any("Linting collection via ansible-lint" in line for line in log)
    assert any("via flake8" in line for line in log)

    with open(tmp_path / "importer_result.json", encoding="utf-8") as handle:
        data = json.load(handle)
    metadata = data["metadata"]
    assert (metadata["namespace"], metadata["name"], metadata["version"]) == (
        GALAXY["namespace"],
        GALAXY["name"],
        GALAXY["version"],
    )
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        assert data["requires_ansible"] == yaml.safe_load(handle)["requires_ansible"]
    # Galaxy found every plugin and role, and rendered the docs of each.
    expected = (
        {("module", name) for name in names_in(os.path.join(ROOT, "plugins", "modules"))}
        | {("inventory", name) for name in names_in(os.path.join(ROOT, "plugins", "inventory"))}
        | {("role", name) for name in os.listdir(os.path.join(ROOT, "roles"))}
    )
    found = {(c["content_type"], c["name"]) for c in data["contents"]}
    assert expected <= found, sorted(expected - found)
    docs = {(c["content_type"], c["content_name"]): c for c in data["docs_blob"]["contents"]}
    undocumented = [key for key in expected if not docs[key]["doc_strings" if key[0] != "role" else "readme_html"]]
    assert not undocumented, undocumented
    assert "scalingo.cloud" in data["docs_blob"]["collection_readme"]["html"]
    doc_files = {f["name"] for f in data["docs_blob"]["documentation_files"]}
    assert {name for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md")} <= doc_files
    print(
        f"\ngalaxy-importer: {log[0]}; {len(data['contents'])} contents, {len(doc_files)} documentation files; "
        f"{len(errors)} errors, {len(warnings)} warnings"
    )


def test_tarball_ships_what_users_can_use(members):
    names = set(members)
    top = {name.split("/")[0] for name in names}
    assert top <= SHIPPED, f"not decided in galaxy.yml's build_ignore: {sorted(top - SHIPPED)}"
    assert {"MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta", "plugins", "roles", "tests"} <= top
    tests = {name.split("/")[1] for name in names if name.startswith("tests/") and name.count("/") >= 1}
    assert tests <= SHIPPED_TESTS, sorted(tests - SHIPPED_TESTS)
    shipped_never = [name for name in names if any(name == path or name.startswith(path + "/") for path in NEVER)]
    assert not shipped_never, shipped_never

    tracked = subprocess.run(
        ["git", "ls-files", "--", *SHIPPED_TREES, "tests/config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked
    assert sorted(set(tracked) - names) == []


def test_tarball_holds_no_secret(members):
    secret_files = [
        name for name in members if any(fnmatch.fnmatch(os.path.basename(name), pattern) for pattern in SECRET_FILES)
    ]
    assert not secret_files, secret_files
    leaks = {
        name: sorted({match[:12] + "…" for match in SECRET_TEXT.findall(body.decode("utf-8", "replace"))})
        for name, body in members.items()
        if body is not None and SECRET_TEXT.search(body.decode("utf-8", "replace"))
    }
    assert not leaks, leaks


def test_secret_scan_catches_real_looking_secrets():
    """The scan above is not blind: a token, a JWT and a key shaped like real ones are caught."""
    samples = [
        "SCALINGO_API_TOKEN=tk-us-" + "Qx7" * 12,
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "s1gnatur3" * 4,
        "-----BEGIN PRIVATE KEY-----\n" + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" * 3 + "\n-----END PRIVATE KEY-----",
        "$ANSIBLE_VAULT;1.1;AES256\n6162",
    ]
    assert [bool(SECRET_TEXT.search(sample)) for sample in samples] == [True] * len(samples)
    assert not SECRET_TEXT.search("tk-us-unit-secret-token eyJhbGciOiJIUzUxMiJ9.eyJleHAiOjF9.c2ln")


def test_unit_tests_run_from_the_installed_collection(tarball, tmp_path):
    collections = tmp_path / "collections"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1")
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    installed = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", collections, tarball],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    collection = collections / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    assert (collection / "MANIFEST.json").is_file() and not (collection / "galaxy.yml").exists()

    # ansible-test makes a virtualenv with its pytest and tests/unit/requirements.txt, and runs every test file.
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-test"), "units", "--venv", "--python", python, "--requirements", "--color=no"],
        cwd=collection,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
    test_files = {
        ".".join(path.relative_to(collection).with_suffix("").parts)
        for path in (collection / "tests" / "unit").rglob("test_*.py")
    }
    cases = [
        case
        for report in (collection / "tests" / "output" / "junit").glob("*.xml")
        for case in ET.parse(report).getroot().iter("testcase")
    ]
    # A case's classname is its file's dotted path, with the class name after it for tests in a class.
    ran = {
        next((name for name in test_files if f"{case.get('classname')}.".startswith(f"{name}.")), case.get("classname"))
        for case in cases
    }
    assert test_files and ran == test_files, sorted(ran ^ test_files)
    failed = [case.get("name") for case in cases if any(child.tag in ("failure", "error") for child in case)]
    assert not failed, failed
