#!/bin/sh
# drive_iperf.sh HOST SECONDS - loads an iperf3 server (apps/iperf) with
# one TCP stream from iperf3's client to HOST:5201 for SECONDS seconds
# (the client sends, the server receives), then prints one line:
# "drive_tcp: iperf3 -c HOST -t SECONDS: N Mbit/s received". Bounded:
# iperf3 gives up connecting after 5 s and stops at SECONDS.
# Exit status: 0, 1 if iperf3 failed or printed no receiver summary.
set -u
host=${1:?usage: drive_iperf.sh HOST SECONDS} secs=${2:?usage: drive_iperf.sh HOST SECONDS}
log=$(iperf3 -c "$host" -t "$secs" -f m --connect-timeout 5000 2>&1) ||
    { echo "$log" | tail -n 5; echo "drive_tcp: iperf3 failed"; exit 1; }
rate=$(echo "$log" | sed -n 's/.* \([0-9.]* Mbits\/sec\).* receiver$/\1/p' | tail -n 1)
[ -n "$rate" ] || { echo "$log" | tail -n 5; echo "drive_tcp: no receiver summary"; exit 1; }
echo "drive_tcp: iperf3 -c $host -t $secs: ${rate%% *} Mbit/s received"
