# bench --g2g on the console, where cirrus has no overlay plane: the marker is drawn into the
# frames, by the gpu rung (chosen by itself) and by the copy rung (asked for). A screendump
# after each flip is named by the colour it should show. The direct rung, which draws
# nothing, refuses in one line.
. /rig/scenarios/lib.sh
modprobe vivid
cap=$(vivid_node vid-cap)
rig-screendump console.before
g2g_with_shots g2g-kms-gpu --g2g-hold 3000 --device "$cap" --format YUYV --size 640x480 \
  --fps 10
g2g_with_shots g2g-kms-copy --g2g-hold 3000 --device "$cap" --format YUYV --size 640x480 \
  --fps 10 --path copy
expect_failure g2g-kms-direct bench --g2g --backend kms --device "$cap" --format BGR4 \
  --size 640x480 --path direct
rig-screendump console.after
