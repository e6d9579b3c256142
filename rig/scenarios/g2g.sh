# bench --g2g on weston: after each flip of the marker (its debug line), a screenshot named
# by the colour it should show; then calibration, reading real vivid frames, finds that this
# camera does not see the marker: vivid draws colour bars, it does not look at the screen.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
start_weston 640x480
# Holds of 4 s and 10 fps: a screenshot (seconds under TCG) usually fits inside one hold.
GLASSCAM_LOG=warn,glasscam::latency::g2g_run=debug \
  "$GLASSCAM" bench --g2g --g2g-hold 4000 --backend wayland --device "$cap" --format YUYV \
  --size 640x480 --fps 10 --json /out/g2g.json >/out/g2g.table 2>/out/g2g.log &
pid=$!
seen=0
while kill -0 "$pid" 2>/dev/null; do
  flips=$(grep -c "g2g: marker turns" /out/g2g.log)
  if [ "$flips" -gt "$seen" ]; then
    seen=$flips
    colour=$(grep "g2g: marker turns" /out/g2g.log | tail -n 1 | sed 's/.*turns //')
    # The line comes just before the marker's commit: let the commit reach weston first.
    sleep 0.3
    wayland_screenshot g2g.shot || true
    # Only a screenshot taken with no flip in between shows a known colour.
    if [ "$(grep -c "g2g: marker turns" /out/g2g.log)" = "$flips" ]; then
      mv /out/g2g.shot.png "/out/g2g.$flips.$colour.png" 2>/dev/null
    else
      echo "flip $flips: the screenshot spanned the next flip; not judged"
      rm -f /out/g2g.shot.png
    fi
  fi
  sleep 0.1
done
wait "$pid"
echo $? >/out/g2g.rc
ls /out/g2g.*.png
cat /out/g2g.table /out/g2g.log
stop_weston
