#!/usr/bin/env python3
"""report.py - builds build/bench/http.json from run.sh's results and
prints the human table.

  report.py RESULTS-TSV OUT-JSON

RESULTS-TSV has one record a line, fields separated by tabs:

  meta      KEY VALUE                 a string field (a number for the keys
                                      in NUMERIC, a boolean for "quick");
                                      KEY "a.b" is field b of object a
  metafile  KEY PATH                  the same, the value read from PATH
  row       TARGET FILE RPS,... P99_MS,... ERRORS REQUESTS FAILURE
  fb        TARGET MS,... FAILURE     first-byte samples of the 1 KiB file
  stop      TARGET HOW FAILURE        how the server ended
  report    TARGET LINE               a line of the server's own counters

A row keeps the median of its runs' requests/s and, separately, of their
p99 latencies; errors are summed over the runs. A row, sample set or stop
with a non-empty FAILURE, a row with errors, and a top-level "failure"
meta all make the exit status 1. The JSON is written first and read back
(json.load) before anything is printed.
"""
import json
import statistics
import sys

NUMERIC = {"runs", "seconds", "first_byte_samples", "host.nproc"}
TARGETS = ["tern_hosted", "tern_hosted_copied", "nginx_offloads_on",
           "nginx_offloads_off", "tern_guest"]
FILES = ["1k.bin", "1m.bin"]


def floats(field):
    return [float(v) for v in field.split(",") if v]


def put(doc, key, value):
    if key in NUMERIC:
        value = int(value)
    elif key == "quick":
        value = value == "true"
    *outer, last = key.split(".")
    for k in outer:
        doc = doc.setdefault(k, {})
    doc[last] = value


def main():
    doc = {"suite": "http"}
    rows, fbs, stops, reports = [], [], [], {}
    for raw in open(sys.argv[1]):
        f = raw.rstrip("\n").split("\t")
        kind = f[0]
        if kind == "meta":
            put(doc, f[1], f[2])
        elif kind == "metafile":
            put(doc, f[1], open(f[2]).read())
        elif kind == "row":
            target, name, rps, p99, errors, reqs, failure = f[1:8]
            r = {"target": target, "file": name}
            rpsl, p99l = floats(rps), floats(p99)
            if rpsl:
                r.update(rps=round(statistics.median(rpsl), 1),
                         p99_ms=round(statistics.median(p99l), 3),
                         errors=int(errors), requests=int(reqs),
                         runs_rps=rpsl, runs_p99_ms=p99l)
            if not failure and int(errors or 0) > 0:
                failure = "%s socket errors or non-2xx/3xx responses" % errors
            if not failure and not rpsl:
                failure = "no wrk run completed"
            if failure:
                r["failure"] = failure
            rows.append(r)
        elif kind == "fb":
            target, ms, failure = f[1:4]
            r = {"target": target, "file": "1k.bin"}
            msl = floats(ms)
            if msl:
                r.update(median_ms=round(statistics.median(msl), 3),
                         min_ms=round(min(msl), 3), max_ms=round(max(msl), 3),
                         samples=len(msl))
            if failure or not msl:
                r["failure"] = failure or "no sample"
            fbs.append(r)
        elif kind == "stop":
            r = {"target": f[1], "ended": f[2]}
            if f[3]:
                r["failure"] = f[3]
            stops.append(r)
        elif kind == "report":
            reports.setdefault(f[1], []).append(f[2])

    def rps(target, name):
        for r in rows:
            if r["target"] == target and r["file"] == name and \
                    "failure" not in r:
                return r["rps"]
        return None

    ratios = {}
    for base in ("nginx_offloads_off", "nginx_offloads_on",
                 "tern_hosted_copied"):
        key = "tern_hosted_over_" + base
        ratios[key] = {}
        for name in FILES:
            t, b = rps("tern_hosted", name), rps(base, name)
            ratios[key][name] = round(t / b, 3) if t and b else None
    ratios["like_for_like"] = "tern_hosted_over_nginx_offloads_off"
    doc.update(rows=rows, first_byte=fbs, ratios=ratios, stops=stops,
               server_reports=reports)
    json.dump(doc, open(sys.argv[2], "w"), indent=2)
    json.load(open(sys.argv[2]))

    failed = "failure" in doc or any(
        "failure" in r for r in rows + fbs + stops)
    print("%-20s %-7s %11s %10s %7s" % ("target", "file", "req/s",
                                         "p99 ms", "errors"))
    order = {t: i for i, t in enumerate(TARGETS)}
    for r in sorted(rows, key=lambda r: (order.get(r["target"], 9),
                                         r["file"])):
        if "rps" in r:
            line = "%-20s %-7s %11.0f %10.2f %7d" % (
                r["target"], r["file"], r["rps"], r["p99_ms"], r["errors"])
        else:
            line = "%-20s %-7s %11s %10s %7s" % (r["target"], r["file"],
                                                 "-", "-", "-")
        if "failure" in r:
            line += "  FAILED: " + r["failure"]
        print(line)
    for r in fbs:
        if "median_ms" in r:
            print("first byte, 1 KiB, fresh connection: %-18s median %.3f ms"
                  " (min %.3f, max %.3f, %d samples)%s" % (
                      r["target"], r["median_ms"], r["min_ms"], r["max_ms"],
                      r["samples"],
                      "  FAILED: " + r["failure"] if "failure" in r else ""))
        else:
            print("first byte, 1 KiB: %s FAILED: %s" % (r["target"],
                                                        r["failure"]))
    for key in ("tern_hosted_over_nginx_offloads_off",
                "tern_hosted_over_nginx_offloads_on",
                "tern_hosted_over_tern_hosted_copied"):
        print("%s req/s: %s" % (key, ", ".join(
            "%s %s" % (n, "%.2fx" % v if v is not None else "n/a")
            for n, v in ratios[key].items())))
    for r in stops:
        if "failure" in r:
            print("%s: FAILED at the end: %s" % (r["target"], r["failure"]))
    if "failure" in doc:
        print("FAILED: " + doc["failure"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
