#!/usr/bin/python3
"""symbolise.py - turns the guest profiler's sample stream (guest/prof_out.c:
what `--profile HZ` writes to QEMU's isa-debugcon) into folded stacks, one
"root;...;leaf COUNT" line per distinct stack, as perf's stackcollapse
writes them for the hosted runs, so ci/profile/flamegraph.py and top.py
read both.

Addresses are named with the ELF image's symbol table (binutils' nm -n -S):
the interrupted RIP as it is, a return address minus one (it points after
its call, which may be the first byte of the next function). An address in
no function is "[unknown]", as perf prints it. Inlined functions are not
expanded: a frame is the function the code was compiled into, as in the
hosted profiles.

The stream: a 12-byte header ("TPRF", version 1, address size 4, u16
deepest stack, u32 tick rate in mHz), records (u8 n >= 1, u8 keep, n u32
addresses: the stack, innermost first, is those n and then the outermost
keep frames of the previous record's stack) and a trailer (u8 0, u32 taken,
u32 dropped, u32 merged, u32 "TPRF" end mark), all little-endian. A stream
that ends early (a guest that crashed or was killed) is read up to its last
whole record, with a warning.

usage: symbolise.py [--symbols NM_OUTPUT | --nm NM] STREAM IMAGE.elf OUT.folded
Prints one summary line. Exit status: 0, 1 if the stream is malformed or
holds no sample, 2 on a usage error.
"""
import argparse
import bisect
import collections
import struct
import subprocess
import sys

MAGIC = b"TPRF"
HEADER = struct.Struct("<4sBBHI")
TRAILER = struct.Struct("<IIII")
END_MARK = 0x46525054


class StreamError(Exception):
    pass


def parse(data):
    """Returns (rate_mhz, stacks, trailer) for stream bytes data: stacks a
    list of address tuples, innermost first; trailer (taken, dropped) or
    None if the stream ended before it."""
    if len(data) < HEADER.size:
        raise StreamError("shorter than the header")
    magic, version, asize, depth, mhz = HEADER.unpack_from(data)
    if magic != MAGIC or version != 1 or asize != 4:
        raise StreamError("not a version 1 stream (magic %r, version %d, "
                          "address size %d)" % (magic, version, asize))
    stacks = []
    prev = ()
    off = HEADER.size
    while off < len(data):
        n = data[off]
        if n == 0:
            if off + 1 + TRAILER.size > len(data):
                return mhz, stacks, None
            taken, dropped, merged, mark = TRAILER.unpack_from(data, off + 1)
            if mark != END_MARK:
                raise StreamError("bad end mark at byte %d" % off)
            return mhz, stacks, (taken, dropped, merged)
        end = off + 2 + 4 * n
        if end > len(data):
            break
        keep = data[off + 1]
        if n + keep > depth or keep > len(prev):
            raise StreamError("record of %d + %d frames at byte %d (deepest "
                              "%d, previous %d)" % (n, keep, off, depth, len(prev)))
        fresh = struct.unpack_from("<%dI" % n, data, off + 2)
        prev = fresh + (prev[len(prev) - keep:] if keep else ())
        stacks.append(prev)
        off = end
    return mhz, stacks, None


class Symbols:
    """Function symbols of an image, for lookups by address."""

    def __init__(self, nm_lines):
        rows = []
        for line in nm_lines:
            f = line.split()
            # "ADDR SIZE TYPE NAME" or, without a size, "ADDR TYPE NAME"
            if len(f) == 4:
                addr, size, kind, name = int(f[0], 16), int(f[1], 16), f[2], f[3]
            elif len(f) == 3:
                addr, size, kind, name = int(f[0], 16), None, f[1], f[2]
            else:
                continue
            if kind in "tTwW":
                rows.append((addr, size, name))
        rows.sort(key=lambda r: r[0])
        self.starts = [r[0] for r in rows]
        self.rows = rows

    def name(self, addr):
        """The function holding addr, or "[unknown]"."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0:
            return "[unknown]"
        start, size, name = self.rows[i]
        if size is None:  # up to the next symbol
            end = self.starts[i + 1] if i + 1 < len(self.starts) else start + 1
        else:
            end = start + max(size, 1)
        return name if addr < end else "[unknown]"


def fold(stacks, syms):
    """Counts the distinct stacks of named frames, root first."""
    counts = collections.Counter()
    for st in stacks:
        names = [syms.name(st[0])] + [syms.name(a - 1) for a in st[1:]]
        counts[";".join(reversed(names))] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description="guest samples to folded stacks")
    ap.add_argument("--symbols", help="nm -n -S output to use instead of running nm")
    ap.add_argument("--nm", default="nm", help="the nm to run (default nm)")
    ap.add_argument("stream")
    ap.add_argument("image")
    ap.add_argument("out")
    args = ap.parse_args()
    with open(args.stream, "rb") as f:
        data = f.read()
    try:
        mhz, stacks, trailer = parse(data)
    except StreamError as e:
        sys.exit("symbolise.py: %s: %s" % (args.stream, e))
    if args.symbols:
        with open(args.symbols, encoding="utf-8") as f:
            lines = f.read().splitlines()
    else:
        out = subprocess.run([args.nm, "-n", "-S", "--defined-only", args.image],
                             check=True, capture_output=True, text=True)
        lines = out.stdout.splitlines()
    counts = fold(stacks, Symbols(lines))
    with open(args.out, "w", encoding="utf-8") as f:
        for stack, n in sorted(counts.items()):
            f.write("%s %d\n" % (stack, n))
    if trailer is None:
        print("symbolise.py: warning: %s ends without its trailer (the "
              "guest did not halt cleanly); read %d samples"
              % (args.stream, len(stacks)), file=sys.stderr)
        tail = "no trailer"
    else:
        tail = ("guest took %d, dropped %d (ring full), merged %d NMIs"
                % trailer)
    print("symbolise: %d samples at %.3f Hz, %d stacks; %s"
          % (len(stacks), mhz / 1000.0, len(counts), tail))
    if not stacks:
        sys.exit("symbolise.py: %s holds no sample" % args.stream)


if __name__ == "__main__":
    main()
