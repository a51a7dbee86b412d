#!/bin/sh
# ci/fuzz.sh [SECONDS] - builds the fuzz preset (clang, libFuzzer, ASan,
# UBSan) and runs every fuzz_* target over its seed corpus plus SECONDS of
# fresh fuzzing each (default 30). Inputs that crash, leak or hang are
# saved under fuzz/findings/NAME/ (gitignored) with the tail of the log.
# Prints one line per target and a closing "N passed, N failed"; exits
# non-zero if any target failed.
#
#   ci/fuzz.sh            30 s per target
#   ci/fuzz.sh 600        ten minutes each
#   TERN_FUZZ_ONLY=lib_ ci/fuzz.sh 60   only targets whose name contains lib_
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

seconds=${1:-30}
case $seconds in
    ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

sh ci/setup.sh || { echo "ci/setup.sh failed"; exit 1; }
build_preset fuzz || exit 1

passed=0
failed=0
failed_names=""
targets=$(find build/fuzz -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -z "$targets" ]; then
    echo "ci/fuzz.sh: no fuzz targets built"
    exit 1
fi
for t in $targets; do
    name=$(basename "$t")
    name=${name#fuzz_}
    case $name in *"${TERN_FUZZ_ONLY:-}"*) ;; *) continue ;; esac
    if TERN_FUZZ_FINDINGS="fuzz/findings/$name" \
       sh fuzz/run-target.sh "$t" "fuzz/corpus/$name" "$seconds"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names (inputs under fuzz/findings/)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
