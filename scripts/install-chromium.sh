#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a Playwright browser download): install it only
# when it is missing, so a machine that has it pays nothing. A CJK font comes along so the
# screenshots of failing tests show the Chinese pages instead of empty boxes.
set -euo pipefail
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  packages+=(fonts-wqy-zenhei)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
echo "installing Debian packages for the browser tests: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
test -x /usr/bin/chromium
