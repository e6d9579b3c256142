# Rig smoke test (runs in the guest): vivid colour bars on the cirrus display.
set -eux
modprobe vivid
v4l2-ctl --list-devices
gst-launch-1.0 -q v4l2src io-mode=dmabuf num-buffers=100000 \
  ! video/x-raw,format=BGRx,width=640,height=480 ! kmssink driver-name=cirrus force-modesetting=true &
gst=$!
sleep 5  # let the pipeline start and show frames (slow under TCG)
kill -0 $gst  # still running?
rig-screendump bars
kill $gst
wait $gst || true
test -s /out/bars.ppm
