/*
 * tcp_newreno.c - NewReno congestion control behind struct tcp_cc_ops
 * (RFC 5681 with RFC 6582's recovery; tern_tcp_set_cc "newreno").
 * tcp_input.c drives the recovery itself (entering on the third duplicate
 * ACK or a SACK report, partial and full ACKs); the ops say how the window
 * grows and shrinks.
 *
 *   initial window   min(10 * MSS, max(2 * MSS, 14600)) (RFC 6928)
 *   slow start       cwnd += min(acked, MSS) per ACK while cwnd < ssthresh
 *   avoidance        cwnd += MSS * MSS / cwnd per ACK (about one MSS per RTT)
 *   loss             ssthresh = max(flight / 2, 2 * MSS), cwnd = ssthresh +
 *                    3 * MSS (RFC 5681 3.2)
 *   timeout          ssthresh as for a loss, cwnd = 1 MSS
 */
#include "tcp_int.h"

static void newreno_init(struct tern_tcp *c)
{
	c->cwnd = tcp_initial_window(c);
	c->ssthresh = 0xffffffffu;
}

static void newreno_on_ack(struct tern_tcp *c, uint32_t acked)
{
	uint32_t mss = c->mss;

	if (c->cwnd < c->ssthresh)
		c->cwnd += TERN_MIN(acked, mss);
	else
		c->cwnd += TERN_MAX(1u, mss * mss / c->cwnd);
}

/* ssthresh after a loss: half of what was in flight, at least 2 MSS. */
static uint32_t half_flight(const struct tern_tcp *c)
{
	return TERN_MAX(tcp_in_flight(c) / 2, 2u * c->mss);
}

static void newreno_on_loss(struct tern_tcp *c)
{
	c->ssthresh = half_flight(c);
	c->cwnd = c->ssthresh + 3u * c->mss;
}

static void newreno_on_timeout(struct tern_tcp *c)
{
	/* RFC 5681 (4): only the first timeout of a series halves. */
	if (c->backoff <= 1)
		c->ssthresh = half_flight(c);
	c->cwnd = c->mss;
}

const struct tcp_cc_ops tcp_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_timeout = newreno_on_timeout,
};
