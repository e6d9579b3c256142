#!/usr/bin/env bash
# Installs the Debian packages glasscam needs to build and to run its host tests (run.sh
# and test.sh call it): libxkbcommon for the Wayland keyboard, libgbm for display buffers
# on the card, libseat for the console's seat, Mesa's EGL/GLES with llvmpipe for the shader tests, and systemd-analyze to
# check the kiosk unit.
set -euo pipefail
need=()
pkg-config --exists xkbcommon 2>/dev/null || need+=(libxkbcommon-dev pkg-config)
pkg-config --exists gbm 2>/dev/null || need+=(libgbm-dev pkg-config)
pkg-config --exists libseat 2>/dev/null || need+=(libseat-dev pkg-config)
ldconfig -p | grep -q 'libEGL.so.1 ' || need+=(libegl1)
ldconfig -p | grep -q 'libEGL_mesa.so.0 ' || need+=(libegl-mesa0)
ldconfig -p | grep -q 'libGLESv2.so.2 ' || need+=(libgles2)
compgen -G '/usr/lib/*/dri/swrast_dri.so' >/dev/null || need+=(libgl1-mesa-dri)
command -v systemd-analyze >/dev/null || need+=(systemd)
if ((${#need[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
