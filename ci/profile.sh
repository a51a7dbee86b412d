#!/bin/sh
# ci/profile.sh - profiles a Tern program hosted, with perf (or callgrind),
# into build/profile/NAME/:
#
#   perf.data     perf record -g (frame pointers: every preset keeps them)
#   NAME.folded   folded stacks (perf's stackcollapse script)
#   NAME.svg      flame graph (ci/profile/flamegraph.py; click to zoom)
#   top.txt       the functions with the most samples (ci/profile/top.py)
#   event.txt     the event sampled, and why
#
# usage: ci/profile.sh [OPTIONS] TARGET [ARGS...]
#        ci/profile.sh --guest APP [--duration S] [--freq HZ] [--drive 'CMD']
#        ci/profile.sh --compare [--workload udp|tcp|http] [--duration S] [--freq HZ]
#
# TARGET is an app (apps/NAME), a benchmark (bench_NAME), a test binary
# (test_NAME) of the release preset, or a path to an executable; ARGS go
# to it. A benchmark or test runs until it exits. An app serves forever, so
# it runs on a TAP inside a network namespace made for the run
# (tprof-PID, kernel side 10.78.0.1/24, the app at 10.78.0.2/24; given
# --net tap:... --ip 10.78.0.2/24 before ARGS), a driver loads it for
# --duration seconds from inside the namespace, and then the app is
# stopped with SIGTERM (its report lands in app.log). The driver of the
# echo app is built in (ci/profile/drive_udp.py: UDP datagrams to port 7);
# any other app needs --drive.
#
#   --callgrind      valgrind --tool=callgrind instead of perf: writes
#                    callgrind.out and top.txt (callgrind_annotate), no
#                    flame graph (callgrind records no stacks)
#   --duration S     seconds an app is driven (default 5)
#   --drive 'CMD'    the driver, run by sh inside the namespace with
#                    TERN_PROFILE_IP set to the app's address
#   --freq HZ        samples per second (default 2999)
#   --event EV       the perf event (default cycles); when perf cannot
#                    sample it (no PMU, perf_event_paranoid) the run falls
#                    back to the software clock, cpu-clock, and says so
#   --out DIR        the output folder (default build/profile/NAME)
#   --build-dir DIR  use this release build and do not build (tests)
#
# With --guest APP (options in any order) the app's guest image is
# profiled instead, by the guest's own NMI sampler (`--profile HZ`):
# ci/profile/guest.sh, which has its own usage; outputs in
# build/profile/APP-guest/.
#
# With --compare one workload is profiled both ways, hosted then guest,
# into build/profile/compare-W/: both flame graphs and where.txt, the
# samples of each side by category (stack, driver, copy, checksum,
# scheduler, idle, other; ci/profile/categorise.py) side by side:
# ci/profile/compare.sh, which has its own usage.
#
# Needs perf (linux-perf) or valgrind; an app needs root for the
# namespace. Exit status: 0, 1 on a failure, 2 on a usage error.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
for a in "$@"; do
    [ "$a" = --compare ] && exec sh ci/profile/compare.sh "$@"
done
for a in "$@"; do
    [ "$a" = --guest ] && exec bash ci/profile/guest.sh "$@"
done

usage() {
    sed -n '/^# usage:/,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
die() { echo "ci/profile.sh: $*" >&2; exit 1; }

tool=perf duration=5 drive="" freq=2999 event=cycles out="" build=""
while [ $# -gt 0 ]; do
    case $1 in
        --callgrind) tool=callgrind ;;
        --duration) duration=${2:?}; shift ;;
        --drive) drive=${2:?}; shift ;;
        --freq) freq=${2:?}; shift ;;
        --event) event=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        --build-dir) build=${2:?}; shift ;;
        -h|--help) usage ;;
        -*) echo "ci/profile.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
    shift
done
[ $# -ge 1 ] || usage
target=$1
shift
case $duration in ''|*[!0-9]*) die "--duration wants whole seconds" ;; esac

if [ -z "$build" ]; then
    . ci/lib.sh
    sh ci/setup.sh || die "ci/setup.sh failed"
    TERN_JOBS=${TERN_JOBS:-2} build_preset release || exit 1
    build=build/release
fi

# The executable, and whether it is an app.
app=""
if [ -x "$target" ] && [ -f "$target" ]; then
    exe=$target
elif [ -x "$build/apps/$target/$target" ]; then
    exe=$build/apps/$target/$target
    app=$target
else
    exe=$(find "$build/bench" "$build/tests" -type f -perm -u+x \
        -name "$target" 2>/dev/null | head -1)
    [ -n "$exe" ] || die "no app, benchmark or test named $target in $build"
fi
case $exe in /*) ;; *) exe=$ROOT/$exe ;; esac
name=$(basename "$exe")
out=${out:-build/profile/$name}
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
rm -f "$out/perf.data" "$out/perf.data.old" "$out/$name.folded" \
    "$out/$name.svg" "$out/top.txt" "$out/callgrind.out" "$out/event.txt"

# ---- the recorder ----------------------------------------------------------

# pick_event: sets event to what perf can sample here. perf quietly
# replaces a hardware event the machine lacks with cpu-clock, so the probe
# reads back what it recorded.
pick_event() {
    _probe=$out/probe.data
    _got=""
    if perf record -q -e "$event" -o "$_probe" -- true >/dev/null 2>&1; then
        _got=$(perf evlist -i "$_probe" 2>/dev/null | head -1)
    fi
    rm -f "$_probe" "$_probe.old"
    case $_got in
        "$event"|"$event":*) echo "event: $event" ;;
        *)
            echo "event: cpu-clock (software clock samples: perf cannot" \
                 "sample $event here - no PMU, or perf_event_paranoid" \
                 "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
            event=cpu-clock ;;
    esac
}

if [ "$tool" = perf ]; then
    command -v perf >/dev/null || die "perf is missing (ci/setup.sh: linux-perf)"
    pick_event | tee "$out/event.txt"
    event=$(sed -n 's/^event: \([^ ]*\).*/\1/p' "$out/event.txt")
    set -- perf record -g -F "$freq" -e "$event" -o "$out/perf.data" -- \
        "$exe" "$@"
else
    command -v valgrind >/dev/null || die "valgrind is missing (ci/setup.sh)"
    echo "callgrind" > "$out/event.txt"
    set -- valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
        -- "$exe" "$@"
fi

# ---- the run ---------------------------------------------------------------

if [ -z "$app" ]; then
    echo "=== $*"
    "$@" || die "$name failed under $tool"
else
    [ "$(id -u)" -eq 0 ] || die "an app runs on a TAP in a namespace: needs root"
    if [ -z "$drive" ]; then
        [ "$app" = echo ] || die "$app needs --drive 'CMD'"
        drive="/usr/bin/python3 $ROOT/ci/profile/drive_udp.py \$TERN_PROFILE_IP 7 $duration"
    fi
    SRC=$ROOT
    . "$ROOT/tests/support/netns.sh"
    recorder=""
    stop_recorder() { [ -n "$recorder" ] && kill "$recorder" 2>/dev/null; }
    cleanup_extra=stop_recorder
    tap=$(tap_name tprof)
    tap_netns "tprof-$$" "$tap" 10.78.0.1/24
    rec=$1
    shift
    echo "=== $rec $* --net tap:$tap --ip 10.78.0.2/24 (in $ns)"
    # The recorder's pid is $!; the app is its child.
    ip netns exec "$ns" "$rec" "$@" --net "tap:$tap" --ip 10.78.0.2/24 \
        > "$out/app.log" 2>&1 &
    recorder=$!
    i=0
    until pid=$(pgrep -P "$recorder" | head -1) && [ -n "$pid" ] &&
          grep -q ": ready" "$out/app.log"; do
        i=$((i + 1))
        [ $i -le 300 ] || { cat "$out/app.log"; fail "$app not ready in 30 s"; }
        kill -0 "$recorder" 2>/dev/null || { cat "$out/app.log"; fail "$app died"; }
        sleep 0.1
    done
    echo "=== driving for ${duration}s: $drive"
    TERN_PROFILE_IP=10.78.0.2 TERN_PROFILE_DURATION=$duration \
        timeout $((duration + 30)) ip netns exec "$ns" sh -c "$drive" ||
        echo "ci/profile.sh: the driver failed (profiling what ran)"
    kill -TERM "$pid"
    pid=""
    wait "$recorder" || { cat "$out/app.log"; die "$tool exited with an error"; }
    recorder=""
    grep -v "^\[ perf record" "$out/app.log" | tail -n 5
fi

# ---- the reports -----------------------------------------------------------

if [ "$tool" = callgrind ]; then
    callgrind_annotate "$out/callgrind.out" 2>/dev/null | head -n 60 > "$out/top.txt"
    echo "=== $out: callgrind.out top.txt"
    head -n 30 "$out/top.txt"
    exit 0
fi
(cd "$out" && perf script report stackcollapse 2>/dev/null) > "$out/$name.folded"
[ -s "$out/$name.folded" ] || die "no samples recorded"
python3 ci/profile/flamegraph.py --title "$name (hosted, $event)" \
    "$out/$name.folded" "$out/$name.svg" || die "flame graph failed"
python3 ci/profile/top.py "$out/$name.folded" > "$out/top.txt"
echo "=== $out: perf.data $name.folded $name.svg top.txt"
head -n 17 "$out/top.txt"
