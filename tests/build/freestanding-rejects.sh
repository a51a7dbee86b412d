#!/bin/sh
# freestanding-rejects.sh CC SRCDIR
# Shows that the freestanding check fails the build when a component calls
# malloc: compiles tests/build/calls_malloc.c and a real component with the
# guest's flags, runs cmake/freestanding-check.sh on them, and expects it
# to fail naming malloc. Also checks that the real component alone passes.
set -u
cc=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-ffreestanding -nostdlib -mno-red-zone -fno-pic -fno-pie -fno-stack-protector -std=c17 -I$src/include"

$cc $flags -c "$src/tests/build/calls_malloc.c" -o "$tmp/bad.o" || exit 1
$cc $flags -c "$src/components/lib/cksum.c" -o "$tmp/good.o" || exit 1

if ! sh "$src/cmake/freestanding-check.sh" "$tmp/ok1" "$src/cmake/freestanding-allow.txt" "$tmp/good.o"; then
    echo "FAIL: a clean component was rejected"
    exit 1
fi
if sh "$src/cmake/freestanding-check.sh" "$tmp/ok2" "$src/cmake/freestanding-allow.txt" \
       "$tmp/good.o" "$tmp/bad.o" 2> "$tmp/err"; then
    echo "FAIL: a component calling malloc was accepted"
    exit 1
fi
if ! grep -qx '  malloc' "$tmp/err"; then
    echo "FAIL: the rejection does not name malloc:"
    cat "$tmp/err"
    exit 1
fi
echo "ok: the freestanding check rejects malloc:"
cat "$tmp/err"
