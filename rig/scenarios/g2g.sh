# bench --g2g, one boot: after each flip of the marker (its debug line), a capture named by
# the colour it should show; then calibration, reading real vivid frames, finds that this
# camera does not see the marker: vivid draws colour bars, it does not look at the screen.
# Holds of 3 to 4 s and 10 fps: a capture (seconds under TCG) usually fits inside one hold.
# - On the console, where cirrus has no overlay plane: the marker is drawn into the frames,
#   by the gpu rung (chosen by itself) and by the copy rung (asked for). The direct rung,
#   which draws nothing, refuses in one line.
# - On weston: the marker is a subsurface over the camera's own buffers.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
rig-screendump console.before
g2g_with_shots g2g-kms-gpu --g2g-hold 3000 --device "$cap" --format YUYV --size 640x480 \
  --fps 10
g2g_with_shots g2g-kms-copy --g2g-hold 3000 --device "$cap" --format YUYV --size 640x480 \
  --fps 10 --path copy
expect_failure g2g-kms-direct bench --g2g --backend kms --device "$cap" --format BGR4 \
  --size 640x480 --path direct
rig-screendump console.after

. /rig/scenarios/wayland-lib.sh
start_weston 640x480
BACKEND=wayland g2g_with_shots g2g --g2g-hold 4000 --device "$cap" --format YUYV \
  --size 640x480 --fps 10 --json /out/g2g.json
stop_weston
