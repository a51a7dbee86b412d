#!/bin/bash
# run.sh - boots one guest image and checks how it ends.
#
#   run.sh [-m MACHINE] [-c CPU] [-t SECONDS] [-s STATUS] [-g REGEX]...
#          [-q QEMU-ARGS] IMAGE [-- KERNEL-CMDLINE...]
#
# Passes if the guest halts with status STATUS (default 0; "abort" for
# tern_abort/exceptions) within SECONDS (default 60) and its console
# matches every REGEX (grep -E). MACHINE is pc (default), q35, microvm or
# microvm-fc (lib.sh, guest_qemu_args; GUEST_MACHINE overrides it).
# QEMU-ARGS (split at spaces) are added to QEMU's command line: devices.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

machine=pc cpu="" limit=60 want=0 patterns=() extra=()
while getopts "m:c:t:s:g:q:" opt; do
    case $opt in
        m) machine=$OPTARG ;;
        c) cpu=$OPTARG ;;
        t) limit=$OPTARG ;;
        s) want=$OPTARG ;;
        g) patterns+=("$OPTARG") ;;
        q) read -ra more <<< "$OPTARG"; extra+=("${more[@]}") ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
machine=$(guest_machine "$machine")
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
    -kernel "$(guest_image "$image")" -append "$cmdline" "${extra[@]}"
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
