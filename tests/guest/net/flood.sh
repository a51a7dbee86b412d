#!/bin/bash
# net/flood.sh tx|loop FRAMES - the virtqueue notification race: boots
# guest_netflood (netflood/main.c) in MODE with FRAMES frames, one per
# send, and passes if it sends them all (loop: and receives them all, in
# order) with no stall: 5 s without progress (a lost notification stops
# the queue for good; 5 s keeps a busy host from looking like one). No
# root, no TAP, no host process:
#   tx    one virtio-net without a QEMU peer (QEMU drops every frame, so
#         the device idles and re-arms its notification between frames);
#   loop  two virtio-nets on one QEMU hub (-netdev hubport): net0's frames
#         arrive on net1.
# Before guest/virtio.c fenced its avail index store with io_fence() under
# TCG, both stalled within about 3 million frames on QEMU 7.2 TCG (mean
# about a million); 8 million leaves a stall-free run of the old code a
# chance near 1e-4. On a quiet 2-core host a run takes 35-45 s under TCG;
# the 240 s bound is for a loaded one (a million frames took 25 s at load 10).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

mode=$1 frames=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

case $mode in
tx)
    nics=(-device "$(guest_dev net)") ;;
loop)
    nics=(-netdev hubport,id=n0,hubid=0 -netdev hubport,id=n1,hubid=0
          -device "$(guest_dev net),netdev=n0"
          -device "$(guest_dev net),netdev=n1") ;;
*)
    echo "usage: $0 tx|loop FRAMES"; exit 2 ;;
esac

accel=$(guest_accel)
echo "guest: guest_netflood --mode $mode --frames $frames on $(guest_machine q35), $accel ($(guest_accel_reason))"
# shellcheck disable=SC2046
guest_run 240 "$log" $(guest_qemu_args "$accel" q35) \
    -kernel "$TERN_GUEST_BUILD/guest_netflood.elf" \
    -append "--mode $mode --frames $frames --stall-ms 5000 --log debug" "${nics[@]}"
rc=$?
status=$(guest_status $rc)
echo "guest: QEMU exit $rc (status $status)"
fail=0
[ "$status" = 0 ] || fail=1
grep -q "netflood: sent $frames frames" "$log" || fail=1
[ "$mode" = tx ] || grep -q "$frames received" "$log" || fail=1
grep -q "net0: virtio-net .*event-idx" "$log" || {
    echo "FAIL: net0 did not negotiate event indexes (the race needs them)"
    fail=1
}
exit $fail
