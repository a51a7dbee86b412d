#!/usr/bin/python3
"""dnsmasq_capture.py - records real DHCP and DNS exchanges with dnsmasq.

Produces the golden messages of tests/net/test_dhcp_golden.h and
tests/net/test_dns_golden.h, and the seed corpora fuzz/corpus/dhcp,
fuzz/corpus/dns, fuzz/corpus/dhcp_client and fuzz/corpus/dns_resolver (the
state machine seeds are programs for fuzz/net/fuzz_dhcp_client.c and
fuzz/net/fuzz_dns_resolver.c that replay these exchanges). Run as root with
Debian's python3 (scapy):

    /usr/bin/python3 tests/net/dnsmasq_capture.py OUTDIR
    /usr/bin/python3 tests/net/dnsmasq_capture.py --corpora OUTDIR REPO

Network safety: everything happens between two network namespaces this
script creates (names carry the pid) and deletes on every path: a server
namespace with dnsmasq on one end of a veth pair, a client namespace with
the other end. dnsmasq binds only inside the server namespace.

Every UDP payload is written to OUTDIR as NAME.bin, and a hex dump of all
of them to OUTDIR/captures.txt.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The client half runs in a child process: it inherits the names.
PID = int(os.environ.get("TERN_CAPTURE_PID", os.getpid()))
NS_SRV = "tdcs%d" % PID
NS_CLI = "tdcc%d" % PID
SRV_IF = "tds%d" % PID
CLI_IF = "tdc%d" % PID
SRV_IP = "10.77.0.1"
CLI_MAC = "02:00:00:77:00:02"


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True,
                          text=True)


def setup():
    sh("ip", "netns", "add", NS_SRV)
    sh("ip", "netns", "add", NS_CLI)
    sh("ip", "link", "add", SRV_IF, "netns", NS_SRV, "type", "veth",
       "peer", "name", CLI_IF, "netns", NS_CLI)
    sh("ip", "-n", NS_SRV, "addr", "add", SRV_IP + "/24", "dev", SRV_IF)
    sh("ip", "-n", NS_SRV, "link", "set", SRV_IF, "up")
    sh("ip", "-n", NS_SRV, "link", "set", "lo", "up")
    sh("ip", "-n", NS_CLI, "link", "set", CLI_IF, "address", CLI_MAC)
    sh("ip", "-n", NS_CLI, "link", "set", CLI_IF, "up")
    sh("ip", "-n", NS_CLI, "link", "set", "lo", "up")


def cleanup():
    sh("ip", "netns", "del", NS_SRV, check=False)
    sh("ip", "netns", "del", NS_CLI, check=False)


def start_dnsmasq(tmp):
    args = ["ip", "netns", "exec", NS_SRV, "/usr/sbin/dnsmasq",
            "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--no-ping", "--bind-interfaces",
            "--interface=" + SRV_IF,
            "--except-interface=lo", "--user=root", "--group=root",
            "--pid-file=" + os.path.join(tmp, "pid"),
            "--dhcp-leasefile=" + os.path.join(tmp, "leases"),
            "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,2m",
            "--dhcp-option=option:T1,20", "--dhcp-option=option:T2,40",
            "--local=/test.tern/", "--domain=test.tern",
            "--host-record=www.test.tern,10.77.0.43",
            "--host-record=multi.test.tern,10.77.0.44",
            "--host-record=multi.test.tern,10.77.0.45",
            "--cname=alias.test.tern,www.test.tern",
            "--cname=alias2.test.tern,alias.test.tern",
            "--log-facility=" + os.path.join(tmp, "log")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    if proc.poll() is not None:
        raise RuntimeError("dnsmasq exited: %d" % proc.returncode)
    return proc


def client(outdir):
    """Runs inside the client namespace."""
    from scapy.all import (BOOTP, DHCP, IP, UDP, Ether, conf, srp1,
                           raw, mac2str)
    conf.verb = 0
    conf.checkIPaddr = False  # replies come from the server, not 255.x
    caps = []

    def keep(name, payload):
        caps.append((name, payload))
        with open(os.path.join(outdir, name + ".bin"), "wb") as f:
            f.write(payload)

    chaddr = mac2str(CLI_MAC)
    xid = 0x5465726e
    opts_prl = ("param_req_list", [1, 3, 6, 51, 54, 58, 59])
    cid = ("client_id", b"\x01" + chaddr)

    def dhcp(opts, src="0.0.0.0", ciaddr="0.0.0.0", flags=0x8000):
        pkt = (Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff") /
               IP(src=src, dst="255.255.255.255") /
               UDP(sport=68, dport=67) /
               BOOTP(chaddr=chaddr, xid=xid, flags=flags, ciaddr=ciaddr) /
               DHCP(options=opts + ["end"]))
        keep_req = raw(pkt[UDP].payload)
        ans = srp1(pkt, iface=CLI_IF, timeout=5)
        return keep_req, (raw(ans[UDP].payload) if ans else None)

    req, offer = dhcp([("message-type", "discover"), cid, opts_prl])
    keep("dhcp_discover", req)
    keep("dhcp_offer", offer)
    offered = socket.inet_ntoa(offer[16:20])
    req, ack = dhcp([("message-type", "request"), cid,
                     ("requested_addr", offered),
                     ("server_id", SRV_IP), opts_prl])
    keep("dhcp_request", req)
    keep("dhcp_ack", ack)
    # INIT-REBOOT for an address of another network: dnsmasq NAKs it.
    req, nak = dhcp([("message-type", "request"), cid,
                     ("requested_addr", "10.99.0.5"), opts_prl])
    keep("dhcp_nak", nak)

    # DNS from the leased address, over the kernel's UDP.
    sh("ip", "addr", "add", offered + "/24", "dev", CLI_IF)
    time.sleep(0.2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    qid = 0x1234
    for name, qname in [("dns_a", "www.test.tern"),
                        ("dns_multi", "multi.test.tern"),
                        ("dns_cname", "alias2.test.tern"),
                        ("dns_nxdomain", "missing.test.tern")]:
        q = bytearray([qid >> 8, qid & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0,
                       0, 0])
        for label in qname.split("."):
            q += bytes([len(label)]) + label.encode()
        q += b"\x00\x00\x01\x00\x01"
        s.sendto(bytes(q), (SRV_IP, 53))
        resp, _ = s.recvfrom(2048)
        keep(name + "_query", bytes(q))
        keep(name, resp)
        qid += 1
    with open(os.path.join(outdir, "captures.txt"), "w") as f:
        for name, payload in caps:
            f.write("%s %d\n%s\n" % (name, len(payload), payload.hex()))


def u16(v):
    return bytes([v >> 8 & 0xff, v & 0xff])


def u32(v):
    return u16(v >> 16) + u16(v & 0xffff)


def write_corpora(capdir, repo):
    """Seed corpora from the captured messages (see the fuzz targets for
    the program formats)."""
    def load(name):
        with open(os.path.join(capdir, name + ".bin"), "rb") as f:
            return f.read()

    def put(target, name, data):
        d = os.path.join(repo, "fuzz", "corpus", target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    for n in ["dhcp_discover", "dhcp_offer", "dhcp_request", "dhcp_ack",
              "dhcp_nak"]:
        put("dhcp", n, load(n))
    for n in ["dns_a", "dns_multi", "dns_cname", "dns_nxdomain",
              "dns_a_query"]:
        put("dns", n, load(n))

    # fuzz_dhcp_client: seed u32, then ops. Op 2 is a raw datagram
    # (flags 1|2|4: patch xid, MAC, cookie; u16 length; bytes), op 0 a
    # tick at the deadline, op 1 a jump of u32 ms.
    def raw(msg):
        return bytes([2, 7]) + u16(len(msg)) + msg
    offer, ack, nak = load("dhcp_offer"), load("dhcp_ack"), load("dhcp_nak")
    put("dhcp_client", "handshake_renew_rebind_expire",
        u32(1) + raw(offer) + raw(ack) + bytes([0]) + raw(ack) +
        bytes([0, 0, 0, 0, 0]))
    put("dhcp_client", "nak_loop",
        u32(2) + (raw(offer) + raw(nak)) * 3 + bytes([0, 0]))
    put("dhcp_client", "decline_release",
        u32(3) + raw(offer) + raw(ack) + bytes([4, 0]) + raw(offer) +
        raw(ack) + bytes([5, 6, 1]) + u32(5000) + bytes([0]))

    # fuzz_dns_resolver: rounds byte, seed u32, then (slot, op) pairs.
    # Op 0 starts a query (name length, name, deadline u16 ms), op 1 feeds
    # a raw datagram (u16 length, u32 source, bytes), op 2 a built
    # response, op 3 ticks, op 7 drains.
    def start(slot, name, ms=5000):
        return bytes([slot, 0, len(name)]) + name.encode() + u16(ms)
    def rawdns(slot, msg):
        return bytes([slot, 1]) + u16(len(msg)) + u32(0x0a000035) + msg
    def built(slot, rcode, records):
        out = bytes([slot, 2, 0, len(records), 0, rcode])
        for kind, ttl, addr in records:
            out += bytes([kind]) + u32(ttl) + (u32(addr) if not kind & 2
                                               else b"")
        return out
    put("dns_resolver", "answer_and_cache",
        bytes([2]) + u32(7) + start(0, "www.test.tern") + bytes([0, 7]) +
        built(0, 0, [(1, 60, 0x0a4d002b)]) + start(1, "www.test.tern"))
    put("dns_resolver", "retries_and_timeout",
        bytes([2]) + u32(8) + start(0, "slow.test.tern") +
        bytes([0, 7, 0, 3, 0, 7, 0, 3, 0, 7, 0, 3, 0, 3]))
    put("dns_resolver", "servfail_cname_nxdomain",
        bytes([2]) + u32(9) + start(0, "a.b") + built(0, 2, []) +
        bytes([0, 7]) + built(0, 0, [(3, 5, 0), (0, 5, 0x01020304)]) +
        start(1, "missing.test.tern") + built(1, 3, []) +
        rawdns(2, load("dns_cname")))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--corpora":
        write_corpora(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--client":
        client(sys.argv[2])
        return 0
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="tern-capture-")
    proc = None
    try:
        setup()
        proc = start_dnsmasq(tmp)
        env = dict(os.environ, TERN_CAPTURE_PID=str(PID))
        subprocess.run(["ip", "netns", "exec", NS_CLI, "/usr/bin/python3",
                        os.path.abspath(__file__), "--client", outdir],
                       check=True, timeout=60, env=env)
        print("captured into", outdir)
        return 0
    except Exception:
        try:
            with open(os.path.join(tmp, "log")) as f:
                sys.stderr.write("dnsmasq log:\n" + f.read())
        except OSError:
            pass
        raise
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
