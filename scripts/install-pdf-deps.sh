#!/usr/bin/env bash
# Certificates and sign-in sheets are rendered by WeasyPrint, which needs Debian's pango (and
# harfbuzz, fontconfig through it) and a CJK font with the glyphs of Chinese names. Installed only
# when missing, so a machine that has them pays nothing; never downloaded by hand.
set -euo pipefail
packages=()
# Read once: `ldconfig -p | grep -q` would fail under pipefail when grep stops reading early.
libs="$(/sbin/ldconfig -p 2>/dev/null || true)"
have_lib() { [[ "$libs" == *"$1"* ]]; }
have_lib libpango-1.0.so.0 || packages+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || packages+=(libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so.0 || packages+=(libharfbuzz-subset0)
# pdftotext / pdftoppm, to read back and look at the documents when checking them by hand.
command -v pdftoppm >/dev/null || packages+=(poppler-utils)
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  packages+=(fontconfig fonts-wqy-zenhei)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
echo "installing Debian packages for PDF documents: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
