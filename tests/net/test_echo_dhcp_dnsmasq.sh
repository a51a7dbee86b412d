#!/bin/sh
# test_echo_dhcp_dnsmasq.sh - `echo --dhcp` gets its address from dnsmasq
# (label interop: needs root).
#
#   1. creates namespace terndhcp-PID with a TAP (kernel side 10.79.0.1/24)
#      and runs dnsmasq inside it, bound to that TAP only (DHCP range
#      10.79.0.100-150, 2-minute lease with T1 3 s and T2 6 s);
#   2. starts `echo --net tap:... --dhcp --pcap F` in the namespace and
#      waits for its ready line, which carries the leased address;
#   3. checks dnsmasq's lease file holds it, pings it, echoes through it
#      with `nc -u`, and waits past T1 for a renewal;
#   4. stops the app (SIGTERM): status 0, and the report's dhcp line shows
#      the lease and the renewal;
#   5. reads the pcap with tshark: the DISCOVER/OFFER/REQUEST/ACK exchange
#      is there, and no packet is malformed or has a bad checksum.
# dnsmasq, the namespace (and with it the TAP) and the work directory are
# removed on every path.
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

ECHO=${TERN_ECHO:-}
[ -n "$ECHO" ] && [ -x "$ECHO" ] || skip "TERN_ECHO does not name the echo app"
need_root ip ping nc tshark
[ -x /usr/sbin/dnsmasq ] || skip "dnsmasq-base missing"

dpid=""
stop_dnsmasq() {
    [ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
}
cleanup_extra=stop_dnsmasq
tap=$(tap_name tdh)
work=$(mktemp -d /tmp/tern-echo-dhcp.XXXXXX)
tap_netns terndhcp-$$ "$tap" 10.79.0.1/24

# dnsmasq inside the namespace only (`ip netns exec` execs it: $! is it).
ip netns exec "$ns" /usr/sbin/dnsmasq --no-daemon --conf-file=/dev/null \
    --no-resolv --no-hosts --no-ping --bind-interfaces \
    --interface="$tap" --except-interface=lo --user=root --group=root \
    --pid-file="$work/dnsmasq.pid" --dhcp-leasefile="$work/leases" \
    --log-facility="$work/dnsmasq.log" --log-dhcp \
    --dhcp-range=10.79.0.100,10.79.0.150,255.255.255.0,2m \
    --dhcp-option=option:T1,3 --dhcp-option=option:T2,6 \
    2> "$work/dnsmasq.err" &
dpid=$!
i=0
until grep -q "DHCP, sockets bound" "$work/dnsmasq.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 50 ] && { cat "$work/dnsmasq.err"; fail "dnsmasq did not start"; }
    sleep 0.1
done

ip netns exec "$ns" "$ECHO" --net "tap:$tap" --dhcp \
    --pcap "$work/echo.pcap" --seed 11 > "$work/echo.log" 2>&1 &
pid=$!
await_ready "$work/echo.log" "echo: ready" 15 echo "$work/dnsmasq.log"
line=$(grep "echo: ready" "$work/echo.log")
echo "$line"
addr=$(echo "$line" | sed -n 's/.*ip=\([0-9.]*\)\/24 .*/\1/p')
case "$addr" in
    10.79.0.1[0-4][0-9] | 10.79.0.150) ;;
    *) fail "ready line has no leased /24 address: $line" ;;
esac
grep -q " $addr " "$work/leases" || { cat "$work/leases"; fail "dnsmasq has no lease for $addr"; }
echo "leased $addr: ok"

inns ping -c 3 -W 2 "$addr" > "$work/ping.log" || { cat "$work/ping.log"; fail "ping $addr"; }
got=$(echo "hello dhcp" | inns timeout 5 nc -u -w1 "$addr" 7)
[ "$got" = "hello dhcp" ] || fail "nc -u echo gave '$got'"
echo "ping and nc -u echo on the leased address: ok"

# A renewal at T1 (3 s): dnsmasq ACKs a second time.
i=0
until [ "$(grep -c 'DHCPACK(' "$work/dnsmasq.log")" -ge 2 ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$work/dnsmasq.log"; fail "no renewal in 10 s"; }
    sleep 0.1
done
echo "renewal: ok"

stop_app "$work/echo.log" echo
dline=$(grep "^dhcp: " "$work/echo.log") || { cat "$work/echo.log"; fail "no dhcp line in the report"; }
echo "$dline"
echo "$dline" | grep -q " bound=1" || fail "report: not bound once"
echo "$dline" | grep -q " renewed=" || fail "report: no renewal"

# tshark: the exchange is there and well formed.
n=$(tshark -r "$work/echo.pcap" -Y "dhcp" 2>/dev/null | wc -l)
[ "$n" -ge 4 ] || fail "pcap holds $n DHCP packets"
for t in 1 2 3 5; do
    tshark -r "$work/echo.pcap" -Y "dhcp.option.dhcp == $t" 2>/dev/null |
        grep -q . || fail "pcap: no DHCP message of type $t"
done
bad=$(tshark_show "$work/echo.pcap" "$TSHARK_BAD" | wc -l)
[ "$bad" -eq 0 ] || {
    tshark_show "$work/echo.pcap" "$TSHARK_BAD"
    fail "tshark flags $bad packets"
}
echo "pcap: $n DHCP packets, none malformed or with bad checksums: ok"
echo "PASS"
