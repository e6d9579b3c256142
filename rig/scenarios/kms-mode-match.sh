# cirrus boots in 1024x768 and cannot scale: glasscam must switch to a 640x480 mode and
# put 1024x768 back at exit.
. /rig/scenarios/lib.sh
modprobe vivid
CAPTURE_BEFORE=1 stream_and_dump modematch --device "$(vivid_node vid-cap)" --format XR24 --size 640x480 --fps 30 --frames 90
# Stopped by a signal mid-stream, glasscam must put the 1024x768 console back all the same.
STOP_SIGNAL=TERM stream_and_dump sigterm --device "$(vivid_node vid-cap)" --format XR24 --size 640x480 --fps 30
STOP_SIGNAL=INT stream_and_dump sigint --device "$(vivid_node vid-cap)" --format XR24 --size 640x480 --fps 30
