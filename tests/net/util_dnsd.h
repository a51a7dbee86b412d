/*
 * util_dnsd.h - a scripted DNS server on a fiber, for the tests that run
 * the resolver on a stack (test_dns_stack.c, test_dhcp_stack.c).
 *
 * The server reads queries from a blocking UDP socket the test bound (port
 * 53 of the other stack), checks that each is a well-formed one-question
 * query, lets the test write the whole response (with test_dns_build.h)
 * and sends it back to the asker.
 */
#ifndef TERN_TESTS_NET_UTIL_DNSD_H
#define TERN_TESTS_NET_UTIL_DNSD_H

#include <stdint.h>

#include "tern/net_loop.h"

#include "net/test_dns_build.h"

/* Serves queries on s until a receive fails (s closed): counts each in
 * *queries, has answer write the whole response to the query id for name
 * (as text) into b, and sends it back. Runs on a fiber; a malformed query
 * or a failed send aborts (fiber_check.h). */
void dnsd_serve(struct tern_usock *s,
		void (*answer)(void *ctx, uint16_t id, const char *name,
			       struct dnsb *b),
		void *ctx, unsigned *queries);

#endif
