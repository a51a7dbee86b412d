#!/bin/bash
# ci/debug-guest.sh - boots a guest image in QEMU stopped at its first
# instruction, with QEMU's gdbstub, and attaches gdb with the image's
# symbols.
#
#   ci/debug-guest.sh [options] APP [-- QEMU-ARGS...]
#
#   APP            an image name (echo, guest_selftest: searched for as
#                  APP.elf under build/guest) or a path to a .elf
#   -a CMDLINE     the kernel command line (the app's flags), e.g. "--log debug"
#   -m MACHINE     pc (default) or q35
#   -p PORT        gdbstub TCP port on 127.0.0.1 (default: 1234)
#   -x FILE        gdb commands to run after attaching (gdb -x)
#   -b             batch mode: run -x FILE's commands, then quit (tests)
#   -k             use KVM (default: TCG; hardware breakpoints work in both,
#                  TCG single-steps more predictably)
#   QEMU-ARGS      appended to QEMU's command line: devices, e.g.
#                  -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=
#                  -netdev user,id=n0
#
# Use hardware breakpoints (hbreak FUNCTION): the image is copied into RAM
# by the boot ROM after gdb attaches, which would overwrite software
# breakpoints set this early. Then: continue, bt, info registers, p VAR.
# The guest's console goes to build/guest/debug-APP.console; QEMU is
# stopped when gdb exits.
set -u
cd "$(dirname "$0")/.."

usage() { sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 2; }

cmdline="" machine=pc port=1234 script="" batch=0 accel=tcg
while getopts "a:m:p:x:bkh" opt; do
    case $opt in
        a) cmdline=$OPTARG ;;
        m) machine=$OPTARG ;;
        p) port=$OPTARG ;;
        x) script=$OPTARG ;;
        b) batch=1 ;;
        k) accel=kvm ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
app=$1
shift
[ "${1:-}" = "--" ] && shift

if [ -f "$app" ]; then
    image=$app
else
    image=$(find build/guest -name "$app.elf" -type f 2>/dev/null | head -n1)
fi
if [ -z "$image" ] || [ ! -f "$image" ]; then
    echo "debug-guest: no image $app (build it: cmake --preset guest &&" \
         "cmake --build build/guest)" >&2
    exit 1
fi
name=$(basename "$image" .elf)
console=build/guest/debug-$name.console
mkdir -p build/guest

cpu=max
[ "$accel" = kvm ] && cpu=qemu64
qemu-system-x86_64 -machine "$machine" -accel "$accel" -cpu "$cpu" -m 128 \
    -nodefaults -no-reboot -display none -monitor none \
    -serial "file:$console" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -gdb "tcp:127.0.0.1:$port" -S \
    -kernel "$image" -append "$cmdline" "$@" &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null' EXIT

# Wait for the gdbstub to listen.
for _ in $(seq 50); do
    if ! kill -0 $qemu 2>/dev/null; then
        echo "debug-guest: QEMU exited early" >&2
        exit 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
echo "debug-guest: $image, QEMU pid $qemu, gdbstub 127.0.0.1:$port," \
     "console in $console"

gdb_args=(-q -nx
    -ex "set pagination off"
    -ex "set confirm off"
    -ex "set architecture i386:x86-64"
    -ex "file $image"
    -ex "target remote 127.0.0.1:$port")
[ -n "$script" ] && gdb_args+=(-x "$script")
if [ "$batch" = 1 ]; then
    gdb -batch "${gdb_args[@]}"
else
    gdb "${gdb_args[@]}"
fi
