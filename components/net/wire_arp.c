/*
 * wire_arp.c - ARP packet parse and emit, for IPv4 over Ethernet only.
 */
#include "tern/net_wire.h"

#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

/* Offsets in an Ethernet/IPv4 ARP packet (RFC 826). */
enum {
	ARP_HTYPE = 0,
	ARP_PTYPE = 2,
	ARP_HLEN = 4,
	ARP_PLEN = 5,
	ARP_OP = 6,
	ARP_SHA = 8,
	ARP_SPA = 14,
	ARP_THA = 18,
	ARP_TPA = 24,
};

#define ARP_HTYPE_ETHER 1

int tern_arp_hdr_parse(const void *data, size_t len, struct tern_arp_hdr *h,
		       enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(data, len);

	if (!tern_view_has(&v, 0, TERN_ARP_LEN)) {
		*why = TERN_WIRE_SHORT;
		return -TERN_EBADMSG;
	}
	h->op = tern_view_be16(&v, ARP_OP);
	if (tern_view_be16(&v, ARP_HTYPE) != ARP_HTYPE_ETHER ||
	    tern_view_be16(&v, ARP_PTYPE) != TERN_ETHERTYPE_IPV4 ||
	    tern_view_u8(&v, ARP_HLEN) != TERN_ETH_ALEN ||
	    tern_view_u8(&v, ARP_PLEN) != 4 ||
	    (h->op != TERN_ARP_REQUEST && h->op != TERN_ARP_REPLY)) {
		*why = TERN_WIRE_FIELD;
		return -TERN_EBADMSG;
	}
	tern_view_copy(&v, ARP_SHA, h->sha, TERN_ETH_ALEN);
	h->spa = tern_view_be32(&v, ARP_SPA);
	tern_view_copy(&v, ARP_THA, h->tha, TERN_ETH_ALEN);
	h->tpa = tern_view_be32(&v, ARP_TPA);
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_arp_hdr_emit(const struct tern_arp_hdr *h, uint8_t out[TERN_ARP_LEN])
{
	tern_store_be16(out + ARP_HTYPE, ARP_HTYPE_ETHER);
	tern_store_be16(out + ARP_PTYPE, TERN_ETHERTYPE_IPV4);
	out[ARP_HLEN] = TERN_ETH_ALEN;
	out[ARP_PLEN] = 4;
	tern_store_be16(out + ARP_OP, h->op);
	memcpy(out + ARP_SHA, h->sha, TERN_ETH_ALEN);
	tern_store_be32(out + ARP_SPA, h->spa);
	memcpy(out + ARP_THA, h->tha, TERN_ETH_ALEN);
	tern_store_be32(out + ARP_TPA, h->tpa);
}
