/*
 * test_lossy.c - two stacks over a memlink with 20% loss and 20%
 * reordering in each direction (plus delay and jitter), under the virtual
 * clock: ping and UDP echo (datagrams up to 4,000 bytes, so fragments are
 * lost and reordered too) succeed with retries at the application level,
 * nothing leaks, and a run replays exactly from its seed.
 *
 * Seeds: TERN_SEED from the environment, or a fixed list. A failure prints
 * the seed; rerun with TERN_SEED=N to replay it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/rand.h"
#include "util_duo.h"

#include "support/seeds.h"

#define PINGS 40
#define ECHOES 80
#define TRIES 60
#define WAIT (300 * TERN_NSEC_PER_MSEC)
#define MAX_LEN 4000

struct lossy {
	uint64_t seed;
	struct duo *d;
	struct duo_echo e;
	unsigned pings_ok, echoes_ok, tries;
	int server_rc;
	uint64_t end_time;
};

static void server_fiber(void *arg)
{
	struct lossy *c = arg;
	static char buf[MAX_LEN + 64];
	struct tern_udp_meta m;
	int n;

	for (;;) {
		n = tern_usock_recvfrom(&c->e.server, buf, sizeof(buf), &m,
					TERN_NO_DEADLINE);
		if (n < 0) {
			c->server_rc = n;
			return;
		}
		/* Sending may fail while ARP is unresolved; the client
		 * retries. */
		tern_usock_sendto(&c->e.server, m.src, m.sport, buf, (size_t)n);
	}
}

/* Fills a message whose first 4 bytes are its number. */
static size_t make_msg(uint8_t *buf, uint32_t id, struct tern_rand *r)
{
	size_t len = 4 + tern_rand_below(r, MAX_LEN - 4);

	memcpy(buf, &id, 4);
	for (size_t i = 4; i < len; i++)
		buf[i] = (uint8_t)(id * 31 + i);
	return len;
}

static void client_fiber(void *arg)
{
	struct lossy *c = arg;
	struct tern_sched *s = &c->d->sched;
	static uint8_t out[MAX_LEN], in[MAX_LEN + 64];
	struct tern_ping_reply r;
	struct tern_rand rnd;

	tern_rand_seed(&rnd, c->seed);
	for (uint16_t seq = 0; seq < PINGS; seq++) {
		bool ok = false;

		for (int t = 0; t < TRIES && !ok; t++) {
			uint64_t until = tern_sched_now(s) + WAIT;

			c->tries++;
			tern_uping_send(&c->e.ping, DUO_A_IP, seq, "abcdefgh",
					8);
			while (!ok) {
				int n = tern_uping_recv(&c->e.ping, in,
							sizeof(in), &r, until);
				if (n == -TERN_ETIMEDOUT)
					break;
				/* Late replies to earlier tries are skipped. */
				ok = n == 8 && r.seq == seq &&
				     memcmp(in, "abcdefgh", 8) == 0;
			}
		}
		cr_assert(ok, "seed %llu: ping %u never answered",
			  (unsigned long long)c->seed, seq);
		c->pings_ok++;
	}
	for (uint32_t id = 0; id < ECHOES; id++) {
		size_t len = make_msg(out, id, &rnd);
		bool ok = false;

		for (int t = 0; t < TRIES && !ok; t++) {
			uint64_t until = tern_sched_now(s) + WAIT;

			c->tries++;
			tern_usock_sendto(&c->e.client, DUO_A_IP, 7, out, len);
			while (!ok) {
				int n = tern_usock_recvfrom(&c->e.client, in,
							    sizeof(in), NULL,
							    until);
				if (n == -TERN_ETIMEDOUT)
					break;
				cr_assert_geq(n, 4, "seed %llu",
					      (unsigned long long)c->seed);
				if (memcmp(in, &id, 4) != 0)
					continue; /* an older echo */
				cr_assert_eq((size_t)n, len, "seed %llu id %u",
					     (unsigned long long)c->seed, id);
				cr_assert_arr_eq(in, out, len,
						 "seed %llu id %u",
						 (unsigned long long)c->seed,
						 id);
				ok = true;
			}
		}
		cr_assert(ok, "seed %llu: echo %u never came back",
			  (unsigned long long)c->seed, id);
		c->echoes_ok++;
	}
	c->end_time = tern_sched_now(s);
	tern_usock_close(&c->e.server);
}

/* A summary of a run that two runs from the same seed must share. */
struct outcome {
	uint64_t end_time, tries;
	struct tern_memlink_stats ab, ba;
	struct tern_net_stats a, b;
};

static void run(uint64_t seed, struct outcome *o)
{
	struct lossy *c = calloc(1, sizeof(*c));
	struct tern_memlink_faults f;
	struct tern_net_config cfg;

	memset(&f, 0, sizeof(f));
	f.loss_ppm = 200000;
	f.reorder_ppm = 200000;
	f.reorder_ns = 3 * TERN_NSEC_PER_MSEC;
	f.delay_ns = TERN_NSEC_PER_MSEC;
	f.jitter_ns = 500 * TERN_NSEC_PER_USEC;
	tern_net_config_default(&cfg);
	/* Lost fragments would hold contexts for 15 s; the retries come
	 * every 300 ms. */
	cfg.reasm_timeout_ns = 2 * TERN_NSEC_PER_SEC;

	c->seed = seed;
	c->d = duo_open(&f, &cfg, seed);
	duo_echo_run(c->d, &c->e, 0x1234, server_fiber, client_fiber, c);
	cr_assert_eq(c->pings_ok, PINGS);
	cr_assert_eq(c->echoes_ok, ECHOES);
	cr_assert_eq(c->server_rc, -TERN_ECANCELED);

	memset(o, 0, sizeof(*o));
	o->end_time = c->end_time;
	o->tries = c->tries;
	o->ab = *tern_memlink_stats(&c->d->link, TERN_MEMLINK_AB);
	o->ba = *tern_memlink_stats(&c->d->link, TERN_MEMLINK_BA);
	o->a = *tern_net_stats(&c->d->a);
	o->b = *tern_net_stats(&c->d->b);
	/* The faults really happened. */
	cr_assert_gt(o->ab.lost, 0);
	cr_assert_gt(o->ba.reordered, 0);
	cr_assert_gt(o->a.frag_reassembled, 0);

	duo_echo_close(&c->e);
	duo_close(c->d);
	free(c);
}

static unsigned seeds(uint64_t *out, unsigned max)
{
	static const uint64_t fixed[] = { 1, 2, 3, 20240607, 0xdeadbeef };

	return test_seeds(out, max, fixed, TERN_ARRAY_SIZE(fixed));
}

Test(lossy, ping_and_udp_echo_survive_loss_and_reordering, .timeout = 240)
{
	uint64_t list[8];
	unsigned n = seeds(list, 8);

	for (unsigned i = 0; i < n; i++) {
		struct outcome o;

		fprintf(stderr, "lossy: seed %llu\n",
			(unsigned long long)list[i]);
		run(list[i], &o);
		fprintf(stderr,
			"lossy: seed %llu: %llu tries for %u requests, %llu "
			"frames lost, %llu reordered, %.3f s virtual\n",
			(unsigned long long)list[i],
			(unsigned long long)o.tries, PINGS + ECHOES,
			(unsigned long long)(o.ab.lost + o.ba.lost),
			(unsigned long long)(o.ab.reordered + o.ba.reordered),
			(double)o.end_time / 1e9);
	}
}

Test(lossy, a_run_replays_from_its_seed, .timeout = 120)
{
	uint64_t list[8];
	struct outcome x, y;

	seeds(list, 8);
	run(list[0], &x);
	run(list[0], &y);
	cr_assert_eq(memcmp(&x, &y, sizeof(x)), 0,
		     "seed %llu: two runs differ (end %llu vs %llu)",
		     (unsigned long long)list[0],
		     (unsigned long long)x.end_time,
		     (unsigned long long)y.end_time);
}
