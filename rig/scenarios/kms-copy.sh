# The copy rung on cirrus (it has no YUV plane): YUYV and NV12 from two V4L2 planes,
# converted on the CPU into dumb buffers.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
stream_and_dump yuyv --device "$cap" --path copy --format YUYV --size 640x480 --fps 30 --frames 150
# Direct only: no stepping down, one clear line.
expect_failure direct-yuyv --backend kms --device "$cap" --path direct --format YUYV --size 640x480
rmmod vivid
modprobe vivid multiplanar=2
cap=$(vivid_node vid-cap)
stream_and_dump nm12 --device "$cap" --path copy --format NM12 --size 640x480 --fps 30 --frames 150
