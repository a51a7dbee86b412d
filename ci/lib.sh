# ci/lib.sh - shared by the ci scripts (sourced; POSIX sh).

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
