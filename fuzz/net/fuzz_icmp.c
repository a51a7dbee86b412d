/*
 * fuzz_icmp.c - fuzz target for the ICMP parser, the quoted-header parser,
 * and the ICMP layer.
 *
 * Input: one ICMP message (the IP payload). Invariants: the parsers return
 * 0 or -TERN_EBADMSG; the message, wrapped in a valid IPv4 header from
 * 10.0.0.2 to 10.0.0.1 (and once to the subnet broadcast), goes through a
 * configured stack without a leak, and every reply is well formed (echo
 * replies carry a correct checksum).
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
	struct tern_icmp_hdr h;
	struct tern_ipv4_hdr q;
	enum tern_wire_bad why;
	uint8_t *copy = fuzz_dup(data, size);
	int rc;

	rc = tern_icmp_hdr_parse(copy, size, &h, true, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc == 0 && size > 8) {
		rc = tern_ipv4_quote_parse(copy + 8, size - 8, &q, &why);
		TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
		if (rc == 0)
			TERN_ASSERT(q.hlen >= 20 && q.hlen <= size - 8);
	}
	free(copy);
	if (size > 1480)
		size = 1480;
	fz_stack_begin(&s, 32, 1);
	fz_input_ipv4(&s, 0, FZ_PEER, FZ_IP, TERN_IPPROTO_ICMP, data, size);
	fz_input_ipv4(&s, 0, FZ_PEER, 0x0a0000ffu, TERN_IPPROTO_ICMP, data,
		      size);
	fz_stack_end(&s);
	return 0;
}
