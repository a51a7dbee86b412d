/*
 * wire_eth.c - Ethernet II header parse and emit, and the reason names
 * shared by every wire parser.
 */
#include "tern/net_wire.h"

#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

/* Offsets in the Ethernet II header. */
enum { ETH_DST = 0, ETH_SRC = 6, ETH_TYPE = 12 };

const char *tern_wire_bad_name(enum tern_wire_bad why)
{
	static const char *const names[] = {
		[TERN_WIRE_OK] = "ok",		 [TERN_WIRE_SHORT] = "short",
		[TERN_WIRE_VERSION] = "version", [TERN_WIRE_HLEN] = "hlen",
		[TERN_WIRE_LEN] = "len",	 [TERN_WIRE_CKSUM] = "cksum",
		[TERN_WIRE_OPTIONS] = "options", [TERN_WIRE_FIELD] = "field",
		[TERN_WIRE_FRAG] = "frag",
	};

	if ((unsigned)why < TERN_ARRAY_SIZE(names) && names[why])
		return names[why];
	return "unknown";
}

int tern_eth_hdr_parse(const void *frame, size_t len, struct tern_eth_hdr *h,
		       enum tern_wire_bad *why)
{
	struct tern_view v = tern_view_make(frame, len);

	if (!tern_view_has(&v, 0, TERN_ETH_HLEN)) {
		*why = TERN_WIRE_SHORT;
		return -TERN_EBADMSG;
	}
	tern_view_copy(&v, ETH_DST, h->dst, TERN_ETH_ALEN);
	tern_view_copy(&v, ETH_SRC, h->src, TERN_ETH_ALEN);
	h->type = tern_view_be16(&v, ETH_TYPE);
	if (h->type < 0x0600) {
		/* An IEEE 802.3 length field: LLC frames are not ours. */
		*why = TERN_WIRE_FIELD;
		return -TERN_EBADMSG;
	}
	*why = TERN_WIRE_OK;
	return 0;
}

void tern_eth_hdr_emit(const struct tern_eth_hdr *h, uint8_t out[TERN_ETH_HLEN])
{
	memcpy(out + ETH_DST, h->dst, TERN_ETH_ALEN);
	memcpy(out + ETH_SRC, h->src, TERN_ETH_ALEN);
	tern_store_be16(out + ETH_TYPE, h->type);
}

void tern_mac_of_ipv4_mcast(uint32_t group, uint8_t mac[TERN_ETH_ALEN])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((group >> 16) & 0x7f);
	mac[4] = (uint8_t)(group >> 8);
	mac[5] = (uint8_t)group;
}
