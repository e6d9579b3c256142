# glasscam bench on both displays, short: the JSON and the plot, checked on the host.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
# Start-of-exposure timestamps: vivid stamps the end of frame ahead of DQBUF.
v4l2-ctl -d "$cap" -c timestamp_source=1
"$GLASSCAM" bench --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 90 \
  --json /out/kms.json --plot /out/kms.svg >/out/kms.table 2>/out/kms.log
echo $? >/out/kms.rc
cat /out/kms.table /out/kms.log
v4l2-ctl -d "$cap" -c timestamp_source=0
start_weston 640x480
"$GLASSCAM" bench --backend wayland --device "$cap" --format YUYV --size 640x480 --fps 30 --frames 60 \
  --json /out/wl.json --plot /out/wl.svg >/out/wl.table 2>/out/wl.log
echo $? >/out/wl.rc
cat /out/wl.table /out/wl.log
stop_weston
