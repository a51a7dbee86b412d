#!/bin/sh
# test_interop_iperf_tso.sh - the TAP's offloads (TSO and checksum, both
# ways) where a mistake would show (label interop: needs root).
#
# The hosted iperf app's TAP sits in a router namespace (terntso-r-PID;
# the kernel 10.81.0.1/24, the app 10.81.0.2 with it as gateway, forwarding
# on) joined by a veth pair with every offload off to a client namespace
# (terntso-c-PID, 10.81.1.2/24). On a TAP alone the kernel trusts a partial
# checksum it is handed; here the router must cut the app's super-frames
# and complete their checksums in software before the veth, and the
# client's kernel verifies every checksum it receives. So a wrong gso_size,
# hdr_len or partial checksum shows as a failed transfer, a bad checksum in
# the capture or TcpInCsumErrors; frames the router's kernel sends the app
# leave as super-frames with partial checksums that the TAP cuts and
# completes, and the app counts any bad one.
#   1. iperf3 -R -n 100M (exact count), -t 3 and -R -t 3, from the client;
#   2. a capture on the client's veth during -R -n 20M and -n 20M: tshark
#      finds nothing malformed and no bad checksum (TSHARK_BAD_TCP, proven
#      not blind on a corrupted copy);
#   3. the client's TcpInCsumErrors and InCsumErrors stay 0, the app sent
#      super-segments (tcp_tso_sent) and counted no bad checksum.
# Every command has a timeout; both namespaces and the work folder are
# deleted on every path (tests/support/netns.sh).
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

IPERF=${TERN_IPERF:-}
[ -n "$IPERF" ] && [ -x "$IPERF" ] || skip "TERN_IPERF does not name the iperf app"
need_root ip iperf3 timeout ethtool tcpdump tshark nstat
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

nsc=terntso-c-$$
del_client() { ip netns del "$nsc" 2>/dev/null; }
cleanup_extra=del_client

tap=$(tap_name ttso)
work=$(mktemp -d /tmp/tern-iperf-tso.XXXXXX)
tap_netns terntso-r-$$ "$tap" 10.81.0.1/24
inns sysctl -qw net.ipv4.ip_forward=1
ip netns add "$nsc" || fail "ip netns add"
ip netns exec "$nsc" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$nsc" link set lo up
ip link add vr$$ netns "$ns" type veth peer name vc$$ netns "$nsc" ||
    fail "veth"
inns ip addr add 10.81.1.1/24 dev vr$$
ip -n "$nsc" addr add 10.81.1.2/24 dev vc$$
for side in "$ns vr$$" "$nsc vc$$"; do
    set -- $side
    ip -n "$1" link set "$2" up
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off sg off \
        > /dev/null 2>&1 || fail "ethtool -K $2"
done
ip -n "$nsc" route add default via 10.81.1.1

ip netns exec "$ns" "$IPERF" --net "tap:$tap" --ip 10.81.0.2/24 \
    --gw 10.81.0.1 --seed 11 > "$work/iperf.log" 2>&1 &
pid=$!
await_ready "$work/iperf.log" "iperf: ready" 10 iperf

# client NAME EXACT ARGS...: one iperf3 run from the client namespace,
# checked: no error, data both ways; with EXACT (not 0) exactly that many
# bytes received, else all but what iperf3 itself drops: in the normal
# direction the server stops counting when the client ends the test, so
# what is still in the client kernel's socket buffer then is not counted
# (at most tcp_wmem's maximum, 4 MiB; for a long run 10% is allowed).
client() {
    _name=$1 _exact=$2
    shift 2
    ip netns exec "$nsc" timeout 60 iperf3 -c 10.81.0.2 --json "$@" \
        > "$work/$_name.json" 2> "$work/$_name.err" ||
        { cat "$work/$_name.json" "$work/$_name.err"; fail "$_name: iperf3 failed"; }
    _out=$(timeout 10 /usr/bin/python3 - "$work/$_name.json" "$_exact" 2>&1 <<'EOF'
import json, sys
j, exact = json.load(open(sys.argv[1])), int(sys.argv[2])
if "error" in j:
    sys.exit("iperf3 reported: %s" % j["error"])
sent, recv = j["end"]["sum_sent"]["bytes"], j["end"]["sum_received"]["bytes"]
if sent <= 0 or recv <= 0 or recv > sent:
    sys.exit("sent %d, received %d" % (sent, recv))
if exact and recv != exact:
    sys.exit("received %d, not %d" % (recv, exact))
if not exact and recv < sent - max(sent // 10, 4 << 20):
    sys.exit("received %d of %d sent: more than iperf3 drops" % (recv, sent))
print("%.2f Gbit/s (received %d)" %
      (j["end"]["sum_received"]["bits_per_second"] / 1e9, recv))
EOF
) || fail "$_name: $_out"
    echo "$_name ($*): $_out"
}

client reverse-n 104857600 -R -n 100M
client normal 0 -t 3
client reverse 0 -R -t 3

# The capture: whole frames on the client's veth.
ip netns exec "$nsc" timeout 60 tcpdump -i vc$$ -s 0 -U -w "$work/veth.pcap" \
    tcp port 5201 > "$work/tcpdump.log" 2>&1 &
dump=$!
sleep 1
client capture-reverse 20971520 -R -n 20M
client capture-normal 0 -n 20M
sleep 1
kill -INT $dump 2>/dev/null
wait $dump
tshark_clean "$work/veth.pcap" "$TSHARK_BAD_TCP" 1000 tcp

# What the client's kernel verified, and what the app counted.
for c in TcpInCsumErrors IpExtInCsumErrors; do
    v=$(ip netns exec "$nsc" nstat -asz "$c" | awk -v c="$c" '$1 == c { print $2 }')
    [ "${v:-x}" = 0 ] || fail "client $c is '${v:-missing}'"
done
echo "client kernel: TcpInCsumErrors 0, IpExtInCsumErrors 0"
stop_app "$work/iperf.log" iperf
net=$(grep "^net: " "$work/iperf.log")
echo "$net"
echo "$net" | grep -q "tcp_tso_sent=[1-9]" || fail "the app sent no super-segment"
echo "$net" | grep -q "bad_cksum" && fail "the app counted bad checksums"
echo "PASS"
