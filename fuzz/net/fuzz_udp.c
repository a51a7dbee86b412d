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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_stack s;
	static uint8_t frame[14 + 20 + 1500], buf[1500];
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
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	rc = tern_udp_hdr_parse(copy, size, src, dst, &h, true, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc == 0)
		TERN_ASSERT(h.len >= 8 && h.len <= size);
	free(copy);
	if (size > 1480)
		size = 1480;

	fz_stack_init(&s, 32, 1);
	tern_net_input_bytes(&s.net, 0, frame,
			     fz_wrap_ipv4(frame, FZ_PEER, FZ_IP,
					  TERN_IPPROTO_UDP, data, size),
			     s.now);
	if (rc == 0 && h.dport == 7) {
		int n = tern_udp_recvfrom(&s.udp[0], buf, sizeof(buf), &m);

		TERN_ASSERT(n == (int)h.len - 8 && m.len == (size_t)n);
		TERN_ASSERT(memcmp(buf, data + 8, (size_t)n) == 0);
		TERN_ASSERT(m.sport == h.sport && m.src == FZ_PEER);
	}
	tern_net_input_bytes(&s.net, 0, frame,
			     fz_wrap_ipv4(frame, src, dst, TERN_IPPROTO_UDP,
					  data, size),
			     s.now);
	tern_net_input_bytes(&s.net, 1, frame,
			     fz_wrap_ipv4(frame, src, dst, TERN_IPPROTO_UDP,
					  data, size),
			     s.now);
	fz_stack_fini(&s);
	return 0;
}
