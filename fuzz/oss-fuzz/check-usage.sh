#!/bin/sh
# fuzz/oss-fuzz/check-usage.sh SRCDIR - ci/fuzz.sh refuses what it does
# not know before it installs or builds anything: an unknown flag, a
# SECONDS that is not a number and two SECONDS each print the usage and
# exit 2; --help prints it and exits 0. Exits 0 when all hold, 1 otherwise.
set -u
script=$1/ci/fuzz.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-fuzz-usage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0

# expect CODE ARGS...: ci/fuzz.sh ARGS exits CODE and prints its usage.
expect() {
    _want=$1
    shift
    sh "$script" "$@" > "$tmp/out" 2>&1
    _rc=$?
    if [ "$_rc" -ne "$_want" ] || ! grep -q '^usage: ci/fuzz.sh' "$tmp/out"; then
        echo "FAIL: ci/fuzz.sh $*: exit $_rc (want $_want)"
        cat "$tmp/out"
        status=1
    fi
}

expect 2 --bogus
expect 2 -m
expect 2 12s
expect 2 10 20
expect 2 --merge --merges
expect 0 --help
[ "$status" -eq 0 ] && echo "ci/fuzz.sh usage: ok"
exit "$status"
