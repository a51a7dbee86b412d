#!/usr/bin/python3
"""tftp_client.py - a small TFTP client (RFC 1350, 2347-2349, 7440) for the
interop test: curl has no windowsize option, so windowed transfers, the
unknown-TID check and the throughput numbers come from here.

  tftp_client.py get HOST FILE OUT [--blksize N] [--windowsize N]
      fetches FILE into OUT; prints "bytes=N seconds=S MBps=R"
  tftp_client.py tid HOST FILE
      starts a transfer, sends an ACK to the server's TID from another
      port, and checks it gets ERROR 5 while the transfer itself goes on
      and completes; prints "tid: ok"
  tftp_client.py raw HOST HEXBYTES
      sends one datagram to HOST:69 and prints the reply's opcode and
      code ("reply op=5 code=4") or "reply none"

Exit status 0 on success, 1 on any failure (with a message).
"""
import socket
import struct
import sys
import time

TIMEOUT = 1.0
TRIES = 10


def rrq(name, opts):
    pkt = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in opts:
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    return pkt


def parse_oack(data):
    parts = data[2:].split(b"\0")[:-1]
    return {parts[i].decode().lower(): int(parts[i + 1])
            for i in range(0, len(parts) - 1, 2)}


def get(host, name, blksize=None, windowsize=None, on_first=None):
    """Returns (bytes, seconds). Raises on ERROR or timeout."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.settimeout(TIMEOUT)
    opts = [("tsize", 0)]
    if blksize:
        opts.append(("blksize", blksize))
    if windowsize:
        opts.append(("windowsize", windowsize))
    first = rrq(name, opts)
    start = time.monotonic()
    s.sendto(first, (host, 69))
    peer = None
    bs, win = 512, 1
    expected = 1
    since_ack = 0
    chunks = []
    tries = 0
    last_ack = None
    while True:
        try:
            data, addr = s.recvfrom(65536)
        except socket.timeout:
            tries += 1
            if tries > TRIES:
                raise RuntimeError("timed out at block %d" % expected)
            if peer is None:
                s.sendto(first, (host, 69))
            elif last_ack is not None:
                s.sendto(last_ack, peer)
            continue
        if peer is None:
            peer = addr
            if on_first:
                on_first(peer)
        elif addr != peer:
            s.sendto(struct.pack("!HH", 5, 5) + b"unknown TID\0", addr)
            continue
        op = struct.unpack("!H", data[:2])[0]
        if op == 5:
            code = struct.unpack("!H", data[2:4])[0]
            raise RuntimeError("ERROR %d: %s" % (code, data[4:-1].decode()))
        if op == 6 and expected == 1:
            o = parse_oack(data)
            bs = o.get("blksize", 512)
            win = o.get("windowsize", 1)
            last_ack = struct.pack("!HH", 4, 0)
            s.sendto(last_ack, peer)
            continue
        if op != 3:
            continue
        block = struct.unpack("!H", data[2:4])[0]
        if block == expected & 0xFFFF:
            payload = data[4:]
            chunks.append(payload)
            expected += 1
            tries = 0
            since_ack += 1
            final = len(payload) < bs
            if since_ack >= win or final:
                last_ack = struct.pack("!HH", 4, (expected - 1) & 0xFFFF)
                s.sendto(last_ack, peer)
                since_ack = 0
            if final:
                return b"".join(chunks), time.monotonic() - start
        else:
            # A repeat or a gap: say where we are (RFC 7440).
            last_ack = struct.pack("!HH", 4, (expected - 1) & 0xFFFF)
            s.sendto(last_ack, peer)
            since_ack = 0


def main():
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "get":
        host, name, out = args[1], args[2], args[3]
        blksize = windowsize = None
        rest = args[4:]
        while rest:
            if rest[0] == "--blksize":
                blksize = int(rest[1])
            elif rest[0] == "--windowsize":
                windowsize = int(rest[1])
            else:
                sys.exit("unknown option " + rest[0])
            rest = rest[2:]
        data, secs = get(host, name, blksize, windowsize)
        with open(out, "wb") as f:
            f.write(data)
        print("bytes=%d seconds=%.3f MBps=%.2f" %
              (len(data), secs, len(data) / secs / 1e6))
        return
    if len(args) == 3 and args[0] == "tid":
        host, name = args[1], args[2]
        seen = {}

        def intrude(peer):
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            t.settimeout(2)
            t.sendto(struct.pack("!HH", 4, 1), peer)
            data, addr = t.recvfrom(1500)
            seen["reply"] = data
            seen["addr"] = addr
        data, _ = get(host, name, on_first=intrude)
        reply = seen.get("reply", b"")
        if reply[:4] != struct.pack("!HH", 5, 5):
            sys.exit("tid: intruder got %r, want ERROR 5" % reply[:4])
        print("tid: ok (transfer of %d bytes completed)" % len(data))
        return
    if len(args) == 3 and args[0] == "raw":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        s.sendto(bytes.fromhex(args[2]), (args[1], 69))
        try:
            data, _ = s.recvfrom(1500)
        except socket.timeout:
            print("reply none")
            return
        op, code = struct.unpack("!HH", data[:4])
        print("reply op=%d code=%d" % (op, code))
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit("tftp_client: %s" % e)
