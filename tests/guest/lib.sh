#!/bin/bash
# lib.sh - shared by the guest test scripts (sourced): choosing the
# accelerator, building QEMU command lines, running a guest with a time
# limit and decoding its isa-debug-exit status.
#
# The accelerator: KVM if /dev/kvm works and the probe image (probe/)
# halts cleanly under it, else TCG. accel.sh decides once per build tree
# (a CTest fixture) and writes the answer to $TERN_GUEST_BUILD/accel; every
# test prints which one it uses. TERN_GUEST_ACCEL=kvm|tcg overrides.
#
# Exit status of a guest: QEMU exits with 2 * status + 17 when the guest
# writes its status to isa-debug-exit (tern_halt; guest/halt.c), 255 after
# tern_abort() or an exception, 1 when QEMU itself failed (it could not
# start, a bad option, no KVM) and 0 when it quit with no status (a
# power-off or a reset under -no-reboot); 124 when our time limit killed
# it. guest_status is the one decoder: a guest passed only when it says 0.

TERN_GUEST_BUILD=${TERN_GUEST_BUILD:?set by CTest: the guest build directory of tests/guest}
QEMU=${QEMU:-qemu-system-x86_64}
GUEST_WRAP=()

# Prints the chosen accelerator: kvm or tcg.
guest_accel() {
    if [ -n "${TERN_GUEST_ACCEL:-}" ]; then
        echo "$TERN_GUEST_ACCEL"
    elif [ -s "$TERN_GUEST_BUILD/accel" ]; then
        head -n1 "$TERN_GUEST_BUILD/accel"
    else
        echo tcg
    fi
}

# Prints the reason recorded with the accelerator choice.
guest_accel_reason() {
    if [ -n "${TERN_GUEST_ACCEL:-}" ]; then
        echo "TERN_GUEST_ACCEL is set"
    elif [ -s "$TERN_GUEST_BUILD/accel" ]; then
        sed -n 2p "$TERN_GUEST_BUILD/accel"
    else
        echo "no probe result (run the guest_accel test)"
    fi
}

# guest_qemu_args ACCEL MACHINE [CPU]: the common QEMU arguments: no
# default devices (no option ROMs to load), COM1 on stdio, isa-debug-exit,
# 128 MiB. CPU defaults to max under TCG (RDRAND) and the default model
# under KVM. GUEST_BIOS, if set, replaces SeaBIOS (qboot: the guest then
# assigns the PCI BARs itself). GUEST_MACHINE, if set, replaces MACHINE:
# that is the machine dimension of the tests (CMake's tern_guest_test
# ALSO_ON runs a test once more with it). Machines: pc, q35 (virtio-pci),
#   microvm     QEMU's microvm with ACPI off: QEMU then appends a
#               virtio_mmio.device=512@BASE:IRQ word for each device to the
#               command line (auto-kernel-cmdline), IRQs 5-12;
#   microvm-fc  the same with auto-kernel-cmdline=off: the test passes the
#               layout itself, as Firecracker does (guest_mmio_layout).
# Both make virtio-mmio devices modern (version 2; QEMU 7.2 defaults to
# legacy).
guest_qemu_args() {
    local accel=$1 machine=${GUEST_MACHINE:-$2} cpu=${3:-}
    if [ -z "$cpu" ] && [ "$accel" = tcg ]; then
        cpu=max
    fi
    case $machine in
    microvm) machine="microvm,acpi=off -global virtio-mmio.force-legacy=false" ;;
    microvm-fc) machine="microvm,acpi=off,auto-kernel-cmdline=off -global virtio-mmio.force-legacy=false" ;;
    esac
    echo -n "-machine $machine -accel $accel -m 128 -nodefaults -no-reboot"
    echo -n " -display none -serial stdio -monitor none"
    echo -n " -device isa-debug-exit,iobase=0xf4,iosize=0x04"
    [ -n "$cpu" ] && echo -n " -cpu $cpu"
    [ -n "${GUEST_BIOS:-}" ] && echo -n " -bios $GUEST_BIOS"
    echo
}

# guest_machine DEFAULT: the machine a test runs on (GUEST_MACHINE wins).
guest_machine() {
    echo "${GUEST_MACHINE:-$1}"
}

# guest_dev net|blk: the QEMU device model of a modern virtio-net or
# virtio-blk on the test's machine (virtio-mmio on microvm, virtio-pci
# elsewhere); append ,netdev=... or ,drive=... and device properties.
guest_dev() {
    case ${GUEST_MACHINE:-pc} in
    microvm*) echo "virtio-$1-device" ;;
    *) if [ "$1" = net ]; then
           echo "virtio-net-pci,disable-legacy=on,romfile="
       else
           echo "virtio-blk-pci,disable-legacy=on"
       fi ;;
    esac
}

# guest_mmio_layout N: on microvm-fc, the virtio_mmio.device= words for
# the first N devices, in the form Firecracker passes (SIZE@BASE:IRQ with
# a 4K size): QEMU puts the first -device on the last of its eight
# transports (0xfeb00e00, IRQ 12), the next one below it, 512 bytes
# apart. Prints nothing on other machines (microvm adds its own).
guest_mmio_layout() {
    local i
    [ "${GUEST_MACHINE:-}" = microvm-fc ] || return 0
    for ((i = 0; i < $1; i++)); do
        printf ' virtio_mmio.device=4K@0x%x:%d' $((0xfeb00e00 - 512 * i)) $((12 - i))
    done
}

# guest_start LOG QEMU-ARGS...: starts QEMU in the background with its
# console going to LOG (guest_wait strips the CRs at the end); sets
# GUEST_PID. If the array GUEST_WRAP is set, QEMU runs under that command
# (ip netns exec NS): it must exec QEMU so that GUEST_PID is QEMU's.
# GUEST_STDIN (default /dev/null) is the console's input: a FIFO lets the
# test type on the console (Ctrl-C, 0x03, is the guest's stop request).
guest_start() {
    local log=$1
    shift
    GUEST_LOG_FILE=$log
    : > "$log"
    "${GUEST_WRAP[@]}" "$QEMU" "$@" <"${GUEST_STDIN:-/dev/null}" >> "$log" 2>&1 &
    GUEST_PID=$!
}

# guest_wait LIMIT: waits up to LIMIT seconds for the QEMU started by
# guest_start to exit and returns its exit code; kills it and returns 124
# on timeout, or 125 if KVM reported an internal error (the vCPU is then
# stuck forever, so waiting is pointless).
guest_wait() {
    local limit=$1 log=$GUEST_LOG_FILE end=$((SECONDS + $1)) rc
    while kill -0 "$GUEST_PID" 2>/dev/null; do
        if [ "$SECONDS" -ge "$end" ]; then
            kill "$GUEST_PID" 2>/dev/null
            wait "$GUEST_PID" 2>/dev/null
            [ -n "$log" ] && sed -i 's/\r$//' "$log"
            return 124
        fi
        if [ -n "$log" ] && grep -q "KVM internal error" "$log" 2>/dev/null; then
            kill "$GUEST_PID" 2>/dev/null
            wait "$GUEST_PID" 2>/dev/null
            [ -n "$log" ] && sed -i 's/\r$//' "$log"
            return 125
        fi
        sleep 0.1
    done
    wait "$GUEST_PID"
    rc=$?
    [ -n "$log" ] && sed -i 's/\r$//' "$log"
    return $rc
}

# guest_run LIMIT LOG QEMU-ARGS...: runs QEMU to completion (at most LIMIT
# seconds), then prints its console; returns its exit code.
guest_run() {
    local limit=$1 log=$2 rc
    shift 2
    guest_start "$log" "$@"
    guest_wait "$limit"
    rc=$?
    cat "$GUEST_LOG_FILE"
    return $rc
}

# guest_console_fifo DIR: makes DIR/console.in, a FIFO for the guest's
# console input, keeps it open on fd 7 (so QEMU never sees end of file)
# and sets GUEST_STDIN to it.
guest_console_fifo() {
    mkfifo "$1/console.in"
    exec 7<>"$1/console.in"
    GUEST_STDIN=$1/console.in
}

# guest_stop: types Ctrl-C on the guest's console (needs
# guest_console_fifo): the guest's stop request.
guest_stop() {
    printf '\003' >&7
}

# guest_status RC: the guest's tern_halt status for QEMU exit code RC, or
# a word for the other endings; for "qemu-failed", QEMU's own message from
# the log of the last guest_start follows.
guest_status() {
    local rc=$1
    if [ "$rc" -eq 124 ]; then
        echo timeout
    elif [ "$rc" -eq 125 ]; then
        echo kvm-internal-error
    elif [ "$rc" -eq 255 ]; then
        echo abort
    elif [ "$rc" -eq 1 ]; then
        echo "qemu-failed: $(grep -m1 -i "qemu\|error" "${GUEST_LOG_FILE:-/dev/null}" 2>/dev/null ||
                             echo "no message")"
    elif [ "$rc" -eq 0 ]; then
        echo "no-status (QEMU quit: a power-off or reset)"
    elif [ $((rc % 2)) -eq 1 ] && [ "$rc" -ge 17 ] && [ "$rc" -le 123 ]; then
        echo $(((rc - 17) / 2))
    else
        echo "qemu-exit-$rc"
    fi
}

# guest_kvm_usable: returns 0 if /dev/kvm is a character device that opens
# for reading and writing; otherwise prints why not and returns 1. Never
# creates /dev/kvm (a redirection onto a missing path would).
guest_kvm_usable() {
    if [ ! -e /dev/kvm ]; then
        echo "no /dev/kvm"
        return 1
    elif [ ! -c /dev/kvm ]; then
        echo "/dev/kvm is not a character device ($(stat -c %F /dev/kvm))"
        return 1
    elif ! { exec 9<>/dev/kvm; } 2>/dev/null; then
        echo "/dev/kvm cannot be opened for reading and writing"
        return 1
    fi
    exec 9>&-
}

# guest_image NAME-OR-PATH: the .elf of a test image name (built here) or
# a path as given (apps: $<TARGET_FILE:echo>).
guest_image() {
    case $1 in
        */*) echo "$1" ;;
        *) echo "$TERN_GUEST_BUILD/$1.elf" ;;
    esac
}

# guest_loaded_bytes IMAGE: the bytes IMAGE occupies once loaded, the sum
# of its PT_LOAD segments' p_memsz (code, data and .bss as the loader lays
# them out); 0 if it has none.
guest_loaded_bytes() {
    local sum=0 memsz
    for memsz in $(readelf -lW "$1" | awk '$1 == "LOAD" { print $6 }'); do
        sum=$((sum + memsz))
    done
    echo "$sum"
}

# A unique, short suffix for names (namespaces, TAPs, sockets).
guest_uid() {
    echo "$$$(printf '%04x' $((RANDOM % 65536)))"
}

# guest_netns NS: creates network namespace NS (loopback up) after deleting
# those of earlier runs whose shell was killed before its cleanup (named
# tern-guest-PID plus 4 hex digits, PID gone). Fails without root. The
# caller deletes NS on every exit path.
guest_netns() {
    local old opid
    if [ "$(id -u)" -ne 0 ]; then
        echo "FAIL: needs root (network namespaces and TAP devices)"
        return 1
    fi
    for old in $(ip netns list | sed -n 's/^\(tern-guest-[0-9a-f]*\).*/\1/p'); do
        opid=${old#tern-guest-}
        opid=${opid%????}
        [ -n "$opid" ] && [ ! -d "/proc/$opid" ] && ip netns del "$old"
    done
    ip netns add "$1" || return 1
    ip netns exec "$1" ip link set lo up
}

# guest_netns_tap NS TAP ADDR/N K: makes TAP in NS with the kernel's
# address ADDR/N and appends to the array GUEST_NET the QEMU arguments of
# virtio-net number K (netdev nK) on it.
guest_netns_tap() {
    ip netns exec "$1" ip tuntap add dev "$2" mode tap || return 1
    ip netns exec "$1" ip addr add "$3" dev "$2"
    ip netns exec "$1" ip link set "$2" up
    GUEST_NET+=(-netdev "tap,id=n$4,ifname=$2,script=no,downscript=no"
                -device "$(guest_dev net),netdev=n$4")
}

# guest_await LOG REGEX SECONDS: waits until the console LOG of the guest
# started by guest_start matches REGEX (grep -E); returns 1 if the guest
# exited or SECONDS passed first.
guest_await() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        grep -qE "$2" "$1" && return 0
        kill -0 "$GUEST_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -qE "$2" "$1"
}

# guest_netns_test: the set-up of a test with a guest on TAPs in a network
# namespace: sets uid (guest_uid), ns (tern-guest-UID) and tmp (a new
# folder), and traps every exit path to kill the guest and delete both.
guest_netns_test() {
    uid=$(guest_uid)
    ns=tern-guest-$uid
    tmp=$(mktemp -d)
    GUEST_PID=""
    trap guest_netns_cleanup EXIT
    trap 'exit 1' INT TERM
}

guest_netns_cleanup() {
    [ -n "$GUEST_PID" ] && kill "$GUEST_PID" 2>/dev/null && wait "$GUEST_PID" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}

# guest_stop_clean LOG: types Ctrl-C on the console of the guest started
# with guest_console_fifo (its stop request), waits up to 30 s, prints LOG
# and the ending; returns 1 unless the guest halted with status 0.
guest_stop_clean() {
    local rc status
    guest_stop
    guest_wait 30
    rc=$?
    GUEST_PID=""
    cat "$1"
    status=$(guest_status $rc)
    echo "guest: QEMU exit $rc: status $status"
    [ "$status" = 0 ] || { echo "FAIL: guest status $status"; return 1; }
}
