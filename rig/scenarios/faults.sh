# The fault matrix on the console (README "Failure behaviour"): real vivid faults (its
# error-injection controls, set from a second process), a busy camera, a held display, an
# unplugged connector, signals, a low fd limit and bad values. Each case leaves
# /out/NAME.{log,rc} (and NAME.stats.json or NAME.json when it streamed); runs that reached
# the screen leave NAME.after.ppm, to compare with the console as found.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
export cap
ctl() { v4l2-ctl -d "$cap" "$@"; }
view() { echo --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30; }
rig-screendump console.before

# fault_midrun NAME ACTION GLASSCAM-ARGS...: runs ACTION (shell code; $pid is glasscam's)
# once the first frame is on screen, then records how glasscam ended and the screen after.
fault_midrun() {
  name=$1
  action=$2
  shift 2
  "$GLASSCAM" --stats "/out/$name.stats.json" "$@" 2>"/out/$name.log" &
  pid=$!
  if wait_for_text "/out/$name.log" "first frame on screen" 120 "$pid"; then
    sleep 1
    pid=$pid sh -c "$action"
  fi
  # A fault glasscam never notices must not hang the rig. Its sleep outlives the kill
  # below: without the redirection it held the scenario's output open, and the boot, for
  # the rest of its 90 s.
  (sleep 90 && kill -KILL "$pid") >/dev/null 2>&1 &
  watchdog=$!
  wait "$pid"
  echo $? >"/out/$name.rc"
  kill "$watchdog" 2>/dev/null
  rig-screendump "$name.after"
  echo "$name: exit $(cat "/out/$name.rc")"
  cat "/out/$name.log"
}

# 4: another process streams from the camera.
v4l2-ctl -d "$cap" --stream-mmap --stream-count=100000 --stream-to=/dev/null &
holder=$!
sleep 3
expect_failure busy $(view) --frames 10
kill "$holder"
wait "$holder"

# 5: a format the camera lacks; 6: a size and rate the driver adjusts (said, then streamed).
expect_failure lacks-format --backend kms --device "$cap" --format MJPG
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 1000x700 --fps 45 \
  --frames 30 --stats /out/adjusted.stats.json 2>/out/adjusted.log
echo $? >/out/adjusted.rc

# 7, 8 and a refused QBUF: vivid fails the next such call once.
ctl -c inject_vidioc_reqbufs_error=1
expect_failure reqbufs $(view) --frames 10
ctl -c inject_vidioc_streamon_error=1
expect_failure streamon $(view) --frames 10
ctl -c inject_vidioc_qbuf_error=1
expect_failure qbuf $(view) --frames 10

# 9: three buffers flagged V4L2_BUF_FLAG_ERROR while streaming: skipped, counted, streaming
# goes on to --frames.
fault_midrun buf-error 'for i in 1 2 3; do v4l2-ctl -d "$cap" -c inject_v4l2_buf_flag_error=1; sleep 1; done' \
  $(view) --frames 150
# A QBUF refused mid-run; 10: a fatal streaming error; 11: the camera disconnected.
fault_midrun qbuf-mid-run 'v4l2-ctl -d "$cap" -c inject_vidioc_qbuf_error=1' $(view)
fault_midrun fatal 'v4l2-ctl -d "$cap" -c inject_fatal_streaming_error=1' $(view)
fault_midrun disconnect 'v4l2-ctl -d "$cap" -c disconnect=1' $(view)

# 18: signals end a run cleanly.
for signal in INT TERM HUP; do
  fault_midrun "sig$signal" "kill -$signal \$pid" $(view)
done

# 12: sequence numbers from 0xffffff80 (wrapping after 128 frames) and timestamps near 2^63
# ns, start-of-exposure stamps.
ctl -c wrap_sequence_number=1 -c wrap_timestamp=1 -c timestamp_source=1
"$GLASSCAM" bench $(view) --frames 240 --json /out/wrap.json >/out/wrap.table 2>/out/wrap.log
echo $? >/out/wrap.rc
ctl -c wrap_sequence_number=0 -c wrap_timestamp=0
# 13: vivid drops a quarter of its buffers.
ctl -c percentage_of_dropped_buffers=25
"$GLASSCAM" bench $(view) --frames 150 --json /out/dropped.json >/out/dropped.table 2>/out/dropped.log
echo $? >/out/dropped.rc
ctl -c percentage_of_dropped_buffers=0 -c timestamp_source=0

# 16: another process is DRM master.
"$GLASSCAM" $(view) 2>/out/master-holder.log &
holder=$!
wait_for_text /out/master-holder.log "first frame on screen" 120 "$holder"
expect_failure master-held --backend kms --input /opt/assets/bars-640x480.mjpeg --frames 10
kill -INT "$holder"
wait "$holder"

# 19: too few file descriptors for the buffer pool, at several limits. The same user, but
# without the wrapper's shell, which needs more descriptors than the lowest limit leaves.
stock-permissions
for limit in 5 8 10 16; do
  (ulimit -n "$limit" && exec timeout 120 $GLASSCAM_VIEWER $(view) --frames 10) \
    2>"/out/fd-limit-$limit.log" >/dev/null
  echo $? >"/out/fd-limit-$limit.rc"
  echo "fd-limit-$limit: exit $(cat "/out/fd-limit-$limit.rc"): $(cat "/out/fd-limit-$limit.log")"
done

# 20: bad values.
expect_failure size-zero --backend kms --device "$cap" --size 0x0
expect_failure fps-zero --backend kms --device "$cap" --fps 0
expect_failure bad-fourcc --backend kms --device "$cap" --format YUYV2
rig-screendump console.after-faults

# 17: no display connected (the connector forced off), then plugged back in.
echo off >/sys/class/drm/card0-VGA-1/status
expect_failure unplugged $(view) --frames 10
echo detect >/sys/class/drm/card0-VGA-1/status
sleep 2

# Nothing leaked or stayed locked or injected: a normal run still shows the bars.
CAPTURE_BEFORE=1 stream_and_dump after-faults --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 90
