# ci/lib.sh - shared by the ci scripts (sourced; POSIX sh), which run it
# from the repository's root.

# build_preset PRESET: configures and builds the CMake preset PRESET with
# $TERN_JOBS (default: all cores) jobs, logging to build-PRESET.log. On
# success removes the log and returns 0; on failure prints its last 40
# lines and "BUILD FAILED" and returns 1 (the log stays for reading).
build_preset() {
    _log=build-$1.log
    if cmake --preset "$1" > "$_log" 2>&1 &&
       cmake --build --preset "$1" -j "${TERN_JOBS:-$(nproc)}" >> "$_log" 2>&1; then
        rm -f "$_log"
        return 0
    fi
    tail -40 "$_log"
    echo "=== preset $1: BUILD FAILED (log: $_log)"
    return 1
}

# ---- The tally: ci/test.sh's pass and fail counts over several ctest runs,
# read from CTest's own JUnit reports (ci/junit_tally.py), never from its
# progress lines.
TALLY_PASSED=0
TALLY_FAILED=0
TALLY_FAILED_NAMES=""
TALLY_SKIPPED_NAMES=""

# tally_fail NAME: counts one failure that is not a test (a build, a
# broken ctest run).
tally_fail() {
    TALLY_FAILED=$((TALLY_FAILED + 1))
    TALLY_FAILED_NAMES="$TALLY_FAILED_NAMES $1"
}

# tally_ctest LABEL LOG CTEST-ARGS...: runs `ctest CTEST-ARGS` with a JUnit
# report next to LOG, its output going to the terminal and to LOG, and adds
# its tests to the tally as LABEL:NAME. A run whose report cannot be read
# counts as one failure, and so does a ctest that exits non-zero with no
# failed test in its report (no tests matched under --no-tests=error, a
# crash): a failing ctest never adds 0 failures. Returns ctest's status.
tally_ctest() {
    _label=$1 _log=$2
    shift 2
    case $_log in /*) ;; *) _log=$(pwd)/$_log ;; esac
    _junit=${_log%.log}.junit.xml
    rm -f "$_junit" "$_log.rc"
    # POSIX sh has no pipefail: ctest's status goes through a file.
    { ctest "$@" --output-junit "$_junit" 2>&1; echo $? > "$_log.rc"; } | tee "$_log"
    _rc=$(cat "$_log.rc" 2>/dev/null || echo 255)
    rm -f "$_log.rc"
    if ! _res=$(python3 ci/junit_tally.py "$_junit"); then
        tally_fail "$_label:ctest(exit $_rc, no JUnit report)"
        return "$_rc"
    fi
    _p=$(echo "$_res" | sed -n 's/^passed //p')
    _f=$(echo "$_res" | sed -n 's/^failed //p')
    TALLY_PASSED=$((TALLY_PASSED + _p))
    TALLY_FAILED=$((TALLY_FAILED + _f))
    for _n in $(echo "$_res" | sed -n 's/^failed_names//p'); do
        TALLY_FAILED_NAMES="$TALLY_FAILED_NAMES $_label:$_n"
    done
    for _n in $(echo "$_res" | sed -n 's/^skipped_names//p'); do
        TALLY_SKIPPED_NAMES="$TALLY_SKIPPED_NAMES $_label:$_n"
    done
    if [ "$_rc" -ne 0 ] && [ "$_f" -eq 0 ]; then
        tally_fail "$_label:ctest(exit $_rc)"
    fi
    return "$_rc"
}

# tally_close: prints the skipped and failed tests by name, then the
# closing line "N passed, M failed"; returns 1 if anything failed.
tally_close() {
    [ -n "$TALLY_SKIPPED_NAMES" ] && echo "skipped:$TALLY_SKIPPED_NAMES"
    [ -n "$TALLY_FAILED_NAMES" ] && echo "failed:$TALLY_FAILED_NAMES"
    echo "$TALLY_PASSED passed, $TALLY_FAILED failed"
    [ "$TALLY_FAILED" -eq 0 ]
}
