#!/usr/bin/env bash
# The whole glasscam test suite: style, lints, unit tests, and the rig scenarios on real
# drivers (vivid, cirrus) in QEMU. Installs what it needs; the guest image is cached in
# ${GLASSCAM_RIG_CACHE:-/var/cache/glasscam-rig}.
set -euo pipefail
cd "$(dirname "$0")"
./deps.sh
rig/build-image
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
