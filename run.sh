#!/usr/bin/env bash
# Runs glasscam with the given options: on this machine's camera and display when it has
# them, else on vivid and cirrus in the rig, leaving a screenshot in target/rig-demo/.
set -euo pipefail
cd "$(dirname "$0")"
./deps.sh
if compgen -G "/dev/video*" >/dev/null &&
  { [[ -n ${WAYLAND_DISPLAY:-} ]] || compgen -G "/dev/dri/card*" >/dev/null; }; then
  cargo build --release --quiet
  exec target/release/glasscam "$@"
fi
echo "run.sh: no camera or display here; running glasscam in the rig (vivid + cirrus in QEMU)" >&2
rig/build-image
cargo build --release --quiet
out=target/rig-demo
mkdir -p "$out"
printf '%s\n' "$@" >"$out/args"
status=0
rig/rig run --out "$out" --share "$PWD/target/release:/opt/glasscam" \
  --append video=VGA-1:640x480 rig/scenarios/demo.sh >"$out/rig.stdout" || status=$?
cat "$out/scenario.log" 2>/dev/null || true
for dump in "$out"/demo.during.ppm; do
  [[ -e $dump ]] && python3 rig/ppm2png "$dump" "${dump%.ppm}.png" &&
    echo "run.sh: the display while glasscam ran: ${dump%.ppm}.png"
done
exit "$status"
