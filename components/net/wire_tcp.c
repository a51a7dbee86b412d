/*
 * wire_tcp.c - TCP header parse and emit, the TCP checksum over the
 * pseudo-header, header and a gather list of payload, and the options: a
 * walk that records MSS, window scale, SACK-permitted, SACK blocks and
 * timestamps, and an emitter that writes them in Linux's layout.
 *
 * The options walk is hostile-input code (DESIGN.md): every option's
 * length byte is checked against the bytes left before the option is
 * looked at, a length below 2 is refused (so the walk always advances),
 * and an option of a known kind with the wrong length is skipped rather
 * than read. The emitter writes through a view bounded by
 * tern_tcp_opts_len, so it can never write more than that promised.
 */
#include "tern/net_wire.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/view.h"

#include "net_int.h"

/* Offsets in the TCP header. */
enum {
	TCP_SPORT = 0,
	TCP_DPORT = 2,
	TCP_SEQ = 4,
	TCP_ACK = 8,
	TCP_OFF = 12, /* data offset (high 4 bits), reserved (low 4) */
	TCP_FLAGS = 13,
	TCP_WIN = 14,
	TCP_CKSUM = 16,
	TCP_URP = 18,
};

/* Offsets inside one option, and the lengths of the known kinds. */
enum {
	OPT_KIND = 0,
	OPT_LEN = 1,
	OPT_DATA = 2, /* first byte after kind and length */
	OPT_MSS_LEN = 4,
	OPT_WSCALE_LEN = 3,
	OPT_SACK_OK_LEN = 2,
	OPT_TS_LEN = 10,
	OPT_SACK_BLOCK = 8, /* SACK is OPT_DATA + 8n bytes */
};

/* Bytes of each piece of the emitted layout, padding included. */
enum {
	LAY_MSS = OPT_MSS_LEN,		   /* MSS */
	LAY_TS = 2 + OPT_TS_LEN,	   /* NOP NOP TS, or SACK_OK TS */
	LAY_SACK_OK = 2 + OPT_SACK_OK_LEN, /* NOP NOP SACK_OK */
	LAY_WSCALE = 1 + OPT_WSCALE_LEN,   /* NOP WSCALE */
	LAY_SACK_BASE = 2 + OPT_DATA,	   /* NOP NOP SACK, before blocks */
};

static int bad(enum tern_wire_bad *why, enum tern_wire_bad reason)
{
	*why = reason;
	return -TERN_EBADMSG;
}

int tern_tcp_hdr_parse(const void *data, size_t len, uint32_t src, uint32_t dst,
		       struct tern_tcp_hdr *h, bool verify,
		       enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);

	if (!tern_view_has(&v, 0, TERN_TCP_HLEN))
		return bad(why, TERN_WIRE_SHORT);
	h->sport = tern_view_be16(&v, TCP_SPORT);
	h->dport = tern_view_be16(&v, TCP_DPORT);
	h->seq = tern_view_be32(&v, TCP_SEQ);
	h->ack = tern_view_be32(&v, TCP_ACK);
	h->hlen = (uint8_t)((tern_view_u8(&v, TCP_OFF) >> 4) * 4);
	h->flags = tern_view_u8(&v, TCP_FLAGS);
	h->win = tern_view_be16(&v, TCP_WIN);
	h->cksum = tern_view_be16(&v, TCP_CKSUM);
	h->urp = tern_view_be16(&v, TCP_URP);
	if (h->hlen < TERN_TCP_HLEN || !tern_view_has(&v, 0, h->hlen))
		return bad(why, TERN_WIRE_HLEN);
	if (verify && !TERN_NET_FUZZING) {
		struct tern_csum c;

		/* Over the bytes present. An IPv4 payload is below 64 KiB;
		 * a len that does not fit the pseudo-header's 16-bit length
		 * cannot have a valid checksum. */
		if (len > UINT16_MAX)
			return bad(why, TERN_WIRE_CKSUM);
		tern_ipv4_pseudo_csum(&c, src, dst, TERN_IPPROTO_TCP,
				      (uint16_t)len);
		tern_csum_add(&c, tern_view_ptr(&v, 0, len), len);
		if (tern_csum_finish(&c) != 0)
			return bad(why, TERN_WIRE_CKSUM);
	}
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_tcp_hdr_emit(const struct tern_tcp_hdr *h, uint8_t out[TERN_TCP_HLEN])
{
	TERN_ASSERT(h->hlen >= TERN_TCP_HLEN && h->hlen <= TERN_TCP_HLEN_MAX &&
		    h->hlen % 4 == 0);
	tern_store_be16(out + TCP_SPORT, h->sport);
	tern_store_be16(out + TCP_DPORT, h->dport);
	tern_store_be32(out + TCP_SEQ, h->seq);
	tern_store_be32(out + TCP_ACK, h->ack);
	out[TCP_OFF] = (uint8_t)((h->hlen / 4) << 4); /* reserved bits 0 */
	out[TCP_FLAGS] = h->flags;
	tern_store_be16(out + TCP_WIN, h->win);
	tern_store_be16(out + TCP_CKSUM, h->cksum);
	tern_store_be16(out + TCP_URP, h->urp);
}

uint16_t tern_tcp_cksum(uint32_t src, uint32_t dst, const uint8_t *hdr,
			size_t hdr_len, const struct tern_iov *payload,
			unsigned npieces)
{
	struct tern_csum c;
	size_t total = hdr_len;

	for (unsigned i = 0; i < npieces; i++)
		total += payload[i].len;
	TERN_ASSERT(total <= UINT16_MAX);
	tern_ipv4_pseudo_csum(&c, src, dst, TERN_IPPROTO_TCP, (uint16_t)total);
	tern_csum_add(&c, hdr, hdr_len);
	for (unsigned i = 0; i < npieces; i++)
		tern_csum_add(&c, payload[i].base, payload[i].len);
	/* Unlike UDP's, a computed 0 is sent as 0: TCP has no "no
	 * checksum" value. */
	return tern_csum_finish(&c);
}

/* ---- Options: parse ---------------------------------------------------- */

/* Marks bit present in o. Returns true the first time, false if o already
 * had it (a repeated option keeps its first value). */
static bool claim(struct tern_tcp_opts *o, uint32_t bit)
{
	if (o->present & bit)
		return false;
	o->present |= bit;
	return true;
}

/* Records the option of the given kind whose opt->len bytes (kind and
 * length bytes included; opt->len >= 2) are in opt, if its length is right
 * for its kind and o does not have it yet. Returns 1 if recorded, 0 if
 * ignored (unknown kind, wrong length, repeated). */
static int take_option(struct tern_tcp_opts *o, uint8_t kind,
		       struct tern_view *opt)
{
	size_t olen = opt->len;
	size_t n;

	switch (kind) {
	case TERN_TCPOPT_MSS:
		if (olen != OPT_MSS_LEN || !claim(o, TERN_TCP_HAS_MSS))
			return 0;
		o->mss = tern_view_be16(opt, OPT_DATA);
		return 1;
	case TERN_TCPOPT_WSCALE:
		if (olen != OPT_WSCALE_LEN || !claim(o, TERN_TCP_HAS_WSCALE))
			return 0;
		o->wscale = tern_view_u8(opt, OPT_DATA);
		return 1;
	case TERN_TCPOPT_SACK_OK:
		if (olen != OPT_SACK_OK_LEN || !claim(o, TERN_TCP_HAS_SACK_OK))
			return 0;
		return 1;
	case TERN_TCPOPT_TIMESTAMP:
		if (olen != OPT_TS_LEN || !claim(o, TERN_TCP_HAS_TS))
			return 0;
		o->ts_val = tern_view_be32(opt, OPT_DATA);
		o->ts_ecr = tern_view_be32(opt, OPT_DATA + 4);
		return 1;
	case TERN_TCPOPT_SACK:
		n = (olen - OPT_DATA) / OPT_SACK_BLOCK;
		if ((olen - OPT_DATA) % OPT_SACK_BLOCK != 0 || n == 0 ||
		    n > TERN_TCP_SACK_BLOCKS_MAX ||
		    !claim(o, TERN_TCP_HAS_SACK))
			return 0;
		o->n_sack = (uint8_t)n;
		for (size_t i = 0; i < n; i++) {
			size_t at = OPT_DATA + i * OPT_SACK_BLOCK;

			o->sack[i].start = tern_view_be32(opt, at);
			o->sack[i].end = tern_view_be32(opt, at + 4);
		}
		return 1;
	default:
		return 0;
	}
}

int tern_tcp_opts_parse(const uint8_t *opts, size_t len,
			struct tern_tcp_opts *o)
{
	struct tern_view v = tern_view_make(opts, len);
	size_t pos = 0;
	int count = 0;

	memset(o, 0, sizeof(*o));
	/* Invariant: pos strictly increases on every iteration (NOP by 1,
	 * any other option by its length, which is >= 2) and never passes
	 * len, so the walk ends after at most len steps. */
	while (pos < len) {
		uint8_t kind = tern_view_u8(&v, pos + OPT_KIND);
		struct tern_view opt;
		uint8_t olen;

		if (kind == TERN_TCPOPT_EOL)
			break;
		if (kind == TERN_TCPOPT_NOP) {
			pos++;
			continue;
		}
		if (!tern_view_has(&v, pos, OPT_DATA))
			return -TERN_EBADMSG;
		olen = tern_view_u8(&v, pos + OPT_LEN);
		if (olen < OPT_DATA || !tern_view_has(&v, pos, olen))
			return -TERN_EBADMSG;
		opt = tern_view_sub(&v, pos, olen);
		count += take_option(o, kind, &opt);
		pos += olen;
	}
	return count;
}

/* ---- Options: emit ----------------------------------------------------- */

/* The SACK blocks a non-SYN segment carries for o: its first n_sack, as
 * many as fit after the timestamps (3 with them, 4 without). */
static unsigned sack_blocks(const struct tern_tcp_opts *o)
{
	unsigned fit = (o->present & TERN_TCP_HAS_TS) ? 3 : 4;

	if (!(o->present & TERN_TCP_HAS_SACK))
		return 0;
	return TERN_MIN((unsigned)o->n_sack, fit);
}

size_t tern_tcp_opts_len(const struct tern_tcp_opts *o, bool syn)
{
	size_t len = 0;
	unsigned n;

	if (syn) {
		if (o->present & TERN_TCP_HAS_MSS)
			len += LAY_MSS;
		/* SACK-permitted rides in the timestamps' padding. */
		if (o->present & TERN_TCP_HAS_TS)
			len += LAY_TS;
		else if (o->present & TERN_TCP_HAS_SACK_OK)
			len += LAY_SACK_OK;
		if (o->present & TERN_TCP_HAS_WSCALE)
			len += LAY_WSCALE;
		return len;
	}
	if (o->present & TERN_TCP_HAS_TS)
		len += LAY_TS;
	n = sack_blocks(o);
	if (n > 0)
		len += LAY_SACK_BASE + n * OPT_SACK_BLOCK;
	return len;
}

/* Writes count NOPs at pos of w; returns the position after them. */
static size_t put_nops(struct tern_wview *w, size_t pos, unsigned count)
{
	tern_wview_fill(w, pos, TERN_TCPOPT_NOP, count);
	return pos + count;
}

/* Writes the kind and length bytes of an option at pos of w; returns the
 * position of its data. */
static size_t put_head(struct tern_wview *w, size_t pos, uint8_t kind,
		       uint8_t len)
{
	tern_wview_u8(w, pos + OPT_KIND, kind);
	tern_wview_u8(w, pos + OPT_LEN, len);
	return pos + OPT_DATA;
}

/* Writes o's timestamps option (10 bytes) at pos of w; returns the
 * position after it. */
static size_t put_ts(struct tern_wview *w, size_t pos,
		     const struct tern_tcp_opts *o)
{
	pos = put_head(w, pos, TERN_TCPOPT_TIMESTAMP, OPT_TS_LEN);
	tern_wview_be32(w, pos, o->ts_val);
	tern_wview_be32(w, pos + 4, o->ts_ecr);
	return pos + 8;
}

size_t tern_tcp_opts_emit(const struct tern_tcp_opts *o, bool syn, uint8_t *out)
{
	size_t len = tern_tcp_opts_len(o, syn);
	struct tern_wview w = tern_wview_make(out, len);
	size_t pos = 0;
	bool ts = (o->present & TERN_TCP_HAS_TS) != 0;
	unsigned n;

	if (syn) {
		if (o->present & TERN_TCP_HAS_MSS) {
			pos = put_head(&w, pos, TERN_TCPOPT_MSS, OPT_MSS_LEN);
			tern_wview_be16(&w, pos, o->mss);
			pos += 2;
		}
		if (ts) {
			/* SACK-permitted in the timestamps' padding. */
			if (o->present & TERN_TCP_HAS_SACK_OK)
				pos = put_head(&w, pos, TERN_TCPOPT_SACK_OK,
					       OPT_SACK_OK_LEN);
			else
				pos = put_nops(&w, pos, 2);
			pos = put_ts(&w, pos, o);
		} else if (o->present & TERN_TCP_HAS_SACK_OK) {
			pos = put_head(&w, put_nops(&w, pos, 2),
				       TERN_TCPOPT_SACK_OK, OPT_SACK_OK_LEN);
		}
		if (o->present & TERN_TCP_HAS_WSCALE) {
			pos = put_head(&w, put_nops(&w, pos, 1),
				       TERN_TCPOPT_WSCALE, OPT_WSCALE_LEN);
			tern_wview_u8(&w, pos, o->wscale);
			pos += 1;
		}
	} else {
		if (ts)
			pos = put_ts(&w, put_nops(&w, pos, 2), o);
		n = sack_blocks(o);
		if (n > 0) {
			pos = put_head(
				&w, put_nops(&w, pos, 2), TERN_TCPOPT_SACK,
				(uint8_t)(OPT_DATA + n * OPT_SACK_BLOCK));
			for (unsigned i = 0; i < n; i++) {
				tern_wview_be32(&w, pos, o->sack[i].start);
				tern_wview_be32(&w, pos + 4, o->sack[i].end);
				pos += OPT_SACK_BLOCK;
			}
		}
	}
	/* The layout above and tern_tcp_opts_len must agree exactly. */
	TERN_ASSERT(tern_wview_ok(&w) && pos == len);
	return len;
}
