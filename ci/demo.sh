#!/bin/bash
# ci/demo.sh - Tern's main job, end to end, on a fresh Debian 12 machine:
#
#   1. installs what is missing (ci/setup.sh) and builds the release and
#      guest presets;
#   2. serves the echo app as a hosted Linux process on a TAP device, and a
#      real client on the host side - Linux's ping and nc - talks to it;
#   3. boots the very same app as a guest image in QEMU (KVM when it can run
#      Tern images here, TCG otherwise; the log says which) on a virtio-net
#      NIC with a TAP backend, and the same clients talk to it;
#   4. serves files from a tar disk image with the tftpd app, hosted and as
#      a guest with a virtio-blk disk, fetched by curl over TFTP.
#
# Network safety: everything happens inside a network namespace this
# script creates (tern-demo-PID) and deletes on every exit path. Needs root.
# Exits 0 only if every step answered correctly.
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh
root=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "ci/demo.sh: needs root (network namespaces and TAP devices)" >&2
    exit 2
fi

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*"; exit 1; }

step "installing what is missing (ci/setup.sh)"
sh ci/setup.sh || fail "ci/setup.sh"

for preset in release guest; do
    step "building the $preset preset"
    build_preset "$preset" || fail "build of preset $preset"
done

echo_hosted=$root/build/release/apps/echo/echo
echo_guest=$root/build/guest/apps/echo/echo.elf
tftpd_hosted=$root/build/release/apps/tftpd/tftpd
tftpd_guest=$root/build/guest/apps/tftpd/tftpd.elf
export TERN_GUEST_BUILD=$root/build/guest/tests/guest
# shellcheck source=../tests/guest/lib.sh
. "$root/tests/guest/lib.sh"

ns=tern-demo-$$
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns" || fail "ip netns add $ns"
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up

# tap NAME ADDR/N: a TAP in the namespace with the kernel's side addressed.
tap() {
    nsx ip tuntap add dev "$1" mode tap &&
        nsx ip addr add "$2" dev "$1" &&
        nsx ip link set "$1" up
}

# wait_ready LOG PATTERN PID: waits up to 60 s for PATTERN in LOG.
wait_ready() {
    for _ in $(seq 600); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    cat "$1"
    return 1
}

# talk ADDR: Linux's ping and nc -u against the echo app at ADDR.
talk() {
    local addr=$1 msg reply
    echo "\$ ping -c 3 $addr"
    nsx ping -c 3 -W 2 "$addr" || return 1
    msg="hello from the host, $(date +%s%N)"
    echo "\$ echo '$msg' | nc -u -w 1 $addr 7"
    reply=$(echo "$msg" | nsx nc -u -w 1 "$addr" 7)
    echo "$reply"
    [ "$reply" = "$msg" ]
}

# serve NAME READY CMD...: starts a hosted app in the namespace and waits
# for its READY line (output in $tmp/NAME.log; its pid in served_pid).
serve() {
    local name=$1 ready=$2
    shift 2
    ip netns exec "$ns" "$@" > "$tmp/$name.log" 2>&1 & # exec: $! is the app
    served_pid=$!
    pids+=("$served_pid")
    wait_ready "$tmp/$name.log" "$ready" "$served_pid" || fail "$name never became ready"
    grep "$ready" "$tmp/$name.log"
}

# unserve NAME: SIGTERM to the app started by serve; it must print its
# report and exit 0.
unserve() {
    kill -TERM "$served_pid"
    wait "$served_pid" || fail "$1 exited with status $?"
    echo "--- $1's report on exit (non-zero counters):"
    grep -vE "^\[|ready" "$tmp/$1.log" | head -12
}

step "echo as a hosted process on TAP tdemo-h (10.200.1.2)"
tap tdemo-h 10.200.1.1/24 || fail "TAP tdemo-h"
serve echo-hosted "echo: ready" "$echo_hosted" --net tap:tdemo-h \
    --ip 10.200.1.2/24 --pcap "$tmp/hosted.pcap"
talk 10.200.1.2 || fail "the hosted echo app did not answer"
unserve echo-hosted

step "echo booted as a guest image in QEMU on TAP tdemo-g (10.200.2.2)"
bash "$root/tests/guest/accel.sh" > "$tmp/accel.log" 2>&1 || {
    cat "$tmp/accel.log"
    fail "no accelerator can run Tern images"
}
accel=$(guest_accel)
echo "accelerator: $accel ($(guest_accel_reason))"
tap tdemo-g 10.200.2.1/24 || fail "TAP tdemo-g"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"

# boot NAME IMAGE ADDR/N TAP READY [QEMU-ARGS...]: boots IMAGE in QEMU on a
# virtio-net NIC backed by TAP and waits for its READY line (console in
# $tmp/NAME.log).
boot() {
    local name=$1 image=$2 ip=$3 tapdev=$4 ready=$5
    shift 5
    # shellcheck disable=SC2046
    guest_start "$tmp/$name.log" $(guest_qemu_args "$accel" q35) \
        -kernel "$image" -append "--ip $ip" \
        -netdev "tap,id=n0,ifname=$tapdev,script=no,downscript=no" \
        -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= "$@"
    pids+=("$GUEST_PID")
    wait_ready "$tmp/$name.log" "$ready" "$GUEST_PID" || fail "$name never became ready"
    grep -E "guest: boot|$ready" "$tmp/$name.log" | tr -d '\r'
}

# halt NAME: types Ctrl-C on the guest's console (its stop request) and
# expects it to print its report and halt with status 0.
halt() {
    local rc
    guest_stop
    guest_wait 30
    rc=$?
    [ "$(guest_status $rc)" = 0 ] || fail "$1 ended with $(guest_status $rc)"
    echo "$1 stopped cleanly (status 0) after its report"
}

boot echo-guest "$echo_guest" 10.200.2.2/24 tdemo-g "echo: ready"
talk 10.200.2.2 || fail "the guest echo app did not answer"
halt echo-guest

step "tftpd serving a tar disk image, hosted (10.200.3.2) and as a guest (10.200.4.2)"
mkdir -p "$tmp/www/docs"
echo "Served by Tern from a tar image." > "$tmp/www/index.html"
head -c 3000000 /dev/urandom > "$tmp/www/docs/blob.bin"
tar cf "$tmp/site.img" -C "$tmp/www" .
echo "\$ tar cf site.img -C www .   ($(stat -c %s "$tmp/site.img") bytes)"
tap tdemo-t 10.200.3.1/24 || fail "TAP tdemo-t"
serve tftpd-hosted "tftpd: ready" "$tftpd_hosted" --net tap:tdemo-t \
    --ip 10.200.3.2/24 --disk "file:$tmp/site.img"

# fetch ADDR: curl both files over TFTP and compare them with the source.
fetch() {
    local addr=$1
    for f in index.html docs/blob.bin; do
        echo "\$ curl tftp://$addr/$f"
        nsx curl -s --max-time 60 --tftp-blksize 1428 -o "$tmp/got" "tftp://$addr/$f" ||
            return 1
        cmp "$tmp/got" "$tmp/www/$f" || return 1
        echo "  $(stat -c %s "$tmp/got") bytes, identical to the file in the image"
    done
}
fetch 10.200.3.2 || fail "hosted tftpd did not serve the files"
unserve tftpd-hosted

tap tdemo-u 10.200.4.1/24 || fail "TAP tdemo-u"
boot tftpd-guest "$tftpd_guest" 10.200.4.2/24 tdemo-u "tftpd: ready" \
    -drive "file=$tmp/site.img,format=raw,if=none,id=d0,readonly=on" \
    -device virtio-blk-pci,drive=d0,disable-legacy=on
fetch 10.200.4.2 || fail "the tftpd guest did not serve the files"
halt tftpd-guest

step "demo: every step answered (hosted and guest, $accel)"
