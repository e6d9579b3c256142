# Wayland helpers for the scenarios; source after lib.sh (in the guest):
#   . /rig/scenarios/lib.sh
#   . /rig/scenarios/wayland-lib.sh
# A headless weston 14 (GL renderer on Mesa llvmpipe, kiosk shell, --debug so that
# weston-screenshooter may capture) stands in for a desktop compositor. It runs as the user
# `viewer`, as a desktop session's compositor runs as its user, with its socket in
# /run/user/1000; the scenario's own tools (screenshots, GStreamer) reach it as root. Call the functions
# in the scenario's own shell (not in $(...) or a pipeline): they set shell variables.
# Their scratch variables are `local` (dash), so callers such as lib.sh's stream_and_dump
# keep their own `name`, `pid`, `end`.
#
# Do not load vgem before start_weston: Mesa would then pick kms_swrast on vgem's render
# node and every foreign dmabuf import would fail.

WESTON_SOCKET=${WESTON_SOCKET:-wayland-1}  # socket name under $XDG_RUNTIME_DIR
WESTON=${WESTON:-weston}                   # or weston16 (forky's weston 16, rig/guest/bin)
WESTON_TIMEOUT=${WESTON_TIMEOUT:-60}       # seconds start_weston waits for the socket

# start_weston [WIDTHxHEIGHT (1024x768)]: starts weston (headless backend, one output of
# that size), its stderr (= its log) in /out/weston.log; returns once its socket exists.
# Sets and exports WAYLAND_DISPLAY; sets WESTON_PID and WESTON_START_SECONDS. Returns 1,
# with the log's tail on stderr, if weston ends or no socket appears within WESTON_TIMEOUT s.
start_weston() {
  local size sock t0 end
  size=${1:-1024x768}
  case $size in
    [1-9]*x[1-9]*) ;;
    *) echo "start_weston: bad size '$size' (want WIDTHxHEIGHT)" >&2; return 2 ;;
  esac
  export XDG_RUNTIME_DIR=/run/user/1000
  sock=$XDG_RUNTIME_DIR/$WESTON_SOCKET
  rm -f "$sock" "$sock.lock"
  t0=$(date +%s.%N)
  # Headless GL runs on EGL's surfaceless platform; with no render node in the guest Mesa
  # falls back to llvmpipe by itself (no env needed; LIBGL_ALWAYS_SOFTWARE=1 only makes it
  # explicit; it does not keep Mesa off vgem's render node).
  # --idle-time=0: never blank the output (a blanked output screenshots black).
  env -u WAYLAND_DISPLAY -u WAYLAND_SOCKET -u DISPLAY LIBGL_ALWAYS_SOFTWARE=1 \
    setpriv --reuid=viewer --regid=viewer --init-groups --inh-caps=-all -- "$WESTON" --backend=headless --renderer=gl --shell=kiosk --debug --idle-time=0 \
    --width="${size%%x*}" --height="${size#*x}" --socket="$WESTON_SOCKET" \
    </dev/null >/out/weston.log 2>&1 &
  WESTON_PID=$!
  end=$(($(date +%s) + WESTON_TIMEOUT))
  until [ -S "$sock" ]; do
    if ! kill -0 "$WESTON_PID" 2>/dev/null; then
      wait "$WESTON_PID"
      echo "start_weston: weston ended (exit $?) before creating $sock; /out/weston.log:" >&2
      tail -n 20 /out/weston.log >&2
      WESTON_PID=
      return 1
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "start_weston: no $sock after $WESTON_TIMEOUT s; /out/weston.log:" >&2
      tail -n 20 /out/weston.log >&2
      stop_weston
      return 1
    fi
    sleep 0.1
  done
  export WAYLAND_DISPLAY=$WESTON_SOCKET
  WESTON_START_SECONDS=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.2f", $2 - $1}')
  echo "weston ${size} ready on $WAYLAND_DISPLAY (pid $WESTON_PID) after $WESTON_START_SECONDS s"
}

# wayland_screenshot NAME: saves weston's output as /out/NAME.png (weston-screenshooter;
# its output in /out/NAME.screenshooter.log). Returns 1 if no PNG was produced, 2 on a bad
# NAME ([A-Za-z0-9._-]).
wayland_screenshot() {
  local name dir rc png
  name=$1
  case $name in
    '' | *[!A-Za-z0-9._-]*) echo "wayland_screenshot: bad NAME '$name'" >&2; return 2 ;;
  esac
  rm -f "/out/$name.png"
  dir=$(mktemp -d /tmp/screenshot.XXXXXX)
  # It writes wayland-screenshot-DATE.png into $XDG_PICTURES_DIR (default: the cwd).
  (cd "$dir" && XDG_PICTURES_DIR=$dir timeout 60 weston-screenshooter) \
    </dev/null >"/out/$name.screenshooter.log" 2>&1
  rc=$?
  for png in "$dir"/wayland-screenshot-*.png; do
    [ -s "$png" ] && mv "$png" "/out/$name.png" && break
  done
  rm -rf "$dir"
  if [ ! -s "/out/$name.png" ]; then
    echo "wayland_screenshot: no /out/$name.png (weston-screenshooter exit $rc):" \
      "$(cat "/out/$name.screenshooter.log")" >&2
    return 1
  fi
}

# wayland_globals FILE: writes the compositor's globals ("interface version", one a line)
# to FILE, read from a protocol trace (WAYLAND_DEBUG) of a throwaway screenshot.
wayland_globals() {
  local dir
  dir=$(mktemp -d /tmp/globals.XXXXXX)
  (cd "$dir" && XDG_PICTURES_DIR=$dir WAYLAND_DEBUG=client timeout 60 weston-screenshooter) \
    </dev/null 2>&1 | sed -n 's/.*wl_registry#[0-9]*\.global([0-9]*, "\([^"]*\)", \([0-9]*\)).*/\1 \2/p' >"$1"
  rm -rf "$dir"
  [ -s "$1" ]
}

# stop_weston: ends weston (SIGTERM, SIGKILL after 10 s) and sets WESTON_RC to its exit
# status (a crash shows as 128+signal, e.g. 139 for SIGSEGV). Unsets WAYLAND_DISPLAY.
stop_weston() {
  local n
  [ -n "${WESTON_PID:-}" ] || return 0
  kill -TERM "$WESTON_PID" 2>/dev/null
  n=0
  while kill -0 "$WESTON_PID" 2>/dev/null && [ "$n" -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -0 "$WESTON_PID" 2>/dev/null && kill -KILL "$WESTON_PID"
  wait "$WESTON_PID"
  WESTON_RC=$?
  WESTON_PID=
  unset WAYLAND_DISPLAY
}

# sway 1.10 (wlroots 0.18), headless with the pixman renderer: a compositor nobody on the
# team wrote, which offers no zwp_linux_dmabuf_v1 at all (pixman imports no dmabufs). It
# runs as viewer, as weston does, with its socket in /run/user/1000.
SWAY_TIMEOUT=${SWAY_TIMEOUT:-60}  # seconds start_sway waits for sway to run

# start_sway [WIDTHxHEIGHT (1024x768)]: starts sway (headless backend, one output
# HEADLESS-1 of that size, no bar, no swaybg, no Xwayland; the config makes glasscam's
# window, app_id "glasscam", fullscreen) with its log (-V) in /out/sway.log; returns once
# sway runs (its config's `exec`, which sway runs only after its backend has started, has
# touched $XDG_RUNTIME_DIR/sway.ready). Its socket (wayland-1, or the next free number; sway
# makes it seconds before it serves clients) becomes WAYLAND_DISPLAY, exported; sets
# SWAY_PID and SWAY_START_SECONDS. Returns 1, with the log's tail on stderr, if sway ends or
# is not running within SWAY_TIMEOUT s. SWAY_SCALE sets the output's scale (1), SWAY_PLACE
# what the config does with glasscam's window ("fullscreen enable").
start_sway() {
  local size conf ready sock s t0 end
  size=${1:-1024x768}
  case $size in
    [1-9]*x[1-9]*) ;;
    *) echo "start_sway: bad size '$size' (want WIDTHxHEIGHT)" >&2; return 2 ;;
  esac
  export XDG_RUNTIME_DIR=/run/user/1000
  ready=$XDG_RUNTIME_DIR/sway.ready
  rm -f "$XDG_RUNTIME_DIR"/wayland-* "$ready"
  conf=/tmp/sway.conf
  cat >"$conf" <<CONF
output HEADLESS-1 resolution $size position 0 0 scale ${SWAY_SCALE:-1}
xwayland disable
swaybg_command -
default_border none
default_floating_border none
for_window [app_id="glasscam"] ${SWAY_PLACE:-fullscreen enable}
exec touch $ready
CONF
  t0=$(date +%s.%N)
  env -u WAYLAND_DISPLAY -u WAYLAND_SOCKET -u DISPLAY HOME=/home/viewer USER=viewer \
    WLR_BACKENDS=headless WLR_RENDERER=${SWAY_RENDERER:-pixman} WLR_LIBINPUT_NO_DEVICES=1 \
    ${SWAY_DRM_DEVICE:+WLR_RENDER_DRM_DEVICE=$SWAY_DRM_DEVICE} \
    setpriv --reuid=viewer --regid=viewer --init-groups --inh-caps=-all -- sway -V -c "$conf" \
    </dev/null >/out/sway.log 2>&1 &
  SWAY_PID=$!
  end=$(($(date +%s) + SWAY_TIMEOUT))
  until [ -e "$ready" ]; do
    if ! kill -0 "$SWAY_PID" 2>/dev/null; then
      wait "$SWAY_PID"
      echo "start_sway: sway ended (exit $?) before running; /out/sway.log:" >&2
      tail -n 20 /out/sway.log >&2
      SWAY_PID=
      return 1
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "start_sway: sway not running after $SWAY_TIMEOUT s; /out/sway.log:" >&2
      tail -n 20 /out/sway.log >&2
      stop_sway
      return 1
    fi
    sleep 0.1
  done
  sock=
  for s in "$XDG_RUNTIME_DIR"/wayland-*; do
    case $s in *.lock) ;; *) [ -S "$s" ] && sock=$s ;; esac
  done
  if [ -z "$sock" ]; then
    echo "start_sway: sway runs but has no socket in $XDG_RUNTIME_DIR" >&2
    stop_sway
    return 1
  fi
  export WAYLAND_DISPLAY=${sock##*/}
  SWAY_START_SECONDS=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.2f", $2 - $1}')
  echo "sway ${size} ready on $WAYLAND_DISPLAY (pid $SWAY_PID) after $SWAY_START_SECONDS s"
}

# sway_screenshot NAME: saves the output as /out/NAME.png with grim (wlr-screencopy; its
# output in /out/NAME.grim.log). Returns 1 if no PNG was produced, 2 on a bad NAME.
sway_screenshot() {
  local name rc
  name=$1
  case $name in
    '' | *[!A-Za-z0-9._-]*) echo "sway_screenshot: bad NAME '$name'" >&2; return 2 ;;
  esac
  rm -f "/out/$name.png"
  timeout 60 grim "/out/$name.png" </dev/null >"/out/$name.grim.log" 2>&1
  rc=$?
  if [ ! -s "/out/$name.png" ]; then
    echo "sway_screenshot: no /out/$name.png (grim exit $rc): $(cat "/out/$name.grim.log")" >&2
    return 1
  fi
}

# stop_sway: ends sway (SIGTERM, SIGKILL after 10 s) and sets SWAY_RC to its exit status.
# Unsets WAYLAND_DISPLAY.
stop_sway() {
  local n
  [ -n "${SWAY_PID:-}" ] || return 0
  kill -TERM "$SWAY_PID" 2>/dev/null
  n=0
  while kill -0 "$SWAY_PID" 2>/dev/null && [ "$n" -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -0 "$SWAY_PID" 2>/dev/null && kill -KILL "$SWAY_PID"
  wait "$SWAY_PID"
  SWAY_RC=$?
  SWAY_PID=
  unset WAYLAND_DISPLAY
}
