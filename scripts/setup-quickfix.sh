#!/usr/bin/env bash
# Installs QuickFIX C++ (Debian libquickfix-dev) if it is missing and builds our interop harness
# into build/quickfix-harness. Needs root for apt-get; CI runs it from .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists quickfix 2>/dev/null; then
  if [ "$(id -u)" != "0" ]; then
    echo "setup-quickfix: libquickfix-dev is not installed and this is not root; install it with apt-get" >&2
    exit 1
  fi
  # Said out loud: `npm test` (pretest) installs system packages on a fresh machine.
  echo "setup-quickfix: installing Debian packages for the QuickFIX interop test: libquickfix-dev pkg-config g++ iproute2 util-linux (apt-get, about a minute)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libquickfix-dev pkg-config g++ iproute2 util-linux > /dev/null
  echo "setup-quickfix: installed QuickFIX $(pkg-config --modversion quickfix)" >&2
fi
mkdir -p build
# The interop harness (tests) and the bench's peers: a pass-through bridge and a codec timing
# program. Each is rebuilt when its source is newer than its binary.
build() {
  local out=$1 src=$2 opt=$3
  if [ "build/$out" -nt "$src" ]; then
    echo "setup-quickfix: build/$out is up to date"
    return
  fi
  # QuickFIX 1.15 headers use dynamic exception specifications: C++14 is the newest standard that accepts them.
  g++ -std=gnu++14 -Wno-deprecated "$opt" -o "build/$out" "$src" $(pkg-config --cflags --libs quickfix) -lpthread
  echo "setup-quickfix: built build/$out against QuickFIX $(pkg-config --modversion quickfix)"
}
build quickfix-harness interop/quickfix/harness.cpp -O1
# The peers are measured against our engine: optimised as a user would ship them.
build quickfix-bridge interop/quickfix/bridge.cpp -O2
build quickfix-codec-timing interop/quickfix/codec-timing.cpp -O2
