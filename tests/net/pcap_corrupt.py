#!/usr/bin/python3
# pcap_corrupt.py IN OUT [ip|udp|icmp|tcp] - copies a pcap (classic format, any
# byte order or timestamp precision) and corrupts the first packet that
# carries the chosen header: flips a bit of its IPv4 header checksum (ip),
# its UDP payload (udp), its ICMP payload (icmp) or the payload of a TCP
# segment that carries data (tcp). The interop test runs
# its tshark filter over the result to prove the filter sees bad checksums.
# Uses only the standard library. Exits 1 if no such packet was found.
import struct
import sys

src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(src, "rb").read())
magic = data[:4]
endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
pos = 24
done = False
while pos + 16 <= len(data) and not done:
    _, _, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
    frame = pos + 16
    pos = frame + caplen
    if caplen < 34 or data[frame + 12:frame + 14] != b"\x08\x00":
        continue
    ip = frame + 14
    ihl = (data[ip] & 0x0f) * 4
    proto = data[ip + 9]
    frag = struct.unpack(">H", data[ip + 6:ip + 8])[0] & 0x3fff
    if what == "ip":
        data[ip + 10] ^= 0x01
        done = True
    elif what == "udp" and proto == 17 and frag == 0 and caplen > 34 + 8:
        data[ip + ihl + 8] ^= 0x01
        done = True
    elif what == "icmp" and proto == 1 and frag == 0 and caplen > 34 + 8:
        data[ip + ihl + 8] ^= 0x01
        done = True
    elif what == "tcp" and proto == 6 and frag == 0 and caplen > 34 + 20:
        doff = (data[ip + ihl + 12] >> 4) * 4
        total = struct.unpack(">H", data[ip + 2:ip + 4])[0]
        if total > ihl + doff and caplen > 14 + ihl + doff:
            data[ip + ihl + doff] ^= 0x01
            done = True
open(dst, "wb").write(data)
sys.exit(0 if done else 1)
