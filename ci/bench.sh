#!/bin/sh
# ci/bench.sh [--quick] [BENCH-FLAGS...] - builds the release preset and runs
# every bench_* program in build/release/bench, each measuring Tern against
# its baselines in the same run, then the guest benchmarks
# (bench/guest/run.sh: image size, boot time, ping RTT; builds the guest
# preset, root for ping), iperf3 against the iperf app
# (bench/iperf/run.sh, root) and wrk against the httpd app, hosted and as
# a guest, next to nginx (bench/http/run.sh; builds the guest preset,
# root). JSON results go to build/bench/SUITE.json.
#
#   ci/bench.sh            full runs (11 repetitions of ~50 ms per case)
#   ci/bench.sh --quick    short smoke runs (what CI uses)
#   TERN_BENCH_ONLY=cksum ci/bench.sh   only programs whose name contains it
#   ci/bench.sh --plot     runs nothing: draws build/bench/*.json as SVG
#                          charts in build/bench/plots/ (bench/plot.py,
#                          Debian's python3-matplotlib): per suite Tern
#                          against its baseline and every case's ns/op,
#                          and ratios.svg with every suite's ratios
#
# Other flags (--reps N, --rep-ms N) are passed to every program. Exits
# non-zero if the build or any benchmark failed.
set -u
cd "$(dirname "$0")/.."
. ci/lib.sh

out=build/bench

sh ci/setup.sh || { echo "ci/setup.sh failed"; exit 1; }
if [ "${1:-}" = --plot ]; then
    [ $# -eq 1 ] || { echo "ci/bench.sh: --plot takes no other flag"; exit 2; }
    exec /usr/bin/python3 bench/plot.py "$out"
fi
build_preset release || exit 1

benches=$(find build/release/bench -type f -name 'bench_*' -perm -u+x | sort)
if [ -z "$benches" ]; then
    echo "ci/bench.sh: no benchmarks built"
    exit 1
fi
failed=0
ran=0
# The scripted benchmarks take --quick only.
quick=""
for a in "$@"; do [ "$a" = --quick ] && quick=--quick; done
for b in $benches; do
    name=$(basename "$b")
    case $name in *"${TERN_BENCH_ONLY:-}"*) ;; *) continue ;; esac
    echo "=== $name"
    if "$b" --out "$out" "$@"; then
        ran=$((ran + 1))
    else
        echo "=== $name FAILED"
        failed=$((failed + 1))
    fi
done
# run_script NAME [PRESET]: bench/NAME/run.sh, after building PRESET if
# one is named, unless TERN_BENCH_ONLY names something else; counts it in
# ran or failed.
run_script() {
    case $1 in *"${TERN_BENCH_ONLY:-}"*) ;; *) return 0 ;; esac
    echo "=== bench/$1/run.sh"
    if { [ -z "${2:-}" ] || build_preset "$2"; } &&
        bash "bench/$1/run.sh" $quick; then
        ran=$((ran + 1))
    else
        echo "=== bench/$1/run.sh FAILED"
        failed=$((failed + 1))
    fi
}
# The guest benchmarks (image size, boot time, ping RTT hosted vs guest)
# are a script over the guest preset's images; the ping part needs root.
run_script guest guest
# iperf3 from Linux to the hosted iperf app over a TAP, against Linux's
# own iperf3 over a veth pair (root).
run_script iperf
# wrk from Linux to the httpd app, hosted on a TAP and as a guest under
# QEMU, against Debian's nginx over a veth pair (root; the guest image).
run_script http guest
echo "=== $ran benchmarks ran, $failed failed; JSON in $out/"
ls "$out"/*.json 2>/dev/null | sed 's/^/    /'
[ "$failed" -eq 0 ]
