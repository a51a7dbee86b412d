/*
 * inet.h - text forms of IPv4 and MAC addresses.
 *
 * IPv4 addresses are uint32_t in host order (10.0.0.1 is 0x0a000001)
 * everywhere in Tern's API; only the wire code converts.
 */
#ifndef TERN_INET_H
#define TERN_INET_H

#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

#define TERN_IPV4_STR_MAX 16 /* "255.255.255.255" and NUL */
#define TERN_MAC_STR_MAX 18  /* "aa:bb:cc:dd:ee:ff" and NUL */

/* Parses dotted-quad "a.b.c.d" (each 0..255, no leading '+', no extra
 * characters). Returns 0, or -TERN_EINVAL. */
TERN_API int tern_ipv4_parse(const char *s, uint32_t *addr);

/* Parses "a.b.c.d/n" with 0 <= n <= 32. Returns 0, or -TERN_EINVAL. */
TERN_API int tern_ipv4_parse_cidr(const char *s, uint32_t *addr,
				  unsigned *prefix);

/* Writes addr as dotted quad into buf (TERN_IPV4_STR_MAX bytes); returns
 * buf. */
TERN_API char *tern_ipv4_format(uint32_t addr, char buf[TERN_IPV4_STR_MAX]);

/* The netmask of a prefix length (24 gives 0xffffff00). */
static inline uint32_t tern_ipv4_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* Parses "aa:bb:cc:dd:ee:ff" (hex, either case). Returns 0 or -TERN_EINVAL. */
TERN_API int tern_mac_parse(const char *s, uint8_t mac[6]);

/* Writes mac as "aa:bb:cc:dd:ee:ff" into buf; returns buf. */
TERN_API char *tern_mac_format(const uint8_t mac[6],
			       char buf[TERN_MAC_STR_MAX]);

#endif
