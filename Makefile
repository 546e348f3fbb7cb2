# Two commands for a newcomer: `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
ROOT := $(CURDIR)

# Newest ansible-core wants Python >= 3.12; the oldest one we support (requires_ansible) runs on 3.11.
find_python = $(shell for v in $(1); do for p in $(HOME)/.pyenv/versions/$$v*/bin/python$$v $$(command -v python$$v); do \
  if [ -x "$$p" ] && "$$p" -c 'import venv' >/dev/null 2>&1; then echo "$$p"; exit 0; fi; done; done)
PYTHON ?= $(call find_python,3.12 3.13)
PYTHON_OLDEST ?= $(call find_python,3.11 3.12)

VENV := $(ROOT)/.venv
VENV_OLDEST := $(ROOT)/.venv-oldest
VENV_GALAXY := $(ROOT)/.venv-galaxy
BUILD := $(ROOT)/build
COLLECTIONS := $(BUILD)/collections
SANITY_TREE := $(BUILD)/sanity/ansible_collections/scalingo/cloud
py_version = $(shell $(1)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1

.PHONY: demo test ruff sanity sanity-oldest units galaxy-import docs docs-browser integration integration-oldest lint types bench venv venv-oldest venv-galaxy collection clean

# The demo runs the collection as users get it: built into a tarball and installed from it.
demo: venv
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(BUILD)/dist
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed $(VENV)/bin/ansible-galaxy collection install --force -p $(BUILD)/installed $(BUILD)/dist/scalingo-cloud-$$(sed -n 's/^version: //p' galaxy.yml).tar.gz
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed $(VENV)/bin/python tests/utils/with_simulator.py -- $(VENV)/bin/ansible-playbook -i localhost, playbooks/demo.yml

# The three virtualenvs install side by side first (mostly waiting on downloads and disk), then the steps run in turn.
test:
	@$(MAKE) --no-print-directory -j3 venv venv-oldest venv-galaxy
	@$(MAKE) --no-print-directory ruff types sanity units galaxy-import docs integration sanity-oldest integration-oldest

$(VENV)/.installed: tests/requirements.txt tests/requirements-ecosystem.txt simulator/pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.12 / python3.13 on PATH or in pyenv)"; exit 1; }
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt -r tests/requirements-ecosystem.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e simulator
	touch $@

$(VENV_OLDEST)/.installed: tests/requirements-oldest.txt
	@test -n "$(PYTHON_OLDEST)" || { echo "Python 3.11 is needed for the oldest ansible-core"; exit 1; }
	rm -rf $(VENV_OLDEST) && $(PYTHON_OLDEST) -m venv $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements-oldest.txt
	touch $@

# galaxy-importer pins attrs<24 and flake8<7, which .venv's tools don't accept: it gets a venv of its own.
$(VENV_GALAXY)/.installed: tests/requirements-galaxy.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.12 / python3.13 on PATH or in pyenv)"; exit 1; }
	rm -rf $(VENV_GALAXY) && $(PYTHON) -m venv $(VENV_GALAXY)
	$(VENV_GALAXY)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements-galaxy.txt
	touch $@

venv: $(VENV)/.installed
venv-oldest: $(VENV_OLDEST)/.installed
venv-galaxy: $(VENV_GALAXY)/.installed

collection:
	@$(VENV)/bin/python tests/utils/collection_tree.py --link $(COLLECTIONS)

# ansible-test downloads a pip bootstrap script from a host that may be unreachable: give it ours.
define ansible_test_pip
	@pip_version=$$($(1)/bin/python -c 'import re, ansible_test, os; print(re.search(r"pip=.([0-9.]+)", open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal/python_requirements.py")).read()).group(1))'); \
	  mkdir -p $(HOME)/.ansible/test/cache && cp tests/utils/get_pip.py $(HOME)/.ansible/test/cache/get_pip_$${pip_version//./_}.py
endef

define sanity_run
	$(1)/bin/python tests/utils/collection_tree.py $(BUILD)/sanity
	$(call ansible_test_pip,$(1))
	cd $(SANITY_TREE) && PATH=$(1)/bin:$$PATH ansible-test sanity --venv --python $(call py_version,$(1)) --color no
endef

sanity: venv
	$(call sanity_run,$(VENV))

sanity-oldest: venv-oldest venv
	$(call sanity_run,$(VENV_OLDEST))

units: venv collection
	PYTHONPATH=$(COLLECTIONS) $(VENV)/bin/python -m pytest -q -p no:cacheprovider -n 2 tests/unit tests/contract/unit simulator/tests

# The tarball as Galaxy gets it: galaxy-importer (the check Galaxy runs on every upload, settings in
# tests/galaxy-importer.cfg) must report no error and no warning; the tarball ships only what an installed collection
# can use, and its unit tests pass from the installed collection under ansible-test units (tests/package).
galaxy-import: venv venv-galaxy
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(BUILD)/dist
	$(call ansible_test_pip,$(VENV))
	GALAXY_VENV=$(VENV_GALAXY) $(VENV)/bin/python -m pytest -q -s -p no:cacheprovider tests/package

# The integration tests run in parallel (pytest-xdist), each worker with a simulator and a bearer cache of its own;
# the longest tests start first (tests/integration/conftest.py: the last run's durations, or on a fresh clone those of
# tests/integration/durations.json, which tests/utils/save_durations.py rewrites). INTEGRATION_WORKERS=0 runs them in one process.
# They hold one small pacing case under the rate limit (tests/integration/test_load.py, about 1.5 min, mostly asleep);
# the long load and fleet runs (minutes to most of an hour each) are `make bench`'s scenarios 6 to 8.
# 3 workers for 2 cores: one process keeps 0.87 of a core busy (the rest is waiting on simulated operations), so
# 2 workers leave the cores partly idle, while 4 spent 20% more CPU time than 3 for the same work.
# loadgroup hands out one test at a time, round-robin, in the longest-first order (`load` would give each worker
# two consecutive tests at the start, worksteal a contiguous share, loadfile all targets to one worker).
INTEGRATION_WORKERS ?= 3
INTEGRATION_DIST ?= loadgroup
PARALLEL = -n $(INTEGRATION_WORKERS) --dist $(INTEGRATION_DIST)

integration: venv collection
	$(VENV)/bin/python -m pytest -q $(PARALLEL) tests/integration

integration-oldest: venv venv-oldest collection
	ANSIBLE_BIN=$(VENV_OLDEST)/bin $(VENV)/bin/python -m pytest -q $(PARALLEL) -m "not newest_only" tests/integration

# The contract suite (tests/contract/README.md): the playbooks of tests/contract through a recording proxy,
# against the real Scalingo API (`contract`: needs SCALINGO_API_TOKEN and SCALINGO_CONTRACT_PREFIX, refuses to
# start without them, refreshes tests/contract/reference.json) or against the simulator, compared with the
# reference (`contract-sim`; make integration runs it too). `contract-reference` writes the simulator's answers
# as the reference, for as long as no maintainer has run `contract`.
.PHONY: contract contract-sim contract-reference
contract:
	@$(or $(PYTHON),python3) tests/contract/run.py check
	@$(MAKE) --no-print-directory venv collection
	$(VENV)/bin/python tests/contract/run.py live

contract-sim: venv collection
	$(VENV)/bin/python tests/contract/run.py sim

contract-reference: venv collection
	$(VENV)/bin/python tests/contract/run.py reference

# Python style: ruff's lint and format check over the whole repository (settings in ruff.toml). `make lint` adds
# mypy over plugins/module_utils and plugins/modules (settings in mypy.ini), ansible-lint and antsibull-docs.
ruff: venv
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .

# The type checker over plugins/module_utils and plugins/modules (settings in mypy.ini); `make test` runs it.
types: venv collection
	$(VENV)/bin/mypy

lint: ruff types
	$(VENV)/bin/ansible-lint --offline roles/ playbooks/
	PATH=$(VENV)/bin:$$PATH antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs=all $(COLLECTIONS)/ansible_collections/scalingo/cloud

# The benchmark (bench/README.md), not part of `make test`: requests per task, task time, waiting, scale of work,
# start-up, and the long runs under the rate limit: a fleet of 100 apps (6), 30 apps paced and unpaced (7), Ansible's
# async and serial (8), three controllers on one token (9), 300 unchanged apps with and without read_cache (10).
# About 80 minutes on 2 cores; `bench/run.py --only N` runs some.
bench: venv collection
	$(VENV)/bin/python bench/run.py

# The documentation site, built as Ansible's collection docs are (antsibull-docs, then Sphinx; warnings are errors),
# into build/docs/html, then opened page by page in headless Chromium (tests/docs). The Markdown guides are copied
# into the Sphinx tree, not kept twice. It installs the tools of docs/requirements.txt into .venv, and Debian's
# chromium and chromium-driver when they are missing (tests/utils/browser.sh: apt-get, as root; it says so first,
# and without root or apt-get it stops, saying what to install).
DOCS := $(BUILD)/docs

$(VENV)/.docs-installed: docs/requirements.txt $(VENV)/.installed
	@echo "make docs: installing the documentation tools of docs/requirements.txt (Sphinx, its Ansible theme, MyST, Selenium) into .venv"
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r docs/requirements.txt
	touch $@

# Chromium first: a machine that can't have it stops before anything is installed.
docs-browser:
	@sh tests/utils/browser.sh

docs: docs-browser $(VENV)/.docs-installed collection
	rm -rf $(DOCS) && mkdir -p $(DOCS)/rst && chmod og-w $(DOCS)/rst
	PATH=$(VENV)/bin:$$PATH antsibull-docs --config-file docs/sphinx/antsibull-docs.cfg collection --use-current \
	  --fail-on-error --dest-dir $(DOCS)/rst scalingo.cloud
	mkdir -p $(DOCS)/rst/guides && cp docs/sphinx/index.rst $(DOCS)/rst/
	cp docs/ecosystem.md docs/reliability.md bench/results.json $(DOCS)/rst/guides/ && cp bench/RESULTS.md $(DOCS)/rst/guides/performance.md
	$(VENV)/bin/sphinx-build -b html -W --keep-going -q -c docs/sphinx $(DOCS)/rst $(DOCS)/html
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/docs

clean:
	rm -rf $(BUILD) tests/output
