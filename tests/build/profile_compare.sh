#!/bin/sh
# profile_compare.sh SRCDIR HOSTED-BUILD GUEST-BUILD - tests
# `ci/profile.sh --compare` (label interop: perf, QEMU, and root for the
# namespaces): the UDP echo workload driven 3 s hosted and 3 s as a guest
# must leave both flame graphs (SVGs that parse), both folded files and
# where.txt and where.json, with samples on both sides, the stack's own
# functions on the stacks of both, samples charged to the stack category
# on both, and a header that names the hosted event and the guest's
# accelerator.
set -u
src=$1 hbuild=$2 gbuild=$3
tmp=$(mktemp -d /tmp/tern-compare.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "the apps run on TAPs in namespaces: needs root"
command -v perf >/dev/null || skip "perf missing"
[ -x "$hbuild/apps/echo/echo" ] || fail "no hosted echo in $hbuild"
[ -f "$gbuild/apps/echo/echo.elf" ] || fail "no guest echo image in $gbuild"

out=$tmp/out
sh "$src/ci/profile.sh" --compare --workload udp --duration 3 --out "$out" \
    --build-dir "$hbuild" --guest-build-dir "$gbuild" > "$tmp/log" 2>&1 ||
    { cat "$tmp/log"; fail "ci/profile.sh --compare exited with $?"; }
for f in hosted.folded hosted.svg guest.folded guest.svg where.txt where.json; do
    [ -s "$out/$f" ] || { cat "$tmp/log"; fail "no $f"; }
done
for f in hosted.svg guest.svg; do
    /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
        "$out/$f" || fail "$f does not parse"
done
grep -q "^hosted: perf record -g -e " "$out/where.txt" || fail "where.txt: no hosted event"
grep -q "^guest: .*accelerator \(tcg\|kvm\) on q35" "$out/where.txt" ||
    fail "where.txt: no accelerator"
grep -q "^stack " "$out/where.txt" || fail "where.txt: no stack row"
for side in hosted guest; do
    grep -q ";tern_udp_sendto_pkt;\|;udp_input;\|;ipv4_input;" "$out/$side.folded" ||
        fail "$side: no stack function on the stacks"
done
/usr/bin/python3 - "$out/where.json" <<'PY' || fail "where.json"
import json, sys
sides = json.load(open(sys.argv[1]))["sides"]
for name in ("hosted", "guest"):
    s = sides[name]
    print("%s: %d samples, %d stack, %d driver, %d idle" % (
        name, s["total"], s["samples"]["stack"], s["samples"]["driver"],
        s["samples"]["idle"]))
    if s["total"] <= 0 or s["samples"]["stack"] <= 0:
        sys.exit("%s: no samples, or none in the stack" % name)
PY
sed -n '/^category/,/^total/p' "$out/where.txt"
echo "PASS"
