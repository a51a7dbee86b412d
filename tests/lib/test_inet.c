/*
 * test_inet.c - IPv4 and MAC text forms: round trips over many addresses,
 * and every kind of malformed input refused without touching the output.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tern/err.h"
#include "tern/inet.h"
#include "tern/rand.h"

Test(inet, ipv4_round_trips)
{
	char buf[TERN_IPV4_STR_MAX], libc[32];
	struct tern_rand r;
	uint32_t a;

	tern_rand_seed(&r, 4);
	for (int i = 0; i < 100000; i++) {
		uint32_t want = i < 4 ? (uint32_t[]){ 0, 0xffffffff, 0x0a000001,
						      0x7f000001 }[i]
				      : (uint32_t)tern_rand_u64(&r);

		tern_ipv4_format(want, buf);
		snprintf(libc, sizeof(libc), "%u.%u.%u.%u", want >> 24,
			 (want >> 16) & 255, (want >> 8) & 255, want & 255);
		cr_assert_str_eq(buf, libc);
		cr_assert_eq(tern_ipv4_parse(buf, &a), 0, "%s", buf);
		cr_assert_eq(a, want);
	}
	cr_assert_str_eq(tern_ipv4_format(0xffffffff, buf), "255.255.255.255");
	cr_assert_eq(strlen(buf) + 1, TERN_IPV4_STR_MAX);
}

Test(inet, ipv4_parse_accepts_and_rejects)
{
	static const char *const bad[] = {
		"",	      "1.2.3",		 "1.2.3.4.5",  "256.1.1.1",
		"1.2.3.256",  "1.2.3.4/33",	 "1.2.3.4 ",   " 1.2.3.4",
		"x1.2.3.4",   "1.2.3.4x",	 "1..2.3",     "1.2.3.",
		".1.2.3",     "+1.2.3.4",	 "-1.2.3.4",   "1.2.3.-4",
		"0001.2.3.4", "1.2.3.1000",	 "1,2,3,4",    "0x1.2.3.4",
		"1.2.3.4\n",  "999.999.999.999", "4294967296",
	};
	uint32_t a = 0x11223344;

	for (size_t i = 0; i < TERN_ARRAY_SIZE(bad); i++) {
		cr_assert_eq(tern_ipv4_parse(bad[i], &a), -TERN_EINVAL,
			     "\"%s\"", bad[i]);
		cr_assert_eq(a, 0x11223344, "output written on failure");
	}
	cr_assert_eq(tern_ipv4_parse("010.001.0.00", &a), 0,
		     "leading zeros are decimal, up to 3 digits");
	cr_assert_eq(a, 0x0a010000);
	cr_assert_eq(tern_ipv4_parse("0.0.0.0", &a), 0);
	cr_assert_eq(a, 0);
}

Test(inet, cidr_parse)
{
	static const char *const bad[] = {
		"1.2.3.4",     "1.2.3.4/",    "1.2.3.4/33",  "1.2.3.4/-1",
		"1.2.3.4/1/2", "1.2.3/24",    "1.2.3.4/24 ", "1.2.3.4/0x10",
		"1.2.3.4/100", "1.2.3.4//24", "/24",	     "1.2.3.256/24",
	};
	uint32_t a = 1;
	unsigned p = 99;

	for (size_t i = 0; i < TERN_ARRAY_SIZE(bad); i++) {
		cr_assert_eq(tern_ipv4_parse_cidr(bad[i], &a, &p), -TERN_EINVAL,
			     "\"%s\"", bad[i]);
		cr_assert_eq(a, 1);
		cr_assert_eq(p, 99);
	}
	for (unsigned n = 0; n <= 32; n++) {
		char s[32];

		snprintf(s, sizeof(s), "192.168.7.9/%u", n);
		cr_assert_eq(tern_ipv4_parse_cidr(s, &a, &p), 0, "%s", s);
		cr_assert_eq(a, 0xc0a80709);
		cr_assert_eq(p, n);
	}
	cr_assert_eq(tern_ipv4_parse_cidr("10.0.0.1/08", &a, &p), 0);
	cr_assert_eq(p, 8);
}

Test(inet, mask)
{
	cr_assert_eq(tern_ipv4_mask(0), 0);
	cr_assert_eq(tern_ipv4_mask(1), 0x80000000);
	cr_assert_eq(tern_ipv4_mask(24), 0xffffff00);
	cr_assert_eq(tern_ipv4_mask(31), 0xfffffffe);
	cr_assert_eq(tern_ipv4_mask(32), 0xffffffff);
}

Test(inet, mac_round_trips_and_rejects)
{
	static const char *const bad[] = {
		"",
		"00:11:22:33:44",
		"00:11:22:33:44:55:66",
		"0:11:22:33:44:55",
		"00:11:22:33:44:5",
		"00-11-22-33-44-55",
		"00:11:22:33:44:5g",
		"001122334455",
		" 00:11:22:33:44:55",
		"00:11:22:33:44:55 ",
		"00:11:22:33:44:555",
		"00:11::22:33:44:55",
		"gg:11:22:33:44:55",
		"00:11:22:33:44:55:",
	};
	uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 }, want[6];
	char buf[TERN_MAC_STR_MAX];
	struct tern_rand r;

	for (size_t i = 0; i < TERN_ARRAY_SIZE(bad); i++) {
		cr_assert_eq(tern_mac_parse(bad[i], mac), -TERN_EINVAL,
			     "\"%s\"", bad[i]);
		cr_assert_eq(mac[0], 9, "output written on failure");
	}
	cr_assert_eq(tern_mac_parse("aA:bB:Cc:00:ff:FF", mac), 0);
	cr_assert_str_eq(tern_mac_format(mac, buf), "aa:bb:cc:00:ff:ff");
	tern_rand_seed(&r, 6);
	for (int i = 0; i < 10000; i++) {
		tern_rand_fill(&r, want, 6);
		tern_mac_format(want, buf);
		cr_assert_eq(strlen(buf) + 1, TERN_MAC_STR_MAX);
		cr_assert_eq(tern_mac_parse(buf, mac), 0);
		cr_assert_arr_eq(mac, want, 6);
	}
}
