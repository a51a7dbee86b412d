/*
 * test_memlink.c - the in-memory link and each of its faults, under the
 * virtual clock: loss within binomial bounds, the same trace for the same
 * seed (and another for another seed), duplication, reordering, corruption
 * (changed bits match the counters), exact delay and jitter bounds, rate
 * limiting with exact delivery times, queue and slot exhaustion, and the
 * waker that lets tern_wait() jump to the next delivery.
 *
 * Statistical bounds are 5 standard deviations of the binomial count; with
 * fixed seeds every test is deterministic, and a wrong fault rate (say 5%
 * instead of 10%) is far outside them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"
#include "tern/hosted.h"
#include "tern/hosted/memlink.h"

#include "support/binomial.h"

#define T0 1000000000ull /* virtual start: 1 s */
#define FRAME 100	 /* default test frame length */

/* ---- Helpers ------------------------------------------------------------*/

/* A recorded trace: every event, hashed into one number, and the first
 * events kept for inspection. */
struct trace {
	uint64_t hash;
	size_t count;
	size_t kind_count[TERN_MEMLINK_EV_COUNT];
	struct tern_memlink_event ev[32768];
	size_t kept;
};

static void record(void *ctx, const struct tern_memlink_event *ev)
{
	struct trace *t = ctx;
	uint64_t fields[7] = { ev->kind, ev->dir, ev->seq, ev->time,
			       ev->at,	 ev->len, ev->hash };

	t->hash ^= tern_memlink_hash(fields, sizeof(fields));
	t->hash *= 0x100000001b3ull;
	t->count++;
	t->kind_count[ev->kind]++;
	if (t->kept < TERN_ARRAY_SIZE(t->ev))
		t->ev[t->kept++] = *ev;
}

/* Fills a frame whose bytes 14..21 carry n and the rest a pattern from n. */
static void make_frame(uint8_t *f, size_t len, uint64_t n)
{
	memset(f, 0xff, 6);
	memset(f + 6, 0x02, 6);
	tern_store_be16(f + 12, 0x88b5); /* local experimental EtherType */
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(n * 31 + i);
	tern_store_be64(f + 14, n);
}

static uint64_t frame_no(const uint8_t *f)
{
	return tern_load_be64(f + 14);
}

static int send_frame(struct tern_netdev *dev, size_t len, uint64_t n)
{
	uint8_t f[TERN_ETH_FRAME_MAX];
	struct tern_iov iov = { f, len };

	make_frame(f, len, n);
	return tern_netdev_send1(dev, &iov, 1);
}

/* Receives one frame into buf (cap TERN_ETH_FRAME_MAX); returns its length
 * or 0. */
static size_t recv_frame(struct tern_netdev *dev, uint8_t *buf)
{
	struct tern_rx rx = { buf, TERN_ETH_FRAME_MAX, 0, 0 };
	int n = tern_netdev_recv(dev, &rx, 1);

	cr_assert_geq(n, 0);
	return n ? rx.len : 0;
}

static void setup_link(struct tern_memlink *link, struct tern_memlink_opts *o)
{
	tern_hosted_clock_use_virtual(T0);
	cr_assert_eq(tern_memlink_create(link, o), 0);
}

/* Drains both ends (frames due now) and checks the teardown invariants:
 * every slot back, and every frame accounted for. */
static void teardown_link(struct tern_memlink *link)
{
	uint8_t buf[TERN_ETH_FRAME_MAX];

	while (tern_memlink_next(link) != TERN_NO_DEADLINE) {
		tern_hosted_clock_set(tern_memlink_next(link));
		while (recv_frame(&link->a.dev, buf) ||
		       recv_frame(&link->b.dev, buf))
			;
	}
	for (unsigned d = 0; d < 2; d++) {
		const struct tern_memlink_stats *s =
			tern_memlink_stats(link, d);

		cr_assert_eq(tern_memlink_in_flight(link, d), 0, "dir %u", d);
		cr_assert_eq(s->sent + s->duplicated,
			     s->lost + s->queue_drops + s->nobuf + s->too_long +
				     s->delivered,
			     "dir %u: every frame and copy is accounted for",
			     d);
	}
	tern_memlink_destroy(link);
}

/* ---- A perfect link -----------------------------------------------------*/

Test(memlink, perfect_link_delivers_everything_in_order_both_ways)
{
	struct tern_memlink link;
	uint8_t buf[TERN_ETH_FRAME_MAX], want[TERN_ETH_FRAME_MAX];

	setup_link(&link, NULL);
	cr_assert_str_eq(link.a.dev.name, "link.a");
	cr_assert_str_eq(link.b.dev.name, "link.b");
	cr_assert_eq(link.a.dev.mtu, TERN_ETH_MTU_DEFAULT);
	cr_assert_eq(link.a.dev.mac[5], 0x0a);
	cr_assert_eq(link.b.dev.mac[5], 0x0b);

	for (uint64_t i = 0; i < 100; i++) {
		size_t len = TERN_ETH_HLEN + 8 + (i * 37) % 1400;

		cr_assert_eq(send_frame(&link.a.dev, len, i), 1);
		cr_assert_eq(send_frame(&link.b.dev, len, 1000 + i), 1);
	}
	/* Nothing comes back to the sender. */
	for (uint64_t i = 0; i < 100; i++) {
		size_t len = TERN_ETH_HLEN + 8 + (i * 37) % 1400;

		make_frame(want, len, i);
		cr_assert_eq(recv_frame(&link.b.dev, buf), len);
		cr_assert_arr_eq(buf, want, len, "frame %llu",
				 (unsigned long long)i);
		make_frame(want, len, 1000 + i);
		cr_assert_eq(recv_frame(&link.a.dev, buf), len);
		cr_assert_arr_eq(buf, want, len);
	}
	cr_assert_eq(recv_frame(&link.a.dev, buf), 0);
	cr_assert_eq(recv_frame(&link.b.dev, buf), 0);
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_AB)->delivered,
		     100);
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_BA)->delivered,
		     100);
	teardown_link(&link);
}

Test(memlink, batched_send_and_recv_and_gather_lists)
{
	struct tern_memlink link;
	uint8_t f[3][200], out[4][TERN_ETH_FRAME_MAX];
	struct tern_iov iov[3][2];
	struct tern_tx tx[3];
	struct tern_rx rx[4];

	setup_link(&link, NULL);
	for (int i = 0; i < 3; i++) {
		make_frame(f[i], sizeof(f[i]), (uint64_t)i);
		iov[i][0] = (struct tern_iov){ f[i], 14 + (size_t)i };
		iov[i][1] = (struct tern_iov){ f[i] + 14 + i, 186 - (size_t)i };
		tx[i] = (struct tern_tx){ .iov = iov[i], .iovcnt = 2 };
	}
	cr_assert_eq(tern_netdev_send(&link.a.dev, tx, 3), 3);
	for (int i = 0; i < 4; i++)
		rx[i] = (struct tern_rx){ out[i], sizeof(out[i]), 0, 0 };
	cr_assert_eq(tern_netdev_recv(&link.b.dev, rx, 4), 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rx[i].len, 200);
		cr_assert_arr_eq(out[i], f[i], 200);
	}
	teardown_link(&link);
}

/* ---- Loss and traces ----------------------------------------------------*/

/* Sends n frames a->b one per microsecond and receives them; returns the
 * trace hash. */
static uint64_t run_loss(uint64_t seed, uint32_t loss_ppm, uint64_t n,
			 struct trace *t, uint64_t *received)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = seed,
				       .trace = record,
				       .trace_ctx = t };
	uint8_t buf[TERN_ETH_FRAME_MAX];

	memset(t, 0, sizeof(*t));
	o.faults[TERN_MEMLINK_AB].loss_ppm = loss_ppm;
	setup_link(&link, &o);
	*received = 0;
	for (uint64_t i = 0; i < n; i++) {
		cr_assert_eq(send_frame(&link.a.dev, FRAME, i), 1);
		while (recv_frame(&link.b.dev, buf)) {
			(*received)++;
		}
		tern_hosted_clock_advance(TERN_NSEC_PER_USEC);
	}
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_AB)->lost +
			     *received,
		     n);
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_AB)->lost,
		     t->kind_count[TERN_MEMLINK_EV_LOSS]);
	teardown_link(&link);
	return t->hash;
}

Test(memlink, loss_10_percent_is_within_binomial_bounds)
{
	static struct trace t;
	const uint64_t n = 20000;

	for (uint64_t seed = 1; seed <= 5; seed++) {
		uint64_t got;

		run_loss(seed, 100000, n, &t, &got);
		assert_binomial(n - got, n, 0.10, seed, "lost");
	}
}

Test(memlink, full_loss_is_a_partition_and_zero_loss_loses_nothing)
{
	static struct trace t;
	uint64_t got;

	run_loss(7, 1000000, 1000, &t, &got);
	cr_assert_eq(got, 0);
	run_loss(7, 0, 1000, &t, &got);
	cr_assert_eq(got, 1000);
}

Test(memlink, same_seed_same_trace_other_seed_other_trace)
{
	static struct trace t1, t2, t3;
	uint64_t g1, g2, g3;

	run_loss(42, 100000, 5000, &t1, &g1);
	run_loss(42, 100000, 5000, &t2, &g2);
	run_loss(43, 100000, 5000, &t3, &g3);
	cr_assert_eq(t1.count, t2.count);
	cr_assert_eq(t1.hash, t2.hash);
	cr_assert_eq(g1, g2);
	cr_assert_arr_eq(t1.ev, t2.ev, t1.kept * sizeof(t1.ev[0]));
	cr_assert_neq(t1.hash, t3.hash, "seed 43 gave seed 42's trace");
	/* Each lost frame is exactly a send with no delivery. */
	for (size_t i = 0; i < t1.kept; i++) {
		if (t1.ev[i].kind != TERN_MEMLINK_EV_LOSS)
			continue;
		cr_assert_eq(t1.ev[i - 1].kind, TERN_MEMLINK_EV_SEND);
		cr_assert_eq(t1.ev[i - 1].seq, t1.ev[i].seq);
	}
}

/* Runs a link with every fault enabled in both directions, traffic both
 * ways, and returns the trace hash. */
static uint64_t run_all_faults(uint64_t seed, struct trace *t)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = {
		.seed = seed, .trace = record, .trace_ctx = t, .frames = 64
	};
	struct tern_memlink_faults f = {
		.loss_ppm = 50000,
		.dup_ppm = 50000,
		.reorder_ppm = 50000,
		.reorder_ns = 30 * TERN_NSEC_PER_USEC,
		.corrupt_ppm = 50000,
		.corrupt_bits = 2,
		.delay_ns = 100 * TERN_NSEC_PER_USEC,
		.jitter_ns = 20 * TERN_NSEC_PER_USEC,
		.rate = 100000000,
		.queue_limit = 8,
	};
	uint8_t buf[TERN_ETH_FRAME_MAX];

	memset(t, 0, sizeof(*t));
	o.faults[0] = f;
	o.faults[1] = f;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < 3000; i++) {
		send_frame(&link.a.dev, TERN_ETH_HLEN + 8 + i % 1000, i);
		if (i % 3 == 0)
			send_frame(&link.b.dev, 64, i);
		while (recv_frame(&link.a.dev, buf) ||
		       recv_frame(&link.b.dev, buf))
			;
		tern_hosted_clock_advance(2 * TERN_NSEC_PER_USEC);
	}
	teardown_link(&link);
	return t->hash;
}

Test(memlink, every_fault_replays_from_its_seed)
{
	static struct trace t1, t2, t3;

	run_all_faults(9, &t1);
	run_all_faults(9, &t2);
	run_all_faults(10, &t3);
	cr_assert_eq(t1.count, t2.count);
	cr_assert_eq(t1.hash, t2.hash);
	cr_assert_neq(t1.hash, t3.hash);
	/* Every kind of fault happened, so the comparison covers them. */
	for (int k = 0; k < TERN_MEMLINK_EV_COUNT; k++) {
		if (k == TERN_MEMLINK_EV_TOO_LONG || k == TERN_MEMLINK_EV_NOBUF)
			continue;
		cr_assert_gt(t1.kind_count[k], 0, "no %s event",
			     tern_memlink_event_name(k));
	}
}

Test(memlink, directions_draw_from_separate_streams)
{
	/* Traffic b->a must not change which a->b frames are lost. */
	static struct trace t1, t2;
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 5 };
	uint8_t buf[TERN_ETH_FRAME_MAX];
	uint64_t lost[2];

	o.faults[0].loss_ppm = 300000;
	o.faults[1].loss_ppm = 300000;
	for (int pass = 0; pass < 2; pass++) {
		struct trace *t = pass ? &t2 : &t1;

		memset(t, 0, sizeof(*t));
		o.trace = record;
		o.trace_ctx = t;
		setup_link(&link, &o);
		for (uint64_t i = 0; i < 1000; i++) {
			send_frame(&link.a.dev, FRAME, i);
			if (pass)
				send_frame(&link.b.dev, FRAME, i);
		}
		while (recv_frame(&link.b.dev, buf) ||
		       recv_frame(&link.a.dev, buf))
			;
		lost[pass] = tern_memlink_stats(&link, TERN_MEMLINK_AB)->lost;
		teardown_link(&link);
	}
	cr_assert_eq(lost[0], lost[1]);
	/* The a->b events are the same in both passes. */
	size_t j = 0;
	for (size_t i = 0; i < t1.kept; i++) {
		if (t1.ev[i].dir != TERN_MEMLINK_AB)
			continue;
		while (j < t2.kept && t2.ev[j].dir != TERN_MEMLINK_AB)
			j++;
		cr_assert_lt(j, t2.kept);
		cr_assert_eq(t1.ev[i].kind, t2.ev[j].kind);
		cr_assert_eq(t1.ev[i].seq, t2.ev[j].seq);
		j++;
	}
}

/* ---- Duplication, reordering, corruption --------------------------------*/

Test(memlink, duplication_count_and_copies_follow_their_original)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 11 };
	uint8_t buf[TERN_ETH_FRAME_MAX], want[TERN_ETH_FRAME_MAX];
	const uint64_t n = 10000;
	uint64_t got = 0, copies = 0, prev = UINT64_MAX;

	o.faults[TERN_MEMLINK_AB].dup_ppm = 200000;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < n; i++) {
		size_t len;

		send_frame(&link.a.dev, FRAME, i);
		while ((len = recv_frame(&link.b.dev, buf)) != 0) {
			uint64_t no = frame_no(buf);

			make_frame(want, FRAME, no);
			cr_assert_arr_eq(buf, want, FRAME);
			if (no == prev)
				copies++;
			else
				cr_assert_eq(no, prev + 1); /* wraps from -1 */
			prev = no;
			got++;
		}
	}
	const struct tern_memlink_stats *s =
		tern_memlink_stats(&link, TERN_MEMLINK_AB);
	cr_assert_eq(copies, s->duplicated);
	cr_assert_eq(got, n + s->duplicated);
	assert_binomial(s->duplicated, n, 0.2, 11, "duplicated");
	teardown_link(&link);
}

Test(memlink, reordering_lets_later_frames_overtake_held_ones)
{
	static struct trace t;
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 12,
				       .trace = record,
				       .trace_ctx = &t };
	const uint64_t n = 5000, spacing = TERN_NSEC_PER_USEC;
	uint8_t buf[TERN_ETH_FRAME_MAX];
	static bool held[5000], late[5000];
	uint64_t max_seen = 0, got = 0, late_count = 0;
	bool any = false;

	o.faults[TERN_MEMLINK_AB].reorder_ppm = 100000;
	o.faults[TERN_MEMLINK_AB].reorder_ns = 5 * spacing;
	o.faults[TERN_MEMLINK_AB].delay_ns = 10 * spacing;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < n; i++) {
		send_frame(&link.a.dev, FRAME, i);
		while (recv_frame(&link.b.dev, buf)) {
			uint64_t no = frame_no(buf);

			if (any && no < max_seen) {
				late[no] = true;
				late_count++;
			}
			max_seen = any ? TERN_MAX(max_seen, no) : no;
			any = true;
			got++;
		}
		tern_hosted_clock_advance(spacing);
	}
	teardown_link(&link); /* delivers the last held frames */
	for (size_t i = 0; i < t.kept; i++)
		if (t.ev[i].kind == TERN_MEMLINK_EV_REORDER)
			held[t.ev[i].seq] = true;
	const uint64_t reordered = t.kind_count[TERN_MEMLINK_EV_REORDER];
	assert_binomial(reordered, n, 0.1, 12, "reordered");
	/* A frame arrives late exactly when it was held back and a frame
	 * that was not held was sent within the next 4 us (the fifth later
	 * frame ties with it and comes after it). */
	for (uint64_t i = 0; i < n; i++) {
		bool overtaker = false;

		for (uint64_t j = i + 1; j < i + 5 && j < n; j++)
			overtaker |= !held[j];
		if (late[i])
			cr_assert(held[i], "frame %llu late but not held",
				  (unsigned long long)i);
		if (held[i] && overtaker)
			cr_assert(late[i], "frame %llu held but not overtaken",
				  (unsigned long long)i);
	}
	cr_assert_gt(late_count, 0);
}

Test(memlink, jitter_stays_within_bounds_and_alone_never_reorders)
{
	static struct trace t;
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 13,
				       .trace = record,
				       .trace_ctx = &t };
	const uint64_t delay = 50 * TERN_NSEC_PER_USEC;
	const uint64_t jitter = 30 * TERN_NSEC_PER_USEC;
	uint8_t buf[TERN_ETH_FRAME_MAX];
	static uint64_t sent_at[4000];
	uint64_t next = 0, lo = UINT64_MAX, hi = 0;

	o.faults[TERN_MEMLINK_AB].delay_ns = delay;
	o.faults[TERN_MEMLINK_AB].jitter_ns = jitter;
	setup_link(&link, &o);
	/* Frames 0..1999 are sparse (100 us apart, more than the jitter), so
	 * each one's delivery is its own draw; frames 2000..3999 are dense
	 * (0..6 us apart) and must still arrive in order. */
	for (uint64_t i = 0; i < 4000; i++) {
		sent_at[i] = tern_clock_monotonic();
		send_frame(&link.a.dev, FRAME, i);
		tern_hosted_clock_advance(i < 2000 ? 100 * TERN_NSEC_PER_USEC
						   : TERN_NSEC_PER_USEC *
							     (i % 7));
		while (recv_frame(&link.b.dev, buf))
			cr_assert_eq(frame_no(buf), next++, "jitter reordered");
	}
	while (tern_wait(TERN_NO_DEADLINE) == 0 && next < 4000)
		while (recv_frame(&link.b.dev, buf))
			cr_assert_eq(frame_no(buf), next++, "jitter reordered");
	cr_assert_eq(next, 4000);
	teardown_link(&link);
	for (size_t i = 0; i < t.kept; i++) {
		const struct tern_memlink_event *e = &t.ev[i];

		if (e->kind != TERN_MEMLINK_EV_QUEUED)
			continue;
		cr_assert_geq(e->at, sent_at[e->seq] + delay,
			      "before the delay");
		if (e->seq >= 2000)
			continue;
		cr_assert_leq(e->at, sent_at[e->seq] + delay + jitter);
		lo = TERN_MIN(lo, e->at - sent_at[e->seq] - delay);
		hi = TERN_MAX(hi, e->at - sent_at[e->seq] - delay);
	}
	/* The whole range is used: 2000 uniform draws over 30 us. */
	cr_assert_lt(lo, jitter / 20);
	cr_assert_gt(hi, jitter - jitter / 20);
}

static unsigned popcount_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += (unsigned)__builtin_popcount(a[i] ^ b[i]);
	return n;
}

Test(memlink, corruption_flips_exactly_the_counted_bits)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 14 };
	uint8_t buf[TERN_ETH_FRAME_MAX], want[TERN_ETH_FRAME_MAX];
	const uint64_t n = 10000;
	uint64_t changed = 0, bits = 0;

	o.faults[TERN_MEMLINK_AB].corrupt_ppm = 100000;
	o.faults[TERN_MEMLINK_AB].corrupt_bits = 3;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < n; i++) {
		size_t len;

		send_frame(&link.a.dev, FRAME, i);
		len = recv_frame(&link.b.dev, buf);
		cr_assert_eq(len, FRAME, "corruption never changes the length");
		make_frame(want, FRAME, i);
		unsigned d = popcount_diff(buf, want, FRAME);
		cr_assert(d == 0 || d == 3, "frame %llu: %u bits changed",
			  (unsigned long long)i, d);
		changed += d != 0;
		bits += d;
	}
	const struct tern_memlink_stats *s =
		tern_memlink_stats(&link, TERN_MEMLINK_AB);
	cr_assert_eq(changed, s->corrupted);
	cr_assert_eq(bits, s->bits_flipped);
	assert_binomial(s->corrupted, n, 0.1, 14, "corrupted");
	teardown_link(&link);
}

/* ---- Time: delay, rate, the waker ---------------------------------------*/

Test(memlink, delay_is_exact_and_tern_wait_jumps_to_the_delivery)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 15 };
	const uint64_t delay = 5 * TERN_NSEC_PER_MSEC;
	uint8_t buf[TERN_ETH_FRAME_MAX];

	o.faults[TERN_MEMLINK_AB].delay_ns = delay;
	o.faults[TERN_MEMLINK_BA].delay_ns = 2 * delay;
	setup_link(&link, &o);
	cr_assert_eq(tern_memlink_next(&link), TERN_NO_DEADLINE);
	send_frame(&link.a.dev, FRAME, 1);
	send_frame(&link.b.dev, FRAME, 2);
	cr_assert_eq(tern_memlink_next(&link), T0 + delay);
	tern_hosted_clock_set(T0 + delay - 1);
	cr_assert_eq(recv_frame(&link.b.dev, buf), 0, "delivered early");

	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
	cr_assert_eq(tern_clock_monotonic(), T0 + delay);
	cr_assert_eq(recv_frame(&link.b.dev, buf), FRAME);
	cr_assert_eq(frame_no(buf), 1);
	cr_assert_eq(recv_frame(&link.a.dev, buf), 0);

	/* A nearer deadline wins over the link. */
	cr_assert_eq(tern_wait(T0 + delay + 7), 0);
	cr_assert_eq(tern_clock_monotonic(), T0 + delay + 7);
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
	cr_assert_eq(tern_clock_monotonic(), T0 + 2 * delay);
	cr_assert_eq(recv_frame(&link.a.dev, buf), FRAME);
	cr_assert_eq(frame_no(buf), 2);

	/* Nothing in flight: nothing can wake the caller. */
	cr_assert_eq(tern_memlink_next(&link), TERN_NO_DEADLINE);
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
	teardown_link(&link);
}

Test(memlink, undelivered_frame_keeps_tern_wait_returning_now)
{
	struct tern_memlink link;
	uint8_t buf[TERN_ETH_FRAME_MAX];

	setup_link(&link, NULL);
	send_frame(&link.a.dev, FRAME, 1);
	cr_assert_eq(tern_wait(T0 + TERN_NSEC_PER_SEC), 0);
	cr_assert_eq(tern_clock_monotonic(), T0, "work was waiting");
	cr_assert_eq(recv_frame(&link.b.dev, buf), FRAME);
	teardown_link(&link);
}

Test(memlink, no_waker_option_leaves_tern_wait_alone)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .no_waker = true };

	o.faults[0].delay_ns = 1000;
	setup_link(&link, &o);
	send_frame(&link.a.dev, FRAME, 1);
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
	teardown_link(&link);
}

Test(memlink, rate_limit_serializes_at_exact_times)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 16 };
	const uint64_t rate = 1000000; /* 1 byte per microsecond */
	const uint64_t delay = 100 * TERN_NSEC_PER_USEC;
	uint8_t buf[TERN_ETH_FRAME_MAX];
	size_t lens[10];
	uint64_t done = 0;

	o.faults[TERN_MEMLINK_AB].rate = rate;
	o.faults[TERN_MEMLINK_AB].delay_ns = delay;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < 10; i++) {
		lens[i] = 100 + 100 * i;
		send_frame(&link.a.dev, lens[i], i);
	}
	for (uint64_t i = 0; i < 10; i++) {
		done += lens[i] * TERN_NSEC_PER_USEC; /* serialization ends */
		cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
		cr_assert_eq(tern_clock_monotonic(), T0 + done + delay,
			     "frame %llu", (unsigned long long)i);
		cr_assert_eq(recv_frame(&link.b.dev, buf), lens[i]);
		cr_assert_eq(recv_frame(&link.b.dev, buf), 0);
	}
	/* An idle link starts serializing at once. */
	tern_hosted_clock_advance(TERN_NSEC_PER_SEC);
	uint64_t t = tern_clock_monotonic();
	send_frame(&link.a.dev, 1000, 99);
	cr_assert_eq(tern_memlink_next(&link),
		     t + 1000 * TERN_NSEC_PER_USEC + delay);
	teardown_link(&link);
}

Test(memlink, rate_rounds_serialization_time_up)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { 0 };
	uint8_t buf[TERN_ETH_FRAME_MAX];

	/* 100 bytes at 3,000,000 bytes/s take 33,333.3 ns: 33,334 ns. */
	o.faults[TERN_MEMLINK_AB].rate = 3000000;
	setup_link(&link, &o);
	send_frame(&link.a.dev, 100, 1);
	send_frame(&link.a.dev, 100, 2);
	cr_assert_eq(tern_memlink_next(&link), T0 + 33334);
	tern_hosted_clock_set(T0 + 33334);
	cr_assert_eq(recv_frame(&link.b.dev, buf), 100);
	cr_assert_eq(tern_memlink_next(&link), T0 + 2 * 33334);
	teardown_link(&link);
}

Test(memlink, rate_queue_overflow_tail_drops_and_counts)
{
	static struct trace t;
	struct tern_memlink link;
	struct tern_memlink_opts o = { .seed = 17,
				       .trace = record,
				       .trace_ctx = &t };
	uint8_t buf[TERN_ETH_FRAME_MAX];
	uint64_t got = 0;

	o.faults[TERN_MEMLINK_AB].rate = 1000000;
	o.faults[TERN_MEMLINK_AB].queue_limit = 4;
	setup_link(&link, &o);
	for (uint64_t i = 0; i < 10; i++)
		cr_assert_eq(send_frame(&link.a.dev, 1000, i), 1);
	const struct tern_memlink_stats *s =
		tern_memlink_stats(&link, TERN_MEMLINK_AB);
	cr_assert_eq(s->queue_drops, 6);
	cr_assert_eq(t.kind_count[TERN_MEMLINK_EV_QUEUE_DROP], 6);
	/* The tail was dropped: frames 0..3 arrive. */
	while (tern_wait(TERN_NO_DEADLINE) == 0 &&
	       tern_memlink_next(&link) != TERN_NO_DEADLINE) {
		while (recv_frame(&link.b.dev, buf))
			cr_assert_eq(frame_no(buf), got++);
	}
	while (recv_frame(&link.b.dev, buf))
		cr_assert_eq(frame_no(buf), got++);
	cr_assert_eq(got, 4);
	/* Refill the queue; once one frame has left it, one more fits. */
	send_frame(&link.a.dev, 1000, 20);
	send_frame(&link.a.dev, 1000, 21);
	send_frame(&link.a.dev, 1000, 22);
	send_frame(&link.a.dev, 1000, 23);
	tern_hosted_clock_advance(1500 * TERN_NSEC_PER_USEC);
	cr_assert_eq(s->queue_drops, 6);
	send_frame(&link.a.dev, 1000, 24);
	cr_assert_eq(s->queue_drops, 6);
	send_frame(&link.a.dev, 1000, 25);
	cr_assert_eq(s->queue_drops, 7);
	teardown_link(&link);
}

Test(memlink, slot_exhaustion_drops_and_counts_nobuf)
{
	struct tern_memlink link;
	struct tern_memlink_opts o = { .frames = 8 };
	uint8_t buf[TERN_ETH_FRAME_MAX];
	uint64_t got = 0;

	setup_link(&link, &o);
	for (uint64_t i = 0; i < 10; i++)
		cr_assert_eq(send_frame(&link.a.dev, FRAME, i), 1,
			     "a link never pushes back");
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_AB)->nobuf, 2);
	cr_assert_eq(tern_memlink_in_flight(&link, TERN_MEMLINK_AB), 8);
	/* The other direction has its own slots. */
	cr_assert_eq(send_frame(&link.b.dev, FRAME, 0), 1);
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_BA)->nobuf, 0);
	while (recv_frame(&link.b.dev, buf))
		cr_assert_eq(frame_no(buf), got++);
	cr_assert_eq(got, 8);
	cr_assert_eq(tern_memlink_in_flight(&link, TERN_MEMLINK_AB), 0);
	teardown_link(&link);
}

Test(memlink, frame_longer_than_buffer_is_dropped_not_truncated)
{
	struct tern_memlink link;
	uint8_t small[64];
	struct tern_rx rx = { small, sizeof(small), 0, 0 };
	uint8_t buf[TERN_ETH_FRAME_MAX];

	setup_link(&link, NULL);
	send_frame(&link.a.dev, 200, 1);
	send_frame(&link.a.dev, 60, 2);
	/* Bypass the wrapper, which insists on mtu-sized buffers. */
	cr_assert_eq(link.b.dev.ops->recv(&link.b.dev, &rx, 1), 1);
	cr_assert_eq(rx.len, 60);
	cr_assert_eq(frame_no(small), 2);
	cr_assert_eq(link.b.dev.rx_dropped_too_long, 1);
	cr_assert_eq(tern_memlink_stats(&link, TERN_MEMLINK_AB)->too_long, 1);
	cr_assert_eq(recv_frame(&link.b.dev, buf), 0);
	teardown_link(&link);
}

Test(memlink, faults_change_at_runtime)
{
	struct tern_memlink link;
	struct tern_memlink_faults cut = { .loss_ppm = 1000000 },
				   healed = { 0 };
	uint8_t buf[TERN_ETH_FRAME_MAX];

	setup_link(&link, NULL);
	cr_assert_eq(tern_memlink_set_faults(&link, TERN_MEMLINK_AB, &cut), 0);
	send_frame(&link.a.dev, FRAME, 1);
	cr_assert_eq(recv_frame(&link.b.dev, buf), 0);
	cr_assert_eq(tern_memlink_set_faults(&link, TERN_MEMLINK_AB, &healed),
		     0);
	send_frame(&link.a.dev, FRAME, 2);
	cr_assert_eq(recv_frame(&link.b.dev, buf), FRAME);
	cr_assert_eq(frame_no(buf), 2);
	struct tern_memlink_faults bad = { .dup_ppm = 1000001 };
	cr_assert_eq(tern_memlink_set_faults(&link, TERN_MEMLINK_AB, &bad),
		     -TERN_EINVAL);
	teardown_link(&link);
}

Test(memlink, create_rejects_bad_options)
{
	struct tern_memlink link;
	struct tern_memlink_opts o;

	tern_hosted_clock_use_virtual(T0);
	memset(&o, 0, sizeof(o));
	o.faults[1].loss_ppm = 1000001;
	cr_assert_eq(tern_memlink_create(&link, &o), -TERN_EINVAL);
	memset(&o, 0, sizeof(o));
	o.faults[0].corrupt_bits = TERN_MEMLINK_CORRUPT_BITS_MAX + 1;
	cr_assert_eq(tern_memlink_create(&link, &o), -TERN_EINVAL);
	memset(&o, 0, sizeof(o));
	o.mtu = 9005;
	cr_assert_eq(tern_memlink_create(&link, &o), -TERN_EINVAL);
	o.mtu = 63;
	cr_assert_eq(tern_memlink_create(&link, &o), -TERN_EINVAL);
	memset(&o, 0, sizeof(o));
	o.name = "fourteen-chars";
	cr_assert_eq(tern_memlink_create(&link, &o), -TERN_EINVAL);
	o.name = "thirteen-char";
	cr_assert_eq(tern_memlink_create(&link, &o), 0);
	cr_assert_str_eq(link.b.dev.name, "thirteen-char.b");
	tern_memlink_destroy(&link);

	/* Jumbo frames and custom MACs. */
	memset(&o, 0, sizeof(o));
	o.mtu = 9004;
	o.mac_a[0] = 0x52;
	o.mac_a[5] = 0x77;
	cr_assert_eq(tern_memlink_create(&link, &o), 0);
	cr_assert_eq(link.a.dev.mac[5], 0x77);
	cr_assert_eq(send_frame(&link.a.dev, TERN_ETH_FRAME_MAX, 1), 1);
	uint8_t buf[TERN_ETH_FRAME_MAX];
	cr_assert_eq(recv_frame(&link.b.dev, buf), TERN_ETH_FRAME_MAX);
	teardown_link(&link);
}
