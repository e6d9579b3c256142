# The direct rung on cirrus, already in 640x480 (video= on the kernel command line), one boot:
# - bad input against real vivid and cirrus: each case fails in one clear line, and a clean
#   run right after still works;
# - vivid 640x480 BGR4 by atomic commits, then by the legacy SetCrtc/PageFlip path (forced on
#   a driver that also has the atomic API);
# - the multi-planar V4L2 API (vivid multiplanar=2): BGR4 in one plane through the _MPLANE
#   calls, with --connector.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
out=$(vivid_node vid-out)
rig-screendump console.before
expect_failure missing-device --backend kms --device /dev/video99
expect_failure dev-null --backend kms --device /dev/null
expect_failure drm-node --backend kms --device /dev/dri/card0
expect_failure output-only --backend kms --device "$out"
expect_failure unknown-format --backend kms --device "$cap" --format ABCD
expect_failure no-such-connector --backend kms --device "$cap" --format BGR4 --size 640x480 --connector HDMI-A-7
expect_failure card-not-kms --backend kms --device "$cap" --format BGR4 --size 640x480 --card /dev/null
# vivid's webcam offers 640x360, which no cirrus mode has and its plane cannot scale to:
# on the direct rung that is final (auto would step down to gpu and scale).
expect_failure no-fit --backend kms --device "$cap" --path direct --format BGR4 --size 640x360 --fps 30
rig-screendump console.after
# Nothing may be left behind: a clean run must still work after all of the above. With no
# --format or --size, glasscam picks what both camera and display take: the current YUYV
# cannot be scanned out by cirrus, so the first vivid format that can (RGB565).
v4l2-ctl -d "$cap" --set-fmt-video=pixelformat=YUYV
stream_and_dump after-errors --device "$cap" --fps 30 --frames 90

CAPTURE_BEFORE=1 stream_and_dump bars --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 90
GLASSCAM_KMS_LEGACY=1 stream_and_dump legacy --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 90
"$GLASSCAM" --list >/out/list.txt 2>&1

rmmod vivid
modprobe vivid multiplanar=2
stream_and_dump mplane --device "$(vivid_node vid-cap)" --connector VGA-1 --format BGR4 --size 640x480 --fps 30 --frames 90
