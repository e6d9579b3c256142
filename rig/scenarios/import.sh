# Import mode: the camera writes into buffers the display made (V4L2_MEMORY_DMABUF), which
# the display then shows as its own. One boot for both displays.
#
# On cirrus: `--memory dmabuf` (GBM on the card); then the auto ladder with the direct rung
# refused for the test (GLASSCAM_REFUSE_CAMERA_MEMORY), which takes import before gpu; then
# buffers with longer rows than the camera's (GLASSCAM_DISPLAY_ROW_ALIGN), for which the
# camera is asked for those rows; then vivid refusing REQBUFS once (its error injection), which sends `--memory dmabuf` down to
# the gpu rung with one line.
#
# On weston: YUYV and NM12 (vivid's multi-planar API, one buffer per plane) with `--memory
# dmabuf`. weston names no main device (linux-dmabuf v3), so udmabuf is the display's memory;
# it is opened to the user as systemd 257's uaccess rule does (UDMABUF_UACCESS=1).
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap) || exit 1
stream_and_dump import --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 120 \
  --memory dmabuf
GLASSCAM_REFUSE_CAMERA_MEMORY=1 stream_and_dump refused --device "$cap" --format BGR4 \
  --size 640x480 --fps 30 --frames 120
# A display that aligns its rows (to 1024 bytes here: 2560 becomes 3072): the camera is asked for rows that long.
GLASSCAM_DISPLAY_ROW_ALIGN=1024 stream_and_dump aligned --device "$cap" --format BGR4 \
  --size 640x480 --fps 30 --frames 60 --memory dmabuf
v4l2-ctl -d "$cap" -c inject_vidioc_reqbufs_error=1
stream_and_dump noreqbufs --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 60 \
  --memory dmabuf

start_weston 640x480
export UDMABUF_UACCESS=1
BACKEND=wayland stream_and_dump yuyv --device "$cap" --format YUYV --size 640x480 --fps 30 \
  --frames 45 --memory dmabuf
rmmod vivid
modprobe vivid multiplanar=2
BACKEND=wayland stream_and_dump nm12 --device "$(vivid_node vid-cap)" --format NM12 \
  --size 640x480 --fps 30 --frames 45 --memory dmabuf
stop_weston
