#!/usr/bin/env python3
# blk/check.py SEED SECTOR_SIZE MAX_SECTORS IMAGE... - checks, after the guest
# exited, that every disk image holds the pattern blk/main.c wrote (disk i
# with seed SEED + i) in its ranges, and zeros everywhere else.
import sys

MASK = (1 << 64) - 1


def mix(seed, sector):
    z = (seed * 1000003 + sector + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def pattern(seed, sector, ssize):
    v = mix(seed, sector)
    return bytes(((v >> (8 * (i % 8))) ^ (i // 8)) & 0xFF for i in range(ssize))


def main():
    seed, ssize, max_sectors = (int(a) for a in sys.argv[1:4])
    bad = 0
    for disk, path in enumerate(sys.argv[4:]):
        data = open(path, "rb").read()
        count = len(data) // ssize
        big = min(max_sectors, 2048) if max_sectors else 2048
        ranges = [(0, 1), (1, 7), (8, 8), (100, 64), (1000, 255),
                  (2048, big), (count - 1, 1)]
        written = set()
        for start, n in ranges:
            for s in range(start, start + n):
                written.add(s)
                got = data[s * ssize:(s + 1) * ssize]
                if got != pattern(seed + disk, s, ssize):
                    print(f"{path}: sector {s}: wrong contents")
                    bad += 1
        zero = bytes(ssize)
        stray = [s for s in range(count) if s not in written
                 and data[s * ssize:(s + 1) * ssize] != zero]
        if stray:
            print(f"{path}: {len(stray)} unwritten sectors are not zero, "
                  f"first {stray[0]}")
            bad += 1
        print(f"{path}: {len(written)} sectors checked, "
              f"{'FAILED' if bad else 'ok'}")
    return 1 if bad else 0


sys.exit(main())
