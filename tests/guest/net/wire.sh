#!/bin/bash
# net/wire.sh stream|dgram - a guest and a hosted Tern process on one
# Ethernet segment with no root and no TAP: QEMU's -netdev stream (UNIX
# stream socket, the hosted side listens) or -netdev dgram (two UNIX
# datagram sockets) against the hosted wire netdev (hosted/net/wire.c).
# Both run netcheck (the same source built both ways): the hosted process
# is 10.78.0.1, the guest 10.78.0.2, and each pings the other. Passes if
# both exit 0 (every ping in both directions answered).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

mode=$1
hosted=${TERN_GUEST_HOSTED:?set by CTest: the hosted build of tests/guest/hosted}/netcheck
tmp=$(mktemp -d /tmp/tern-wire.XXXXXX) # short: UNIX socket paths < 108
GUEST_PID="" HOSTED_PID=""

cleanup() {
    [ -n "$GUEST_PID" ] && kill "$GUEST_PID" 2>/dev/null && wait "$GUEST_PID" 2>/dev/null
    [ -n "$HOSTED_PID" ] && kill "$HOSTED_PID" 2>/dev/null && wait "$HOSTED_PID" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

case $mode in
stream)
    host_net="wire:stream:listen:$tmp/link"
    qemu_net="stream,id=n0,server=off,addr.type=unix,addr.path=$tmp/link" ;;
dgram)
    host_net="wire:dgram:$tmp/host,$tmp/guest"
    qemu_net="dgram,id=n0,local.type=unix,local.path=$tmp/guest,remote.type=unix,remote.path=$tmp/host" ;;
*)
    echo "usage: $0 stream|dgram"; exit 2 ;;
esac

"$hosted" --net "$host_net" --ip 10.78.0.1/24 --peer 10.78.0.2 \
    --count 5 --linger-ms 3000 > "$tmp/hosted.log" 2>&1 &
HOSTED_PID=$!
# The listener (stream) or the local socket (dgram) must exist before QEMU
# starts: QEMU 7.2 does not retry.
sock=$tmp/link
[ "$mode" = dgram ] && sock=$tmp/host
for _ in $(seq 100); do
    [ -S "$sock" ] && break
    sleep 0.05
done

accel=$(guest_accel)
echo "guest: guest_netcheck over -netdev $mode to hosted netcheck${GUEST_BIOS:+ (firmware $GUEST_BIOS)} on $(guest_machine q35), $accel ($(guest_accel_reason))"
# shellcheck disable=SC2046
guest_start "$tmp/console.log" $(guest_qemu_args "$accel" q35) \
    -kernel "$TERN_GUEST_BUILD/guest_netcheck.elf" \
    -append "--ip 10.78.0.2/24 --peer 10.78.0.1 --count 5 --linger-ms 3000" \
    -netdev "$qemu_net" \
    -device "$(guest_dev net),netdev=n0"
guest_wait 90
rc=$?
GUEST_PID=""
for _ in $(seq 100); do
    kill -0 "$HOSTED_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$HOSTED_PID" 2>/dev/null; then
    kill "$HOSTED_PID"
    echo "FAIL: the hosted process did not exit"
fi
wait "$HOSTED_PID"
hrc=$?
HOSTED_PID=""
echo "--- guest console"
cat "$tmp/console.log"
echo "--- hosted netcheck"
cat "$tmp/hosted.log"
status=$(guest_status $rc)
echo "guest: QEMU exit $rc (status $status); hosted exit $hrc"
fail=0
[ "$status" = 0 ] || fail=1
[ "$hrc" = 0 ] || fail=1
grep -q "netcheck: ping 10.78.0.1: 5/5 replies" "$tmp/console.log" || fail=1
grep -q "netcheck: ping 10.78.0.2: 5/5 replies" "$tmp/hosted.log" || fail=1
exit $fail
