/*
 * fuzz_input.h - reading a fuzz input as a little program: numbers of 1 to
 * 8 bytes, big-endian, and runs of raw bytes. Past the end every byte reads
 * as 0, so any input is a whole program and the fuzzer can shrink it
 * freely. Shared by the fuzz targets, whose seed corpora depend on exactly
 * this encoding.
 */
#ifndef TERN_TESTS_FUZZ_INPUT_H
#define TERN_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_input {
	const uint8_t *p;
	size_t left; /* bytes not read yet */
};

/* The next n (<= 8) bytes as a big-endian number. */
static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return (uint8_t)fuzz_take(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	return (uint16_t)fuzz_take(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return (uint32_t)fuzz_take(in, 4);
}

/* Takes the next *len bytes, or fewer if the input ends first (*len is set
 * to how many), and returns where they start. */
static inline const uint8_t *fuzz_bytes(struct fuzz_input *in, size_t *len)
{
	const uint8_t *p = in->p;

	if (*len > in->left)
		*len = in->left;
	in->p += *len;
	in->left -= *len;
	return p;
}

/* A malloc'ed copy of the len bytes at p, of exactly that size (at least
 * 1 byte), so that ASan catches a parser reading past the end. Free with
 * free(). */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	memcpy(buf, p, len);
	return buf;
}

/* fuzz_bytes into a fuzz_dup copy. */
static inline uint8_t *fuzz_copy(struct fuzz_input *in, size_t *len)
{
	const uint8_t *p = fuzz_bytes(in, len);

	return fuzz_dup(p, *len);
}

#endif
