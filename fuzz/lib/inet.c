/*
 * inet.c - fuzz target for the IPv4, CIDR and MAC text parsers.
 *
 * The input is one NUL-terminated string. Invariants: every parser returns
 * 0 or -TERN_EINVAL and leaves its outputs alone on failure; what parses
 * formats back to text that parses to the same value (a round trip); an
 * accepted MAC is the formatted one up to letter case; an accepted address
 * is at most 15 characters (3 digits per octet).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/fmt.h"
#include "tern/inet.h"

static int same_ignoring_case(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

static void check_ipv4(const char *s)
{
	uint32_t a = 0xdeadbeef, b;
	char buf[TERN_IPV4_STR_MAX];
	int rc = tern_ipv4_parse(s, &a);

	TERN_ASSERT(rc == 0 || rc == -TERN_EINVAL);
	if (rc < 0) {
		TERN_ASSERT(a == 0xdeadbeef);
		return;
	}
	TERN_ASSERT(strlen(s) <= 15);
	tern_ipv4_format(a, buf);
	TERN_ASSERT(tern_ipv4_parse(buf, &b) == 0 && b == a);
}

static void check_cidr(const char *s)
{
	uint32_t a = 1, b;
	unsigned p = 99, q;
	char buf[32];
	int rc = tern_ipv4_parse_cidr(s, &a, &p);

	TERN_ASSERT(rc == 0 || rc == -TERN_EINVAL);
	if (rc < 0) {
		TERN_ASSERT(a == 1 && p == 99);
		return;
	}
	TERN_ASSERT(p <= 32);
	TERN_ASSERT(tern_ipv4_mask(p) == (p ? ~0u << (32 - p) : 0));
	char ip[TERN_IPV4_STR_MAX];
	tern_snprintf(buf, sizeof(buf), "%s/%u", tern_ipv4_format(a, ip), p);
	TERN_ASSERT(tern_ipv4_parse_cidr(buf, &b, &q) == 0 && b == a && q == p);
}

static void check_mac(const char *s)
{
	uint8_t m[6] = { 1, 2, 3, 4, 5, 6 }, m2[6];
	char buf[TERN_MAC_STR_MAX];
	int rc = tern_mac_parse(s, m);

	TERN_ASSERT(rc == 0 || rc == -TERN_EINVAL);
	if (rc < 0) {
		TERN_ASSERT(m[0] == 1 && m[5] == 6);
		return;
	}
	tern_mac_format(m, buf);
	TERN_ASSERT(same_ignoring_case(s, buf));
	TERN_ASSERT(tern_mac_parse(buf, m2) == 0 && memcmp(m, m2, 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	check_ipv4(s);
	check_cidr(s);
	check_mac(s);
	free(s);
	return 0;
}
