/*
 * sha256.h - SHA-256 (FIPS 180-4), the message digest that test scripts
 * and Linux tools (sha256sum) compute too.
 *
 * For checking that bytes arrived intact end to end: an app that moved a
 * stream prints its digest, and a script compares it with sha256sum of the
 * file on the other side. Incremental: feed the message in pieces of any
 * size, then take the digest. Not keyed (tern/siphash.h is for values an
 * attacker must not guess) and not a checksum of headers (tern/cksum.h).
 * Cost: one 64-round compression per 64 bytes.
 */
#ifndef TERN_SHA256_H
#define TERN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

#define TERN_SHA256_LEN 32     /* digest bytes */
#define TERN_SHA256_HEX_LEN 65 /* hex digits and the NUL */

struct tern_sha256 {
	uint32_t h[8];	   /* the chaining state */
	uint64_t len;	   /* message bytes so far */
	uint8_t block[64]; /* the partial block, len % 64 bytes of it */
};

/* Starts a digest. */
TERN_API void tern_sha256_init(struct tern_sha256 *s);

/* Appends the len bytes at data (NULL only when len is 0) to the message. */
TERN_API void tern_sha256_update(struct tern_sha256 *s, const void *data,
				 size_t len);

/* Ends the message and writes its digest to out. s must be initialised
 * again before another use. */
TERN_API void tern_sha256_final(struct tern_sha256 *s,
				uint8_t out[TERN_SHA256_LEN]);

/* Writes digest as 64 lower-case hex digits and a NUL to hex, the form
 * sha256sum prints. Returns hex. */
TERN_API char *tern_sha256_hex(const uint8_t digest[TERN_SHA256_LEN],
			       char hex[TERN_SHA256_HEX_LEN]);

#endif
