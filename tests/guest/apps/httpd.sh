#!/bin/bash
# apps/httpd.sh HTTPD-ELF - the httpd app as a guest: its site is a tar
# image on a read-only virtio-blk disk, and Linux's curl, wrk and ab fetch
# it over a TAP inside a network namespace this test creates (kernel
# 10.85.0.1, guest 10.85.0.2).
#
#   1. makes a site (index.html, a 1 KiB and a 2 MiB file of random bytes,
#      d/index.html) and the disk with `tar cf`; boots the guest;
#   2. curl: every file by GET (bytes compared), HEAD, Range (206, the
#      right bytes), If-None-Match (304), the directory redirect (301),
#      404, and three URLs on one keep-alive connection;
#   3. wrk for 3 s with 16 connections and ab -k: no errors;
#   4. Ctrl-C on the console: the guest prints its report (requests
#      counted, no send or file errors, the cache without read errors) and
#      halts with status 0.
#
# Network safety: everything lives in the namespace (unique name with this
# shell's pid), deleted on every exit path; needs root.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

image=$1
guest_netns_test

site=$tmp/site
mkdir -p "$site/d"
echo "<h1>Tern httpd as a guest</h1>" > "$site/index.html"
head -c 1024 /dev/urandom > "$site/1k.bin"
head -c 2097152 /dev/urandom > "$site/big.bin"
echo "the index of d" > "$site/d/index.html"
tar cf "$tmp/site.img" -C "$site" . || exit 1

guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "htg$uid" 10.85.0.1/24 0 || exit 1
nsx() { ip netns exec "$ns" "$@"; }
url=http://10.85.0.2

accel=$(guest_accel)
echo "guest: httpd with a TAP in netns $ns and a tar disk on $(guest_machine q35), $accel ($(guest_accel_reason))"
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
# shellcheck disable=SC2046
guest_start "$tmp/console.log" \
    $(guest_qemu_args "$accel" q35) -kernel "$(guest_image "$image")" \
    -append "--ip 10.85.0.2/24" "${GUEST_NET[@]}" \
    -drive "file=$tmp/site.img,format=raw,if=none,id=d0,readonly=on" \
    -device "$(guest_dev blk),drive=d0"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# code WANT ARGS...: curl ARGS must get status WANT.
code() {
    local want=$1 got
    shift
    got=$(nsx curl -s --max-time 60 -o /dev/null -w '%{http_code}' "$@")
    [ "$got" = "$want" ] && echo "--- curl $*: $got" || bad "curl $*: $got, wanted $want"
}
if ! guest_await "$tmp/console.log" "httpd: ready .*files=4" 60; then
    bad "the guest never became ready (or did not count 4 files)"
fi
if [ $fail = 0 ]; then
    for f in index.html 1k.bin big.bin d/index.html; do
        rm -f "$tmp/got"
        if nsx curl -sf --max-time 100 -o "$tmp/got" "$url/$f" &&
            cmp -s "$tmp/got" "$site/$f"; then
            echo "--- GET /$f: $(stat -c %s "$tmp/got") bytes, identical"
        else
            bad "GET /$f: curl failed or bytes differ"
        fi
    done
    nsx curl -sfI --max-time 30 "$url/big.bin" | tr -d '\r' > "$tmp/head"
    grep -qx "Content-Length: 2097152" "$tmp/head" || bad "HEAD: no Content-Length 2097152"
    etag=$(sed -n 's/^ETag: //p' "$tmp/head")
    nsx curl -sf --max-time 30 -r 4096-8191 -o "$tmp/got" "$url/big.bin" &&
        dd if="$site/big.bin" bs=4096 skip=1 count=1 2>/dev/null | cmp -s - "$tmp/got" ||
        bad "Range 4096-8191: wrong bytes"
    code 206 -r 0-9 "$url/1k.bin"
    code 304 -H "If-None-Match: $etag" "$url/big.bin"
    code 301 "$url/d"
    code 404 "$url/missing"
    nsx curl -sv --max-time 60 -o /dev/null -o /dev/null -o /dev/null \
        "$url/" "$url/1k.bin" "$url/d/" 2> "$tmp/ka"
    [ "$(grep -c "Re-using existing connection" "$tmp/ka")" = 2 ] ||
        bad "keep-alive: curl did not reuse the connection twice"
    nsx timeout 30 wrk -t1 -c16 -d3s "$url/1k.bin" > "$tmp/wrk" 2>&1 || bad "wrk exited with $?"
    grep -qE "Socket errors|Non-2xx" "$tmp/wrk" && bad "wrk saw errors: $(cat "$tmp/wrk")"
    echo "--- wrk -c16 -d3s: $(grep Requests/sec "$tmp/wrk")"
    nsx timeout 60 ab -k -q -n 1000 -c 8 "$url/1k.bin" > "$tmp/ab" 2>&1 || bad "ab exited with $?"
    grep -q "^Failed requests: *0$" "$tmp/ab" || bad "ab: failed requests: $(cat "$tmp/ab")"
    echo "--- ab -k -n 1000 -c 8: $(grep "Requests per second" "$tmp/ab" | tr -s ' ')"
fi
guest_stop_clean "$tmp/console.log" || fail=1
tr -d '\r' < "$tmp/console.log" | grep "^httpd:" | grep -v ready
tr -d '\r' < "$tmp/console.log" | grep -qE "^httpd: .*requests=[1-9]" || bad "the report counts no requests"
tr -d '\r' < "$tmp/console.log" | grep -qE "send_error|file_error" && bad "the report shows send or file errors"
tr -d '\r' < "$tmp/console.log" | grep -qE "httpd: cache .* read_errors=0" || bad "the cache report is missing or shows read errors"
exit $fail
