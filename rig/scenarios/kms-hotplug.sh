# Display hotplug on the console: VGA-1 forced off and on again through sysfs mid-stream.
# cirrus keeps scanning out while forced off, so the screen cannot show the unplug itself;
# instead vivid's pattern is switched to solid red while the display is gone: glasscam
# presents nothing then (the screen keeps the bars), and shows red once the display is back.
. /rig/scenarios/lib.sh
modprobe vivid
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
v4l2-ctl -d "$cap" -L | grep -A12 test_pattern >/out/patterns
cat /out/hotplug.log
