#!/bin/sh
# ci/fuzz.sh [--merge] [SECONDS] - builds the fuzz preset (clang, libFuzzer,
# ASan, UBSan) and runs every fuzz_* target over its seed corpus plus
# SECONDS of fresh fuzzing each (default 30). Inputs that crash, leak or
# hang are saved under fuzz/findings/NAME/ (gitignored) with the tail of
# the log. Prints one line per target, then a table per target (libFuzzer's
# average exec/s, the cov its seeds reach, cov and ft from its last stats
# line, new corpus entries, CPU seconds)
# and a closing "N passed, N failed"; exits non-zero if any target failed.
# The targets are those the build lists in build/fuzz/fuzz/targets.txt.
#
#   ci/fuzz.sh            30 s per target
#   ci/fuzz.sh 600        ten minutes each
#   ci/fuzz.sh --merge    30 s each, then the inputs each run found that
#                         reach new edges merged into fuzz/corpus/NAME
#                         (libFuzzer -merge=1 -use_counters=0; the seeds
#                         there stay)
#   ci/fuzz.sh --help     this text
#   TERN_FUZZ_ONLY=lib_ ci/fuzz.sh 60   only targets whose name contains lib_
#
# An unknown flag or a SECONDS that is not a number prints the usage and
# exits 2, before anything is built.
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

# usage: prints the synopsis and the flags.
usage() {
    echo "usage: ci/fuzz.sh [--merge] [SECONDS]"
    echo "  SECONDS   fresh fuzzing per target after its corpus (default 30)"
    echo "  --merge   merge each run's new coverage into fuzz/corpus/NAME"
    echo "  --help    this text"
    echo "  TERN_FUZZ_ONLY=SUBSTR selects the targets whose name contains SUBSTR"
}

seconds=30
merge=0
given=0
for arg in "$@"; do
    case $arg in
        --merge) merge=1 ;;
        -h|--help) usage; exit 0 ;;
        ''|*[!0-9]*) usage >&2; exit 2 ;;
        *)
            [ "$given" -eq 0 ] || { usage >&2; exit 2; }
            seconds=$arg
            given=1
            ;;
    esac
done

sh ci/setup.sh || { echo "ci/setup.sh failed"; exit 1; }
build_preset fuzz || exit 1

passed=0
failed=0
failed_names=""
# The build's own list (fuzz/CMakeLists.txt), not a search of build/fuzz:
# the oss_fuzz_build tests keep two more builds of every target in there.
targets=$(sort build/fuzz/fuzz/targets.txt 2>/dev/null)
if [ -z "$targets" ]; then
    echo "ci/fuzz.sh: no fuzz targets built"
    exit 1
fi
stats=build/fuzz/fuzz-stats.txt
rm -f "$stats"
for t in $targets; do
    name=$(basename "$t")
    name=${name#fuzz_}
    case $name in *"${TERN_FUZZ_ONLY:-}"*) ;; *) continue ;; esac
    if TERN_FUZZ_FINDINGS="fuzz/findings/$name" TERN_FUZZ_MERGE=$merge \
       TERN_FUZZ_STATS=$stats \
       sh fuzz/run-target.sh "$t" "fuzz/corpus/$name" "$seconds"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
if [ -s "$stats" ]; then
    newcol=new
    [ "$merge" -eq 1 ] && newcol=merged
    printf '%-18s %-7s %9s %6s %6s %7s %6s %6s\n' \
        target status exec/s cov0 cov ft "$newcol" cpu_s
    while read -r n st ex c0 cv f nw cpu; do
        printf '%-18s %-7s %9s %6s %6s %7s %6s %6s\n' \
            "$n" "$st" "$ex" "$c0" "$cv" "$f" "$nw" "$cpu"
    done < "$stats"
fi
[ -n "$failed_names" ] && echo "failed:$failed_names (inputs under fuzz/findings/)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
