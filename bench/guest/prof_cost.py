#!/usr/bin/python3
"""prof_cost.py - what the guest sampling profiler costs: boots the
profspin image (tests/guest/prof/main.c: a fixed unit of arithmetic, then
tern_wait(0), repeated for --ms) alternately without and with
`--profile HZ` (samples to an isa-debugcon file), RUNS times each in the
same run, and prints one JSON row: the units per second of each boot, the
medians and their ratio (with / without: 1.0 means free), and the
profiler's sample counts. The spin stays in one function, so the ratio is
the cost of the NMIs, the walks and the flushes to the debugcon, not of any
cache or TLB effect on real work.

usage: prof_cost.py --image ELF [--runs N] [--hz HZ] [--ms MS]
                    [--accel tcg|kvm] [--machine M]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile


def boot(args, profile, debugcon):
    """One boot; returns (units per second, profile counts or None)."""
    cmd = ["qemu-system-x86_64", "-machine", args.machine, "-accel", args.accel,
           "-m", "128", "-nodefaults", "-no-reboot", "-display", "none",
           "-serial", "stdio", "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", args.image]
    if args.accel == "tcg":
        cmd += ["-cpu", "max"]
    append = "--ms %d" % args.ms
    if profile:
        append += " --profile %d" % args.hz
        cmd += ["-debugcon", "file:" + debugcon]
    cmd += ["-append", append]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 17:
        raise RuntimeError("QEMU exit %d: %s" % (p.returncode, p.stdout[-300:]))
    rate = int(re.search(r"profspin: \d+ units in \d+ us: (\d+) units/s", p.stdout).group(1))
    counts = None
    m = re.search(r"profile: (\d+) samples, (\d+) dropped \(ring full\), (\d+) NMIs merged", p.stdout)
    if m:
        counts = {"samples": int(m.group(1)), "dropped": int(m.group(2)),
                  "merged_nmis": int(m.group(3))}
    return rate, counts


def main():
    ap = argparse.ArgumentParser(description="guest profiler cost")
    ap.add_argument("--image", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--hz", type=int, default=1000)
    ap.add_argument("--ms", type=int, default=2000)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--machine", default="q35")
    args = ap.parse_args()
    off, on, counts = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        dc = os.path.join(tmp, "samples.bin")
        for _ in range(args.runs):
            off.append(boot(args, False, dc)[0])
            r, c = boot(args, True, dc)
            on.append(r)
            counts.append(c)
    row = {
        "image": os.path.basename(args.image), "machine": args.machine,
        "accel": args.accel, "hz": args.hz, "ms_per_boot": args.ms,
        "runs": args.runs,
        "units_per_s_without": off, "units_per_s_with": on,
        "median_without": statistics.median(off),
        "median_with": statistics.median(on),
        "ratio_with_over_without": round(statistics.median(on) / statistics.median(off), 3),
        "profile_counts": counts,
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
