/*
 * util_dnsd.c - a scripted DNS server on a fiber (see util_dnsd.h).
 */
#include "util_dnsd.h"

#include "tern/dns.h"

#include "support/fiber_check.h"

void dnsd_serve(struct tern_usock *s,
		void (*answer)(void *ctx, uint16_t id, const char *name,
			       struct dnsb *b),
		void *ctx, unsigned *queries)
{
	uint8_t buf[TERN_DNS_UDP_MAX];
	struct tern_udp_meta meta;
	struct tern_dns_header h;
	struct tern_dns_question q;
	char name[TERN_DNS_TEXT_MAX];
	struct dnsb b;
	size_t off;
	int n;

	for (;;) {
		n = tern_usock_recvfrom(s, buf, sizeof(buf), &meta,
					TERN_NO_DEADLINE);
		if (n < 0)
			return;
		(*queries)++;
		off = TERN_DNS_HLEN;
		CHECK_EQ(tern_dns_header_parse(&h, buf, (size_t)n), 0);
		CHECK_EQ(tern_dns_question_parse(buf, (size_t)n, &off, &q), 0);
		tern_dns_name_to_text(&q.name, name, sizeof(name));
		answer(ctx, h.id, name, &b);
		CHECK_EQ(tern_usock_sendto(s, meta.src, meta.sport, b.buf,
					   b.len),
			 (int)b.len);
	}
}
