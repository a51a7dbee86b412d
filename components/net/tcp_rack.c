/*
 * tcp_rack.c - RACK's time-based loss detection (RFC 8985 6): a segment
 * is lost once a segment sent after it was delivered and more than a
 * round trip plus a reordering window has passed since it was sent. The
 * tail-loss probe that goes with it is in tcp_timer.c; both are on for a
 * connection with SACK unless tern_tcp_set_rack turned them off.
 *
 * The send ring keeps no per-segment state, so this file keeps a log of
 * transmissions: up to TCP_RACK_LOG ranges [start, end) with the time
 * they were (last) sent and whether that was a resend, in the order they
 * went out. A burst sent at one instant is one entry. A full log folds its
 * two oldest entries into one with the later time: that only delays the
 * verdict on their bytes. A byte's send time is that of the newest entry
 * that covers it; a byte no entry covers (go-back-N after a timeout
 * cleared the log) is never judged.
 *
 * On each ACK: the newest transmission among what was delivered sets
 * RACK.xmit_ts, RACK.end_seq and RACK.rtt (a resend whose sample is under
 * the minimum RTT was delivered as its original, RFC 8985 6.2 step 2); a
 * hole filled by its first transmission below the highest delivered byte
 * is reordering. Then the walk from snd_una marks what is lost, and the
 * result is the one thing SACK recovery (tcp_sack.c) reads: rack_lost,
 * the end of the run of lost holes (NextSeg's and SetPipe's IsLost), with
 * HighRxt moved back to a resend that was lost. What is not lost yet but
 * will be if nothing arrives arms the reordering timer (TJ_RACK, on the
 * connection's one timer in place of the RTO).
 *
 * Tunables (RFC 8985's): the reordering window is min(min_RTT / 4, SRTT),
 * or 0 while no reordering was seen and the connection is in recovery or
 * has DupThresh (3) segments SACKed. The multiplier that D-SACKs would
 * grow is fixed at 1: this stack ignores D-SACK blocks. min_RTT is the
 * smallest RACK sample of the connection (no window).
 */
#include <string.h>

#include "tcp_int.h"

#define DUP_THRESH 3

bool tcp_rack_enabled(const struct tern_tcp *c)
{
	return c->sack_ok && !c->rack_off;
}

void tcp_rack_clear(struct tern_tcp *c)
{
	c->rack_n = 0;
	c->rack_lost = c->snd_una;
}

void tcp_rack_sent(struct tern_tcp *c, uint32_t seq, uint32_t end, bool rexmit)
{
	struct tcp_rack_tx *last = c->rack_n ? &c->rack_log[c->rack_n - 1]
					     : NULL;
	struct tcp_rack_tx *t;

	if (!tcp_rack_enabled(c))
		return;
	if (last && last->at == c->net->now && last->end == seq &&
	    last->rexmit == rexmit) {
		last->end = end;
		return;
	}
	if (c->rack_n == TCP_RACK_LOG) {
		struct tcp_rack_tx *a = &c->rack_log[0], *b = &c->rack_log[1];

		if (tern_seq_lt(a->start, b->start))
			b->start = a->start;
		if (tern_seq_gt(a->end, b->end))
			b->end = a->end;
		b->rexmit = a->rexmit || b->rexmit; /* b keeps its order */
		memmove(a, b, (TCP_RACK_LOG - 1) * sizeof(*a));
		c->rack_n--;
	}
	t = &c->rack_log[c->rack_n++];
	t->start = seq;
	t->end = end;
	t->at = c->net->now;
	t->order = c->rack_next++;
	t->rexmit = rexmit;
}

/* RFC 8985's RACK_sent_after: (o1, seq1) went out after (o2, seq2). The
 * log's order numbers stand for the send times: they tell apart sends
 * at one instant (a resend and new data after it, on a virtual clock). */
static bool sent_after(uint32_t o1, uint32_t seq1, uint32_t o2, uint32_t seq2)
{
	return tern_seq_gt(o1, o2) || (o1 == o2 && tern_seq_gt(seq1, seq2));
}

/* True if [start, end) overlaps a range the peer SACKed. */
static bool sacked_overlap(const struct tern_tcp *c, uint32_t start,
			   uint32_t end)
{
	for (unsigned i = 0; i < c->n_sacked; i++)
		if (tern_seq_lt(c->sacked[i].start, end) &&
		    tern_seq_gt(c->sacked[i].end, start))
			return true;
	return false;
}

/* The end of the highest delivered byte of entry t (acknowledged from
 * old_una to snd_una, or SACKed), or t->start if none was: a burst is
 * one entry, and RACK.end_seq is where its delivered part ends. */
static uint32_t delivered_end(const struct tern_tcp *c,
			      const struct tcp_rack_tx *t, uint32_t old_una)
{
	uint32_t end = t->start;

	if (tern_seq_gt(c->snd_una, old_una) &&
	    tern_seq_lt(t->start, c->snd_una) && tern_seq_gt(t->end, old_una))
		end = tern_seq_lt(t->end, c->snd_una) ? t->end : c->snd_una;
	for (unsigned i = 0; i < c->n_sacked; i++) {
		const struct tern_tcp_sack_block *b = &c->sacked[i];
		uint32_t e = tern_seq_lt(b->end, t->end) ? b->end : t->end;

		if (tern_seq_lt(b->start, t->end) &&
		    tern_seq_gt(b->end, t->start) && tern_seq_gt(e, end))
			end = e;
	}
	return end;
}

/* The newest log entry that covers seq, or NULL. */
static const struct tcp_rack_tx *newest_cover(const struct tern_tcp *c,
					      uint32_t seq)
{
	for (unsigned i = c->rack_n; i-- > 0;) {
		const struct tcp_rack_tx *t = &c->rack_log[i];

		if (tern_seq_leq(t->start, seq) && tern_seq_lt(seq, t->end))
			return t;
	}
	return NULL;
}

/* Drops the log's entries that snd_una passed. */
static void prune(struct tern_tcp *c)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < c->rack_n; i++) {
		struct tcp_rack_tx t = c->rack_log[i];

		if (tern_seq_leq(t.end, c->snd_una))
			continue;
		if (tern_seq_lt(t.start, c->snd_una))
			t.start = c->snd_una;
		c->rack_log[keep++] = t;
	}
	c->rack_n = (uint8_t)keep;
}

void tcp_rack_ack(struct tern_tcp *c, uint32_t old_una)
{
	bool advanced = tern_seq_gt(c->snd_una, old_una);
	bool known = c->rack_valid; /* rack_fack means something */
	uint32_t fack = c->n_sacked ? c->sacked[c->n_sacked - 1].end
				    : c->snd_una;

	if (!tcp_rack_enabled(c))
		return;
	/* RFC 8985 6.2 step 3: a hole filled by its only transmission,
	 * below what was delivered before, was reordered, not lost. */
	if (known && advanced && tern_seq_lt(old_una, c->rack_fack)) {
		const struct tcp_rack_tx *t = newest_cover(c, old_una);

		if (t && !t->rexmit)
			c->rack_reord = true;
	}
	/* Steps 1-2: the newest transmission among the delivered. */
	for (unsigned i = 0; i < c->rack_n; i++) {
		const struct tcp_rack_tx *t = &c->rack_log[i];
		uint64_t rtt = c->net->now - t->at;
		uint32_t end = delivered_end(c, t, old_una);

		if (end == t->start)
			continue;
		if (t->rexmit && c->rack_min_rtt && rtt < c->rack_min_rtt)
			continue; /* the original's ACK, most likely */
		if (!c->rack_min_rtt || rtt < c->rack_min_rtt)
			c->rack_min_rtt = rtt ? rtt : 1;
		if (!c->rack_valid ||
		    sent_after(t->order, end, c->rack_order, c->rack_end)) {
			c->rack_valid = true;
			c->rack_order = t->order;
			c->rack_at = t->at;
			c->rack_end = end;
			c->rack_rtt = rtt;
		}
	}
	if (!known || tern_seq_gt(fack, c->rack_fack))
		c->rack_fack = fack;
	prune(c);
}

/* RFC 8985 6.2 step 4's reordering window, ns. */
static uint64_t reo_wnd(const struct tern_tcp *c)
{
	if (!c->rack_reord &&
	    (c->in_recovery ||
	     c->sacked_bytes >= DUP_THRESH * (uint32_t)c->mss))
		return 0;
	return TERN_MIN(c->rack_min_rtt / 4, c->srtt);
}

/* The next place after pos where a piece of the flight may change state:
 * an entry's or a SACK block's edge, or snd_max. */
static uint32_t next_edge(const struct tern_tcp *c, uint32_t pos)
{
	uint32_t at = c->snd_max;

	for (unsigned i = 0; i < c->rack_n; i++) {
		uint32_t s = c->rack_log[i].start, e = c->rack_log[i].end;

		if (tern_seq_gt(s, pos) && tern_seq_lt(s, at))
			at = s;
		if (tern_seq_gt(e, pos) && tern_seq_lt(e, at))
			at = e;
	}
	for (unsigned i = 0; i < c->n_sacked; i++) {
		uint32_t s = c->sacked[i].start, e = c->sacked[i].end;

		if (tern_seq_gt(s, pos) && tern_seq_lt(s, at))
			at = s;
		if (tern_seq_gt(e, pos) && tern_seq_lt(e, at))
			at = e;
	}
	return at;
}

/* True if seq is in a SACKed range. */
static bool is_sacked(const struct tern_tcp *c, uint32_t seq)
{
	return sacked_overlap(c, seq, seq + 1);
}

/* Arms the reordering timer for wait ns from now (0: disarms it). It
 * takes the place of the RTO or the probe, which tcp_timer_rto_check
 * arms again once it is gone. */
static void reo_timer(struct tern_tcp *c, uint64_t wait)
{
	if (wait) {
		if (c->job == TJ_NONE || c->job == TJ_RTO || c->job == TJ_TLP ||
		    c->job == TJ_RACK)
			tcp_timer_set(c, TJ_RACK, c->net->now + wait);
	} else if (c->job == TJ_RACK) {
		tcp_timer_set(c, TJ_NONE, 0);
	}
}

bool tcp_rack_detect(struct tern_tcp *c)
{
	uint64_t win, wait = 0, now = c->net->now;
	uint32_t pos = c->snd_una, first = 0, run = c->snd_una;
	bool found = false, open = false;

	/* Nothing delivered yet, or go-back-N after a timeout. */
	if (!tcp_rack_enabled(c) || !c->rack_valid ||
	    c->snd_nxt != c->snd_max) {
		c->rack_lost = c->snd_una;
		return false;
	}
	win = c->rack_rtt + reo_wnd(c);
	while (tern_seq_lt(pos, c->snd_max)) {
		uint32_t next = next_edge(c, pos);
		const struct tcp_rack_tx *t;
		bool lost = false;

		if (is_sacked(c, pos)) {
			pos = next;
			continue;
		}
		t = newest_cover(c, pos);
		if (t &&
		    sent_after(c->rack_order, c->rack_end, t->order, next)) {
			if (t->at + win <= now)
				lost = true;
			else
				wait = TERN_MAX(wait, t->at + win - now);
		}
		if (lost && !found) {
			found = open = true;
			first = pos;
		}
		if (open && lost)
			run = next;
		else if (open)
			open = false; /* the run ends at a piece not lost */
		pos = next;
	}
	reo_timer(c, wait);
	if (!found) {
		c->rack_lost = c->snd_una;
		return false;
	}
	if (c->in_recovery && tern_seq_lt(first, c->high_rxt)) {
		NET_STAT(c->net, tcp_sack_lost_rexmits); /* a resend, lost */
		c->high_rxt = first;
	}
	/* Count each lost byte range once, in segments. */
	if (!tern_seq_in(c->rack_counted, c->snd_una, c->snd_max + 1))
		c->rack_counted = c->snd_una;
	if (tern_seq_gt(run, c->rack_counted)) {
		uint32_t from = tern_seq_gt(c->rack_counted, first)
					? c->rack_counted
					: first;

		c->net->stats.tcp_rack_losses +=
			(run - from + c->mss - 1) / c->mss;
		c->rack_counted = run;
	}
	c->rack_lost = run;
	return true;
}
