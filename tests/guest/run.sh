#!/bin/bash
# run.sh - boots one guest image and checks how it ends.
#
#   run.sh [-m MACHINE] [-c CPU] [-t SECONDS] [-s STATUS] [-g REGEX]...
#          IMAGE [-- KERNEL-CMDLINE...]
#
# Passes if the guest halts with status STATUS (default 0; "abort" for
# tern_abort/exceptions) within SECONDS (default 60) and its console
# matches every REGEX (grep -E). MACHINE is pc (default) or q35.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

machine=pc cpu="" limit=60 want=0 patterns=()
while getopts "m:c:t:s:g:" opt; do
    case $opt in
        m) machine=$OPTARG ;;
        c) cpu=$OPTARG ;;
        t) limit=$OPTARG ;;
        s) want=$OPTARG ;;
        g) patterns+=("$OPTARG") ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
image=$1
shift
[ "${1:-}" = "--" ] && shift
cmdline="$*"

accel=$(guest_accel)
echo "guest: $image on $machine with $accel ($(guest_accel_reason))"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2046
guest_run "$limit" "$log" $(guest_qemu_args "$accel" "$machine" "$cpu") \
    -kernel "$(guest_image "$image")" -append "$cmdline"
rc=$?
status=$(guest_status $rc)
echo "guest: QEMU exit $rc: status $status (want $want)"
fail=0
[ "$status" = "$want" ] || fail=1
for p in "${patterns[@]}"; do
    if ! grep -qE -- "$p" "$log"; then
        echo "guest: console lacks /$p/"
        fail=1
    fi
done
exit $fail
