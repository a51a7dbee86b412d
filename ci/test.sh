#!/bin/bash
# ci/test.sh - installs what is missing, configures and builds every preset,
# runs every test, and ends with the line "N passed, N failed", after the
# names of the failed (and skipped) tests. Exits non-zero on any failure: a
# failed build, a failed or timed-out test, or a ctest that exits non-zero
# (each counts). The counts come from CTest's JUnit report of each preset
# (build/PRESET/ctest.junit.xml; ci/junit_tally.py), never from its output.
#
#   ci/test.sh                 every preset
#   TERN_PRESETS="dev" ci/test.sh   only the named presets
#
# Which tests run where (CTest labels):
#   dev      unit tests under ASan + UBSan (everything but interop/valgrind/
#            long)
#   release  every hosted test: unit, interop (TAP, namespaces, real tools),
#            valgrind, long simulations, benchmark smoke runs
#   clang    unit tests built by clang (the second compiler)
#   fuzz     every fuzz target: its seed corpus plus a few seconds of fuzzing
#   guest    guest images booted in QEMU (KVM when /dev/kvm works, else TCG)
#   guest-small  the same images at -Os: echo's size under 150 KB, and
#            booting, echo and httpd on pc and microvm
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

sh ci/setup.sh || { echo "ci/setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }

presets=${TERN_PRESETS:-"dev release clang fuzz guest guest-small"}
jobs=${TERN_JOBS:-$(nproc)}
start=$(date +%s)

ctest_filter() {
    case $1 in
        dev) echo "-LE interop|valgrind|bench|long" ;;
        clang) echo "-L unit -LE interop|valgrind|bench|long" ;;
        guest-small) echo "-R ^(guest_accel|guest_image_size_echo|guest_boot_pc|guest_boot_microvm|guest_net_tap_echo|guest_net_tap_echo_microvm|guest_app_httpd|guest_app_httpd_microvm)$" ;;
        *) echo "" ;;
    esac
}

# The counts come from each ctest's JUnit report (tally_ctest, ci/lib.sh).
for preset in $presets; do
    echo "=== preset $preset: configure and build"
    if ! build_preset "$preset"; then
        tally_fail "build:$preset"
        continue
    fi
    echo "=== preset $preset: test"
    log=build/$preset/ctest.log
    # shellcheck disable=SC2046
    tally_ctest "$preset" "$log" --preset "$preset" -j "$jobs" \
        $(ctest_filter "$preset") --no-tests=error
    # Guest tests: say which accelerator they ran under and why (accel.sh).
    if [ -s "build/$preset/tests/guest/accel" ]; then
        echo "guest accelerator: $(paste -sd' ' "build/$preset/tests/guest/accel")" | tee -a "$log"
    fi
done

echo "=== done in $(( $(date +%s) - start ))s"
tally_close
