#!/bin/bash
# apps/tftpd.sh TFTPD-ELF - the tftpd app as a guest: its files come from
# a tar image on a read-only virtio-blk disk, through the block cache and
# tarfs in the guest, and Linux's curl fetches them over a TAP inside a
# network namespace this test creates (kernel 10.79.0.1, guest 10.79.0.2).
#
#   1. makes a tree (a small file, an empty one, a nested 6 MiB one) and
#      the disk with `tar cf`;
#   2. boots the guest with the TAP and the disk;
#   3. curl fetches every file (6 MiB at --tftp-blksize 1428: read-ahead
#      runs over virtio-blk) and each must equal its source; a missing
#      file gets TFTP error 1 (curl exit 68);
#   4. Ctrl-C on the console: the guest prints its report (the cache's
#      counters: read-ahead used, no read errors) and halts with status 0.
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1
guest_netns_test

mkdir -p "$tmp/files/sub/dir"
printf 'hello from a tern guest\n' > "$tmp/files/hello.txt"
: > "$tmp/files/empty"
head -c 6291456 /dev/urandom > "$tmp/files/sub/dir/big.bin"
tar cf "$tmp/disk.img" -C "$tmp/files" . || exit 1

guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "tft$uid" 10.79.0.1/24 0 || exit 1
nsx() { ip netns exec "$ns" "$@"; }

accel=$(guest_accel)
echo "guest: tftpd with a TAP in netns $ns and a tar disk on $(guest_machine q35), $accel ($(guest_accel_reason))"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
# shellcheck disable=SC2046
guest_start "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "--ip 10.79.0.2/24" "${GUEST_NET[@]}" \
    -drive "file=$tmp/disk.img,format=raw,if=none,id=d0,readonly=on" \
    -device "$(guest_dev blk),drive=d0"
fail=0
if ! guest_await "$tmp/console.log" "tftpd: ready" 60; then
    echo "FAIL: the guest never became ready"
    fail=1
fi
if [ $fail = 0 ]; then
    for f in hello.txt empty sub/dir/big.bin; do
        rm -f "$tmp/got"
        nsx curl -s --max-time 100 --tftp-blksize 1428 -o "$tmp/got" \
            "tftp://10.79.0.2/$f"
        rc=$?
        if [ $rc != 0 ] || ! cmp -s "$tmp/got" "$tmp/files/$f"; then
            echo "FAIL: $f: curl exit $rc or bytes differ"
            fail=1
        else
            echo "--- $f: $(stat -c %s "$tmp/got") bytes, identical"
        fi
    done
    nsx curl -s --max-time 20 -o /dev/null "tftp://10.79.0.2/missing"
    rc=$?
    [ $rc = 68 ] || { echo "FAIL: a missing file: curl exit $rc, not 68"; fail=1; }
fi
guest_stop_clean "$tmp/console.log" || fail=1
grep -qE "tftpd: cache .*readahead=[1-9][0-9]*/.* read_errors=0" "$tmp/console.log" ||
    { echo "FAIL: the report should show read-ahead used and no read error"; fail=1; }
exit $fail
