# The converting rungs on Wayland: copy (wl_shm) and gpu (EGL draws into dmabufs of its own)
# forced for YUYV, and NV24, which weston's llvmpipe cannot import, stepping down by itself.
# weston headless names no main device (linux-dmabuf v3), so the gpu rung's targets come from
# udmabuf, else the dma-heap: as a user with udmabuf (systemd 257's uaccess) the gpu rung
# runs; with stock permissions before that, NV24 steps on down to copy.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
start_weston 640x480
BACKEND=wayland stream_and_dump forced --device "$cap" --path copy --format YUYV --size 640x480 --fps 30 --frames 30
BACKEND=wayland stream_and_dump nv24 --device "$cap" --format NV24 --size 640x480 --fps 30 --frames 30
export UDMABUF_UACCESS=1
BACKEND=wayland stream_and_dump gpu --device "$cap" --path gpu --format YUYV --size 640x480 --fps 30 --frames 30
unset UDMABUF_UACCESS
# As root with udmabuf gone: the last tier, the system dma-heap, which only root may open.
mv /dev/udmabuf /dev/udmabuf.away
GLASSCAM=$GLASSCAM_AS_ROOT
BACKEND=wayland stream_and_dump nv24-root --device "$cap" --format NV24 --size 640x480 --fps 30 --frames 30
mv /dev/udmabuf.away /dev/udmabuf
stop_weston
