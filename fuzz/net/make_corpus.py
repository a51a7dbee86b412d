#!/usr/bin/python3
# make_corpus.py PCAP CORPUS_DIR [TCP_PCAP] - splits a capture (see
# make_corpus.sh) into the seed corpora of the network fuzz targets, in each
# target's input format (see the comment at the top of each
# fuzz/net/fuzz_*.c). TCP_PCAP, the TCP capture, feeds tcp_wire only; that
# corpus also gets the golden segments of tests/net/tcp_golden.py and
# malformed ones, and is written even without TCP_PCAP.
import os
import shutil
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, rdpcap

pcap, out = sys.argv[1], sys.argv[2]
tcp_pcap = sys.argv[3] if len(sys.argv) > 3 else None
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

# tcp_wire: [src][dst][segment]. The golden segments; from the TCP capture,
# the first segment of each distinct flags and option layout, its payload
# cut to 32 bytes (fuzz builds skip the checksum); malformed headers and
# options. The fuzzer finds the rest from these.
d = reset("tcp_wire")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "net"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import tcp_golden  # noqa: E402


def addr(a):
    return bytes(int(x) for x in a.split("."))


def tcp_seed(src, dst, seg):
    return addr(src) + addr(dst) + seg


for name, (src, dst, seg) in tcp_golden.SEGMENTS.items():
    write(d, name[len("golden_"):], tcp_seed(src, dst, seg))
if tcp_pcap:
    layouts = set()
    for i, f in enumerate(bytes(p) for p in rdpcap(tcp_pcap)):
        p = Ether(f)
        if TCP not in p or p[IP].flags.MF or p[IP].frag:
            continue
        ip = f[14:14 + p[IP].len]
        seg = ip[p[IP].ihl * 4:]
        hlen = (seg[12] >> 4) * 4
        kinds = []
        pos = 20
        while pos < hlen:  # the kinds in order, for the layout only
            kinds.append(seg[pos])
            pos += 1 if seg[pos] < 2 else max(seg[pos + 1], 2)
        key = (seg[13], tuple(kinds), hlen)
        if key in layouts:
            continue
        layouts.add(key)
        write(d, "linux%03d" % i,
              tcp_seed(p[IP].src, p[IP].dst, seg[:hlen + 32]))


def tcp_hdr(opts=b"", flags=0x02, off=None, payload=b""):
    """A segment from 10.0.0.2 to 10.0.0.1 with options opts (padded to
    4 with EOL) and the data offset off (default: what they need)."""
    opts += b"\0" * (-len(opts) % 4)
    if off is None:
        off = (20 + len(opts)) // 4
    h = struct.pack(">HHIIBBHHH", 40000, 80, 0x1a2b3c4d, 0, off << 4,
                    flags, 64240, 0, 0)
    return tcp_seed("10.0.0.2", "10.0.0.1", h + opts + payload)


MSS = b"\x02\x04\x05\xb4"
TS = b"\x08\x0a" + struct.pack(">II", 1, 2)
BAD = {
    "short": tcp_hdr()[:8 + 19],
    "doff_4": tcp_hdr(off=4),
    "doff_15_in_20": tcp_hdr(off=15),
    "doff_past_len": tcp_hdr(MSS + TS, off=15),
    "reserved_bits": tcp_hdr()[:20] + b"\x5f" + tcp_hdr()[21:],
    "opt_len0": tcp_hdr(b"\x02\x00\x05\xb4"),
    "opt_len1": tcp_hdr(b"\x01\x01\x08\x01"),
    "opt_past_end": tcp_hdr(MSS + b"\x01\x01\x08\x0a\x00\x00\x00\x01"),
    "opt_kind_last": tcp_hdr(MSS + b"\x01\x01\x01\x02"),
    "eol_then_garbage": tcp_hdr(MSS + b"\x00\x02\x00\x05\x01"),
    "wrong_lengths": tcp_hdr(b"\x02\x03\x05\x03\x04\x07\x00\x04\x03\x00"
                             b"\x08\x08\x01\x02\x03\x04\x05\x06\x05\x02"
                             b"\x05\x05\x00\x00\x00"),
    "unknown_kinds": tcp_hdr(b"\x1e\x04\x10\x01\x22\x0a" + b"\x07" * 8 +
                             b"\xfe\x06\xf9\x89\x00\x00" + MSS),
    "repeated": tcp_hdr(MSS + b"\x02\x04\x02\x18" + TS + TS +
                        b"\x03\x03\x07\x03\x03\x02\x04\x02\x04\x02"),
    "sack_5_blocks": tcp_hdr(b"\x05\x2a" + bytes(38), flags=0x10),
    "sack_4_blocks": tcp_hdr(b"\x01\x01\x05\x22" + bytes(range(32)),
                             flags=0x10),
    "sack_odd_length": tcp_hdr(b"\x01\x01\x05\x0b" + bytes(9),
                               flags=0x10),
    "wscale_15": tcp_hdr(MSS + b"\x01\x03\x03\x0f"),
    "all_flags_urgent": tcp_hdr(flags=0xff, payload=b"urgent"),
}
for name, data in BAD.items():
    write(d, name, data)
print("corpus written to", out)
