#!/usr/bin/env python3
"""wrk_parse.py - the figures of one `wrk --latency` run, for run.sh.

  wrk_parse.py WRK-OUTPUT

Prints one line, "RPS P99_MS ERRORS REQUESTS": wrk's Requests/sec, the 99%
line of its Latency Distribution converted to milliseconds (wrk prints us,
ms, s, m or h), the sum of its socket errors (connect, read, write,
timeout) and non-2xx/3xx responses, and the requests it completed. Exits 1
with the reason on stderr if any of the lines is missing (wrk could not
connect, or was killed).
"""
import re
import sys

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def main():
    text = open(sys.argv[1], errors="replace").read()
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)\s*$", text, re.M)
    p99 = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s|m|h)\s*$", text, re.M)
    reqs = re.search(r"^\s+(\d+) requests in ", text, re.M)
    if not (rps and p99 and reqs):
        last = text.strip().splitlines()[-1:] or ["no output"]
        sys.exit("wrk output has no Requests/sec, 99% or request count: "
                 + last[0].strip())
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), "
                     r"write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        errors += int(bad.group(1))
    p99_ms = float(p99.group(1)) * UNIT_MS[p99.group(2)]
    print("%.2f %.3f %d %s" % (float(rps.group(1)), p99_ms, errors,
                               reqs.group(1)))


if __name__ == "__main__":
    main()
