/*
 * wire_udp.c - UDP header parse and emit, and the UDP checksum over the
 * pseudo-header, header and a gather list of payload.
 */
#include "tern/net_wire.h"

#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

#include "net_int.h"

enum { UDP_SPORT = 0, UDP_DPORT = 2, UDP_LEN = 4, UDP_CKSUM = 6 };

int tern_udp_hdr_parse(const void *data, size_t len, uint32_t src, uint32_t dst,
		       struct tern_udp_hdr *h, bool verify,
		       enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);

	if (!tern_view_has(&v, 0, TERN_UDP_HLEN)) {
		*why = TERN_WIRE_SHORT;
		return -TERN_EBADMSG;
	}
	h->sport = tern_view_be16(&v, UDP_SPORT);
	h->dport = tern_view_be16(&v, UDP_DPORT);
	h->len = tern_view_be16(&v, UDP_LEN);
	h->cksum = tern_view_be16(&v, UDP_CKSUM);
	if (h->len < TERN_UDP_HLEN || h->len > len) {
		*why = TERN_WIRE_LEN;
		return -TERN_EBADMSG;
	}
	if (verify && !TERN_NET_FUZZING && h->cksum != 0) {
		struct tern_csum c;

		tern_ipv4_pseudo_csum(&c, src, dst, TERN_IPPROTO_UDP, h->len);
		tern_csum_add(&c, tern_view_ptr(&v, 0, h->len), h->len);
		if (tern_csum_finish(&c) != 0) {
			*why = TERN_WIRE_CKSUM;
			return -TERN_EBADMSG;
		}
	}
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_udp_hdr_emit(const struct tern_udp_hdr *h, uint8_t out[TERN_UDP_HLEN])
{
	tern_store_be16(out + UDP_SPORT, h->sport);
	tern_store_be16(out + UDP_DPORT, h->dport);
	tern_store_be16(out + UDP_LEN, h->len);
	tern_store_be16(out + UDP_CKSUM, h->cksum);
}

uint16_t tern_udp_cksum(uint32_t src, uint32_t dst,
			const uint8_t hdr[TERN_UDP_HLEN],
			const struct tern_iov *payload, unsigned npieces)
{
	uint8_t ph[12 + TERN_UDP_HLEN];
	struct tern_csum c;
	uint16_t sum;

	/* Pseudo-header and header in one call (see tern_ipv4_pseudo_csum). */
	tern_store_be32(ph, src);
	tern_store_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = TERN_IPPROTO_UDP;
	memcpy(ph + 10, hdr + UDP_LEN, 2);
	memcpy(ph + 12, hdr, TERN_UDP_HLEN);
	tern_csum_init(&c);
	tern_csum_add(&c, ph, sizeof(ph));
	for (unsigned i = 0; i < npieces; i++)
		tern_csum_add(&c, payload[i].base, payload[i].len);
	sum = tern_csum_finish(&c);
	return sum == 0 ? 0xffff : sum;
}
