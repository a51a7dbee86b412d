#!/bin/bash
# ci/profile/guest.sh - `ci/profile.sh --guest APP`: profiles an app's
# guest image with the guest's own sampler (`--profile HZ`, guest/prof.c)
# into build/profile/APP-guest/:
#
#   samples.bin   the guest's sample stream (QEMU -debugcon file:...)
#   APP.folded    folded stacks (ci/profile/symbolise.py, nm on the .elf)
#   APP.svg       flame graph (ci/profile/flamegraph.py)
#   top.txt       the functions with the most samples (ci/profile/top.py)
#   app.log       the guest's console, with its counter report and the
#                 profiler's counts at the halt
#
# usage: ci/profile.sh --guest APP [--duration S] [--freq HZ] [--drive 'CMD']
#                      [--disk FILE] [--args 'ARGS'] [--out DIR] [--build-dir DIR]
#                      (options in any order)
#
# Builds the guest preset (unless --build-dir names a guest build) and
# boots build/guest/apps/APP/APP.elf on q35 (virtio-pci) under KVM if the
# guest tests' probe passes under it (tests/guest/accel.sh), else TCG, with
# a virtio-net on a TAP inside a network namespace made for the run
# (tern-guest-UID, kernel side 10.78.0.1/24, the app at 10.78.0.2/24,
# deleted on every exit path). The driver loads it for --duration seconds
# (default 5) from inside the namespace (echo's is built in:
# ci/profile/drive_udp.py; other apps need --drive, run by sh with
# TERN_PROFILE_IP set); then Ctrl-C on the console stops the app, which
# halts, and the guest writes its last samples. --disk FILE gives the
# guest FILE as a read-only virtio-blk disk (httpd's tar image); --args
# adds ARGS to the app's command line. --freq
# is the sampling rate (default 1000, 20..10000). Needs root. Exit
# status: 0, 1 on a failure, 2 on a usage error.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

usage() {
    sed -n "/^# usage:/,/^# failure/p" "$0" | sed "s/^# \{0,1\}//" >&2
    exit 2
}
die() { echo "ci/profile.sh --guest: $*" >&2; exit 1; }

duration=5 freq=1000 drive="" disk="" args="" out="" build="" app=""
while [ $# -gt 0 ]; do
    case $1 in
        --guest) ;;
        --duration) duration=${2:?}; shift ;;
        --freq) freq=${2:?}; shift ;;
        --drive) drive=${2:?}; shift ;;
        --disk) disk=${2:?}; shift ;;
        --args) args=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        --build-dir) build=${2:?}; shift ;;
        -h|--help) usage ;;
        -*) echo "ci/profile.sh --guest: unknown option $1" >&2; usage ;;
        *) [ -z "$app" ] || usage; app=$1 ;;
    esac
    shift
done
[ -n "$app" ] || usage
case $duration in ''|*[!0-9]*) die "--duration wants whole seconds" ;; esac
case $freq in ''|*[!0-9]*) die "--freq wants a whole number of Hz" ;; esac
[ "$(id -u)" -eq 0 ] || die "the guest runs on a TAP in a namespace: needs root"

if [ -z "$build" ]; then
    build=build/guest
    { cmake --preset guest > /dev/null &&
      nice -n 10 cmake --build "$build" -j "${TERN_JOBS:-2}" > /dev/null; } ||
        die "guest build failed"
fi
case $build in /*) ;; *) build=$ROOT/$build ;; esac
image=$build/apps/$app/$app.elf
[ -f "$image" ] || die "no guest image $image"
out=${out:-build/profile/$app-guest}
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
rm -f "$out/samples.bin" "$out/$app.folded" "$out/$app.svg" "$out/top.txt" "$out/app.log"

export TERN_GUEST_BUILD=$build/tests/guest
. tests/guest/lib.sh
# The accelerator the guest tests would use: their probe decides.
if guest_kvm_usable > /dev/null && [ ! -s "$TERN_GUEST_BUILD/accel" ]; then
    bash tests/guest/accel.sh > /dev/null 2>&1
fi
accel=$(guest_accel)
[ "$accel" = kvm ] || accel=tcg
echo "=== $app on q35 with $accel ($(guest_accel_reason))"

guest_netns_test
guest_netns "$ns" || exit 1
GUEST_NET=()
guest_netns_tap "$ns" "tpg$uid" 10.78.0.1/24 0 || die "cannot make the TAP"
if [ -z "$drive" ]; then
    [ "$app" = echo ] || die "$app needs --drive 'CMD'"
    drive="/usr/bin/python3 $ROOT/ci/profile/drive_udp.py \$TERN_PROFILE_IP 7 $duration"
fi
if [ -n "$disk" ]; then
    [ -f "$disk" ] || die "no disk image $disk"
    GUEST_NET+=(-drive "file=$disk,format=raw,if=none,id=d0,readonly=on"
                -device "$(guest_dev blk),drive=d0")
fi
GUEST_WRAP=(ip netns exec "$ns")
guest_console_fifo "$tmp"
# shellcheck disable=SC2046
guest_start "$out/app.log" $(guest_qemu_args "$accel" q35) -kernel "$image" \
    -debugcon "file:$out/samples.bin" \
    -append "--ip 10.78.0.2/24 --profile $freq${args:+ $args}" "${GUEST_NET[@]}"
guest_await "$out/app.log" "$app: ready" 60 ||
    { cat "$out/app.log"; die "$app never became ready"; }
# The stream's header is out before the log line (which --log warn hides).
grep -q "guest: profiling at" "$out/app.log" ||
    [ "$(head -c 4 "$out/samples.bin" 2>/dev/null)" = TPRF ] ||
    { cat "$out/app.log"; die "the guest is not profiling"; }
echo "=== driving for ${duration}s: $drive"
TERN_PROFILE_IP=10.78.0.2 TERN_PROFILE_DURATION=$duration \
    timeout $((duration + 30)) ip netns exec "$ns" sh -c "$drive" ||
    echo "ci/profile.sh --guest: the driver failed (profiling what ran)"
guest_stop_clean "$out/app.log" > "$tmp/stop.txt" || { cat "$tmp/stop.txt"; die "the guest did not halt cleanly"; }
grep -E "guest: profile:|^$app:" "$out/app.log" | tail -n 5

/usr/bin/python3 ci/profile/symbolise.py "$out/samples.bin" "$image" \
    "$out/$app.folded" || die "symbolise failed"
/usr/bin/python3 ci/profile/flamegraph.py \
    --title "$app (guest, $accel, $freq Hz NMI samples)" \
    "$out/$app.folded" "$out/$app.svg" || die "flame graph failed"
/usr/bin/python3 ci/profile/top.py "$out/$app.folded" > "$out/top.txt"
echo "=== $out: samples.bin $app.folded $app.svg top.txt app.log"
head -n 17 "$out/top.txt"
