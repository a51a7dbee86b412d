#!/bin/sh
# symbolise.sh SRC - ci/profile/symbolise.py on the canned guest sample
# stream tests/build/symbolise/samples.bin (six records: shared frames
# carried over from the previous record, a RIP at a function's first byte,
# a return address at the next function's first byte, which names the
# caller, addresses in no function, a trailer counting 8 taken, 2
# dropped and 3 merged) against a canned nm listing: the folded stacks must equal
# expected.folded. Then the same stream cut inside its last record (read up
# to there, with a warning), a bad magic and a record that keeps more
# frames than the previous one had (both refused with status 1).
set -u
src=$1
py=/usr/bin/python3
sym="$py $src/ci/profile/symbolise.py --symbols $src/tests/build/symbolise/symbols.txt"
dir=$src/tests/build/symbolise
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

$sym "$dir/samples.bin" image.elf "$tmp/out.folded" > "$tmp/out.txt" || fail=1
cat "$tmp/out.txt"
diff -u "$dir/expected.folded" "$tmp/out.folded" || { echo "FAIL: folded stacks differ"; fail=1; }
grep -q "6 samples at 1000.152 Hz, 5 stacks; guest took 8, dropped 2 (ring full), merged 3 NMIs" "$tmp/out.txt" ||
    { echo "FAIL: summary line"; fail=1; }

# Cut 3 bytes into the last record (2 + 4 bytes, then the 17-byte trailer).
head -c $(( $(wc -c < "$dir/samples.bin") - 17 - 3 )) "$dir/samples.bin" > "$tmp/cut.bin"
$sym "$tmp/cut.bin" image.elf "$tmp/cut.folded" > "$tmp/cut.txt" 2> "$tmp/cut.err" ||
    { echo "FAIL: a cut stream was refused"; fail=1; }
grep -q "5 samples" "$tmp/cut.txt" || { echo "FAIL: cut stream: not 5 samples"; fail=1; }
grep -q "without its trailer" "$tmp/cut.err" || { echo "FAIL: cut stream: no warning"; fail=1; }

printf 'XPRF' > "$tmp/bad.bin"
tail -c +5 "$dir/samples.bin" >> "$tmp/bad.bin"
if $sym "$tmp/bad.bin" image.elf "$tmp/bad.folded" 2> "$tmp/bad.err"; then
    echo "FAIL: a bad magic was accepted"; fail=1
fi
grep -q "not a version 1 stream" "$tmp/bad.err" || { echo "FAIL: bad magic message"; fail=1; }

# The header, then one record keeping 1 frame with none before it.
head -c 12 "$dir/samples.bin" > "$tmp/keep.bin"
printf '\001\001\020\020\020\000' >> "$tmp/keep.bin"
if $sym "$tmp/keep.bin" image.elf "$tmp/keep.folded" 2> "$tmp/keep.err"; then
    echo "FAIL: a record keeping missing frames was accepted"; fail=1
fi
grep -q "previous 0" "$tmp/keep.err" || { echo "FAIL: keep message"; fail=1; }
[ $fail = 0 ] && echo "symbolise: all checks passed"
exit $fail
