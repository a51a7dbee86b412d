# netns.sh - the common part of the interop shell tests that run a hosted
# app on a TAP inside a private network namespace (tests/net/test_*.sh,
# tests/apps/test_*.sh). Sourced, not run:
#
#   SRC=${TERN_SOURCE_DIR:-...}
#   . "$SRC/tests/support/netns.sh"
#
# Sourcing installs the cleanup on every exit path. The script names what
# to clean up as it creates it, in these variables:
#   pid    the app under test (killed)
#   ns     the namespace, which takes its TAP with it (set by tap_netns)
#   work   the work directory (removed)
#   cleanup_extra  the name of a function to call after the app is killed
#          (another daemon, say)
# Every name a test creates carries its pid, so parallel runs never meet.
# Exit status: 0 pass, 1 fail, 77 skip (ctest's SKIP_RETURN_CODE).

pid=""
ns=""
work=""
cleanup_extra=""

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

netns_cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    [ -n "$cleanup_extra" ] && "$cleanup_extra"
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
    [ -n "$work" ] && rm -rf "$work"
}
trap netns_cleanup EXIT
trap 'exit 1' INT TERM HUP

# need_root TOOL...: skips the test unless it runs as root with every TOOL
# on PATH.
need_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool missing"
    done
}

# tap_name PREFIX: prints PREFIX and the pid, cut to an interface name's 15
# characters.
tap_name() { echo "$1$$" | cut -c1-15; }

# tap_netns NS TAP ADDR/PREFIX: creates namespace NS (IPv6 off, lo up)
# holding TAP, up, with the kernel's side at ADDR/PREFIX. Sets ns.
tap_netns() {
    ns=$1
    ip netns add "$ns" || fail "ip netns add"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add dev "$2" mode tap || fail "tuntap add"
    ip -n "$ns" addr add "$3" dev "$2"
    ip -n "$ns" link set "$2" up
}

# inns CMD...: runs CMD inside the namespace.
inns() { ip netns exec "$ns" "$@"; }

# await_ready LOG LINE SECONDS NAME [LOG...]: waits until the app (pid,
# called NAME) writes LINE to LOG. Fails, showing LOG (and the other LOGs
# on a timeout), if it dies or SECONDS pass first.
await_ready() {
    _log=$1 _line=$2 _secs=$3 _name=$4
    shift 4
    _i=0
    until grep -q "$_line" "$_log"; do
        _i=$((_i + 1))
        [ $_i -gt $((_secs * 10)) ] && { cat "$_log" "$@"; fail "no ready line in $_secs s"; }
        kill -0 "$pid" 2>/dev/null || { cat "$_log"; fail "$_name died"; }
        sleep 0.1
    done
}

# stop_app LOG NAME: stops the app (pid) with SIGTERM and fails unless it
# exits with status 0 (showing LOG).
stop_app() {
    kill -TERM "$pid"
    wait "$pid"
    _rc=$?
    pid=""
    [ $_rc -eq 0 ] || { cat "$1"; fail "$2 exited with $_rc"; }
}

# What no packet may show: malformed, an expert error, a bad IPv4 or UDP
# checksum (a display filter).
TSHARK_BAD='_ws.malformed || _ws.expert.severity == error || ip.checksum.status == "Bad" || udp.checksum.status == "Bad"'

# The same plus a bad TCP checksum. Linux's incremental checksum update
# sometimes sends 0xffff where 0x0000 is computed: the same value in one's
# complement (RFC 1624), which tshark flags; only other values count.
TSHARK_BAD_TCP="$TSHARK_BAD"' || (tcp.checksum.status == "Bad" && tcp.checksum != 0xffff)'

# tshark_show PCAP FILTER: prints the packets of PCAP that FILTER matches,
# with IPv4, UDP and TCP checksums verified. Thrift is off: its heuristic
# takes iperf3's random payload for Thrift and calls it malformed.
tshark_show() {
    tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -o tcp.check_checksum:TRUE --disable-protocol thrift -Y "$2" 2>/dev/null
}

# filter_not_blind PCAP FILTER KIND...: for each KIND (ip, udp, icmp, tcp),
# corrupts that checksum in a copy of PCAP (tests/net/pcap_corrupt.py,
# into the work directory) and fails unless FILTER flags a packet of it.
filter_not_blind() {
    _pcap=$1 _filter=$2
    shift 2
    for _what in "$@"; do
        /usr/bin/python3 "$SRC/tests/net/pcap_corrupt.py" "$_pcap" \
            "$work/bad-$_what.pcap" "$_what" || fail "could not corrupt $_what"
        [ "$(tshark_show "$work/bad-$_what.pcap" "$_filter" | wc -l)" -ge 1 ] ||
            fail "the tshark filter missed a corrupted $_what packet"
    done
}

# tshark_clean PCAP FILTER MIN KIND...: fails unless PCAP holds at least MIN
# packets and FILTER matches none of them (showing the first that do), then
# proves FILTER flags a corrupted packet of each KIND (filter_not_blind).
tshark_clean() {
    _clean_pcap=$1 _clean_filter=$2 _clean_min=$3
    shift 3
    _total=$(tshark -r "$_clean_pcap" 2>/dev/null | wc -l)
    [ "$_total" -ge "$_clean_min" ] || fail "only $_total packets recorded"
    _bad=$(tshark_show "$_clean_pcap" "$_clean_filter" | wc -l)
    [ "$_bad" -eq 0 ] || {
        tshark_show "$_clean_pcap" "$_clean_filter" | head
        fail "$_bad malformed or bad-checksum packets"
    }
    echo "tshark: $_total packets, none malformed, no bad checksums"
    filter_not_blind "$_clean_pcap" "$_clean_filter" "$@"
    echo "tshark filter flags corrupted $* packets: ok"
}
