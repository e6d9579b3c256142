# The desktop viewer's features against real vivid, cirrus and weston, one boot:
# - camera controls: --list shows them, --control sets them before streaming in the order
#   given (an automatic mode turned off makes its manual control settable), and bad ones end
#   in one line;
# - --transform, --crop and --fill: on cirrus (no rotation property, a plane that cannot
#   scale) the gpu rung draws them; weston turns, crops and scales the camera's own buffers;
# - keys written to a FIFO (--keys): in weston's window M, +, -, Z, R and C one after
#   another; on cirrus S writes a snapshot, Z the next size (1280x720, which cirrus cannot
#   scan out: the ladder steps down to gpu), C the next camera (a second vivid instance
#   showing solid red), Q quits.
. /rig/scenarios/lib.sh
. /rig/scenarios/wayland-lib.sh
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
STOP_SIGNAL=TERM stream_and_dump default --device "$cap" --format BGR4 --size 640x480 --fps 30
# No --fps: the highest rate vivid lists for BGR4 640x480 (120), not the 5 fps it starts at.
v4l2-ctl -d "$cap" --set-parm=5
stream_and_dump fastest --device "$cap" --format BGR4 --size 640x480 --frames 30
expect_failure unknown-control --backend kms --device "$cap" --control brightnes=200
expect_failure out-of-range --backend kms --device "$cap" --control brightness=999
expect_failure read-only --backend kms --device "$cap" --control read_only_integer_32_bits=1
# gain is governed by gain_automatic, on by default.
expect_failure inactive --backend kms --device "$cap" --control gain=10
expect_failure not-a-number --backend kms --device "$cap" --control brightness=max
expect_failure not-name-value --backend kms --device "$cap" --control brightness

# cirrus, 640x480: each view drawn by the gpu rung. vivid's 640x360 filling the 4:3 mode.
view="--device $cap --format BGR4 --size 640x480 --fps 30 --frames 45"
stream_and_dump kms-flipped $view --transform flipped
stream_and_dump kms-90 $view --transform 90
stream_and_dump kms-crop $view --crop 0,0,320,240
stream_and_dump kms-fill --device "$cap" --format BGR4 --size 640x360 --fps 30 --frames 45 --fill

# Two vivid instances from here on (the second one solid red), for C; keys through a FIFO.
rmmod vivid
modprobe vivid n_devs=2
cap=$(vivid_node vid-cap)
for d in /sys/class/video4linux/video*; do
  [ "$(cat "$d/name")" = vivid-001-vid-cap ] && second=/dev/${d##*/}
done
v4l2-ctl -d "$second" -c test_pattern=7  # 100% Red
mkfifo /tmp/keys && chmod 666 /tmp/keys
mkdir -p /tmp/snaps && chown viewer /tmp/snaps
# weston, a 1280x720 output (the kiosk shell fills it with the window): the compositor does
# each view on the camera's own buffers.
start_weston 1280x720
# Each run streams until its screenshot is taken (weston's pace varies), then gets SIGTERM.
view="--device $cap --format YUYV --size 640x480 --fps 30"
export STOP_SIGNAL=TERM BACKEND=wayland
stream_and_dump wl-90 $view --transform 90
stream_and_dump wl-crop $view --crop 0,0,320,240
stream_and_dump wl-fill $view --fill
unset STOP_SIGNAL BACKEND
# In the window: started flipped, then M (upright), + (zoom 125%), - (back), Z (1280x720,
# which weston shows direct), R (turned clockwise), C (the red camera), Q. A screenshot
# after each.
"$GLASSCAM" --backend wayland $view --transform flipped --keys /tmp/keys \
  --stats /out/wl-keys.stats.json 2>/out/wl-keys.log &
pid=$!
if wait_for_text /out/wl-keys.log "first frame on screen" 120 "$pid"; then
  sleep 1.5
  wayland_screenshot wl-keys.flipped
  press wl-keys m "glasscam: showing the whole frame upright" 1
  wayland_screenshot wl-keys.m
  press wl-keys + "glasscam: showing zoom 125%" 1
  wayland_screenshot wl-keys.zoomed
  press wl-keys - "glasscam: showing the whole frame upright" 2
  press wl-keys z "glasscam: switched to" 1
  wayland_screenshot wl-keys.z
  press wl-keys r "glasscam: showing transform 270" 1
  wayland_screenshot wl-keys.r
  press wl-keys c "glasscam: switched to" 2
  wayland_screenshot wl-keys.c
  press wl-keys q "glasscam: presented" 1
fi
wait "$pid"
echo $? >/out/wl-keys.rc
cat /out/wl-keys.log
stop_weston

"$GLASSCAM" --backend kms --device "$cap" --format BGR4 --size 640x480 --fps 30 --frames 3000 \
  --keys /tmp/keys --snapshot-dir /tmp/snaps --stats /out/keys.stats.json 2>/out/keys.log &
pid=$!
if wait_for_text /out/keys.log "first frame on screen" 120 "$pid"; then
  press keys s "glasscam: snapshot " 1
  cp /tmp/snaps/*.png /out/snapshot.png
  # The switch, then the step down to gpu: the new startup line.
  press keys z "path kms-gpu" 1
  rig-screendump keys.z
  press keys c "glasscam: switched to" 2
  rig-screendump keys.c
  press keys q "glasscam: presented" 1
fi
wait "$pid"
echo $? >/out/keys.rc
ls -l /tmp/snaps
cat /out/keys.log
