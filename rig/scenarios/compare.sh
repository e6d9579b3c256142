# Side by side on one vivid stream (640x480 at 30 fps): glasscam and GStreamer's kmssink on
# the console; glasscam, waylandsink and weston-simple-dmabuf-v4l in weston; and glasscam and
# waylandsink again at 1920x1080 NV12 in weston. rig/compare boots
# this guest with one CPU and QEMU's -icount, so a task's runtime counts the instructions it
# executed (1 ns each), whatever the host was doing. Each tool starts, warms up until it has
# dequeued frames (GStreamer needs ~12 s under TCG to load its plugins), then is measured in
# two windows of WINDOW s each:
#   cpu:   every task's runtime (schedstat) at both ends, and peak RSS; only vb2's per-frame
#          events are traced, to count the frames, at the same cost for every tool;
#   trace: the tool's scheduling and syscall boundaries (which split its time into user and
#          system) and the DRM present ioctls (frame ready -> present).
# rig/compare turns /out into the table of docs/PERFORMANCE.md.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
WINDOW=$(boot_param window 15)
ROUNDS=$(boot_param rounds 2)
modprobe vivid
cap=$(vivid_node vid-cap)
v4l2-ctl -d "$cap" -c timestamp_source=1
# kmssink opens the card by DRM driver name, and has no built-in entry for cirrus.
drm_driver=$(cut -d' ' -f1 /sys/kernel/debug/dri/0/name)
echo $$ >/out/sampler.pid

T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs tracefs $T
echo 16384 >$T/buffer_size_kb
# The TSC's count, not microseconds: a syscall and the user code between two of them take a
# few microseconds here. Under -icount the guest's TSC counts nanoseconds of its clock.
echo x86-tsc >$T/trace_clock
# runtimes: "PID TID NANOSECONDS COMM" for every task in the guest, from the scheduler.
# Shell builtins only: the sampling forks nothing that would itself be counted.
runtimes() {
  for task in /proc/[0-9]*/task/[0-9]*; do
    read -r ns _ <"$task/schedstat" 2>/dev/null || continue
    read -r comm <"$task/comm" 2>/dev/null
    owner=${task#/proc/}
    echo "${owner%%/*} ${task##*/} $ns $comm"
  done
}

# frame_events 1|0: vb2's per-frame events, on or off.
frame_events() { for e in vb2_buf_done vb2_dqbuf; do echo "$1" >$T/events/vb2/$e/enable; done; }
# tool_events [TIDS]: with TIDS, these tasks' scheduling and syscall boundaries (the present
# ioctls among them); without, off. The tasks are picked by set_event_pid, which costs every
# event the same whatever the number of TIDS (a filter expression would cost per TID).
tool_events() {
  if [ -n "$1" ]; then
    echo "$1" >$T/set_event_pid
    on=1
  else
    on=0
  fi
  echo $on >$T/events/raw_syscalls/enable
  echo $on >$T/events/sched/sched_switch/enable
  [ $on = 1 ] || echo >$T/set_event_pid
}
# vivid_thread: the TID of vivid's capture thread, which completes the frames.
vivid_thread() {
  for task in /proc/[0-9]*; do
    read -r comm <"$task/comm" 2>/dev/null
    case $comm in vivid-*-vid-cap) echo "${task#/proc/}" ;; esac
  done
}

# measure NAME CMD...: starts CMD, waits for its first frames, measures the two windows,
# stops it.
measure() {
  name=$1
  shift
  echo >$T/trace
  frame_events 1
  echo 1 >$T/tracing_on
  "$@" >"/out/$name.out" 2>"/out/$name.log" </dev/null &
  pid=$!
  echo "$pid" >"/out/$name.pid"
  end=$(($(date +%s) + 120))
  until grep -q vb2_dqbuf $T/trace; do
    if [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: no frame dequeued" | tee "/out/$name.failed"
      break
    fi
    sleep 0.5
  done
  sleep 2
  echo "cpu start" >$T/trace_marker
  runtimes >"/out/$name.runtimes-start"
  sleep "$WINDOW"
  runtimes >"/out/$name.runtimes-end"
  echo "cpu end" >$T/trace_marker
  grep VmHWM "/proc/$pid/status" >"/out/$name.rss"
  [ -n "${WESTON_PID:-}" ] && echo "$WESTON_PID" >"/out/$name.weston-pid"
  threads=$(ls "/proc/$pid/task")
  echo "$threads" >"/out/$name.threads"
  tool_events "$threads $(vivid_thread)"
  echo "trace start" >$T/trace_marker
  sleep "$WINDOW"
  echo "trace end" >$T/trace_marker
  tool_events ""
  kill -INT "$pid"
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  echo $? >"/out/$name.rc"
  echo 0 >$T/tracing_on
  frame_events 0
  cat $T/trace >"/out/$name.trace"
  echo "$name: exit $(cat "/out/$name.rc"), $(grep -c vb2_dqbuf "/out/$name.trace") dequeues traced"
}

# Calibration: syscalls with next to no user code between them. What remains between one's
# exit event and the next one's entry is the kernel's own path around the tracepoints.
echo >$T/trace
echo 1 >$T/tracing_on
/opt/glasscam/examples/syscall_floor 10000 2000 &
floor=$!
sleep 1
tool_events "$floor"
wait "$floor"
tool_events ""
echo 0 >$T/tracing_on
echo "$floor" >/out/syscall-floor.threads
cat $T/trace >/out/syscall-floor.trace

# The guest's own load with nothing streaming, subtracted from each tool's guest CPU.
runtimes >/out/idle.runtimes-start
sleep "$WINDOW"
runtimes >/out/idle.runtimes-end

# Each round measures every tool once, alternating, so a drift in the guest shows as a spread
# between rounds rather than as a difference between tools.
caps=video/x-raw,width=640,height=480,framerate=30/1
for round in $(seq "$ROUNDS"); do
  measure "glasscam-kms.r$round" "$GLASSCAM" --backend kms --device "$cap" --format BGR4 \
    --size 640x480 --fps 30
  measure "glasscam-kms-import.r$round" "$GLASSCAM" --backend kms --device "$cap" \
    --format BGR4 --size 640x480 --fps 30 --memory dmabuf
  measure "kmssink.r$round" gst-launch-1.0 -e v4l2src device="$cap" io-mode=dmabuf \
    ! "$caps,format=BGRx" ! kmssink driver-name="$drm_driver" force-modesetting=true
done

start_weston 1024x768
for round in $(seq "$ROUNDS"); do
  measure "glasscam-wayland.r$round" "$GLASSCAM" --backend wayland --device "$cap" \
    --format YUYV --size 640x480 --fps 30
  # weston names no main device: import mode's memory is udmabuf, open to the user as
  # systemd 257's uaccess rule gives it.
  export UDMABUF_UACCESS=1
  measure "glasscam-wayland-import.r$round" "$GLASSCAM" --backend wayland --device "$cap" \
    --format YUYV --size 640x480 --fps 30 --memory dmabuf
  unset UDMABUF_UACCESS
  measure "waylandsink.r$round" gst-launch-1.0 -e v4l2src device="$cap" io-mode=dmabuf \
    ! "$caps,format=YUY2" ! waylandsink
done
v4l2-ctl -d "$cap" --set-fmt-video=width=640,height=480,pixelformat=YUYV
v4l2-ctl -d "$cap" --set-parm=30
# Last at 640x480: it exports read-only dmabufs, which now and then crash weston (llvmpipe).
for round in $(seq "$ROUNDS"); do
  measure "simple-dmabuf-v4l.r$round" weston-simple-dmabuf-v4l -v "$cap" -f YUYV -d YUYV
done
kill -0 "$WESTON_PID" 2>/dev/null || echo "weston died during simple-dmabuf-v4l" >/out/weston-died
# The same at 1920x1080 NV12: how each tool's cost grows with the frame, on an output of
# that size (the kiosk shell makes windows fullscreen; waylandsink sets its window geometry
# to the frame's size, which weston refuses when it is larger than the output).
stop_weston
start_weston 1920x1080
caps_hd=video/x-raw,width=1920,height=1080,framerate=30/1,format=NV12
for round in $(seq "$ROUNDS"); do
  measure "glasscam-wayland-1080.r$round" "$GLASSCAM" --backend wayland --device "$cap" \
    --format NV12 --size 1920x1080 --fps 30
  measure "waylandsink-1080.r$round" gst-launch-1.0 -e v4l2src device="$cap" io-mode=dmabuf \
    ! "$caps_hd" ! waylandsink
done
stop_weston
