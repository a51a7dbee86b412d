/*
 * byteorder.h - loads and stores of big-endian (network order) and
 * little-endian integers at any alignment.
 *
 * Packet parsers read fields through tern/view.h, which uses these. They
 * compile to a single load plus bswap on x86_64, in guest builds too:
 * __builtin_memcpy, because -ffreestanding makes a plain memcpy of 4 or 8
 * bytes a call into guest/string.c.
 */
#ifndef TERN_BYTEORDER_H
#define TERN_BYTEORDER_H

#include <stdint.h>

static inline uint16_t tern_load_be16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline uint32_t tern_load_be32(const void *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint64_t tern_load_be64(const void *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void tern_store_be16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void tern_store_be32(void *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	__builtin_memcpy(p, &v, 4);
}

static inline void tern_store_be64(void *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	__builtin_memcpy(p, &v, 8);
}

static inline uint16_t tern_load_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (uint16_t)b[1] << 8);
}

static inline uint32_t tern_load_le32(const void *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline uint64_t tern_load_le64(const void *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void tern_store_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void tern_store_le32(void *p, uint32_t v)
{
	__builtin_memcpy(p, &v, 4);
}

static inline void tern_store_le64(void *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

/* Host/network conversions for values held in variables. */
static inline uint16_t tern_htons(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint16_t tern_ntohs(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t tern_htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}
static inline uint32_t tern_ntohl(uint32_t v)
{
	return __builtin_bswap32(v);
}

#endif
