# --input: the sample MJPEG clip decoded into the display's own buffers and shown directly,
# on the console (dumb buffers) and in weston (wl_shm for the unprivileged user, udmabuf for
# root). No camera is involved.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
stream_and_dump kms --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 48
start_weston 640x480
BACKEND=wayland stream_and_dump wl --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 48
# As root, which may open /dev/udmabuf: the same picture, from another allocator.
GLASSCAM=$GLASSCAM_AS_ROOT
BACKEND=wayland stream_and_dump wl-root --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 48
stop_weston
