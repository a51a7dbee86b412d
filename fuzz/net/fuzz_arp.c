/*
 * fuzz_arp.c - fuzz target for the ARP parser and the ARP layer.
 *
 * Input: one ARP packet (the Ethernet payload). Invariants: the parser
 * returns 0 or -TERN_EBADMSG; an accepted packet re-emits to the same 28
 * bytes; the packet framed as a broadcast and fed to a configured stack,
 * then again to the unconfigured interface, leaves no buffer behind and
 * every frame sent in reply is well formed.
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/net_wire.h"
#include "util_fuzz.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_stack s;
	static uint8_t frame[14 + 4096];
	struct tern_arp_hdr a;
	struct tern_eth_hdr eth;
	enum tern_wire_bad why;
	uint8_t *copy = fuzz_dup(data, size);
	uint8_t out[TERN_ARP_LEN];
	int rc;

	rc = tern_arp_hdr_parse(copy, size, &a, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc == 0) {
		TERN_ASSERT(a.op == TERN_ARP_REQUEST || a.op == TERN_ARP_REPLY);
		tern_arp_hdr_emit(&a, out);
		TERN_ASSERT(memcmp(out, copy, TERN_ARP_LEN) == 0);
	}
	free(copy);
	if (size > sizeof(frame) - 14)
		size = sizeof(frame) - 14;
	memset(eth.dst, 0xff, 6);
	memcpy(eth.src, fz_mac_peer, 6);
	eth.type = TERN_ETHERTYPE_ARP;
	tern_eth_hdr_emit(&eth, frame);
	memcpy(frame + 14, data, size);
	fz_stack_begin(&s, 32, 1);
	tern_net_input_bytes(&s.net, 0, frame, 14 + size, s.now);
	tern_net_input_bytes(&s.net, 1, frame, 14 + size, s.now);
	/* Something to resolve, so replies meet a waiting entry. */
	(void)tern_udp_sendto(&s.udp[0], FZ_PEER, 9, "x", 1, s.now);
	tern_net_input_bytes(&s.net, 0, frame, 14 + size, s.now);
	fz_stack_end(&s);
	return 0;
}
