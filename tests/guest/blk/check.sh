#!/bin/bash
# blk/check.sh - the virtio-blk round trip: makes two fresh 8 MiB raw disk
# images, boots the blk image with both (blk0 cached write-back: the
# device offers FLUSH; blk1 cache=writethrough and config-wce=off: QEMU then
# offers no FLUSH and the driver's write-through path completes flushes
# itself; blk2 without indirect descriptors: one buffer per request, where
# blk0 and blk1 take scattered ones), and after QEMU exited checks the
# files with check.py.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

machine=$(guest_machine "${1:-q35}")
seed=$((RANDOM * 32768 + RANDOM))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
truncate -s 8M "$tmp/d0.img" "$tmp/d1.img" "$tmp/d2.img"
accel=$(guest_accel)
echo "guest: guest_blk on $machine${GUEST_BIOS:+ (firmware $GUEST_BIOS)} with $accel ($(guest_accel_reason)), seed $seed"
# shellcheck disable=SC2046
guest_run 120 "$tmp/console.log" $(guest_qemu_args "$accel" "$machine") \
    -kernel "$TERN_GUEST_BUILD/guest_blk.elf" -append "--seed $seed --log debug$(guest_mmio_layout 3)" \
    -drive file="$tmp/d0.img",format=raw,if=none,id=d0,cache=writeback \
    -device "$(guest_dev blk),drive=d0" \
    -drive file="$tmp/d1.img",format=raw,if=none,id=d1,cache=writethrough \
    -device "$(guest_dev blk),drive=d1,config-wce=off" \
    -drive file="$tmp/d2.img",format=raw,if=none,id=d2 \
    -device "$(guest_dev blk),drive=d2,indirect_desc=off"
rc=$?
status=$(guest_status $rc)
echo "guest: QEMU exit $rc: status $status"
fail=0
[ "$status" = 0 ] || fail=1
grep -q "blk0: virtio-blk.*, flush" "$tmp/console.log" ||
    { echo "FAIL: blk0 should offer FLUSH"; fail=1; }
grep -q "blk1: virtio-blk.*, write-through" "$tmp/console.log" ||
    { echo "FAIL: blk1 should be write-through"; fail=1; }
for d in blk0 blk1; do
    grep -q "blk: $d: 7 ranges (5 scattered)" "$tmp/console.log" ||
        { echo "FAIL: $d should take scattered requests"; fail=1; }
done
grep -q "blk: blk2: 7 ranges (0 scattered)" "$tmp/console.log" ||
    { echo "FAIL: blk2 (no indirect descriptors) should take one buffer"; fail=1; }
/usr/bin/python3 "$here/blk/check.py" "$seed" 512 2048 "$tmp/d0.img" "$tmp/d1.img" "$tmp/d2.img" || fail=1
exit $fail
