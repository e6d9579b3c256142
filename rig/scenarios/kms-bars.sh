# vivid 640x480 BGR4 on cirrus already in 640x480 (video= on the kernel command line).
. /rig/scenarios/lib.sh
modprobe vivid
stream_and_dump bars --device "$(vivid_node vid-cap)" --format BGR4 --size 640x480 --fps 30 --frames 300
# The legacy SetCrtc/PageFlip path, forced on a driver that also has the atomic API.
GLASSCAM_KMS_LEGACY=1 stream_and_dump legacy --device "$(vivid_node vid-cap)" --format BGR4 --size 640x480 --fps 30 --frames 240
"$GLASSCAM" --list >/out/list.txt 2>&1
