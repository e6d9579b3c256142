# Side by side on one vivid stream (640x480 at 30 fps): glasscam and GStreamer's kmssink on
# the console; glasscam, waylandsink and weston-simple-dmabuf-v4l in weston. Each tool
# starts, warms up until it has dequeued frames (GStreamer needs ~12 s under TCG to load its
# plugins), then is measured for WINDOW s: CPU ticks and peak RSS from /proc, and, from one
# kernel trace taken the same way for every tool, vb2 buffer completions, dequeues and the
# DRM present ioctls. rig/compare turns /out into the table of docs/PERFORMANCE.md.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
# The measuring window in seconds: glasscam.window=N on the kernel command line (rig/compare).
WINDOW=$(boot_param window 30)
modprobe vivid
cap=$(vivid_node vid-cap)
v4l2-ctl -d "$cap" -c timestamp_source=1
# kmssink opens the card by DRM driver name, and has no built-in entry for cirrus.
drm_driver=$(cut -d' ' -f1 /sys/kernel/debug/dri/0/name)

T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs tracefs $T
echo 8192 >$T/buffer_size_kb
echo 1 >$T/events/vb2/vb2_buf_done/enable
echo 1 >$T/events/vb2/vb2_dqbuf/enable
# DRM_IOCTL_MODE_ATOMIC, SETPLANE, PAGE_FLIP, SETCRTC: whatever puts a frame on screen.
echo 'cmd == 0xc03864bc || cmd == 0xc03064b7 || cmd == 0xc01864b0 || cmd == 0xc06864a2' \
  >$T/events/syscalls/sys_enter_ioctl/filter
echo 1 >$T/events/syscalls/sys_enter_ioctl/enable

# cpu_ticks PID: user and system clock ticks (USER_HZ) a process has used so far, then the
# nanoseconds its threads have run (schedstat: exact, where the user/system split is sampled
# at each tick).
cpu_ticks() {
  runtime=0
  for task in /proc/"$1"/task/*/schedstat; do
    read -r ns _ <"$task" && runtime=$((runtime + ns))
  done
  echo "$(awk '{print $14, $15}' "/proc/$1/stat") $runtime"
}
# guest_busy: clock ticks (USER_HZ) all CPUs spent outside idle and iowait so far: the tool,
# the kernel threads and interrupts it causes (a nonblocking commit's copy runs in a kworker).
guest_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# measure NAME CMD...: starts CMD, waits for its first frames, measures WINDOW s, stops it.
measure() {
  name=$1
  shift
  echo >$T/trace
  echo 1 >$T/tracing_on
  "$@" >"/out/$name.out" 2>"/out/$name.log" </dev/null &
  pid=$!
  end=$(($(date +%s) + 90))
  until grep -q vb2_dqbuf $T/trace; do
    if [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: no frame dequeued" | tee "/out/$name.failed"
      break
    fi
    sleep 0.5
  done
  sleep 2
  echo "measure start" >$T/trace_marker
  cpu_ticks "$pid" >"/out/$name.cpu"
  guest_busy >"/out/$name.guest-cpu"
  [ -n "${WESTON_PID:-}" ] && cpu_ticks "$WESTON_PID" >"/out/$name.weston-cpu"
  sleep "$WINDOW"
  cpu_ticks "$pid" >>"/out/$name.cpu"
  guest_busy >>"/out/$name.guest-cpu"
  [ -n "${WESTON_PID:-}" ] && cpu_ticks "$WESTON_PID" >>"/out/$name.weston-cpu"
  grep VmHWM "/proc/$pid/status" >"/out/$name.rss"
  echo "measure end" >$T/trace_marker
  kill -INT "$pid"
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  echo $? >"/out/$name.rc"
  echo 0 >$T/tracing_on
  cat $T/trace >"/out/$name.trace"
  echo "$name: exit $(cat "/out/$name.rc"), $(grep -c vb2_dqbuf "/out/$name.trace") dequeues traced"
}

# The guest's own load with nothing streaming, subtracted from each tool's guest CPU.
guest_busy >/out/idle.guest-cpu
sleep "$WINDOW"
guest_busy >>/out/idle.guest-cpu

caps=video/x-raw,width=640,height=480,framerate=30/1
measure glasscam-kms "$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 \
  --fps 30
measure kmssink gst-launch-1.0 -e v4l2src device="$cap" io-mode=dmabuf ! "$caps,format=BGRx" \
  ! kmssink driver-name="$drm_driver" force-modesetting=true

start_weston 1024x768
measure glasscam-wayland "$GLASSCAM" --backend wayland --device "$cap" --format YUYV \
  --size 640x480 --fps 30
measure waylandsink gst-launch-1.0 -e v4l2src device="$cap" io-mode=dmabuf \
  ! "$caps,format=YUY2" ! waylandsink
v4l2-ctl -d "$cap" --set-fmt-video=width=640,height=480,pixelformat=YUYV
v4l2-ctl -d "$cap" --set-parm=30
# Last: it exports read-only dmabufs, which now and then crash weston under llvmpipe.
measure simple-dmabuf-v4l weston-simple-dmabuf-v4l -v "$cap" -f YUYV -d YUYV
kill -0 "$WESTON_PID" 2>/dev/null || echo "weston died during simple-dmabuf-v4l" >/out/weston-died
stop_weston
