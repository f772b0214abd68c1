#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a Playwright browser download): install it only
# when it is missing, so a machine that has it pays nothing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "chromium is missing: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
