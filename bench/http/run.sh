#!/bin/bash
# bench/http/run.sh [--quick] - HTTP/1.1 static files as Debian's wrk sees
# them, the httpd app against nginx in the same run; JSON to
# build/bench/http.json.
#
# The site is index.html, a 1 KiB and a 1 MiB file of random bytes: a tar
# image for Tern, the same directory for nginx. Targets, one at a time:
#
#   tern_hosted         apps/httpd as a hosted process on a TAP in a
#                       namespace this script creates; wrk and curl run in
#                       that namespace (the TAP has TSO and checksum
#                       offload both ways, hosted/net/tap.c);
#   tern_hosted_copied  the same with --copy-sends: bodies copied into a
#                       buffer, then into the send ring (two copies, where
#                       tern_hosted borrows the cache's blocks: one);
#   nginx_offloads_on   Debian's nginx (worker_processes 1, access_log off,
#                       sendfile on, keepalive_requests 1000000; the whole
#                       config goes into the JSON) in a second namespace,
#                       wrk in a third, over a veth pair with its default
#                       offloads (TSO/GSO/GRO, checksum offload);
#   nginx_offloads_off  the same after ethtool -K ... tso off gso off gro
#                       off tx off rx off sg off on both ends: the
#                       like-for-like baseline of a TAP;
#   tern_guest          the httpd guest image under QEMU (KVM if
#                       tests/guest/accel.sh's probe says it runs Tern
#                       images here, else TCG; the JSON says which and
#                       why) on a TAP, the tar image on virtio-blk.
#
# Each target first serves every file once, checked with cmp (this also
# warms its cache). Then per file: `wrk -t2 -c64 -d SECS --timeout 10s
# --latency` `runs` times; the row keeps the median requests/s and the
# median p99 (wrk's Latency Distribution 99% line, in ms). wrk's default
# 2 s --timeout would drop the TCG guest's slower 1 MiB responses from the
# histogram and count them as errors, so every target gets 10 s. Any
# socket error or non-2xx/3xx response fails the row. First byte: the
# median of 20 `curl -w %{time_starttransfer}` of the 1 KiB file, each a
# new process and so a new connection (it includes the connect).
#
# Tern runs with --log warn (no line per request), as nginx has access_log
# off, and --max-conns 128 (nginx: worker_connections 1024). At the default
# 64, exactly wrk's -c64, the next run's connections got 503s: when wrk
# exits in the middle of 1 MiB responses, the kernel answers each
# segment of the app's burst with an RST, the TAP's 1000-frame queue
# toward the app drops most of them, and the app's slots stay busy until
# a retransmission timeout draws an RST that gets through (~200 ms).
# The ratios are tern_hosted / nginx req/s for each file and each offload
# setting, and tern_hosted / tern_hosted_copied (one copy against two).
#
# 3 runs of 5 s per file; --quick: 1 run of 2 s. The guest gets the same
# time even under TCG: there its 1 MiB responses take 1.5-2 s each, so a
# shorter run would time one round of 64.
#
# Images: build/release/apps/httpd/httpd and build/guest/apps/httpd/
# httpd.elf (and the guest tests' probe, build/guest/tests/guest);
# TERN_BENCH_RELEASE_DIR and TERN_BENCH_GUEST_DIR replace build/release and
# build/guest. This script builds nothing (ci/bench.sh does).
#
# Network safety: traffic only inside the namespaces this script creates
# (names with its pid), deleted on every exit path; every command has a
# time limit. Needs root. The JSON is always written and checked by
# parsing it; a row that failed carries a "failure" field and the script
# exits non-zero.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)

runs=3 secs=5 quick=false
if [ "${1:-}" = "--quick" ]; then
    runs=1 secs=2 quick=true
fi
fetches=20
life=1800 # the longest any server may live, in seconds
out=build/bench
mkdir -p "$out"
release=${TERN_BENCH_RELEASE_DIR:-build/release}
guestdir=${TERN_BENCH_GUEST_DIR:-build/guest}
case $release in /*) ;; *) release=$root/$release ;; esac
case $guestdir in /*) ;; *) guestdir=$root/$guestdir ;; esac
httpd_hosted=$release/apps/httpd/httpd
httpd_guest=$guestdir/apps/httpd/httpd.elf
py=/usr/bin/python3

tmp=$(mktemp -d /tmp/tern-bench-http.XXXXXX)
res=$tmp/results.tsv
: > "$res"
ns_t=tern-bhttp-t-$$ ns_a=tern-bhttp-a-$$ ns_b=tern-bhttp-b-$$
tap_h=tbhh$$ tap_g=tbhg$$ veth_a=vbha$$ veth_b=vbhb$$
hpid="" npid="" GUEST_PID="" json_done=false early=""
failed=0

# meta KEY VALUE: a JSON field, "a.b" for field b of object a (tabs and
# newlines flattened to spaces; report.py).
meta() { printf 'meta\t%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\t\n' '  ')" >> "$res"; }

# write_json: report.py builds and checks the JSON and prints the table.
write_json() {
    json_done=true
    meta host.loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
    [ -n "$early" ] && meta failure "$early"
    timeout 60 "$py" bench/http/report.py "$res" "$out/http.json" || failed=1
    echo "bench/http: JSON in $out/http.json"
}

# stop_pid PID: SIGTERM, then up to 20 s for it to end, then SIGKILL;
# returns its exit status.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 200); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [ -n "$hpid" ] && stop_pid "$hpid" 2>/dev/null
    [ -n "$npid" ] && stop_pid "$npid" 2>/dev/null
    [ -n "$GUEST_PID" ] && stop_pid "$GUEST_PID" 2>/dev/null
    for n in "$ns_t" "$ns_a" "$ns_b"; do timeout 10 ip netns del "$n" 2>/dev/null; done
    if ! $json_done; then
        [ -n "$early" ] || early="interrupted before the end"
        write_json
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# die MESSAGE: the JSON says MESSAGE at the top level; exits 1.
die() {
    echo "bench/http: $1"
    early=$1
    exit 1
}

meta quick "$quick"
meta runs "$runs"
meta seconds "$secs"
meta first_byte_samples "$fetches"
meta method.wrk "wrk -t2 -c64 -d SECS --timeout 10s --latency URL"
meta method.first_byte "median of curl -s -o /dev/null -w %{time_starttransfer} of the 1 KiB file, one connection each"
meta method.tern_args "--log warn --max-conns 128 (no line per request, as nginx has access_log off; room for the previous run's dying connections, as nginx has worker_connections 1024)"
meta host.nproc "$(nproc)"
meta host.loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"

for tool in ip wrk nginx curl ethtool tar cmp timeout qemu-system-x86_64 "$py"; do
    command -v "$tool" > /dev/null || die "$tool missing (ci/setup.sh)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, TAPs, veth)"
[ -x "$httpd_hosted" ] || die "no $httpd_hosted (build the release preset)"

# nsx NS CMD...: CMD in namespace NS (callers put a timeout in CMD).
nsx() {
    local n=$1
    shift
    ip netns exec "$n" "$@"
}
ipt() { timeout 10 ip "$@"; }

# target_fail TARGET MESSAGE: failed rows for both files and first byte.
target_fail() {
    echo "bench/http: $1: FAILED: $2"
    {
        printf 'row\t%s\t1k.bin\t\t\t0\t0\t%s\n' "$1" "$2"
        printf 'row\t%s\t1m.bin\t\t\t0\t0\t%s\n' "$1" "$2"
        printf 'fb\t%s\t\t%s\n' "$1" "$2"
    } >> "$res"
}

# wait_log FILE REGEX PID SECONDS: waits for REGEX in FILE while PID lives.
wait_log() {
    local end=$((SECONDS + $4))
    while [ "$SECONDS" -lt "$end" ]; do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    grep -qE "$2" "$1" 2>/dev/null
}

# bench_target TARGET NS URL SECS: the cmp check, the wrk rows of both
# files and the first-byte samples of one server.
bench_target() {
    local target=$1 n=$2 url=$3 s=$4 f i rc line rps p99 e reqs
    local rpss p99s errs nreq fail ms t code
    for f in index.html 1k.bin 1m.bin; do
        if ! nsx "$n" timeout 70 curl -s --max-time 60 -o "$tmp/got" "$url/$f" ||
           ! cmp -s "$tmp/got" "$tmp/www/$f"; then
            target_fail "$target" "GET $url/$f did not return the file's bytes"
            return
        fi
    done
    for f in 1k.bin 1m.bin; do
        rpss="" p99s="" errs=0 nreq=0 fail=""
        for i in $(seq "$runs"); do
            nsx "$n" timeout $((s + 30)) wrk -t2 -c64 -d "${s}s" --timeout 10s \
                --latency "$url/$f" > "$tmp/wrk.txt" 2>&1
            rc=$?
            if [ "$rc" -ne 0 ]; then
                fail="wrk run $i exited $rc: $(tail -n1 "$tmp/wrk.txt")"
                break
            fi
            if ! line=$("$py" bench/http/wrk_parse.py "$tmp/wrk.txt" 2>&1); then
                fail="wrk run $i: $line"
                break
            fi
            read -r rps p99 e reqs <<< "$line"
            echo "$target $f run $i: $rps req/s, p99 $p99 ms, $e errors, $reqs requests"
            rpss=$rpss${rpss:+,}$rps p99s=$p99s${p99s:+,}$p99
            errs=$((errs + e)) nreq=$((nreq + reqs))
        done
        [ -n "$fail" ] && echo "$target $f: FAILED: $fail"
        printf 'row\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$f" "$rpss" \
            "$p99s" "$errs" "$nreq" "$fail" >> "$res"
    done
    ms="" fail=""
    for i in $(seq "$fetches"); do
        if ! line=$(nsx "$n" timeout 15 curl -s --max-time 10 -o /dev/null \
                -w '%{time_starttransfer} %{http_code}' "$url/1k.bin"); then
            fail="curl $i of $fetches failed"
            break
        fi
        read -r t code <<< "$line"
        [ "$code" = 200 ] || { fail="curl $i of $fetches: HTTP $code"; break; }
        ms=$ms${ms:+,}$(awk -v t="$t" 'BEGIN { printf "%.3f", t * 1000 }')
    done
    echo "$target first byte (ms): $ms${fail:+ FAILED: $fail}"
    printf 'fb\t%s\t%s\t%s\n' "$target" "$ms" "$fail" >> "$res"
}

# server_report TARGET LOG: the counters the server printed on its way out.
server_report() {
    sed -n '/counters (non-zero)/,$p' "$2" | tr -d '\r' | grep -E '^(httpd|net):' |
        while IFS= read -r line; do printf 'report\t%s\t%s\n' "$1" "$line"; done >> "$res"
}

# ---- The site: the same bytes as a directory and as a tar image. The
# temp folder is opened up so that nginx's worker (nobody) can read it.
chmod 755 "$tmp"
mkdir -p "$tmp/www" "$tmp/nginx"
echo "<!doctype html><title>Tern</title><p>Served by Tern.</p>" > "$tmp/www/index.html"
head -c 1024 /dev/urandom > "$tmp/www/1k.bin"
head -c 1048576 /dev/urandom > "$tmp/www/1m.bin"
chmod 644 "$tmp/www"/*
timeout 60 tar cf "$tmp/site.img" -C "$tmp/www" . || die "tar cf failed"
meta method.site "index.html $(stat -c %s "$tmp/www/index.html") B, 1k.bin 1024 B, 1m.bin 1048576 B (random bytes); tar image $(stat -c %s "$tmp/site.img") B"

# ---- tern_hosted: a TAP in ns_t, kernel 10.84.0.1, httpd 10.84.0.2.
ipt netns add "$ns_t" || die "ip netns add failed"
ipt -n "$ns_t" link set lo up
ipt -n "$ns_t" tuntap add dev "$tap_h" mode tap || die "TAP $tap_h"
ipt -n "$ns_t" addr add 10.84.0.1/24 dev "$tap_h"
ipt -n "$ns_t" link set "$tap_h" up
# run_hosted TARGET [FLAG...]: httpd with FLAGs on the TAP, benchmarked
# as TARGET, then stopped with SIGTERM.
run_hosted() {
    local target=$1 rc
    shift
    echo "=== $target: $httpd_hosted $* on TAP $tap_h in $ns_t"
    meta "targets.$target" "$httpd_hosted --net tap:$tap_h --ip 10.84.0.2/24 --disk file:site.img --log warn --max-conns 128 $*; wrk and curl in the same namespace"
    # timeout passes SIGTERM on to httpd and exits with its status.
    timeout "$life" ip netns exec "$ns_t" "$httpd_hosted" --net "tap:$tap_h" \
        --ip 10.84.0.2/24 --disk "file:$tmp/site.img" --log warn \
        --max-conns 128 "$@" > "$tmp/hosted.log" 2>&1 &
    hpid=$!
    if wait_log "$tmp/hosted.log" "httpd: ready ip=10.84.0.2/24 port=80 files=3" "$hpid" 30; then
        bench_target "$target" "$ns_t" http://10.84.0.2 "$secs"
    else
        tail -n5 "$tmp/hosted.log"
        target_fail "$target" "httpd never printed its ready line (files=3)"
    fi
    stop_pid "$hpid"
    rc=$?
    hpid=""
    server_report "$target" "$tmp/hosted.log"
    if [ "$rc" -eq 0 ]; then
        printf 'stop\t%s\texit 0 after SIGTERM\t\n' "$target" >> "$res"
    else
        printf 'stop\t%s\texit %s after SIGTERM\tnot exit 0\n' "$target" "$rc" >> "$res"
    fi
}
run_hosted tern_hosted
run_hosted tern_hosted_copied --copy-sends

# ---- nginx: veth between ns_a (wrk, 10.85.0.1) and ns_b (nginx, 10.85.0.2).
{ ipt netns add "$ns_a" && ipt netns add "$ns_b"; } || die "ip netns add failed"
ipt link add "$veth_a" netns "$ns_a" type veth peer name "$veth_b" netns "$ns_b" ||
    die "veth pair"
ipt -n "$ns_a" addr add 10.85.0.1/24 dev "$veth_a"
ipt -n "$ns_b" addr add 10.85.0.2/24 dev "$veth_b"
for side in "$ns_a $veth_a" "$ns_b $veth_b"; do
    read -r n dev <<< "$side"
    ipt -n "$n" link set lo up
    ipt -n "$n" link set "$dev" up
done
# Every path nginx writes (pid, error log, temp folders) is under $tmp.
ng=$tmp/nginx
cat > "$ng/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path $ng/body;
    proxy_temp_path $ng/proxy;
    fastcgi_temp_path $ng/fastcgi;
    uwsgi_temp_path $ng/uwsgi;
    scgi_temp_path $ng/scgi;
    types { text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    server {
        listen 10.85.0.2:80;
        root $tmp/www;
    }
}
EOF
sed "s|$tmp|TMP|g" "$ng/nginx.conf" > "$tmp/nginx.conf.json"
printf 'metafile\tnginx.config\t%s\n' "$tmp/nginx.conf.json" >> "$res"
meta nginx.version "$(nginx -v 2>&1)"
meta targets.nginx_offloads_on "nginx (see nginx) over a veth pair with its default offloads"
meta targets.nginx_offloads_off "the same nginx after ethtool -K tso off gso off gro off tx off rx off sg off on both veth ends"
meta nginx.command "nginx -p TMP/nginx -e TMP/nginx/error.log -c TMP/nginx/nginx.conf in one namespace, wrk and curl in another, over a veth pair"
echo "=== nginx on veth $veth_b in $ns_b ($(nginx -v 2>&1))"
timeout "$life" ip netns exec "$ns_b" nginx -p "$ng" -e "$ng/error.log" \
    -c "$ng/nginx.conf" > "$tmp/nginx.log" 2>&1 &
npid=$!
# offloads: the state of the client end's offloads, for the JSON.
offloads() {
    nsx "$ns_a" timeout 10 ethtool -k "$veth_a" |
        grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming|rx-checksumming|scatter-gather):' |
        sed 's/ *\[fixed\]//' | paste -sd, | sed 's/,/, /g'
}
nginx_up=false
for _ in $(seq 100); do
    kill -0 "$npid" 2>/dev/null || break
    if nsx "$ns_a" timeout 5 curl -s --max-time 2 -o /dev/null http://10.85.0.2/index.html; then
        nginx_up=true
        break
    fi
    sleep 0.1
done
if $nginx_up; then
    meta nginx.offloads_on "$(offloads)"
    echo "--- default offloads: $(offloads)"
    bench_target nginx_offloads_on "$ns_a" http://10.85.0.2 "$secs"
    off_ok=true
    for side in "$ns_a $veth_a" "$ns_b $veth_b"; do
        read -r n dev <<< "$side"
        nsx "$n" timeout 10 ethtool -K "$dev" tso off gso off gro off tx off rx off sg off \
            > /dev/null 2>&1 || off_ok=false
    done
    if $off_ok; then
        meta nginx.offloads_off "$(offloads)"
        echo "--- offloads off: $(offloads)"
        bench_target nginx_offloads_off "$ns_a" http://10.85.0.2 "$secs"
    else
        target_fail nginx_offloads_off "ethtool -K ... off failed"
    fi
else
    cat "$tmp/nginx.log" "$ng/error.log" 2>/dev/null | tail -n5
    target_fail nginx_offloads_on "nginx never answered"
    target_fail nginx_offloads_off "nginx never answered"
fi
stop_pid "$npid"
rc=$?
npid=""
if [ "$rc" -eq 0 ]; then
    printf 'stop\tnginx\texit 0 after SIGTERM\t\n' >> "$res"
else
    printf 'stop\tnginx\texit %s after SIGTERM\tnot exit 0\n' "$rc" >> "$res"
fi
[ -s "$ng/error.log" ] && meta nginx.error_log "$(tail -n5 "$ng/error.log")"

# ---- tern_guest: the image under QEMU on a second TAP in ns_t (kernel
# 10.84.1.1, guest 10.84.1.2), the tar image on virtio-blk. The
# accelerator is the guest tests' own probe (tests/guest/accel.sh).
echo "=== tern_guest: $httpd_guest"
export TERN_GUEST_BUILD=$guestdir/tests/guest
# shellcheck source=SCRIPTDIR/../../tests/guest/lib.sh
. tests/guest/lib.sh
if why=$(guest_kvm_usable); then
    meta guest.kvm "/dev/kvm usable; the probe decides"
else
    meta guest.kvm "unavailable: $why"
fi
if [ ! -f "$httpd_guest" ]; then
    target_fail tern_guest "no $httpd_guest (build the guest preset)"
    printf 'stop\ttern_guest\tnot started\t\n' >> "$res"
elif ! timeout 300 bash tests/guest/accel.sh > "$tmp/accel.log" 2>&1; then
    cat "$tmp/accel.log"
    target_fail tern_guest "no accelerator runs Tern images (tests/guest/accel.sh failed)"
    printf 'stop\ttern_guest\tnot started\t\n' >> "$res"
else
    accel=$(guest_accel)
    meta guest.accel "$accel"
    meta guest.accel_why "$(guest_accel_reason)"
    echo "--- accelerator $accel ($(guest_accel_reason))"
    ipt -n "$ns_t" tuntap add dev "$tap_g" mode tap || die "TAP $tap_g"
    ipt -n "$ns_t" addr add 10.84.1.1/24 dev "$tap_g"
    ipt -n "$ns_t" link set "$tap_g" up
    # timeout passes SIGTERM on to QEMU and exits with QEMU's status, so
    # lib.sh's guest_wait and guest_status read it as they read QEMU's.
    GUEST_WRAP=(timeout "$life" ip netns exec "$ns_t")
    guest_console_fifo "$tmp"
    # shellcheck disable=SC2046
    guest_start "$tmp/guest.log" $(guest_qemu_args "$accel" q35) \
        -kernel "$httpd_guest" -append "--ip 10.84.1.2/24 --log warn --max-conns 128" \
        -netdev "tap,id=n0,ifname=$tap_g,script=no,downscript=no" \
        -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
        -drive "file=$tmp/site.img,format=raw,if=none,id=d0,readonly=on" \
        -device virtio-blk-pci,drive=d0,disable-legacy=on
    meta targets.tern_guest "qemu-system-x86_64 $(guest_qemu_args "$accel" q35) -kernel httpd.elf -append '--ip 10.84.1.2/24 --log warn --max-conns 128', virtio-net on TAP $tap_g, virtio-blk of site.img; wrk and curl in the TAP's namespace"
    if guest_await "$tmp/guest.log" "httpd: ready ip=10.84.1.2/24 port=80 files=3" 120; then
        bench_target tern_guest "$ns_t" http://10.84.1.2 "$secs"
    else
        tr -d '\r' < "$tmp/guest.log" | tail -n5
        target_fail tern_guest "the guest never printed its ready line (files=3)"
    fi
    guest_stop
    guest_wait 30
    rc=$?
    GUEST_PID=""
    status=$(guest_status "$rc")
    server_report tern_guest "$tmp/guest.log"
    if [ "$status" = 0 ]; then
        printf 'stop\ttern_guest\thalted with status 0 after Ctrl-C\t\n' >> "$res"
    else
        printf 'stop\ttern_guest\tQEMU exit %s\tguest status %s\n' "$rc" "$status" >> "$res"
    fi
fi

echo "=== results"
write_json
exit $failed
