# The kiosk on the console, in one boot: --persistent, display hotplug, VT switches.
#
# --persistent on the console: vivid disconnected mid-stream (its `disconnect` control),
# unloaded once glasscam has let go of it, and loaded again (new nodes, the permissions udev
# gives them), 3 times in one run. The screen is
# dumped with the bars up, while the camera is gone (black), and after it is back. Then the
# same disconnect without --persistent: exit 3 as before.
. /rig/scenarios/lib.sh

# wait_for_count FILE TEXT N SECONDS: succeed once TEXT is on N lines of FILE.
wait_for_count() {
  end=$(($(date +%s) + $4))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.2
  done
  echo "'$2' not on $3 lines of $1 within $4 s" >&2
  return 1
}

# reload_vivid: unloads vivid (retrying while a process still holds it) and loads it again,
# with the permissions udev would give its new nodes.
reload_vivid() {
  n=0
  until rmmod vivid 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -ge 50 ] && { echo "vivid still in use" >&2; return 1; }
    sleep 0.2
  done
  modprobe vivid && stock-permissions
}

# leaks N [FILE]: glasscam's open fds and DRM framebuffers, a line in /out/FILE (leaks).
leaks() {
  echo "$1 fds $(ls /proc/$pid/fd | wc -l) framebuffers $(grep -c 'allocated by = glasscam' /sys/kernel/debug/dri/0/framebuffer)" >>"/out/${2:-leaks}"
}

modprobe vivid
cap=$(vivid_node vid-cap) || exit 1
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 --persistent \
  --stats /out/persistent.stats.json 2>/out/persistent.log &
pid=$!
wait_for_text /out/persistent.log "first frame on screen" 60 "$pid" || exit 1
for round in 1 2 3; do
  sleep 1
  rig-screendump "bars$round"
  leaks "$round"
  # vivid comes back by itself once the last handle on it closes: its nodes are closed to
  # the user first, as if unplugged, so that glasscam lets go and the module can go too.
  chmod 000 /dev/video*
  v4l2-ctl -d "$cap" -c disconnect=1
  wait_for_count /out/persistent.log "showing black" "$round" 30 || break
  sleep 1
  rig-screendump "black$round"
  reload_vivid || break
  wait_for_count /out/persistent.log "is back" "$round" 60 || break
done
sleep 2
rig-screendump bars4
leaks 4
kill -TERM "$pid"
wait "$pid"
echo $? >/out/persistent.rc
cat /out/persistent.log

# Without --persistent: the disconnect ends the run, exit 3.
cap=$(vivid_node vid-cap) || exit 1
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 \
  2>/out/once.log &
pid=$!
wait_for_text /out/once.log "first frame on screen" 60 "$pid"
v4l2-ctl -d "$cap" -c disconnect=1
wait "$pid"
echo $? >/out/once.rc
cat /out/once.log

# Display hotplug on the console: VGA-1 forced off and on again through sysfs mid-stream.
# cirrus keeps scanning out while forced off, so the screen cannot show the unplug itself;
# instead vivid's pattern is switched to solid red while the display is gone: glasscam
# presents nothing then (the screen keeps the bars), and shows red once the display is back.
cap=$(vivid_node vid-cap) || exit 1
status=/sys/class/drm/card0-VGA-1/status
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 \
  --stats /out/hotplug.stats.json 2>/out/hotplug.log &
pid=$!
wait_for_text /out/hotplug.log "first frame on screen" 60 "$pid" || exit 1
sleep 1
rig-screendump before
echo off >"$status"
wait_for_text /out/hotplug.log "was disconnected" 30 "$pid"
v4l2-ctl -d "$cap" -c test_pattern=7
sleep 2
rig-screendump gone
echo on >"$status"
wait_for_text /out/hotplug.log "is connected again" 30 "$pid"
sleep 2
rig-screendump back
kill -TERM "$pid"
wait "$pid"
echo $? >/out/hotplug.rc
echo detect >"$status"
cat /out/hotplug.log

v4l2-ctl -d "$cap" -c test_pattern=0
# Started with nothing connected and --persistent: it waits, then shows the camera once the
# display is there.
echo off >"$status"
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 --persistent \
  --frames 60 --stats /out/late.stats.json 2>/out/late.log &
pid=$!
wait_for_text /out/late.log "waiting for one" 30 "$pid"
sleep 2
echo on >"$status"
wait_for_text /out/late.log "first frame on screen" 60 "$pid"
sleep 0.5
rig-screendump late
wait "$pid"
echo $? >/out/late.rc
echo detect >"$status"
cat /out/late.log

# VT switches through a seat: seatd (its socket for group video) and glasscam as the user,
# opening the card through it. `chvt 2` shows VT 2's text console, `chvt 1` the camera again,
# 5 times; fds and framebuffers counted each time the bars are up.
seatd -g video -l info >/out/seatd.log 2>&1 &
seatd_pid=$!
n=0
until [ -S /run/seatd.sock ] || [ "$n" -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
LIBSEAT_BACKEND=seatd "$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 \
  --fps 30 --stats /out/vt.stats.json 2>/out/vt.log &
pid=$!
wait_for_text /out/vt.log "first frame on screen" 60 "$pid" || exit 1
for round in 1 2 3 4 5; do
  sleep 1
  rig-screendump "vt1-$round"
  leaks "$round" vt-leaks
  busybox chvt 2
  wait_for_count /out/vt.log "paused" "$round" 10 || break
  sleep 1
  rig-screendump "vt2-$round"
  busybox chvt 1
  # The bars must be back within 2 s of the switch.
  sleep 1.5
  rig-screendump "vt1-$round-back"
done
leaks 6 vt-leaks
kill -TERM "$pid"
wait "$pid"
echo $? >/out/vt.rc
kill "$seatd_pid"
cat /out/vt.log
