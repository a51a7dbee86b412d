/*
 * bench_net.c - packets per second through the network stack, with its
 * baselines measured in the same run:
 *
 *   case                          what one operation is
 *   tern icmp echo                an echo request frame handed to the core
 *                                 (copied into a pool buffer, as a driver
 *                                 does), the reply out to a counting device
 *   lwip icmp echo                the same frame through lwIP 2.1 (Debian)
 *   tern udp echo                 a UDP datagram in, received from the
 *                                 socket and sent back (zero-copy calls)
 *   lwip udp echo                 the same through lwIP's raw UDP API
 *   tern udp echo, batch 32       tern udp echo, 32 frames per batch as
 *                                 the fiber loop delivers them
 *   tern udp rtt, memlink+fibers  a UDP echo round trip between two Tern
 *                                 stacks over a memlink, client and server
 *                                 fibers, 32 datagrams in flight
 *   linux udp rtt, veth           the same between two Linux network
 *                                 namespaces over a veth pair (root only;
 *                                 threads in each namespace, blocking
 *                                 sockets, 32 in flight)
 *
 * Ratios: tern vs lwip for ICMP and UDP echo (same frames, same caller-
 * driven in-memory setup, each stack answering on its own), and the Tern
 * memlink round trip vs Linux's veth round trip (each end a full stack;
 * Linux pays system calls, context switches and the veth; Tern pays two
 * memlink copies per frame). pps metrics are 1e9 / median ns.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "netns.h"
#include "runner.h"
#include "support/frame_ipv4.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/hosted/memlink.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/net_wire.h"
#include "tern/udp.h"
#ifdef HAVE_LWIP
#include "lwip_echo.h"
#include "lwip_link.h"
#endif

#define US_IP 0x0a000001u /* the stack under test */
#define PEER_IP 0x0a000002u
#define ECHO_PORT 7
#define WINDOW 32

static const uint8_t us_mac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x0b };

/* ---- frames ------------------------------------------------------------- */

static uint8_t ping_frame[14 + 20 + 8 + 56], udp_frame[14 + 20 + 8 + 32];
static uint8_t arp_frame[14 + 28];

/* A frame from the peer to the stack under test around l4. */
static size_t wrap_ipv4(uint8_t *f, uint8_t proto, const uint8_t *l4,
			size_t len)
{
	return frame_ipv4(f, us_mac, peer_mac, PEER_IP, US_IP, proto, 0x77, 0,
			  false, l4, len);
}

static void build_frames(void)
{
	uint8_t l4[64];
	struct tern_icmp_hdr ih = { TERN_ICMP_ECHO_REQUEST, 0, 0, 0x12340001 };
	struct tern_udp_hdr uh = { 40000, ECHO_PORT, 8 + 32, 0 };
	struct tern_iov iov = { l4 + 8, 32 };
	struct tern_arp_hdr a;
	struct tern_eth_hdr eth;

	tern_icmp_hdr_emit(&ih, l4);
	for (int i = 0; i < 56; i++)
		l4[8 + i] = (uint8_t)i;
	tern_icmp_set_cksum(l4, 64);
	wrap_ipv4(ping_frame, TERN_IPPROTO_ICMP, l4, 64);

	for (int i = 0; i < 32; i++)
		l4[8 + i] = (uint8_t)(i + 100);
	tern_udp_hdr_emit(&uh, l4);
	tern_store_be16(l4 + 6, tern_udp_cksum(PEER_IP, US_IP, l4, &iov, 1));
	wrap_ipv4(udp_frame, TERN_IPPROTO_UDP, l4, 40);

	memset(eth.dst, 0xff, 6);
	memcpy(eth.src, peer_mac, 6);
	eth.type = TERN_ETHERTYPE_ARP;
	tern_eth_hdr_emit(&eth, arp_frame);
	a.op = TERN_ARP_REQUEST;
	memcpy(a.sha, peer_mac, 6);
	a.spa = PEER_IP;
	memset(a.tha, 0, 6);
	a.tpa = US_IP;
	tern_arp_hdr_emit(&a, arp_frame + 14);
}

/* ---- Tern core on a counting device ------------------------------------- */

struct count_dev {
	struct tern_netdev dev;
	uint64_t frames;
	size_t last_len;
};

static int count_send(struct tern_netdev *dev, const struct tern_tx *frames,
		      unsigned count)
{
	struct count_dev *d = tern_container_of(dev, struct count_dev, dev);

	d->frames += count;
	d->last_len = tern_tx_len(&frames[count - 1]);
	return (int)count;
}

static int count_recv(struct tern_netdev *dev, struct tern_rx *frames,
		      unsigned count)
{
	(void)dev;
	(void)frames;
	(void)count;
	return 0;
}

static const struct tern_netdev_ops count_ops = { .send = count_send,
						  .recv = count_recv };

struct core {
	struct tern_net net;
	struct count_dev dev;
	struct tern_udp sock;
	uint64_t now;
};

static struct core core;

static void core_setup(void)
{
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	cfg.seed = 1;
	if (tern_net_init(&core.net, &cfg) < 0)
		abort();
	tern_netdev_init(&core.dev.dev, &count_ops, "bench0", us_mac, 1500);
	tern_net_add_if(&core.net, &core.dev.dev);
	core.now = tern_bench_now();
	tern_net_if_set_addr(&core.net, 0, US_IP, 24, 0, core.now);
	tern_net_input_bytes(&core.net, 0, arp_frame, sizeof(arp_frame),
			     core.now);
	tern_udp_open(&core.net, &core.sock);
	tern_udp_bind(&core.sock, 0, ECHO_PORT);
}

/* Echoes what waits on the socket. */
static void core_app(void)
{
	struct tern_udp_meta m;
	struct tern_pkt *pkt;

	while ((pkt = tern_udp_recv_pkt(&core.sock, &m)))
		tern_udp_sendto_pkt(&core.sock, m.src, m.sport, pkt, core.now);
}

static void check_sent(uint64_t before, uint64_t iters, uint64_t after,
		       const char *what)
{
	if (after - before != iters) {
		fprintf(stderr,
			"bench_net: %s: %llu replies for %llu requests\n", what,
			(unsigned long long)(after - before),
			(unsigned long long)iters);
		exit(1);
	}
}

static void bench_tern_icmp(void *ctx, uint64_t iters)
{
	uint64_t before = core.dev.frames;

	(void)ctx;
	for (uint64_t i = 0; i < iters; i++)
		tern_net_input_bytes(&core.net, 0, ping_frame,
				     sizeof(ping_frame), core.now);
	check_sent(before, iters, core.dev.frames, "tern icmp");
}

static void bench_tern_udp(void *ctx, uint64_t iters)
{
	uint64_t before = core.dev.frames;

	(void)ctx;
	for (uint64_t i = 0; i < iters; i++) {
		tern_net_input_bytes(&core.net, 0, udp_frame, sizeof(udp_frame),
				     core.now);
		core_app();
	}
	check_sent(before, iters, core.dev.frames, "tern udp");
}

static void bench_tern_udp_batch(void *ctx, uint64_t iters)
{
	uint64_t before = core.dev.frames;

	(void)ctx;
	for (uint64_t i = 0; i < iters;) {
		uint64_t n = iters - i < WINDOW ? iters - i : WINDOW;

		tern_net_batch_begin(&core.net);
		for (uint64_t k = 0; k < n; k++)
			tern_net_input_bytes(&core.net, 0, udp_frame,
					     sizeof(udp_frame), core.now);
		core_app();
		tern_net_batch_end(&core.net);
		i += n;
	}
	check_sent(before, iters, core.dev.frames, "tern udp batch");
}

/* ---- lwIP ---------------------------------------------------------------- */

#ifdef HAVE_LWIP
static void bench_lwip_icmp(void *ctx, uint64_t iters)
{
	uint64_t before = lwip_link_sent(LWIP_ECHO_IF);

	(void)ctx;
	for (uint64_t i = 0; i < iters; i++)
		lwip_link_input(LWIP_ECHO_IF, ping_frame, sizeof(ping_frame));
	check_sent(before, iters, lwip_link_sent(LWIP_ECHO_IF), "lwip icmp");
}

static void bench_lwip_udp(void *ctx, uint64_t iters)
{
	uint64_t before = lwip_link_sent(LWIP_ECHO_IF);

	(void)ctx;
	for (uint64_t i = 0; i < iters; i++)
		lwip_link_input(LWIP_ECHO_IF, udp_frame, sizeof(udp_frame));
	check_sent(before, iters, lwip_link_sent(LWIP_ECHO_IF), "lwip udp");
}
#endif

/* ---- Tern over a memlink, on fibers -------------------------------------- */

struct duo {
	struct tern_memlink link;
	struct tern_net a, b;
	struct tern_sched sched;
	struct tern_net_loop la, lb;
	struct tern_usock server, client;
	struct tern_fiber fs, fc;
	uint64_t iters;
	bool failed;
};

static struct duo duo;

static void duo_server(void *arg)
{
	struct duo *d = arg;
	struct tern_udp_meta m;
	struct tern_pkt *pkt;

	while (tern_usock_wait(&d->server, TERN_NO_DEADLINE) == 0)
		while ((pkt = tern_udp_recv_pkt(&d->server.udp, &m)))
			tern_udp_sendto_pkt(&d->server.udp, m.src, m.sport, pkt,
					    tern_net_loop_now(&d->la));
}

static void duo_client(void *arg)
{
	struct duo *d = arg;
	static const uint8_t msg[32];
	uint64_t sent = 0, got = 0;

	while (sent < d->iters && sent < WINDOW) {
		tern_usock_sendto(&d->client, US_IP, ECHO_PORT, msg,
				  sizeof(msg));
		sent++;
	}
	while (got < d->iters) {
		struct tern_pkt *pkt;

		if (tern_usock_wait(&d->client, tern_sched_now(&d->sched) +
							TERN_NSEC_PER_SEC) <
		    0) {
			d->failed = true;
			break;
		}
		while ((pkt = tern_udp_recv_pkt(&d->client.udp, NULL))) {
			got++;
			if (sent < d->iters) {
				/* Send the buffer straight back out. */
				tern_udp_sendto_pkt(&d->client.udp, US_IP,
						    ECHO_PORT, pkt,
						    tern_net_loop_now(&d->lb));
				sent++;
			} else {
				tern_pkt_free(pkt);
			}
		}
	}
	tern_sched_stop(&d->sched);
}

static int duo_setup(void)
{
	struct tern_memlink_opts opts;
	struct tern_net_config cfg;
	uint64_t now = tern_clock_monotonic();

	memset(&opts, 0, sizeof(opts));
	opts.name = "bench";
	memcpy(opts.mac_a, us_mac, 6);
	memcpy(opts.mac_b, peer_mac, 6);
	opts.frames = 512;
	if (tern_memlink_create(&duo.link, &opts) < 0)
		return -1;
	tern_net_config_default(&cfg);
	cfg.seed = 1;
	if (tern_net_init(&duo.a, &cfg) < 0 || tern_net_init(&duo.b, &cfg) < 0)
		return -1;
	tern_net_add_if(&duo.a, &duo.link.a.dev);
	tern_net_add_if(&duo.b, &duo.link.b.dev);
	tern_net_if_set_addr(&duo.a, 0, US_IP, 24, 0, now);
	tern_net_if_set_addr(&duo.b, 0, PEER_IP, 24, 0, now);
	tern_sched_init(&duo.sched);
	tern_net_loop_start(&duo.la, &duo.a, &duo.sched);
	tern_net_loop_start(&duo.lb, &duo.b, &duo.sched);
	tern_usock_open(&duo.la, &duo.server);
	tern_udp_bind(&duo.server.udp, 0, ECHO_PORT);
	tern_usock_open(&duo.lb, &duo.client);
	tern_udp_set_rxq(&duo.server.udp, 2 * WINDOW);
	tern_udp_set_rxq(&duo.client.udp, 2 * WINDOW);
	return tern_fiber_spawn(&duo.sched, &duo.fs, "server", duo_server, &duo,
				0);
}

static void bench_duo(void *ctx, uint64_t iters)
{
	(void)ctx;
	duo.iters = iters;
	if (tern_fiber_spawn(&duo.sched, &duo.fc, "client", duo_client, &duo,
			     0) < 0)
		abort();
	tern_sched_run(&duo.sched);
	tern_fiber_join(&duo.sched, &duo.fc);
	if (duo.failed) {
		fprintf(stderr, "bench_net: memlink round trips timed out\n");
		exit(1);
	}
}

/* ---- Linux over a veth pair ---------------------------------------------- */

struct veth {
	struct bench_netns ns;
	int client;
	pthread_t server;
	struct sockaddr_in to;
};

static struct veth veth;

static void *veth_server(void *arg)
{
	static char buf[2048];
	int fd = (int)(intptr_t)arg;

	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n == 1 && buf[0] == 'q')
			break;
		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			       fl);
	}
	close(fd);
	return NULL;
}

/* Two namespaces and a veth pair (netns.h), an echo thread in b, a client
 * socket in a. Returns 0 or -1 (not root...). */
static int veth_setup(void)
{
	struct timeval tv = { 1, 0 };
	struct sockaddr_in a;
	int srv;

	if (bench_netns_up(&veth.ns, 'u') < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(ECHO_PORT);
	a.sin_addr.s_addr = htonl(veth.ns.addr_b);
	srv = bench_netns_socket(veth.ns.ns_b, SOCK_DGRAM);
	veth.client = bench_netns_socket(veth.ns.ns_a, SOCK_DGRAM);
	if (srv < 0 || veth.client < 0 ||
	    bind(srv, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	setsockopt(veth.client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	veth.to = a;
	if (pthread_create(&veth.server, NULL, veth_server,
			   (void *)(intptr_t)srv) != 0)
		goto fail;
	return 0;
fail:
	if (srv >= 0)
		close(srv);
	if (veth.client >= 0)
		close(veth.client);
	bench_netns_down(&veth.ns);
	return -1;
}

static void bench_veth(void *ctx, uint64_t iters)
{
	static char msg[32], buf[2048];
	uint64_t sent = 0, got = 0;

	(void)ctx;
	while (sent < iters && sent < WINDOW) {
		sendto(veth.client, msg, sizeof(msg), 0,
		       (struct sockaddr *)&veth.to, sizeof(veth.to));
		sent++;
	}
	while (got < iters) {
		ssize_t n = recv(veth.client, buf, sizeof(buf), 0);

		if (n < 0) {
			fprintf(stderr, "bench_net: veth: %s\n",
				strerror(errno));
			exit(1);
		}
		got++;
		if (sent < iters) {
			sendto(veth.client, msg, sizeof(msg), 0,
			       (struct sockaddr *)&veth.to, sizeof(veth.to));
			sent++;
		}
	}
}

static void veth_stop(void)
{
	sendto(veth.client, "q", 1, 0, (struct sockaddr *)&veth.to,
	       sizeof(veth.to));
	pthread_join(veth.server, NULL);
	close(veth.client);
	bench_netns_down(&veth.ns);
}

/* ---- main ------------------------------------------------------------- */

static void pps(struct tern_bench *b, const char *name, const char *metric)
{
	const struct tern_bench_case *c = tern_bench_find(b, name);

	if (c && c->median_ns > 0)
		tern_bench_metric(b, metric, 1e9 / c->median_ns, "pps");
}

int main(int argc, char **argv)
{
	struct tern_bench b;
	bool have_lwip = false, have_veth;

	tern_bench_init(&b, "net", argc, argv);
	build_frames();
	core_setup();
#ifdef HAVE_LWIP
	have_lwip = lwip_echo_init(us_mac, US_IP, ECHO_PORT) == 0;
	if (have_lwip)
		lwip_link_input(LWIP_ECHO_IF, arp_frame, sizeof(arp_frame));
	else
		fprintf(stderr, "bench_net: lwIP would not start\n");
#else
	fprintf(stderr, "bench_net: built without lwIP (pkg-config lwip)\n");
#endif

	tern_bench_run(&b, "tern icmp echo", bench_tern_icmp, NULL, 0);
#ifdef HAVE_LWIP
	if (have_lwip)
		tern_bench_run(&b, "lwip icmp echo", bench_lwip_icmp, NULL, 0);
#endif
	tern_bench_run(&b, "tern udp echo", bench_tern_udp, NULL, 0);
#ifdef HAVE_LWIP
	if (have_lwip)
		tern_bench_run(&b, "lwip udp echo", bench_lwip_udp, NULL, 0);
#endif
	tern_bench_run(&b, "tern udp echo, batch 32", bench_tern_udp_batch,
		       NULL, 0);
	if (duo_setup() == 0)
		tern_bench_run(&b, "tern udp rtt, memlink+fibers", bench_duo,
			       NULL, 0);
	else
		fprintf(stderr, "bench_net: memlink set-up failed\n");
	have_veth = veth_setup() == 0;
	if (have_veth) {
		tern_bench_run(&b, "linux udp rtt, veth", bench_veth, NULL, 0);
		veth_stop();
	} else {
		fprintf(stderr, "bench_net: linux veth case skipped (needs "
				"root and iproute2)\n");
	}

	pps(&b, "tern icmp echo", "tern icmp echo pps");
	pps(&b, "tern udp echo", "tern udp echo pps");
	pps(&b, "tern udp echo, batch 32", "tern udp echo batch32 pps");
	pps(&b, "tern udp rtt, memlink+fibers", "tern memlink udp rtt/s");
	if (have_lwip) {
		pps(&b, "lwip icmp echo", "lwip icmp echo pps");
		pps(&b, "lwip udp echo", "lwip udp echo pps");
		tern_bench_ratio(&b, "icmp echo: tern vs lwip",
				 "tern icmp echo", "lwip icmp echo");
		tern_bench_ratio(&b, "udp echo: tern vs lwip", "tern udp echo",
				 "lwip udp echo");
	}
	if (have_veth) {
		pps(&b, "linux udp rtt, veth", "linux veth udp rtt/s");
		tern_bench_ratio(&b, "udp rtt: tern memlink vs linux veth",
				 "tern udp rtt, memlink+fibers",
				 "linux udp rtt, veth");
	}
	return tern_bench_finish(&b);
}
