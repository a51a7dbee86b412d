#!/bin/sh
# tally.sh SRCDIR - tests ci/test.sh's counting (tally_ctest and tally_close
# in ci/lib.sh) on a tiny CTest project made here: one test that passes, one
# that fails, one that times out and one that skips. The tally must say
# "1 passed, 2 failed", name both failures and the skip, and return
# non-zero. A test that did not run because its fixture failed is a
# failure (as in CTest's own count), and a ctest run that exits non-zero
# with no failed test in it (no test matches under --no-tests=error) must
# count as a failure too.
set -u
cd "$1" || exit 1
. ci/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$tmp/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(tally_fixture NONE)
enable_testing()
add_test(NAME passes COMMAND true)
add_test(NAME fails COMMAND false)
add_test(NAME times_out COMMAND sleep 60)
set_tests_properties(times_out PROPERTIES TIMEOUT 1)
add_test(NAME skips COMMAND sh -c "exit 77")
set_tests_properties(skips PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME broken_setup COMMAND false)
set_tests_properties(broken_setup PROPERTIES FIXTURES_SETUP fx)
add_test(NAME needs_setup COMMAND true)
set_tests_properties(needs_setup PROPERTIES FIXTURES_REQUIRED fx)
CMAKE
cmake -S "$tmp" -B "$tmp/b" > "$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; fail "configure"; }

# One run with a pass, a failure and a timeout.
tally_ctest tiny "$tmp/run.log" --test-dir "$tmp/b" -j 2 \
    -R '^(passes|fails|times_out|skips)$' > /dev/null
out=$(tally_close)
rc=$?
echo "$out"
[ "$rc" -ne 0 ] || fail "tally_close returned 0 with failures"
[ "$(echo "$out" | tail -n1)" = "1 passed, 2 failed" ] || fail "closing line"
echo "$out" | grep -q "^failed:.* tiny:fails" || fail "tiny:fails not named"
echo "$out" | grep -q "^failed:.* tiny:times_out" || fail "tiny:times_out not named"
echo "$out" | grep -q "^skipped: tiny:skips$" || fail "tiny:skips not named"

tally_reset() {
    TALLY_PASSED=0 TALLY_FAILED=0 TALLY_FAILED_NAMES="" TALLY_SKIPPED_NAMES=""
}

# A failed fixture: its dependant did not run, and that is a failure.
tally_reset
tally_ctest fixture "$tmp/fixture.log" --test-dir "$tmp/b" -R _setup > /dev/null
out=$(tally_close)
echo "$out"
[ "$(echo "$out" | tail -n1)" = "0 passed, 2 failed" ] || fail "fixture's closing line"
echo "$out" | grep -q "^failed:.* fixture:needs_setup" || fail "fixture:needs_setup not named"

# A ctest that fails with no failed test in its report still counts.
tally_reset
tally_ctest none "$tmp/none.log" --test-dir "$tmp/b" -R no_such_test \
    --no-tests=error > /dev/null
out=$(tally_close)
rc=$?
echo "$out"
[ "$rc" -ne 0 ] || fail "an empty failing run returned 0"
[ "$(echo "$out" | tail -n1)" = "0 passed, 1 failed" ] || fail "empty run's closing line"
echo "tally: ok"
