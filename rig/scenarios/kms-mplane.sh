# The multi-planar V4L2 API (vivid multiplanar=2): BGR4 in one plane through the _MPLANE calls.
. /rig/scenarios/lib.sh
modprobe vivid multiplanar=2
stream_and_dump mplane --device "$(vivid_node vid-cap)" --connector VGA-1 --format BGR4 --size 640x480 --fps 30 --frames 240
