#!/bin/bash
# bench/guest/run.sh [--quick] - guest image benchmarks; JSON to
# build/bench/guest.json.
#
#   size      per app (echo, httpd, tftpd, iperf, ttcp): bytes of the
#             .elf file, of the same without debug sections (what ships
#             when the symbols go to a separate file made with objcopy
#             --only-keep-debug) and that debug file, and what it loads
#             (the PT_LOAD segments: text, data, bss), next to the smallest
#             Tern image (tests/guest/boot) and the bare PVH stub
#             (tests/guest/stub) as the baselines;
#   boot      QEMU start to the app's ready line ("echo: ready"), and the
#             guest's own first-instruction-to-main figure (TSC), for pc
#             and q35, with SeaBIOS and with qboot (minimal firmware; the
#             guest assigns the PCI BARs), under TCG; under KVM when KVM
#             can run the image (tests/guest/accel.sh's probe decides);
#             on microvm (virtio-mmio, ACPI off) too. The baseline on every
#             machine is the bare PVH stub (tests/guest/stub: a ready line
#             and isa-debug-exit, nothing else) timed in the same run;
#             "boot_ratios" divides echo's medians by the stub's.
#             Where /dev/kvm works but cannot run it, the smallest image
#             built without SSE (build/guest-nosse, TERN_GUEST_SSE=OFF) is
#             timed under KVM instead, to show what firmware and the PVH
#             entry cost there. Where there is no usable /dev/kvm, the JSON
#             says "kvm": "unavailable: REASON" and only TCG rows run;
#   profiler  what the guest sampling profiler (--profile, guest/prof.c)
#             costs at 1 kHz: bench/guest/prof_cost.py boots the profspin
#             image (tests/guest/prof) alternately without and with
#             --profile 1000, RUNS times each in the same run, and divides
#             the median work rates (with / without; 1.0 is free), under
#             TCG on q35, and under KVM too when KVM runs Tern images;
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
stub=build/guest/tests/guest/guest_stub.elf
hosted_echo=$(find build/guest/hosted -name echo -type f -perm -u+x | head -n1)
[ -f "$echo" ] || { echo "bench/guest: no $echo"; exit 1; }

failures=0
tmp=$(mktemp -d /tmp/tern-bench.XXXXXX)
ns=tern-bench-$$
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The guest tests' helpers: loaded sizes, the accelerator probe, QEMU.
export TERN_GUEST_BUILD=$root/build/guest/tests/guest
. tests/guest/lib.sh

# ---- size
size_json() {
    local stripped=$tmp/stripped.elf dbg=$tmp/image.debug
    read -r text data bss _ < <(size "$1" | tail -n1)
    objcopy --strip-debug "$1" "$stripped"
    objcopy --only-keep-debug "$1" "$dbg"
    printf '{"image": "%s", "file_bytes": %s, "stripped_bytes": %s, "debug_file_bytes": %s, "loaded_bytes": %s, "text": %s, "data": %s, "bss": %s}' \
        "$(basename "$1")" "$(stat -c %s "$1")" "$(stat -c %s "$stripped")" \
        "$(stat -c %s "$dbg")" "$(guest_loaded_bytes "$1")" "$text" "$data" "$bss"
}
echo "=== size"
sizes=()
for img in "$echo" build/guest/apps/{httpd/httpd,tftpd/tftpd,iperf/iperf,ttcp/ttcp}.elf "$boot" "$stub"; do
    [ -f "$img" ] || { echo "bench/guest: no $img"; failures=$((failures + 1)); continue; }
    sizes+=("$(size_json "$img")")
    echo "${sizes[-1]}"
done

# ---- accelerator: the guest tests' own probe (tests/guest/lib.sh, accel.sh)
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
        bt --image "$stub" --machine "$m" --accel tcg --cpu max ${fw:+--bios "$fw"} \
            --ready "stub: ready"
    done
done
# microvm: virtio-mmio, listed on the command line by QEMU (tests/guest/lib.sh)
mvm=(-global virtio-mmio.force-legacy=false)
mnet=(-netdev "dgram,id=n0,local.type=unix,local.path=$tmp/gm,remote.type=unix,remote.path=$tmp/hm"
      -device virtio-net-device,netdev=n0)
bt --image "$echo" --machine microvm,acpi=off --accel tcg --cpu max \
    --append "--ip 10.0.0.2/24" -- "${mvm[@]}" "${mnet[@]}"
bt --image "$boot" --machine microvm,acpi=off --accel tcg --cpu max \
    --ready "boot: ready" -- "${mvm[@]}"
bt --image "$stub" --machine microvm,acpi=off --accel tcg --cpu max \
    --ready "stub: ready"
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

# ---- profiler cost at 1 kHz (same run: without and with --profile)
echo "=== profiler"
profspin=build/guest/tests/guest/guest_profspin.elf
profs=()
pc_row() { # pc_row ARGS...: one prof_cost.py row (a failed row is counted)
    local r
    r=$(/usr/bin/python3 bench/guest/prof_cost.py --image "$profspin" --runs "$runs" "$@") ||
        failures=$((failures + 1))
    [ -n "$r" ] || r="{\"failure\": $(json_str "prof_cost.py $* printed nothing")}"
    echo "$r"
    profs+=("$r")
}
pc_row --accel tcg --machine q35
[ "$kvm_runs_echo" = yes ] && pc_row --accel kvm --machine q35

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
    echo "  \"size\": [$(IFS=,; echo "${sizes[*]}")],"
    echo "  \"boot\": ["
    for i in "${!boots[@]}"; do
        sep=","
        [ "$i" -eq $((${#boots[@]} - 1)) ] && sep=""
        echo "    ${boots[$i]}$sep"
    done
    echo "  ],"
    echo "  \"profiler\": [$(IFS=,; echo "${profs[*]}")],"
    echo "  \"ping\": $ping_json"
    echo "}"
} > "$out/guest.json"
# boot_ratios: echo over the stub, per machine, accelerator and firmware.
python3 - "$out/guest.json" <<'PY' || { echo "bench/guest: bad JSON"; exit 1; }
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
def key(r):
    return (r.get("machine"), r.get("accel"), r.get("firmware"))
stubs = {key(r): r for r in doc["boot"] if r.get("image") == "guest_stub.elf"}
ratios = []
for r in doc["boot"]:
    s = stubs.get(key(r))
    if r.get("image") != "echo.elf" or not s:
        continue
    row = {"machine": r["machine"], "accel": r["accel"], "firmware": r["firmware"]}
    try:
        e, b = r["qemu_start_to_ready_ms"]["median"], s["qemu_start_to_ready_ms"]["median"]
        row.update(echo_ready_ms=e, stub_ready_ms=b, ratio_echo_over_stub=round(e / b, 2))
        row["echo_first_insn_to_main_ms"] = r["first_insn_to_main_ms"]["median"]
    except KeyError:
        row["failure"] = "a row has no median"
    ratios.append(row)
doc["boot_ratios"] = ratios
json.dump(doc, open(path, "w"), indent=2)
print(json.dumps(ratios, indent=1))
PY
echo "=== JSON in $out/guest.json"
[ "$failures" -eq 0 ] || { echo "bench/guest: $failures rows failed"; exit 1; }
