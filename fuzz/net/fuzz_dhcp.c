/*
 * fuzz_dhcp.c - fuzz target for the DHCP message parser.
 *
 * The input is one UDP payload, copied into a buffer of exactly its size so
 * the sanitizer sees any read past it. Invariants: the parser returns 0 or
 * -TERN_EBADMSG; what it accepts stays inside the bounds of struct
 * tern_dhcp_msg; and emitting what it parsed, then parsing that, gives the
 * same struct back (the emitter writes every field the parser keeps).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/dhcp.h"
#include "tern/err.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tern_dhcp_msg m, back;
	uint8_t *copy = fuzz_dup(data, size);
	uint8_t out[1024];
	int rc, len;

	rc = tern_dhcp_parse(&m, copy, size);
	free(copy);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc < 0)
		return 0;
	TERN_ASSERT(m.n_dns <= TERN_DHCP_DNS_MAX);
	TERN_ASSERT(m.n_prl <= TERN_DHCP_PRL_MAX);
	TERN_ASSERT(m.client_id_len <= TERN_DHCP_CLIENT_ID_MAX);
	TERN_ASSERT(m.hostname_len <= TERN_DHCP_HOSTNAME_MAX);
	TERN_ASSERT(m.hostname[m.hostname_len] == '\0');

	len = tern_dhcp_emit(&m, out, sizeof(out));
	TERN_ASSERT(len > 0 && (size_t)len == tern_dhcp_len(&m));
	TERN_ASSERT(tern_dhcp_parse(&back, out, (size_t)len) == 0);
	TERN_ASSERT(memcmp(&m, &back, sizeof(m)) == 0);
	return 0;
}
