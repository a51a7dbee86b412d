/*
 * tcp_sack.c - the sender's SACK scoreboard and SACK-based loss recovery
 * (RFC 6675, conservative).
 *
 * The scoreboard holds what the peer reported holding above snd_una, as up
 * to TCP_SACK_SCORE sorted, disjoint ranges (a report that would not fit
 * drops the highest range: that data only counts as not yet received, so
 * the cost of a full board is a needless resend, never a lost byte).
 *
 * A hole (an unreported range below the highest reported byte) is lost
 * once more than (DupThresh - 1) * MSS = 2 * MSS bytes above it were
 * reported (IsLost). In recovery the sender keeps "pipe" (RFC 6675
 * SetPipe: bytes in flight, neither reported nor lost-and-not-resent)
 * under cwnd and chooses what to send with NextSeg: the first lost hole
 * from HighRxt on, else new data, else the first unreported hole below the
 * highest report. Every report is checked against (snd_una, snd_max]
 * first: a block outside it (a D-SACK, or a forged one) is ignored.
 */
#include <string.h>

#include "tern/assert.h"

#include "tcp_int.h"

/* RFC 6675's DupThresh. */
#define DUP_THRESH 3

void tcp_sack_clear(struct tern_tcp *c)
{
	c->n_sacked = 0;
	c->sacked_bytes = 0;
}

/* Recounts sacked_bytes from the ranges. */
static void recount(struct tern_tcp *c)
{
	c->sacked_bytes = 0;
	for (unsigned i = 0; i < c->n_sacked; i++)
		c->sacked_bytes += c->sacked[i].end - c->sacked[i].start;
}

/* Adds [start, end) to the sorted, disjoint ranges, merging neighbours. */
static void add_range(struct tern_tcp *c, uint32_t start, uint32_t end)
{
	struct tern_tcp_sack_block *b = c->sacked;
	unsigned i = 0, j;

	while (i < c->n_sacked && tern_seq_lt(b[i].end, start))
		i++;
	/* b[i..j) overlap or touch [start, end): fold them in. */
	for (j = i; j < c->n_sacked && tern_seq_leq(b[j].start, end); j++) {
		if (tern_seq_lt(b[j].start, start))
			start = b[j].start;
		if (tern_seq_gt(b[j].end, end))
			end = b[j].end;
	}
	if (j == i && c->n_sacked == TCP_SACK_SCORE) {
		if (i == c->n_sacked)
			return; /* above everything, and no room */
		c->n_sacked--;	/* forget the highest range */
	}
	memmove(&b[i + 1], &b[j], (c->n_sacked - j) * sizeof(b[0]));
	c->n_sacked = (uint8_t)(c->n_sacked - (j - i) + 1);
	b[i].start = start;
	b[i].end = end;
}

void tcp_sack_prune(struct tern_tcp *c)
{
	unsigned drop = 0;

	while (drop < c->n_sacked &&
	       tern_seq_leq(c->sacked[drop].end, c->snd_una))
		drop++;
	memmove(&c->sacked[0], &c->sacked[drop],
		(c->n_sacked - drop) * sizeof(c->sacked[0]));
	c->n_sacked = (uint8_t)(c->n_sacked - drop);
	if (c->n_sacked && tern_seq_lt(c->sacked[0].start, c->snd_una))
		c->sacked[0].start = c->snd_una;
	recount(c);
}

/* Bytes reported at or above seq. */
static uint32_t sacked_above(const struct tern_tcp *c, uint32_t seq)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->n_sacked; i++) {
		const struct tern_tcp_sack_block *b = &c->sacked[i];

		if (tern_seq_geq(b->start, seq))
			n += b->end - b->start;
		else if (tern_seq_gt(b->end, seq))
			n += b->end - seq;
	}
	return n;
}

void tcp_sack_check_resend(struct tern_tcp *c)
{
	if (!c->in_recovery || !c->rxt_watch ||
	    sacked_above(c, c->rxt_mark) <= (DUP_THRESH - 1) * (uint32_t)c->mss)
		return;
	NET_STAT(c->net, tcp_sack_lost_rexmits);
	c->rxt_watch = false;
	c->high_rxt = c->snd_una;
}

bool tcp_sack_update(struct tern_tcp *c, const struct tern_tcp_opts *o)
{
	uint32_t before = c->sacked_bytes;

	if (!c->sack_ok || !(o->present & TERN_TCP_HAS_SACK))
		return false;
	for (unsigned i = 0; i < o->n_sack; i++) {
		uint32_t start = o->sack[i].start, end = o->sack[i].end;

		if (!tern_seq_lt(start, end) ||
		    !tern_seq_gt(start, c->snd_una) ||
		    tern_seq_gt(end, c->snd_max)) {
			NET_STAT(c->net, tcp_sack_ignored);
			continue;
		}
		add_range(c, start, end);
	}
	recount(c);
	return c->sacked_bytes > before;
}

/* The sequence below which every hole counts as lost (IsLost; with
 * RACK, what tcp_rack.c marked), or snd_una if none does. */
static uint32_t lost_end(const struct tern_tcp *c)
{
	uint32_t above = 0;

	/* rack_lost is only meant inside (snd_una, snd_max]. */
	if (tcp_rack_enabled(c))
		return tern_seq_in(c->rack_lost, c->snd_una + 1, c->snd_max + 1)
			       ? c->rack_lost
			       : c->snd_una;

	for (unsigned i = c->n_sacked; i-- > 0;) {
		above += c->sacked[i].end - c->sacked[i].start;
		if (above > (DUP_THRESH - 1) * (uint32_t)c->mss)
			return c->sacked[i].start;
	}
	return c->snd_una;
}

bool tcp_sack_lost(const struct tern_tcp *c)
{
	return c->n_sacked > 0 && tern_seq_gt(lost_end(c), c->snd_una);
}

/* The first unreported range at or after from and below limit (which
 * may pass the highest report: RACK finds a lost tail): its start in
 * *seq and length in *len; false if there is none. */
static bool hole_from(const struct tern_tcp *c, uint32_t from, uint32_t limit,
		      uint32_t *seq, uint32_t *len)
{
	uint32_t at = tern_seq_gt(from, c->snd_una) ? from : c->snd_una;

	for (unsigned i = 0; i < c->n_sacked; i++) {
		const struct tern_tcp_sack_block *b = &c->sacked[i];

		if (tern_seq_geq(at, limit))
			return false;
		if (tern_seq_lt(at, b->start)) {
			uint32_t end = tern_seq_lt(b->start, limit) ? b->start
								    : limit;

			*seq = at;
			*len = end - at;
			return true;
		}
		if (tern_seq_lt(at, b->end))
			at = b->end;
	}
	if (tern_seq_geq(at, limit))
		return false;
	*seq = at;
	*len = limit - at;
	return true;
}

uint32_t tcp_sack_pipe(const struct tern_tcp *c)
{
	uint32_t out = c->snd_max - c->snd_una - c->sacked_bytes;
	uint32_t lost = 0, from = c->high_rxt, limit = lost_end(c);
	uint32_t seq, len;

	/* Lost and not resent: no longer in the network. */
	while (hole_from(c, from, limit, &seq, &len)) {
		lost += len;
		from = seq + len;
	}
	return out > lost ? out - lost : 0;
}

/* Resends len bytes at seq (a FIN with the last of the data if it was
 * sent); returns the bytes it put in flight. */
static uint32_t resend(struct tern_tcp *c, uint32_t seq, uint32_t len)
{
	uint32_t data_end = c->buf_seq + c->buf_len;
	uint8_t flags = TERN_TCP_ACK;

	if (tern_seq_gt(seq + len, data_end))
		len = tern_seq_gt(data_end, seq) ? data_end - seq : 0;
	if (c->fin_queued && seq + len == data_end &&
	    tern_seq_gt(c->snd_max, data_end))
		flags |= TERN_TCP_FIN;
	if (len == 0 && !(flags & TERN_TCP_FIN))
		return 0;
	NET_STAT(c->net, tcp_sack_retransmits);
	if (seq == c->snd_una) {
		/* Data sent after this copy, once reported, proves it
		 * lost if snd_una has not moved (rxt_mark). */
		c->rxt_mark = c->snd_max;
		c->rxt_watch = true;
	}
	tcp_send_segment(c, flags, seq, len);
	c->high_rxt = seq + len;
	return len + ((flags & TERN_TCP_FIN) ? 1 : 0);
}

void tcp_sack_output(struct tern_tcp *c)
{
	uint32_t pipe = tcp_sack_pipe(c);
	uint32_t highest = c->n_sacked ? c->sacked[c->n_sacked - 1].end
				       : c->snd_una;

	while (c->cwnd > pipe && c->cwnd - pipe >= c->mss) {
		uint32_t mss = tcp_send_mss(c), seq, len, sent;

		/* NextSeg rule 1: a lost hole; rule 2: new data; rule 3: any
		 * hole below the highest report. */
		if (hole_from(c, c->high_rxt, lost_end(c), &seq, &len)) {
			sent = resend(c, seq, TERN_MIN(len, mss));
		} else if ((sent = tcp_output_new_segment(c)) > 0) {
		} else if (hole_from(c, c->high_rxt, highest, &seq, &len)) {
			sent = resend(c, seq, TERN_MIN(len, mss));
		} else {
			break;
		}
		if (sent == 0)
			break;
		pipe += sent;
	}
}

void tcp_sack_enter_recovery(struct tern_tcp *c)
{
	uint32_t highest = c->n_sacked ? c->sacked[c->n_sacked - 1].start
				       : c->snd_max;
	uint32_t seq, len = highest - c->snd_una;

	/* Only outside go-back-N: recover keeps a timeout's window out. */
	TERN_ASSERT(c->snd_nxt == c->snd_max);
	c->high_rxt = c->snd_una;
	/* RFC 6675 5 (4.2, 4.3): cwnd = ssthresh; the first hole goes at
	 * once, whatever pipe says. */
	c->cwnd = c->ssthresh;
	if (!hole_from(c, c->snd_una, highest, &seq, &len))
		seq = c->snd_una;
	resend(c, seq, TERN_MIN(len, tcp_send_mss(c)));
	tcp_sack_output(c);
}
