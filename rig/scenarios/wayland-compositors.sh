# glasscam in compositors other than trixie's weston 14:
# - sway 1.10 (wlroots 0.18), headless with the pixman renderer: a compositor nobody on the
#   team wrote, which offers no zwp_linux_dmabuf_v1. `--path auto` steps down to the copy
#   rung (wl_shm) in one line for vivid's YUYV; the sample MJPEG clip, decoded by glasscam
#   into shared memory, is shown directly as wl_shm. Each window is made fullscreen by
#   sway's config and captured with grim while it streams.
# - weston 16 (Debian forky, rig/guest/bin/weston16), which offers wp_color_representation_v1:
#   vivid's bars encoded BT.709 full range, shown direct, told to weston 16 and not to
#   weston 14 (which converts with its own matrix), a screenshot of each.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh

# sway_stream RUN GLASSCAM-ARGS...: glasscam in sway; its stderr, exit code and stats land in
# /out/RUN.*; a screenshot while it streams (RUN.during.png) and after it ended
# (RUN.after.png). If glasscam had ended by the time grim was done, RUN.during.late says so
# (that screenshot may not show its window).
sway_stream() {
  run=$1
  shift
  rm -f "/out/$run.during.late"
  "$GLASSCAM" --backend wayland --stats "/out/$run.stats.json" "$@" 2>"/out/$run.log" &
  pid=$!
  if wait_for_text "/out/$run.log" "first frame on screen" 120 "$pid"; then
    sleep 0.5
    kill -0 "$pid" && sway_screenshot "$run.during"
    kill -0 "$pid" 2>/dev/null || echo "glasscam had ended when grim was done" >"/out/$run.during.late"
  fi
  wait "$pid"
  echo $? >"/out/$run.rc"
  sway_screenshot "$run.after"
  cat "/out/$run.log"
}

modprobe vivid
cap=$(vivid_node vid-cap) || exit 1
sway --version >/out/sway.version 2>&1
start_sway 1024x768 || exit 1
# sway's globals, "interface version" a line, from a protocol trace of a throwaway grim.
WAYLAND_DEBUG=client timeout 60 grim /tmp/globals.png </dev/null 2>&1 \
  | sed -n 's/.*wl_registry#[0-9]*\.global([0-9]*, "\([^"]*\)", \([0-9]*\)).*/\1 \2/p' >/out/sway.globals
sway_stream yuyv --device "$cap" --path auto --format YUYV --size 640x480 --fps 30 --frames 60
sway_stream mjpeg --path auto --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 48

# The pointer over the fullscreen window: sway has no input devices, so a virtual pointer
# (examples/virtual_pointer, alive until its input ends) is moved to the top left corner and
# then onto the window at 300,400. grim -c draws the cursor: shown on arrival, hidden after
# 2 s still, shown again when it moves 10,10.
"$GLASSCAM" --backend wayland --device "$cap" --path auto --format YUYV --size 640x480 --fps 30 \
  --stats /out/pointer.stats.json 2>/out/pointer.log &
pid=$!
if wait_for_text /out/pointer.log "first frame on screen" 120 "$pid"; then
  mkfifo /tmp/moves
  setpriv --reuid=viewer --regid=viewer --init-groups --inh-caps=-all -- \
    /opt/glasscam/examples/virtual_pointer </tmp/moves >/out/virtual-pointer.log 2>&1 &
  mover=$!
  exec 7>/tmp/moves
  echo "-5000 -5000" >&7
  echo "300 400" >&7
  sleep 0.5
  grim -c /out/pointer.moved.png
  sleep 3
  grim -c /out/pointer.still.png
  echo "10 10" >&7
  sleep 0.5
  grim -c /out/pointer.moved-again.png
  exec 7>&-
  wait "$mover"
  kill -TERM "$pid"
fi
wait "$pid"
echo $? >/out/pointer.rc
cat /out/pointer.log /out/virtual-pointer.log
stop_sway
echo "$SWAY_RC" >/out/sway.rc
echo "sway exit $SWAY_RC"

# HiDPI: an output at scale 2 (wp_fractional_scale_v1 says 240/120), glasscam's window
# floating, its size glasscam's to choose: 640x480 camera pixels shown one to one, a
# 320x240 logical window.
SWAY_SCALE=2 SWAY_PLACE="floating enable" start_sway 1024x768 || exit 1
sway_stream hidpi --device "$cap" --path auto --format XR24 --size 640x480 --fps 30 --frames 60
stop_sway

# weston 16 is told the camera's matrix and range (BT.709, full range: not what a
# compositor assumes) and converts with them; the same frames in weston 14, which is not
# told, for comparison. With Z (the next size) in weston 16, the black RGB frame of the
# switch goes without a representation and the YCbCr frames after it with one again: a
# representation on an RGB buffer is a protocol error that ends the client.
mkfifo /tmp/keys && chmod 666 /tmp/keys
bt709_full="--device $cap --format YUYV --size 640x480 --fps 30 --control y_cbcr_encoding=2 --control quantization=1"
# A 640x480 output: llvmpipe composes it three times as fast as 1280x720.
WESTON=weston16 start_weston 640x480 || exit 1
weston16 --version >/out/weston16.version 2>&1
wayland_globals /out/weston16.globals
# shellcheck disable=SC2086
"$GLASSCAM" --backend wayland $bt709_full --keys /tmp/keys --stats /out/told.stats.json \
  2>/out/told.log &
pid=$!
if wait_for_text /out/told.log "first frame on screen" 120 "$pid"; then
  sleep 1.5
  wayland_screenshot told
  press told z "glasscam: switched to" 1
  wayland_screenshot told.z
  press told q "glasscam: presented" 1
fi
wait "$pid"
echo $? >/out/told.rc
cat /out/told.log
stop_weston
echo "$WESTON_RC" >/out/weston16.rc
start_weston 640x480 || exit 1
# shellcheck disable=SC2086
STOP_SIGNAL=TERM BACKEND=wayland stream_and_dump untold $bt709_full
stop_weston
v4l2-ctl -d "$cap" -c y_cbcr_encoding=0,quantization=0

# sway with its GLES renderer on vgem's render node (Mesa's kms_swrast): it offers
# linux-dmabuf v4 and takes glasscam's buffers, but cannot allocate its own output buffers
# (dumb buffers on a render node are refused), so it shows nothing and discards what it gets.
# `--path auto` must not wait forever: each rung that shows nothing for 12 s is refused, a
# line each, down to copy, and then glasscam exits 4 in one line. (vgem is loaded only now:
# weston, which the other scenarios run, must not see it.)
modprobe vgem
stock-permissions
SWAY_RENDERER=gles2 SWAY_DRM_DEVICE=/dev/dri/renderD128 start_sway 1024x768 || exit 1
timeout 150 "$GLASSCAM" --backend wayland --device "$cap" --path auto --format YUYV \
  --size 640x480 --fps 30 --frames 60 --stats /out/blind.stats.json 2>/out/blind.log
echo $? >/out/blind.rc
cat /out/blind.log
stop_sway
