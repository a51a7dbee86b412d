#!/bin/bash
# bench/iperf/run.sh [--quick] - TCP throughput as Linux's own iperf3
# client sees it, Tern against Linux in the same run; JSON to
# build/bench/iperf.json.
#
#   tern   iperf3 -c in a namespace this script creates, to the hosted
#          apps/iperf server on a TAP inside it (one core: the app is one
#          thread; the kernel's TAP copy and wake-ups count against it);
#   linux  the same iperf3 -c to Linux's own iperf3 -s in a second
#          namespace over a veth pair with every offload off (ethtool
#          -K: no TSO/GSO/GRO, no checksum offload, no scatter-gather), so
#          Linux cuts, checksums and copies every 1500-byte frame;
#   linux_on  the same over a second veth pair with the offloads on (as
#          veth comes): Linux with TSO/GSO/GRO and no checksums, the
#          fair match for Tern now that its TAP does TSO and checksum
#          offload both ways.
# Each of normal, -R and -P 4 runs `runs` times for `secs` seconds; the
# median Gbit/s (the client's end.sum_received) of each is kept, and the
# ratios tern/linux and tern/linux_on are reported.
#
# --quick: 1 run of 1 s each (what CI would use). The JSON is always
# written and checked by parsing it; a row that failed carries a
# "failure" field and the script exits non-zero. Needs root.
set -u
cd "$(dirname "$0")/../.."

runs=3 secs=4
if [ "${1:-}" = "--quick" ]; then
    runs=1 secs=1
fi
out=build/bench
mkdir -p "$out"
iperf_app=build/release/apps/iperf/iperf
for tool in ip iperf3 ethtool /usr/bin/python3; do
    command -v "$tool" > /dev/null || { echo "bench/iperf: $tool missing (ci/setup.sh)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench/iperf: needs root"; exit 1; }
[ -x "$iperf_app" ] || { echo "bench/iperf: no $iperf_app (build the release preset)"; exit 1; }

tmp=$(mktemp -d /tmp/tern-bench-iperf.XXXXXX)
ns_t=tern-bip-t-$$ ns_a=tern-bip-a-$$ ns_b=tern-bip-b-$$
ns_c=tern-bip-c-$$ ns_d=tern-bip-d-$$
pid="" spid="" spid2=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    [ -n "$spid2" ] && kill "$spid2" 2>/dev/null && wait "$spid2" 2>/dev/null
    for n in "$ns_t" "$ns_a" "$ns_b" "$ns_c" "$ns_d"; do
        ip netns del "$n" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The Tern side: a TAP in ns_t, kernel 10.82.0.1, the app 10.82.0.2.
tap=tbip$$
ip netns add "$ns_t" || exit 1
ip -n "$ns_t" link set lo up
ip -n "$ns_t" tuntap add dev "$tap" mode tap
ip -n "$ns_t" addr add 10.82.0.1/24 dev "$tap"
ip -n "$ns_t" link set "$tap" up
ip netns exec "$ns_t" "$iperf_app" --net "tap:$tap" --ip 10.82.0.2/24 \
    --seed 1 > "$tmp/app.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    grep -q "iperf: ready" "$tmp/app.log" && break
    sleep 0.1
done
grep -q "iperf: ready" "$tmp/app.log" || { cat "$tmp/app.log"; echo "bench/iperf: the app never became ready"; exit 1; }

# The Linux side: veth between ns_a (client, 10.83.0.1) and ns_b (server,
# 10.83.0.2), offloads off on both ends.
ip netns add "$ns_a" && ip netns add "$ns_b" || exit 1
ip link add va$$ netns "$ns_a" type veth peer name vb$$ netns "$ns_b"
ip -n "$ns_a" addr add 10.83.0.1/24 dev va$$
ip -n "$ns_b" addr add 10.83.0.2/24 dev vb$$
for side in "$ns_a va$$" "$ns_b vb$$"; do
    set -- $side
    ip -n "$1" link set "$2" up
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off sg off \
        > /dev/null 2>&1 || { echo "bench/iperf: ethtool -K failed"; exit 1; }
done
ip netns exec "$ns_b" iperf3 -s -B 10.83.0.2 > "$tmp/linux-server.log" 2>&1 &
spid=$!

# Linux with offloads: ns_c (client, 10.84.0.1) to ns_d (10.84.0.2).
ip netns add "$ns_c" && ip netns add "$ns_d" || exit 1
ip link add vc$$ netns "$ns_c" type veth peer name vd$$ netns "$ns_d"
ip -n "$ns_c" addr add 10.84.0.1/24 dev vc$$
ip -n "$ns_d" addr add 10.84.0.2/24 dev vd$$
ip -n "$ns_c" link set vc$$ up
ip -n "$ns_d" link set vd$$ up
ip netns exec "$ns_d" iperf3 -s -B 10.84.0.2 > "$tmp/linux-on-server.log" 2>&1 &
spid2=$!
sleep 0.5

# gbps NS ADDR FLAGS...: one iperf3 run; prints Gbit/s or nothing.
gbps() {
    _ns=$1 _addr=$2
    shift 2
    ip netns exec "$_ns" timeout $((secs + 20)) iperf3 -c "$_addr" -t "$secs" \
        --json "$@" > "$tmp/run.json" 2> /dev/null
    /usr/bin/python3 - "$tmp/run.json" <<'PY' 2> /dev/null
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    sys.exit(1)
print("%.3f" % (r["end"]["sum_received"]["bits_per_second"] / 1e9))
PY
}

# median NS ADDR FLAGS...: the median of `runs` runs, or nothing.
median() {
    _vals=""
    for _ in $(seq "$runs"); do
        _v=$(gbps "$@") || return 0
        [ -n "$_v" ] || return 0
        _vals="$_vals $_v"
    done
    echo $_vals | tr ' ' '\n' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

rows=""
failed=0
for case in "normal:" "reverse:-R" "parallel4:-P 4"; do
    name=${case%%:*} flags=${case#*:}
    # shellcheck disable=SC2086
    t=$(median "$ns_t" 10.82.0.2 $flags)
    # shellcheck disable=SC2086
    l=$(median "$ns_a" 10.83.0.2 $flags)
    # shellcheck disable=SC2086
    lo=$(median "$ns_c" 10.84.0.2 $flags)
    if [ -n "$t" ] && [ -n "$l" ] && [ -n "$lo" ]; then
        echo "iperf3 $name: tern $t Gbit/s, linux $l Gbit/s, ratio $(awk "BEGIN { printf \"%.2f\", $t / $l }"); linux offloads on $lo Gbit/s, ratio $(awk "BEGIN { printf \"%.2f\", $t / $lo }")"
        rows="$rows{\"case\": \"$name\", \"tern_gbps\": $t, \"linux_gbps\": $l, \"linux_on_gbps\": $lo},"
    else
        echo "iperf3 $name: FAILED (tern '$t', linux '$l', linux offloads on '$lo')"
        rows="$rows{\"case\": \"$name\", \"failure\": \"an iperf3 run failed\"},"
        failed=1
    fi
done

/usr/bin/python3 - "$out/iperf.json" "[${rows%,}]" "$runs" "$secs" <<'PY' || failed=1
import json, sys
rows = json.loads(sys.argv[2])
for r in rows:
    if "failure" not in r:
        r["ratio"] = round(r["tern_gbps"] / r["linux_gbps"], 3)
        r["ratio_on"] = round(r["tern_gbps"] / r["linux_on_gbps"], 3)
doc = {"suite": "iperf", "runs": int(sys.argv[3]), "seconds": int(sys.argv[4]),
       "baseline": "Linux iperf3 -s over a veth pair, offloads off",
       "baseline_on": "the same, offloads on",
       "rows": rows}
json.dump(doc, open(sys.argv[1], "w"), indent=2)
json.load(open(sys.argv[1]))
PY
echo "bench/iperf: JSON in $out/iperf.json"
exit $failed
