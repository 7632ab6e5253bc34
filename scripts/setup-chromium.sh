#!/usr/bin/env bash
# Installs Debian's Chromium (package chromium: /usr/bin/chromium) for the browser tests if it is
# missing. Nothing downloads a browser at run time: playwright-core drives this executable.
# Needs root for apt-get; `npm test` (pretest) and CI run it.
set -euo pipefail
if command -v chromium > /dev/null 2>&1; then
  echo "setup-chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "setup-chromium: chromium is not installed and this is not root; install it with apt-get install chromium" >&2
  exit 1
fi
echo "setup-chromium: installing Debian's chromium for the browser tests (apt-get, a minute or two)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core > /dev/null
echo "setup-chromium: installed $(chromium --version 2>/dev/null | head -1)" >&2
