# The direct rung in weston, one boot: vivid's buffers shown as they are.
# - YUYV 640x480 (single-planar V4L2) filling a 640x480 kiosk output (small: llvmpipe's
#   composing and the screenshots take time in proportion);
# - NV12 through the multi-planar API: two planes in two dmabufs, one wl_buffer;
# - XR24 640x480 in a 1280x720 output, scaled by the compositor (wp_viewporter) keeping its
#   aspect, pillarboxed in the middle.
# weston composes a few frames a second under TCG, so each run is short: its screenshot is
# taken with glasscam held still (stream_and_dump).
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
export BACKEND=wayland
modprobe vivid
start_weston 640x480
stream_and_dump yuyv --device "$(vivid_node vid-cap)" --format YUYV --size 640x480 --fps 30 --frames 45
rmmod vivid
modprobe vivid multiplanar=2
stream_and_dump nm12 --device "$(vivid_node vid-cap)" --format NM12 --size 640x480 --fps 30 --frames 45
stop_weston
start_weston 1280x720
stream_and_dump scaled --device "$(vivid_node vid-cap)" --format XR24 --size 640x480 --fps 30 --frames 45
stop_weston
