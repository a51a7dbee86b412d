#!/usr/bin/python3
# make_corpus.py PCAP CORPUS_DIR - splits a capture (see make_corpus.sh)
# into the seed corpora of the network fuzz targets, in each target's input
# format (see the comment at the top of each fuzz/net/fuzz_*.c).
import os
import shutil
import struct
import sys

from scapy.all import ARP, ICMP, IP, UDP, Ether, rdpcap

pcap, out = sys.argv[1], sys.argv[2]
frames = [bytes(p) for p in rdpcap(pcap)]
PEER_MAC = bytes.fromhex("02000000000b")  # the host talking to Tern


def reset(name):
    d = os.path.join(out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def small(f):
    return len(f) <= 1514


# eth: distinct frames, one per file.
d = reset("eth")
seen = set()
for i, f in enumerate(frames):
    if f not in seen and small(f):
        seen.add(f)
        write(d, "frame%03d" % i, f)

# arp: ARP payloads.
d = reset("arp")
for i, f in enumerate(frames):
    p = Ether(f)
    if ARP in p:
        write(d, "arp%03d" % i, f[14:])

# ipv4: single datagrams, and the fragment trains in order and reversed.
d = reset("ipv4")


def rec(ip, flags=0):
    return struct.pack(">BH", flags, len(ip)) + ip


trains = {}
for i, f in enumerate(frames):
    p = Ether(f)
    if IP not in p:
        continue
    ip = f[14:14 + p[IP].len]
    if p[IP].flags.MF or p[IP].frag:
        trains.setdefault((p[IP].src, p[IP].id), []).append(ip)
    elif small(f):
        write(d, "dgram%03d" % i, rec(ip))
for n, ((src, ident), parts) in enumerate(sorted(trains.items())):
    if sum(len(x) for x in parts) > 20000:
        continue
    write(d, "train%02d" % n, b"".join(rec(x) for x in parts))
    write(d, "train%02d_rev" % n, b"".join(rec(x) for x in reversed(parts)))

# icmp: ICMP messages (IP payloads) of unfragmented datagrams.
d = reset("icmp")
for i, f in enumerate(frames):
    p = Ether(f)
    if ICMP in p and not (p[IP].flags.MF or p[IP].frag) and small(f):
        ip = f[14:14 + p[IP].len]
        write(d, "icmp%03d" % i, ip[p[IP].ihl * 4:])

# udp: [src][dst][datagram] of unfragmented UDP.
d = reset("udp")
for i, f in enumerate(frames):
    p = Ether(f)
    if UDP in p and not (p[IP].flags.MF or p[IP].frag) and small(f):
        ip = f[14:14 + p[IP].len]
        hdr = struct.pack(">II", int.from_bytes(ip[12:16], "big"),
                          int.from_bytes(ip[16:20], "big"))
        write(d, "udp%03d" % i, hdr + ip[p[IP].ihl * 4:])

# netstack: programs replaying what the peer sent, with time steps, plus
# socket calls.
d = reset("netstack")


def frame_op(f):
    return bytes([0]) + struct.pack(">H", len(f)) + f


def time_op(ms):
    return bytes([1]) + struct.pack(">H", ms)


peer = [f for f in frames if f[6:12] == PEER_MAC and small(f)]
prog = b"".join(frame_op(f) + time_op(10) for f in peer)
write(d, "replay_all", prog)
for i, f in enumerate(peer):
    write(d, "replay%03d" % i, frame_op(f) + bytes([7]))
# Socket calls: a UDP send that needs ARP, the peer's ARP reply, a big
# fragmented send, a ping, an address on if1, a deadline jump.
arp_reply = [f for f in frames if Ether(f).haslayer(ARP) and
             Ether(f)[ARP].op == 2 and f[6:12] == PEER_MAC]
calls = (bytes([2, 0]) + struct.pack(">H", 100) + bytes([2]) +
         b"".join(frame_op(f) for f in arp_reply[:1]) +
         bytes([2, 1]) + struct.pack(">H", 4000) + bytes([2]) +
         bytes([3]) + struct.pack(">H", 56) + bytes([2]) +
         bytes([4, 1]) + bytes([2 | 8, 1]) + struct.pack(">H", 10) +
         bytes([255]) + bytes([5, 7, 7, 7, 7]))
write(d, "socket_calls", calls)
print("corpus written to", out)
