/*
 * bench_tcp.c - TCP bulk transfer, Tern against lwIP and Linux in the
 * same run:
 *
 *   case                            what one operation is
 *   tern tcp bulk, memlink+fibers   64 KiB written by a client fiber on one
 *                                   Tern stack and read by a server fiber
 *                                   on another, over a memlink (default
 *                                   buffers: 64 KiB each way)
 *   lwip tcp bulk, memlink          64 KiB written by an lwIP client and
 *                                   copied out by the lwIP server's recv
 *                                   callback, two netifs over the same kind
 *                                   of memlink, one thread (lwip_tcp.h)
 *   linux tcp bulk, veth            64 KiB sent by a thread in one network
 *                                   namespace and read by a thread in
 *                                   another, over a veth pair (root only;
 *                                   blocking sockets, Linux's defaults)
 *
 * Each operation ends when the reader has all of it, so the ratio compares
 * delivered bytes per second, stack to stack: Tern pays two memlink
 * copies per frame and runs both ends on one thread; Linux pays system
 * calls, wake-ups and the veth (with segmentation offloads). One
 * connection each, opened before the clock starts. Every sender turns
 * Nagle off (TCP_NODELAY): the writes are 64 KiB, so all segments but a
 * repetition's last are full anyway, and that last one is then not held
 * until the receiver's delayed ACK (lwIP's 250 ms timer; Tern's Nagle
 * has followed Minshall's rule since this bench found the stall, so it no
 * longer holds a short tail behind full segments).
 *
 * Tern against lwIP is like for like: the same memlink (MTU 1500, frames
 * received straight into the stack's buffers, one copy into the link's
 * slot on send), one thread, checksums computed and checked in software
 * by both, each write copied into the stack and each read copied out, the
 * clock stopped when the reading application has every byte. Windows
 * match: Tern's defaults are a 64 KiB send ring and receive window;
 * Debian's lwIP is compiled with TCP_WND = TCP_SND_BUF = 65535 and
 * TCP_MSS 1460 (a pcb cannot go above them at run time), printed as
 * metrics below. Tern also sends timestamps (12 bytes of options a
 * segment, 1448 payload bytes to lwIP's 1460) and SACK; lwIP's build has
 * neither.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "netns.h"
#include "runner.h"
#include "tern/tcp.h"
#include "tern_duo.h"
#ifdef HAVE_LWIP
#include "lwip_tcp.h"
#endif

#define CHUNK (64 * 1024)
#define PORT 5001

/* ---- Tern over a memlink ------------------------------------------------ */

struct duo {
	struct tern_duo n;
	struct tern_tsock listener, server, client;
	struct tern_fiber fs, fc;
	struct tern_waitq progress; /* the reader moved */
	uint64_t received, target, chunks;
	bool connected, failed;
};

static struct duo duo;

/* Reads forever (the connection lives as long as the process). */
static void duo_reader(void *arg)
{
	static uint8_t buf[CHUNK];
	struct duo *d = arg;

	if (tern_tsock_accept(&d->listener, &d->server, TERN_NO_DEADLINE) < 0) {
		d->failed = true;
		return;
	}
	for (;;) {
		int n = tern_tsock_read(&d->server, buf, sizeof(buf),
					TERN_NO_DEADLINE);

		if (n <= 0)
			return;
		d->received += (uint64_t)n;
		if (d->received >= d->target)
			tern_waitq_wake_all(&d->n.sched, &d->progress);
	}
}

/* Writes the chunks of one bench call and waits until all were read. */
static void duo_writer(void *arg)
{
	static const uint8_t buf[CHUNK];
	struct duo *d = arg;
	uint64_t deadline =
		tern_sched_now(&d->n.sched) + 60 * TERN_NSEC_PER_SEC;

	if (!d->connected) {
		if (tern_tsock_connect(&d->n.lb, &d->client, TERN_DUO_A_IP,
				       PORT, deadline) < 0) {
			d->failed = true;
			tern_sched_stop(&d->n.sched);
			return;
		}
		tern_tcp_set_nodelay(d->client.tcp, true);
		d->connected = true;
	}
	for (uint64_t i = 0; i < d->chunks && !d->failed; i++)
		if (tern_tsock_write(&d->client, buf, sizeof(buf), deadline) !=
		    (int)sizeof(buf))
			d->failed = true;
	while (d->received < d->target && !d->failed)
		if (tern_waitq_wait(&d->n.sched, &d->progress, deadline) ==
		    -TERN_ETIMEDOUT)
			d->failed = true;
	tern_sched_stop(&d->n.sched);
}

static int duo_setup(void)
{
	if (tern_duo_init(&duo.n) < 0)
		return -1;
	tern_waitq_init(&duo.progress);
	if (tern_tsock_listen(&duo.n.la, &duo.listener, 0, PORT, 4) < 0)
		return -1;
	return tern_fiber_spawn(&duo.n.sched, &duo.fs, "reader", duo_reader,
				&duo, 0);
}

static void bench_duo(void *ctx, uint64_t iters)
{
	(void)ctx;
	duo.chunks = iters;
	duo.target = duo.received + iters * CHUNK;
	if (tern_fiber_spawn(&duo.n.sched, &duo.fc, "writer", duo_writer, &duo,
			     0) < 0)
		abort();
	tern_sched_run(&duo.n.sched);
	tern_fiber_join(&duo.n.sched, &duo.fc);
	if (duo.failed) {
		fprintf(stderr, "bench_tcp: the memlink transfer failed\n");
		exit(1);
	}
}

/* ---- lwIP over a memlink ------------------------------------------------ */

#ifdef HAVE_LWIP
static struct tern_memlink lwip_link;

/* lwIP's two netifs on a memlink of their own (polled, not a waker). */
static int lwip_setup(void)
{
	if (tern_duo_link(&lwip_link, false) < 0)
		return -1;
	return lwip_tcp_open(&lwip_link.a.dev, &lwip_link.b.dev, tern_duo_mac_a,
			     tern_duo_mac_b, TERN_DUO_A_IP, TERN_DUO_B_IP,
			     PORT);
}

/* One bulk call; checks that the bytes crossed the memlink (client on end
 * b) rather than lwIP's loopback. */
static void bench_lwip(void *ctx, uint64_t iters)
{
	const struct tern_memlink_stats *st =
		&lwip_link.dir[TERN_MEMLINK_BA].stats;
	uint64_t before = st->delivered_bytes;

	(void)ctx;
	if (lwip_tcp_bulk(iters, CHUNK) < 0 ||
	    st->delivered_bytes - before < iters * CHUNK) {
		fprintf(stderr, "bench_tcp: the lwIP transfer failed\n");
		exit(1);
	}
}

/* Records lwIP's compiled-in TCP sizes and what its connection got. */
static void lwip_report(struct tern_bench *b)
{
	struct lwip_tcp_params p;

	lwip_tcp_params(&p);
	tern_bench_metric(b, "lwip TCP_WND (compiled in)", p.wnd, "B");
	tern_bench_metric(b, "lwip TCP_SND_BUF (compiled in)", p.snd_buf, "B");
	tern_bench_metric(b, "lwip TCP_MSS (compiled in)", p.mss, "B");
	tern_bench_metric(b, "lwip TCP_SND_QUEUELEN (compiled in)",
			  p.snd_queuelen, "pbufs");
	tern_bench_metric(b, "lwip conn mss", p.conn_mss, "B");
	tern_bench_metric(b, "lwip conn snd_buf at open", p.conn_snd_buf, "B");
	tern_bench_metric(b, "lwip conn rcv_wnd at open", p.conn_rcv_wnd, "B");
	tern_bench_metric(b, "lwip conn window shift", p.conn_rcv_scale, "");
}
#endif

/* ---- Linux over a veth pair ---------------------------------------------- */

struct veth {
	struct bench_netns ns;
	int client, listener;
	pthread_t reader;
	pthread_mutex_t lock;
	pthread_cond_t progress;
	uint64_t received; /* under lock */
};

static struct veth veth = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .progress = PTHREAD_COND_INITIALIZER };

static void *veth_reader(void *arg)
{
	static char buf[CHUNK];
	int fd = accept(veth.listener, NULL, NULL);

	(void)arg;
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		pthread_mutex_lock(&veth.lock);
		veth.received += (uint64_t)n;
		pthread_cond_signal(&veth.progress);
		pthread_mutex_unlock(&veth.lock);
	}
	close(fd);
	return NULL;
}

/* A listener in namespace b with its reader thread, a connected client
 * in a. Returns 0 or -1 (not root...). */
static int veth_setup(void)
{
	struct sockaddr_in to;
	int one = 1;

	if (bench_netns_up(&veth.ns, 't') < 0)
		return -1;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(PORT);
	to.sin_addr.s_addr = htonl(veth.ns.addr_b);
	veth.listener = bench_netns_socket(veth.ns.ns_b, SOCK_STREAM);
	veth.client = bench_netns_socket(veth.ns.ns_a, SOCK_STREAM);
	if (veth.listener < 0 || veth.client < 0)
		goto fail;
	setsockopt(veth.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(veth.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(veth.listener, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    listen(veth.listener, 4) < 0 ||
	    pthread_create(&veth.reader, NULL, veth_reader, NULL) != 0)
		goto fail;
	if (connect(veth.client, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fprintf(stderr, "bench_tcp: connect: %s\n", strerror(errno));
		shutdown(veth.listener, SHUT_RDWR);
		pthread_join(veth.reader, NULL);
		goto fail;
	}
	return 0;
fail:
	if (veth.listener >= 0)
		close(veth.listener);
	if (veth.client >= 0)
		close(veth.client);
	bench_netns_down(&veth.ns);
	return -1;
}

static void bench_veth(void *ctx, uint64_t iters)
{
	static const char buf[CHUNK];
	uint64_t target;

	(void)ctx;
	pthread_mutex_lock(&veth.lock);
	target = veth.received + iters * CHUNK;
	pthread_mutex_unlock(&veth.lock);
	for (uint64_t i = 0; i < iters; i++) {
		size_t off = 0;

		while (off < sizeof(buf)) {
			ssize_t n = send(veth.client, buf + off,
					 sizeof(buf) - off, 0);

			if (n < 0) {
				fprintf(stderr, "bench_tcp: send: %s\n",
					strerror(errno));
				exit(1);
			}
			off += (size_t)n;
		}
	}
	pthread_mutex_lock(&veth.lock);
	while (veth.received < target)
		pthread_cond_wait(&veth.progress, &veth.lock);
	pthread_mutex_unlock(&veth.lock);
}

static void veth_stop(void)
{
	close(veth.client);
	pthread_join(veth.reader, NULL);
	close(veth.listener);
	bench_netns_down(&veth.ns);
}

/* ---- main ------------------------------------------------------------- */

/* Records the case's throughput in MB/s (10^6 bytes). */
static void mbps(struct tern_bench *b, const char *name, const char *metric)
{
	const struct tern_bench_case *c = tern_bench_find(b, name);

	if (c && c->median_ns > 0)
		tern_bench_metric(b, metric, CHUNK * 1e3 / c->median_ns,
				  "MB/s");
}

int main(int argc, char **argv)
{
	struct tern_bench b;
	bool have_lwip = false, have_veth;

	tern_bench_init(&b, "tcp", argc, argv);
	if (duo_setup() < 0) {
		fprintf(stderr, "bench_tcp: memlink set-up failed\n");
		return 1;
	}
	tern_bench_run(&b, "tern tcp bulk, memlink+fibers", bench_duo, NULL,
		       CHUNK);
#ifdef HAVE_LWIP
	have_lwip = lwip_setup() == 0;
	if (have_lwip)
		tern_bench_run(&b, "lwip tcp bulk, memlink", bench_lwip, NULL,
			       CHUNK);
	else
		fprintf(stderr, "bench_tcp: lwIP would not connect\n");
#else
	fprintf(stderr, "bench_tcp: built without lwIP (pkg-config lwip)\n");
#endif
	have_veth = veth_setup() == 0;
	if (have_veth) {
		tern_bench_run(&b, "linux tcp bulk, veth", bench_veth, NULL,
			       CHUNK);
		veth_stop();
	} else {
		fprintf(stderr, "bench_tcp: linux veth case skipped (needs "
				"root and iproute2)\n");
	}
	mbps(&b, "tern tcp bulk, memlink+fibers", "tern memlink tcp MB/s");
#ifdef HAVE_LWIP
	if (have_lwip) {
		mbps(&b, "lwip tcp bulk, memlink", "lwip memlink tcp MB/s");
		tern_bench_ratio(&b, "tcp bulk: tern vs lwip, memlink, 64K wnd",
				 "tern tcp bulk, memlink+fibers",
				 "lwip tcp bulk, memlink");
		lwip_report(&b);
	}
#endif
	if (have_veth) {
		mbps(&b, "linux tcp bulk, veth", "linux veth tcp MB/s");
		tern_bench_ratio(&b, "tcp bulk: tern memlink vs linux veth",
				 "tern tcp bulk, memlink+fibers",
				 "linux tcp bulk, veth");
	}
	return tern_bench_finish(&b);
}
