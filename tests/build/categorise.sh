#!/bin/sh
# categorise.sh SRC - ci/profile/categorise.py on canned folded stacks
# (tests/build/categorise/hosted.folded and guest.folded, one stack per
# rule: a kernel leaf charged through readv to the driver, ppoll's kernel
# time with tun_chr_poll to idle, the kernel's copies kept as copy,
# Linux's udp_* under writev not counted as Tern's stack, the ordered
# table putting tern_udp_cksum in checksum before tern_udp_* in stack,
# clone and version suffixes, a stack of kernel frames only, a line that
# is not a stack): the table must equal expected.txt, hand-counted, and
# where.json must hold the same counts. Then an empty input fails with
# status 1 and a bad argument with 2.
set -u
src=$1
cat="/usr/bin/python3 $src/ci/profile/categorise.py"
dir=$src/tests/build/categorise
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

$cat --top 0 --json "$tmp/where.json" hosted="$dir/hosted.folded" \
    guest="$dir/guest.folded" > "$tmp/out.txt" || { echo "FAIL: status $?"; fail=1; }
diff -u "$dir/expected.txt" "$tmp/out.txt" || { echo "FAIL: the table differs"; fail=1; }
/usr/bin/python3 - "$tmp/where.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))["sides"]
want = {"hosted": dict(checksum=7, copy=9, idle=35, driver=74, scheduler=6,
                       stack=5, other=9),
        "guest": dict(checksum=4, copy=14, idle=50, driver=22, scheduler=1,
                      stack=3, other=3)}
for side, counts in want.items():
    if d[side]["samples"] != counts or d[side]["total"] != sum(counts.values()):
        sys.exit("FAIL: where.json %s: %s" % (side, d[side]["samples"]))
PY

: > "$tmp/empty.folded"
$cat hosted="$dir/hosted.folded" guest="$tmp/empty.folded" > "$tmp/empty.txt" 2> "$tmp/empty.err"
[ $? -eq 1 ] || { echo "FAIL: an input with no samples did not fail"; fail=1; }
grep -q "guest: no samples" "$tmp/empty.err" || { echo "FAIL: no-samples message"; fail=1; }
$cat hosted > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a bad argument did not exit 2"; fail=1; }
[ $fail = 0 ] && echo "categorise: all checks passed"
exit $fail
