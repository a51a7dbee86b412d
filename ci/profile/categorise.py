#!/usr/bin/python3
"""categorise.py - where the time goes: reads folded stacks (one
"a;b;c COUNT" line per stack, as ci/profile.sh and symbolise.py write
them) and charges every sample to one category by its leaf frame, its
self time, through the ordered table CATEGORIES below. With several
inputs (LABEL=FOLDED, say hosted=... guest=...) the shares stand side by
side, one row per category, so that one workload profiled hosted and as a
guest shows what each side's drivers, copies and waiting cost.

The rule, exactly:
  1. A frame's name is matched without perf's kernel mark "_[k]" and
     without a compiler clone suffix (.cold, .part.N, .isra.N,
     .constprop.N, .lto_priv.N) or symbol version (@@GLIBC_2.17):
     "tcp_lookup.part.0_[k]" is "tcp_lookup".
  2. The leaf (innermost frame) is tried against CATEGORIES in order; the
     first pattern that matches the whole name gives the category.
  3. A kernel frame (marked "_[k]") that no row names, and a C library
     system-call stub (the CALLER row), is not where the program chose to
     spend the time: the sample moves to the frame above it and rule 2
     applies there. So the hosted TAP's readv, the kernel's tun code and
     the interrupt-enable point on its exit path are charged to readv
     (device driver: only the TAP calls it), and ppoll's kernel time,
     tun_chr_poll included, to idle; the kernel's own copies and
     checksums keep their category.
  4. Anything else, and a stack with no frame left, is "other".
Samples are counted as the folded file gives them (the COUNT column).

usage: categorise.py [--json FILE] [--note LINE]... [--top N]
                     LABEL=FOLDED [LABEL=FOLDED...]
       categorise.py --table
Exit status: 0; 1 if an input cannot be read or holds no samples (the
table is still printed); 2 on a usage error.
"""
import argparse
import collections
import json
import re
import sys

CALLER = None  # the category of rows that pass the sample to the caller

# The category table, tried in this order on the leaf's name (rule 2):
# (category, program pattern, kernel pattern, what it covers). A program
# frame is matched by the first pattern, a kernel frame ("_[k]") only by
# the second: Linux's own udp_* and ip_* are not Tern's stack. The order
# matters where names overlap: tern_udp_cksum is a checksum before
# tern_udp_* is the stack, tern_view_copy a copy before anything else.
# Static functions are named one by one (from nm on the objects of the
# folders given); a new hot static in one of them belongs here.
CATEGORIES = [
    ("checksum",
     r"tern_csum_\w+|tern_cksum\w*|sum_bytes|sum_vectors|fold64|add_carry"
     r"|tern_(udp|tcp)_cksum|tern_ipv4_pseudo_csum|tern_icmp_set_cksum",
     r"csum_partial\w*|do_csum|ip_compute_csum|skb_checksum\w*|__skb_checksum\w*",
     "components/lib/cksum.c and the wire helpers that call it; the kernel's csum_*"),
    ("copy",
     r"memcpy|memmove|__mem(cpy|move)\w*|tern_view_copy|ring_copy|ring_append"
     r"|copy_range|tern_tx_flatten",
     r"memcpy|memmove|__mem(cpy|move)\w*|_copy_(to|from)_iter\w*"
     r"|copy_(to|from)_user\w*|copy_user_\w+|rep_movs_alternative"
     r"|copy_iovec_from_user|skb_copy_datagram\w*",
     "memcpy/memmove (libc's and guest/string.c), the stack's copy helpers"
     " (tcp send ring, ip_output_iov, tx flatten), the kernel's user copies"),
    ("idle",
     r"tern_wait|earliest|poll_stop|serial_poll_stop|lapic_arm|lapic_disarm"
     r"|ppoll|__ppoll\w*|__GI_ppoll|poll|__poll|__GI___poll"
     r"|epoll_wait|epoll_pwait\w*|__GI_epoll_wait",
     r"",
     "tern_wait (hosted/wait.c: ppoll; guest/wait.c: the STI;HLT), its"
     " helpers, the libc wait calls (with their kernel time, rule 3)"),
    ("driver",
     r"tap_\w+|tern_tap_\w+|vnet_setup|tern_netdev_\w+"
     r"|virtio_\w+|virtq_\w+|vnet_\w+|to_vnet|post_rx|reclaim_tx"
     r"|(pci|mmio)_(set_status|set_features|queue_enable|notify|irq_ack|write16|write32)"
     r"|vblk_\w+|filedisk_\w+|lapic_eoi|ioapic_\w+"
     r"|__GI___readv|readv|__readv|__GI___writev|writev|__writev",
     r"",
     "hosted/net/tap*.c, the netdev wrappers (components/lib/dev.c),"
     " guest/virtio*.c, hosted/disk/filedisk (block), interrupt acknowledgement;"
     " readv and writev, which only the TAP calls (hosted/net/tap.c,"
     " tap_rx.c; libc keeps no frame pointer, so a sample in them loses"
     " the TAP function above and names the stack's poll_if or flush_if),"
     " with all their kernel time but copies and checksums (rule 3): the"
     " TAP's writev also runs Linux's receive path for the peer"),
    ("scheduler",
     r"tern_fiber_\w+|fiber_\w+|tern_sched_\w+|tern_ctx_\w+|tern_waitq_\w+"
     r"|tern_sleep\w*|release_stack|finish"
     r"|tern_timer_\w+|tern_wheel_\w+|fire_tick|merge|merge_sort|place"
     r"|poll_cb|poll_deadline|poll_scan|rearm|timer_fired|ucore_fired"
     r"|(tsock|usock|ucore|uping)_notify|tern_clock_monotonic|clock_gettime|__clock_gettime\w*"
     r"|__vdso_clock_gettime",
     r"",
     "components/sched (fibers, context switch, the run loop),"
     " components/timer (the wheel), the net loop's pollers and wakers"
     " (components/net/net_loop.c), the monotonic clock"),
    ("stack",
     r"tern_(net|eth|arp|ipv4|icmp|udp|tcp|tsock|usock|ucore|uping|ping"
     r"|dhcp|dns|pkt|siphash|mac_of)\w*"
     r"|tcp_\w+|udp_\w+|ipv4_\w+|ip_\w+|arp_\w+|icmp_\w+|eth_\w+|net_\w+"
     r"|reasm_\w+|cubic_\w+|newreno_\w+|tw_\w+|tsock_\w+"
     r"|poll_if|flush_if|pool_create|state_init|port_taken|prepare|build"
     r"|build_opts|put_ts|ack_advance|enter_recovery|queue_in_order"
     r"|resend|resend_first|take_syn_opts|hole_from|lost_end|alloc_entry"
     r"|confirm|find",
     r"",
     "components/net (the TCP/IP code), packet buffers (components/lib/pkt.c),"
     " the connection hash (siphash)"),
    (CALLER,
     r"__libc_read|__libc_write|__GI___libc_read|__GI___libc_write|read|write"
     r"|__GI___ioctl|ioctl|syscall",
     r"",
     "C library system-call stubs: charged to their caller (rule 3)"),
]
ORDER = [c for c, _, _, _ in CATEGORIES if c is not CALLER] + ["other"]
_COMPILED = [(c, re.compile(p), re.compile(k) if k else None)
             for c, p, k, _ in CATEGORIES]
_CLONE = re.compile(r"(\.(cold|part|isra|constprop|lto_priv|llvm)(\.\d+)?)+$|@.*$")


def frame_name(frame):
    """The name of FRAME for matching, and whether it is a kernel frame."""
    kernel = frame.endswith("_[k]")
    if kernel:
        frame = frame[:-4]
    return _CLONE.sub("", frame), kernel


def category_of(name, kernel):
    """The category of the first row whose pattern (the kernel one if
    KERNEL) matches all of NAME: CALLER for a pass-through row, "" when
    no row matches."""
    for cat, prog, kern in _COMPILED:
        pat = kern if kernel else prog
        if pat is not None and pat.fullmatch(name):
            return cat
    return ""


def classify(frames):
    """(category, frame) for a stack listed outermost first: the category
    by rules 2-4 and the frame's name that decided it (the leaf for
    "other")."""
    for frame in reversed(frames):
        name, kernel = frame_name(frame)
        cat = category_of(name, kernel)
        if cat is CALLER or (cat == "" and kernel):
            continue
        return (cat or "other"), name
    return "other", frame_name(frames[-1])[0] if frames else "?"


def read_folded(path):
    """Per-category sample counts of the folded file PATH, the counts per
    deciding frame within each category, and the total."""
    counts = collections.Counter()
    frames_of = collections.defaultdict(collections.Counter)
    total = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not stack or not n.isdigit():
                continue
            cat, name = classify(stack.split(";"))
            counts[cat] += int(n)
            frames_of[cat][name] += int(n)
            total += int(n)
    return counts, frames_of, total


def pct(n, d):
    return "%.1f%%" % (100.0 * n / d) if d else "-"


def print_table():
    print("The category table (first match of the leaf's name wins):")
    for cat, prog, kern, what in CATEGORIES:
        print("%-10s %s" % (cat or "(caller)", what))
        print("%-10s   program: %s" % ("", prog))
        if kern:
            print("%-10s   kernel:  %s" % ("", kern))


def main():
    ap = argparse.ArgumentParser(description="samples by category, by leaf frame")
    ap.add_argument("--json", help="also write the counts to this file")
    ap.add_argument("--note", action="append", default=[],
                    help="a header line to print first (repeatable)")
    ap.add_argument("--top", type=int, default=3,
                    help="frames listed per category and side (default 3)")
    ap.add_argument("--table", action="store_true", help="print the table and exit")
    ap.add_argument("inputs", nargs="*", metavar="LABEL=FOLDED")
    args = ap.parse_args()
    if args.table:
        print_table()
        return 0
    if not args.inputs:
        ap.error("no LABEL=FOLDED given")
    sides = []
    status = 0
    for arg in args.inputs:
        label, eq, path = arg.partition("=")
        if not eq or not label or not path:
            ap.error("want LABEL=FOLDED, not %r" % arg)
        try:
            counts, frames_of, total = read_folded(path)
        except OSError as e:
            print("categorise.py: %s" % e, file=sys.stderr)
            counts, frames_of, total = collections.Counter(), {}, 0
        if total == 0:
            print("categorise.py: %s: no samples in %s" % (label, path), file=sys.stderr)
            status = 1
        sides.append((label, counts, frames_of, total))

    for line in args.note:
        print(line)
    head = "%-10s" % "category"
    for label, _, _, _ in sides:
        head += " %9s %7s %7s" % (label, "share", "busy")
    print(head)
    for cat in ORDER:
        row = "%-10s" % cat
        for _, counts, _, total in sides:
            busy = total - counts["idle"]
            row += " %9d %7s %7s" % (counts[cat], pct(counts[cat], total),
                                     "-" if cat == "idle" else pct(counts[cat], busy))
        print(row)
    row = "%-10s" % "total"
    for _, counts, _, total in sides:
        row += " %9d %7s %7s" % (total, pct(total, total),
                                 pct(total - counts["idle"], total))
    print(row)
    print("(share: of all samples; busy: of the samples not idle)")
    if args.top > 0:
        print()
        print("The frames that decided each category, most samples first:")
        for label, _, frames_of, total in sides:
            for cat in ORDER:
                top = frames_of.get(cat, collections.Counter()).most_common(args.top)
                if top:
                    print("%-7s %-10s %s" % (label, cat, ", ".join(
                        "%s %s" % (name, pct(n, total)) for name, n in top)))
    if args.json:
        doc = {"notes": args.note, "categories": ORDER, "sides": {
            label: {"total": total,
                    "samples": {c: counts[c] for c in ORDER},
                    "frames": {c: dict(frames_of[c].most_common(args.top))
                               for c in ORDER if c in frames_of}}
            for label, counts, frames_of, total in sides}}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
