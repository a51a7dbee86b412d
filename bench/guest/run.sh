#!/bin/bash
# bench/guest/run.sh [--quick] - guest image benchmarks; JSON to
# build/bench/guest.json.
#
#   size      bytes of the echo image (.elf file) and what it loads (the
#             PT_LOAD segments: text, data, bss), next to the smallest
#             image (tests/guest/boot) as the baseline;
#   boot      QEMU start to the app's ready line ("echo: ready"), and the
#             guest's own first-instruction-to-main figure (TSC), for pc
#             and q35, with SeaBIOS and with qboot (minimal firmware; the
#             guest assigns the PCI BARs), under TCG; under KVM when KVM
#             can run the image (tests/guest/accel.sh's probe decides).
#             Where /dev/kvm works but cannot run it, the smallest image
#             built without SSE (build/guest-nosse, TERN_GUEST_SSE=OFF) is
#             timed under KVM instead, to show what firmware and the PVH
#             entry cost there. Where there is no usable /dev/kvm, the JSON
#             says "kvm": "unavailable: REASON" and only TCG rows run;
#   ping      round-trip time of Linux's ping to the echo app running
#             hosted on a TAP device and booted as a guest on a TAP device,
#             each in a network namespace this script creates (root), and
#             to the namespace's own kernel address as the baseline.
#
# --quick: fewer runs and pings (what CI would use).
#
# The JSON is always written and checked by parsing it; a row that failed
# carries a "failure" field. Exits non-zero if any row that should run
# failed (a missing accelerator is not a failure).
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)

runs=7 pings=200
if [ "${1:-}" = "--quick" ]; then
    runs=2 pings=20
fi
out=build/bench
mkdir -p "$out"
jobs=${TERN_JOBS:-2}

echo "=== build"
cmake --preset guest > /dev/null && cmake --build build/guest -j "$jobs" > /dev/null ||
    { echo "bench/guest: guest build failed"; exit 1; }
echo=build/guest/apps/echo/echo.elf
boot=build/guest/tests/guest/guest_boot.elf
hosted_echo=$(find build/guest/hosted -name echo -type f -perm -u+x | head -n1)
[ -f "$echo" ] || { echo "bench/guest: no $echo"; exit 1; }

tmp=$(mktemp -d /tmp/tern-bench.XXXXXX)
ns=tern-bench-$$
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- size
loaded() { # sum of PT_LOAD memsz
    local sum=0 h
    for h in $(readelf -lW "$1" | awk '$1 == "LOAD" { print $6 }'); do
        sum=$((sum + h))
    done
    echo "$sum"
}
size_json() {
    read -r text data bss _ < <(size "$1" | tail -n1)
    printf '{"image": "%s", "file_bytes": %s, "loaded_bytes": %s, "text": %s, "data": %s, "bss": %s}' \
        "$(basename "$1")" "$(stat -c %s "$1")" "$(loaded "$1")" "$text" "$data" "$bss"
}
echo "=== size"
size_echo=$(size_json "$echo")
size_boot=$(size_json "$boot")
echo "$size_echo"
echo "$size_boot"

# ---- accelerator: the guest tests' own probe (tests/guest/lib.sh, accel.sh)
export TERN_GUEST_BUILD=$root/build/guest/tests/guest
. tests/guest/lib.sh
failures=0
json_str() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
kvm_runs_echo=no
if why=$(guest_kvm_usable); then
    bash tests/guest/accel.sh > "$tmp/accel.txt" 2>&1 || failures=$((failures + 1))
    cat "$tmp/accel.txt"
    if [ "$(guest_accel)" = kvm ]; then
        kvm_runs_echo=yes
        kvm="runs Tern images"
    else
        kvm="usable, but cannot run Tern images: $(guest_accel_reason)"
    fi
else
    kvm="unavailable: $why"
    echo "bench/guest: KVM $kvm; TCG rows only"
fi

# ---- boot time
echo "=== boot"
netargs=(-netdev "dgram,id=n0,local.type=unix,local.path=$tmp/g,remote.type=unix,remote.path=$tmp/h"
         -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=)
boots=()
bt() { # bt ARGS... : one boot_time.py row (a failed row is counted)
    local r
    r=$(python3 bench/guest/boot_time.py --runs "$runs" "$@") || failures=$((failures + 1))
    [ -n "$r" ] || r="{\"failure\": $(json_str "boot_time.py $* printed nothing")}"
    echo "$r"
    boots+=("$r")
}
qboot=/usr/share/qemu/qboot.rom
for m in pc q35; do
    for fw in "" "$qboot"; do
        bt --image "$echo" --machine "$m" --accel tcg --cpu max ${fw:+--bios "$fw"} \
            --append "--ip 10.0.0.2/24" -- "${netargs[@]}"
        bt --image "$boot" --machine "$m" --accel tcg --cpu max ${fw:+--bios "$fw"} \
            --ready "boot: ready"
    done
done
if [ "$kvm" != "unavailable: ${why:-}" ]; then
    if [ "$kvm_runs_echo" = yes ]; then
        for m in pc q35; do
            for fw in "" "$qboot"; do
                bt --image "$echo" --machine "$m" --accel kvm ${fw:+--bios "$fw"} \
                    --append "--ip 10.0.0.2/24" -- "${netargs[@]}"
            done
        done
    else
        cmake --preset guest -B build/guest-nosse -DTERN_GUEST_SSE=OFF > /dev/null &&
            cmake --build build/guest-nosse -j "$jobs" --target guest_boot > /dev/null
        for m in pc q35; do
            for fw in "" "$qboot"; do
                bt --image build/guest-nosse/tests/guest/guest_boot.elf \
                    --machine "$m" --accel kvm ${fw:+--bios "$fw"} \
                    --ready "boot: ready" --timeout 120
            done
        done
    fi
fi

# ---- ping RTT (root: namespaces and TAPs)
echo "=== ping"
ping_json='{"skipped": "needs root"}'
rtt() { # rtt ADDR: "min avg max mdev" of $pings pings from the namespace
    ip netns exec "$ns" ping -q -c "$pings" -i 0.01 -W 2 "$1" |
        sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\) ms|\1 \2 \3 \4|p'
}
rtt_json() { # rtt_json LABEL [MIN AVG MAX MDEV]: a row; no figures = failed
    if [ -z "${2:-}" ]; then
        printf '"%s": {"failure": "no reply to ping"}' "$1"
        return
    fi
    printf '"%s": {"min_ms": %s, "avg_ms": %s, "max_ms": %s, "mdev_ms": %s}' "$@"
}
ratio() { # ratio A B: A / B to two places, or null
    if [ -n "$1" ] && [ -n "$2" ]; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
    else
        echo null
    fi
}
wait_line() { # wait_line FILE REGEX
    for _ in $(seq 600); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
if [ "$(id -u)" -eq 0 ]; then
    ip netns add "$ns"
    nsx() { ip netns exec "$ns" "$@"; }
    nsx ip link set lo up
    for t in tbh tbg; do
        nsx ip tuntap add dev "$t$$" mode tap
        nsx ip link set "$t$$" up
    done
    nsx ip addr add 10.79.1.1/24 dev "tbh$$"
    nsx ip addr add 10.79.2.1/24 dev "tbg$$"
    # shellcheck disable=SC2046
    read -r kmin kavg kmax kmdev < <(rtt 10.79.1.1)
    # Hosted echo on its TAP.
    # Not through nsx: $! must be the process itself (ip netns exec execs
    # it), so that kill reaches it.
    ip netns exec "$ns" "$hosted_echo" --net "tap:tbh$$" --ip 10.79.1.2/24 \
        > "$tmp/hosted.log" 2>&1 &
    pid=$!
    wait_line "$tmp/hosted.log" "echo: ready"
    read -r hmin havg hmax hmdev < <(rtt 10.79.1.2)
    kill "$pid"; wait "$pid" 2>/dev/null; pid=""
    # Guest echo (TCG, or KVM if it runs the image) on the other TAP.
    accel=tcg
    [ "$kvm_runs_echo" = yes ] && accel=kvm
    # shellcheck disable=SC2046
    ip netns exec "$ns" qemu-system-x86_64 $(guest_qemu_args "$accel" q35) \
        -kernel "$echo" -append "--ip 10.79.2.2/24" \
        -netdev "tap,id=n0,ifname=tbg$$,script=no,downscript=no" \
        -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
        < /dev/null > "$tmp/guest.log" 2>&1 &
    pid=$!
    wait_line "$tmp/guest.log" "echo: ready" || tail -5 "$tmp/guest.log"
    read -r gmin gavg gmax gmdev < <(rtt 10.79.2.2)
    kill "$pid"; wait "$pid" 2>/dev/null; pid=""
    for avg in "${kavg:-}" "${havg:-}" "${gavg:-}"; do
        [ -n "$avg" ] || failures=$((failures + 1))
    done
    ping_json="{\"pings\": $pings, \"guest_accel\": \"$accel\", $(rtt_json linux_kernel_baseline "${kmin:-}" "${kavg:-}" "${kmax:-}" "${kmdev:-}"), $(rtt_json hosted_echo "${hmin:-}" "${havg:-}" "${hmax:-}" "${hmdev:-}"), $(rtt_json guest_echo "${gmin:-}" "${gavg:-}" "${gmax:-}" "${gmdev:-}"), \"ratio_guest_over_hosted_avg\": $(ratio "${gavg:-}" "${havg:-}")}"
fi
echo "$ping_json"

load=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "{"
    echo "  \"suite\": \"guest\","
    echo "  \"qemu\": \"$(qemu-system-x86_64 --version | head -n1)\","
    echo "  \"host_loadavg\": \"$load\","
    echo "  \"kvm\": $(json_str "$kvm"),"
    echo "  \"size\": [$size_echo, $size_boot],"
    echo "  \"boot\": ["
    for i in "${!boots[@]}"; do
        sep=","
        [ "$i" -eq $((${#boots[@]} - 1)) ] && sep=""
        echo "    ${boots[$i]}$sep"
    done
    echo "  ],"
    echo "  \"ping\": $ping_json"
    echo "}"
} > "$out/guest.json"
python3 -m json.tool "$out/guest.json" > /dev/null || { echo "bench/guest: bad JSON"; exit 1; }
echo "=== JSON in $out/guest.json"
[ "$failures" -eq 0 ] || { echo "bench/guest: $failures rows failed"; exit 1; }
