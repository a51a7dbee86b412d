#!/bin/bash
# ci/test.sh - installs what is missing, configures and builds every preset,
# runs every test, and ends with the line "N passed, N failed". Exits non-zero
# on any failure (a failed build counts as one failed test).
#
#   ci/test.sh                 every preset
#   TERN_PRESETS="dev" ci/test.sh   only the named presets
#
# Which tests run where (CTest labels):
#   dev      unit tests under ASan + UBSan (everything but interop/valgrind)
#   release  every hosted test: unit, interop (TAP, namespaces, real tools),
#            valgrind, benchmark smoke runs
#   clang    unit tests built by clang (the second compiler)
#   fuzz     every fuzz target: its seed corpus plus a few seconds of fuzzing
#   guest    guest images booted in QEMU (KVM when /dev/kvm works, else TCG)
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

sh ci/setup.sh || { echo "ci/setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }

presets=${TERN_PRESETS:-"dev release clang fuzz guest"}
jobs=${TERN_JOBS:-$(nproc)}
passed=0
failed=0
failed_names=""
start=$(date +%s)

ctest_filter() {
    case $1 in
        dev) echo "-LE interop|valgrind|bench" ;;
        clang) echo "-L unit -LE interop|valgrind|bench" ;;
        *) echo "" ;;
    esac
}

for preset in $presets; do
    echo "=== preset $preset: configure and build"
    if ! build_preset "$preset"; then
        failed=$((failed + 1))
        failed_names="$failed_names build:$preset"
        continue
    fi
    echo "=== preset $preset: test"
    log=build/$preset/ctest.log
    # shellcheck disable=SC2046
    ctest --preset "$preset" -j "$jobs" $(ctest_filter "$preset") \
        --no-tests=ignore 2>&1 | tee "$log"
    # Guest tests: say which accelerator they ran under (tests/guest/accel.sh).
    if [ -s "build/$preset/tests/guest/accel" ]; then
        echo "guest accelerator: $(paste -sd' ' "build/$preset/tests/guest/accel")" | tee -a "$log"
    fi
    p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed' "$log")
    f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +(\*\*\*|Failed|Exception|Timeout|Not Run)' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        names=$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$log" | grep -vE ' Passed' |
                sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/' | tr '\n' ' ')
        failed_names="$failed_names $preset:{ $names}"
    fi
done

echo "=== done in $(( $(date +%s) - start ))s"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
