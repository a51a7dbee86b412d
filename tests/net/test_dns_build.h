/*
 * test_dns_build.h - a tiny DNS message writer for the DNS tests.
 *
 * Builds responses byte by byte so a test can say exactly what a server
 * sent, including what a well-behaved server never sends (loops, forward
 * pointers, lying counts). No checks: the tests want to make bad messages.
 */
#ifndef TERN_TEST_DNS_BUILD_H
#define TERN_TEST_DNS_BUILD_H

#include <stdint.h>
#include <string.h>

#include "tern/dns.h"

struct dnsb {
	uint8_t buf[1024];
	size_t len;
};

static inline void dnsb_u8(struct dnsb *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static inline void dnsb_u16(struct dnsb *b, uint16_t v)
{
	dnsb_u8(b, (uint8_t)(v >> 8));
	dnsb_u8(b, (uint8_t)v);
}

static inline void dnsb_u32(struct dnsb *b, uint32_t v)
{
	dnsb_u16(b, (uint16_t)(v >> 16));
	dnsb_u16(b, (uint16_t)v);
}

static inline void dnsb_bytes(struct dnsb *b, const void *p, size_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

/* A text name as uncompressed labels (no trailing dot in text). */
static inline void dnsb_name(struct dnsb *b, const char *text)
{
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		dnsb_u8(b, (uint8_t)l);
		dnsb_bytes(b, text, l);
		text += l + (dot ? 1 : 0);
	}
	dnsb_u8(b, 0);
}

static inline void dnsb_ptr(struct dnsb *b, uint16_t off)
{
	dnsb_u16(b, (uint16_t)(0xc000 | off));
}

static inline void dnsb_header(struct dnsb *b, uint16_t id, uint16_t flags,
			       uint16_t qd, uint16_t an, uint16_t ns,
			       uint16_t ar)
{
	b->len = 0;
	dnsb_u16(b, id);
	dnsb_u16(b, flags);
	dnsb_u16(b, qd);
	dnsb_u16(b, an);
	dnsb_u16(b, ns);
	dnsb_u16(b, ar);
}

/* A question for the A records of text (class IN). */
static inline void dnsb_question(struct dnsb *b, const char *text)
{
	dnsb_name(b, text);
	dnsb_u16(b, TERN_DNS_TYPE_A);
	dnsb_u16(b, TERN_DNS_CLASS_IN);
}

/* Type, class, TTL and data length of a record whose owner was written. */
static inline void dnsb_rr_fixed(struct dnsb *b, uint16_t type, uint32_t ttl,
				 uint16_t rdlen)
{
	dnsb_u16(b, type);
	dnsb_u16(b, TERN_DNS_CLASS_IN);
	dnsb_u32(b, ttl);
	dnsb_u16(b, rdlen);
}

/* A response to an A query for qname with addresses addrs (owner: a
 * pointer to the question name), TTL ttl, and rcode. */
static inline void dnsb_answer(struct dnsb *b, uint16_t id, const char *qname,
			       uint8_t rcode, const uint32_t *addrs, unsigned n,
			       uint32_t ttl)
{
	dnsb_header(b, id, (uint16_t)(0x8180 | rcode), 1, (uint16_t)n, 0, 0);
	dnsb_question(b, qname);
	for (unsigned i = 0; i < n; i++) {
		dnsb_ptr(b, TERN_DNS_HLEN);
		dnsb_rr_fixed(b, TERN_DNS_TYPE_A, ttl, 4);
		dnsb_u32(b, addrs[i]);
	}
}

#endif
