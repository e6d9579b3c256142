# Long runs: glasscam on each backend until it presented N frames (glasscam.soak_frames=N on
# the kernel command line, 1000 by default; glasscam.soak_wayland_frames=M for weston's run), sampled every second: glasscam's open fds and
# RSS, every dmabuf in the system, the DRM framebuffers, and on Wayland weston's open fds,
# which hold one dmabuf per live wl_buffer. On the console also in import mode (the camera
# writing into the card's buffers). Rows land in /out/soak-NAME.samples:
# seconds since the first frame, glasscam fds, glasscam RSS kB, dmabufs, framebuffers,
# weston fds.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
frames=$(boot_param soak_frames 1000)
# weston composes 5 to 10 frames a second here: the suite gives it fewer frames than the console.
wayland_frames=$(boot_param soak_wayland_frames "$frames")
modprobe vivid
cap=$(vivid_node vid-cap)

dmabufs() { sed -n 's/^Total \([0-9]*\) objects.*/\1/p' /sys/kernel/debug/dma_buf/bufinfo; }
framebuffers() { grep -c '^framebuffer\[' /sys/kernel/debug/dri/0/framebuffer; }

# soak NAME BACKEND FRAMES OTHER_PID GLASSCAM-ARGS...: samples until glasscam exits.
soak() {
  name=$1
  backend=$2
  count=$3
  other=$4
  shift 4
  log=/out/soak-$name.log
  "$GLASSCAM" --backend "$backend" --frames "$count" --stats "/out/soak-$name.stats.json" \
    "$@" 2>"$log" &
  pid=$!
  wait_for_text "$log" "first frame on screen" 120 "$pid"
  start=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    row="$(($(date +%s) - start)) $(ls /proc/$pid/fd 2>/dev/null | wc -l)"
    row="$row $(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)"
    row="$row $(dmabufs) $(framebuffers)"
    [ -z "$other" ] || row="$row $(ls /proc/$other/fd | wc -l)"
    # A row cut short by glasscam exiting mid-sample is not kept.
    kill -0 "$pid" 2>/dev/null && echo "$row" >>"/out/soak-$name.samples"
    sleep 1
  done
  wait "$pid"
  echo $? >"/out/soak-$name.rc"
  cat "$log"
}

# The console at 60 fps, the mode's rate: the same thousand frames in half the time.
soak kms kms "$frames" "" --device "$cap" --format BGR4 --size 640x480 --fps 60
soak kms-import kms "$frames" "" --device "$cap" --format BGR4 --size 640x480 --fps 60 --memory dmabuf
start_weston 640x480
soak wayland wayland "$wayland_frames" "$WESTON_PID" --device "$cap" --format YUYV --size 640x480 --fps 30
echo "after: dmabufs $(dmabufs), framebuffers $(framebuffers)" >/out/soak-end.txt
