# --input: the sample MJPEG clip decoded into dmabufs and shown directly, on the console
# and in weston. No camera is involved.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
stream_and_dump kms --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 72
start_weston 1024x768
BACKEND=wayland stream_and_dump wl --input /opt/assets/bars-640x480.mjpeg --fps 24 --frames 72
stop_weston
