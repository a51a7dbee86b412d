#!/bin/sh
# test_interop_tftpd.sh - the hosted tftpd app on a TAP inside a private
# network namespace, against curl and a Python client (label interop:
# needs root).
#
#   1. makes a tree (small, empty, exact multiple of 512, nested 1 MiB,
#      40 MiB) and a disk from it with `tar cf boot.img -C files .`;
#   2. creates namespace terntftp-PID with a TAP (kernel side 10.78.0.1/24)
#      and starts `tftpd --net tap:... --ip 10.78.0.2/24 --disk file:...
#      --pcap F`;
#   3. curl fetches every file (default 512-byte blocks, and
#      --tftp-blksize 1428), the 40 MiB one at 512 bytes too: 81,920
#      blocks, so the block number rolls over to 0; sha256 must match;
#      four curls at once; the Python client with windowsize 8; an ACK
#      from a stranger to a live transfer gets ERROR 5 and the transfer
#      completes;
#   4. refusals: a missing file (curl exit 68, TFTP error 1), ".." above
#      the root and a directory (exit 69, error 2), an upload (exit 69),
#      netascii (error 0), a malformed request (error 4);
#   5. SIGTERM: exit status 0 and the counter report;
#   6. tshark reads the pcap: TFTP dissected, no malformed packet, no
#      expert error, no bad IPv4 or UDP checksum.
# The namespace (and with it the TAP) and the work folder are deleted on
# every path.
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

TFTPD=${TERN_TFTPD:-}
[ -n "$TFTPD" ] && [ -x "$TFTPD" ] || skip "TERN_TFTPD does not name the tftpd app"
need_root ip curl tshark tar sha256sum
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"
CLIENT="/usr/bin/python3 $SRC/tests/apps/tftp_client.py"

tap=$(tap_name ttftp)
work=$(mktemp -d /tmp/tern-tftpd.XXXXXX)

# The tree and the disk.
f=$work/files
mkdir -p "$f/sub/dir"
printf 'hello from tern\n' > "$f/hello.txt"
: > "$f/empty"
head -c 4096 /dev/urandom > "$f/exact.bin"
head -c 1048576 /dev/urandom > "$f/sub/dir/nested.bin"
head -c 41943040 /dev/urandom > "$f/big.bin"
tar cf "$work/boot.img" -C "$f" . || fail "tar cf"

tap_netns terntftp-$$ "$tap" 10.78.0.1/24

# `ip netns exec` execs the app: $! is the app itself.
ip netns exec "$ns" "$TFTPD" --net "tap:$tap" --ip 10.78.0.2/24 \
    --disk "file:$work/boot.img" --pcap "$work/tftpd.pcap" --seed 7 \
    > "$work/tftpd.log" 2>&1 &
pid=$!
await_ready "$work/tftpd.log" "tftpd: ready" 10 tftpd
grep "tftpd: ready" "$work/tftpd.log"
grep -q "files=5 " "$work/tftpd.log" || fail "the ready line should count 5 files"

sum() { sha256sum "$1" | cut -d' ' -f1; }
same() { [ "$(sum "$1")" = "$(sum "$2")" ] || fail "$3: bytes differ"; }
url=tftp://10.78.0.2

# Every file with curl, at 512 and 1428-byte blocks.
for name in hello.txt empty exact.bin sub/dir/nested.bin; do
    for bs in 512 1428; do
        rm -f "$work/out"
        inns curl -s --max-time 30 --tftp-blksize $bs -o "$work/out" \
            "$url/$name" || fail "curl $name (blksize $bs): exit $?"
        same "$work/out" "$f/$name" "curl $name (blksize $bs)"
    done
done
echo "curl: 4 files at blksize 512 and 1428: ok"

# 40 MiB at 512 bytes: 81,920 blocks, the block number rolls over.
for bs in 512 1428; do
    t0=$(date +%s%N)
    inns curl -s --max-time 120 --tftp-blksize $bs -o "$work/out" \
        "$url/big.bin" || fail "curl big.bin (blksize $bs): exit $?"
    t1=$(date +%s%N)
    same "$work/out" "$f/big.bin" "curl big.bin (blksize $bs)"
    echo "curl: big.bin (40 MiB) at blksize $bs: ok," \
        "$(awk "BEGIN { printf \"%.1f\", 41943040 * 1000 / ($t1 - $t0) }") MB/s"
done

# Four at once.
pids=""
for k in 1 2 3 4; do
    inns curl -s --max-time 30 --tftp-blksize 1428 -o "$work/par$k" \
        "$url/sub/dir/nested.bin" &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a parallel curl failed"; done
for k in 1 2 3 4; do same "$work/par$k" "$f/sub/dir/nested.bin" "parallel $k"; done
echo "curl: 4 transfers at once: ok"

# windowsize (curl has no option for it): the Python client.
inns $CLIENT get 10.78.0.2 big.bin "$work/out" --blksize 1428 \
    --windowsize 8 || fail "windowsize 8 transfer"
same "$work/out" "$f/big.bin" "windowsize 8"
inns $CLIENT tid 10.78.0.2 sub/dir/nested.bin || fail "unknown TID check"

# Refusals.
expect_curl() { # WANT-EXIT DESCRIPTION curl-args...
    want=$1 what=$2
    shift 2
    inns curl -s --max-time 10 -o "$work/out" "$@"
    rc=$?
    [ $rc -eq "$want" ] || fail "$what: curl exit $rc, want $want"
}
expect_curl 68 "missing file" "$url/no/such/file"
expect_curl 69 "'..' above the root" --path-as-is "$url/../hello.txt"
expect_curl 69 "a directory" "$url/sub"
echo upload > "$work/up"
expect_curl 69 "an upload" -T "$work/up" "$url/up"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
r=$(inns $CLIENT raw 10.78.0.2 "0001$(hex hello.txt)00$(hex netascii)00")
[ "$r" = "reply op=5 code=0" ] || fail "netascii: $r"
r=$(inns $CLIENT raw 10.78.0.2 000168656c6c6f)
[ "$r" = "reply op=5 code=4" ] || fail "malformed request: $r"
echo "refusals (missing, .., directory, upload, netascii, malformed): ok"

# Stop: exit status 0 and the report.
stop_app "$work/tftpd.log" tftpd
grep -q "tftpd: counters" "$work/tftpd.log" || fail "no report"
grep -q "net: counters" "$work/tftpd.log" || fail "no stack counters"
grep -E "^tftpd: " "$work/tftpd.log"
for c in req_not_found=1 req_escape=1 req_not_file=1 wrq_refused=1 \
         req_netascii=1 req_malformed=1 unknown_tid=1; do
    grep -q " $c" "$work/tftpd.log" || fail "counter $c missing from the report"
done

# The recording, checked by tshark. Everything tftpd sent must be clean;
# of what Linux sent, only the request malformed on purpose above may be
# flagged (tshark calls it a malformed Read Request: good).
filter="($TSHARK_BAD)"
check() { tshark_show "$work/tftpd.pcap" "$1"; } # DISPLAY-FILTER
total=$(tshark -r "$work/tftpd.pcap" 2>/dev/null | wc -l)
tftp=$(check tftp.opcode | wc -l)
[ "$tftp" -ge 100000 ] || fail "only $tftp TFTP packets dissected (of $total)"
bad=$(check "$filter && ip.src == 10.78.0.2" | wc -l)
[ "$bad" -eq 0 ] || {
    check "$filter && ip.src == 10.78.0.2" | head
    fail "$bad malformed, expert-error or bad-checksum packets from tftpd"
}
theirs=$(check "$filter && !(ip.src == 10.78.0.2)")
n=$(printf '%s\n' "$theirs" | grep -c .)
[ "$n" -eq 1 ] && printf '%s\n' "$theirs" | grep -q "Read Request" || {
    printf '%s\n' "$theirs" | head
    fail "$n flagged packets from Linux, want only the crafted request"
}
# The filter is not blind: it caught that crafted request, and it catches
# a corrupted UDP checksum of ours.
filter_not_blind "$work/tftpd.pcap" 'udp.checksum.status == "Bad"' udp
echo "tshark: $total packets, $tftp TFTP, none from tftpd malformed or with a bad checksum"
echo "PASS"
