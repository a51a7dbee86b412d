/*
 * tcp_timer.c - TCP's clocks: the retransmission timeout (RFC 6298), the
 * persist timer, TIME_WAIT, keepalive, the FIN_WAIT_2 timeout and the
 * delayed ACK, all entries on the stack's wheel (net->wheel).
 *
 * Each connection has two timers: `timer` does one job at a time (RTO
 * while something is in flight, or before it a tail-loss probe or RACK's
 * reordering timer, tcp_rack.c; persist while nothing is in flight and
 * the peer's window is too small for what waits - zero-window probes, or
 * after a while the small window filled; 2 * MSL in TIME_WAIT; keepalive
 * probes when idle with nothing in flight; the wait for the peer's FIN
 * once the handle is released in FIN_WAIT_2), and `delack` holds back an
 * ACK.
 *
 * RTO: the first sample R sets SRTT = R and RTTVAR = R / 2; later ones
 * RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| and SRTT = 7/8 SRTT + 1/8 R; RTO =
 * SRTT + max(1 ms, 4 RTTVAR), within [tcp_rto_min_ns, tcp_rto_max_ns].
 * Each timeout doubles it (backoff) until an ACK for new data; after
 * tcp_retries timeouts in a row (tcp_syn_retries for a handshake) the
 * connection ends with -TERN_ETIMEDOUT.
 */
#include "tern/assert.h"
#include "tern/err.h"

#include "tcp_int.h"

#define RTO_GRANULARITY TERN_NSEC_PER_MSEC

uint64_t tcp_rto_now(const struct tern_tcp *c)
{
	uint64_t max = c->net->cfg.tcp_rto_max_ns;
	uint64_t rto = c->rto;

	for (unsigned i = 0; i < c->backoff && rto < max; i++)
		rto *= 2;
	return TERN_MIN(rto, max);
}

void tcp_timer_set(struct tern_tcp *c, enum tcp_timer_job job,
		   uint64_t deadline)
{
	c->job = job;
	if (job == TJ_NONE) {
		tern_timer_cancel(&c->net->wheel, &c->timer);
		return;
	}
	tern_timer_arm(&c->net->wheel, &c->timer, deadline);
	net_note_deadline(c->net, deadline);
}

/* When the next keepalive probe is due: an idle period after the peer
 * was last heard, then every interval while probes go unanswered. */
static uint64_t keepalive_due(const struct tern_tcp *c)
{
	return c->ka_sent ? c->net->now + c->ka_interval
			  : c->last_rx + c->ka_idle;
}

/* True if c is open for data both ways or one and keepalive is on. */
static bool keepalive_wanted(const struct tern_tcp *c)
{
	return c->ka_idle && (c->state == TERN_TCP_ESTABLISHED ||
			      c->state == TERN_TCP_CLOSE_WAIT ||
			      c->state == TERN_TCP_FIN_WAIT_2);
}

/* RFC 8985 7.2's PTO: two round trips, plus room for a delayed ACK when
 * one segment is all there is (Linux's 200 ms TCP_DELACK_MAX). */
static uint64_t tlp_timeout(const struct tern_tcp *c)
{
	uint64_t pto = TERN_MAX(2 * c->srtt, 10 * TERN_NSEC_PER_MSEC);

	if (tcp_in_flight(c) <= c->mss)
		pto = TERN_MAX(pto, c->srtt * 3 / 2 + 200 * TERN_NSEC_PER_MSEC);
	return pto;
}

/* True if the next timer should be a tail-loss probe: data in flight
 * with RACK-TLP on, a round trip measured, no recovery or probe going on, and a
 * probe that would come before the RTO (RFC 8985 7.2). */
static bool tlp_wanted(const struct tern_tcp *c)
{
	return tcp_rack_enabled(c) && c->srtt && !c->in_recovery &&
	       !c->tlp_out && c->backoff == 0 &&
	       (c->state == TERN_TCP_ESTABLISHED ||
		c->state == TERN_TCP_CLOSE_WAIT) &&
	       tlp_timeout(c) < tcp_rto_now(c);
}

void tcp_timer_rto_check(struct tern_tcp *c)
{
	if (c->job == TJ_TIME_WAIT)
		return;
	if (tcp_in_flight(c) == 0) {
		if (c->job == TJ_RTO || c->job == TJ_TLP || c->job == TJ_RACK)
			tcp_timer_set(c, TJ_NONE, 0);
		if (c->job == TJ_NONE && keepalive_wanted(c))
			tcp_timer_set(c, TJ_KEEPALIVE, keepalive_due(c));
		return;
	}
	if (c->job == TJ_RTO || c->job == TJ_TLP || c->job == TJ_RACK)
		return;
	if (tlp_wanted(c))
		tcp_timer_set(c, TJ_TLP, c->net->now + tlp_timeout(c));
	else
		tcp_timer_set(c, TJ_RTO, c->net->now + tcp_rto_now(c));
}

void tcp_rtt_sample(struct tern_tcp *c, uint64_t rtt)
{
	const struct tern_net_config *cfg = &c->net->cfg;
	uint64_t rto;

	if (c->srtt == 0) {
		c->srtt = rtt;
		c->rttvar = rtt / 2;
	} else {
		uint64_t diff = c->srtt > rtt ? c->srtt - rtt : rtt - c->srtt;

		c->rttvar = (3 * c->rttvar + diff) / 4;
		c->srtt = (7 * c->srtt + rtt) / 8;
	}
	rto = c->srtt + TERN_MAX(RTO_GRANULARITY, 4 * c->rttvar);
	c->rto = TERN_MIN(TERN_MAX(rto, cfg->tcp_rto_min_ns),
			  cfg->tcp_rto_max_ns);
}

void tcp_rto_after_handshake(struct tern_tcp *c)
{
	if (c->timed_out && c->srtt == 0)
		c->rto = TERN_MAX(c->rto, TCP_RTO_FALLBACK_NS);
}

void tcp_delack_arm(struct tern_tcp *c)
{
	uint64_t at;

	if (tern_timer_armed(&c->delack))
		return;
	at = c->net->now + c->net->cfg.tcp_delack_ns;
	tern_timer_arm(&c->net->wheel, &c->delack, at);
	net_note_deadline(c->net, at);
}

void tcp_enter_time_wait(struct tern_tcp *c)
{
	c->state = TERN_TCP_TIME_WAIT;
	tern_timer_cancel(&c->net->wheel, &c->delack);
	tcp_timer_set(c, TJ_TIME_WAIT,
		      c->net->now + 2 * c->net->cfg.tcp_msl_ns);
	tcp_notify(c, TERN_TCP_EV_READ | TERN_TCP_EV_STATE);
}

void tcp_fin_wait2_check(struct tern_tcp *c)
{
	if (c->user_closed && c->state == TERN_TCP_FIN_WAIT_2 &&
	    c->job != TJ_FIN_WAIT_2)
		tcp_timer_set(c, TJ_FIN_WAIT_2,
			      c->net->now + c->net->cfg.tcp_fin_wait2_ns);
}

/* No FIN came for a released connection in FIN_WAIT_2. RFC 9293 lets it
 * wait forever, but nobody can read or close it any more, so a peer that
 * never sends its FIN would keep its entry, and any out-of-order data
 * it holds, for good: reset it, as Linux does after tcp_fin_timeout. */
static void fin_wait2_fired(struct tern_tcp *c)
{
	NET_STAT(c->net, tcp_fin_wait2_timeouts);
	tcp_send_rst_for(c);
	tcp_conn_done(c, 0);
}

/* The retransmission timeout: resend from snd_una (go-back-N, cut from
 * the ring again), or give up. */
static void rto_fired(struct tern_tcp *c)
{
	const struct tern_net_config *cfg = &c->net->cfg;
	bool handshake = c->state == TERN_TCP_SYN_SENT ||
			 c->state == TERN_TCP_SYN_RECEIVED;
	uint32_t limit = handshake ? cfg->tcp_syn_retries : cfg->tcp_retries;

	NET_STAT(c->net, tcp_rto_fired);
	if (c->backoff >= limit) {
		NET_STAT(c->net, tcp_timeouts);
		if (c->state != TERN_TCP_SYN_SENT)
			tcp_send_rst_for(c);
		tcp_conn_done(c, -TERN_ETIMEDOUT);
		return;
	}
	c->backoff++;
	c->cc->on_timeout(c);
	c->in_recovery = false;
	c->dupacks = 0;
	tcp_sack_clear(c); /* RFC 2018 8: the peer may have reneged */
	tcp_rack_clear(c);
	/* No fast recovery for losses of this window: go-back-N resends it
	 * (RFC 6582 3.2 (4), RFC 6675 5.1). */
	c->recover = c->snd_max;
	c->rtt_timing = false; /* Karn: no sample from a resent segment */
	c->timed_out = true;
	c->tlp_out = false;
	c->ts_rexmit = tcp_ts_now(c);
	c->snd_nxt = handshake ? c->iss : c->snd_una;
	/* A FIN-only state falls back to resending the FIN. */
	if (c->state == TERN_TCP_FIN_WAIT_1 || c->state == TERN_TCP_CLOSING ||
	    c->state == TERN_TCP_LAST_ACK) {
		if (c->snd_nxt == c->buf_seq + c->buf_len) {
			tcp_send_segment(c, TERN_TCP_FIN | TERN_TCP_ACK,
					 c->snd_nxt, 0);
			c->snd_nxt++;
			tcp_timer_set(c, TJ_RTO, c->net->now + tcp_rto_now(c));
			return;
		}
	}
	c->job = TJ_NONE;
	tcp_output(c);
	tcp_timer_set(c, TJ_RTO, c->net->now + tcp_rto_now(c));
}

/* The probe timeout (RFC 8985 7.3): one segment, new data if the peer's
 * window has room, else the last one sent again, so that its ACK (with
 * SACK blocks) shows what the tail lost; then the RTO as usual. */
static void tlp_fired(struct tern_tcp *c)
{
	/* Recovery began after the probe was armed: no probe in it (RFC
	 * 8985 7.2), the RTO instead. */
	if (c->in_recovery) {
		tcp_timer_set(c, TJ_RTO, c->net->now + tcp_rto_now(c));
		return;
	}
	NET_STAT(c->net, tcp_tlp_probes);
	c->tlp_out = true;
	if (tcp_output_new_segment(c) == 0) {
		uint32_t end = c->buf_seq + c->buf_len;
		uint32_t last = tern_seq_lt(c->snd_max, end) ? c->snd_max : end;
		uint32_t len = TERN_MIN(last - c->snd_una, tcp_send_mss(c));

		if (len > 0)
			tcp_send_segment(c, TERN_TCP_ACK, last - len, len);
	}
	c->tlp_high = c->snd_max;
	tcp_timer_set(c, TJ_RTO, c->net->now + tcp_rto_now(c));
}

/* RACK's reordering timer: what was waiting out the reordering window
 * is lost now if nothing arrived (RFC 8985 6.3); then the RTO or a probe
 * as usual. */
static void rack_fired(struct tern_tcp *c)
{
	NET_STAT(c->net, tcp_rack_timeouts);
	if (tcp_rack_detect(c))
		tcp_start_recovery(c);
	tcp_output(c);
}

/* Zero-window probe: a segment below snd_una draws an ACK that carries
 * the peer's current window (what Linux sends); backs off like the RTO.
 * A peer that answers keeps the connection open however long its window
 * stays shut (RFC 9293 3.8.6.1); after tcp_retries probes with no ACK it
 * is gone, as after tcp_retries timeouts (Linux's tcp_retries2 does the
 * same), so a silent peer cannot pin a connection and its data forever. */
static void persist_fired(struct tern_tcp *c)
{
	if (c->persist_sent >= c->net->cfg.tcp_retries) {
		NET_STAT(c->net, tcp_timeouts);
		NET_STAT(c->net, tcp_persist_timeouts);
		tcp_send_rst_for(c);
		tcp_conn_done(c, -TERN_ETIMEDOUT);
		return;
	}
	c->persist_sent++;
	NET_STAT(c->net, tcp_window_probes);
	tcp_send_segment(c, TERN_TCP_ACK, c->snd_una - 1, 0);
	if (c->backoff < 16)
		c->backoff++;
	tcp_timer_set(c, TJ_PERSIST, c->net->now + tcp_rto_now(c));
}

/* Idle too long: probe with a segment below snd_una (its ACK shows the
 * peer is alive, RFC 9293 3.8.4), or give up after ka_probes. */
static void keepalive_fired(struct tern_tcp *c)
{
	if (!keepalive_wanted(c) || tcp_in_flight(c) > 0)
		return;
	if (c->net->now < c->last_rx + c->ka_idle && c->ka_sent == 0) {
		tcp_timer_set(c, TJ_KEEPALIVE, keepalive_due(c));
		return; /* heard from since the timer was set */
	}
	if (c->ka_sent >= c->ka_probes) {
		NET_STAT(c->net, tcp_timeouts);
		NET_STAT(c->net, tcp_keepalive_timeouts);
		tcp_send_rst_for(c);
		tcp_conn_done(c, -TERN_ETIMEDOUT);
		return;
	}
	NET_STAT(c->net, tcp_keepalive_probes);
	tcp_send_segment(c, TERN_TCP_ACK, c->snd_una - 1, 0);
	c->ka_sent++;
	tcp_timer_set(c, TJ_KEEPALIVE, keepalive_due(c));
}

void tcp_timer_fired(struct tern_timer *t, uint64_t now)
{
	struct tern_tcp *c = t->ctx;
	enum tcp_timer_job job = c->job;

	net_set_now(c->net, now);
	c->job = TJ_NONE;
	switch (job) {
	case TJ_RTO:
		rto_fired(c);
		break;
	case TJ_TLP:
		tlp_fired(c);
		break;
	case TJ_RACK:
		rack_fired(c);
		break;
	case TJ_PERSIST:
		if (c->snd_wnd == 0) {
			persist_fired(c);
			break;
		}
		c->sws_override = true;
		tcp_output(c);
		c->sws_override = false;
		break;
	case TJ_TIME_WAIT:
		tcp_conn_done(c, 0);
		break;
	case TJ_KEEPALIVE:
		keepalive_fired(c);
		break;
	case TJ_FIN_WAIT_2:
		fin_wait2_fired(c);
		break;
	case TJ_NONE:
		break;
	}
}

void tcp_delack_fired(struct tern_timer *t, uint64_t now)
{
	struct tern_tcp *c = t->ctx;

	net_set_now(c->net, now);
	NET_STAT(c->net, tcp_delayed_acks);
	tcp_send_ack(c);
}
