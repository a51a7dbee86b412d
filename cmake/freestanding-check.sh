#!/bin/sh
# freestanding-check.sh STAMP ALLOWLIST OBJ...
# Links OBJ... into one relocatable object and fails if it leaves any symbol
# undefined that ALLOWLIST (one name per line, '#' comments) does not name.
# On success it touches STAMP.
set -eu
stamp=$1; allow=$2; shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ld -r -o "$tmp/all.o" "$@"
nm -u "$tmp/all.o" | awk '{print $NF}' | sort -u > "$tmp/undef"
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$allow" | tr -d ' \t' | sort -u > "$tmp/allow"
bad=$(comm -23 "$tmp/undef" "$tmp/allow")
if [ -n "$bad" ]; then
    echo "freestanding check FAILED: components need symbols a guest does not have:" >&2
    for sym in $bad; do
        echo "  $sym" >&2
    done
    echo "Components may only call dev.h platform services and the symbols in $allow." >&2
    exit 1
fi
touch "$stamp"
