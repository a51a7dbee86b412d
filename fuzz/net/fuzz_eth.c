/*
 * fuzz_eth.c - fuzz target for the Ethernet II header parser.
 *
 * Input: one frame. Invariants: the parser returns 0 or -TERN_EBADMSG with
 * a reason; an accepted header re-emits to the same 14 bytes; and the
 * frame fed to a configured stack is counted and dropped or handled
 * without a leak (the stack's devices check what it sends back).
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
	struct tern_eth_hdr h;
	enum tern_wire_bad why = TERN_WIRE_OK;
	uint8_t *copy = fuzz_dup(data, size);
	uint8_t out[TERN_ETH_HLEN];
	int rc;

	rc = tern_eth_hdr_parse(copy, size, &h, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	TERN_ASSERT((rc == 0) == (why == TERN_WIRE_OK));
	if (rc == 0) {
		TERN_ASSERT(size >= TERN_ETH_HLEN);
		tern_eth_hdr_emit(&h, out);
		TERN_ASSERT(memcmp(out, copy, TERN_ETH_HLEN) == 0);
	}
	fz_stack_begin(&s, 32, 1);
	tern_net_input_bytes(&s.net, 0, copy, size, s.now);
	fz_stack_end(&s);
	free(copy);
	return 0;
}
