#!/bin/sh
# ci/coverage.sh - line and branch coverage of the components by the unit
# tests and the fuzz corpora, from clang's source-based instrumentation
# (the coverage preset: -fprofile-instr-generate -fcoverage-mapping, -O0).
#
#   1. builds the coverage preset (TERN_JOBS jobs, default 2);
#   2. runs the unit and component tests (ctest -L unit, without the
#      interop, valgrind, bench and long labels) and every fuzz target over
#      its seed corpus once (-runs=0: no new fuzzing), each process writing
#      its own profile;
#   3. merges them (llvm-profdata) and writes into build/coverage/report/:
#        html/index.html   llvm-cov show, line by line, with branches
#        report.txt        llvm-cov report: every file of components/
#        summary.txt       per component: lines and branches covered
#
# A failing test is reported but still counted for coverage; the script
# exits 1 if a test failed or nothing was measured, 0 otherwise.
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

bin=build/coverage
out=build/coverage/report
sh ci/setup.sh || { echo "ci/setup.sh failed"; exit 1; }
TERN_JOBS=${TERN_JOBS:-2} build_preset coverage || exit 1
rm -rf "$out"
mkdir -p "$out/raw"
raw=$(pwd)/$out/raw

status=0
echo "=== unit and component tests"
LLVM_PROFILE_FILE="$raw/test-%p-%m.profraw" \
    ctest --test-dir "$bin" -L unit -LE 'interop|valgrind|bench|long' \
    -j "${TERN_JOBS:-2}" > "$out/ctest.log" 2>&1 || status=1
tail -n 3 "$out/ctest.log"

echo "=== fuzz corpora"
for f in $(find "$bin/fuzz" -type f -name 'fuzz_*' -perm -u+x | sort); do
    name=$(basename "$f" | sed 's/^fuzz_//')
    corpus=fuzz/corpus/$name
    [ -d "$corpus" ] || continue
    LLVM_PROFILE_FILE="$raw/fuzz-$name-%p.profraw" \
        "$f" -runs=0 "$corpus" > "$out/fuzz_$name.log" 2>&1 ||
        { echo "fuzz_$name failed on its corpus"; status=1; }
done
echo "$(find "$bin/fuzz" -type f -name 'fuzz_*' -perm -u+x | wc -l) fuzz targets run over their corpora"

n=$(find "$raw" -name '*.profraw' | wc -l)
[ "$n" -gt 0 ] || { echo "ci/coverage.sh: no profiles written"; exit 1; }
llvm-profdata merge -sparse "$raw"/*.profraw -o "$out/tern.profdata" ||
    { echo "llvm-profdata failed"; exit 1; }
rm -rf "$raw"

# Every instrumented executable that ran; llvm-cov takes the first as the
# binary and the rest as -object.
objs=""
for f in $(find "$bin/tests" "$bin/fuzz" -type f \( -name 'test_*' -o -name 'fuzz_*' \) -perm -u+x | sort); do
    if [ -z "$objs" ]; then objs=$f; else objs="$objs -object $f"; fi
done
# shellcheck disable=SC2086
llvm-cov show $objs -instr-profile="$out/tern.profdata" -format=html \
    -show-branches=count -output-dir="$out/html" \
    -ignore-filename-regex='(tests|fuzz|hosted)/' components/ ||
    { echo "llvm-cov show failed"; exit 1; }
# shellcheck disable=SC2086
llvm-cov report $objs -instr-profile="$out/tern.profdata" \
    -show-branch-summary components/ > "$out/report.txt" ||
    { echo "llvm-cov report failed"; exit 1; }
python3 ci/coverage_summary.py "$out/report.txt" > "$out/summary.txt" ||
    { echo "coverage summary failed"; exit 1; }
echo "=== $n profiles; $out/html/index.html, $out/report.txt, $out/summary.txt"
cat "$out/summary.txt"
exit $status
