#!/usr/bin/env python3
"""boot_time.py - how long a guest image takes to boot in QEMU.

Starts QEMU RUNS times and measures, per run, the wall time from starting
the QEMU process to the app's ready line on the serial console, and reads
the guest's own figure ("guest: boot N us from first instruction to
main", measured with the TSC). Prints one JSON object: medians, minima and
maxima. The baseline in the same run is the same measurement for the
smallest image (the caller runs both).

  boot_time.py --image IMG --machine pc|q35 --accel tcg|kvm [--cpu CPU]
               [--bios ROM] [--ready REGEX] [--runs N] [--timeout S]
               [-- QEMU-ARGS...]
"""
import argparse
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time

MAIN_RE = re.compile(rb"guest: boot (\d+) us from first instruction to main")


def one_run(cmd, ready, timeout):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = b""
    main_us = None
    ready_s = None
    try:
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([p.stdout], [], [], 0.05)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            m = MAIN_RE.search(buf)
            if m and main_us is None:
                main_us = int(m.group(1))
            if ready.search(buf):
                ready_s = time.monotonic() - t0
                break
    finally:
        p.kill()
        p.wait()
    return ready_s, main_us, buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--machine", default="pc")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--bios", default="")
    ap.add_argument("--ready", default=r"echo: ready")
    ap.add_argument("--append", default="")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("qemu_args", nargs="*")
    a = ap.parse_args()

    cmd = ["qemu-system-x86_64", "-machine", a.machine, "-accel", a.accel,
           "-m", "128", "-nodefaults", "-no-reboot", "-display", "none",
           "-serial", "stdio", "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", a.image, "-append", a.append]
    if a.cpu:
        cmd += ["-cpu", a.cpu]
    if a.bios:
        cmd += ["-bios", a.bios]
    cmd += a.qemu_args
    ready = re.compile(a.ready.encode())
    to_ready, to_main, failures = [], [], []
    for _ in range(a.runs):
        ready_s, main_us, out = one_run(cmd, ready, a.timeout)
        if ready_s is None:
            tail = out.decode(errors="replace").strip().splitlines()[-3:]
            failures.append(" | ".join(tail) or "no output")
            continue
        to_ready.append(ready_s * 1000)
        if main_us is not None:
            to_main.append(main_us / 1000)
    res = {
        "image": os.path.basename(a.image),
        "machine": a.machine,
        "accel": a.accel,
        "cpu": a.cpu or "default",
        "firmware": (os.path.basename(a.bios) if a.bios else
                     "qboot" if a.machine.startswith("microvm") else
                     "seabios"),
        "runs": a.runs,
        "ok_runs": len(to_ready),
    }
    if to_ready:
        res["qemu_start_to_ready_ms"] = {
            "median": round(statistics.median(to_ready), 1),
            "min": round(min(to_ready), 1), "max": round(max(to_ready), 1)}
    if to_main:
        res["first_insn_to_main_ms"] = {
            "median": round(statistics.median(to_main), 2),
            "min": round(min(to_main), 2), "max": round(max(to_main), 2)}
    if failures:
        res["failure"] = failures[0]
    print(json.dumps(res))
    return 0 if to_ready else 1


sys.exit(main())
