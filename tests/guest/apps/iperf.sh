#!/bin/bash
# apps/iperf.sh IPERF-ELF - the iperf app (an iperf3-protocol server) as a
# guest, and Debian's iperf3 client against it over a TAP inside a network
# namespace this test creates (kernel 10.82.0.1, guest 10.82.0.2):
#
#   1. iperf3 -c --json -t 2        (the client sends, one stream);
#   2. iperf3 -c --json -R -n 20M   (the guest sends; the client must
#                                     receive exactly 20 MiB);
#   3. iperf3 -c --json -P 4 -t 2   (four streams);
#   each JSON is checked by iperf_check.py (no "error", the stream count,
#   end.sum_received.bytes > 0) and its Gbit/s printed with the
#   accelerator;
#   4. Ctrl-C on the console: the guest's report must count 3 tests run,
#      none failed, refused or terminated, and it halts with status 0.
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root. Every command has
# a time limit.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1
py=/usr/bin/python3
guest_netns_test

guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "tip$uid" 10.82.0.1/24 0 || exit 1
nsx() { ip netns exec "$ns" "$@"; }
addr=10.82.0.2

accel=$(guest_accel)
echo "guest: iperf with a TAP in netns $ns on $(guest_machine q35), $accel ($(guest_accel_reason))"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
# shellcheck disable=SC2046
guest_start "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "--ip $addr/24" "${GUEST_NET[@]}"
fail=0
if ! guest_await "$tmp/console.log" "iperf: ready ip=$addr/24 tcp=5201" 60; then
    echo "FAIL: the guest never became ready"
    fail=1
fi

# run LABEL STREAMS EXPECT-BYTES IPERF3-ARGS...: one client run, checked.
run() {
    local label=$1 streams=$2 bytes=$3 rc
    shift 3
    echo "--- iperf3 -c $addr --json $*"
    nsx timeout 60 iperf3 -c "$addr" --json --connect-timeout 10000 "$@" \
        > "$tmp/$label.json" 2> "$tmp/$label.err"
    rc=$?
    [ $rc = 0 ] || { echo "FAIL: $label: iperf3 exit $rc"; cat "$tmp/$label.err"; fail=1; }
    # shellcheck disable=SC2086
    "$py" "$here/apps/iperf_check.py" "$tmp/$label.json" "$label ($accel)" \
        "$streams" $bytes || fail=1
}
if [ $fail = 0 ]; then
    run normal 1 "" -t 2
    run reverse 1 $((20 << 20)) -R -n 20M
    run parallel4 4 "" -P 4 -t 2
fi
guest_stop_clean "$tmp/console.log" || fail=1
if [ $fail = 0 ]; then
    grep -q "iperf: tcp port 5201: 3 tests run, 0 failed, 0 refused, 0 terminated by the client" \
        "$tmp/console.log" ||
        { echo "FAIL: the report should count 3 tests run, none failed"; fail=1; }
fi
exit $fail
