#!/bin/bash
# ci/demo.sh [--all] - Tern's main job, end to end, on a fresh Debian 12
# machine: the same web server built as an ordinary program and as a whole
# machine.
#
#   1. installs what is missing (ci/setup.sh) and builds the release and
#      guest presets;
#   2. makes a site and its disk (`tar cf site.img -C www .`);
#   3. serves it with the httpd app as a hosted Linux process on a TAP
#      device, and curl on the host side fetches every page (bytes checked);
#   4. boots the very same app as a guest image in QEMU (KVM when it can run
#      Tern images here, TCG otherwise; the log says which) with a virtio-net
#      NIC on a TAP and the site on a virtio-blk disk, and fetches the same
#      pages;
#   5. prints a table, hosted against guest: first-byte latency (median of
#      11 fresh curl connections) and requests/s of a 3 s wrk run (16
#      connections, a 1 KiB file).
#
#   --all  also the shorter steps: the echo app (ping, nc -u) and the tftpd
#          app (curl over TFTP), each hosted and as a guest.
#
# Network safety: everything happens inside a network namespace this
# script creates (tern-demo-PID) and deletes on every exit path. Needs root.
# Exits 0 only if every step answered correctly; 2 for a bad flag.
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh
root=$(pwd)

all=0
case "${1:-}" in
    "") ;;
    --all) all=1 ;;
    *)
        echo "usage: ci/demo.sh [--all]" >&2
        exit 2
        ;;
esac

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
httpd_hosted=$root/build/release/apps/httpd/httpd
httpd_guest=$root/build/guest/apps/httpd/httpd.elf
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

# pages ADDR: curl fetches every page of the site from ADDR; each must be
# the file's bytes.
pages() {
    local addr=$1 f
    for f in index.html about/ img/tern.bin; do
        echo "\$ curl http://$addr/$f"
        nsx curl -sf --max-time 60 -o "$tmp/got" "http://$addr/$f" || return 1
        case $f in */) cmp "$tmp/got" "$tmp/www/${f}index.html" ;; *) cmp "$tmp/got" "$tmp/www/$f" ;; esac || return 1
        echo "  $(stat -c %s "$tmp/got") bytes, identical to the file in the image"
    done
}

# measure ADDR: prints "FIRST-BYTE-MS REQUESTS/S": the median of 11
# first-byte times of a fresh curl connection for /index.html, and wrk's
# requests/s for 3 s with 16 connections on the 1 KiB file.
measure() {
    local addr=$1 fb rps
    fb=$(for _ in $(seq 11); do
        nsx curl -s --max-time 10 -o /dev/null -w '%{time_starttransfer}\n' "http://$addr/index.html"
    done | sort -n | sed -n 6p)
    rps=$(nsx timeout 30 wrk -t1 -c16 -d3s "http://$addr/1k.bin" 2>&1 |
        awk '/Socket errors|Non-2xx/ { bad = 1 } /^Requests\/sec/ { r = $2 } END { if (!bad) print r }')
    [ -n "$fb" ] && [ -n "$rps" ] || return 1
    awk -v fb="$fb" -v rps="$rps" 'BEGIN { printf "%.3f %.0f\n", fb * 1000, rps }'
}

step "making the site: tar cf site.img -C www ."
mkdir -p "$tmp/www/about" "$tmp/www/img"
echo "<h1>Served by Tern</h1>" > "$tmp/www/index.html"
echo "<p>One web server, built as a program and as a machine.</p>" > "$tmp/www/about/index.html"
head -c 1048576 /dev/urandom > "$tmp/www/img/tern.bin"
head -c 1024 /dev/urandom > "$tmp/www/1k.bin"
tar cf "$tmp/site.img" -C "$tmp/www" .
echo "site.img: $(stat -c %s "$tmp/site.img") bytes, $(find "$tmp/www" -type f | wc -l) files"

step "httpd as a hosted process on TAP tdemo-h (10.200.1.2)"
tap tdemo-h 10.200.1.1/24 || fail "TAP tdemo-h"
serve httpd-hosted "httpd: ready" "$httpd_hosted" --net tap:tdemo-h \
    --ip 10.200.1.2/24 --disk "file:$tmp/site.img" --log warn
pages 10.200.1.2 || fail "the hosted httpd did not serve the site"
hosted=$(measure 10.200.1.2) || fail "measuring the hosted httpd"
unserve httpd-hosted

step "the same httpd booted as a guest image in QEMU on TAP tdemo-g (10.200.2.2)"
bash "$root/tests/guest/accel.sh" > "$tmp/accel.log" 2>&1 || {
    cat "$tmp/accel.log"
    fail "no accelerator can run Tern images"
}
accel=$(guest_accel)
echo "accelerator: $accel ($(guest_accel_reason))"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"

tap tdemo-g 10.200.2.1/24 || fail "TAP tdemo-g"
# boot NAME IMAGE ADDR/N TAP READY [QEMU-ARGS...]: boots IMAGE in QEMU on a
# virtio-net NIC backed by TAP and waits for its READY line (console in
# $tmp/NAME.log). $boot_flags is added to the kernel command line.
boot_flags=""
boot() {
    local name=$1 image=$2 ip=$3 tapdev=$4 ready=$5
    shift 5
    # shellcheck disable=SC2046
    guest_start "$tmp/$name.log" $(guest_qemu_args "$accel" q35) \
        -kernel "$image" -append "--ip $ip $boot_flags" \
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

boot_flags="--log warn"
boot httpd-guest "$httpd_guest" 10.200.2.2/24 tdemo-g "httpd: ready" \
    -drive "file=$tmp/site.img,format=raw,if=none,id=d0,readonly=on" \
    -device virtio-blk-pci,drive=d0,disable-legacy=on
pages 10.200.2.2 || fail "the httpd guest did not serve the site"
guest=$(measure 10.200.2.2) || fail "measuring the httpd guest"
halt httpd-guest
boot_flags=""

step "httpd, hosted against guest ($accel)"
printf '%-8s %16s %12s\n' "" "first byte (ms)" "requests/s"
# shellcheck disable=SC2086 # two fields each
printf '%-8s %16s %12s\n' hosted $hosted guest $guest

if [ $all = 1 ]; then
    step "echo as a hosted process on TAP tdemo-e (10.200.5.2)"
    tap tdemo-e 10.200.5.1/24 || fail "TAP tdemo-e"
    serve echo-hosted "echo: ready" "$echo_hosted" --net tap:tdemo-e \
        --ip 10.200.5.2/24 --pcap "$tmp/hosted.pcap"
    talk 10.200.5.2 || fail "the hosted echo app did not answer"
    unserve echo-hosted

    step "echo booted as a guest image on TAP tdemo-f (10.200.6.2)"
    tap tdemo-f 10.200.6.1/24 || fail "TAP tdemo-f"
    boot echo-guest "$echo_guest" 10.200.6.2/24 tdemo-f "echo: ready"
    talk 10.200.6.2 || fail "the guest echo app did not answer"
    halt echo-guest

    step "tftpd serving a tar disk image, hosted (10.200.3.2) and as a guest (10.200.4.2)"
    tap tdemo-t 10.200.3.1/24 || fail "TAP tdemo-t"
    serve tftpd-hosted "tftpd: ready" "$tftpd_hosted" --net tap:tdemo-t \
        --ip 10.200.3.2/24 --disk "file:$tmp/site.img"

    # fetch ADDR: curl both files over TFTP and compare them with the source.
    fetch() {
        local addr=$1
        for f in index.html img/tern.bin; do
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

fi

step "demo: every step answered (hosted and guest, $accel)"
