# The converting rungs on cirrus, one boot.
# The gpu rung: surfaceless EGL on Mesa llvmpipe imports vivid's dmabufs and draws them with
# glasscam's shaders into the card's own buffers. YUYV gets there by itself (direct is
# refused), NV12 is forced. llvmpipe draws a few frames a second under TCG: runs are short.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
stream_and_dump yuyv --device "$cap" --format YUYV --size 640x480 --fps 30 --frames 30
stream_and_dump nv12 --device "$cap" --path gpu --format NV12 --size 640x480 --fps 30 --frames 30
# RGB3 (DRM BGR888): no cirrus plane takes it and llvmpipe cannot import 24-bit dmabufs:
# auto steps down twice, each step in one line, and lands on copy.
stream_and_dump rgb3 --device "$cap" --format RGB3 --size 640x480 --fps 30 --frames 45
# 640x360 BGR4: cirrus takes the framebuffer, but has no 640x360 mode and its plane cannot
# scale, so its atomic test refuses every placement: auto steps down to gpu, which draws
# the frames scaled into the console's 640x480 mode.
stream_and_dump wide --device "$cap" --format BGR4 --size 640x360 --fps 30 --frames 30
# 3840x2160 BGR4: cirrus's AddFB2 refuses anything wider than 2044, the camera's buffers and
# display buffers of that size alike: gpu draws into buffers of the mode's size.
stream_and_dump huge --device "$cap" --format BGR4 --size 3840x2160 --fps 15 --frames 30

# The copy rung (cirrus has no YUV plane): YUYV and NV12 from two V4L2 planes, converted on
# the CPU into dumb buffers.
stream_and_dump copy-yuyv --device "$cap" --path copy --format YUYV --size 640x480 --fps 30 --frames 60
# Direct only: no stepping down, one clear line.
expect_failure direct-yuyv --backend kms --device "$cap" --path direct --format YUYV --size 640x480
rmmod vivid
modprobe vivid multiplanar=2
cap=$(vivid_node vid-cap)
stream_and_dump copy-nm12 --device "$cap" --path copy --format NM12 --size 640x480 --fps 30 --frames 60
