# run.sh without a camera: glasscam on vivid, options from /out/args (one per line).
. /rig/scenarios/lib.sh
modprobe vivid
IFS='
'
set -- $(cat /out/args)
unset IFS
[ $# -gt 0 ] || set -- --format BGR4 --size 640x480 --fps 30 --frames 150
stream_and_dump demo --device "$(vivid_node vid-cap)" "$@"
exit "$(cat /out/demo.rc)"
