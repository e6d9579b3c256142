# The converting rungs on Wayland: copy (wl_shm) and gpu (EGL draws into dma-heap dmabufs)
# forced for YUYV, and NV24, which weston's llvmpipe cannot import, stepping down by itself.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
start_weston 1024x768
BACKEND=wayland stream_and_dump forced --device "$cap" --path copy --format YUYV --size 640x480 --fps 30 --frames 90
BACKEND=wayland stream_and_dump gpu --device "$cap" --path gpu --format YUYV --size 640x480 --fps 30 --frames 60
BACKEND=wayland stream_and_dump nv24 --device "$cap" --format NV24 --size 640x480 --fps 30 --frames 60
stop_weston
