/*
 * inet.c - parsing and printing IPv4 and MAC addresses.
 */
#include "tern/inet.h"

#include "tern/err.h"
#include "tern/fmt.h"

/* Parses a decimal number of 1..3 digits, at most max; advances *s. */
static int parse_dec(const char **s, unsigned max, unsigned *out)
{
	unsigned v = 0, digits = 0;

	while (**s >= '0' && **s <= '9' && digits < 3) {
		v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
		digits++;
	}
	if (digits == 0 || v > max || (**s >= '0' && **s <= '9'))
		return -TERN_EINVAL;
	*out = v;
	return 0;
}

/* Parses a dotted quad and leaves *s after it. */
static int parse_quad(const char **s, uint32_t *addr)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned octet;

		if (i > 0 && *(*s)++ != '.')
			return -TERN_EINVAL;
		if (parse_dec(s, 255, &octet) < 0)
			return -TERN_EINVAL;
		a = a << 8 | octet;
	}
	*addr = a;
	return 0;
}

int tern_ipv4_parse(const char *s, uint32_t *addr)
{
	uint32_t a;

	if (parse_quad(&s, &a) < 0 || *s != '\0')
		return -TERN_EINVAL;
	*addr = a;
	return 0;
}

int tern_ipv4_parse_cidr(const char *s, uint32_t *addr, unsigned *prefix)
{
	uint32_t a;
	unsigned n;

	if (parse_quad(&s, &a) < 0 || *s++ != '/')
		return -TERN_EINVAL;
	if (parse_dec(&s, 32, &n) < 0 || *s != '\0')
		return -TERN_EINVAL;
	*addr = a;
	*prefix = n;
	return 0;
}

char *tern_ipv4_format(uint32_t addr, char buf[TERN_IPV4_STR_MAX])
{
	tern_snprintf(buf, TERN_IPV4_STR_MAX, "%u.%u.%u.%u", addr >> 24,
		      (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

int tern_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i > 0 && *s++ != ':')
			return -TERN_EINVAL;
		hi = tern_hex_digit((unsigned char)s[0]);
		lo = hi < 0 ? -1 : tern_hex_digit((unsigned char)s[1]);
		if (lo < 0)
			return -TERN_EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return -TERN_EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}

char *tern_mac_format(const uint8_t mac[6], char buf[TERN_MAC_STR_MAX])
{
	tern_snprintf(buf, TERN_MAC_STR_MAX, "%02x:%02x:%02x:%02x:%02x:%02x",
		      mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
