#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine:
# Debian's chromium (Playwright drives it; no browser is ever downloaded), the Nu HTML
# checker (vnu-jar from npm, run on the machine's Java), and the package with its test extra.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if [ ! -f tools/node_modules/vnu-jar/build/dist/vnu.jar ]; then
  npm install --silent --no-audit --no-fund --no-package-lock --prefix tools
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
