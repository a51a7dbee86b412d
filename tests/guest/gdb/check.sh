#!/bin/bash
# gdb/check.sh - ci/debug-guest.sh in batch mode against a booted guest:
# gdb attaches at the first instruction, a hardware breakpoint stops the
# boot image at boot_main, and gdb reads a platform global (the TSC
# frequency), an argument of main (one virtio-blk disk is attached) and
# the app's table.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

port=$((20000 + $$ % 20000))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/disk.img"
out=$(timeout 120 "$root/ci/debug-guest.sh" -b -p "$port" \
      -x "$here/gdb/break.gdb" "$TERN_GUEST_BUILD/guest_boot.elf" -- \
      -drive file="$tmp/disk.img",format=raw,if=none,id=d0 \
      -device virtio-blk-pci,drive=d0,disable-legacy=on 2>&1)
echo "$out"
fail=0
echo "$out" | grep -qE "^(Hardware assisted breakpoint|Breakpoint) [0-9]+, boot_main" ||
    { echo "FAIL: did not stop at boot_main"; fail=1; }
hz=$(echo "$out" | sed -n 's/^tsc_hz=//p')
[ -n "$hz" ] && [ "$hz" -gt 100000000 ] ||
    { echo "FAIL: clock_tsc_hz not read (got '$hz')"; fail=1; }
echo "$out" | grep -qx "n_blk=1" || { echo "FAIL: boot->n_blk != 1"; fail=1; }
echo "$out" | grep -qx "app=boot" || { echo "FAIL: tern_app.name"; fail=1; }
echo "$out" | grep -qE "#1 .*tern_guest_main" || { echo "FAIL: no backtrace"; fail=1; }
exit $fail
