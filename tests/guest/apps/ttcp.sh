#!/bin/bash
# apps/ttcp.sh TTCP-ELF [MIB] - the ttcp app (a TCP client) as a guest,
# sending to Linux's nc over a TAP inside a network namespace this test
# creates (kernel 10.83.0.1, guest 10.83.0.2):
#
#   1. `nc -l 10.83.0.1 5001 > FILE` in the namespace is the sink (stdin
#      /dev/null: it sends nothing and closes after our FIN);
#   2. the guest boots with --connect 10.83.0.1:5001 --send MIB MiB
#      (default 16) --seed (random per run), sends, half-closes, reads the peer's (empty) stream,
#      prints "ttcp: sent N bytes sha256=HEX" and halts with its exit
#      status (isa-debug-exit; lib.sh guest_status);
#   3. the file must have exactly N bytes with that SHA-256, the guest must
#      have received 0 bytes, and its status must be 0;
#   4. a second guest connects to a port with no listener: it must print
#      the connect error and halt with status 1 (the status really is the
#      app's).
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root. Every command has
# a time limit.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1
mib=${2:-16}
bytes=$((mib << 20))
guest_netns_test

guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "ttc$uid" 10.83.0.1/24 0 || exit 1
nsx() { ip netns exec "$ns" "$@"; }

# The sink, started here (not in a function: its redirections must reach
# the background job) with stdin from /dev/null explicitly.
nc_pid=""
trap '[ -n "$nc_pid" ] && kill "$nc_pid" 2>/dev/null; guest_netns_cleanup' EXIT
ip netns exec "$ns" timeout 90 nc -l 10.83.0.1 5001 > "$tmp/sink" < /dev/null &
nc_pid=$!
end=$((SECONDS + 10))
until nsx ss -Hltn 'sport = :5001' | grep -q .; do
    if [ $SECONDS -ge $end ] || ! kill -0 $nc_pid 2>/dev/null; then
        echo "FAIL: nc is not listening on 10.83.0.1:5001"
        exit 1
    fi
    sleep 0.1
done

accel=$(guest_accel)
echo "guest: ttcp sending $mib MiB to nc in netns $ns on $(guest_machine q35), $accel ($(guest_accel_reason))"
seed=$((RANDOM * 32768 + RANDOM))
args="--ip 10.83.0.2/24 --connect 10.83.0.1:5001 --send $bytes --seed $seed"
echo "guest: kernel command line: $args"
GUEST_WRAP=(ip netns exec "$ns")
# shellcheck disable=SC2046
guest_run 90 "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "$args" "${GUEST_NET[@]}"
rc=$?
GUEST_PID=""
status=$(guest_status $rc)
echo "guest: QEMU exit $rc: status $status"
fail=0
[ "$status" = 0 ] || { echo "FAIL: guest status $status"; fail=1; }

# nc exits once it has read our FIN and the connection closed; a guest
# that failed may never have connected.
[ "$status" = 0 ] || kill $nc_pid 2>/dev/null
wait $nc_pid
nc_rc=$?
nc_pid=""
[ $nc_rc = 0 ] || { echo "FAIL: nc exit $nc_rc"; fail=1; }
got_n=$(stat -c %s "$tmp/sink")
got=$(sha256sum < "$tmp/sink" | cut -d' ' -f1)
echo "--- nc received $got_n bytes sha256=$got"
want=$(sed -n "s/^ttcp: sent $bytes bytes sha256=\([0-9a-f]\{64\}\)$/\1/p" "$tmp/console.log")
if [ -z "$want" ]; then
    echo "FAIL: no line 'ttcp: sent $bytes bytes sha256=...' (without an error) from the guest"
    fail=1
elif [ "$got_n" != "$bytes" ] || [ "$got" != "$want" ]; then
    echo "FAIL: the sink's file is not what the guest sent (sha256 $want)"
    fail=1
fi
grep -qx "ttcp: received 0 bytes sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "$tmp/console.log" || { echo "FAIL: the guest should have received nothing, cleanly"; fail=1; }

# The status is the app's: a port nobody listens on is refused (Linux
# answers RST), ttcp exits with 1 and the host must see 1, not 0.
echo "--- a refused connection: 10.83.0.1:5002"
# shellcheck disable=SC2046
guest_run 60 "$tmp/refused.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "--ip 10.83.0.2/24 --connect 10.83.0.1:5002 --send 1000" "${GUEST_NET[@]}"
rc=$?
GUEST_PID=""
status=$(guest_status $rc)
echo "guest: QEMU exit $rc: status $status"
[ "$status" = 1 ] || { echo "FAIL: a refused connection: guest status $status, not 1"; fail=1; }
grep -q "^ttcp: connect 10.83.0.1:5002: " "$tmp/refused.log" ||
    { echo "FAIL: a refused connection: no 'ttcp: connect' error line"; fail=1; }
exit $fail
