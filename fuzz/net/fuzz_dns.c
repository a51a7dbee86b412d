/*
 * fuzz_dns.c - fuzz target for the DNS parsers: header, names with
 * compression, questions, records, and the A answer reader with its CNAME
 * chase.
 *
 * The input is one DNS message, copied into a buffer of exactly its size.
 * It is read three ways: a name at each of the first 16 offsets (the header
 * and the first name; later names come from the walk); the sections
 * walked record by record as the counts say; and the answer to the message's
 * own first question. Invariants: only 0, -TERN_EBADMSG (and -TERN_EINVAL for
 * a mismatched answer) come back; every name accepted is well formed (labels
 * 1..63, total <= 255, ending in the root) and converts to text; cursors
 * only move forward and stay inside the message; answers stay in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/dns.h"
#include "tern/err.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_OFFSETS 16

static void check_name(const struct tern_dns_name *n)
{
	char text[TERN_DNS_NAME_MAX * 4 + 1];
	size_t pos = 0;

	TERN_ASSERT(n->len >= 1 && n->len <= TERN_DNS_NAME_MAX);
	while (n->wire[pos] != 0) {
		TERN_ASSERT(n->wire[pos] <= TERN_DNS_LABEL_MAX);
		pos += 1 + n->wire[pos];
		TERN_ASSERT(pos < n->len);
	}
	TERN_ASSERT(pos == (size_t)n->len - 1);
	/* \DDD is the widest escape: 4 bytes per byte always fit. */
	TERN_ASSERT(tern_dns_name_to_text(n, text, sizeof(text)) >= 0);
	TERN_ASSERT(tern_dns_name_equal(n, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_dup(data, size);
	struct tern_dns_header h;
	struct tern_dns_question q;
	struct tern_dns_rr rr;
	struct tern_dns_answer a;
	struct tern_dns_name n;
	size_t off;
	int rc;

	for (size_t i = 0; i < size && i < NAME_OFFSETS; i++) {
		off = i;
		rc = tern_dns_name_parse(msg, size, &off, &n);
		TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG);
		if (rc == 0) {
			TERN_ASSERT(off > i && off <= size);
			check_name(&n);
		}
	}

	if (tern_dns_header_parse(&h, msg, size) < 0)
		goto out;
	off = TERN_DNS_HLEN;
	for (unsigned i = 0; i < h.qdcount; i++) {
		size_t before = off;

		if (tern_dns_question_parse(msg, size, &off, &q) < 0)
			goto out;
		TERN_ASSERT(off > before && off <= size);
		check_name(&q.name);
		if (i == 0) {
			rc = tern_dns_answer_parse(msg, size, h.id, &q.name,
						   &a);
			TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG ||
				    rc == -TERN_EINVAL);
			if (rc == 0) {
				TERN_ASSERT(a.n_addrs <= TERN_DNS_ADDRS_MAX);
				TERN_ASSERT(a.cnames <= TERN_DNS_CNAME_MAX);
				TERN_ASSERT(a.ttl <= 0x7fffffffu);
				(void)tern_dns_answer_err(&a);
			}
		}
	}
	for (unsigned i = 0; i < (unsigned)h.ancount + h.nscount + h.arcount;
	     i++) {
		size_t before = off;

		if (tern_dns_rr_parse(msg, size, &off, &rr) < 0)
			break;
		TERN_ASSERT(off > before && off <= size);
		TERN_ASSERT(rr.rdata_off + rr.rdlen == off);
		check_name(&rr.name);
	}
out:
	free(msg);
	return 0;
}
