#!/bin/sh
# fuzz/run-target.sh TARGET CORPUS SECONDS - runs one libFuzzer target over
# its seed corpus and then fuzzes for SECONDS more (0: the corpus only).
#
#   TARGET   the fuzz_* executable
#   CORPUS   its seed corpus folder (fuzz/corpus/NAME; may be missing)
#   SECONDS  fresh fuzzing time after the corpus
#
# The corpus is copied to a temporary folder first, so inputs that the
# fuzzer finds never land in the source tree. A dictionary
# fuzz/dict/NAME.dict next to the corpus folder is used when present.
# Crash, leak and timeout inputs are copied to $TERN_FUZZ_FINDINGS (default
# ./fuzz-findings/NAME, under the caller's working directory - the build
# tree when CTest runs it). Prints one summary line; exits 0 when nothing
# failed, 1 when the target crashed, leaked or hung (or the merge did), 2 on
# a usage error.
#
#   TERN_FUZZ_MERGE=1     after a clean run, merge what it found into CORPUS
#                         (libFuzzer -merge=1 -use_counters=0 CORPUS
#                         RUN-CORPUS): the inputs that reach edges CORPUS
#                         does not, named by their SHA-1; the seeds already
#                         there stay. Edges, not hit-count buckets: 3 s of
#                         lib_view found 254 inputs, 218 with new buckets,
#                         16 with new edges - a corpus small enough to commit
#   TERN_FUZZ_STATS=FILE  append one line "NAME STATUS EXEC/S COV0 COV FT NEW
#                         CPU" to FILE: libFuzzer's average exec/s, the cov
#                         its INITED line reports (what the seeds reach),
#                         the cov and ft of its last stats line, the new
#                         corpus entries (added to CORPUS when merging, else
#                         found by the run) and the CPU seconds (user +
#                         system) of the fuzzing run; "-" where the log had
#                         none
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 TARGET CORPUS SECONDS" >&2
    exit 2
fi
target=$1
corpus=$2
seconds=$3
name=$(basename "$target")
name=${name#fuzz_}
case $seconds in
    ''|*[!0-9]*) echo "$0: SECONDS must be a number: $seconds" >&2; exit 2 ;;
esac
if [ ! -x "$target" ]; then
    echo "$0: not an executable: $target" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tern-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/artifacts"
seeds=0
if [ -d "$corpus" ]; then
    for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        cp "$f" "$work/corpus/"
        seeds=$((seeds + 1))
    done
fi

dict=""
dictfile=$(dirname "$corpus")/../dict/$name.dict
[ -f "$dictfile" ] && dict="-dict=$dictfile"

if [ "$seconds" -eq 0 ]; then
    limit="-runs=0"
else
    limit="-max_total_time=$seconds"
fi

# cpu_mark VAR: sets VAR to the whole user + system seconds of this shell's
# finished children so far. It reads the second line of `times`, which has
# to run in this shell: a subshell reports its own children.
cpu_mark() {
    times > "$work/times"
    { read -r _ _; read -r cu cs; } < "$work/times"
    eval "$1=\$(( $(minutes_seconds "$cu") + $(minutes_seconds "$cs") ))"
}

# minutes_seconds TIME: "1m2.345s" as whole seconds (62).
minutes_seconds() {
    m=${1%%m*}
    s=${1#*m}
    s=${s%%.*}
    echo $((m * 60 + s))
}

cpu_mark cpu_before
# shellcheck disable=SC2086
"$target" $limit $dict -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1
rc=$?
cpu_mark cpu_after
cpu=$((cpu_after - cpu_before))

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
ft=$(grep -oE 'ft: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
cov0=$(grep -E 'INITED' "$work/log" | grep -oE 'cov: [0-9]+' | head -1 | cut -d' ' -f2)
found=$(ls "$work/corpus" | wc -l)
new=$((found - seeds))

# stats STATUS: appends this run's line to $TERN_FUZZ_STATS, if set.
stats() {
    [ -n "${TERN_FUZZ_STATS:-}" ] || return 0
    echo "$name $1 ${execs:--} ${cov0:--} ${cov:--} ${ft:--} $new $cpu" >> "$TERN_FUZZ_STATS"
}

if [ "$rc" -eq 0 ] && [ -z "$(ls "$work/artifacts")" ] &&
   [ "${TERN_FUZZ_MERGE:-0}" = 1 ]; then
    mkdir -p "$corpus"
    before=$(ls "$corpus" | wc -l)
    "$target" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" "$corpus" "$work/corpus" \
        > "$work/merge.log" 2>&1
    rc=$?
    cat "$work/merge.log" >> "$work/log"
    new=$(($(ls "$corpus" | wc -l) - before))
fi

if [ "$rc" -ne 0 ] || [ -n "$(ls "$work/artifacts")" ]; then
    stats FAILED
    findings=${TERN_FUZZ_FINDINGS:-./fuzz-findings/$name}
    mkdir -p "$findings"
    cp "$work"/artifacts/* "$findings/" 2>/dev/null
    grep -E 'ERROR|SUMMARY|assertion failed|Test unit written|Base64' "$work/log" | head -20
    tail -30 "$work/log" > "$findings/last-run.log"
    echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; inputs and log in $findings"
    exit 1
fi
stats ok
merged=""
[ "${TERN_FUZZ_MERGE:-0}" = 1 ] && merged=", $new merged into $corpus"
echo "fuzz $name: ok, ${runs:-0} runs in ${seconds}s over $seeds seeds, cov ${cov:-?}, corpus $seeds -> $found$merged"
exit 0
