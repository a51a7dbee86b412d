#!/bin/sh
# ci/setup.sh - installs every Debian package Tern uses. Idempotent: when
# everything is present it prints nothing and exits 0. Needs root (or sudo)
# only when something is missing.
set -eu

PACKAGES="
build-essential cmake ninja-build pkg-config git
clang clang-format lld libclang-rt-14-dev libfuzzer-14-dev
libcriterion-dev libpcap-dev liblwip-dev
valgrind gdb linux-perf
qemu-system-x86 qemu-utils iproute2 iputils-ping netcat-openbsd dnsmasq-base
tshark tcpdump iperf3 curl socat ethtool wrk apache2-utils nginx-light
tar zip unzip python3 python3-scapy python3-matplotlib bison flex
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "ci/setup.sh: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null
