/*
 * wire_icmp.c - ICMP header parse and emit. The checksum covers the whole
 * message, so the parser is given the IP payload, not just the header.
 */
#include "tern/net_wire.h"

#include "tern/err.h"
#include "tern/view.h"

#include "net_int.h"

enum { ICMP_TYPE = 0, ICMP_CODE = 1, ICMP_CKSUM = 2, ICMP_REST = 4 };

int tern_icmp_hdr_parse(const void *data, size_t len, struct tern_icmp_hdr *h,
			bool verify, enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);

	if (!tern_view_has(&v, 0, TERN_ICMP_HLEN)) {
		*why = TERN_WIRE_SHORT;
		return -TERN_EBADMSG;
	}
	h->type = tern_view_u8(&v, ICMP_TYPE);
	h->code = tern_view_u8(&v, ICMP_CODE);
	h->cksum = tern_view_be16(&v, ICMP_CKSUM);
	h->rest = tern_view_be32(&v, ICMP_REST);
	if (verify && !TERN_NET_FUZZING && tern_cksum(data, len) != 0) {
		*why = TERN_WIRE_CKSUM;
		return -TERN_EBADMSG;
	}
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_icmp_hdr_emit(const struct tern_icmp_hdr *h,
			uint8_t out[TERN_ICMP_HLEN])
{
	out[ICMP_TYPE] = h->type;
	out[ICMP_CODE] = h->code;
	tern_store_be16(out + ICMP_CKSUM, 0);
	tern_store_be32(out + ICMP_REST, h->rest);
}

void tern_icmp_set_cksum(uint8_t *msg, size_t len)
{
	tern_store_be16(msg + ICMP_CKSUM, 0);
	tern_store_be16(msg + ICMP_CKSUM, tern_cksum(msg, len));
}
