# Helpers shared by the scenarios; sourced in the guest. glasscam is shared at /opt/glasscam;
# $GLASSCAM runs it as the unprivileged user viewer (rig/guest/bin/glasscam). A scenario that
# needs root runs $GLASSCAM_AS_ROOT and says why.
GLASSCAM=/rig/guest/bin/glasscam
GLASSCAM_AS_ROOT=/opt/glasscam/glasscam
# The same user as $GLASSCAM without its shell, for runs too short of file descriptors for a
# script (unquoted: it is a command line).
GLASSCAM_VIEWER="setpriv --reuid=viewer --regid=viewer --init-groups --inh-caps=-all -- /opt/glasscam/glasscam"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# vivid_node KIND: the /dev node of vivid's first instance of KIND (vid-cap, vid-out).
vivid_node() {
  for d in /sys/class/video4linux/video*; do
    if [ "$(cat "$d/name")" = "vivid-000-$1" ]; then
      echo "/dev/${d##*/}"
      return 0
    fi
  done
  echo "no vivid $1 node" >&2
  return 1
}

# boot_param NAME DEFAULT: the number given as glasscam.NAME=N on the kernel command line
# (how rig/compare and rig/soak pass settings to their scenario), else DEFAULT.
boot_param() {
  value=$(sed -n "s/.*glasscam\.$1=\([0-9]*\).*/\1/p" /proc/cmdline)
  echo "${value:-$2}"
}

# wait_for_text FILE TEXT SECONDS [PID]: succeed once FILE contains TEXT; give up early
# when process PID has ended.
wait_for_text() {
  end=$(($(date +%s) + $3))
  while [ "$(date +%s)" -lt "$end" ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
      echo "process $4 ended before '$2' appeared in $1" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "no '$2' in $1 after $3 s" >&2
  return 1
}

# stream_and_dump RUN GLASSCAM-ARGS...: screendumps during and after a run of glasscam (and
# before it, with CAPTURE_BEFORE=1), whose stderr, exit code, stats and DRM framebuffer list
# land in /out/RUN.*.
# With STOP_SIGNAL set, glasscam gets that signal right after the screendump while streaming.
# glasscam is held (SIGSTOP) during that screendump, so runs of a few frames are safe.
# BACKEND (kms by default, or wayland) picks the display and how it is captured: a cirrus
# screendump (NAME.*.ppm) or a weston screenshot (NAME.*.png; see wayland-lib.sh).
stream_and_dump() {
  run=$1
  shift
  backend=${BACKEND:-kms}
  # Most runs need no picture from before: a capture costs a second or two under TCG.
  [ -z "${CAPTURE_BEFORE:-}" ] || capture_screen "$run.before"
  "$GLASSCAM" --backend "$backend" --stats "/out/$run.stats.json" "$@" 2>"/out/$run.log" &
  pid=$!
  if wait_for_text "/out/$run.log" "first frame on screen" 120 "$pid"; then
    # Look while glasscam is still streaming. It is stopped while the screen is captured (a
    # screendump under TCG can outlast a short run, which then restores the console
    # mid-capture); its last frame stays on the display meanwhile. Soon after the first
    # frame: a run's length after it depends on the display's pace (weston's varies 3 to 12
    # frames a second here).
    sleep 0.2
    if kill -STOP "$pid"; then
      cat /sys/kernel/debug/dri/0/framebuffer >"/out/$run.framebuffers"
      capture_screen "$run.during"
      kill -CONT "$pid"
    fi
    [ -z "${STOP_SIGNAL:-}" ] || kill -s "$STOP_SIGNAL" "$pid"
  fi
  wait "$pid"
  echo $? >"/out/$run.rc"
  capture_screen "$run.after"
  cat "/out/$run.log"
}

capture_screen() {
  if [ "${BACKEND:-kms}" = wayland ]; then
    wayland_screenshot "$1"
  else
    rig-screendump "$1"
  fi
}

# g2g_with_shots NAME BENCH-ARGS...: runs `glasscam bench --g2g` on BACKEND and captures the
# screen after each flip of the marker as /out/NAME.FLIP.COLOUR.(ppm|png), COLOUR being what
# the marker should show; a capture that spanned the next flip or the end of the run is
# dropped, not judged.
# The bench's table, log and exit code land in /out/NAME.{table,log,rc}.
g2g_with_shots() {
  name=$1
  shift
  backend=${BACKEND:-kms}
  ext=ppm
  [ "$backend" = wayland ] && ext=png
  GLASSCAM_LOG=warn,glasscam::latency::g2g_run=debug "$GLASSCAM" bench --g2g \
    --backend "$backend" "$@" >"/out/$name.table" 2>"/out/$name.log" &
  pid=$!
  seen=0
  while kill -0 "$pid" 2>/dev/null; do
    flips=$(grep -c "g2g: marker turns" "/out/$name.log")
    if [ "$flips" -gt "$seen" ]; then
      seen=$flips
      colour=$(grep "g2g: marker turns" "/out/$name.log" | tail -n 1 | sed 's/.*turns //')
      # The line comes just before the marker's commit (Wayland) or the next frame drawn
      # with it (KMS): let that reach the glass first.
      sleep 0.5
      capture_screen "$name.shot" || true
      if [ "$(grep -c "g2g: marker turns" "/out/$name.log")" != "$flips" ]; then
        echo "$name flip $flips: the capture spanned the next flip; not judged"
        rm -f "/out/$name.shot.$ext"
      elif ! kill -0 "$pid" 2>/dev/null; then
        # The last flip: the run ended (its window or console gone) during the capture.
        echo "$name flip $flips: the capture spanned the end of the run; not judged"
        rm -f "/out/$name.shot.$ext"
      else
        mv "/out/$name.shot.$ext" "/out/$name.$flips.$colour.$ext" 2>/dev/null
      fi
    fi
    sleep 0.1
  done
  wait "$pid"
  echo $? >"/out/$name.rc"
  ls /out/"$name".*."$ext"
  cat "/out/$name.table" "/out/$name.log"
}

# press RUN KEY TEXT COUNT: writes KEY to the FIFO /tmp/keys (glasscam --keys), then waits
# until TEXT is in /out/RUN.log COUNT times and a few frames more have been shown.
press() {
  # A FIFO without a reader (glasscam gone) would block the writer for ever.
  timeout 5 sh -c "echo $2 >/tmp/keys"
  end=$(($(date +%s) + 60))
  until [ "$(grep -c "$3" "/out/$1.log")" -ge "$4" ] || [ "$(date +%s)" -ge "$end" ]; do
    sleep 0.2
  done
  sleep 1.5
}

# expect_failure NAME GLASSCAM-ARGS...: runs glasscam, records stderr and exit code.
expect_failure() {
  name=$1
  shift
  # A failure case that does not fail must not hang the rig: it gets two minutes.
  timeout 120 "$GLASSCAM" "$@" 2>"/out/$name.log" >/dev/null
  echo $? >"/out/$name.rc"
  echo "$name: exit $(cat "/out/$name.rc"): $(cat "/out/$name.log")"
}
