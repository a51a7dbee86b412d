#!/bin/bash
# size.sh IMAGE LIMIT - the bytes IMAGE occupies once loaded
# (guest_loaded_bytes in lib.sh) must be under LIMIT. Prints the figure
# either way.
set -u
[ $# -eq 2 ] || { echo "usage: size.sh IMAGE LIMIT" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
image=$1 limit=$2
[ -f "$image" ] || { echo "FAIL: no image $image"; exit 1; }
loaded=$(guest_loaded_bytes "$image")
[ "$loaded" -gt 0 ] || { echo "FAIL: no PT_LOAD segment in $image"; exit 1; }
echo "$(basename "$image"): $loaded bytes loaded (limit $limit)"
[ "$loaded" -lt "$limit" ] || { echo "FAIL: over the limit"; exit 1; }
