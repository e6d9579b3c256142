#!/usr/bin/env bash
# Installs the Debian packages glasscam needs to build (run.sh and test.sh call it).
set -euo pipefail
if ! pkg-config --exists xkbcommon 2>/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libxkbcommon-dev pkg-config
fi
