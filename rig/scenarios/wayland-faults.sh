# Wayland faults against real vivid and weston: each must end in one clear line, and leave
# the camera usable.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
(export WAYLAND_DISPLAY=wayland-9; expect_failure no-compositor --backend wayland --device "$cap")
start_weston 640x480
# vivid offers NV24, which weston's llvmpipe cannot import: on the direct rung, that is an error.
expect_failure cannot-import --backend wayland --device "$cap" --path direct --format NV24 --size 640x480
# With WAYLAND_DISPLAY set, --backend auto means Wayland.
"$GLASSCAM" --device "$cap" --format YUYV --size 640x480 --fps 30 --frames 10 \
  --stats /out/auto.stats.json 2>/out/auto.log
echo $? >/out/auto.rc
# The compositor dies mid-stream.
"$GLASSCAM" --backend wayland --device "$cap" --format YUYV --size 640x480 --fps 30 \
  --stats /out/killed.stats.json 2>/out/killed.log &
pid=$!
wait_for_text /out/killed.log "first frame on screen" 120 "$pid" && sleep 1
kill -KILL "$WESTON_PID"
wait "$pid"
echo $? >/out/killed.rc
cat /out/killed.log
# The camera was let go of: the next run (on the console) streams normally.
stream_and_dump after-kill --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 120
