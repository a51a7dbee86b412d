/*
 * fuzz_tcp_wire.c - fuzz target for the TCP wire layer: the header parser,
 * the options walk, both emitters and the checksum.
 *
 * Input: [src:4][dst:4][TCP segment] (the addresses of the pseudo-header,
 * big-endian; missing bytes read as 0). Invariants:
 *   - the header parser returns 0 or -TERN_EBADMSG with a reason (and
 *     TERN_WIRE_OK exactly on success); an accepted header has
 *     20 <= hlen <= len, hlen <= 60 and hlen % 4 == 0, and emits back to
 *     the same 20 bytes (the reserved bits cleared), which parse back to
 *     the same fields;
 *   - the options walk, over a copy of exactly the options area (so ASan
 *     sees a read past it), returns -TERN_EBADMSG or the number of bits
 *     it set in present, with n_sack <= 4 and n_sack > 0 exactly when
 *     SACK is present;
 *   - the parsed options, emitted both as a SYN's and as another
 *     segment's, take exactly tern_tcp_opts_len bytes (a multiple of 4, at
 *     most 40; nothing written past them) and parse back to the same
 *     values for the options that layout carries;
 *   - the checksum tern_tcp_cksum stores, with the payload split into two
 *     pieces at any point, verifies by RFC 1071 arithmetic (fuzz builds
 *     skip verification in the parser, so it is checked here).
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"
#include "tern/net_wire.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 0xee

static int popcount(uint32_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* Emits o as a SYN's options (syn) or another segment's, parses the
 * result, and checks it carries o's values for what that layout holds. */
static void check_emit(const struct tern_tcp_opts *o, bool syn)
{
	const uint32_t syn_bits = TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
				  TERN_TCP_HAS_SACK_OK | TERN_TCP_HAS_TS;
	uint8_t buf[TERN_TCP_OPTS_MAX + 8];
	size_t len = tern_tcp_opts_len(o, syn);
	struct tern_tcp_opts back;
	uint32_t want;
	unsigned k = 0;
	uint8_t *copy;
	int rc;

	TERN_ASSERT(len % 4 == 0 && len <= TERN_TCP_OPTS_MAX);
	memset(buf, GUARD, sizeof(buf));
	TERN_ASSERT(tern_tcp_opts_emit(o, syn, buf) == len);
	for (size_t i = len; i < sizeof(buf); i++)
		TERN_ASSERT(buf[i] == GUARD);
	copy = fuzz_dup(buf, len);
	rc = tern_tcp_opts_parse(copy, len, &back);
	free(copy);

	if (syn) {
		want = o->present & syn_bits;
	} else {
		k = TERN_MIN((unsigned)o->n_sack,
			     (o->present & TERN_TCP_HAS_TS) ? 3u : 4u);
		want = (o->present & TERN_TCP_HAS_TS) |
		       (k > 0 ? TERN_TCP_HAS_SACK : 0);
	}
	TERN_ASSERT(rc == popcount(want));
	TERN_ASSERT(back.present == want);
	if (want & TERN_TCP_HAS_MSS)
		TERN_ASSERT(back.mss == o->mss);
	if (want & TERN_TCP_HAS_WSCALE)
		TERN_ASSERT(back.wscale == o->wscale);
	if (want & TERN_TCP_HAS_TS)
		TERN_ASSERT(back.ts_val == o->ts_val &&
			    back.ts_ecr == o->ts_ecr);
	TERN_ASSERT(back.n_sack == k);
	for (unsigned i = 0; i < k; i++)
		TERN_ASSERT(back.sack[i].start == o->sack[i].start &&
			    back.sack[i].end == o->sack[i].end);
}

/* Walks the n option bytes at p and, if they are well formed, checks the
 * emitters against what was parsed. */
static void check_options(const uint8_t *p, size_t n)
{
	uint8_t *copy = fuzz_dup(p, n);
	struct tern_tcp_opts o;
	int rc;

	rc = tern_tcp_opts_parse(copy, n, &o);
	free(copy);
	TERN_ASSERT(rc == -TERN_EBADMSG || rc >= 0);
	if (rc < 0)
		return;
	TERN_ASSERT(rc == popcount(o.present));
	TERN_ASSERT((o.present &
		     ~(uint32_t)(TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
				 TERN_TCP_HAS_SACK_OK | TERN_TCP_HAS_SACK |
				 TERN_TCP_HAS_TS)) == 0);
	TERN_ASSERT(o.n_sack <= TERN_TCP_SACK_BLOCKS_MAX);
	TERN_ASSERT((o.n_sack > 0) == ((o.present & TERN_TCP_HAS_SACK) != 0));
	check_emit(&o, true);
	check_emit(&o, false);
}

/* Checks that h, parsed from seg, emits to the bytes it came from. */
static void check_header(const uint8_t *seg, size_t len,
			 const struct tern_tcp_hdr *h)
{
	uint8_t out[TERN_TCP_HLEN_MAX];
	struct tern_tcp_hdr back;
	enum tern_wire_bad why;

	TERN_ASSERT(h->hlen >= TERN_TCP_HLEN && h->hlen <= len);
	TERN_ASSERT(h->hlen <= TERN_TCP_HLEN_MAX && h->hlen % 4 == 0);
	tern_tcp_hdr_emit(h, out);
	TERN_ASSERT(memcmp(out, seg, 12) == 0);
	TERN_ASSERT(out[12] == (seg[12] & 0xf0));
	TERN_ASSERT(memcmp(out + 13, seg + 13, TERN_TCP_HLEN - 13) == 0);
	memcpy(out + TERN_TCP_HLEN, seg + TERN_TCP_HLEN,
	       h->hlen - TERN_TCP_HLEN);
	TERN_ASSERT(tern_tcp_hdr_parse(out, h->hlen, 0, 0, &back, false,
				       &why) == 0);
	TERN_ASSERT(back.sport == h->sport && back.dport == h->dport &&
		    back.seq == h->seq && back.ack == h->ack &&
		    back.hlen == h->hlen && back.flags == h->flags &&
		    back.win == h->win && back.cksum == h->cksum &&
		    back.urp == h->urp);
}

/* Stores tern_tcp_cksum in a copy of seg (the first split bytes as the
 * header, the rest as the payload) and verifies it the way RFC 1071 says a
 * receiver does: the sum over pseudo-header and segment is all ones. */
static void check_cksum(uint32_t src, uint32_t dst, const uint8_t *seg,
			size_t len, size_t split)
{
	uint8_t *copy;
	struct tern_iov rest;
	struct tern_csum c;

	if (len < TERN_TCP_HLEN || len > UINT16_MAX)
		return;
	copy = fuzz_dup(seg, len);
	copy[16] = copy[17] = 0;
	rest.base = copy + split;
	rest.len = len - split;
	tern_store_be16(copy + 16,
			tern_tcp_cksum(src, dst, copy, split, &rest, 1));
	tern_ipv4_pseudo_csum(&c, src, dst, TERN_IPPROTO_TCP, (uint16_t)len);
	tern_csum_add(&c, copy, len);
	TERN_ASSERT(tern_csum_finish(&c) == 0);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint32_t src = fuzz_u32(&in);
	uint32_t dst = fuzz_u32(&in);
	size_t len = in.left;
	uint8_t *seg = fuzz_copy(&in, &len);
	struct tern_tcp_hdr h;
	enum tern_wire_bad why = TERN_WIRE_FRAG; /* must be overwritten */
	int rc;

	rc = tern_tcp_hdr_parse(seg, len, src, dst, &h, true, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	TERN_ASSERT((rc == 0) == (why == TERN_WIRE_OK));
	TERN_ASSERT(rc == 0 || why == TERN_WIRE_SHORT ||
		    why == TERN_WIRE_HLEN || why == TERN_WIRE_CKSUM);
	if (rc == 0) {
		check_header(seg, len, &h);
		check_options(seg + TERN_TCP_HLEN, h.hlen - TERN_TCP_HLEN);
		/* The header and options as the first piece (how the
		 * stack sends), then a split in the payload's middle, odd
		 * for half the lengths. */
		check_cksum(src, dst, seg, len, h.hlen);
		check_cksum(src, dst, seg, len, len - (len - h.hlen) / 2);
	}
	free(seg);
	return 0;
}
