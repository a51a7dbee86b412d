/*
 * bench_tcp_conn.c - TCP connection set-up and tear-down, and what a
 * connection costs in memory, Tern against Linux in the same run:
 *
 *   case                            what one operation is
 *   tern tcp connect+close,         a client fiber on one Tern stack
 *     memlink+fibers                connects to a listener on another over
 *                                   a memlink and closes at once; a server
 *                                   fiber accepts, reads the end of the
 *                                   stream and closes
 *   linux tcp connect+close, veth   the same between a client (socket,
 *                                   connect, close) in one network
 *                                   namespace and an accepting thread in
 *                                   another, over a veth pair (root only)
 *
 * No data is exchanged: SYN, SYN-ACK, ACK, then a FIN each way and their
 * ACKs. Connections overlap (the client does not wait for the server's
 * close), and a repetition ends only when every one of them is gone on
 * the server and in TIME_WAIT on the client: for Tern when stack a holds
 * only its listener, for Linux when the namespaces' /proc/net/sockstat
 * count no TCP socket but the listener (orphans in LAST_ACK or FIN_WAIT
 * still count there; TIME_WAIT does not). Tern's released connections
 * wait out TIME_WAIT in its compact table (the oldest cut short when it
 * is full); the Linux client namespace gets net.ipv4.tcp_tw_reuse=1 and
 * the port range 1024-65535, or Linux would run out of ports in
 * TIME_WAIT.
 *
 * Memory, as metrics (bytes):
 *   tern: sizeof(struct tern_tcp) plus the send ring plus a hash bucket,
 *   the pool entry that every open connection - idle or established -
 *   holds from tern_net_init on (the stack reserves cfg.tcp_conns of
 *   them); a released one in TIME_WAIT holds a table entry instead
 *   (sizeof(struct tcp_tw) plus a hash bucket, cfg.tcp_time_wait_max of
 *   them reserved); and the frame buffers that N idle established
 *   connections hold (measured from the pools; received data lives there,
 *   up to the receive window).
 *   linux: the growth of the TCP and sock_inode_cache slabs
 *   (/proc/slabinfo, system-wide: other work on the machine adds noise)
 *   over N idle established connections, per socket - a lower bound: the
 *   struct file and dentry of each socket, and buffers, are not counted.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "tcp_int.h"
#include "tern/tcp.h"
#include "tern_duo.h"

#define PORT 5002
#define BACKLOG 32
#define IDLE_CONNS 24  /* Tern: both ends in one 64-entry pool each */
#define LINUX_IDLE 256 /* connections for the slab measurement */

/* ---- Tern over a memlink ------------------------------------------------ */

struct duo {
	struct tern_duo n;
	struct tern_tsock listener;
	struct tern_fiber fs, fc;
	uint64_t served, target;
	bool failed;
};

static struct duo duo;

/* Accepts, waits for the end of the stream, closes; forever. */
static void duo_server(void *arg)
{
	struct duo *d = arg;
	uint8_t buf[64];

	for (;;) {
		struct tern_tsock s;

		if (tern_tsock_accept(&d->listener, &s, TERN_NO_DEADLINE) < 0)
			return;
		while (tern_tsock_read(&s, buf, sizeof(buf), TERN_NO_DEADLINE) >
		       0)
			;
		tern_tsock_close(&s);
		d->served++;
	}
}

/* Connects and closes d->target - d->served times, then waits until the
 * server stack holds nothing but its listener. */
static void duo_client(void *arg)
{
	struct duo *d = arg;
	uint64_t deadline =
		tern_sched_now(&d->n.sched) + 60 * TERN_NSEC_PER_SEC;
	uint64_t todo = d->target - d->served;

	for (uint64_t i = 0; i < todo && !d->failed; i++) {
		struct tern_tsock c;

		if (tern_tsock_connect(&d->n.lb, &c, TERN_DUO_A_IP, PORT,
				       deadline) < 0)
			d->failed = true;
		else
			tern_tsock_close(&c);
	}
	while (!d->failed &&
	       (d->served < d->target || tern_tcp_conns_in_use(&d->n.a) > 1)) {
		if (tern_sched_now(&d->n.sched) > deadline)
			d->failed = true;
		tern_fiber_yield(&d->n.sched);
	}
	tern_sched_stop(&d->n.sched);
}

static int duo_setup(void)
{
	if (tern_duo_init(&duo.n) < 0 ||
	    tern_tsock_listen(&duo.n.la, &duo.listener, 0, PORT, BACKLOG) < 0)
		return -1;
	return tern_fiber_spawn(&duo.n.sched, &duo.fs, "server", duo_server,
				&duo, 0);
}

static void bench_duo(void *ctx, uint64_t iters)
{
	(void)ctx;
	duo.target = duo.served + iters;
	if (tern_fiber_spawn(&duo.n.sched, &duo.fc, "client", duo_client, &duo,
			     0) < 0)
		abort();
	tern_sched_run(&duo.n.sched);
	tern_fiber_join(&duo.n.sched, &duo.fc);
	if (duo.failed) {
		fprintf(stderr, "bench_tcp_conn: memlink connections failed\n");
		exit(1);
	}
}

/* ---- Tern's memory per connection ------------------------------------- */

struct idle {
	struct tern_duo n;
	struct tern_tsock listener, server[IDLE_CONNS], client[IDLE_CONNS];
	struct tern_fiber f;
	uint32_t pkts_before, pkts_after;
	bool failed;
};

static struct idle idle;

/* Opens IDLE_CONNS connections, lets the stacks settle (delayed ACKs
 * out), counts the frame buffers both stacks hold, closes them all. The
 * count before is taken once the loops hold their receive rings, which
 * tern_net_pkts_in_use counts too. */
static void idle_fiber(void *arg)
{
	struct idle *d = arg;
	uint64_t deadline =
		tern_sched_now(&d->n.sched) + 10 * TERN_NSEC_PER_SEC;

	tern_sleep(&d->n.sched, 10 * TERN_NSEC_PER_MSEC);
	d->pkts_before =
		tern_net_pkts_in_use(&d->n.a) + tern_net_pkts_in_use(&d->n.b);
	for (unsigned i = 0; i < IDLE_CONNS && !d->failed; i++)
		if (tern_tsock_connect(&d->n.lb, &d->client[i], TERN_DUO_A_IP,
				       PORT, deadline) < 0 ||
		    tern_tsock_accept(&d->listener, &d->server[i], deadline) <
			    0)
			d->failed = true;
	tern_sleep(&d->n.sched, 100 * TERN_NSEC_PER_MSEC);
	d->pkts_after =
		tern_net_pkts_in_use(&d->n.a) + tern_net_pkts_in_use(&d->n.b);
	for (unsigned i = 0; i < IDLE_CONNS; i++) {
		if (d->client[i].tcp)
			tern_tsock_close(&d->client[i]);
		if (d->server[i].tcp)
			tern_tsock_close(&d->server[i]);
	}
	tern_sched_stop(&d->n.sched);
}

/* Records Tern's bytes per connection. Returns 0 or -1. */
static int tern_memory(struct tern_bench *b)
{
	const struct tern_net_config *cfg = &idle.n.a.cfg;
	uint32_t buckets = 1;
	double entry, frames;

	if (tern_duo_init(&idle.n) < 0 ||
	    tern_tsock_listen(&idle.n.la, &idle.listener, 0, PORT, BACKLOG) <
		    0 ||
	    tern_fiber_spawn(&idle.n.sched, &idle.f, "idle", idle_fiber, &idle,
			     0) < 0)
		return -1;
	tern_sched_run(&idle.n.sched);
	tern_fiber_join(&idle.n.sched, &idle.f);
	if (idle.failed)
		return -1;
	while (buckets < cfg->tcp_conns)
		buckets <<= 1; /* as tcp_init sizes the hash */
	entry = (double)sizeof(struct tern_tcp) + cfg->tcp_sndbuf +
		(double)buckets * sizeof(struct tern_list) / cfg->tcp_conns;
	frames = ((double)idle.pkts_after - idle.pkts_before) *
		 cfg->pkt_buf_size / (2.0 * IDLE_CONNS);
	tern_bench_metric(b, "tern tcp struct tern_tcp",
			  sizeof(struct tern_tcp), "B");
	tern_bench_metric(b, "tern tcp send ring (default)", cfg->tcp_sndbuf,
			  "B");
	tern_bench_metric(b, "tern tcp bytes per open conn end", entry, "B");
	tern_bench_metric(b, "tern tcp bytes per TIME_WAIT end",
			  sizeof(struct tcp_tw) + sizeof(struct tern_list),
			  "B");
	tern_bench_metric(b, "tern tcp frame bytes per idle established end",
			  frames, "B");
	tern_bench_metric(b, "tern tcp bytes per idle established end",
			  entry + frames, "B");
	return 0;
}

/* ---- Linux over a veth pair ---------------------------------------------- */

struct veth {
	struct bench_netns ns;
	struct sockaddr_in to;
	int listener;
	int stat_a, stat_b; /* /proc/net/sockstat of each namespace */
	pthread_t server;
	pthread_mutex_t lock;
	pthread_cond_t progress;
	uint64_t served; /* under lock */
};

static struct veth veth = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .progress = PTHREAD_COND_INITIALIZER };

/* Accepts, reads to the end of the stream, closes; until the listener is
 * shut down. */
static void *veth_server(void *arg)
{
	char buf[64];

	(void)arg;
	for (;;) {
		int fd = accept(veth.listener, NULL, NULL);

		if (fd < 0)
			return NULL;
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		close(fd);
		pthread_mutex_lock(&veth.lock);
		veth.served++;
		pthread_cond_signal(&veth.progress);
		pthread_mutex_unlock(&veth.lock);
	}
}

/* Opens path inside namespace name (proc files stay bound to it). */
static int open_in(const char *name, const char *path)
{
	int home = bench_netns_push(name), fd;

	if (home < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	bench_netns_pop(home);
	return fd;
}

/* TCP sockets in use in the namespace whose sockstat is fd, or -1. */
static long tcp_inuse(int fd)
{
	char buf[1024], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "TCP: inuse ");
	return p ? strtol(p + 11, NULL, 10) : -1;
}

static int veth_setup(void)
{
	int one = 1;

	if (bench_netns_up(&veth.ns, 'c') < 0)
		return -1;
	if (bench_netns_sysctl(veth.ns.ns_a, "net.ipv4.tcp_tw_reuse=1") < 0 ||
	    bench_netns_sysctl(veth.ns.ns_a,
			       "net.ipv4.ip_local_port_range='1024 65535'") < 0)
		goto fail;
	memset(&veth.to, 0, sizeof(veth.to));
	veth.to.sin_family = AF_INET;
	veth.to.sin_port = htons(PORT);
	veth.to.sin_addr.s_addr = htonl(veth.ns.addr_b);
	veth.listener = bench_netns_socket(veth.ns.ns_b, SOCK_STREAM);
	veth.stat_a = open_in(veth.ns.ns_a, "/proc/thread-self/net/sockstat");
	veth.stat_b = open_in(veth.ns.ns_b, "/proc/thread-self/net/sockstat");
	if (veth.listener < 0 || veth.stat_a < 0 || veth.stat_b < 0)
		goto fail;
	setsockopt(veth.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(veth.listener, (struct sockaddr *)&veth.to, sizeof(veth.to)) <
		    0 ||
	    listen(veth.listener, 4096) < 0 ||
	    pthread_create(&veth.server, NULL, veth_server, NULL) != 0)
		goto fail;
	return 0;
fail:
	bench_netns_down(&veth.ns);
	return -1;
}

/* A socket in namespace a connected to the listener, or -1. The calling
 * thread must be in namespace a. */
static int veth_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 &&
	    connect(fd, (struct sockaddr *)&veth.to, sizeof(veth.to)) < 0) {
		fprintf(stderr, "bench_tcp_conn: connect: %s\n",
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void bench_veth(void *ctx, uint64_t iters)
{
	uint64_t target;
	int home = bench_netns_push(veth.ns.ns_a);

	(void)ctx;
	if (home < 0)
		exit(1);
	pthread_mutex_lock(&veth.lock);
	target = veth.served + iters;
	pthread_mutex_unlock(&veth.lock);
	for (uint64_t i = 0; i < iters; i++) {
		int fd = veth_connect();

		if (fd < 0)
			exit(1);
		close(fd);
	}
	pthread_mutex_lock(&veth.lock);
	while (veth.served < target)
		pthread_cond_wait(&veth.progress, &veth.lock);
	pthread_mutex_unlock(&veth.lock);
	while (tcp_inuse(veth.stat_a) > 0 || tcp_inuse(veth.stat_b) > 1)
		sched_yield();
	bench_netns_pop(home);
}

/* Sum of active_objs * objsize of the TCP and sock_inode_cache slabs, or
 * -1 if /proc/slabinfo cannot be read. */
static double slab_bytes(void)
{
	char line[512];
	double sum = 0;
	bool seen = false;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long active, total, size;

		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total,
			   &size) != 4)
			continue;
		if (strcmp(name, "TCP") == 0 ||
		    strcmp(name, "sock_inode_cache") == 0) {
			sum += (double)active * (double)size;
			seen = true;
		}
	}
	fclose(f);
	return seen ? sum : -1;
}

/* Records the slab growth per socket over LINUX_IDLE idle connections to
 * a listener of their own, accepted here (2 * LINUX_IDLE sockets). */
static void linux_memory(struct tern_bench *b)
{
	static int fds[2 * LINUX_IDLE];
	struct sockaddr_in to = veth.to;
	double before, after = -1;
	int l = bench_netns_socket(veth.ns.ns_b, SOCK_STREAM), home;
	unsigned n = 0;

	to.sin_port = htons(PORT + 1);
	if (l < 0 || bind(l, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    listen(l, LINUX_IDLE) < 0)
		goto out;
	before = slab_bytes();
	home = bench_netns_push(veth.ns.ns_a);
	if (before < 0 || home < 0)
		goto out;
	while (n < 2 * LINUX_IDLE) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&to, sizeof(to)) < 0)
			break;
		fds[n++] = c;
		s = accept(l, NULL, NULL);
		if (s < 0)
			break;
		fds[n++] = s;
	}
	bench_netns_pop(home);
	after = slab_bytes();
	if (n == 2 * LINUX_IDLE && after > before)
		tern_bench_metric(b,
				  "linux tcp slab bytes per idle established "
				  "end (TCP+sock_inode_cache)",
				  (after - before) / n, "B");
out:
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	if (l >= 0)
		close(l);
}

static void veth_stop(void)
{
	shutdown(veth.listener, SHUT_RDWR);
	pthread_join(veth.server, NULL);
	close(veth.listener);
	close(veth.stat_a);
	close(veth.stat_b);
	bench_netns_down(&veth.ns);
}

/* ---- main ------------------------------------------------------------- */

/* Records the case's rate in connections per second. */
static void rate(struct tern_bench *b, const char *name, const char *metric)
{
	const struct tern_bench_case *c = tern_bench_find(b, name);

	if (c && c->median_ns > 0)
		tern_bench_metric(b, metric, 1e9 / c->median_ns, "conn/s");
}

int main(int argc, char **argv)
{
	struct tern_bench b;
	bool have_veth;

	tern_bench_init(&b, "tcp_conn", argc, argv);
	if (duo_setup() < 0) {
		fprintf(stderr, "bench_tcp_conn: memlink set-up failed\n");
		return 1;
	}
	tern_bench_run(&b, "tern tcp connect+close, memlink+fibers", bench_duo,
		       NULL, 0);
	have_veth = veth_setup() == 0;
	if (have_veth)
		tern_bench_run(&b, "linux tcp connect+close, veth", bench_veth,
			       NULL, 0);
	else
		fprintf(stderr, "bench_tcp_conn: linux veth case skipped "
				"(needs root and iproute2)\n");
	rate(&b, "tern tcp connect+close, memlink+fibers", "tern conn/s");
	if (have_veth) {
		rate(&b, "linux tcp connect+close, veth", "linux conn/s");
		tern_bench_ratio(&b,
				 "connect+close: tern memlink vs linux veth",
				 "tern tcp connect+close, memlink+fibers",
				 "linux tcp connect+close, veth");
	}
	if (tern_memory(&b) < 0) {
		fprintf(stderr, "bench_tcp_conn: idle connections failed\n");
		return 1;
	}
	if (have_veth) {
		linux_memory(&b);
		veth_stop();
	}
	return tern_bench_finish(&b);
}
