/*
 * reasm.c - IPv4 fragment reassembly, bounded in memory and in time.
 *
 * Memory: at most cfg.reasm_contexts datagrams at once (new fragments
 * beyond that are dropped: frag_no_ctx), each copied as it arrives into one
 * buffer of the reassembly pool at its offset, so a context costs one
 * buffer whatever the fragment count. The pool holds two buffers per
 * context: a completed datagram may wait in a socket while a new one is
 * being assembled. A datagram longer than cfg.reasm_max_len is refused.
 *
 * Time: a context lives cfg.reasm_timeout_ns from its first fragment; then
 * it is dropped (frag_timeout). Not extended by later fragments, so a
 * trickle cannot pin a context.
 *
 * Correctness: each context keeps the sorted, disjoint byte ranges it has
 * (adjacent ranges merged: in-order arrival keeps one). A fragment that
 * overlaps a range it already has - duplicates included - drops the whole
 * datagram (frag_overlap; the rule that defeats overlap-based evasion),
 * as do fragments that disagree on where the datagram ends. More than
 * TERN_NET_REASM_RANGES holes drops it too (frag_too_many).
 *
 * The completed datagram gets a fresh 20-byte header (options of the
 * first fragment are not kept), with the TOS and TTL of the first
 * fragment.
 */
#include <string.h>

#include "net_int.h"

static struct tern_reasm *find_ctx(struct tern_net *net,
				   const struct tern_ipv4_hdr *h)
{
	for (unsigned i = 0; i < net->cfg.reasm_contexts; i++) {
		struct tern_reasm *r = &net->reasm[i];

		if (r->used && r->id == h->id && r->src == h->src &&
		    r->dst == h->dst && r->proto == h->proto)
			return r;
	}
	return NULL;
}

static void ctx_free(struct tern_reasm *r)
{
	tern_pkt_free(r->buf);
	r->buf = NULL;
	r->used = false;
}

static struct tern_reasm *ctx_new(struct tern_netif *ifc,
				  const struct tern_ipv4_hdr *h)
{
	struct tern_net *net = ifc->net;
	struct tern_reasm *r = NULL;

	for (unsigned i = 0; i < net->cfg.reasm_contexts; i++) {
		if (!net->reasm[i].used) {
			r = &net->reasm[i];
			break;
		}
	}
	if (!r) {
		NET_STAT(net, frag_no_ctx);
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->buf = tern_pkt_alloc(&net->reasm_pool, TERN_NET_HEADROOM);
	if (!r->buf) {
		NET_STAT(net, frag_nobuf);
		return NULL;
	}
	r->used = true;
	r->ifindex = (uint8_t)ifc->index;
	r->proto = h->proto;
	r->id = h->id;
	r->src = h->src;
	r->dst = h->dst;
	r->deadline = net->now + net->cfg.reasm_timeout_ns;
	net_note_deadline(net, r->deadline);
	return r;
}

/* Records [start, end) in r's sorted ranges. Returns false on an overlap
 * or when the range table is full. */
static bool add_range(struct tern_net *net, struct tern_reasm *r,
		      uint32_t start, uint32_t end)
{
	unsigned i = 0, n = r->nranges;

	while (i < n && r->ranges[i].end <= start)
		i++;
	/* Now ranges[i - 1].end <= start; ranges[i] is the first range that
	 * ends after start. */
	if (i < n && r->ranges[i].start < end) {
		NET_STAT(net, frag_overlap);
		return false;
	}
	if (i > 0 && r->ranges[i - 1].end == start) {
		r->ranges[i - 1].end = end;
		if (i < n && r->ranges[i].start == end) {
			r->ranges[i - 1].end = r->ranges[i].end;
			memmove(&r->ranges[i], &r->ranges[i + 1],
				(n - i - 1) * sizeof(r->ranges[0]));
			r->nranges--;
		}
		return true;
	}
	if (i < n && r->ranges[i].start == end) {
		r->ranges[i].start = start;
		return true;
	}
	if (n == TERN_NET_REASM_RANGES) {
		NET_STAT(net, frag_too_many);
		return false;
	}
	memmove(&r->ranges[i + 1], &r->ranges[i],
		(n - i) * sizeof(r->ranges[0]));
	r->ranges[i].start = start;
	r->ranges[i].end = end;
	r->nranges++;
	return true;
}

struct tern_pkt *reasm_input(struct tern_netif *ifc, struct tern_pkt *pkt,
			     struct tern_ipv4_hdr *h)
{
	struct tern_net *net = ifc->net;
	uint32_t start = h->frag_off;
	uint32_t len = (uint32_t)h->total_len - h->hlen;
	uint32_t end = start + len;
	struct tern_reasm *r = find_ctx(net, h);
	struct tern_pkt *done;

	if (TERN_IPV4_HLEN + end > net->cfg.reasm_max_len ||
	    net->cfg.reasm_contexts == 0) {
		NET_STAT(net, frag_too_big);
		goto drop_all;
	}
	if (!r) {
		r = ctx_new(ifc, h);
		if (!r)
			goto drop;
	}
	if (!h->mf) {
		if ((r->have_last && r->total != end) ||
		    (r->nranges && r->ranges[r->nranges - 1].end > end)) {
			NET_STAT(net, frag_overlap);
			goto drop_all;
		}
		r->have_last = true;
		r->total = end;
	} else if (r->have_last && end > r->total) {
		NET_STAT(net, frag_overlap);
		goto drop_all;
	}
	if (!add_range(net, r, start, end))
		goto drop_all;
	memcpy(r->buf->data + TERN_IPV4_HLEN + start, pkt->data + h->hlen, len);
	if (start == 0) {
		r->first.seen = true;
		r->first.tos = h->tos;
		r->first.ttl = h->ttl;
	}
	tern_pkt_free(pkt);
	if (!r->have_last || r->nranges != 1 || r->ranges[0].start != 0 ||
	    r->ranges[0].end != r->total)
		return NULL;

	/* Complete: give it a plain header and hand the buffer on. */
	done = r->buf;
	r->buf = NULL;
	r->used = false;
	h->hlen = TERN_IPV4_HLEN;
	h->total_len = (uint16_t)(TERN_IPV4_HLEN + r->total);
	h->mf = false;
	h->df = false;
	h->frag_off = 0;
	h->tos = r->first.tos;
	h->ttl = r->first.ttl;
	tern_pkt_put(done, h->total_len);
	tern_ipv4_hdr_emit(h, done->data);
	NET_STAT(net, frag_reassembled);
	return done;

drop_all:
	if (r)
		ctx_free(r);
drop:
	tern_pkt_free(pkt);
	return NULL;
}

uint64_t reasm_timers(struct tern_net *net, uint64_t now)
{
	uint64_t next = TERN_NO_DEADLINE;

	for (unsigned i = 0; i < net->cfg.reasm_contexts; i++) {
		struct tern_reasm *r = &net->reasm[i];

		if (!r->used)
			continue;
		if (r->deadline <= now) {
			NET_STAT(net, frag_timeout);
			ctx_free(r);
			continue;
		}
		next = TERN_MIN(next, r->deadline);
	}
	return next;
}

void reasm_flush(struct tern_net *net)
{
	for (unsigned i = 0; i < net->cfg.reasm_contexts; i++)
		if (net->reasm[i].used)
			ctx_free(&net->reasm[i]);
}
