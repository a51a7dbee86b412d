#!/bin/sh
# profile.sh SRCDIR BUILDDIR - tests ci/profile.sh on this build (label
# interop: perf, and root for the app's namespace):
#   1. bench_sched --quick under perf: perf.data, folded stacks, an SVG
#      that parses, top.txt; fiber stacks unwind to tern_ctx_trampoline at
#      their root (never into garbage below it), and nearly all of them
#      pass through fiber_main;
#   2. an event perf cannot sample falls back to cpu-clock and says so;
#   3. the echo app driven for 2 s: its serving fiber's function shows up.
set -u
src=$1 build=$2
tmp=$(mktemp -d /tmp/tern-profile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
command -v perf >/dev/null || skip "perf missing"
perf record -q -o "$tmp/probe.data" -- true >/dev/null 2>&1 ||
    skip "perf cannot record here"

# check_fibers FOLDED: fiber stacks end at the trampoline, and in >= 90%
# of their samples the frame above it is a named entry function
# (fiber_main for fibers, the bare contexts' peer_loop in bench_sched; a
# sample on a function's first instruction can skip one frame).
check_fibers() {
    /usr/bin/python3 - "$1" <<'PY' || fail "fiber stacks in $1"
import sys
fib = named = 0
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    frames = stack.split(";")
    if "tern_ctx_trampoline" not in frames:
        continue
    if frames.index("tern_ctx_trampoline") != 1:
        sys.exit("frames below the trampoline: " + stack)
    fib += int(n)
    entry = frames[2] if len(frames) > 2 else ""
    named += int(n) if entry in ("fiber_main", "peer_loop") else 0
print("fiber samples: %d, %d with their entry function" % (fib, named))
if fib == 0 or named < 0.9 * fib:
    sys.exit("too few fiber samples unwind to their entry function")
PY
}

out=$tmp/sched
sh "$src/ci/profile.sh" --build-dir "$build" --out "$out" bench_sched \
    --quick --out "$tmp/bench" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "profile.sh bench_sched"; }
for f in perf.data bench_sched.folded bench_sched.svg top.txt event.txt; do
    [ -s "$out/$f" ] || fail "no $f"
done
/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
    "$out/bench_sched.svg" || fail "the SVG does not parse"
grep -q "tern_ctx_switch" "$out/top.txt" || fail "tern_ctx_switch not in top.txt"
check_fibers "$out/bench_sched.folded"
echo "bench_sched: ok ($(head -1 "$out/top.txt"))"

sh "$src/ci/profile.sh" --build-dir "$build" --out "$tmp/ev" --event no-such-event \
    bench_sched --quick --out "$tmp/bench" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "profile.sh --event"; }
grep -q "^event: cpu-clock (software clock samples" "$tmp/ev/event.txt" ||
    fail "no fallback to cpu-clock: $(cat "$tmp/ev/event.txt")"
echo "fallback to cpu-clock: ok"

[ "$(id -u)" -eq 0 ] || skip "the echo app needs root for its namespace"
out=$tmp/echo
sh "$src/ci/profile.sh" --build-dir "$build" --out "$out" --duration 2 echo \
    > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "profile.sh echo"; }
grep -q "datagrams echoed" "$out/app.log" || fail "echo did not report"
grep -q "fiber_main;serve;" "$out/echo.folded" || fail "serve not in the stacks"
check_fibers "$out/echo.folded"
echo "echo: ok ($(grep "^drive_udp" "$tmp/log"))"
echo "PASS"
