#!/bin/bash
# fault/check.sh MODE VECTOR-REGEX [FUNCTION...] - boots the fault image
# with --mode MODE and checks the crash report: QEMU exit 255, the console
# matches VECTOR-REGEX, the registers are printed (exceptions), and the
# "symbolise:" line's addresses resolve (addr2line on the image) to every
# FUNCTION (default: fault_level3, fault_level2, fault_level1, fault_main;
# "-": only that every address resolves to some function).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

mode=$1 vector=$2
shift 2
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(fault_level3 fault_level2 fault_level1 fault_main)
image=$TERN_GUEST_BUILD/guest_fault.elf
accel=$(guest_accel)
echo "guest: guest_fault --mode $mode with $accel ($(guest_accel_reason))"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2046
guest_run 60 "$log" $(guest_qemu_args "$accel" pc) -kernel "$image" \
    -append "--mode $mode"
rc=$?
fail=0
[ "$rc" -eq 255 ] || { echo "FAIL: QEMU exit $rc, want 255"; fail=1; }
grep -qE -- "$vector" "$log" || { echo "FAIL: no /$vector/"; fail=1; }
if [ "$mode" = pf ] || [ "$mode" = ud ]; then
    grep -qE "^rip [0-9a-f]{16}" "$log" || { echo "FAIL: no registers"; fail=1; }
fi
addrs=$(sed -n 's/^symbolise: addr2line -f -i -e IMAGE.elf//p' "$log")
if [ -z "$addrs" ]; then
    echo "FAIL: no symbolise line"
    exit 1
fi
# shellcheck disable=SC2086
syms=$(addr2line -f -i -e "$image" $addrs)
echo "backtrace symbolised:"
echo "$syms" | paste - - | sed 's/^/  /'
if [ "${functions[0]}" = - ]; then
    functions=()
    if echo "$syms" | grep -qx '??'; then
        echo "FAIL: an address does not resolve"
        fail=1
    fi
fi
for fn in "${functions[@]}"; do
    echo "$syms" | grep -qx "$fn" || { echo "FAIL: $fn not in the backtrace"; fail=1; }
done
exit $fail
