# bench --g2g on weston: after each flip of the marker (its debug line), a screenshot named
# by the colour it should show; then calibration, reading real vivid frames, finds that this
# camera does not see the marker: vivid draws colour bars, it does not look at the screen.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
start_weston 640x480
# Holds of 4 s and 10 fps: a screenshot (seconds under TCG) usually fits inside one hold.
BACKEND=wayland g2g_with_shots g2g --g2g-hold 4000 --device "$cap" --format YUYV \
  --size 640x480 --fps 10 --json /out/g2g.json
stop_weston
