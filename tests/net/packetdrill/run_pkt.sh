#!/bin/sh
# run_pkt.sh PACKETDRILL SHIM SCRIPT [packetdrill options...]
# Runs one packetdrill script against Tern: PACKETDRILL is the binary
# built in the build directory, SHIM libtern_packetdrill.so. The
# addresses are the shim's defaults (tern_packetdrill.c). packetdrill
# locks all its memory (mlockall); the small stack limit keeps its thread
# stacks inside an unprivileged RLIMIT_MEMLOCK.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 PACKETDRILL SHIM SCRIPT [opts]" >&2; exit 2; }
pd=$1 shim=$2 script=$3
shift 3
ulimit -s 256
exec "$pd" --so_filename="$shim" \
    --so_flags=local=192.168.0.2,gw=192.168.0.1,prefix=16 \
    --local_ip=192.168.0.2 --gateway_ip=192.168.0.1 --remote_ip=192.0.2.1 \
    "$@" "$script"
