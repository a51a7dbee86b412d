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
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

ECHO=${TERN_ECHO:-}
[ -n "$ECHO" ] && [ -x "$ECHO" ] || skip "TERN_ECHO does not name the echo app"
need_root ip ping nc tshark
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

tap=$(tap_name techo)
work=$(mktemp -d /tmp/tern-echo.XXXXXX)
tap_netns ternecho-$$ "$tap" 10.77.0.1/24

# `ip netns exec` execs the app: $! is the app itself.
ip netns exec "$ns" "$ECHO" --net "tap:$tap" --ip 10.77.0.2/24 \
    --pcap "$work/echo.pcap" --seed 7 > "$work/echo.log" 2>&1 &
pid=$!
await_ready "$work/echo.log" "echo: ready" 10 echo
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
stop_app "$work/echo.log" echo
grep -q "datagrams echoed" "$work/echo.log" || fail "no report"
grep -q "net: counters" "$work/echo.log" || fail "no counters"
grep -E "^echo: |^net: " "$work/echo.log"

# The recording, checked by tshark.
filter="$TSHARK_BAD"' || icmp.checksum.status == "Bad"'
tshark_clean "$work/echo.pcap" "$filter" 2000 ip udp icmp
echo "PASS"
