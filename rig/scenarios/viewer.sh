# The desktop viewer's features against real vivid and cirrus, one boot: camera controls
# (--list shows them, --control sets them before streaming in the order given, so an
# automatic mode turned off makes its manual control settable; bad ones end in one line).
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
"$GLASSCAM" --list >/out/list.before 2>&1
# brightness=200 while streaming: v4l2-ctl reads it back from the driver during the run.
"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 150 \
  --control brightness=200 --control contrast=100 --control gain_automatic=0 --control gain=10 \
  --stats /out/bright.stats.json \
  2>/out/bright.log &
pid=$!
if wait_for_text /out/bright.log "first frame on screen" 120 "$pid"; then
  sleep 1
  v4l2-ctl -d "$cap" -C brightness -C contrast -C gain >/out/bright.read
  rig-screendump bright.during
fi
wait "$pid"
echo $? >/out/bright.rc
cat /out/bright.log /out/bright.read
v4l2-ctl -d "$cap" -c brightness=128 -c contrast=128 -c gain_automatic=1
stream_and_dump default --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 60
expect_failure unknown-control --backend kms --device "$cap" --control brightnes=200
expect_failure out-of-range --backend kms --device "$cap" --control brightness=999
expect_failure read-only --backend kms --device "$cap" --control read_only_integer_32_bits=1
# gain is governed by gain_automatic, on by default.
expect_failure inactive --backend kms --device "$cap" --control gain=10
expect_failure not-a-number --backend kms --device "$cap" --control brightness=max
expect_failure not-name-value --backend kms --device "$cap" --control brightness
