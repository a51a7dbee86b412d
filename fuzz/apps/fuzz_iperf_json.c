/*
 * fuzz_iperf_json.c - fuzz target for the iperf3 JSON parser and writer
 * (apps/iperf/iperf_json_*.c).
 *
 * Input: one JSON text, as a client would send it behind its length.
 * Invariants: both parsers return 0, -TERN_EBADMSG or -TERN_ERANGE and
 * read nothing outside the input (libFuzzer's buffer is exactly its size,
 * so AddressSanitizer sees any over-read); a parsed client_version is
 * NUL-terminated inside its field; parsed results hold at most
 * IPERF_JSON_STREAMS streams with bytes >= 0, and written back by the
 * writer they parse to the same ids and bytes.
 */
#include <string.h>

#include "iperf_json.h"
#include "tern/assert.h"
#include "tern/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool allowed(int err)
{
	return err == 0 || err == -TERN_EBADMSG || err == -TERN_ERANGE;
}

/* Writes r back as server results and checks they parse the same. */
static void round_trip(const struct iperf_peer_results *r)
{
	static struct iperf_stream_result out[IPERF_JSON_STREAMS];
	static struct iperf_peer_results back;
	static char buf[IPERF_JSON_STREAMS * 200 + 200];
	struct iperf_results w = { -1, r->n, out };
	int n;

	for (unsigned i = 0; i < r->n; i++) {
		/* Our writer numbers streams with 32-bit ids. */
		out[i].id = (uint32_t)r->streams[i].id;
		out[i].bytes = (uint64_t)r->streams[i].bytes;
		out[i].retransmits = -1;
		out[i].start_us = 0;
		out[i].end_us = (uint64_t)r->streams[i].bytes;
	}
	n = iperf_json_write_results(buf, sizeof(buf), &w);
	TERN_ASSERT(n > 0 && (size_t)n < sizeof(buf));
	TERN_ASSERT(iperf_json_parse_results(buf, (size_t)n, &back) == 0);
	TERN_ASSERT(back.n == r->n);
	for (unsigned i = 0; i < r->n; i++) {
		TERN_ASSERT(back.streams[i].id == (int64_t)out[i].id);
		TERN_ASSERT(back.streams[i].bytes == r->streams[i].bytes);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iperf_peer_results r;
	struct iperf_params p;
	const char *text = (const char *)data;
	int err;

	err = iperf_json_parse_params(text, size, &p);
	TERN_ASSERT(allowed(err));
	if (err == 0)
		TERN_ASSERT(memchr(p.client_version, '\0',
				   sizeof(p.client_version)) != NULL);
	err = iperf_json_parse_results(text, size, &r);
	TERN_ASSERT(allowed(err));
	if (err == 0) {
		TERN_ASSERT(r.n <= IPERF_JSON_STREAMS);
		for (unsigned i = 0; i < r.n; i++)
			TERN_ASSERT(r.streams[i].bytes >= 0);
		round_trip(&r);
	}
	return 0;
}
