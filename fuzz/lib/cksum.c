/*
 * cksum.c - fuzz target for the Internet checksum.
 *
 * The fast, eight-bytes-at-a-time sum must equal the textbook 16-bit loop
 * on the input at every alignment 0..7, whole and split into pieces at
 * points the input chooses; and the incremental update (RFC 1624) of a
 * 16-bit field must equal recomputing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"

#include "support/cksum_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 8);
	uint16_t want = ref_cksum(data, size);

	for (size_t align = 0; align < 8; align++) {
		memcpy(buf + align, data, size);
		TERN_ASSERT(tern_cksum(buf + align, size) == want);
	}

	/* Pieces: each input byte, in turn, is the next piece's length. */
	struct tern_csum c;
	size_t off = 0, k = 0;

	tern_csum_init(&c);
	while (off < size) {
		size_t n = size ? 1 + data[k++ % size] % 64 : 0;

		if (n > size - off)
			n = size - off;
		tern_csum_add(&c, data + off, n);
		off += n;
	}
	TERN_ASSERT(tern_csum_finish(&c) == want);

	/* Changing a 16-bit field at an even offset. */
	if (size >= 4) {
		size_t at = (size_t)data[0] % (size / 2) * 2;
		uint16_t old = tern_load_be16(data + at);
		uint16_t new = (uint16_t)(old * 31 + 7);

		memcpy(buf, data, size);
		tern_store_be16(buf + at, new);
		uint16_t adj = tern_cksum_adjust16(want, old, new);
		uint16_t full = ref_cksum(buf, size);
		/* Equal, or the other zero of one's complement. */
		TERN_ASSERT(adj == full || (adj == 0xffff && full == 0) ||
			    (adj == 0 && full == 0xffff));
	}
	free(buf);
	return 0;
}
