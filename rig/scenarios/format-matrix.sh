# Every capture format vivid offers, on both displays, with --path auto: which rung each one
# takes (the README's formats table). Not part of the test suite (about 3 minutes); run with
#   rig/rig run --out /tmp/matrix --share target/debug:/opt/glasscam rig/scenarios/format-matrix.sh
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
formats=$(v4l2-ctl -d "$cap" --list-formats | sed -n "s/.*\]: '\(....\)'.*/\1/p")
try() {
  timeout 60 "$GLASSCAM" --backend "$1" --device "$cap" --format "$2" --size 640x480 --fps 30 \
    --frames 3 2>/out/try.log
  echo "$1 $2 exit $? $(grep -o 'path [a-z-]*' /out/try.log || tail -1 /out/try.log)"
}
for f in $formats; do try kms "$f"; done
start_weston 1024x768
for f in $formats; do try wayland "$f"; done
stop_weston
