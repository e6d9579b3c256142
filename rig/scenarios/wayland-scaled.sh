# A 640x480 picture in a 1280x720 kiosk output: the compositor scales it (wp_viewporter)
# and keeps its aspect ratio, so it sits pillarboxed in the middle.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
start_weston 1280x720
BACKEND=wayland stream_and_dump scaled --device "$(vivid_node vid-cap)" --format XR24 --size 640x480 --fps 30 --frames 150
stop_weston
