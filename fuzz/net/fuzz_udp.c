/*
 * fuzz_udp.c - fuzz target for the UDP parser and the UDP layer.
 *
 * Input: [src:4][dst:4][UDP datagram]. Invariants: the parser returns 0 or
 * -TERN_EBADMSG with a reason, and an accepted length is within the bytes;
 * the datagram, wrapped in a valid IPv4 header (10.0.0.2 to 10.0.0.1, and
 * the given addresses on both interfaces), reaches sockets or draws a port
 * unreachable without a leak; what is received is exactly the payload the
 * header claims.
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/net_wire.h"
#include "util_fuzz.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_stack s;
	static uint8_t buf[1500];
	struct tern_udp_hdr h;
	struct tern_udp_meta m;
	enum tern_wire_bad why;
	uint32_t src, dst;
	uint8_t *copy;
	int rc;

	if (size < 8)
		return 0;
	src = tern_load_be32(data);
	dst = tern_load_be32(data + 4);
	data += 8;
	size -= 8;
	copy = fuzz_dup(data, size);
	rc = tern_udp_hdr_parse(copy, size, src, dst, &h, true, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc == 0)
		TERN_ASSERT(h.len >= 8 && h.len <= size);
	free(copy);
	if (size > 1480)
		size = 1480;

	fz_stack_begin(&s, 32, 1);
	fz_input_ipv4(&s, 0, FZ_PEER, FZ_IP, TERN_IPPROTO_UDP, data, size);
	/* A datagram cut by the 1480-byte limit above is dropped (bad
	 * length); one that fits must arrive whole. */
	if (rc == 0 && h.dport == 7 && h.len <= size) {
		int n = tern_udp_recvfrom(&s.udp[0], buf, sizeof(buf), &m);

		TERN_ASSERT(n == (int)h.len - 8 && m.len == (size_t)n);
		TERN_ASSERT(memcmp(buf, data + 8, (size_t)n) == 0);
		TERN_ASSERT(m.sport == h.sport && m.src == FZ_PEER);
	}
	fz_input_ipv4(&s, 0, src, dst, TERN_IPPROTO_UDP, data, size);
	fz_input_ipv4(&s, 1, src, dst, TERN_IPPROTO_UDP, data, size);
	fz_stack_end(&s);
	return 0;
}
