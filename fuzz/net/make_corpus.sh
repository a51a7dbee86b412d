#!/bin/sh
# make_corpus.sh - regenerates the seed corpora of the network fuzz targets
# (fuzz/corpus/{eth,arp,ipv4,icmp,udp,netstack,tcp_wire}) from real traffic.
#
# Creates two private network namespaces joined by a veth pair (10.0.0.2 at
# 02:00:00:00:00:0b talking to 10.0.0.1 at 02:00:00:00:00:0a, the addresses
# the fuzz stack uses), captures ping, a fragmented ping, UDP to an open
# and a closed port, fragmented UDP, ARP and a broadcast ping with tcpdump,
# then, in a capture of its own (so the other corpora do not change), TCP:
# a request and response, a bulk transfer over a lossy link (SACK blocks;
# the loss needs sch_netem and is skipped without it) and a SYN to a
# closed port. Deletes the namespaces and splits the captures into seeds
# with make_corpus.py. Needs root, iproute2, tcpdump, nc and Debian's
# python3-scapy. Traffic never leaves the namespaces.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
p=$$
a=tcorpa$p
b=tcorpb$p
pcap=$(mktemp /tmp/tern-corpus.XXXXXX.pcap)
tcp_pcap=$(mktemp /tmp/tern-corpus-tcp.XXXXXX.pcap)
cleanup() {
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
    rm -f "$pcap" "$tcp_pcap"
}
trap cleanup EXIT INT TERM

ip netns add "$a"
ip netns add "$b"
ip link add "va$p" netns "$a" type veth peer name "vb$p" netns "$b"
ip -n "$a" link set "va$p" address 02:00:00:00:00:0b
ip -n "$b" link set "vb$p" address 02:00:00:00:00:0a
ip netns exec "$a" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$b" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$a" addr add 10.0.0.2/24 dev "va$p"
ip -n "$b" addr add 10.0.0.1/24 dev "vb$p"
ip -n "$a" link set "va$p" up
ip -n "$b" link set "vb$p" up

ip netns exec "$b" timeout 20 tcpdump -U -i "vb$p" -w "$pcap" 2>/dev/null &
dump=$!
sleep 1
ip netns exec "$a" ping -c 2 -i 0.2 10.0.0.1 >/dev/null
ip netns exec "$a" ping -c 1 -s 3000 10.0.0.1 >/dev/null
ip netns exec "$a" ping -c 1 -s 200 -p 4142 10.0.0.1 >/dev/null
ip netns exec "$b" timeout 3 nc -u -l -p 7 >/dev/null &
sleep 0.3
echo "hello udp echo" | ip netns exec "$a" timeout 1 nc -u -w1 10.0.0.1 7 || true
ip netns exec "$a" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'x' * 4000, ('10.0.0.1', 9))
s.sendto(b'closed port', ('10.0.0.1', 9999))"
ip netns exec "$a" timeout 2 arping -c 1 -I "va$p" 10.0.0.1 >/dev/null 2>&1 || true
ip netns exec "$a" ping -c 1 -b 10.0.0.255 >/dev/null 2>&1 || true
sleep 2
kill "$dump" 2>/dev/null || true
wait "$dump" 2>/dev/null || true

ip netns exec "$b" timeout 20 tcpdump -U -i "vb$p" -w "$tcp_pcap" tcp 2>/dev/null &
dump=$!
sleep 1
ip netns exec "$a" tc qdisc add dev "va$p" root netem loss 3% 2>/dev/null || true
ip netns exec "$b" timeout 15 /usr/bin/python3 -c "
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.0.0.1', 80))
s.listen(2)
c, _ = s.accept()
c.recv(1000)
c.sendall(b'HTTP/1.0 200 OK\r\n\r\nhello tern\n')
c.close()
c, _ = s.accept()
while c.recv(65536):
    pass
c.close()" &
server=$!
sleep 0.5
ip netns exec "$a" timeout 12 /usr/bin/python3 -c "
import socket
c = socket.create_connection(('10.0.0.1', 80))
c.sendall(b'GET / HTTP/1.0\r\n\r\n')
while c.recv(1000):
    pass
c.close()
c = socket.create_connection(('10.0.0.1', 80))
c.sendall(b'x' * 300000)
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
try:
    socket.create_connection(('10.0.0.1', 81), timeout=1)
except OSError:
    pass" || true
wait "$server" 2>/dev/null || true
sleep 1
kill "$dump" 2>/dev/null || true
wait "$dump" 2>/dev/null || true

/usr/bin/python3 "$here/make_corpus.py" "$pcap" "$top/fuzz/corpus" "$tcp_pcap"
