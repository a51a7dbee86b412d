/*
 * bench_tcp.c - TCP bulk transfer, Tern against Linux in the same run:
 *
 *   case                            what one operation is
 *   tern tcp bulk, memlink+fibers   64 KiB written by a client fiber on one
 *                                   Tern stack and read by a server fiber
 *                                   on another, over a memlink (default
 *                                   buffers: 64 KiB each way)
 *   linux tcp bulk, veth            64 KiB sent by a thread in one network
 *                                   namespace and read by a thread in
 *                                   another, over a veth pair (root only;
 *                                   blocking sockets, Linux's defaults)
 *
 * Each operation ends when the reader has all of it, so the ratio compares
 * delivered bytes per second, stack to stack: Tern pays two memlink
 * copies per frame and runs both ends on one thread; Linux pays system
 * calls, wake-ups and the veth (with segmentation offloads). One
 * connection each, opened before the clock starts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "netns.h"
#include "runner.h"
#include "tern/hosted/memlink.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/tcp.h"

#define CHUNK (64 * 1024)
#define PORT 5001
#define A_IP 0x0a000001u
#define B_IP 0x0a000002u

/* ---- Tern over a memlink ------------------------------------------------ */

struct duo {
	struct tern_memlink link;
	struct tern_net a, b;
	struct tern_sched sched;
	struct tern_net_loop la, lb;
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
			tern_waitq_wake_all(&d->sched, &d->progress);
	}
}

/* Writes the chunks of one bench call and waits until all were read. */
static void duo_writer(void *arg)
{
	static const uint8_t buf[CHUNK];
	struct duo *d = arg;
	uint64_t deadline = tern_sched_now(&d->sched) + 60 * TERN_NSEC_PER_SEC;

	if (!d->connected) {
		if (tern_tsock_connect(&d->lb, &d->client, A_IP, PORT,
				       deadline) < 0) {
			d->failed = true;
			tern_sched_stop(&d->sched);
			return;
		}
		d->connected = true;
	}
	for (uint64_t i = 0; i < d->chunks && !d->failed; i++)
		if (tern_tsock_write(&d->client, buf, sizeof(buf), deadline) !=
		    (int)sizeof(buf))
			d->failed = true;
	while (d->received < d->target && !d->failed)
		if (tern_waitq_wait(&d->sched, &d->progress, deadline) ==
		    -TERN_ETIMEDOUT)
			d->failed = true;
	tern_sched_stop(&d->sched);
}

static int duo_setup(void)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
	static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
	struct tern_memlink_opts opts;
	struct tern_net_config cfg;
	uint64_t now = tern_clock_monotonic();

	memset(&opts, 0, sizeof(opts));
	opts.name = "bench";
	memcpy(opts.mac_a, mac_a, 6);
	memcpy(opts.mac_b, mac_b, 6);
	opts.frames = 512;
	if (tern_memlink_create(&duo.link, &opts) < 0)
		return -1;
	tern_net_config_default(&cfg);
	cfg.seed = 1;
	if (tern_net_init(&duo.a, &cfg) < 0 || tern_net_init(&duo.b, &cfg) < 0)
		return -1;
	tern_net_add_if(&duo.a, &duo.link.a.dev);
	tern_net_add_if(&duo.b, &duo.link.b.dev);
	tern_net_if_set_addr(&duo.a, 0, A_IP, 24, 0, now);
	tern_net_if_set_addr(&duo.b, 0, B_IP, 24, 0, now);
	tern_sched_init(&duo.sched);
	tern_waitq_init(&duo.progress);
	tern_net_loop_start(&duo.la, &duo.a, &duo.sched);
	tern_net_loop_start(&duo.lb, &duo.b, &duo.sched);
	if (tern_tsock_listen(&duo.la, &duo.listener, 0, PORT, 4) < 0)
		return -1;
	return tern_fiber_spawn(&duo.sched, &duo.fs, "reader", duo_reader, &duo,
				0);
}

static void bench_duo(void *ctx, uint64_t iters)
{
	(void)ctx;
	duo.chunks = iters;
	duo.target = duo.received + iters * CHUNK;
	if (tern_fiber_spawn(&duo.sched, &duo.fc, "writer", duo_writer, &duo,
			     0) < 0)
		abort();
	tern_sched_run(&duo.sched);
	tern_fiber_join(&duo.sched, &duo.fc);
	if (duo.failed) {
		fprintf(stderr, "bench_tcp: the memlink transfer failed\n");
		exit(1);
	}
}

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
	bool have_veth;

	tern_bench_init(&b, "tcp", argc, argv);
	if (duo_setup() < 0) {
		fprintf(stderr, "bench_tcp: memlink set-up failed\n");
		return 1;
	}
	tern_bench_run(&b, "tern tcp bulk, memlink+fibers", bench_duo, NULL,
		       CHUNK);
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
	if (have_veth) {
		mbps(&b, "linux tcp bulk, veth", "linux veth tcp MB/s");
		tern_bench_ratio(&b, "tcp bulk: tern memlink vs linux veth",
				 "tern tcp bulk, memlink+fibers",
				 "linux tcp bulk, veth");
	}
	return tern_bench_finish(&b);
}
