/*
 * test_tsock.c - the blocking TCP calls of net_loop.h that the byte-stream
 * simulation does not cover: tern_tsock_poll over several connections
 * (readiness, the deadline, the end of a stream, a closed socket) and the
 * gather write tern_tsock_writev, on two stacks over a perfect memlink
 * under the virtual clock.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/tcp.h"
#include "util_duo.h"

#define PORT 6001
#define MS TERN_NSEC_PER_MSEC

struct rig {
	struct duo *d;
	struct tern_tsock listener, served[2], clients[2];
	struct tern_fiber server, client;
	int polls[4]; /* what each poll of the server returned */
	unsigned revents[4][2];
	uint64_t waited[4]; /* virtual ns each poll took */
};

static uint64_t now(struct rig *r)
{
	return tern_sched_now(&r->d->sched);
}

/* Accepts two connections, then polls them: (0) nothing for 100 ms, (1)
 * client 1 writes, (2) client 0 closes, (3) after closing served[1]. */
static void server_fiber(void *arg)
{
	struct rig *r = arg;
	struct tern_tsock_poll set[2];
	char buf[16];

	cr_assert_eq(tern_tsock_listen(&r->d->la, &r->listener, 0, PORT, 4), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(tern_tsock_accept(&r->listener, &r->served[i],
					       now(r) + 1000 * MS),
			     0);
	tern_tsock_close(&r->listener);
	for (int step = 0; step < 4; step++) {
		uint64_t t0 = now(r);

		for (int i = 0; i < 2; i++)
			set[i] = (struct tern_tsock_poll){
				.sock = &r->served[i],
				.events = TERN_TCP_EV_READ
			};
		r->polls[step] = tern_tsock_poll(set, 2, now(r) + 100 * MS);
		r->waited[step] = now(r) - t0;
		for (int i = 0; i < 2; i++)
			r->revents[step][i] = set[i].revents;
		if (step == 1)
			cr_assert_eq(tern_tsock_read(&r->served[1], buf,
						     sizeof(buf), now(r)),
				     5);
		if (step == 2)
			tern_tsock_close(&r->served[1]);
	}
	tern_tsock_close(&r->served[0]);
}

static void client_fiber(void *arg)
{
	struct rig *r = arg;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(tern_tsock_connect(&r->d->lb, &r->clients[i],
						DUO_A_IP, PORT,
						now(r) + 1000 * MS),
			     0);
	tern_sleep(&r->d->sched, 150 * MS);
	cr_assert_eq(tern_tsock_write(&r->clients[1], "hello", 5,
				      now(r) + 1000 * MS),
		     5);
	tern_sleep(&r->d->sched, 20 * MS);
	tern_tsock_close(&r->clients[0]);
	tern_sleep(&r->d->sched, 20 * MS);
	tern_tsock_close(&r->clients[1]);
}

Test(tsock, poll_waits_on_many_connections)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	r.d = duo_open(NULL, NULL, 1);
	cr_assert_eq(tern_fiber_spawn(&r.d->sched, &r.server, "server",
				      server_fiber, &r, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&r.d->sched, &r.client, "client",
				      client_fiber, &r, 0),
		     0);
	cr_assert_eq(tern_sched_run(&r.d->sched), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.server), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.client), 0);
	/* (0) Nothing to read: the deadline, nothing ready. */
	cr_assert_eq(r.polls[0], 0);
	cr_assert_eq(r.waited[0], 100 * MS);
	/* (1) Data on the second connection only, woken before the
	 * deadline. */
	cr_assert_eq(r.polls[1], 1);
	cr_assert_eq(r.revents[1][0], 0);
	cr_assert_eq(r.revents[1][1], TERN_TCP_EV_READ);
	cr_assert_lt(r.waited[1], 100 * MS);
	/* (2) The first one's peer closed: readable (the end). */
	cr_assert_eq(r.polls[2], 1);
	cr_assert_eq(r.revents[2][0] & TERN_TCP_EV_READ, TERN_TCP_EV_READ);
	/* (3) served[1] closed by us: it reports STATE at once. */
	cr_assert_geq(r.polls[3], 1);
	cr_assert(r.revents[3][1] & TERN_TCP_EV_STATE);
	cr_assert_eq(r.waited[3], 0);
	duo_close(r.d);
}

/* The pool-starvation rig: CONNS echo connections over a stack whose frame
 * pool is smaller than what the connections' receive queues could hold. */
#define CONNS 8
#define ECHO_BYTES (512u * 1024u)
#define CHUNK 4096u

struct starve;

struct starve_arg {
	struct starve *s;
	unsigned i;
};

struct starve {
	struct duo *d;
	struct starve_arg args[CONNS];
	uint8_t data[CONNS][ECHO_BYTES]; /* what each client writes */
	struct tern_tsock listener, served[CONNS], clients[CONNS];
	struct tern_fiber echoers[CONNS], writers[CONNS];
	struct tern_fiber readers[CONNS];
	uint64_t echoed[CONNS], checked[CONNS];
	int write_err[CONNS], read_err[CONNS];
};

static uint8_t pattern(unsigned conn, uint64_t off)
{
	return (uint8_t)(off * 7 + conn * 31 + (off >> 9));
}

/* A's side: reads a chunk, writes it back, until the end of the stream. */
static void echoer_fiber(void *arg)
{
	struct starve_arg *a = arg;
	struct starve *s = a->s;
	struct tern_tsock *c = &s->served[a->i];
	uint8_t buf[CHUNK];
	int n;

	while ((n = tern_tsock_read(c, buf, sizeof(buf),
				    tern_sched_now(&s->d->sched) +
					    60 * TERN_NSEC_PER_SEC)) > 0) {
		cr_assert_eq(tern_tsock_write(c, buf, (size_t)n,
					      tern_sched_now(&s->d->sched) +
						      60 * TERN_NSEC_PER_SEC),
			     n);
		s->echoed[a->i] += (uint64_t)n;
	}
	cr_assert_eq(n, 0, "connection %u: %d", a->i, n);
	tern_tsock_close(c);
}

static void acceptor_fiber(void *arg)
{
	struct starve *s = arg;

	cr_assert_eq(tern_tsock_listen(&s->d->la, &s->listener, 0, PORT, CONNS),
		     0);
	for (unsigned i = 0; i < CONNS; i++) {
		cr_assert_eq(tern_tsock_accept(&s->listener, &s->served[i],
					       tern_sched_now(&s->d->sched) +
						       10 * TERN_NSEC_PER_SEC),
			     0);
		cr_assert_eq(tern_fiber_spawn(&s->d->sched, &s->echoers[i],
					      "echoer", echoer_fiber,
					      &s->args[i], 0),
			     0);
	}
	tern_tsock_close(&s->listener);
}

/* B's side, one per connection: writes ECHO_BYTES of the pattern in one
 * gather call of TERN_TSOCK_IOV_MAX uneven pieces (an empty one among
 * them; most larger or smaller than what one filling of the ring takes),
 * then half-closes. */
static void writer_fiber(void *arg)
{
	struct starve_arg *a = arg;
	struct starve *s = a->s;
	struct tern_iov iov[TERN_TSOCK_IOV_MAX];
	size_t off = 0;

	for (uint64_t i = 0; i < ECHO_BYTES; i++)
		s->data[a->i][i] = pattern(a->i, i);
	for (unsigned k = 0; k < TERN_TSOCK_IOV_MAX; k++) {
		size_t len = ECHO_BYTES / 64 * (k % 4 + 1); /* 8..32 KiB */

		if (k == 3)
			len = 0;
		if (k == TERN_TSOCK_IOV_MAX - 1)
			len = ECHO_BYTES - off;
		iov[k] = (struct tern_iov){ s->data[a->i] + off, len };
		off += len;
	}
	cr_assert_leq(off, ECHO_BYTES);
	s->write_err[a->i] = tern_tsock_writev(
		&s->clients[a->i], iov, TERN_TSOCK_IOV_MAX,
		tern_sched_now(&s->d->sched) + 60 * TERN_NSEC_PER_SEC);
	tern_tsock_shutdown(&s->clients[a->i]);
}

/* B's side: reads the echo back, checking each byte, to the end. */
static void reader_fiber(void *arg)
{
	struct starve_arg *a = arg;
	struct starve *s = a->s;
	uint8_t buf[CHUNK];
	int n;

	while ((n = tern_tsock_read(&s->clients[a->i], buf, sizeof(buf),
				    tern_sched_now(&s->d->sched) +
					    60 * TERN_NSEC_PER_SEC)) > 0) {
		for (int k = 0; k < n; k++)
			if (buf[k] != pattern(a->i, s->checked[a->i] + k))
				cr_assert_fail(
					"connection %u: byte %llu differs",
					a->i,
					(unsigned long long)s->checked[a->i] +
						k);
		s->checked[a->i] += (uint64_t)n;
	}
	s->read_err[a->i] = n;
	tern_tsock_close(&s->clients[a->i]);
}

static void connector_fiber(void *arg)
{
	struct starve *s = arg;

	for (unsigned i = 0; i < CONNS; i++) {
		cr_assert_eq(tern_tsock_connect(&s->d->lb, &s->clients[i],
						DUO_A_IP, PORT,
						tern_sched_now(&s->d->sched) +
							TERN_NSEC_PER_SEC),
			     0);
		cr_assert_eq(tern_fiber_spawn(&s->d->sched, &s->writers[i],
					      "writer", writer_fiber,
					      &s->args[i], 0),
			     0);
		cr_assert_eq(tern_fiber_spawn(&s->d->sched, &s->readers[i],
					      "reader", reader_fiber,
					      &s->args[i], 0),
			     0);
	}
}

/* Regression: echo servers blocked in write held every frame of the pool
 * in their receive queues, so the ACKs their writes waited for had no
 * buffer to arrive in and every connection stalled for good (found by
 * test_interop_tcp_echo.sh with 16 connections). Received data now stops
 * being queued when the pool is down to its reserve (tcp_pool_low), and
 * out-of-order data goes first (tcp_ooo_pruned). */
Test(tsock, echo_servers_blocked_in_write_never_starve_the_pool, .timeout = 60)
{
	struct tern_net_config cfg;
	struct starve *s = calloc(1, sizeof(*s));
	struct tern_fiber acc, conn;

	cr_assert_not_null(s);
	for (unsigned i = 0; i < CONNS; i++)
		s->args[i] = (struct starve_arg){ s, i };
	tern_net_config_default(&cfg);
	cfg.pkt_count = 128; /* fewer than CONNS * tcp_rcv_pkts_max */
	s->d = duo_open(NULL, &cfg, 3);
	cr_assert_eq(tern_fiber_spawn(&s->d->sched, &acc, "acceptor",
				      acceptor_fiber, s, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&s->d->sched, &conn, "connector",
				      connector_fiber, s, 0),
		     0);
	cr_assert_eq(tern_sched_run(&s->d->sched), 0);
	cr_assert_eq(tern_fiber_join(&s->d->sched, &acc), 0);
	cr_assert_eq(tern_fiber_join(&s->d->sched, &conn), 0);
	for (unsigned i = 0; i < CONNS; i++) {
		cr_assert_eq(tern_fiber_join(&s->d->sched, &s->echoers[i]), 0);
		cr_assert_eq(tern_fiber_join(&s->d->sched, &s->writers[i]), 0);
		cr_assert_eq(tern_fiber_join(&s->d->sched, &s->readers[i]), 0);
		cr_assert_eq(s->write_err[i], (int)ECHO_BYTES, "conn %u: %d", i,
			     s->write_err[i]);
		cr_assert_eq(s->read_err[i], 0, "conn %u: %d", i,
			     s->read_err[i]);
		cr_assert_eq(s->echoed[i], ECHO_BYTES);
		cr_assert_eq(s->checked[i], ECHO_BYTES);
	}
	cr_assert_gt(s->d->a.stats.tcp_pool_low + s->d->b.stats.tcp_pool_low, 0,
		     "the pool never ran low: the test tests nothing");
	duo_close(s->d);
	free(s);
}

Test(tsock, writev_refuses_too_many_pieces)
{
	struct tern_tsock s = { 0 };
	struct tern_iov iov[TERN_TSOCK_IOV_MAX + 1] = { { "x", 1 } };

	cr_assert_eq(tern_tsock_writev(&s, iov, TERN_TSOCK_IOV_MAX + 1, 0),
		     -TERN_EINVAL);
	cr_assert_eq(tern_tsock_writev(&s, iov, 1, 0), -TERN_ECANCELED,
		     "not connected");
}
