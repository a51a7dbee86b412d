#!/bin/sh
# plot_test.sh SRCDIR BENCH_SCHED - tests bench/plot.py: the sched suite's
# JSON from a quick run (plus a file of another shape, which is skipped)
# becomes sched.svg and ratios.svg, both well-formed SVG naming every
# ratio metric of the suite.
set -u
src=$1 bench=$2
tmp=$(mktemp -d /tmp/tern-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
    { echo "SKIP: python3-matplotlib missing"; exit 77; }
"$bench" --quick --out "$tmp" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "bench_sched"; }
echo '{"suite": "other", "rows": []}' > "$tmp/other.json"
/usr/bin/python3 "$src/bench/plot.py" "$tmp" > "$tmp/plot.log" 2>&1 || { cat "$tmp/plot.log"; fail "plot.py"; }
grep -q "other.json is not a runner suite: skipped" "$tmp/plot.log" || fail "other.json not skipped"
/usr/bin/python3 - "$tmp" <<'PY' || fail "SVG check"
import json, sys, xml.etree.ElementTree as E
d = sys.argv[1]
names = [m["name"] for m in json.load(open(d + "/sched.json"))["metrics"] if m["unit"] == "x"]
assert names, "no ratio metrics"
for svg in ("sched.svg", "ratios.svg"):
    E.parse(d + "/plots/" + svg)  # well-formed
    text = open(d + "/plots/" + svg).read()
    # matplotlib draws text as glyph paths and keeps it in comments
    for n in names:
        assert n in text, "%s lacks %r" % (svg, n)
print("sched.svg, ratios.svg: ok, %d ratios" % len(names))
PY
echo PASS
