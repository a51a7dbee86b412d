#!/bin/sh
# test_interop_iperf.sh - the hosted iperf app on a TAP inside a private
# network namespace, measured by Debian's iperf3 client (label interop:
# needs root).
#
#   1. creates namespace terniperf-PID with a TAP (kernel side
#      10.79.0.1/24) and starts `iperf --net tap:... --ip 10.79.0.2/24`;
#   2. runs `iperf3 -c 10.79.0.2 --json` with: -t 3 (the client sends);
#      -R -t 3 (the server sends); -R -n 200M; -P 4 -t 3; -P 4 -R -n 100M;
#      -l 16K -n 50M; -k 400 -l 64K. /usr/bin/python3 reads each JSON: no
#      "error", bytes > 0 both ways, the end sums equal to the sums of the
#      streams, the receiver's count at most the sender's and (for -t) at
#      least 90% of it, a -t run lasting about its time, and with -R -n
#      every stream's count from the server equal to what the client
#      received (the server queues exactly the budget; -R -k cannot be
#      exact: iperf3 counts a "block" per read on the receiving side). The
#      server's own line for the test must carry the count that the
#      client reports for it. Prints the Gbit/s of each run;
#   3. -P 8 -l 16K -t 3 and a second client meanwhile, which must be
#      refused ("busy"); then -u and -P 9, which the server refuses with
#      the error that iperf3 prints;
#   4. SIGTERM: exit status 0, and the report's totals are the sums of the
#      per-test lines; the stack counted no bad checksum, took segments
#      unverified (tcp_rx_csum_skipped: what the TAP received as
#      super-frames and partial checksums it cut and flagged
#      TERN_RX_CSUM_VALID) and sent super-segments (TSO).
# Every command has a timeout. The namespace (and with it the TAP) and the
# work folder are deleted on every path (tests/support/netns.sh).
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

IPERF=${TERN_IPERF:-}
[ -n "$IPERF" ] && [ -x "$IPERF" ] || skip "TERN_IPERF does not name the iperf app"
need_root ip iperf3 timeout
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

tap=$(tap_name tiperf)
work=$(mktemp -d /tmp/tern-iperf.XXXXXX)
tap_netns terniperf-$$ "$tap" 10.79.0.1/24

# `ip netns exec` execs the app: $! is the app itself.
ip netns exec "$ns" "$IPERF" --net "tap:$tap" --ip 10.79.0.2/24 --seed 7 \
    > "$work/iperf.log" 2>&1 &
pid=$!
await_ready "$work/iperf.log" "iperf: ready" 10 iperf
grep -q "iperf: ready ip=10.79.0.2/24 tcp=5201" "$work/iperf.log" ||
    { cat "$work/iperf.log"; fail "unexpected ready line"; }

# check JSON STREAMS SECONDS EXACT: checks an iperf3 --json report (see
# above). SECONDS is the -t time (0 for -n); EXACT is the -R -n budget in
# bytes (0: not exact). Prints "Gbit/s sent received retransmits" and
# "server=N", the count the server's results gave (received in normal
# mode, sent with -R), or an error on stderr and exits 1.
check() {
    timeout 10 /usr/bin/python3 - "$@" <<'EOF'
import json, sys
path, streams, secs, exact = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
def die(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)
try:
    j = json.load(open(path))
except ValueError as e:
    die("not JSON: %s" % e)
if "error" in j:
    die("iperf3 reported: %s" % j["error"])
end = j["end"]
reverse = j["start"]["test_start"]["reverse"] == 1
sent, recv = end["sum_sent"], end["sum_received"]
if len(end["streams"]) != streams:
    die("%d streams, wanted %d" % (len(end["streams"]), streams))
if sent["bytes"] <= 0 or recv["bytes"] <= 0:
    die("sent %d, received %d" % (sent["bytes"], recv["bytes"]))
for side, total in (("sender", sent), ("receiver", recv)):
    s = sum(st[side]["bytes"] for st in end["streams"])
    if s != total["bytes"]:
        die("%s streams sum to %d, end sum says %d" % (side, s, total["bytes"]))
if recv["bytes"] > sent["bytes"]:
    die("received %d > sent %d" % (recv["bytes"], sent["bytes"]))
if secs and recv["bytes"] * 10 < sent["bytes"] * 9:
    die("received %d is under 90%% of sent %d" % (recv["bytes"], sent["bytes"]))
if secs and not secs - 0.5 <= sent["seconds"] <= secs + 1.0:
    die("the test lasted %.2f s, not about %g" % (sent["seconds"], secs))
if exact:
    for st in end["streams"]:
        if st["sender"]["bytes"] != st["receiver"]["bytes"]:
            die("stream %d: the server sent %d, the client received %d" %
                (st["sender"]["socket"], st["sender"]["bytes"], st["receiver"]["bytes"]))
    if recv["bytes"] != exact:
        die("received %d, not the budget %d" % (recv["bytes"], exact))
if recv["bits_per_second"] <= 0:
    die("no rate")
print("%.2f Gbit/s (sent %d, received %d, retransmits %d)" %
      (recv["bits_per_second"] / 1e9, sent["bytes"], recv["bytes"],
       sent.get("retransmits", 0)))
print("server=%d" % (sent if reverse else recv)["bytes"])
EOF
}

tests=0
# run NAME STREAMS SECONDS EXACT ARGS...: one iperf3 client run with
# --json, checked by check() and against the server's line for it.
run() {
    _name=$1 _streams=$2 _secs=$3 _exact=$4
    shift 4
    inns timeout 60 iperf3 -c 10.79.0.2 --json "$@" > "$work/$_name.json" \
        2> "$work/$_name.err"
    _rc=$?
    [ $_rc -eq 0 ] || { cat "$work/$_name.json" "$work/$_name.err"; fail "$_name: iperf3 exited with $_rc"; }
    tests=$((tests + 1))
    _out=$(check "$work/$_name.json" "$_streams" "$_secs" "$_exact" 2>&1) ||
        { cat "$work/$_name.err"; fail "$_name: $_out"; }
    _line=$(grep "^iperf: test $tests: " "$work/iperf.log")
    [ -n "$_line" ] || { cat "$work/iperf.log"; fail "$_name: no server line for test $tests"; }
    _srv=$(echo "$_line" | sed -n 's/.* \(sent\|received\)=\([0-9]*\) bytes.*/\2/p')
    [ "server=$_srv" = "$(echo "$_out" | tail -1)" ] ||
        fail "$_name: the server's line says $_srv, the client's report $(echo "$_out" | tail -1)"
    echo "$_name ($*): $(echo "$_out" | head -1)"
}

run normal 1 3 0 -t 3
run reverse 1 3 0 -R -t 3
run reverse-n 1 0 209715200 -R -n 200M
run parallel4 4 3 0 -P 4 -t 3
run parallel4-reverse-n 4 0 104857600 -P 4 -R -n 100M
run len16k-n 1 0 0 -l 16K -n 50M
run blocks-k 1 0 0 -k 400 -l 64K

# Eight streams of 16 KiB blocks, and a second client meanwhile: refused.
inns timeout 60 iperf3 -c 10.79.0.2 --json -t 3 -P 8 -l 16K \
    > "$work/parallel8.json" 2> "$work/parallel8.err" &
first=$!
sleep 1
inns timeout 10 iperf3 -c 10.79.0.2 -t 1 > "$work/busy.log" 2>&1 &&
    fail "a second client was not refused"
grep -q "busy" "$work/busy.log" || { cat "$work/busy.log"; fail "the second client was not told busy"; }
wait $first || { cat "$work/parallel8.json"; fail "parallel8: iperf3 failed"; }
tests=$((tests + 1))
out=$(check "$work/parallel8.json" 8 3 0 2>&1) || fail "parallel8: $out"
echo "parallel8 (-P 8 -l 16K -t 3): $(echo "$out" | head -1); a second client was refused: ok"

# Parameters the server does not serve: iperf3 prints the server's error
# (SERVER_ERROR and iperf3's error number).
refused() {
    _want=$1
    shift
    inns timeout 20 iperf3 -c 10.79.0.2 "$@" > "$work/refused.log" 2>&1 &&
        fail "iperf3 $* was not refused"
    grep -q "$_want" "$work/refused.log" ||
        { cat "$work/refused.log"; fail "iperf3 $*: no \"$_want\""; }
    echo "refused ($*): $(grep error "$work/refused.log")"
}
refused "protocol does not exist" -u -t 1
refused "parallel streams too large" -P 9 -t 1

# Frames the kernel dropped on their way to the app (its TAP queue full).
inns ip -s link show "$tap" |
    awk '/TX:/ {getline; print "tap: to the app " $2 " frames, " $4 " dropped"}'

# Stop: exit status 0; the report's totals are the sums of the test lines.
stop_app "$work/iperf.log" iperf
grep -E "^iperf: |^net: " "$work/iperf.log"
grep "^net: " "$work/iperf.log" | grep -q "bad_cksum" &&
    fail "the stack counted bad checksums"
grep "^net: " "$work/iperf.log" | grep -q "tcp_tso_sent=[1-9]" ||
    fail "no super-segment was sent"
grep "^net: " "$work/iperf.log" | grep -q "tcp_rx_csum_skipped=[1-9]" ||
    fail "no segment came flagged CSUM_VALID from the TAP"
grep -q "iperf: tcp port 5201: $tests tests run, 0 failed, 2 refused" "$work/iperf.log" ||
    fail "the report should count $tests tests and the 2 refusals"
grep -q "0 terminated by the client; 1 connections denied, 0 without a cookie, 0 bad JSON, 0 bad states" \
    "$work/iperf.log" || fail "the report should count 1 denial and nothing hostile"
rx=$(sed -n 's/^iperf: test [0-9]*: normal .* received=\([0-9]*\) bytes.*/\1/p' "$work/iperf.log" |
    awk '{s += $1} END {printf "%.0f", s}')
tx=$(sed -n 's/^iperf: test [0-9]*: reverse .* sent=\([0-9]*\) bytes.*/\1/p' "$work/iperf.log" |
    awk '{s += $1} END {printf "%.0f", s}')
grep -q "iperf: bytes received $rx, bytes sent $tx" "$work/iperf.log" ||
    fail "report totals differ from the tests' (received $rx, sent $tx)"
echo "PASS"
