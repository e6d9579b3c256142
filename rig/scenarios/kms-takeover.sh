# Another connector takes over: on a card with two connectors (QEMU's virtio-gpu with two
# outputs; cirrus has one), the connector in use is forced off mid-stream while the other is
# on, and the camera moves there. Then the same with --connector pinning the first: it waits
# for its own connector and does not move. Each head is dumped on its own.
# rig: qemu -device virtio-gpu-pci,id=gpu2,max_outputs=2
. /rig/scenarios/lib.sh

modprobe virtio_gpu
modprobe vivid
stock-permissions
# The virtio card: the one whose connectors are Virtual-N.
card=$(ls /sys/class/drm | sed -n 's/-Virtual-2$//p')
[ -n "$card" ] || { echo "no card with two Virtual connectors" >&2; exit 1; }
first=/sys/class/drm/$card-Virtual-1/status
second=/sys/class/drm/$card-Virtual-2/status
cat /sys/class/drm/$card-Virtual-*/status
cap=$(vivid_node vid-cap) || exit 1

# run NAME ARGS...: glasscam on the virtio card, 640x480 BGR4 copied into the card's dumb
# buffers (this kernel's virtio-gpu imports no foreign dmabufs; the copy rung keeps the run
# about connectors alone).
run() {
  name=$1
  shift
  "$GLASSCAM" --backend kms --card "/dev/dri/$card" --device "$cap" --format BGR4 \
    --size 640x480 --fps 30 --path copy --stats "/out/$name.stats.json" "$@" 2>"/out/$name.log" &
  pid=$!
  wait_for_text "/out/$name.log" "first frame on screen" 60 "$pid" || exit 1
  sleep 1
}

# stop NAME: ends the run, connectors back as they were.
stop() {
  kill -TERM "$pid"
  wait "$pid"
  echo $? >"/out/$1.rc"
  echo detect >"$first"
  echo off >"$second"
  cat "/out/$1.log"
}

# unplug_first NAME TEXT: Virtual-2 on, then Virtual-1 off; waits for TEXT in NAME's log.
unplug_first() {
  echo on >"$second"
  sleep 1
  echo off >"$first"
  wait_for_text "/out/$1.log" "$2" 30 "$pid"
  sleep 1.5
}

echo off >"$second"
run moved
rig-screendump moved-first gpu2 0
unplug_first moved "showing the camera on"
rig-screendump moved-second gpu2 1
stop moved

# Pinned: Virtual-1 forced off, Virtual-2 on; glasscam waits for Virtual-1 and shows on it
# again once it is back.
run pinned --connector Virtual-1
unplug_first pinned "was disconnected"
echo on >"$first"
wait_for_text /out/pinned.log "is connected again" 30 "$pid"
sleep 1.5
rig-screendump pinned-first gpu2 0
stop pinned
