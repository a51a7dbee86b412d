#!/bin/sh
# drive_http.sh HOST SECONDS - loads an HTTP server (apps/httpd serving
# the site compare.sh makes) with wrk: one thread, 8 keep-alive
# connections fetching /16k.bin for SECONDS seconds, then prints one line:
# "drive_http: N requests, R requests/s, E errors". Bounded: wrk stops at
# SECONDS and gives up on a response after 5 s.
# Exit status: 0, 1 if wrk failed, answered nothing, or saw an error
# (a socket error or a status other than 2xx/3xx).
set -u
host=${1:?usage: drive_http.sh HOST SECONDS} secs=${2:?usage: drive_http.sh HOST SECONDS}
log=$(wrk -t1 -c8 -d"${secs}s" --timeout 5s "http://$host/16k.bin" 2>&1) ||
    { echo "$log" | tail -n 5; echo "drive_http: wrk failed"; exit 1; }
n=$(echo "$log" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')
rate=$(echo "$log" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
errs=$(echo "$log" | grep -cE "Socket errors|Non-2xx or 3xx")
echo "drive_http: ${n:-0} requests, ${rate:-0} requests/s, $errs errors"
if [ "${n:-0}" -eq 0 ] || [ "$errs" -ne 0 ]; then
    echo "$log" | tail -n 8
    exit 1
fi
