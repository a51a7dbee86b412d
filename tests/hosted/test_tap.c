/*
 * test_tap.c - the TAP netdev (hosted/net/tap.c) against the Linux kernel,
 * and the netns helper (hosted/net/netns.c). Needs root (label interop).
 *
 * Every test runs in a network namespace of its own, "tern-tap-PID-N",
 * with the TAP's kernel side inside it (10.77.0.1/24) and an AF_PACKET
 * socket on that side. Nothing leaves the namespace, and the fixture's fini
 * deletes it even when an assertion fails. The offload tests (tap_rx.c
 * and the virtio-net header on send) use a second AF_PACKET socket with
 * PACKET_VNET_HDR, which sends and receives GSO packets as they are.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner_util.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/hosted/netns.h"
#include "tern/hosted/tap.h"
#include "wire_util.h"

#define IFNAME "tern0"

static struct tern_netns ns;
static struct tern_tap tap;
static int pkt = -1; /* AF_PACKET on the kernel side of IFNAME */
static int pkt_ifindex;

/* An AF_PACKET socket inside ns bound to ifname; sets *ifindex. */
static int packet_socket(const char *ifname, int *ifindex)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int s = tern_netns_socket(&ns, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	cr_assert(s >= 0, "AF_PACKET socket in the namespace");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	cr_assert(ioctl(s, SIOCGIFINDEX, &ifr) == 0, "no %s in the namespace",
		  ifname);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	cr_assert(bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	*ifindex = ifr.ifr_ifindex;
	return s;
}

static void setup(void)
{
	int fd;

	memset(&tap, 0, sizeof(tap));
	tap.fd = -1;
	cr_assert_eq(tern_netns_create(&ns, "tern-tap"), 0,
		     "cannot create a network namespace (root needed)");
	cr_assert_eq(tern_netns_tap(&ns, IFNAME, "10.77.0.1/24", &fd), 0);
	cr_assert_eq(tern_tap_adopt(&tap, fd, 1500, NULL), 0);
	pkt = packet_socket(IFNAME, &pkt_ifindex);
}

static void teardown(void)
{
	char path[128];

	if (pkt >= 0)
		close(pkt);
	pkt = -1;
	if (tap.dev.ops)
		tern_netdev_close(&tap.dev);
	snprintf(path, sizeof(path), "/run/netns/%s", ns.name);
	tern_netns_destroy(&ns);
	cr_expect(access(path, F_OK) != 0, "namespace %s left behind", ns.name);
}

TestSuite(tap, .init = setup, .fini = teardown, .timeout = 60);

/* Receives the next test frame on the kernel side (other traffic and our
 * own injected frames are skipped). Returns its length, or 0 after
 * timeout_ms of quiet. */
static size_t kernel_recv_within(int s, uint8_t *buf, size_t cap,
				 int timeout_ms)
{
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = { s, POLLIN, 0 };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		n = recvfrom(s, buf, cap, MSG_TRUNC, (struct sockaddr *)&from,
			     &fl);
		cr_assert(n >= 0);
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (test_frame_seq(buf, (size_t)n) >= 0)
			return (size_t)n;
	}
	return 0;
}

static size_t kernel_recv(int s, uint8_t *buf, size_t cap)
{
	return kernel_recv_within(s, buf, cap, 5000);
}

static void kernel_send(int s, int ifindex, const uint8_t *f, size_t len)
{
	struct sockaddr_ll to;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, f, 6);
	cr_assert_eq(sendto(s, f, len, 0, (struct sockaddr *)&to, sizeof(to)),
		     (ssize_t)len, "AF_PACKET send: %s", strerror(errno));
}

/* Receives test frames on Tern's side in batches, skipping anything else
 * (a frame that is not a test frame is overwritten by the next batch).
 * Returns the number received, in order. */
static int tern_recv_test(struct tern_rx *rx, unsigned count)
{
	unsigned got = 0;

	for (int i = 0; i < 1000 && got < count; i++) {
		int n = recv_frames(&tap.dev, &tap.waker, rx + got, count - got,
				    5000);

		unsigned base = got;

		if (n == 0)
			break;
		for (int k = 0; k < n; k++) {
			struct tern_rx *r = &rx[base + (unsigned)k];

			if (test_frame_seq(r->buf, r->len) < 0)
				continue;
			if (r != &rx[got]) { /* close the gap */
				struct tern_rx tmp = rx[got];

				rx[got] = *r;
				*r = tmp;
			}
			got++;
		}
	}
	return (int)got;
}

static const uint8_t peer_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

Test(tap, tern_frame_reaches_the_kernel_byte_for_byte)
{
	uint8_t f[1000], got[2000];
	struct tern_iov iov[3] = { { f, 6 }, { f + 6, 300 }, { f + 306, 694 } };

	test_frame(f, sizeof(f), peer_mac, tap.dev.mac, 42);
	cr_assert_eq(tern_netdev_send1(&tap.dev, iov, 3), 1);
	cr_assert_eq(kernel_recv(pkt, got, sizeof(got)), sizeof(f));
	cr_assert(memcmp(got, f, sizeof(f)) == 0);
	cr_assert_eq(tap.tx_frames, 1);
	cr_assert_eq(tap.tx_bytes, sizeof(f));
}

Test(tap, kernel_frame_reaches_tern_byte_for_byte)
{
	uint8_t f[1514];
	struct tern_rx *rx = rx_alloc(1);

	test_frame(f, sizeof(f), tap.dev.mac, peer_mac, 43);
	kernel_send(pkt, pkt_ifindex, f, sizeof(f));
	cr_assert_eq(tern_recv_test(rx, 1), 1);
	cr_assert_eq(rx[0].len, sizeof(f));
	cr_assert(memcmp(rx[0].buf, f, sizeof(f)) == 0);
	rx_free(rx, 1);
}

Test(tap, batches_both_ways_keep_order)
{
	static uint8_t f[32][1514];
	struct tern_iov iov[32];
	struct tern_tx tx[32];
	struct tern_rx *rx = rx_alloc(64);
	uint8_t got[2000];

	for (uint32_t i = 0; i < 32; i++) {
		size_t len = test_frame_len(i);

		test_frame(f[i], len, peer_mac, tap.dev.mac, i);
		iov[i] = (struct tern_iov){ f[i], len };
		tx[i] = (struct tern_tx){ .iov = &iov[i], .iovcnt = 1 };
	}
	cr_assert_eq(tern_netdev_send(&tap.dev, tx, 32), 32);
	for (uint32_t i = 0; i < 32; i++) {
		size_t n = kernel_recv(pkt, got, sizeof(got));

		cr_assert_eq(n, test_frame_len(i), "frame %u", i);
		cr_assert(memcmp(got, f[i], n) == 0, "frame %u", i);
	}
	for (uint32_t i = 0; i < 32; i++) {
		size_t len = test_frame_len(100 + i);

		test_frame(f[i], len, tap.dev.mac, peer_mac, 100 + i);
		kernel_send(pkt, pkt_ifindex, f[i], len);
	}
	cr_assert_eq(tern_recv_test(rx, 32), 32);
	for (uint32_t i = 0; i < 32; i++) {
		cr_assert_eq(test_frame_seq(rx[i].buf, rx[i].len), 100 + i);
		cr_assert(memcmp(rx[i].buf, f[i], rx[i].len) == 0);
	}
	cr_assert(tap.rx_frames >= 32);
	rx_free(rx, 64);
}

/* Frames longer than the caller's buffer are counted, not truncated, and
 * the next frame is whole. The kernel side gets a larger MTU for this. */
Test(tap, oversized_frame_is_counted_not_truncated)
{
	static uint8_t f[3000];
	uint8_t b[1514];
	struct tern_rx rx = { b, sizeof(b), 0, 0 };
	const char *argv[] = {
		"ip", "link", "set", IFNAME, "mtu", "4000", NULL
	};

	cr_assert_eq(tern_netns_run(&ns, argv), 0);
	test_frame(f, sizeof(f), tap.dev.mac, peer_mac, 7);
	kernel_send(pkt, pkt_ifindex, f, sizeof(f));
	test_frame(f, 200, tap.dev.mac, peer_mac, 8);
	kernel_send(pkt, pkt_ifindex, f, 200);
	cr_assert_eq(tern_recv_test(&rx, 1), 1);
	cr_assert_eq(rx.len, 200);
	cr_assert_eq(test_frame_seq(b, rx.len), 8);
	cr_assert_eq(tap.dev.rx_dropped_too_long, 1);
}

/* With the kernel side down the frame is lost (counted), not an error:
 * like a cable pulled out. */
Test(tap, send_while_link_down_is_counted_and_lost)
{
	uint8_t f[100];
	struct tern_iov iov = { f, sizeof(f) };
	const char *down[] = { "ip", "link", "set", IFNAME, "down", NULL };

	cr_assert_eq(tern_netns_run(&ns, down), 0);
	test_frame(f, sizeof(f), peer_mac, tap.dev.mac, 1);
	cr_assert_eq(tern_netdev_send1(&tap.dev, &iov, 1), 1);
	cr_assert_eq(tap.tx_link_down, 1);
	cr_assert_eq(tap.tx_frames, 0);
}

/* The TAP's waker: under the virtual clock, tern_wait() returns without
 * moving time while a frame waits, and jumps to the deadline otherwise. */
Test(tap, waker_wakes_tern_wait)
{
	uint8_t f[100];
	struct tern_rx *rx = rx_alloc(4);
	struct pollfd p = { tap.fd, POLLIN, 0 };

	/* Drain anything the kernel sent on its own first. */
	while (tern_netdev_recv(&tap.dev, rx, 4) > 0)
		;
	tern_hosted_clock_use_virtual(0);
	cr_assert_eq(tern_wait(1000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000);
	test_frame(f, sizeof(f), tap.dev.mac, peer_mac, 1);
	kernel_send(pkt, pkt_ifindex, f, sizeof(f));
	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_assert_eq(tern_wait(1000000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000, "wait slept past a frame");
	tern_hosted_clock_use_real();
	rx_free(rx, 4);
}

Test(tap, own_mac_is_local_unicast_and_not_the_kernels)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), IFNAME);
	cr_assert(ioctl(pkt, SIOCGIFHWADDR, &ifr) == 0);
	cr_assert(memcmp(ifr.ifr_hwaddr.sa_data, tap.dev.mac, 6) != 0);
	cr_assert_eq(tap.dev.mac[0] & 0x03, 0x02);
	cr_assert_str_eq(tap.dev.name, "tap:" IFNAME);
	cr_assert_eq(tap.dev.mtu, 1500);
}

/* tern_tap_open() inside the namespace: attach, create, and the errors. */
Test(tap, open_attach_and_create)
{
	static struct tern_tap t1, t2, t3;
	const char *add[] = { "ip",    "tuntap", "add", "dev",
			      "tern2", "mode",	 "tap", NULL };
	int saved;

	cr_assert_eq(tern_netns_run(&ns, add), 0);
	cr_assert_eq(tern_netns_enter(&ns, &saved), 0);
	int r_missing = tern_tap_open(&t1, "tern1", TERN_TAP_ATTACH, NULL);
	int r_create = tern_tap_open(&t1, "tern1", TERN_TAP_CREATE, "mine");
	int r_exists = tern_tap_open(&t2, "tern1", TERN_TAP_CREATE, NULL);
	int r_busy = tern_tap_open(&t2, "tern1", TERN_TAP_ATTACH, NULL);
	int r_notap = tern_tap_open(&t2, "lo", TERN_TAP_ATTACH, NULL);
	int r_long =
		tern_tap_open(&t2, "0123456789abcdef", TERN_TAP_CREATE, NULL);
	int r_attach = tern_tap_open(&t3, "tern2", TERN_TAP_ATTACH, NULL);
	cr_assert_eq(tern_netns_leave(saved), 0);

	cr_assert_eq(r_missing, -TERN_ENOENT);
	cr_assert_eq(r_create, 0);
	cr_assert(t1.created);
	cr_assert_str_eq(t1.dev.name, "mine");
	cr_assert_eq(r_exists, -TERN_EEXIST);
	cr_assert_eq(r_busy, -TERN_EBUSY);
	cr_assert_eq(r_notap, -TERN_EBUSY);
	cr_assert_eq(r_long, -TERN_EINVAL);
	cr_assert_eq(r_attach, 0);
	cr_assert_not(t3.created);
	cr_assert_str_eq(t3.ifname, "tern2");
	/* The interfaces are in the namespace, not here. */
	cr_assert_eq(if_nametoindex("tern1"), 0);
	tern_netdev_close(&t1.dev);
	tern_netdev_close(&t3.dev);
	cr_assert_eq(t1.fd, -1);
}

Test(tap, netns_run_reports_exit_status)
{
	const char *show[] = { "ip", "link", "show", IFNAME, NULL };
	const char *fail[] = { "sh", "-c", "exit 7", NULL };
	const char *missing[] = { "tern-no-such-program", NULL };

	cr_assert_eq(tern_netns_run(&ns, show), 0);
	cr_assert_eq(tern_netns_run(&ns, fail), 7);
	cr_assert_neq(tern_netns_run(&ns, missing), 0);
	cr_assert_eq(if_nametoindex(IFNAME), 0, "the TAP leaked out");
}

Test(tap, netns_destroy_and_reap)
{
	struct tern_netns other;
	char path[128], name[64];
	pid_t pid;

	cr_assert_eq(tern_netns_create(&other, "tern-tap2"), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", other.name);
	cr_assert_eq(access(path, F_OK), 0);
	tern_netns_destroy(&other);
	cr_assert_neq(access(path, F_OK), 0);
	tern_netns_destroy(&other); /* twice is fine */

	/* A namespace whose owner died is reaped. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(name, sizeof(name), "tern-reap-%ld-0", (long)pid);
	const char *add[] = { "/usr/sbin/ip", "netns", "add", name, NULL };
	cr_assert_eq(wait_exit(spawn(add, NULL, NULL), 30), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_eq(tern_netns_reap("tern-reap"), 1);
	cr_assert_neq(access(path, F_OK), 0);
	/* A live owner's namespace is not. */
	cr_assert_eq(tern_netns_reap("tern-tap"), 0);
	cr_assert_eq(access("/run/netns", F_OK), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", ns.name);
	cr_assert_eq(access(path, F_OK), 0);
}

/* The runner on a TAP: `--net tap:NAME` attaches to an existing TAP inside
 * the namespace; the app's hello reaches the kernel side and its echo
 * comes back. */
Test(tap, runner_attaches_to_a_tap)
{
	const char *add[] = { "ip",    "tuntap", "add", "dev",
			      "tern9", "mode",	 "tap", NULL };
	const char *up[] = { "ip", "link", "set", "tern9", "up", NULL };
	uint8_t got[2000], f[300], app_mac[6];
	int s, ifindex;
	size_t n;

	cr_assert_eq(tern_netns_run(&ns, add), 0);
	cr_assert_eq(tern_netns_run(&ns, up), 0);
	s = packet_socket("tern9", &ifindex);
	const char *argv[] = {
		"/usr/sbin/ip", "netns",     "exec",   ns.name, RUNNER_APP,
		"--net",	"tap:tern9", "--echo", "1",	NULL
	};
	pid_t pid = spawn(argv, NULL, NULL);

	n = kernel_recv(s, got, sizeof(got));
	cr_assert_eq(n, 60, "no hello from the app");
	cr_assert_str_eq((const char *)got + 14, "hello from net0");
	memcpy(app_mac, got + 6, 6);
	test_frame(f, sizeof(f), app_mac, peer_mac, 5);
	/* The TAP's carrier came up when the app attached; until the kernel's
	 * link watch activates its queue (asynchronously), frames sent into
	 * it are dropped. So send until the echo comes. */
	n = 0;
	for (int i = 0; i < 50 && n == 0; i++) {
		kernel_send(s, ifindex, f, sizeof(f));
		n = kernel_recv_within(s, got, sizeof(got), 200);
	}
	cr_assert_eq(n, sizeof(f), "no echo");
	cr_assert(memcmp(got, peer_mac, 6) == 0);
	cr_assert(memcmp(got + 6, app_mac, 6) == 0);
	cr_assert(memcmp(got + 12, f + 12, sizeof(f) - 12) == 0);
	cr_assert_eq(wait_exit(pid, 30), 0);
	close(s);
}

/* ---- Offloads (IFF_VNET_HDR) --------------------------------------------- */

#define SEGS 10	 /* segments in the super-frames below */
#define GSO 1000 /* payload bytes per segment */
#define HL 54	 /* Ethernet, IPv4, TCP without options */

/* struct virtio_net_hdr as AF_PACKET's PACKET_VNET_HDR has it (host
 * order, which is little-endian here). */
struct vnet_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* An AF_PACKET socket on the kernel side with PACKET_VNET_HDR: what it
 * sends and receives is behind a struct vnet_hdr. */
static int vnet_packet_socket(void)
{
	int one = 1, ifindex;
	int s = packet_socket(IFNAME, &ifindex);

	cr_assert(setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one,
			     sizeof(one)) == 0,
		  "PACKET_VNET_HDR: %s", strerror(errno));
	return s;
}

/* The pseudo-header sum (not inverted) for TCP from src to dst, len bytes. */
static uint16_t pseudo_sum(uint32_t src, uint32_t dst, uint16_t len)
{
	struct tern_csum c;

	tern_csum_init(&c);
	tern_csum_add_be32(&c, src);
	tern_csum_add_be32(&c, dst);
	tern_csum_add_be16(&c, 6);
	tern_csum_add_be16(&c, len);
	return tern_csum_sum(&c);
}

/* A TCP/IPv4 super-frame of SEGS * GSO payload bytes from 10.77.0.1:5555
 * to 10.77.0.2:6666 (seq 1000, ACK|PSH|FIN), to dst from src, with the
 * pseudo-header's sum in its checksum field, as a TSO sender leaves it.
 * Returns its length. */
static size_t super_frame(uint8_t *f, const uint8_t dst[6],
			  const uint8_t src[6])
{
	size_t len = HL + SEGS * GSO;

	memset(f, 0, HL);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	tern_store_be16(f + 12, 0x0800);
	f[14] = 0x45;
	tern_store_be16(f + 16, (uint16_t)(len - 14));
	tern_store_be16(f + 18, 77); /* id */
	f[20] = 0x40;		     /* DF */
	f[22] = 64;
	f[23] = 6;
	tern_store_be32(f + 26, 0x0a4d0001);
	tern_store_be32(f + 30, 0x0a4d0002);
	tern_store_be16(f + 24, tern_cksum(f + 14, 20));
	tern_store_be16(f + 34, 5555);
	tern_store_be16(f + 36, 6666);
	tern_store_be32(f + 38, 1000);
	tern_store_be32(f + 42, 1);
	f[46] = 0x50;
	f[47] = 0x19; /* ACK PSH FIN */
	tern_store_be16(f + 48, 65535);
	for (size_t i = HL; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	tern_store_be16(f + 50, pseudo_sum(0x0a4d0001, 0x0a4d0002,
					   (uint16_t)(len - 34)));
	return len;
}

/* Checks segment i (rx) of super_frame's data: its lengths, id, IPv4
 * checksum, sequence number, flags and payload, and that it came flagged
 * TERN_RX_CSUM_VALID with the TCP checksum field as the super-frame had it
 * (partial: the TAP computes no TCP checksum). */
static void check_segment(const struct tern_rx *rx, unsigned i)
{
	const uint8_t *s = rx->buf;
	size_t len = rx->len;

	cr_assert_eq(len, HL + GSO, "segment %u: %zu bytes", i, len);
	cr_assert_eq(rx->flags, TERN_RX_CSUM_VALID, "segment %u rx flags", i);
	cr_assert_eq(tern_load_be16(s + 16), len - 14);
	cr_assert_eq(tern_cksum(s + 14, 20), 0, "segment %u: IPv4 checksum", i);
	cr_assert_eq(tern_load_be32(s + 38), 1000 + i * GSO);
	cr_assert_eq(s[47], i == SEGS - 1 ? 0x19 : 0x10, "segment %u flags", i);
	cr_assert_eq(tern_load_be16(s + 50),
		     pseudo_sum(0x0a4d0001, 0x0a4d0002,
				(uint16_t)(HL - 34 + SEGS * GSO)),
		     "segment %u: TCP checksum field", i);
	for (size_t k = 0; k < GSO; k++)
		cr_assert_eq(s[HL + k], (uint8_t)((HL + i * GSO + k) * 7 + 3),
			     "segment %u byte %zu", i, k);
}

/* The kernel's super-frame with a partial checksum (sent by AF_PACKET
 * with a virtio-net header, TSO as the TAP offers the kernel) reaches the
 * stack as SEGS whole segments flagged TERN_RX_CSUM_VALID, their IPv4
 * checksums fixed and their TCP checksums left to no one. */
Test(tap, kernel_super_frame_arrives_cut_and_flagged)
{
	static uint8_t msg[sizeof(struct vnet_hdr) + HL + SEGS * GSO];
	struct vnet_hdr h = { 1, 1, HL, GSO, 34, 16 }; /* NEEDS_CSUM, TCPV4 */
	struct tern_rx *rx = rx_alloc(SEGS + 8);
	size_t len = super_frame(msg + sizeof(h), tap.dev.mac, peer_mac);
	int s = vnet_packet_socket();
	unsigned got = 0;

	memcpy(msg, &h, sizeof(h));
	cr_assert_eq(send(s, msg, sizeof(h) + len, 0),
		     (ssize_t)(sizeof(h) + len), "send: %s", strerror(errno));
	for (int i = 0; i < 100 && got < SEGS; i++) {
		int n = recv_frames(&tap.dev, &tap.waker, rx, SEGS + 8, 2000);

		if (n == 0)
			break;
		for (int k = 0; k < n; k++) {
			const uint8_t *f = rx[k].buf;

			if (rx[k].len < HL ||
			    tern_load_be16(f + 12) != 0x0800 || f[23] != 6 ||
			    tern_load_be16(f + 36) != 6666)
				continue;
			check_segment(&rx[k], got++);
		}
	}
	cr_assert_eq(got, SEGS, "%u segments", got);
	cr_assert_eq(tap.rx_offload_dropped, 0);
	cr_log_info("super-frames the TAP cut itself: %llu",
		    (unsigned long long)tap.rx_gso_frames);
	close(s);
	rx_free(rx, SEGS + 8);
}

/* A plain frame sent to the TAP with a virtio-net header is handed out as
 * it came: flagged TERN_RX_CSUM_VALID with its partial checksum untouched
 * when the header says NEEDS_CSUM, unflagged when it says nothing. */
Test(tap, kernel_partial_checksum_arrives_flagged)
{
	static uint8_t msg[2][sizeof(struct vnet_hdr) + HL + SEGS * GSO];
	const size_t len = sizeof(struct vnet_hdr) + HL + GSO; /* sent */
	const struct vnet_hdr h[2] = { { 1, 0, 0, 0, 34, 16 }, { 0 } };
	struct tern_rx *rx = rx_alloc(8);
	int s = vnet_packet_socket();
	unsigned got = 0;

	for (unsigned i = 0; i < 2; i++) {
		uint8_t *f = msg[i] + sizeof(h[i]);

		/* The first segment's bytes of a super-frame, made whole. */
		super_frame(f, tap.dev.mac, peer_mac);
		tern_store_be16(f + 16, HL - 14 + GSO);
		tern_store_be16(f + 24, 0);
		tern_store_be16(f + 24, tern_cksum(f + 14, 20));
		tern_store_be32(f + 38, 1000 + i); /* seq: which frame */
		tern_store_be16(f + 50, pseudo_sum(0x0a4d0001, 0x0a4d0002,
						   HL - 34 + GSO));
		memcpy(msg[i], &h[i], sizeof(h[i]));
		cr_assert_eq(send(s, msg[i], len, 0), (ssize_t)len, "send: %s",
			     strerror(errno));
	}
	for (int i = 0; i < 100 && got < 2; i++) {
		int n = recv_frames(&tap.dev, &tap.waker, rx, 8, 2000);

		if (n == 0)
			break;
		for (int k = 0; k < n; k++) {
			const uint8_t *f = rx[k].buf;

			if (rx[k].len != HL + GSO ||
			    tern_load_be16(f + 12) != 0x0800 || f[23] != 6 ||
			    tern_load_be16(f + 36) != 6666)
				continue;
			cr_assert_eq(tern_load_be32(f + 38), 1000 + got);
			cr_assert(memcmp(f, msg[got] + sizeof(h[got]),
					 HL + GSO) == 0,
				  "frame %u changed", got);
			cr_assert_eq(rx[k].flags,
				     got == 0 ? TERN_RX_CSUM_VALID : 0,
				     "frame %u rx flags", got);
			got++;
		}
	}
	cr_assert_eq(got, 2, "%u frames", got);
	cr_assert_eq(tap.rx_offload_dropped, 0);
	close(s);
	rx_free(rx, 8);
}

/* A super-frame the stack hands the TAP (TSO) reaches the kernel as one
 * GSO packet with the gso_size and checksum request it asked for. */
Test(tap, tern_super_frame_reaches_the_kernel_as_gso)
{
	static uint8_t f[HL + SEGS * GSO], got[sizeof(struct vnet_hdr) + 70000];
	struct tern_iov iov[2] = { { f, HL }, { f + HL, SEGS * GSO } };
	struct tern_tx tx = { .iov = iov, .iovcnt = 2 };
	size_t len = super_frame(f, peer_mac, tap.dev.mac);
	int s = vnet_packet_socket();
	struct vnet_hdr h;
	ssize_t n = 0;

	cr_assert(tap.dev.offloads & TERN_NETDEV_TX_TSO4);
	cr_assert_geq(tap.dev.gso_max, len);
	tx.off = (struct tern_tx_offload){ .flags = TERN_TX_NEEDS_CSUM,
					   .gso_type = TERN_GSO_TCPV4,
					   .hdr_len = HL,
					   .gso_size = GSO,
					   .csum_start = 34,
					   .csum_offset = 16 };
	cr_assert_eq(tern_netdev_send(&tap.dev, &tx, 1), 1);
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { s, POLLIN, 0 };

		cr_assert_eq(poll(&p, 1, 5000), 1, "nothing from the TAP");
		n = recv(s, got, sizeof(got), 0);
		cr_assert(n > 0);
		if ((size_t)n == sizeof(h) + len)
			break;
	}
	cr_assert_eq((size_t)n, sizeof(h) + len, "no %zu-byte frame", len);
	memcpy(&h, got, sizeof(h));
	cr_assert_eq(h.gso_type, 1, "gso_type %u", h.gso_type);
	cr_assert_eq(h.gso_size, GSO);
	cr_assert_eq(h.flags & 1, 1, "NEEDS_CSUM");
	cr_assert_eq(h.csum_start, 34);
	cr_assert_eq(h.csum_offset, 16);
	cr_assert(memcmp(got + sizeof(h), f, len) == 0);
	cr_assert_eq(tap.tx_tso_frames, 1);
	close(s);
}
