/*
 * dns_wire.c - parse and emit DNS messages (RFC 1035), with name
 * decompression hardened per RFC 9267.
 *
 * The name reader keeps the start of the piece of name it is reading: the
 * name itself at first, the target of the last pointer after a jump. A
 * pointer must point strictly before that start. Piece starts therefore
 * strictly decrease, so no sequence of pointers can loop, and the reader
 * never goes forward through a pointer into bytes it has not been shown
 * as an earlier name. On top, a name may hold at most TERN_DNS_PTR_MAX
 * pointers and 255 bytes, every byte read is inside the message, and the
 * reserved label types 01 and 10 (RFC 6891 extended labels) are refused.
 *
 * The answer reader validates every record of the answer section first,
 * then follows the CNAME chain from the question's name with a bounded
 * number of passes over the validated section.
 */
#include "tern/dns.h"

#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

/* Smallest question (root name, type, class) and record (root name, type,
 * class, TTL, data length). */
#define QUESTION_MIN 5
#define RR_MIN 11

int tern_dns_header_parse(struct tern_dns_header *h, const void *msg,
			  size_t len)
{
	struct tern_view v = tern_view_make(msg, len);
	size_t need;

	memset(h, 0, sizeof(*h));
	if (!tern_view_has(&v, 0, TERN_DNS_HLEN))
		return -TERN_EBADMSG;
	h->id = tern_view_be16(&v, 0);
	h->flags = tern_view_be16(&v, 2);
	h->qdcount = tern_view_be16(&v, 4);
	h->ancount = tern_view_be16(&v, 6);
	h->nscount = tern_view_be16(&v, 8);
	h->arcount = tern_view_be16(&v, 10);
	/* Cannot overflow: at most 12 + 5 * 65535 + 11 * 3 * 65535. */
	need = TERN_DNS_HLEN + (size_t)h->qdcount * QUESTION_MIN +
	       ((size_t)h->ancount + h->nscount + h->arcount) * RR_MIN;
	return need <= len ? 0 : -TERN_EBADMSG;
}

int tern_dns_name_parse(const void *msg, size_t len, size_t *off,
			struct tern_dns_name *out)
{
	struct tern_view v = tern_view_make(msg, len);
	size_t pos = *off;
	size_t piece = pos; /* start of the piece being read */
	size_t end = 0;	    /* where the name ends in place */
	bool jumped = false;
	unsigned ptrs = 0;

	out->len = 0;
	for (;;) {
		uint8_t b;

		if (!tern_view_has(&v, pos, 1))
			return -TERN_EBADMSG;
		b = tern_view_u8(&v, pos);
		switch (b & 0xc0) {
		case 0xc0: {
			size_t target;

			if (!tern_view_has(&v, pos, 2))
				return -TERN_EBADMSG;
			target = tern_view_be16(&v, pos) & 0x3fffu;
			if (target >= piece || ++ptrs > TERN_DNS_PTR_MAX)
				return -TERN_EBADMSG;
			if (!jumped) {
				end = pos + 2;
				jumped = true;
			}
			pos = piece = target;
			continue;
		}
		case 0x00:
			break;
		default:
			return -TERN_EBADMSG; /* 01 and 10: not labels */
		}
		if (b == 0) {
			if (out->len + 1u > TERN_DNS_NAME_MAX)
				return -TERN_EBADMSG;
			out->wire[out->len++] = 0;
			*off = jumped ? end : pos + 1;
			return 0;
		}
		/* b <= 63 here. The label and the root byte must fit. */
		if ((size_t)out->len + 1 + b + 1 > TERN_DNS_NAME_MAX ||
		    !tern_view_has(&v, pos + 1, b))
			return -TERN_EBADMSG;
		out->wire[out->len] = b;
		tern_view_copy(&v, pos + 1, out->wire + out->len + 1, b);
		out->len = (uint8_t)(out->len + 1 + b);
		pos += 1 + (size_t)b;
	}
}

int tern_dns_question_parse(const void *msg, size_t len, size_t *off,
			    struct tern_dns_question *q)
{
	struct tern_view v = tern_view_make(msg, len);
	size_t pos = *off;
	int rc = tern_dns_name_parse(msg, len, &pos, &q->name);

	if (rc < 0)
		return rc;
	if (!tern_view_has(&v, pos, 4))
		return -TERN_EBADMSG;
	q->type = tern_view_be16(&v, pos);
	q->qclass = tern_view_be16(&v, pos + 2);
	*off = pos + 4;
	return 0;
}

int tern_dns_rr_parse(const void *msg, size_t len, size_t *off,
		      struct tern_dns_rr *rr)
{
	struct tern_view v = tern_view_make(msg, len);
	size_t pos = *off;
	int rc = tern_dns_name_parse(msg, len, &pos, &rr->name);

	if (rc < 0)
		return rc;
	if (!tern_view_has(&v, pos, 10))
		return -TERN_EBADMSG;
	rr->type = tern_view_be16(&v, pos);
	rr->rclass = tern_view_be16(&v, pos + 2);
	rr->ttl = tern_view_be32(&v, pos + 4);
	rr->rdlen = tern_view_be16(&v, pos + 8);
	rr->rdata_off = pos + 10;
	if (!tern_view_has(&v, rr->rdata_off, rr->rdlen))
		return -TERN_EBADMSG;
	*off = rr->rdata_off + rr->rdlen;
	return 0;
}

int tern_dns_name_from_text(struct tern_dns_name *out, const char *text)
{
	size_t n = strlen(text);
	size_t i = 0;

	out->len = 0;
	if (n == 1 && text[0] == '.') {
		out->wire[out->len++] = 0;
		return 0;
	}
	if (n > 0 && text[n - 1] == '.')
		n--;
	if (n == 0)
		return -TERN_EINVAL;
	if (n + 2 > TERN_DNS_NAME_MAX)
		return -TERN_ENAMETOOLONG;
	/* Now n + 2 <= 255: the labels, their length bytes and the root
	 * byte fit, whatever the split. */
	while (i < n) {
		size_t start = i;
		size_t l;

		while (i < n && text[i] != '.')
			i++;
		l = i - start;
		if (l == 0)
			return -TERN_EINVAL;
		if (l > TERN_DNS_LABEL_MAX)
			return -TERN_ENAMETOOLONG;
		out->wire[out->len] = (uint8_t)l;
		memcpy(out->wire + out->len + 1, text + start, l);
		out->len = (uint8_t)(out->len + 1 + l);
		if (i < n) {
			i++; /* the dot */
			if (i == n)
				return -TERN_EINVAL; /* "a.." */
		}
	}
	out->wire[out->len++] = 0;
	return 0;
}

static bool plain_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int tern_dns_name_to_text(const struct tern_dns_name *n, char *buf, size_t cap)
{
	size_t out = 0, pos = 0;
	bool fits = true;

#define PUT(ch)                                \
	do {                                   \
		if (out + 1 < cap)             \
			buf[out] = (char)(ch); \
		else                           \
			fits = false;          \
		out++;                         \
	} while (0)

	while (pos < n->len && n->wire[pos] != 0) {
		size_t l = n->wire[pos];

		if (pos + 1 + l > n->len)
			break; /* not well formed: stop at the damage */
		if (out > 0)
			PUT('.');
		for (size_t i = 0; i < l; i++) {
			uint8_t c = n->wire[pos + 1 + i];

			if (plain_char(c)) {
				PUT(c);
			} else if (c == '.') {
				PUT('\\');
				PUT('.');
			} else {
				PUT('\\');
				PUT('0' + c / 100);
				PUT('0' + c / 10 % 10);
				PUT('0' + c % 10);
			}
		}
		pos += 1 + l;
	}
	if (out == 0)
		PUT('.');
#undef PUT
	if (cap > 0)
		buf[out < cap ? out : cap - 1] = '\0';
	return fits ? (int)out : -TERN_ENAMETOOLONG;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool tern_dns_name_equal(const struct tern_dns_name *a,
			 const struct tern_dns_name *b)
{
	if (a->len != b->len)
		return false;
	/* Length bytes are <= 63, below 'A', so lower() leaves them be. */
	for (size_t i = 0; i < a->len; i++)
		if (lower(a->wire[i]) != lower(b->wire[i]))
			return false;
	return true;
}

int tern_dns_query_emit(void *buf, size_t cap, uint16_t id,
			const struct tern_dns_name *name, uint16_t qtype)
{
	size_t len = tern_dns_query_len(name);
	struct tern_wview w = tern_wview_make(buf, cap);

	if (cap < len)
		return -TERN_EMSGSIZE;
	tern_wview_be16(&w, 0, id);
	tern_wview_be16(&w, 2, TERN_DNS_F_RD);
	tern_wview_be16(&w, 4, 1);
	tern_wview_be16(&w, 6, 0);
	tern_wview_be16(&w, 8, 0);
	tern_wview_be16(&w, 10, 0);
	tern_wview_bytes(&w, TERN_DNS_HLEN, name->wire, name->len);
	tern_wview_be16(&w, TERN_DNS_HLEN + name->len, qtype);
	tern_wview_be16(&w, TERN_DNS_HLEN + name->len + 2, TERN_DNS_CLASS_IN);
	return (int)len;
}

/* RFC 2181 8: a TTL with the top bit set is read as 0. */
static uint32_t clean_ttl(uint32_t ttl)
{
	return ttl > 0x7fffffffu ? 0 : ttl;
}

/* Checks every record of the answer section (count records from *off):
 * well formed, A records of class IN 4 bytes long, CNAME data a name that
 * lies inside the record. Returns 0 or -TERN_EBADMSG. */
static int check_answers(const uint8_t *msg, size_t len, size_t off,
			 unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		struct tern_dns_rr rr;
		struct tern_dns_name target;
		size_t pos;

		if (tern_dns_rr_parse(msg, len, &off, &rr) < 0)
			return -TERN_EBADMSG;
		if (rr.rclass != TERN_DNS_CLASS_IN)
			continue;
		if (rr.type == TERN_DNS_TYPE_A && rr.rdlen != 4)
			return -TERN_EBADMSG;
		if (rr.type == TERN_DNS_TYPE_CNAME) {
			pos = rr.rdata_off;
			if (tern_dns_name_parse(msg, len, &pos, &target) < 0 ||
			    pos != rr.rdata_off + rr.rdlen)
				return -TERN_EBADMSG;
		}
	}
	return 0;
}

/* One pass over the (checked) answer section for the records owned by
 * name: appends its A records to out, and if it has a CNAME, stores the
 * target in next. Returns true if a CNAME was found. */
static bool scan_owner(const uint8_t *msg, size_t len, size_t off,
		       unsigned count, const struct tern_dns_name *name,
		       struct tern_dns_answer *out, uint32_t *ttl,
		       struct tern_dns_name *next)
{
	struct tern_view v = tern_view_make(msg, len);
	bool cname = false;

	for (unsigned i = 0; i < count; i++) {
		struct tern_dns_rr rr;
		size_t pos;

		(void)tern_dns_rr_parse(msg, len, &off, &rr); /* checked */
		if (rr.rclass != TERN_DNS_CLASS_IN ||
		    !tern_dns_name_equal(&rr.name, name))
			continue;
		if (rr.type == TERN_DNS_TYPE_A) {
			if (out->n_addrs < TERN_DNS_ADDRS_MAX)
				out->addrs[out->n_addrs++] =
					tern_view_be32(&v, rr.rdata_off);
			*ttl = TERN_MIN(*ttl, clean_ttl(rr.ttl));
		} else if (rr.type == TERN_DNS_TYPE_CNAME && !cname) {
			pos = rr.rdata_off;
			(void)tern_dns_name_parse(msg, len, &pos, next);
			*ttl = TERN_MIN(*ttl, clean_ttl(rr.ttl));
			cname = true;
		}
	}
	return cname;
}

int tern_dns_answer_parse(const void *msg, size_t len, uint16_t id,
			  const struct tern_dns_name *qname,
			  struct tern_dns_answer *out)
{
	const uint8_t *m = msg;
	struct tern_dns_header h;
	struct tern_dns_question q;
	struct tern_dns_name cur, next;
	uint32_t ttl = UINT32_MAX;
	size_t off = TERN_DNS_HLEN;

	memset(out, 0, sizeof(*out));
	if (tern_dns_header_parse(&h, msg, len) < 0 ||
	    !(h.flags & TERN_DNS_F_QR) || (h.flags & TERN_DNS_F_OPCODE))
		return -TERN_EBADMSG;
	if (h.id != id || h.qdcount != 1)
		return -TERN_EINVAL;
	if (tern_dns_question_parse(msg, len, &off, &q) < 0)
		return -TERN_EBADMSG;
	if (q.type != TERN_DNS_TYPE_A || q.qclass != TERN_DNS_CLASS_IN ||
	    !tern_dns_name_equal(&q.name, qname))
		return -TERN_EINVAL;
	if (check_answers(m, len, off, h.ancount) < 0)
		return -TERN_EBADMSG;

	out->rcode = (uint8_t)(h.flags & TERN_DNS_F_RCODE);
	out->truncated = (h.flags & TERN_DNS_F_TC) != 0;
	cur = *qname;
	for (;;) {
		bool cname = scan_owner(m, len, off, h.ancount, &cur, out, &ttl,
					&next);

		if (out->n_addrs > 0 || !cname ||
		    out->cnames == TERN_DNS_CNAME_MAX)
			break;
		cur = next;
		out->cnames++;
	}
	out->ttl = ttl == UINT32_MAX ? 0 : ttl;
	return 0;
}

int tern_dns_answer_err(const struct tern_dns_answer *a)
{
	switch (a->rcode) {
	case TERN_DNS_NOERROR:
		if (a->n_addrs > 0)
			return 0;
		return a->truncated ? -TERN_EMSGSIZE : -TERN_ENOENT;
	case TERN_DNS_NXDOMAIN:
		return -TERN_ENOENT;
	case TERN_DNS_SERVFAIL:
		return -TERN_EAGAIN;
	case TERN_DNS_REFUSED:
		return -TERN_ECONNREFUSED;
	default:
		return -TERN_EBADMSG;
	}
}
