#!/bin/sh
# test_interop_httpd.sh - the hosted httpd app on a TAP inside a private
# network namespace, against real HTTP clients (label interop: needs root).
#
#   1. makes a site and its tar image: pub/ (the served root, --root /pub)
#      with index.html, a 1 KiB and a 3 MiB file of random bytes, "a b.txt",
#      d/index.html, e/ (no index), a symlink inside the root and one that
#      leads out of it to secret.txt beside pub/; starts `httpd --net tap:...
#      --ip 10.84.0.2/24 --disk file:site.img --root /pub --pcap ...`;
#   2. curl: GET (bytes compared), HEAD, Range (206 and 416), If-None-Match
#      and If-Modified-Since (304), a directory redirect (301) and its
#      index.html, 404, 403 for ".." and for the symlink out of the root,
#      and four URLs on one keep-alive connection (curl reports the reuse);
#   3. wrk for 5 s with 64 connections: no socket error, no non-2xx; ab -k:
#      no failed request;
#   4. hostile requests from python, each answered with its status and the
#      connection then closed: bad syntax 400, obs-fold 400, a request line
#      over 2 KiB 414, a header section over 8 KiB 431, POST 405, an
#      unknown method 501, HTTP/2.0 505, Transfer-Encoding 501, %2F 400;
#      pipelined requests answered in order; 64 connections holding half a
#      head fill the cap and the 65th gets 503, after which a new one is
#      served;
#   5. SIGTERM: exit status 0, and the report counts what was refused;
#   6. the pcap read by tshark: no malformed segment, no bad IPv4 or TCP
#      checksum (and the filter proven by corrupting a copy);
#   7. a second run with short timeouts and the access log on: a slowloris
#      client (half a head, then nothing) gets 408 and is closed, an idle
#      keep-alive connection is closed, and every request has a log line;
#   8. a graceful stop: SIGTERM in the middle of a rate-limited download;
#      the download completes byte for byte, a new connection is refused,
#      the exit status is 0.
# Every command has a timeout; the namespace (and with it the TAP) and the
# work folder are deleted on every path (tests/support/netns.sh).
set -u
SRC=${TERN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/support/netns.sh"

HTTPD=${TERN_HTTPD:-}
[ -n "$HTTPD" ] && [ -x "$HTTPD" ] || skip "TERN_HTTPD does not name the httpd app"
need_root ip curl wrk ab tshark tar
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

tap=$(tap_name thttp)
work=$(mktemp -d /tmp/tern-httpd.XXXXXX)
tap_netns ternhttp-$$ "$tap" 10.84.0.1/24
url=http://10.84.0.2

site=$work/site
mkdir -p "$site/pub/d" "$site/pub/e"
echo "<h1>Tern httpd</h1>" > "$site/pub/index.html"
head -c 1024 /dev/urandom > "$site/pub/1k.bin"
head -c 3145728 /dev/urandom > "$site/pub/big.bin"
echo "a file with a space" > "$site/pub/a b.txt"
echo "the index of d" > "$site/pub/d/index.html"
echo "not to be served" > "$site/secret.txt"
ln -s index.html "$site/pub/alias.html"
ln -s ../secret.txt "$site/pub/leak"
tar cf "$work/site.img" -C "$site" . || fail "tar"

# start_httpd LOG [FLAG...]: runs httpd on the TAP serving /pub and waits
# for its ready line.
start_httpd() {
    _log=$1
    shift
    # `ip netns exec` execs the app: $! is the app itself.
    ip netns exec "$ns" "$HTTPD" --net "tap:$tap" --ip 10.84.0.2/24 \
        --disk "file:$work/site.img" --root /pub --seed 5 "$@" > "$_log" 2>&1 &
    pid=$!
    await_ready "$_log" "httpd: ready" 10 httpd
    grep "httpd: ready" "$_log"
}

# status ARGS...: prints the HTTP status curl got for ARGS.
status() {
    inns timeout 30 curl -s -o /dev/null -w '%{http_code}' "$@"
}

# expect WANT ARGS...: fails unless curl ARGS gets status WANT.
expect() {
    _want=$1
    shift
    _got=$(status "$@")
    [ "$_got" = "$_want" ] || fail "curl $*: status $_got, wanted $_want"
    echo "curl $*: $_got"
}

start_httpd "$work/httpd.log" --pcap "$work/httpd.pcap"
grep -q "files=5" "$work/httpd.log" || fail "the ready line does not count 5 files under /pub"

# 2. curl.
for f in index.html 1k.bin big.bin "a%20b.txt" d/index.html alias.html; do
    inns timeout 60 curl -sf -o "$work/got" "$url/$f" || fail "GET /$f"
    local_name=$(echo "$f" | sed 's/%20/ /')
    [ "$f" = alias.html ] && local_name=index.html
    cmp "$work/got" "$site/pub/$local_name" || fail "GET /$f: bytes differ"
    echo "GET /$f: $(wc -c < "$work/got") bytes, identical"
done
inns timeout 30 curl -sfI "$url/big.bin" > "$work/head" || fail "HEAD"
tr -d '\r' < "$work/head" | grep -qx "Content-Length: 3145728" || { cat "$work/head"; fail "HEAD: Content-Length"; }
tr -d '\r' < "$work/head" | grep -qx "Content-Type: application/octet-stream" || fail "HEAD: Content-Type"
echo "HEAD /big.bin: Content-Length 3145728"
inns timeout 30 curl -sf -r 1000-1999 -o "$work/got" -w '%{http_code}' "$url/big.bin" > "$work/code" || fail "Range"
[ "$(cat "$work/code")" = 206 ] || fail "Range: status $(cat "$work/code")"
dd if="$site/pub/big.bin" bs=1000 skip=1 count=1 2>/dev/null | cmp - "$work/got" || fail "Range: bytes differ"
echo "Range 1000-1999: 206, the right 1000 bytes"
expect 416 -r 4000000- "$url/big.bin"
etag=$(tr -d '\r' < "$work/head" | sed -n 's/^ETag: //p')
lastmod=$(tr -d '\r' < "$work/head" | sed -n 's/^Last-Modified: //p')
[ -n "$etag" ] && [ -n "$lastmod" ] || fail "no ETag or Last-Modified"
expect 304 -H "If-None-Match: $etag" "$url/big.bin"
expect 304 -H "If-Modified-Since: $lastmod" "$url/big.bin"
expect 200 -H 'If-None-Match: "other"' "$url/big.bin"
expect 301 "$url/d"
inns timeout 30 curl -s -o /dev/null -w '%{redirect_url}' "$url/d" | grep -q "/d/$" || fail "301 without Location /d/"
expect 404 "$url/e/"
expect 404 "$url/missing"
expect 403 --path-as-is "$url/../secret.txt"
expect 403 "$url/leak"
inns timeout 30 curl -sv -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    "$url/index.html" "$url/1k.bin" "$url/d/" "$url/big.bin" 2> "$work/ka" ||
    fail "keep-alive run"
reused=$(grep -c "Re-using existing connection" "$work/ka")
[ "$reused" -eq 3 ] || { cat "$work/ka"; fail "keep-alive: $reused reuses, wanted 3"; }
echo "4 URLs on one connection: curl reused it 3 times"

# 3. wrk and ab.
inns timeout 30 wrk -t2 -c64 -d5s "$url/1k.bin" > "$work/wrk" 2>&1 || { cat "$work/wrk"; fail "wrk"; }
grep -qE "Socket errors|Non-2xx" "$work/wrk" && { cat "$work/wrk"; fail "wrk saw errors"; }
echo "wrk -c64 -d5s: $(grep Requests/sec "$work/wrk"), no errors"
inns timeout 60 ab -k -q -n 5000 -c 32 "$url/1k.bin" > "$work/ab" 2>&1 || { cat "$work/ab"; fail "ab"; }
grep -q "^Failed requests: *0$" "$work/ab" || { cat "$work/ab"; fail "ab: failed requests"; }
grep -q "^Non-2xx" "$work/ab" && { cat "$work/ab"; fail "ab: non-2xx"; }
echo "ab -k -n 5000 -c 32: $(grep "Requests per second" "$work/ab" | tr -s ' '), none failed"

# 4. Hostile requests, pipelining and the connection cap.
inns timeout 120 /usr/bin/python3 - <<'PY' || fail "python HTTP checks"
import socket, sys

ADDR = ("10.84.0.2", 80)

def exchange(data, timeout=10):
    """Sends data, returns everything until the server closes."""
    s = socket.create_connection(ADDR, timeout=timeout)
    s.sendall(data)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return got

def refused(name, req, status):
    got = exchange(req)
    line = got.split(b"\r\n", 1)[0]
    if not line.startswith(b"HTTP/1.1 %d " % status):
        sys.exit("%s: got %r, wanted %d" % (name, line, status))
    if b"Connection: close\r\n" not in got:
        sys.exit("%s: no Connection: close" % name)
    print("%s: %d and closed: ok" % (name, status))

refused("bad request line", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
refused("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400)
refused("no Host", b"GET / HTTP/1.1\r\n\r\n", 400)
refused("long target", b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)
refused("big header", b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431)
refused("POST", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405)
refused("unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 501)
refused("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505)
refused("chunked", b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501)
refused("encoded slash", b"GET /d%2Findex.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400)

# Three pipelined requests in one write, answered in order; the last
# closes the connection.
got = exchange(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
               b"HEAD /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /d/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
first = got.find(b"<h1>Tern httpd</h1>")
second = got.find(b"Content-Length: 1024\r\n")
third = got.find(b"the index of d")
if got.count(b"HTTP/1.1 200 OK") != 3 or not (0 < first < second < third):
    sys.exit("pipelining: %r" % got[:400])
print("3 pipelined requests answered in order: ok")

# The cap: 64 connections each holding half a head; the 65th gets 503.
held = []
for k in range(64):
    s = socket.create_connection(ADDR, timeout=10)
    s.sendall(b"GET /index.html HTTP/1.1\r\n")
    held.append(s)
got = exchange(b"")
if not got.startswith(b"HTTP/1.1 503 "):
    sys.exit("65th connection: %r" % got[:80])
print("64 connections held, the 65th: 503: ok")
for s in held:
    s.sendall(b"Host: x\r\nConnection: close\r\n\r\n")
for s in held:
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        r += b
    if not r.startswith(b"HTTP/1.1 200 OK"):
        sys.exit("a held connection got %r" % r[:80])
    s.close()
got = exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
if not got.startswith(b"HTTP/1.1 200 OK"):
    sys.exit("after the cap: %r" % got[:80])
print("the held connections finished, a new one is served: ok")
PY

# 5. The report.
stop_app "$work/httpd.log" httpd
grep "^httpd:" "$work/httpd.log" | grep -v ready
for c in refused_cap=1 bad_line=1 obs_fold=1 no_host=1 line_too_long=1 \
    fields_too_large=1 method_not_allowed=1 method_unknown=1 version=1 te=1 \
    slash_escape=1 escape_root=1 outside_root=1 not_modified=2 range=1 \
    range_unsatisfiable=1 redirect=2; do
    grep -q "\b$c\b" "$work/httpd.log" || fail "the report does not say $c"
done
echo "the report counts every refusal"

# 6. The capture.
tshark_clean "$work/httpd.pcap" "$TSHARK_BAD_TCP" 10000 ip tcp
rm -f "$work/httpd.pcap"

# 7. Timeouts and the access log.
start_httpd "$work/short.log" --header-timeout-ms 500 --idle-timeout-ms 1000 --log info
inns timeout 60 /usr/bin/python3 - <<'PY' || fail "python timeout checks"
import socket, sys, time

ADDR = ("10.84.0.2", 80)

def until_closed(s):
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            return got
        got += b

# Slowloris: half a head, then nothing: 408, closed.
s = socket.create_connection(ADDR, timeout=20)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
got = until_closed(s)
if not got.startswith(b"HTTP/1.1 408 "):
    sys.exit("slowloris: %r" % got[:80])
print("half a head, then nothing: 408 and closed: ok")

# Idle keep-alive: one request answered, then the server closes.
s = socket.create_connection(ADDR, timeout=20)
s.sendall(b"GET /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n")
got = until_closed(s)
if not got.startswith(b"HTTP/1.1 200 OK") or b"Content-Length: 1024\r\n" not in got:
    sys.exit("idle: %r" % got[:80])
print("an idle keep-alive connection is closed after its answer: ok")
PY
stop_app "$work/short.log" httpd
grep -q "header_timeout=1" "$work/short.log" || fail "no header_timeout=1 in the report"
grep -q "idle_timeout=1" "$work/short.log" || fail "no idle_timeout=1 in the report"
grep -q 'httpd: 10.84.0.1:[0-9]* "GET /1k.bin" 200 ' "$work/short.log" ||
    { cat "$work/short.log"; fail "no access log line for GET /1k.bin"; }
echo "slowloris and idle connections counted; access log: ok"

# 8. A graceful stop: SIGTERM in the middle of a slow 3 MiB download; the
# download completes, a new connection is refused, httpd exits 0.
start_httpd "$work/drain.log" --log warn
inns timeout 60 curl -s --limit-rate 1M -o "$work/drained" "$url/big.bin" &
cpid=$!
sleep 1
kill -TERM "$pid"
sleep 0.3
inns timeout 10 curl -s -o /dev/null "$url/1k.bin" &&
    fail "a new connection was served while draining"
wait "$cpid" || fail "the download in progress failed during the drain"
cmp -s "$work/drained" "$site/pub/big.bin" ||
    fail "the download in progress did not get the whole file"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || { cat "$work/drain.log"; fail "httpd exited with $rc after the drain"; }
grep -q "httpd: stop requested: draining" "$work/drain.log" &&
    grep -q "httpd: stopped: every connection finished" "$work/drain.log" ||
    { cat "$work/drain.log"; fail "no drain lines in the log"; }
echo "SIGTERM mid-download: the download finished, new connections refused, exit 0"
echo "PASS"
