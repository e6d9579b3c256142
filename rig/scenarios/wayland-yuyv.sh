# vivid 640x480 YUYV in a weston window (single-planar V4L2), scaled into a 1024x768 kiosk.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
start_weston 1024x768
BACKEND=wayland stream_and_dump yuyv --device "$(vivid_node vid-cap)" --format YUYV --size 640x480 --fps 30 --frames 150
stop_weston
