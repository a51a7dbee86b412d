#!/bin/bash
# prof/check.sh - the guest sampling profiler end to end: boots the
# profspin image (prof/main.c) with --profile 1000 and QEMU's isa-debugcon
# writing the sample stream to a file, symbolises the stream against the
# image (ci/profile/symbolise.py) and checks that the guest halted with
# status 0, that the stream ended with its trailer, that it holds at least
# 50 samples, and that profspin_work, the function the image spins in, is
# the innermost frame of >= 90% of them, under tern_guest_main (directly
# with gcc, which inlines profspin_main; clang keeps it). Checks what
# was sampled, not how fast. Machine pc unless GUEST_MACHINE says.
#
# usage: check.sh [abort|fault] - the image ends with tern_abort() or a
# page fault instead of returning (profspin --end): then the guest's
# status must be "abort", the console must show the abort or the
# exception, and the stream must still be complete (prof_finish runs on
# those paths too).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

end=${1:-return}
case $end in
    return) want=0 said="" ;;
    abort) want=abort said="tern: abort" ;;
    fault) want=abort said="tern: exception 14 (#PF page fault)" ;;
    *) echo "usage: check.sh [abort|fault]" >&2; exit 2 ;;
esac
image=$TERN_GUEST_BUILD/guest_profspin.elf
machine=$(guest_machine pc)
accel=$(guest_accel)
echo "guest: guest_profspin --profile 1000 --end $end on $machine with $accel ($(guest_accel_reason))"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
guest_run 90 "$tmp/console.log" $(guest_qemu_args "$accel" "$machine") \
    -debugcon "file:$tmp/samples.bin" -kernel "$image" \
    -append "--profile 1000 --ms 1000 --end $end"
rc=$?
status=$(guest_status $rc)
echo "guest: QEMU exit $rc: status $status (want $want)"
[ "$status" = "$want" ] || { echo "FAIL: guest status $status"; exit 1; }
if [ -n "$said" ]; then
    grep -qF "$said" "$tmp/console.log" ||
        { echo "FAIL: the console does not say '$said'"; exit 1; }
fi
grep -q "guest: profiling at 1000.152 Hz" "$tmp/console.log" ||
    { echo "FAIL: the guest did not start profiling"; exit 1; }
/usr/bin/python3 "$root/ci/profile/symbolise.py" "$tmp/samples.bin" "$image" \
    "$tmp/profspin.folded" 2> "$tmp/symbolise.err" | tee "$tmp/symbolise.out"
cat "$tmp/symbolise.err"
[ -s "$tmp/profspin.folded" ] || { echo "FAIL: no folded stacks"; exit 1; }
grep -q "no trailer" "$tmp/symbolise.out" && { echo "FAIL: no trailer"; exit 1; }
echo "folded stacks:"
sed 's/^/  /' "$tmp/profspin.folded"
awk '
    { n = $NF; total += n; if ($1 ~ /(^|;)tern_guest_main;(.*;)?profspin_work$/) spin += n }
    END {
        printf "profspin_work: %d of %d samples (%.1f%%)\n", spin, total,
            total ? 100 * spin / total : 0
        if (total < 50) { print "FAIL: fewer than 50 samples"; exit 1 }
        if (spin * 10 < total * 9) { print "FAIL: under 90%"; exit 1 }
    }' "$tmp/profspin.folded"
