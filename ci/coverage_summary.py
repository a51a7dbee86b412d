#!/usr/bin/env python3
"""coverage_summary.py - sums llvm-cov report's per-file table by
component (components/NAME/...): lines and branches covered, and the five
files of each component with the lowest branch coverage.

usage: coverage_summary.py REPORT.txt
"""
import collections
import sys


def main():
    rows = []
    for line in open(sys.argv[1]):
        f = line.split()
        # Filename, then regions (3), functions (3), lines (3), branches (3).
        if len(f) != 13 or not f[0].endswith((".c", ".h")):
            continue
        path = f[0]
        lines, lmiss = int(f[7]), int(f[8])
        br, bmiss = int(f[10]), int(f[11])
        rows.append((path, lines, lmiss, br, bmiss))
    if not rows:
        sys.exit("coverage_summary.py: no files in %s" % sys.argv[1])
    comp = collections.OrderedDict()
    for r in rows:
        parts = r[0].split("/")
        name = parts[parts.index("components") + 1] if "components" in parts else parts[0]
        comp.setdefault(name, []).append(r)

    def pct(total, miss):
        return 100.0 * (total - miss) / total if total else 100.0

    print("%-8s %7s %8s %8s %9s" % ("component", "lines", "line%", "branches", "branch%"))
    tl = tlm = tb = tbm = 0
    for name, rs in sorted(comp.items()):
        l = sum(r[1] for r in rs); lm = sum(r[2] for r in rs)
        b = sum(r[3] for r in rs); bm = sum(r[4] for r in rs)
        tl += l; tlm += lm; tb += b; tbm += bm
        print("%-9s %7d %7.1f%% %8d %8.1f%%" % (name, l, pct(l, lm), b, pct(b, bm)))
    print("%-9s %7d %7.1f%% %8d %8.1f%%" % ("total", tl, pct(tl, tlm), tb, pct(tb, tbm)))
    print()
    print("lowest branch coverage (files with branches):")
    for name, rs in sorted(comp.items()):
        low = sorted((r for r in rs if r[3]), key=lambda r: pct(r[3], r[4]))[:5]
        for r in low:
            print("  %-40s %6.1f%% of %d branches, %5.1f%% of lines"
                  % (r[0], pct(r[3], r[4]), r[3], pct(r[1], r[2])))


if __name__ == "__main__":
    main()
