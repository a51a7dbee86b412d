/*
 * test_sha256.c - SHA-256 against the FIPS 180-2 appendix B examples and
 * the empty message, and the same digest whatever pieces the message is
 * fed in (every split of a message crossing block and padding edges).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/sha256.h"

static const char *digest_of(const void *data, size_t len,
			     char hex[TERN_SHA256_HEX_LEN])
{
	struct tern_sha256 s;
	uint8_t out[TERN_SHA256_LEN];

	tern_sha256_init(&s);
	tern_sha256_update(&s, data, len);
	tern_sha256_final(&s, out);
	return tern_sha256_hex(out, hex);
}

Test(sha256, published_examples)
{
	char hex[TERN_SHA256_HEX_LEN];
	const char *two_blocks =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	cr_assert_str_eq(digest_of(NULL, 0, hex),
			 "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855");
	cr_assert_str_eq(digest_of("abc", 3, hex),
			 "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	cr_assert_str_eq(digest_of(two_blocks, strlen(two_blocks), hex),
			 "248d6a61d20638b8e5c026930c3e6039"
			 "a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, a_million_a_in_odd_pieces)
{
	struct tern_sha256 s;
	uint8_t chunk[997], out[TERN_SHA256_LEN];
	char hex[TERN_SHA256_HEX_LEN];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	tern_sha256_init(&s);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		tern_sha256_update(&s, chunk, n);
		left -= n;
	}
	tern_sha256_final(&s, out);
	cr_assert_str_eq(tern_sha256_hex(out, hex),
			 "cdc76e5c9914fb9281a1c7e284d73e67"
			 "f1809a48a497200e046d39ccc7112cd0");
}

/* Messages of 0..130 bytes (the padding's one- and two-block cases), each
 * fed in two pieces split at every point, match the one-piece digest. */
Test(sha256, any_split_gives_the_same_digest)
{
	uint8_t msg[130], out[TERN_SHA256_LEN];
	char whole[TERN_SHA256_HEX_LEN], split[TERN_SHA256_HEX_LEN];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		digest_of(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut++) {
			struct tern_sha256 s;

			tern_sha256_init(&s);
			tern_sha256_update(&s, msg, cut);
			tern_sha256_update(&s, msg + cut, len - cut);
			tern_sha256_final(&s, out);
			cr_assert_str_eq(tern_sha256_hex(out, split), whole,
					 "len %zu cut %zu", len, cut);
		}
	}
}
