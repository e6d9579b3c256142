# The gpu rung on cirrus: surfaceless EGL on Mesa llvmpipe imports vivid's dmabufs and
# draws them with glasscam's shaders into dumb buffers. YUYV gets there by itself (direct is
# refused), NV12 is forced.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
stream_and_dump yuyv --device "$cap" --format YUYV --size 640x480 --fps 30 --frames 60
stream_and_dump nv12 --device "$cap" --path gpu --format NV12 --size 640x480 --fps 30 --frames 60
# RGB3 (DRM BGR888): no cirrus plane takes it and llvmpipe cannot import 24-bit dmabufs:
# auto steps down twice, each step in one line, and lands on copy.
stream_and_dump rgb3 --device "$cap" --format RGB3 --size 640x480 --fps 30 --frames 90
# 640x360 BGR4: cirrus takes the framebuffer, but has no 640x360 mode and its plane cannot
# scale, so its atomic test refuses every placement: auto steps down to gpu, which draws
# the frames scaled into the console's 640x480 mode.
stream_and_dump wide --device "$cap" --format BGR4 --size 640x360 --fps 30 --frames 90
# 3840x2160 BGR4: cirrus's AddFB2 refuses anything wider than 2044, the camera's buffers and
# display buffers of that size alike: gpu draws into buffers of the mode's size.
stream_and_dump huge --device "$cap" --format BGR4 --size 3840x2160 --fps 15 --frames 60
