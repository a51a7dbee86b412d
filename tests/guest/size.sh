#!/bin/bash
# size.sh IMAGE LIMIT - the bytes IMAGE occupies once loaded (the sum of
# its PT_LOAD segments' p_memsz: code, data and .bss, as the loader lays
# them out) must be under LIMIT. Prints the figure either way.
set -u
[ $# -eq 2 ] || { echo "usage: size.sh IMAGE LIMIT" >&2; exit 2; }
image=$1 limit=$2
[ -f "$image" ] || { echo "FAIL: no image $image"; exit 1; }
loaded=0
while read -r type _ _ _ _ memsz _; do
    [ "$type" = LOAD ] && loaded=$((loaded + 16#${memsz#0x}))
done < <(readelf -lW "$image" | sed -n 's/^ *//p')
[ "$loaded" -gt 0 ] || { echo "FAIL: no PT_LOAD segment in $image"; exit 1; }
echo "$(basename "$image"): $loaded bytes loaded (limit $limit)"
[ "$loaded" -lt "$limit" ] || { echo "FAIL: over the limit"; exit 1; }
