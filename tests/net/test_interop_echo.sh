#!/bin/sh
# test_interop_echo.sh - the hosted echo app on a TAP inside a private
# network namespace, against Linux's own tools (label interop: needs root).
#
#   1. creates namespace ternecho-PID with a TAP (kernel side 10.77.0.1/24)
#      and starts `echo --net tap:... --ip 10.77.0.2/24 --pcap F`;
#   2. ping (3), a flood ping of 1,000 with no loss, a fragmented ping
#      (8,000 bytes), `nc -u` echo, UDP datagrams of many sizes (some
#      fragmented) from python, and a closed port answered by ICMP;
#   3. stops the app with SIGTERM: exit status 0 and the counter report;
#   4. reads the pcap with tshark: no malformed packet, no bad IPv4, UDP or
#      ICMP checksum - and proves the filter works by corrupting a copy of
#      the pcap (IP, UDP, ICMP) and seeing tshark flag each one.
# The namespace (and with it the TAP) is deleted on every path.
set -u
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

ECHO=${TERN_ECHO:-}
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "$ECHO" ] && [ -x "$ECHO" ] || skip "TERN_ECHO does not name the echo app"
[ "$(id -u)" -eq 0 ] || skip "needs root"
for tool in ip ping nc tshark; do
    command -v $tool >/dev/null 2>&1 || skip "$tool missing"
done
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

ns=ternecho-$$
tap=techo$$
tap=$(echo "$tap" | cut -c1-15)
work=$(mktemp -d /tmp/tern-echo.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$ns" || fail "ip netns add"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tap" mode tap || fail "tuntap add"
ip -n "$ns" addr add 10.77.0.1/24 dev "$tap"
ip -n "$ns" link set "$tap" up
inns() { ip netns exec "$ns" "$@"; }

# `ip netns exec` execs the app: $! is the app itself.
ip netns exec "$ns" "$ECHO" --net "tap:$tap" --ip 10.77.0.2/24 \
    --pcap "$work/echo.pcap" --seed 7 > "$work/echo.log" 2>&1 &
pid=$!
i=0
until grep -q "echo: ready" "$work/echo.log"; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$work/echo.log"; fail "no ready line in 10 s"; }
    kill -0 "$pid" 2>/dev/null || { cat "$work/echo.log"; fail "echo died"; }
    sleep 0.1
done
grep "echo: ready" "$work/echo.log"

# Ping, then a flood of 1,000 with no loss, then 8,000 bytes (fragments
# both ways).
inns ping -c 3 -W 2 10.77.0.2 > "$work/ping.log" || { cat "$work/ping.log"; fail "ping"; }
inns ping -f -c 1000 -W 2 10.77.0.2 > "$work/flood.log" 2>&1
grep -q "1000 packets transmitted, 1000 received, 0% packet loss" \
    "$work/flood.log" || { cat "$work/flood.log"; fail "flood ping lost packets"; }
grep "packets transmitted" "$work/flood.log"
inns ping -c 3 -W 2 -s 8000 10.77.0.2 > "$work/big.log" || { cat "$work/big.log"; fail "8000-byte ping"; }
echo "ping, flood ping (1000, no loss), 8000-byte ping: ok"

# nc -u: what goes out comes back.
got=$(echo "hello tern" | inns timeout 5 nc -u -w1 10.77.0.2 7)
[ "$got" = "hello tern" ] || fail "nc -u echo gave '$got'"
echo "nc -u echo: ok"

# Many sizes (1 .. 9000 bytes: fragmented both ways above 1472) and a
# closed port, which must be refused by ICMP port unreachable.
inns /usr/bin/python3 - <<'PY' || fail "python UDP checks"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for n in (1, 2, 100, 1472, 1473, 2000, 3000, 8000, 9000):
    msg = bytes((i * 7 + n) & 0xff for i in range(n))
    for attempt in range(3):
        s.sendto(msg, ("10.77.0.2", 7))
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        break
    else:
        sys.exit("no echo for %d bytes" % n)
    if data != msg or addr != ("10.77.0.2", 7):
        sys.exit("bad echo for %d bytes" % n)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect(("10.77.0.2", 9))
c.send(b"anyone?")
try:
    c.recv(100)
    sys.exit("closed port answered")
except ConnectionRefusedError:
    pass
print("udp sizes 1..9000 and closed port: ok")
PY

# Stop: exit status 0 and the report.
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || { cat "$work/echo.log"; fail "echo exited with $rc"; }
grep -q "datagrams echoed" "$work/echo.log" || fail "no report"
grep -q "net: counters" "$work/echo.log" || fail "no counters"
grep -E "^echo: |^net: " "$work/echo.log"

# The recording, checked by tshark.
filter='_ws.malformed || _ws.expert.severity == error || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"'
check() {
    tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y "$filter" 2>/dev/null | wc -l
}
total=$(tshark -r "$work/echo.pcap" 2>/dev/null | wc -l)
[ "$total" -ge 2000 ] || fail "only $total packets recorded"
bad=$(check "$work/echo.pcap")
[ "$bad" -eq 0 ] || {
    tshark -r "$work/echo.pcap" -o ip.check_checksum:TRUE \
        -o udp.check_checksum:TRUE -Y "$filter" 2>/dev/null | head
    fail "$bad malformed or bad-checksum packets"
}
echo "tshark: $total packets, none malformed, no bad checksums"
for what in ip udp icmp; do
    /usr/bin/python3 "$SRC/tests/net/pcap_corrupt.py" "$work/echo.pcap" \
        "$work/bad-$what.pcap" "$what" || fail "could not corrupt $what"
    n=$(check "$work/bad-$what.pcap")
    [ "$n" -ge 1 ] || fail "the tshark filter missed a corrupted $what packet"
done
echo "tshark filter flags corrupted IP, UDP and ICMP packets: ok"
echo "PASS"
