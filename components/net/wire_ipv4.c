/*
 * wire_ipv4.c - IPv4 header parse and emit, the options walk, and the
 * pseudo-header checksum that UDP and TCP share.
 *
 * The parser is where most "small stack" bugs live (DESIGN.md, Hostile
 * input): every length is checked against the bytes present before it is
 * used, the options walk advances on every step, and a fragment that would
 * end past 65,535 bytes is refused here, before reassembly sees it.
 */
#include "tern/net_wire.h"

#include "tern/err.h"
#include "tern/view.h"

#include "net_int.h"

/* Offsets in the IPv4 header. */
enum {
	IP_VHL = 0,
	IP_TOS = 1,
	IP_LEN = 2,
	IP_ID = 4,
	IP_FRAG = 6,
	IP_TTL = 8,
	IP_PROTO = 9,
	IP_CKSUM = 10,
	IP_SRC = 12,
	IP_DST = 16,
};

#define IP_FLAG_DF 0x4000
#define IP_FLAG_MF 0x2000
#define IP_OFF_MASK 0x1fff

#define IPOPT_EOL 0
#define IPOPT_NOP 1

static int bad(enum tern_wire_bad *why, enum tern_wire_bad reason)
{
	*why = reason;
	return -TERN_EBADMSG;
}

int tern_ipv4_options_check(const uint8_t *opts, size_t len)
{
	struct tern_view v = tern_view_make(opts, len);
	size_t pos = 0;
	int count = 0;

	/* Invariant: pos strictly increases on every iteration, so the walk
	 * ends after at most len steps. */
	while (pos < len) {
		uint8_t type = tern_view_u8(&v, pos);
		uint8_t olen;

		if (type == IPOPT_EOL)
			break;
		count++;
		if (type == IPOPT_NOP) {
			pos++;
			continue;
		}
		if (!tern_view_has(&v, pos, 2))
			return -TERN_EBADMSG;
		olen = tern_view_u8(&v, pos + 1);
		if (olen < 2 || !tern_view_has(&v, pos, olen))
			return -TERN_EBADMSG;
		pos += olen;
	}
	return count;
}

/* What both parsers check and read: the fixed 20 bytes, the version and a
 * header length that fits the bytes. Returns 0 (h filled) or
 * -TERN_EBADMSG with *why set. */
static int parse_fixed(struct tern_view *v, struct tern_ipv4_hdr *h,
		       enum tern_wire_bad *why)
{
	uint16_t frag;

	if (!tern_view_has(v, 0, TERN_IPV4_HLEN))
		return bad(why, TERN_WIRE_SHORT);
	if (tern_view_u8(v, IP_VHL) >> 4 != 4)
		return bad(why, TERN_WIRE_VERSION);
	frag = tern_view_be16(v, IP_FRAG);
	h->hlen = (uint8_t)((tern_view_u8(v, IP_VHL) & 0x0f) * 4);
	h->tos = tern_view_u8(v, IP_TOS);
	h->total_len = tern_view_be16(v, IP_LEN);
	h->id = tern_view_be16(v, IP_ID);
	h->df = (frag & IP_FLAG_DF) != 0;
	h->mf = (frag & IP_FLAG_MF) != 0;
	h->frag_off = (uint16_t)((frag & IP_OFF_MASK) * 8);
	h->ttl = tern_view_u8(v, IP_TTL);
	h->proto = tern_view_u8(v, IP_PROTO);
	h->cksum = tern_view_be16(v, IP_CKSUM);
	h->src = tern_view_be32(v, IP_SRC);
	h->dst = tern_view_be32(v, IP_DST);
	if (h->hlen < TERN_IPV4_HLEN || !tern_view_has(v, 0, h->hlen))
		return bad(why, TERN_WIRE_HLEN);
	return 0;
}

int tern_ipv4_hdr_parse(const void *data, size_t len, struct tern_ipv4_hdr *h,
			bool verify, enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);
	size_t payload;

	if (parse_fixed(&v, h, why) < 0)
		return -TERN_EBADMSG;
	if (h->total_len < h->hlen || h->total_len > len)
		return bad(why, TERN_WIRE_LEN);
	if (verify && !TERN_NET_FUZZING &&
	    tern_cksum(tern_view_ptr(&v, 0, h->hlen), h->hlen) != 0)
		return bad(why, TERN_WIRE_CKSUM);
	if (h->hlen > TERN_IPV4_HLEN &&
	    tern_ipv4_options_check(tern_view_ptr(&v, TERN_IPV4_HLEN,
						  h->hlen - TERN_IPV4_HLEN),
				    h->hlen - TERN_IPV4_HLEN) < 0)
		return bad(why, TERN_WIRE_OPTIONS);
	payload = h->total_len - h->hlen;
	if (h->mf || h->frag_off) {
		/* The reassembled datagram must fit in 65,535 bytes; every
		 * fragment but the last carries a multiple of 8 bytes. */
		if (payload == 0 ||
		    (size_t)h->frag_off + h->total_len > TERN_IPV4_MAX_LEN ||
		    (h->mf && payload % 8 != 0))
			return bad(why, TERN_WIRE_FRAG);
	}
	*why = TERN_WIRE_OK;
	return 0;
}

int tern_ipv4_quote_parse(const void *data, size_t len, struct tern_ipv4_hdr *h,
			  enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);

	if (parse_fixed(&v, h, why) < 0)
		return -TERN_EBADMSG;
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_ipv4_hdr_emit(const struct tern_ipv4_hdr *h,
			uint8_t out[TERN_IPV4_HLEN])
{
	uint16_t frag = (uint16_t)((h->frag_off / 8) & IP_OFF_MASK);

	if (h->df)
		frag |= IP_FLAG_DF;
	if (h->mf)
		frag |= IP_FLAG_MF;
	out[IP_VHL] = 0x45;
	out[IP_TOS] = h->tos;
	tern_store_be16(out + IP_LEN, h->total_len);
	tern_store_be16(out + IP_ID, h->id);
	tern_store_be16(out + IP_FRAG, frag);
	out[IP_TTL] = h->ttl;
	out[IP_PROTO] = h->proto;
	tern_store_be16(out + IP_CKSUM, 0);
	tern_store_be32(out + IP_SRC, h->src);
	tern_store_be32(out + IP_DST, h->dst);
	tern_store_be16(out + IP_CKSUM, tern_cksum(out, TERN_IPV4_HLEN));
}

void tern_ipv4_pseudo_csum(struct tern_csum *c, uint32_t src, uint32_t dst,
			   uint8_t proto, uint16_t len)
{
	uint8_t ph[12];

	/* One call over the 12 bytes: the checksum's per-call cost, not
	 * its per-byte cost, dominates for headers this small. */
	tern_store_be32(ph, src);
	tern_store_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	tern_store_be16(ph + 10, len);
	tern_csum_init(c);
	tern_csum_add(c, ph, sizeof(ph));
}
