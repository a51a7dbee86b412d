/*
 * test_tcp_sim.c - two stacks over a memlink under the virtual clock move a
 * byte stream both ways at once through one TCP connection (tern_tsock on
 * fibers), over a 1 ms link. Every byte is checked against the stream the sender
 * generated from the seed; both sides close cleanly (FIN both ways,
 * TIME_WAIT runs out) and every pool is back to empty.
 *
 * Links: perfect; 1, 5, 10 and 30% loss each way; reordering, duplication,
 * corruption and jitter at once; a 10 MB/s bottleneck with a 16-frame
 * queue. Each scenario bounds the longest wait of one read (a stall), a
 * few times the longest that 20 seeds showed; at 30% loss that is the
 * whole retry budget, since nine losses in a row there are common.
 *
 * The same with A on a device offering TSO (util_tso.h, software TSO
 * over the link): A's data leaves as super-segments, which the device
 * checks against dev.h's contract and cuts; B sees ordinary segments
 * (perfect; 5% loss; reordering, duplication, corruption and jitter).
 *
 * Seeds: TERN_SEED from the environment, or a fixed list. A failure prints
 * the seed and both stacks' counters; rerun with TERN_SEED=N to replay it.
 * TERN_TEST_LONG=1 (the release preset's run) moves 10 MiB each way
 * instead of 1 MiB, over 20 seeds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/rand.h"
#include "tern/tcp.h"
#include "util_duo.h"

#include "support/seeds.h"

#define PORT 5001
#define CHUNK 3000 /* bytes per write and read call: not segment-aligned */
#define LIMIT (6 * 3600 * TERN_NSEC_PER_SEC) /* virtual time for one run */
#define SETTLE (600 * TERN_NSEC_PER_SEC)     /* and for the closes after it */
#define MS TERN_NSEC_PER_MSEC
#define SEC TERN_NSEC_PER_SEC

/* A byte stream from a PRNG whose bytes do not depend on how it is cut
 * into calls (tern_rand_fill drops the rest of a word at each call). */
struct stream {
	struct tern_rand r;
	uint64_t word;
	unsigned left; /* bytes of word not yet handed out */
};

/* One direction of the stream: the bytes come from a PRNG on the seed. */
struct flow {
	struct stream gen, check;
	size_t total, sent, received;
	bool bad;
	size_t bad_at;
	int write_rc, read_rc;
};

/* One side of the connection. */
struct side {
	struct sim *sim;
	struct tern_tsock sock, listener;
	struct tern_fiber writer;
	struct flow *out, *in;
	bool is_server;
	bool done; /* side_fiber returned */
	int rc;
};

struct sim {
	uint64_t seed;
	struct duo *d;
	struct flow ab, ba; /* A to B, B to A */
	struct side a, b;
	struct tern_fiber fa, fb, fs;
	uint64_t max_gap; /* longest wait in one read, virtual ns */
};

static void fill(struct stream *st, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (st->left == 0) {
			st->word = tern_rand_u64(&st->r);
			st->left = 8;
		}
		buf[i] = (uint8_t)st->word;
		st->word >>= 8;
		st->left--;
	}
}

static void writer_fiber(void *arg)
{
	struct side *s = arg;
	struct flow *f = s->out;
	uint64_t end = tern_sched_now(&s->sim->d->sched) + LIMIT;
	static uint8_t bufs[2][CHUNK];
	uint8_t *buf = bufs[s->is_server];

	while (f->sent < f->total) {
		size_t n = TERN_MIN((size_t)CHUNK, f->total - f->sent);
		int rc;

		fill(&f->gen, buf, n);
		rc = tern_tsock_write(&s->sock, buf, n, end);
		if (rc < 0) {
			f->write_rc = rc;
			return;
		}
		f->sent += n;
	}
	f->write_rc = tern_tsock_shutdown(&s->sock);
}

/* Reads the peer's stream to its end, checking every byte. */
static void read_all(struct side *s)
{
	struct flow *f = s->in;
	struct tern_sched *sched = &s->sim->d->sched;
	uint64_t end = tern_sched_now(sched) + LIMIT;
	static uint8_t bufs[2][2][CHUNK];
	uint8_t *got = bufs[s->is_server][0], *want = bufs[s->is_server][1];

	for (;;) {
		uint64_t t0 = tern_sched_now(sched);
		int n = tern_tsock_read(&s->sock, got, CHUNK, end);
		uint64_t gap = tern_sched_now(sched) - t0;

		if (gap > s->sim->max_gap)
			s->sim->max_gap = gap;
		if (n <= 0) {
			f->read_rc = n;
			return;
		}
		fill(&f->check, want, (size_t)n);
		if (!f->bad && memcmp(got, want, (size_t)n) != 0) {
			f->bad = true;
			f->bad_at = f->received;
		}
		f->received += (size_t)n;
	}
}

/* A side: (accept or connect), a writer fiber, read to the end, join the
 * writer, close. */
static void side_fiber(void *arg)
{
	struct side *s = arg;
	struct duo *d = s->sim->d;
	uint64_t end = tern_sched_now(&d->sched) + LIMIT;
	int rc;

	if (s->is_server) {
		rc = tern_tsock_listen(&d->la, &s->listener, 0, PORT, 4);
		if (rc == 0)
			rc = tern_tsock_accept(&s->listener, &s->sock, end);
		tern_tsock_close(&s->listener);
	} else {
		rc = tern_tsock_connect(&d->lb, &s->sock, DUO_A_IP, PORT, end);
	}
	if (rc < 0) {
		s->rc = rc;
		s->done = true;
		return;
	}
	rc = tern_fiber_spawn(&d->sched, &s->writer, "writer", writer_fiber, s,
			      0);
	if (rc < 0) {
		s->rc = rc;
		tern_tsock_abort(&s->sock);
		s->done = true;
		return;
	}
	read_all(s);
	tern_fiber_join(&d->sched, &s->writer);
	tern_tsock_close(&s->sock);
	s->done = true;
}

/* Keeps the loop (and so the link) running until both stacks finished
 * every connection on their own: the last FIN and ACK delivered, TIME_WAIT
 * run out. A connection that ends by giving up shows as a reset or a
 * timeout counter, checked by the caller. */
static void settle_fiber(void *arg)
{
	struct sim *m = arg;
	struct tern_sched *s = &m->d->sched;
	uint64_t end = tern_sched_now(s) + LIMIT + SETTLE;

	while (tern_sched_now(s) < end) {
		if (m->a.done && m->b.done &&
		    tern_tcp_conns_in_use(&m->d->a) == 0 &&
		    tern_tcp_conns_in_use(&m->d->b) == 0 &&
		    tern_tcp_time_wait_count(&m->d->a) == 0 &&
		    tern_tcp_time_wait_count(&m->d->b) == 0)
			return;
		tern_sleep(s, TERN_NSEC_PER_SEC);
	}
}

static void flow_init(struct flow *f, uint64_t seed, size_t total)
{
	memset(f, 0, sizeof(*f));
	tern_rand_seed(&f->gen.r, seed);
	tern_rand_seed(&f->check.r, seed);
	f->total = total;
}

static void check_flow(const struct sim *m, const struct flow *f,
		       const char *name)
{
	unsigned long long seed = (unsigned long long)m->seed;

	cr_assert_eq(f->write_rc, 0, "seed %llu: %s write: %d", seed, name,
		     f->write_rc);
	cr_assert_eq(f->read_rc, 0, "seed %llu: %s read ended with %d", seed,
		     name, f->read_rc);
	cr_assert(!f->bad, "seed %llu: %s: wrong byte near offset %zu", seed,
		  name, f->bad_at);
	cr_assert_eq(f->received, f->total, "seed %llu: %s: %zu of %zu bytes",
		     seed, name, f->received, f->total);
}

/* Retransmissions over every run of the current test. */
static uint64_t retransmits_seen;

static void print_counter(const char *name, uint64_t value, void *ctx)
{
	if (value)
		fprintf(stderr, " %s=%llu", name, (unsigned long long)value);
	(void)ctx;
}

/* Prints both stacks' non-zero counters and the link's, for a failed run. */
static void report(const struct sim *m)
{
	fprintf(stderr, "seed %llu: longest read wait %llu ms\nA:",
		(unsigned long long)m->seed,
		(unsigned long long)(m->max_gap / TERN_NSEC_PER_MSEC));
	tern_net_stats_foreach(&m->d->a, print_counter, NULL);
	fprintf(stderr, "\nB:");
	tern_net_stats_foreach(&m->d->b, print_counter, NULL);
	fprintf(stderr, "\n");
}

/* True if the run moved every byte intact and ended cleanly. */
static bool run_ok(const struct sim *m, uint64_t max_stall)
{
	const struct flow *f[2] = { &m->ab, &m->ba };

	for (int i = 0; i < 2; i++)
		if (f[i]->write_rc || f[i]->read_rc || f[i]->bad ||
		    f[i]->received != f[i]->total)
			return false;
	return m->a.rc == 0 && m->b.rc == 0 && m->max_gap <= max_stall &&
	       tern_tcp_conns_in_use(&m->d->a) == 0 &&
	       tern_tcp_conns_in_use(&m->d->b) == 0 &&
	       tern_tcp_time_wait_count(&m->d->a) == 0 &&
	       tern_tcp_time_wait_count(&m->d->b) == 0 &&
	       tern_net_stat(&m->d->a, "tcp_resets") +
			       tern_net_stat(&m->d->b, "tcp_resets") +
			       tern_net_stat(&m->d->a, "tcp_timeouts") +
			       tern_net_stat(&m->d->b, "tcp_timeouts") ==
		       0;
}

/* With A on software TSO: every frame met the contract, super-segments
 * went out with gso_size at most the MSS (exactly it with no SACK blocks
 * riding: exact), and none was cut for lack of a buffer. */
static void check_tso(const struct sim *m, bool exact)
{
	const struct tso_dev *t = &m->d->tso;
	unsigned long long s = (unsigned long long)m->seed;
	uint32_t mss = TERN_ETH_MTU_DEFAULT - 40 - 12; /* timestamps */

	cr_assert_eq(t->bad, 0, "seed %llu: %llu frames broke the contract", s,
		     (unsigned long long)t->bad);
	cr_assert_gt(t->tso_frames, 0, "seed %llu: no super-segment", s);
	cr_assert_eq((uint64_t)tern_net_stat(&m->d->a, "tcp_tso_sent"),
		     t->tso_frames, "seed %llu", s);
	cr_assert_eq(tern_net_stat(&m->d->a, "tcp_tso_nobuf"), 0);
	cr_assert_gt(t->csum_frames, t->tso_frames,
		     "seed %llu: plain segments left their checksum to it", s);
	cr_assert_leq(t->gso_size_max, mss, "seed %llu", s);
	cr_assert_gt(t->longest, 2 * mss, "seed %llu: longest %u bytes", s,
		     t->longest);
	if (exact)
		cr_assert_eq(t->gso_size_min, mss, "seed %llu: gso_size %u", s,
			     t->gso_size_min);
}

/* One run: bytes each way over a link with faults (A on software TSO if
 * tso); no read may wait longer than max_stall (virtual ns). */
static void run_one(const struct tern_memlink_faults *faults, uint64_t seed,
		    size_t bytes, uint64_t max_stall, bool tso)
{
	struct sim *m = calloc(1, sizeof(*m));
	unsigned long long s = (unsigned long long)seed;

	cr_assert_not_null(m);
	m->seed = seed;
	m->d = tso ? duo_open_tso(faults, NULL, seed)
		   : duo_open(faults, NULL, seed);
	flow_init(&m->ab, seed * 2 + 1, bytes);
	flow_init(&m->ba, seed * 2 + 2, bytes);
	m->a = (struct side){
		.sim = m, .out = &m->ab, .in = &m->ba, .is_server = true
	};
	m->b = (struct side){ .sim = m, .out = &m->ba, .in = &m->ab };
	cr_assert_eq(tern_fiber_spawn(&m->d->sched, &m->fa, "server",
				      side_fiber, &m->a, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&m->d->sched, &m->fb, "client",
				      side_fiber, &m->b, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&m->d->sched, &m->fs, "settle",
				      settle_fiber, m, 0),
		     0);
	cr_assert_eq(tern_sched_run(&m->d->sched), 0, "seed %llu", s);
	cr_assert_eq(tern_fiber_join(&m->d->sched, &m->fa), 0);
	cr_assert_eq(tern_fiber_join(&m->d->sched, &m->fb), 0);
	cr_assert_eq(tern_fiber_join(&m->d->sched, &m->fs), 0);
	if (!run_ok(m, max_stall))
		report(m);
	cr_assert_eq(m->a.rc, 0, "seed %llu: server: %d", s, m->a.rc);
	cr_assert_eq(m->b.rc, 0, "seed %llu: client: %d", s, m->b.rc);
	check_flow(m, &m->ab, "A->B");
	check_flow(m, &m->ba, "B->A");
	cr_assert_leq(m->max_gap, max_stall, "seed %llu: a read waited %llu ms",
		      s, (unsigned long long)(m->max_gap / TERN_NSEC_PER_MSEC));
	cr_assert_eq(tern_tcp_conns_in_use(&m->d->a), 0, "seed %llu", s);
	cr_assert_eq(tern_tcp_conns_in_use(&m->d->b), 0, "seed %llu", s);
	cr_assert_eq(tern_tcp_time_wait_count(&m->d->a) +
			     tern_tcp_time_wait_count(&m->d->b),
		     0, "seed %llu: TIME_WAIT never ran out", s);
	/* Every connection ended cleanly: no reset, no give-up. */
	cr_assert_eq(tern_net_stat(&m->d->a, "tcp_resets") +
			     tern_net_stat(&m->d->b, "tcp_resets") +
			     tern_net_stat(&m->d->a, "tcp_timeouts") +
			     tern_net_stat(&m->d->b, "tcp_timeouts"),
		     0, "seed %llu", s);
	retransmits_seen +=
		(uint64_t)tern_net_stat(&m->d->a, "tcp_retransmits") +
		(uint64_t)tern_net_stat(&m->d->b, "tcp_retransmits");
	if (tso)
		check_tso(m, !faults->loss_ppm && !faults->corrupt_ppm &&
				     !faults->reorder_ppm);
	if (tso && !faults->corrupt_ppm)
		cr_assert_eq(tern_net_stat(&m->d->b, "tcp_bad_cksum") +
				     tern_net_stat(&m->d->b, "ip_bad_cksum"),
			     0, "seed %llu: B saw bad checksums", s);
	duo_close(m->d);
	free(m);
}

static const uint64_t fixed_seeds[] = { 1,   2,	   3,	 5,    8,    13,   21,
					34,  55,   89,	 144,  233,  377,  610,
					987, 1597, 2584, 4181, 6765, 10946 };

static bool long_run(void)
{
	const char *e = getenv("TERN_TEST_LONG");

	return e && *e && strcmp(e, "0") != 0;
}

/* Every seed of the list (or TERN_SEED) through faults, A on software
 * TSO if tso. */
static void run_seeds_on(const struct tern_memlink_faults *faults,
			 unsigned short_seeds, uint64_t max_stall, bool tso)
{
	uint64_t seeds[20];
	bool lng = long_run();
	unsigned n = test_seeds(seeds, lng ? 20 : short_seeds, fixed_seeds,
				sizeof(fixed_seeds) / sizeof(fixed_seeds[0]));
	size_t bytes = lng ? 10u << 20 : 1u << 20;

	for (unsigned i = 0; i < n; i++)
		run_one(faults, seeds[i], bytes, max_stall, tso);
}

static void run_seeds(const struct tern_memlink_faults *faults,
		      unsigned short_seeds, uint64_t max_stall)
{
	run_seeds_on(faults, short_seeds, max_stall, false);
}

/* A link of 1 ms each way (plus jitter where asked). */
static struct tern_memlink_faults link_with(uint32_t loss_ppm)
{
	struct tern_memlink_faults f;

	memset(&f, 0, sizeof(f));
	f.delay_ns = TERN_NSEC_PER_MSEC;
	f.loss_ppm = loss_ppm;
	return f;
}

Test(tcp_sim, perfect_link)
{
	struct tern_memlink_faults f = link_with(0);

	run_seeds(&f, 3, 50 * MS);
	cr_assert_eq(retransmits_seen, 0, "retransmissions on a perfect link");
}

Test(tcp_sim, loss_1pct)
{
	struct tern_memlink_faults f = link_with(10000);

	run_seeds(&f, 3, 2 * SEC);
}

Test(tcp_sim, loss_5pct)
{
	struct tern_memlink_faults f = link_with(50000);

	run_seeds(&f, 3, 10 * SEC);
}

Test(tcp_sim, loss_10pct)
{
	struct tern_memlink_faults f = link_with(100000);

	run_seeds(&f, 3, 60 * SEC);
}

Test(tcp_sim, loss_30pct)
{
	struct tern_memlink_faults f = link_with(300000);

	run_seeds(&f, 2, 600 * SEC);
}

/* A link with reordering, duplication, corruption (caught by the
 * checksum) and jitter at once, and no loss. */
static struct tern_memlink_faults mixed_faults(void)
{
	struct tern_memlink_faults f = link_with(0);

	f.reorder_ppm = 50000;
	f.reorder_ns = 3 * TERN_NSEC_PER_MSEC;
	f.dup_ppm = 20000;
	f.corrupt_ppm = 20000;
	f.jitter_ns = 500 * TERN_NSEC_PER_USEC;
	return f;
}

Test(tcp_sim, reorder_dup_corrupt_jitter)
{
	struct tern_memlink_faults f = mixed_faults();

	run_seeds(&f, 3, 5 * SEC);
}

/* A 10 MB/s bottleneck with a 16-frame queue: loss from the queue alone. */
Test(tcp_sim, rate_limit_small_queue)
{
	struct tern_memlink_faults f = link_with(0);

	f.rate = 10u * 1000 * 1000;
	f.queue_limit = 16;
	run_seeds(&f, 3, 2 * SEC);
}

/* TSO: super-segments from A, cut by the device, on a perfect link. */
Test(tcp_sim, tso_perfect_link)
{
	struct tern_memlink_faults f = link_with(0);

	run_seeds_on(&f, 3, 50 * MS, true);
	cr_assert_eq(retransmits_seen, 0, "retransmissions on a perfect link");
}

/* TSO with 5% of the cut segments lost: SACK and the resends (single
 * segments) work on what the peer saw. */
Test(tcp_sim, tso_loss_5pct)
{
	struct tern_memlink_faults f = link_with(50000);

	run_seeds_on(&f, 3, 10 * SEC, true);
}

/* TSO with reordering, duplication, corruption and jitter. */
Test(tcp_sim, tso_reorder_dup_corrupt_jitter)
{
	struct tern_memlink_faults f = mixed_faults();

	run_seeds_on(&f, 3, 5 * SEC, true);
}
