/*
 * tcp_cubic.c - CUBIC congestion control (RFC 9438), the default, in
 * integer arithmetic (no floating point: the same code runs in guests).
 *
 *   window after a loss   W(t) = C (t - K)^3 + W_max, C = 0.4 MSS/s^3,
 *                         K = cbrt(W_max (1 - beta) / C), t since the
 *                         epoch (the first ACK after the loss) plus SRTT
 *   per ACK               cwnd += (W(t) - cwnd) * acked / cwnd, the target
 *                         capped at 1.5 cwnd (RFC 9438 4.2)
 *   Reno-friendly         W_est grows by alpha = 3 (1 - beta) / (1 + beta)
 *                         MSS per window; cwnd is never below it (4.3)
 *   loss                  beta = 0.7: ssthresh = max(0.7 cwnd, 2 MSS);
 *                         fast convergence lowers W_max to 0.85 cwnd when
 *                         the window shrank since the last loss (4.7)
 *   timeout               the same, and cwnd = 1 MSS (4.8)
 *   slow start            as NewReno below ssthresh
 *
 * Times are in milliseconds: (t - K)^3 with t - K clamped to +-10 minutes
 * fits 64 bits after the multiplications below.
 */
#include "tcp_int.h"

#define BETA_PERMILLE 700
#define ALPHA_PERMILLE 529 /* 3 * 0.3 / 1.7 */
#define DT_MAX_MS (600 * 1000)

/* The integer cube root of x (floor). */
static uint64_t icbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 1u << 21; /* (2^21)^3 > 2^63 */

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;

		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* K in ms for the current W_max: cbrt(W_max / MSS * 0.3 / 0.4) seconds. */
static uint32_t k_ms(const struct tern_tcp *c)
{
	uint64_t segs_e9 = (uint64_t)c->cubic.w_max * 750000000u / c->mss;

	return (uint32_t)icbrt(segs_e9);
}

static void cubic_init(struct tern_tcp *c)
{
	c->cwnd = tcp_initial_window(c);
	c->ssthresh = 0xffffffffu;
	c->cubic.w_max = c->cubic.w_last_max = 0;
	c->cubic.epoch = 0;
}

/* W(t) in bytes for the time since the epoch plus one RTT. */
static uint64_t cubic_target(const struct tern_tcp *c)
{
	uint64_t t_ms =
		(c->net->now - c->cubic.epoch + c->srtt) / TERN_NSEC_PER_MSEC;
	int64_t d = (int64_t)t_ms - (int64_t)c->cubic.k_ms;
	int64_t grow;

	if (d > DT_MAX_MS)
		d = DT_MAX_MS;
	if (d < -DT_MAX_MS)
		d = -DT_MAX_MS;
	/* 0.4 MSS/s^3 with d in ms: 4 d^3 MSS / 10^10. */
	grow = d * d * d / 1000 * 4 * (int64_t)c->mss / 10000000;
	if (grow < 0 && (uint64_t)-grow >= c->cubic.origin)
		return c->mss;
	return (uint64_t)((int64_t)c->cubic.origin + grow);
}

static void cubic_on_ack(struct tern_tcp *c, uint32_t acked)
{
	uint64_t target, est;

	if (c->cwnd < c->ssthresh) {
		c->cwnd += TERN_MIN(acked, (uint32_t)c->mss);
		return;
	}
	if (c->cubic.epoch == 0) {
		c->cubic.epoch = c->net->now;
		if (c->cwnd < c->cubic.w_max) {
			c->cubic.k_ms = k_ms(c);
			c->cubic.origin = c->cubic.w_max;
		} else {
			c->cubic.k_ms = 0;
			c->cubic.origin = c->cwnd;
		}
		c->cubic.w_est = c->cwnd;
	}
	c->cubic.w_est += (uint32_t)((uint64_t)acked * c->mss * ALPHA_PERMILLE /
				     1000 / c->cwnd);
	target = TERN_MIN(cubic_target(c), (uint64_t)c->cwnd * 3 / 2);
	est = c->cubic.w_est;
	if (target < est) {
		c->cwnd = (uint32_t)est; /* Reno-friendly region */
		return;
	}
	if (target > c->cwnd)
		c->cwnd += (uint32_t)TERN_MAX(
			(target - c->cwnd) * acked / c->cwnd, 1u);
}

/* A congestion event: W_max (with fast convergence) and ssthresh. */
static void cubic_reduce(struct tern_tcp *c)
{
	uint32_t cwnd = c->cwnd;

	c->cubic.epoch = 0;
	if (cwnd < c->cubic.w_last_max)
		c->cubic.w_max = (uint32_t)((uint64_t)cwnd *
					    (1000 + BETA_PERMILLE) / 2000);
	else
		c->cubic.w_max = cwnd;
	c->cubic.w_last_max = cwnd;
	c->ssthresh = TERN_MAX(
		(uint32_t)((uint64_t)cwnd * BETA_PERMILLE / 1000), 2u * c->mss);
}

static void cubic_on_loss(struct tern_tcp *c)
{
	cubic_reduce(c);
	c->cwnd = c->ssthresh + 3u * c->mss;
}

static void cubic_on_timeout(struct tern_tcp *c)
{
	/* Only the first timeout of a series is a new congestion event. */
	if (c->backoff <= 1)
		cubic_reduce(c);
	c->cwnd = c->mss;
}

const struct tcp_cc_ops tcp_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_timeout = cubic_on_timeout,
};
