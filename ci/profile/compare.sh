#!/bin/sh
# ci/profile/compare.sh - `ci/profile.sh --compare`: profiles one workload
# hosted (perf, ci/profile.sh) and as a guest (the NMI sampler,
# ci/profile/guest.sh), one after the other, and writes into
# build/profile/compare-W/:
#
#   hosted.folded  hosted folded stacks, kernel frames marked _[k]
#   hosted.svg     its flame graph
#   guest.folded   the guest's folded stacks (symbolise.py)
#   guest.svg      its flame graph
#   where.txt      where the time goes: one row per category (stack,
#                  driver, copy, checksum, scheduler, idle, other), the
#                  samples and shares of both sides side by side, under a
#                  header naming the hosted event, the guest's sampling
#                  rate and its accelerator (ci/profile/categorise.py;
#                  also printed)
#   where.json     the same counts
#   site.img       the http workload's site (a tar image)
#   hosted-run/, guest-run/  each side's own outputs (perf.data,
#                  samples.bin, app.log, top.txt)
#
# usage: ci/profile.sh --compare [--workload W] [--duration S] [--freq HZ]
#                      [--out DIR] [--build-dir DIR] [--guest-build-dir DIR]
#
# Workloads (W, default udp):
#   udp   apps/echo, driven by ci/profile/drive_udp.py: 16 UDP datagrams
#         of 64-1400 bytes in flight to port 7, every echo checked
#   tcp   apps/iperf, driven by ci/profile/drive_iperf.sh: one TCP stream
#         from Linux's iperf3 client, the app receiving (bulk TCP)
#   http  apps/httpd serving a tar image (site.img: index.html and a
#         16 KiB file) from a disk (hosted: file:, guest: a read-only
#         virtio-blk), driven by ci/profile/drive_http.sh: wrk, 8
#         keep-alive connections fetching the 16 KiB file; the app runs
#         with --log warn, without its access log (one console line per
#         request, 22% of the guest's samples on its serial port)
# Each side runs the app on a TAP in a network namespace of its own that
# its script makes and deletes (10.78.0.1/24, the app at 10.78.0.2/24),
# driven for --duration S seconds (default 5). --freq HZ sets both
# sampling rates (default: hosted 2999, guest 1000). --build-dir names a
# hosted build with apps/ (the release preset, or the guest preset's
# hosted twin build/guest/hosted/tern) and --guest-build-dir a guest
# build; without them the release and guest presets are built. Needs root,
# perf and QEMU. A side that fails (QEMU that does not start, a driver
# with no echo back, a run over its time limit) or that has no samples
# fails the run. Exit status: 0, 1 on a failure, 2 on a usage error.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)

usage() {
    sed -n '/^# usage:/,/^# Each side/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}
die() { echo "ci/profile.sh --compare: $*" >&2; exit 1; }

workload=udp duration=5 freq="" out="" hbuild="" gbuild=""
while [ $# -gt 0 ]; do
    case $1 in
        --compare) ;;
        --workload) workload=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --freq) freq=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        --build-dir) hbuild=${2:?}; shift ;;
        --guest-build-dir) gbuild=${2:?}; shift ;;
        -h|--help) usage ;;
        *) echo "ci/profile.sh --compare: unknown argument $1" >&2; usage ;;
    esac
    shift
done
case $duration in ''|*[!0-9]*) die "--duration wants whole seconds" ;; esac
case $freq in *[!0-9]*) die "--freq wants a whole number of Hz" ;; esac
[ "$(id -u)" -eq 0 ] || die "both sides run on a TAP in a namespace: needs root"

# workload W: sets app (the app's name), what (a line for where.txt),
# drive (the driver command, run by sh in the namespace with
# TERN_PROFILE_IP set), said (what the driver's summary line starts
# with), site (yes: the app serves site.img from a disk) and args (the
# app's own flags, both sides); returns 1 for an unknown workload.
workload() {
    case $1 in
        udp)
            app=echo said=drive_udp site=no args=""
            what="udp: apps/echo, ci/profile/drive_udp.py (16 UDP datagrams of 64-1400 bytes in flight to port 7)"
            drive="/usr/bin/python3 $ROOT/ci/profile/drive_udp.py \$TERN_PROFILE_IP 7 $duration" ;;
        tcp)
            app=iperf said=drive_tcp site=no args=""
            what="tcp: apps/iperf, ci/profile/drive_iperf.sh (one TCP stream from Linux's iperf3 client; the app receives)"
            drive="sh $ROOT/ci/profile/drive_iperf.sh \$TERN_PROFILE_IP $duration" ;;
        http)
            app=httpd said=drive_http site=yes args="--log warn"
            what="http: apps/httpd --log warn (no access log), ci/profile/drive_http.sh (wrk, 8 keep-alive connections fetching a 16 KiB file from a tar image on a disk)"
            drive="sh $ROOT/ci/profile/drive_http.sh \$TERN_PROFILE_IP $duration" ;;
        *) return 1 ;;
    esac
}
workload "$workload" || { echo "ci/profile.sh --compare: unknown workload $workload" >&2; usage; }

out=${out:-build/profile/compare-$workload}
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
rm -rf "$out/hosted-run" "$out/guest-run"
rm -f "$out/hosted.folded" "$out/hosted.svg" "$out/guest.folded" \
    "$out/guest.svg" "$out/where.txt" "$out/where.json" "$out/site.img"
# The http workload's site, and how each side gets it as a disk.
hdisk="" gdisk=""
if [ "$site" = yes ]; then
    mkdir -p "$out/site" || die "cannot make $out/site"
    echo "<h1>Tern httpd, profiled</h1>" > "$out/site/index.html"
    head -c 16384 /dev/urandom > "$out/site/16k.bin"
    tar cf "$out/site.img" -C "$out/site" . || die "cannot make site.img"
    rm -rf "$out/site"
    hdisk="--disk file:$out/site.img" gdisk="--disk $out/site.img"
fi
# Each side's limit: its build, boot and stop, the drive, and the reports.
limit=$((duration + 600))

# ---- hosted ---------------------------------------------------------------

hfreq=${freq:-2999}
echo "=== hosted: $app, $workload workload, ${duration}s"
set -- --out "$out/hosted-run" --duration "$duration" --freq "$hfreq" --drive "$drive"
[ -n "$hbuild" ] && set -- --build-dir "$hbuild" "$@"
# shellcheck disable=SC2086
timeout "$limit" sh ci/profile.sh "$@" "$app" $hdisk $args > "$out/hosted.log" 2>&1 ||
    { tail -n 30 "$out/hosted.log"; die "the hosted run failed (log: $out/hosted.log)"; }
grep -E "^$said|^$app: [a-z]" "$out/hosted.log" | head -n 3
grep -q "the driver failed" "$out/hosted.log" && die "the hosted driver failed"
# The same samples folded again with the kernel's frames marked, which
# categorise.py needs (rule 3).
(cd "$out/hosted-run" && perf script report stackcollapse -- --kernel 2>/dev/null) \
    > "$out/hosted.folded"
[ -s "$out/hosted.folded" ] || die "no hosted samples"
hevent=$(sed -n 's/^event: //p' "$out/hosted-run/event.txt")
hev=${hevent%% *}
python3 ci/profile/flamegraph.py --title "$app, $workload (hosted, perf $hev at $hfreq Hz)" \
    "$out/hosted.folded" "$out/hosted.svg" || die "hosted flame graph failed"

# ---- guest ----------------------------------------------------------------

gfreq=${freq:-1000}
echo "=== guest: $app, $workload workload, ${duration}s"
set -- --out "$out/guest-run" --duration "$duration" --freq "$gfreq" --drive "$drive"
[ -n "$args" ] && set -- "$@" --args "$args"
[ -n "$gbuild" ] && set -- --build-dir "$gbuild" "$@"
# shellcheck disable=SC2086
timeout "$limit" bash ci/profile/guest.sh "$@" $gdisk "$app" > "$out/guest.log" 2>&1 ||
    { tail -n 30 "$out/guest.log"; die "the guest run failed (log: $out/guest.log)"; }
grep -E "^$said|^$app: [a-z]|guest: profile:" "$out/guest.log" | grep -v ": ready" | head -n 3
grep -q "the driver failed" "$out/guest.log" && die "the guest driver failed"
cp "$out/guest-run/$app.folded" "$out/guest.folded" || die "no guest folded stacks"
[ -s "$out/guest.folded" ] || die "no guest samples"
# guest.sh's first line: "=== APP on q35 with ACCEL (REASON)".
line=$(grep -m1 "^=== $app on " "$out/guest.log")
[ -n "$line" ] || die "cannot tell the guest's accelerator from $out/guest.log"
accel=$(echo "$line" | sed 's/^=== [^ ]* on \([^ ]*\) with \([a-z]*\) (\(.*\))$/\2 on \1 (\3)/')
[ -e /dev/kvm ] || accel=$(echo "$line" | sed 's/^=== [^ ]* on \([^ ]*\) with \([a-z]*\) .*/\2 on \1 (no \/dev\/kvm here)/')
python3 ci/profile/flamegraph.py --title "$app, $workload (guest, NMI sampler at $gfreq Hz, ${accel%% *})" \
    "$out/guest.folded" "$out/guest.svg" || die "guest flame graph failed"

# ---- where the time goes ----------------------------------------------------

hdrive=$(grep -m1 "^$said" "$out/hosted.log")
gdrive=$(grep -m1 "^$said" "$out/guest.log")
[ -n "$hdrive" ] || die "the hosted driver printed no summary"
[ -n "$gdrive" ] || die "the guest driver printed no summary"
gprof=$(sed -n 's/^symbolise: //p' "$out/guest.log" | head -n 1)
python3 ci/profile/categorise.py --json "$out/where.json" \
    --note "Where the time goes: workload $what; ${duration} s each side, hosted then guest." \
    --note "hosted: perf record -g -e $hevent, -F $hfreq; the app's on-CPU time only (blocked in ppoll it takes no samples); $hdrive" \
    --note "guest:  the guest's NMI sampler (--profile $gfreq), accelerator $accel; every tick, the HLT in tern_wait included; ${gprof:-no symbolise line}; $gdrive" \
    --note "So the idle rows do not compare across the sides; the busy columns (shares of the samples not idle) do. Under TCG the guest's code runs translated, and device work happens in QEMU, outside the samples." \
    --note "Each sample goes to the category of its leaf frame (ci/profile/categorise.py; --table prints the patterns); kernel frames and libc system-call stubs pass to their caller." \
    --note "" \
    hosted="$out/hosted.folded" guest="$out/guest.folded" > "$out/where.txt"
rc=$?
cat "$out/where.txt"
[ $rc -eq 0 ] || die "categorise.py failed (a side without samples?)"
echo "=== $out: hosted.folded hosted.svg guest.folded guest.svg where.txt where.json"
