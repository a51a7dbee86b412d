#!/bin/bash
# accel.sh - decides which accelerator the guest tests use and records it
# in $TERN_GUEST_BUILD/accel (line 1: kvm or tcg; line 2: why). CTest runs
# it first (fixture guest_accel).
#
# KVM is used when /dev/kvm is a character device that opens read-write
# (guest_kvm_usable; the probe never creates it) and the probe image
# (probe/: SSE, MXCSR, x87 control word, a fiber sleeping through the LAPIC
# timer) halts with status 0 under it (guest_status: QEMU's own failure can
# never read as that). Otherwise TCG, with the reason; then TCG must pass
# the probe, or this test fails. Never silently skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

probe=$TERN_GUEST_BUILD/guest_probe.elf
out=$TERN_GUEST_BUILD/accel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

try() { # try ACCEL: 0 if the probe passes
    local rc
    # shellcheck disable=SC2046
    guest_run 60 "$tmp/$1.log" $(guest_qemu_args "$1" q35) -kernel "$probe" \
        > /dev/null
    rc=$?
    status=$(guest_status $rc)
    echo "accel: probe under $1: QEMU exit $rc (status $status)"
    [ "$status" = 0 ]
}

reason=""
if [ -n "${TERN_GUEST_ACCEL:-}" ]; then
    accel=$TERN_GUEST_ACCEL
    reason="forced by TERN_GUEST_ACCEL"
elif ! why=$(guest_kvm_usable); then
    accel=tcg
    reason="$why"
elif try kvm; then
    accel=kvm
    reason="/dev/kvm works and the probe image passes under it"
else
    accel=tcg
    detail=$(grep -m1 -E "KVM internal error|emulation failure|error" "$tmp/kvm.log" || true)
    reason="KVM cannot run Tern images here (probe: status $status${detail:+; $detail}); falling back to TCG"
    if [ -d /sys/module/kvm_pvm ]; then
        reason="$reason; this host's KVM is PVM, which runs non-PVM guests in KVM's instruction emulator (no SSE/MXCSR)"
    fi
fi
if [ -n "${TERN_GUEST_ACCEL:-}" ] && ! try "$accel"; then
    printf '%s\nforced, but the probe fails under it\n' "$accel" > "$out"
    cat "$tmp/$accel.log"
    echo "accel: FAILED: TERN_GUEST_ACCEL=$accel, and the probe image does not pass under it"
    exit 1
elif [ "$accel" = tcg ] && ! try tcg; then
    printf 'tcg\nthe probe fails under TCG too\n' > "$out"
    cat "$tmp/tcg.log"
    echo "accel: FAILED: the probe image does not pass under TCG either"
    exit 1
fi
printf '%s\n%s\n' "$accel" "$reason" > "$out"
echo "accel: guest tests use $accel ($reason)"
