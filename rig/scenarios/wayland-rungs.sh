# The converting rungs on Wayland: copy (wl_shm) and gpu (EGL draws into dma-heap dmabufs)
# forced for YUYV, and NV24, which weston's llvmpipe cannot import, stepping down by itself:
# to gpu and on to copy as the unprivileged user, to gpu as root.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
start_weston 1024x768
BACKEND=wayland stream_and_dump forced --device "$cap" --path copy --format YUYV --size 640x480 --fps 30 --frames 90
BACKEND=wayland stream_and_dump nv24 --device "$cap" --format NV24 --size 640x480 --fps 30 --frames 60
# As root: the gpu rung's render targets come from the system dma-heap, which only root may
# open (they are to come from the compositor's device).
GLASSCAM=$GLASSCAM_AS_ROOT
BACKEND=wayland stream_and_dump gpu --device "$cap" --path gpu --format YUYV --size 640x480 --fps 30 --frames 60
BACKEND=wayland stream_and_dump nv24-root --device "$cap" --format NV24 --size 640x480 --fps 30 --frames 60
stop_weston
