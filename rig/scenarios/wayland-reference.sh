# Reference picture for the Wayland path: weston's own V4L2 dmabuf client
# (weston-simple-dmabuf-v4l) shows vivid's YUYV 640x480 bars on a headless weston, and
# /out/reference.png is weston's screenshot of it. That client exports read-only dmabufs,
# which under llvmpipe now and then crash weston (SIGSEGV) or sample the wrong memory, so
# its and weston's fate are recorded, not judged, and a crashed attempt is retried (up to
# ATTEMPTS, default 3). The scenario fails only when no attempt gave a screenshot and
# weston did not die either (the client could not run at all).
#   /out/reference.png          the screenshot (1024x768)
#   /out/attempts.txt           one line per attempt: weston start time, client and weston fate
#   /out/weston.log             weston's log (last attempt); weston.failed-N.log of failed ones
#   /out/v4l-client.log         the client's output (last attempt)
#   /out/wayland-globals.txt    weston's globals and versions ("zwp_linux_dmabuf_v1 3")
#   /out/segfaults.txt          the kernel's segfault lines, if any process crashed
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
rm -f /out/reference.png /out/attempts.txt /out/segfaults.txt /out/weston.failed-*.log

modprobe vivid
dev=$(vivid_node vid-cap) || exit 1
# The client keeps the device's size and sets only the pixel format.
v4l2-ctl -d "$dev" --set-fmt-video=width=640,height=480,pixelformat=YUYV
v4l2-ctl -d "$dev" --get-fmt-video >/out/v4l2-format.txt 2>&1

attempt=0
while [ "$attempt" -lt "${ATTEMPTS:-3}" ] && [ ! -s /out/reference.png ]; do
  attempt=$((attempt + 1))
  start_weston 1024x768 || exit 1
  state="attempt $attempt: weston started in $WESTON_START_SECONDS s"
  [ -s /out/wayland-globals.txt ] || wayland_globals /out/wayland-globals.txt

  weston-simple-dmabuf-v4l -v "$dev" -f YUYV -d YUYV </dev/null >/out/v4l-client.log 2>&1 &
  client=$!
  sleep 6  # let frames flow (slow under TCG)

  if kill -0 "$client" 2>/dev/null; then
    state="$state; client running"
  else
    wait "$client"
    state="$state; client exited $?"
    client=
  fi
  if kill -0 "$WESTON_PID" 2>/dev/null; then
    state="$state; weston alive"
    wayland_screenshot reference && state="$state; screenshot taken"
  else
    state="$state; weston died"
  fi

  if [ -n "$client" ]; then
    kill -INT "$client"
    sleep 1
    kill -0 "$client" 2>/dev/null && kill -KILL "$client"
    wait "$client"
    state="$state; client stopped (exit $?)"
  fi
  stop_weston
  state="$state; weston exit $WESTON_RC"
  echo "$state" | tee -a /out/attempts.txt
  [ -s /out/reference.png ] || cp /out/weston.log "/out/weston.failed-$attempt.log"
done

dmesg | grep -E 'segfault|traps:' >/out/segfaults.txt || rm -f /out/segfaults.txt
[ -e /out/segfaults.txt ] && cat /out/segfaults.txt
grep dmabuf /out/wayland-globals.txt
# A reference client that kills weston every time is a finding to report, not a rig failure.
[ -s /out/reference.png ] || grep -q "weston died\\|weston exit 139" /out/attempts.txt
