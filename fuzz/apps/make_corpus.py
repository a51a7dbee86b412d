#!/usr/bin/python3
"""make_corpus.py - writes the seed corpora of the tftp fuzz targets:
fuzz/corpus/tftp_wire (one datagram per file: what curl, tftp-hpa, PXE
ROMs and this server send, plus malformed ones) and fuzz/corpus/tftp_server
(operation scripts in the format of fuzz_tftp_server.c). Deterministic:
running it again gives the same files. Standard library only.

    /usr/bin/python3 fuzz/apps/make_corpus.py
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "corpus")


def rrq(name, mode=b"octet", opts=(), op=1):
    pkt = struct.pack("!H", op) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        pkt += k + b"\0" + v + b"\0"
    return pkt


WIRE = {
    "rrq_plain": rrq(b"pxelinux.0"),
    "rrq_curl": rrq(b"boot/pxelinux.0", opts=[(b"tsize", b"0"),
                                              (b"blksize", b"1428"),
                                              (b"timeout", b"6")]),
    "rrq_window": rrq(b"big.bin", opts=[(b"blksize", b"1468"),
                                        (b"windowsize", b"16"),
                                        (b"tsize", b"0")]),
    "rrq_pxe_padded": rrq(b"/boot/ipxe.efi", opts=[(b"tsize", b"0")]) +
    b"\0" * 6,
    "rrq_netascii": rrq(b"motd", mode=b"netascii"),
    "rrq_huge_value": rrq(b"f", opts=[(b"blksize", b"9" * 40)]),
    "rrq_junk": rrq(b"f") + b"blksize\0" + b"12",
    "rrq_many_opts": rrq(b"f", opts=[(b"o%d" % i, b"%d" % i)
                                     for i in range(12)]),
    "rrq_dotdot": rrq(b"../../etc/passwd"),
    "wrq": rrq(b"up.bin", op=2),
    "rrq_no_nul": struct.pack("!H", 1) + b"file",
    "rrq_empty_name": struct.pack("!H", 1) + b"\0octet\0",
    "data": struct.pack("!HH", 3, 1) + bytes(range(64)),
    "data_empty": struct.pack("!HH", 3, 0xffff),
    "ack": struct.pack("!HH", 4, 0),
    "ack_padded": struct.pack("!HH", 4, 7) + b"\0\0",
    "error": struct.pack("!HH", 5, 1) + b"file not found\0",
    "error_no_nul": struct.pack("!HH", 5, 8) + b"refused",
    "oack": struct.pack("!H", 6) + b"blksize\0" + b"1468\0tsize\0" +
    b"41943040\0",
    "oack_bad": struct.pack("!H", 6) + b"blksize\0",
    "unknown_op": struct.pack("!H", 9) + b"xyz",
    "short": b"\x00",
}


def script(cfg, *ops):
    return bytes(cfg) + b"".join(bytes(o) for o in ops)


def raw(to_listen, peer, data, slot=0):
    if to_listen:
        return [1, peer, len(data)] + list(data)
    return [2, slot, peer, len(data)] + list(data)


# ops: 0 T (time), 1/2 raw, 3 P F O V (rrq), 4 S D (ack), 5 (next deadline)
SERVER = {
    "plain_transfer": script([3, 0, 1, 255], [3, 0, 1, 0, 0],
                             *([[4, 0, 9]] * 8)),
    "options_window": script([3, 15, 3, 255], [3, 0, 2, 0x8f, 5],
                             [4, 0, 8], *([[4, 0, 24]] * 10)),
    "timeouts": script([0, 0, 2, 10], [3, 0, 1, 0, 0], [5], [5], [5], [5],
                       [0, 200]),
    "dup_ack": script([1, 0, 3, 100], [3, 0, 2, 0, 0], [4, 0, 9], [4, 0, 8],
                      [4, 0, 8], [4, 0, 9]),
    "busy": script([0, 0, 1, 50], [3, 0, 1, 0, 0], [3, 1, 2, 0, 0],
                   [3, 2, 3, 0, 0]),
    "unknown_tid": script([1, 0, 1, 100], [3, 0, 2, 0, 0],
                          raw(False, 2, struct.pack("!HH", 4, 1)),
                          raw(False, 3, struct.pack("!HH", 4, 1)),
                          [4, 0, 9]),
    "refusals": script([3, 0, 1, 100], [3, 0, 4, 0, 0], [3, 1, 6, 0, 0],
                       [3, 2, 0xf5, 0, 0], [3, 0, 1, 0x40, 1],
                       raw(True, 0, WIRE["wrq"]),
                       raw(True, 0, WIRE["rrq_dotdot"]),
                       raw(True, 1, WIRE["ack"])),
    "read_error": script([0, 0, 1, 100], [3, 0, 5, 0, 0], [4, 0, 9],
                         [4, 0, 9], [4, 0, 9]),
    # blksize 12, windowsize 64: 83,334 blocks, ACKed 64 at a time.
    "wrap_small_blocks": script([0, 63, 0, 1], [3, 0, 3, 0x09, 72],
                                *([[4, 0, 8]] * 1400)),
}


def write(folder, items):
    path = os.path.join(ROOT, folder)
    os.makedirs(path, exist_ok=True)
    for name, data in items.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


write("tftp_wire", WIRE)
write("tftp_server", SERVER)
print("wrote %d tftp_wire and %d tftp_server seeds" % (len(WIRE),
                                                        len(SERVER)))
