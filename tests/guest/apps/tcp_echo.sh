#!/bin/bash
# apps/tcp_echo.sh ECHO-ELF [MIB] - the echo app as a guest with
# --tcp-port 7, and Linux's TCP against it over a TAP inside a network
# namespace this test creates (kernel 10.81.0.1, guest 10.81.0.2):
#
#   1. socat sends MIB (default 16) MiB of random bytes and reads the echo
#      back (half-closing after the last byte); the SHA-256s must match;
#      prints the measured MB/s;
#   2. 8 concurrent connections (tcp_clients.py conns, Debian's python3),
#      256 KiB each, each echoed intact;
#   3. half-close (tcp_clients.py halfclose): 1 B, 1000 B and 128 KiB sent
#      and FIN'd before reading: every byte still comes back;
#   4. Ctrl-C on the console: the guest's report must count 12
#      connections, all ended by the peer (none by an error or idle), and
#      exactly the bytes sent; the guest halts with status 0.
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root. Every command has
# a time limit.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1
mib=${2:-16}
py=/usr/bin/python3
guest_netns_test

guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "tce$uid" 10.81.0.1/24 0 || exit 1
nsx() { ip netns exec "$ns" "$@"; }
addr=10.81.0.2

accel=$(guest_accel)
echo "guest: echo --tcp-port 7 with a TAP in netns $ns on $(guest_machine q35), $accel ($(guest_accel_reason))"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
# shellcheck disable=SC2046
guest_start "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "--ip $addr/24 --tcp-port 7" "${GUEST_NET[@]}"
fail=0
if ! guest_await "$tmp/console.log" "echo: ready ip=$addr/24 udp=7 tcp=7" 60; then
    echo "FAIL: the guest never became ready"
    fail=1
fi

if [ $fail = 0 ]; then
    head -c $((mib << 20)) /dev/urandom > "$tmp/in"
    start=$(date +%s%N)
    timeout 90 ip netns exec "$ns" socat -t 60 -b 65536 - "TCP:$addr:7" \
        < "$tmp/in" > "$tmp/out"
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    want=$(sha256sum < "$tmp/in" | cut -d' ' -f1)
    got=$(sha256sum < "$tmp/out" | cut -d' ' -f1)
    echo "--- socat: $mib MiB sent, $(stat -c %s "$tmp/out") bytes back in $ms ms," \
         "$(awk -v b=$((mib << 20)) -v ms=$ms 'BEGIN { printf "%.1f", ms ? b / 1e3 / ms : 0 }') MB/s" \
         "each way ($accel); socat exit $rc"
    echo "    sent sha256=$want"
    echo "    back sha256=$got"
    if [ $rc != 0 ] || [ "$got" != "$want" ]; then
        echo "FAIL: the $mib MiB echo differs (or socat failed)"
        fail=1
    fi
    rm -f "$tmp/in" "$tmp/out"

    echo "--- 8 concurrent connections"
    nsx timeout 120 "$py" "$here/apps/tcp_clients.py" conns "$addr" 7 8 262144 ||
        { echo "FAIL: concurrent connections"; fail=1; }
    echo "--- half-close"
    nsx timeout 120 "$py" "$here/apps/tcp_clients.py" halfclose "$addr" 7 ||
        { echo "FAIL: half-close"; fail=1; }
fi
guest_stop_clean "$tmp/console.log" || fail=1
if [ $fail = 0 ]; then
    bytes=$(((mib << 20) + 8 * 262144 + 1 + 1000 + 131072))
    grep -qE "echo: tcp port 7: 12 connections served \(12 ended by the peer, 0 by an error, 0 idle, 0 open\), $bytes bytes echoed" \
        "$tmp/console.log" ||
        { echo "FAIL: the report should count 12 connections, all ended by the peer, $bytes bytes"; fail=1; }
fi
exit $fail
