#!/bin/sh
# test_interop_tcp_echo.sh - the hosted echo app's TCP side (--tcp-port) on
# a TAP inside a private network namespace, against Linux's TCP and real
# clients (label interop: needs root).
#
#   1. creates namespace terntcp-PID with a TAP (kernel side 10.78.0.1/24)
#      and starts `echo --net tap:... --ip 10.78.0.2/24 --tcp-port 7`;
#   2. 100 MiB of random bytes through socat and back, and 100 MiB through
#      nc and back, each checked by SHA-256;
#   3. stops the app (SIGTERM: status 0, its TCP report), starts it again
#      recording a pcap, and from python: 16 connections at once, 2 MiB
#      each, every one echoed intact; a half-close (the peer's FIN) still
#      gets every byte back, then our FIN; a connection to a closed port is
#      refused (RST); a client that resets mid-stream leaves the server
#      serving; 1,000 short connections one after another;
#   4. reads the pcap with tshark: no malformed segment, no bad IPv4 or TCP
#      checksum - and proves the filter works by corrupting a copy.
# The namespace (and with it the TAP) is deleted on every path.
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

ECHO=${TERN_ECHO:-}
[ -n "$ECHO" ] && [ -x "$ECHO" ] || skip "TERN_ECHO does not name the echo app"
need_root ip socat nc tshark sha256sum
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

tap=$(tap_name ttcp)
work=$(mktemp -d /tmp/tern-tcpecho.XXXXXX)
tap_netns terntcp-$$ "$tap" 10.78.0.1/24

# start_echo LOG [FLAG...]: runs the echo app on the TAP with TCP on port
# 7 and waits for its ready line.
start_echo() {
    _log=$1
    shift
    # `ip netns exec` execs the app: $! is the app itself.
    ip netns exec "$ns" "$ECHO" --net "tap:$tap" --ip 10.78.0.2/24 \
        --tcp-port 7 --seed 11 "$@" > "$_log" 2>&1 &
    pid=$!
    await_ready "$_log" "echo: ready .* tcp=7" 10 echo
    grep "echo: ready" "$_log"
}

# through CLIENT...: sends $work/in through the client command (which must
# pass stdin to the server and the server's bytes to stdout), checks the
# SHA-256 of what came back.
through() {
    _t0=$(date +%s.%N)
    inns timeout 120 "$@" < "$work/in" > "$work/out" ||
        fail "$1 exited with $? ($(wc -c < "$work/out") bytes back)"
    _t1=$(date +%s.%N)
    [ "$(sha256sum < "$work/out")" = "$sum" ] ||
        fail "$1: the bytes that came back differ ($(wc -c < "$work/out") of $(wc -c < "$work/in"))"
    echo "$1: 100 MiB echoed, SHA-256 equal, $(echo "$_t0 $_t1" |
        awk '{ printf "%.1f MB/s each way", 104857600 / ($2 - $1) / 1e6 }')"
}

head -c 100M /dev/urandom > "$work/in"
sum=$(sha256sum < "$work/in")
start_echo "$work/bulk.log"
# socat: after stdin's EOF it shuts down its writing side and waits (up
# to -t seconds) for the echo's EOF. nc -N does the same.
through socat -t 60 -b 65536 - TCP:10.78.0.2:7
through nc -N 10.78.0.2 7
stop_app "$work/bulk.log" echo
grep "echo: tcp" "$work/bulk.log"
grep -q "2 connections served (2 ended by the peer" "$work/bulk.log" ||
    fail "the report does not show two clean connections"
rm -f "$work/in" "$work/out"

start_echo "$work/echo.log" --pcap "$work/echo.pcap"
inns timeout 120 /usr/bin/python3 - <<'PY' || fail "python TCP checks"
import socket, sys, threading, os

ADDR = ("10.78.0.2", 7)

def echo_once(seed, n, results):
    try:
        data = os.urandom(n)
        s = socket.create_connection(ADDR, timeout=30)
        got = bytearray()
        def reader():
            while True:
                b = s.recv(65536)
                if not b:
                    return
                got.extend(b)
        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(60)
        s.close()
        results[seed] = bytes(got) == data
    except Exception as e:
        print("connection", seed, "failed:", e)
        results[seed] = False

# 16 at once, 2 MiB each (the app serves 16 at a time).
results = {}
threads = [threading.Thread(target=echo_once, args=(k, 2 << 20, results))
           for k in range(16)]
for t in threads: t.start()
for t in threads: t.join(90)
bad = [k for k in range(16) if not results.get(k)]
if bad:
    sys.exit("concurrent connections not echoed intact: %s" % bad)
print("16 concurrent connections x 2 MiB: ok")

# Half-close: the server keeps sending after our FIN, then sends its own.
s = socket.create_connection(ADDR, timeout=10)
s.sendall(b"half-close " * 1000)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(65536)
    if not b: break
    got += b
s.close()
if got != b"half-close " * 1000:
    sys.exit("half-close: %d bytes back" % len(got))
print("half-close: every byte, then EOF: ok")

# A closed port is refused.
try:
    socket.create_connection(("10.78.0.2", 8), timeout=5)
    sys.exit("closed port accepted")
except ConnectionRefusedError:
    print("closed port refused: ok")

# A client that resets mid-stream (SO_LINGER 0) must not hurt the server.
import struct
s = socket.create_connection(ADDR, timeout=10)
s.sendall(os.urandom(100000))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
results = {}
echo_once(99, 4096, results)
if not results[99]:
    sys.exit("no echo after a client's reset")
print("reset mid-stream, then a new connection: ok")

# 1,000 short connections one after another (ports, TIME_WAIT, pools).
for k in range(1000):
    s = socket.create_connection(ADDR, timeout=10)
    msg = b"%d" % k
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(100)
        if not b: break
        got += b
    s.close()
    if got != msg:
        sys.exit("short connection %d: got %r" % (k, got))
print("1000 short connections: ok")
PY

stop_app "$work/echo.log" echo
grep -E "^echo: tcp|^net: " "$work/echo.log"
grep -q "1019 connections served (1018 ended by the peer, 1 by an error" \
    "$work/echo.log" || fail "the report does not count 1018 clean connections and 1 reset"

tshark_clean "$work/echo.pcap" "$TSHARK_BAD_TCP" 10000 ip tcp
echo "PASS"
