/*
 * fuzz_ipv4.c - fuzz target for the IPv4 parser and for reassembly from a
 * sequence of fragments.
 *
 * Input: a sequence of records [flags:1][len:2 big-endian][len bytes], each
 * an IPv4 datagram (header and payload). Flag bit 0 asks the harness to fix
 * the header up before use - version 4, IHL at least 5, total length equal
 * to the record, destination 10.0.0.1, source 10.0.0.2 - so most records
 * reach reassembly instead of dying in the parser; bits 1-3 advance the
 * clock (0..7 s) before the record, so reassembly timeouts happen too.
 *
 * Invariants: the parser returns 0 or -TERN_EBADMSG with a reason; an
 * accepted header satisfies every check it claims (lengths, fragment
 * bounds) and re-emits to a header that parses back to the same fields;
 * the whole sequence through a configured stack leaves no buffer behind.
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/net_wire.h"
#include "util_fuzz.h"

#include "fuzz_check.h"
#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_CHECKER static void check_parse(const uint8_t *d, size_t len)
{
	uint8_t *copy = fuzz_dup(d, len);
	struct tern_ipv4_hdr h, back;
	enum tern_wire_bad why;
	uint8_t out[TERN_IPV4_HLEN];
	int rc;

	rc = tern_ipv4_hdr_parse(copy, len, &h, true, &why);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
	if (rc == 0) {
		size_t payload = (size_t)h.total_len - h.hlen;

		TERN_ASSERT(h.hlen >= 20 && h.hlen <= 60);
		TERN_ASSERT(h.hlen <= h.total_len && h.total_len <= len);
		if (h.mf || h.frag_off) {
			TERN_ASSERT(payload > 0);
			TERN_ASSERT(h.frag_off + (size_t)h.total_len <= 65535);
			TERN_ASSERT(!h.mf || payload % 8 == 0);
		}
		tern_ipv4_hdr_emit(&h, out);
		TERN_ASSERT(tern_ipv4_quote_parse(out, sizeof(out), &back,
						  &why) == 0);
		TERN_ASSERT(back.src == h.src && back.dst == h.dst &&
			    back.id == h.id && back.proto == h.proto &&
			    back.ttl == h.ttl && back.mf == h.mf &&
			    back.df == h.df && back.frag_off == h.frag_off &&
			    back.total_len == h.total_len);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_stack s;
	static uint8_t frame[14 + 65536];
	size_t pos = 0;

	fz_stack_begin(&s, 48, 2);
	while (pos + 3 <= size) {
		uint8_t flags = data[pos];
		size_t len = tern_load_be16(data + pos + 1);
		uint8_t *ip = frame + 14;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		memcpy(ip, data + pos, len);
		pos += len;
		if ((flags & 1) && len >= 20) {
			ip[0] = (uint8_t)(0x40 | TERN_MAX(ip[0] & 0x0f, 5));
			tern_store_be16(ip + 2, (uint16_t)len);
			tern_store_be32(ip + 12, FZ_PEER);
			tern_store_be32(ip + 16, FZ_IP);
			if (ip[8] == 0)
				ip[8] = 1;
		}
		check_parse(ip, len);
		s.now += (uint64_t)((flags >> 1) & 7) * TERN_NSEC_PER_SEC;
		tern_net_timers(&s.net, s.now);
		memcpy(frame, fz_mac0, 6);
		memcpy(frame + 6, fz_mac_peer, 6);
		tern_store_be16(frame + 12, TERN_ETHERTYPE_IPV4);
		tern_net_input_bytes(&s.net, 0, frame, 14 + len, s.now);
		if (flags & 0x10)
			fz_stack_drain(&s);
	}
	fz_stack_end(&s);
	return 0;
}
