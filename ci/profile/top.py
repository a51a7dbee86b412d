#!/usr/bin/env python3
"""top.py - the functions that hold the most samples in a folded-stacks
file, as a text table: self (samples whose leaf is the function) and total
(samples with the function anywhere on the stack, counted once per stack).

usage: top.py [-n N] FOLDED
"""
import argparse
import collections


def main():
    ap = argparse.ArgumentParser(description="top functions of folded stacks")
    ap.add_argument("-n", type=int, default=25, help="rows (default 25)")
    ap.add_argument("folded")
    args = ap.parse_args()
    self_n = collections.Counter()
    total_n = collections.Counter()
    samples = 0
    with open(args.folded, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not stack or not n.isdigit():
                continue
            frames = stack.split(";")
            samples += int(n)
            self_n[frames[-1]] += int(n)
            for fn in set(frames):
                total_n[fn] += int(n)
    print("%d samples" % samples)
    print("%7s %7s %8s  %s" % ("self%", "total%", "self", "function"))
    for fn, n in self_n.most_common(args.n):
        print("%7.2f %7.2f %8d  %s" % (100.0 * n / samples,
                                       100.0 * total_n[fn] / samples, n, fn))


if __name__ == "__main__":
    main()
