#!/bin/sh
# test_interop_ttcp.sh - the hosted ttcp app, Tern's TCP client, against
# Linux's TCP servers (socat and nc) on a TAP inside a private network
# namespace (label interop: needs root).
#
#   1. creates namespace ternttcp-PID with a TAP (kernel side 10.79.0.1/24;
#      ttcp is 10.79.0.2/24);
#   2. socat echo server (EXEC:cat): ttcp sends 100 MiB and must read the
#      same 100 MiB back - both SHA-256s equal;
#   3. nc and socat as sinks (nc -l > FILE, socat -u ... CREATE:FILE):
#      ttcp sends 100 MiB, sha256sum of the file equals ttcp's sent digest;
#   4. nc as a source (nc -N -l < FILE): ttcp sends nothing and reads
#      100 MiB whose digest equals sha256sum of the file;
#   5. a closed port: ttcp exits 1 with "connection refused";
#   6. a bad --connect prints usage and exits 2.
# Every server runs under timeout; the namespace is deleted on every path.
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

TTCP=${TERN_TTCP:-}
[ -n "$TTCP" ] && [ -x "$TTCP" ] || skip "TERN_TTCP does not name the ttcp app"
need_root ip socat nc sha256sum

BYTES=104857600
server=""
kill_server() { [ -n "$server" ] && kill -KILL "$server" 2>/dev/null; }
cleanup_extra=kill_server

tap=$(tap_name tttcp)
work=$(mktemp -d /tmp/tern-ttcp.XXXXXX)
tap_netns ternttcp-$$ "$tap" 10.79.0.1/24

# serve PORT INPUT CMD...: starts the Linux server CMD in the namespace (at
# most 120 s) with standard input from INPUT (a background job's would be
# /dev/null) and waits until something listens on PORT.
serve() {
    _port=$1 _input=$2
    shift 2
    inns timeout 120 "$@" < "$_input" &
    server=$!
    _i=0
    until inns ss -Htln "sport = :$_port" | grep -q .; do
        _i=$((_i + 1))
        [ $_i -gt 100 ] && fail "no listener on port $_port"
        sleep 0.1
    done
}

# server_done: waits for the Linux server to exit; fails unless it exited 0.
server_done() {
    wait "$server" || fail "the Linux server exited with $?"
    server=""
}

# ttcp LOG PORT [FLAG...]: runs ttcp against 10.79.0.1:PORT (at most 120 s),
# its console in LOG. Returns ttcp's exit status.
ttcp() {
    _log=$1 _port=$2
    shift 2
    inns timeout 120 "$TTCP" --net "tap:$tap" --ip 10.79.0.2/24 --seed 5 \
        --connect "10.79.0.1:$_port" "$@" > "$_log" 2>&1
}

# ttcp_ok LOG PORT [FLAG...]: ttcp, failing (with its console) unless it
# exits 0.
ttcp_ok() {
    ttcp "$@"
    _rc=$?
    [ $_rc -eq 0 ] || { cat "$1"; fail "ttcp to port $2 exited with $_rc"; }
}

# digest LOG DIRECTION COUNT: the sha256 ttcp printed for DIRECTION (sent
# or received) of exactly COUNT bytes; empty if it printed no such line.
digest() {
    grep "^ttcp: $2 $3 bytes sha256=" "$1" | sed 's/.*sha256=\([0-9a-f]*\).*/\1/'
}

file_sum() { sha256sum < "$1" | cut -d' ' -f1; }

# 2. An echo server: what comes back is what went out.
serve 7001 /dev/null socat -b 65536 TCP-LISTEN:7001,bind=10.79.0.1 EXEC:cat
ttcp_ok "$work/echo.log" 7001 --send $BYTES
server_done
sent=$(digest "$work/echo.log" sent $BYTES)
back=$(digest "$work/echo.log" received $BYTES)
[ -n "$sent" ] && [ "$sent" = "$back" ] ||
    { cat "$work/echo.log"; fail "socat echo: the digests differ"; }
echo "socat echo: 100 MiB out and back, SHA-256 equal, $(grep Mbit "$work/echo.log" | cut -d' ' -f4-)"

# 3. Sinks: the file Linux wrote is what ttcp sent.
serve 7002 /dev/null nc -l 10.79.0.1 7002 > "$work/nc.out"
ttcp_ok "$work/nc-sink.log" 7002 --send $BYTES
server_done
[ "$(digest "$work/nc-sink.log" sent $BYTES)" = "$(file_sum "$work/nc.out")" ] ||
    { cat "$work/nc-sink.log"; fail "nc sink: $(wc -c < "$work/nc.out") bytes, digest differs"; }
echo "nc sink: 100 MiB, SHA-256 equal, $(grep Mbit "$work/nc-sink.log" | cut -d' ' -f4-)"
rm -f "$work/nc.out"

serve 7003 /dev/null socat -u -b 65536 TCP-LISTEN:7003,bind=10.79.0.1 CREATE:"$work/socat.out"
ttcp_ok "$work/socat-sink.log" 7003 --send $BYTES
server_done
[ "$(digest "$work/socat-sink.log" sent $BYTES)" = "$(file_sum "$work/socat.out")" ] ||
    { cat "$work/socat-sink.log"; fail "socat sink: digest differs"; }
echo "socat sink: 100 MiB, SHA-256 equal, $(grep Mbit "$work/socat-sink.log" | cut -d' ' -f4-)"
rm -f "$work/socat.out"

# 4. A source: ttcp receives the file.
head -c $BYTES /dev/urandom > "$work/in"
serve 7004 "$work/in" nc -N -l 10.79.0.1 7004
ttcp_ok "$work/source.log" 7004
server_done
[ "$(digest "$work/source.log" received $BYTES)" = "$(file_sum "$work/in")" ] ||
    { cat "$work/source.log"; fail "nc source: digest differs"; }
grep -q "^ttcp: sent 0 bytes" "$work/source.log" || fail "ttcp sent data it was not asked to"
echo "nc source: 100 MiB received, SHA-256 equal, $(grep Mbit "$work/source.log" | cut -d' ' -f4-)"

# 5. Nothing listens: refused, status 1.
ttcp "$work/refused.log" 7009 --send 10
rc=$?
[ $rc -eq 1 ] && grep -qi "refused" "$work/refused.log" ||
    { cat "$work/refused.log"; fail "closed port: status $rc"; }
echo "closed port: $(grep -i refused "$work/refused.log")"

# 6. A bad endpoint is a usage error.
inns timeout 10 "$TTCP" --net "tap:$tap" --ip 10.79.0.2/24 \
    --connect 10.79.0.1 > "$work/usage.log" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$work/usage.log"; fail "--connect without a port: status $rc"; }
echo "bad --connect: usage, status 2"
echo "PASS"
