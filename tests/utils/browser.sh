#!/bin/sh
# `make docs`: the browser test of the site (tests/docs) needs Debian's Chromium and its driver. When they are
# missing, say so and what would be installed, then install them with apt-get as root, or stop saying what to do.
# CHROMIUM and CHROMEDRIVER are where tests/docs looks (they are variables for tests/integration/test_quality.py).
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
  exit 0
fi
echo "make docs: the browser test of the site needs Chromium and its driver ($CHROMIUM, $CHROMEDRIVER): missing here."
if ! command -v apt-get >/dev/null 2>&1; then
  echo "make docs: no apt-get here: install Chromium and chromedriver as $CHROMIUM and $CHROMEDRIVER, then run make docs again." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "make docs: installing them takes root: run 'sudo apt-get install chromium chromium-driver', then make docs again." >&2
  exit 1
fi
echo "make docs: installing the Debian packages chromium and chromium-driver as root (apt-get update, then apt-get install -y chromium chromium-driver)."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
