# NV12 through the multi-planar V4L2 API: two planes in two dmabufs, one wl_buffer.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid multiplanar=2
start_weston 1024x768
BACKEND=wayland stream_and_dump nm12 --device "$(vivid_node vid-cap)" --format NM12 --size 640x480 --fps 30 --frames 150
stop_weston
