/*
 * test_dns_wire.c - DNS parse/emit: golden messages captured from dnsmasq,
 * names in text and wire form, and the RFC 9267 rules against hostile
 * messages: pointer loops, forward pointers, label 64, names over 255,
 * counts and record lengths past the message, truncation at every length.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dns.h"
#include "tern/err.h"

#include "net/test_dns_build.h"
#include "net/test_dns_golden.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct tern_dns_name name_of(const char *text)
{
	struct tern_dns_name n;

	cr_assert_eq(tern_dns_name_from_text(&n, text), 0, "%s", text);
	return n;
}

Test(dns_wire, query_emit_matches_golden)
{
	struct tern_dns_name n = name_of("www.test.tern");
	uint8_t buf[TERN_DNS_UDP_MAX];
	int len = tern_dns_query_emit(buf, sizeof(buf), 0x1234, &n,
				      TERN_DNS_TYPE_A);

	cr_assert_eq(len, (int)sizeof(golden_dns_a_query));
	cr_assert_eq(memcmp(buf, golden_dns_a_query, (size_t)len), 0);
	cr_assert_eq(tern_dns_query_len(&n), (size_t)len);
	cr_assert_eq(tern_dns_query_emit(buf, (size_t)len - 1, 1, &n,
					 TERN_DNS_TYPE_A),
		     -TERN_EMSGSIZE);
}

Test(dns_wire, golden_a)
{
	struct tern_dns_name q = name_of("www.test.tern");
	struct tern_dns_answer a;

	cr_assert_eq(tern_dns_answer_parse(golden_dns_a, sizeof(golden_dns_a),
					   0x1234, &q, &a),
		     0);
	cr_assert_eq(a.rcode, TERN_DNS_NOERROR);
	cr_assert_eq(a.n_addrs, 1);
	cr_assert_eq(a.addrs[0], IP(10, 77, 0, 43));
	cr_assert_eq(a.cnames, 0);
	cr_assert_eq(a.ttl, 0); /* dnsmasq's --local-ttl default */
	cr_assert_eq(tern_dns_answer_err(&a), 0);
}

Test(dns_wire, golden_two_addresses)
{
	struct tern_dns_name q = name_of("MULTI.test.TERN"); /* any case */
	struct tern_dns_answer a;

	cr_assert_eq(tern_dns_answer_parse(golden_dns_multi,
					   sizeof(golden_dns_multi), 0x1235, &q,
					   &a),
		     0);
	cr_assert_eq(a.n_addrs, 2);
	cr_assert_eq(a.addrs[0], IP(10, 77, 0, 44));
	cr_assert_eq(a.addrs[1], IP(10, 77, 0, 45));
}

Test(dns_wire, golden_cname_chain)
{
	struct tern_dns_name q = name_of("alias2.test.tern");
	struct tern_dns_answer a;

	cr_assert_eq(tern_dns_answer_parse(golden_dns_cname,
					   sizeof(golden_dns_cname), 0x1236, &q,
					   &a),
		     0);
	cr_assert_eq(a.cnames, 2);
	cr_assert_eq(a.n_addrs, 1);
	cr_assert_eq(a.addrs[0], IP(10, 77, 0, 43));
}

Test(dns_wire, golden_nxdomain)
{
	struct tern_dns_name q = name_of("missing.test.tern");
	struct tern_dns_answer a;

	cr_assert_eq(tern_dns_answer_parse(golden_dns_nxdomain,
					   sizeof(golden_dns_nxdomain), 0x1237,
					   &q, &a),
		     0);
	cr_assert_eq(a.rcode, TERN_DNS_NXDOMAIN);
	cr_assert_eq(a.n_addrs, 0);
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_ENOENT);
}

Test(dns_wire, golden_records_parse_one_by_one)
{
	struct tern_dns_header h;
	struct tern_dns_question q;
	struct tern_dns_rr rr;
	char text[TERN_DNS_TEXT_MAX];
	size_t off = TERN_DNS_HLEN;

	cr_assert_eq(tern_dns_header_parse(&h, golden_dns_cname,
					   sizeof(golden_dns_cname)),
		     0);
	cr_assert_eq(h.id, 0x1236);
	cr_assert_eq(h.flags, 0x8580);
	cr_assert_eq(h.qdcount, 1);
	cr_assert_eq(h.ancount, 3);
	cr_assert_eq(tern_dns_question_parse(golden_dns_cname,
					     sizeof(golden_dns_cname), &off,
					     &q),
		     0);
	cr_assert_eq(tern_dns_name_to_text(&q.name, text, sizeof(text)), 16);
	cr_assert_str_eq(text, "alias2.test.tern");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(tern_dns_rr_parse(golden_dns_cname,
					       sizeof(golden_dns_cname), &off,
					       &rr),
			     0);
	cr_assert_eq(rr.type, TERN_DNS_TYPE_A);
	cr_assert_eq(rr.rdlen, 4);
	tern_dns_name_to_text(&rr.name, text, sizeof(text));
	cr_assert_str_eq(text, "www.test.tern");
	cr_assert_eq(off, sizeof(golden_dns_cname));
}

Test(dns_wire, every_truncation_is_refused)
{
	static const struct {
		const uint8_t *msg;
		size_t len;
		uint16_t id;
		const char *q;
	} cases[] = {
		{ golden_dns_a, sizeof(golden_dns_a), 0x1234, "www.test.tern" },
		{ golden_dns_multi, sizeof(golden_dns_multi), 0x1235,
		  "multi.test.tern" },
		{ golden_dns_cname, sizeof(golden_dns_cname), 0x1236,
		  "alias2.test.tern" },
		{ golden_dns_nxdomain, sizeof(golden_dns_nxdomain), 0x1237,
		  "missing.test.tern" },
	};

	for (size_t c = 0; c < TERN_ARRAY_SIZE(cases); c++) {
		struct tern_dns_name q = name_of(cases[c].q);

		for (size_t len = 0; len < cases[c].len; len++) {
			/* A heap copy of exactly len bytes, so ASan sees any
			 * read past the end. */
			uint8_t *m = malloc(len ? len : 1);
			struct tern_dns_answer a;

			memcpy(m, cases[c].msg, len);
			cr_assert_eq(tern_dns_answer_parse(m, len, cases[c].id,
							   &q, &a),
				     -TERN_EBADMSG, "case %zu len %zu", c, len);
			free(m);
		}
	}
}

Test(dns_wire, mismatches_are_not_malformed)
{
	struct tern_dns_name q = name_of("www.test.tern");
	struct tern_dns_name other = name_of("www.test.ter");
	struct tern_dns_answer a;
	uint8_t m[sizeof(golden_dns_a)];

	cr_assert_eq(tern_dns_answer_parse(golden_dns_a, sizeof(golden_dns_a),
					   0x1235, &q, &a),
		     -TERN_EINVAL);
	cr_assert_eq(tern_dns_answer_parse(golden_dns_a, sizeof(golden_dns_a),
					   0x1234, &other, &a),
		     -TERN_EINVAL);
	/* A query is not a response. */
	cr_assert_eq(tern_dns_answer_parse(golden_dns_a_query,
					   sizeof(golden_dns_a_query), 0x1234,
					   &q, &a),
		     -TERN_EBADMSG);
	/* Another qtype in the question. */
	memcpy(m, golden_dns_a, sizeof(m));
	m[28] = TERN_DNS_TYPE_AAAA;
	cr_assert_eq(tern_dns_answer_parse(m, sizeof(m), 0x1234, &q, &a),
		     -TERN_EINVAL);
}

Test(dns_wire, pointer_to_itself_is_a_loop)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off = TERN_DNS_HLEN;

	dnsb_header(&b, 1, 0x8180, 1, 0, 0, 0);
	dnsb_ptr(&b, TERN_DNS_HLEN); /* the name is a pointer to itself */
	dnsb_u16(&b, 1);
	dnsb_u16(&b, 1);
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
}

Test(dns_wire, two_pointer_loop)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off;

	/* 12: "a" -> ptr 16;  16: "b" -> ptr 12. Each pointer points before
	 * itself, but into a piece read later: refused. */
	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	dnsb_u8(&b, 1);
	dnsb_u8(&b, 'a');
	dnsb_ptr(&b, 16);
	dnsb_u8(&b, 1);
	dnsb_u8(&b, 'b');
	dnsb_ptr(&b, 12);
	off = 12;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
	off = 16;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
}

Test(dns_wire, forward_pointer_refused)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off = TERN_DNS_HLEN;

	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	dnsb_ptr(&b, 14); /* points at the name just after it */
	dnsb_name(&b, "fwd");
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
	/* And past the end of the message. */
	b.len = TERN_DNS_HLEN;
	dnsb_ptr(&b, 0x3fff);
	off = TERN_DNS_HLEN;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
}

Test(dns_wire, backward_pointer_chain)
{
	struct dnsb b;
	struct tern_dns_name n;
	char text[TERN_DNS_TEXT_MAX];
	size_t off;

	/* 12: "tern"; 18: "test" -> 12; 25: "www" -> 18. */
	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	dnsb_name(&b, "tern");
	cr_assert_eq(b.len, 18);
	dnsb_u8(&b, 4);
	dnsb_bytes(&b, "test", 4);
	dnsb_ptr(&b, 12);
	cr_assert_eq(b.len, 25);
	dnsb_u8(&b, 3);
	dnsb_bytes(&b, "www", 3);
	dnsb_ptr(&b, 18);
	off = 25;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n), 0);
	cr_assert_eq(off, b.len); /* ends after the first pointer */
	tern_dns_name_to_text(&n, text, sizeof(text));
	cr_assert_str_eq(text, "www.test.tern");
	cr_assert_eq(n.len, 15);
}

Test(dns_wire, pointer_count_is_bounded)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off;

	/* A root name at 12, then N pointers each to the one before. */
	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	dnsb_u8(&b, 0);
	dnsb_ptr(&b, 12);
	for (int i = 1; i < TERN_DNS_PTR_MAX + 1; i++)
		dnsb_ptr(&b, (uint16_t)(b.len - 2));
	/* The last pointer starts a chain of TERN_DNS_PTR_MAX + 1. */
	off = b.len - 2;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
	/* One fewer is fine. */
	off = b.len - 4;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n), 0);
	cr_assert_eq(n.len, 1);
}

Test(dns_wire, label_64_and_reserved_types)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off;
	char label[64];

	static const uint8_t firsts[] = { 0x40, 0x7f, 0x80, 0xbf };

	memset(label, 'x', sizeof(label));
	for (size_t i = 0; i < TERN_ARRAY_SIZE(firsts); i++) {
		uint8_t first = firsts[i];

		/* 64 is 0x40: label type 01; 0x80 is type 10. */
		dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
		dnsb_u8(&b, first);
		dnsb_bytes(&b, label, 64);
		dnsb_u8(&b, 0);
		off = TERN_DNS_HLEN;
		cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
			     -TERN_EBADMSG, "first byte %#x", first);
	}
	/* 63 is the longest label. */
	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	dnsb_u8(&b, 63);
	dnsb_bytes(&b, label, 63);
	dnsb_u8(&b, 0);
	off = TERN_DNS_HLEN;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n), 0);
	cr_assert_eq(n.len, 65);
}

/* A name of labels adding up to wire bytes (with the root). */
static void long_name(struct dnsb *b, size_t wire)
{
	char label[63];
	size_t left = wire - 1;

	memset(label, 'y', sizeof(label));
	/* Callers pick sizes that never leave a lone length byte. */
	while (left > 0) {
		size_t l = left - 1 > 63 ? 63 : left - 1;

		cr_assert(l > 0);
		dnsb_u8(b, (uint8_t)l);
		dnsb_bytes(b, label, l);
		left -= l + 1;
	}
	dnsb_u8(b, 0);
}

Test(dns_wire, name_over_255_refused)
{
	struct dnsb b;
	struct tern_dns_name n;
	size_t off;

	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	long_name(&b, 255);
	off = TERN_DNS_HLEN;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n), 0);
	cr_assert_eq(n.len, 255);

	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	long_name(&b, 256);
	off = TERN_DNS_HLEN;
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);

	/* Over 255 only through a pointer: 200 bytes at 12, then 60 more
	 * bytes of labels and a pointer to it. */
	dnsb_header(&b, 1, 0x8180, 0, 0, 0, 0);
	long_name(&b, 200);
	off = b.len;
	dnsb_u8(&b, 59);
	for (int i = 0; i < 59; i++)
		dnsb_u8(&b, 'z');
	dnsb_ptr(&b, 12);
	cr_assert_eq(tern_dns_name_parse(b.buf, b.len, &off, &n),
		     -TERN_EBADMSG);
}

Test(dns_wire, counts_larger_than_message)
{
	struct tern_dns_header h;
	struct tern_dns_name q = name_of("www.test.tern");
	struct tern_dns_answer a;
	uint8_t m[sizeof(golden_dns_a)];

	memcpy(m, golden_dns_a, sizeof(m));
	m[7] = 100; /* ancount */
	cr_assert_eq(tern_dns_header_parse(&h, m, sizeof(m)), -TERN_EBADMSG);
	cr_assert_eq(tern_dns_answer_parse(m, sizeof(m), 0x1234, &q, &a),
		     -TERN_EBADMSG);
	/* ancount 2 passes the quick check (11 bytes each fit) but the
	 * second record is not there. */
	memcpy(m, golden_dns_a, sizeof(m));
	m[7] = 2;
	cr_assert_eq(tern_dns_header_parse(&h, m, sizeof(m)), 0);
	cr_assert_eq(tern_dns_answer_parse(m, sizeof(m), 0x1234, &q, &a),
		     -TERN_EBADMSG);
	/* Huge counts of every kind. */
	memset(m + 4, 0xff, 8);
	cr_assert_eq(tern_dns_header_parse(&h, m, sizeof(m)), -TERN_EBADMSG);
}

Test(dns_wire, rdlength_past_message)
{
	struct tern_dns_name q = name_of("www.test.tern");
	struct tern_dns_answer a;
	uint8_t m[sizeof(golden_dns_a)];
	struct tern_dns_rr rr;
	size_t off = 31;

	memcpy(m, golden_dns_a, sizeof(m));
	m[42] = 5; /* rdlength 5, 4 bytes present */
	cr_assert_eq(tern_dns_answer_parse(m, sizeof(m), 0x1234, &q, &a),
		     -TERN_EBADMSG);
	cr_assert_eq(tern_dns_rr_parse(m, sizeof(m), &off, &rr), -TERN_EBADMSG);
}

Test(dns_wire, a_record_of_wrong_size)
{
	struct dnsb b;
	struct tern_dns_name q = name_of("h.t");
	struct tern_dns_answer a;

	dnsb_header(&b, 7, 0x8180, 1, 1, 0, 0);
	dnsb_question(&b, "h.t");
	dnsb_ptr(&b, 12);
	dnsb_rr_fixed(&b, TERN_DNS_TYPE_A, 60, 5);
	dnsb_u32(&b, IP(1, 2, 3, 4));
	dnsb_u8(&b, 9);
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 7, &q, &a),
		     -TERN_EBADMSG);
}

Test(dns_wire, cname_loop_ends_at_limit)
{
	struct dnsb b;
	struct tern_dns_name q = name_of("a.t");
	struct tern_dns_answer a;
	size_t name_b;

	/* a.t CNAME b.t; b.t CNAME a.t; and an A for c.t nobody points at. */
	dnsb_header(&b, 9, 0x8180, 1, 3, 0, 0);
	dnsb_question(&b, "a.t");
	dnsb_ptr(&b, 12);
	dnsb_rr_fixed(&b, TERN_DNS_TYPE_CNAME, 60, 4);
	name_b = b.len;
	dnsb_u8(&b, 1);
	dnsb_u8(&b, 'b');
	dnsb_ptr(&b, 14); /* "t" of the question */
	dnsb_ptr(&b, (uint16_t)name_b);
	dnsb_rr_fixed(&b, TERN_DNS_TYPE_CNAME, 60, 2);
	dnsb_ptr(&b, 12);
	dnsb_u8(&b, 1);
	dnsb_u8(&b, 'c');
	dnsb_ptr(&b, 14);
	dnsb_rr_fixed(&b, TERN_DNS_TYPE_A, 60, 4);
	dnsb_u32(&b, IP(9, 9, 9, 9));
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 9, &q, &a), 0);
	cr_assert_eq(a.n_addrs, 0);
	cr_assert_eq(a.cnames, TERN_DNS_CNAME_MAX);
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_ENOENT);
}

Test(dns_wire, cname_data_must_fit_its_record)
{
	struct dnsb b;
	struct tern_dns_name q = name_of("a.t");
	struct tern_dns_answer a;

	/* rdlength 2 but the name inside is 5 bytes ("b", root via ptr). */
	dnsb_header(&b, 9, 0x8180, 1, 1, 0, 0);
	dnsb_question(&b, "a.t");
	dnsb_ptr(&b, 12);
	dnsb_rr_fixed(&b, TERN_DNS_TYPE_CNAME, 60, 2);
	dnsb_u8(&b, 1);
	dnsb_u8(&b, 'b');
	dnsb_ptr(&b, 14);
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 9, &q, &a),
		     -TERN_EBADMSG);
}

Test(dns_wire, ttl_with_top_bit_reads_as_zero_and_least_wins)
{
	struct dnsb b;
	struct tern_dns_name q = name_of("h.t");
	struct tern_dns_answer a;
	uint32_t addrs[2] = { IP(1, 1, 1, 1), IP(2, 2, 2, 2) };

	dnsb_answer(&b, 3, "h.t", 0, addrs, 2, 300);
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 3, &q, &a), 0);
	cr_assert_eq(a.ttl, 300);
	dnsb_answer(&b, 3, "h.t", 0, addrs, 2, 0x80000000u);
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 3, &q, &a), 0);
	cr_assert_eq(a.ttl, 0);
}

Test(dns_wire, addresses_capped)
{
	struct dnsb b;
	struct tern_dns_name q = name_of("h.t");
	struct tern_dns_answer a;
	uint32_t addrs[TERN_DNS_ADDRS_MAX + 3];

	for (unsigned i = 0; i < TERN_ARRAY_SIZE(addrs); i++)
		addrs[i] = IP(10, 0, 0, i + 1);
	dnsb_answer(&b, 3, "h.t", 0, addrs, TERN_ARRAY_SIZE(addrs), 60);
	cr_assert_eq(tern_dns_answer_parse(b.buf, b.len, 3, &q, &a), 0);
	cr_assert_eq(a.n_addrs, TERN_DNS_ADDRS_MAX);
	cr_assert_eq(a.addrs[TERN_DNS_ADDRS_MAX - 1],
		     IP(10, 0, 0, TERN_DNS_ADDRS_MAX));
}

Test(dns_wire, rcodes_map_to_errors)
{
	struct tern_dns_answer a = { 0 };

	a.rcode = TERN_DNS_NOERROR;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_ENOENT); /* no data */
	a.truncated = true;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_EMSGSIZE);
	a.truncated = false;
	a.n_addrs = 1;
	cr_assert_eq(tern_dns_answer_err(&a), 0);
	a.rcode = TERN_DNS_SERVFAIL;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_EAGAIN);
	a.rcode = TERN_DNS_NXDOMAIN;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_ENOENT);
	a.rcode = TERN_DNS_REFUSED;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_ECONNREFUSED);
	a.rcode = TERN_DNS_FORMERR;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_EBADMSG);
	a.rcode = TERN_DNS_NOTIMP;
	cr_assert_eq(tern_dns_answer_err(&a), -TERN_EBADMSG);
}

Test(dns_wire, text_to_wire)
{
	struct tern_dns_name n;
	char big[300];

	cr_assert_eq(tern_dns_name_from_text(&n, "www.Test.tern."), 0);
	cr_assert_eq(n.len, 15);
	cr_assert_eq(memcmp(n.wire, "\3www\4Test\4tern\0", 15), 0);
	cr_assert_eq(tern_dns_name_from_text(&n, "."), 0);
	cr_assert_eq(n.len, 1);
	cr_assert_eq(n.wire[0], 0);
	cr_assert_eq(tern_dns_name_from_text(&n, ""), -TERN_EINVAL);
	cr_assert_eq(tern_dns_name_from_text(&n, ".."), -TERN_EINVAL);
	cr_assert_eq(tern_dns_name_from_text(&n, "a..b"), -TERN_EINVAL);
	cr_assert_eq(tern_dns_name_from_text(&n, ".a"), -TERN_EINVAL);
	cr_assert_eq(tern_dns_name_from_text(&n, "a.."), -TERN_EINVAL);

	memset(big, 'x', 63);
	big[63] = '\0';
	cr_assert_eq(tern_dns_name_from_text(&n, big), 0);
	big[63] = 'x';
	big[64] = '\0';
	cr_assert_eq(tern_dns_name_from_text(&n, big), -TERN_ENAMETOOLONG);

	/* 253 characters is the longest text name (255 in wire form). */
	for (int i = 0; i < 253; i++)
		big[i] = (i % 2) ? '.' : 'a';
	big[253] = '\0';
	cr_assert_eq(tern_dns_name_from_text(&n, big), 0);
	cr_assert_eq(n.len, 255);
	big[253] = '.';
	big[254] = 'a';
	big[255] = '\0';
	cr_assert_eq(tern_dns_name_from_text(&n, big), -TERN_ENAMETOOLONG);
}

Test(dns_wire, wire_to_text_escapes)
{
	struct tern_dns_name n;
	char buf[TERN_DNS_TEXT_MAX * 4];
	char small[6];

	memcpy(n.wire, "\3a.b\2\x01Z\0", 8);
	n.len = 8;
	cr_assert_eq(tern_dns_name_to_text(&n, buf, sizeof(buf)), 10);
	cr_assert_str_eq(buf, "a\\.b.\\001Z");
	n.wire[0] = 0;
	n.len = 1;
	cr_assert_eq(tern_dns_name_to_text(&n, buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, ".");

	tern_dns_name_from_text(&n, "abcdef.gh");
	cr_assert_eq(tern_dns_name_to_text(&n, small, sizeof(small)),
		     -TERN_ENAMETOOLONG);
	cr_assert_str_eq(small, "abcde");
}

Test(dns_wire, equal_ignores_case_only)
{
	struct tern_dns_name a = name_of("WwW.TeSt.TeRn");
	struct tern_dns_name b = name_of("www.test.tern");
	struct tern_dns_name c = name_of("www.test.tern.x");
	struct tern_dns_name d = name_of("wwx.test.tern");

	cr_assert(tern_dns_name_equal(&a, &b));
	cr_assert(!tern_dns_name_equal(&a, &c));
	cr_assert(!tern_dns_name_equal(&b, &d));
}
