#!/bin/bash
# net/tap.sh IMAGE NICS [APP-ARGS...] - boots IMAGE (a test image name or
# the path of an app's .elf) with NICS (1 or 2)
# virtio-net devices on TAP backends inside a network namespace this test
# creates, and checks from Linux in the namespace that the guest answers
# ping and UDP echo (nc -u, port 7) on every NIC. NIC k (0-based) is on
# 10.77.(k+1).0/24: Linux .1, the guest .2. The guest gets
# "--ip 10.77.1.2/24" and, with two NICs, "--ip1 10.77.2.2/24" on top of
# APP-ARGS. At the end the host types Ctrl-C on the guest's console (its
# stop request) and expects it to halt with status 0 after its report.
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1 nics=$2
shift 2
guest_netns_test

guest_netns "$ns" || exit 1
nsx() { ip netns exec "$ns" "$@"; }
GUEST_NET=()
for k in $(seq 0 $((nics - 1))); do
    guest_netns_tap "$ns" "tgt${uid}$k" "10.77.$((k + 1)).1/24" "$k" || exit 1
done
args="--ip 10.77.1.2/24"
[ "$nics" -ge 2 ] && args="$args --ip1 10.77.2.2/24"
args="$args $*"

accel=$(guest_accel)
echo "guest: $image with $nics TAP NIC(s) in netns $ns on $(guest_machine q35), $accel ($(guest_accel_reason))"
echo "guest: kernel command line: $args"
# shellcheck disable=SC2046
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
guest_start "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "$args" "${GUEST_NET[@]}"
fail=0
if ! guest_await "$tmp/console.log" "netcheck: ready|echo: ready" 30; then
    echo "FAIL: the guest never became ready"
    fail=1
fi
for k in $(seq 0 $((nics - 1))); do
    addr=10.77.$((k + 1)).2
    if [ $fail = 0 ]; then
        echo "--- ping $addr (net$k)"
        nsx ping -c 5 -i 0.2 -W 2 "$addr" || { echo "FAIL: ping $addr"; fail=1; }
        msg="tern guest echo net$k $uid"
        got=$(echo "$msg" | nsx nc -u -w 2 "$addr" 7)
        echo "--- nc -u $addr 7: sent '$msg', got '$got'"
        [ "$got" = "$msg" ] || { echo "FAIL: UDP echo on $addr"; fail=1; }
    fi
done
guest_stop_clean "$tmp/console.log" || fail=1
grep -q "tern: stop requested" "$tmp/console.log" ||
    { echo "FAIL: the stop request was not seen"; fail=1; }
exit $fail
