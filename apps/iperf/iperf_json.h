/*
 * iperf_json.h - the JSON of the iperf3 control protocol: a bounded
 * parser for the two messages a server receives (the client's parameters
 * and the client's results) and a writer for the one it sends (its
 * results).
 *
 * The parser reads network input, so it trusts nothing: it walks exactly
 * len bytes (a NUL byte is an error, not an end), nests at most
 * IPERF_JSON_DEPTH arrays and objects, validates the whole text as JSON
 * (RFC 8259: strings with their escapes, numbers, literals, nothing after
 * the top-level value but white space) and keeps only the fields listed
 * below; everything else is skipped. Numbers the server keeps must be
 * integers that fit an int64_t, though they may be written with a
 * fraction or an exponent (cJSON prints 5e+09); numbers it skips may be
 * anything (iperf3 3.12 sends -1 as 18446744073709551615). Like iperf3
 * itself (cJSON_GetObjectItem), a flag such as "reverse" counts by its
 * presence, whatever its value, and the first of two equal keys wins.
 * No memory is allocated; the cost is O(len).
 *
 * Tunables:
 *
 *   IPERF_JSON_DEPTH        16   deepest nesting accepted
 *   IPERF_JSON_STREAMS      128  streams a results message may list
 *                                (iperf3's MAX_STREAMS)
 *   IPERF_JSON_VERSION_MAX  32   bytes kept of "client_version"
 */
#ifndef IPERF_IPERF_JSON_H
#define IPERF_IPERF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPERF_JSON_DEPTH 16u
#define IPERF_JSON_STREAMS 128u
#define IPERF_JSON_VERSION_MAX 32u

/* Which keys of the parameters were present (struct iperf_params.seen). */
#define IPERF_P_TCP (1u << 0)
#define IPERF_P_UDP (1u << 1)
#define IPERF_P_SCTP (1u << 2)
#define IPERF_P_REVERSE (1u << 3)
#define IPERF_P_BIDIR (1u << 4)
#define IPERF_P_OMIT (1u << 5)
#define IPERF_P_TIME (1u << 6)
#define IPERF_P_NUM (1u << 7)
#define IPERF_P_BLOCKCOUNT (1u << 8)
#define IPERF_P_PARALLEL (1u << 9)
#define IPERF_P_LEN (1u << 10)
#define IPERF_P_VERSION (1u << 11)

/* The client's parameters (its send_parameters): the integers are 0 when
 * absent; client_version is NUL-terminated, cut to fit. */
struct iperf_params {
	unsigned seen; /* IPERF_P_* */
	int64_t omit, time, num, blockcount, parallel, len;
	char client_version[IPERF_JSON_VERSION_MAX];
};

/* One stream of a results message: its id and byte count. */
struct iperf_stream_bytes {
	int64_t id;
	int64_t bytes;
};

/* The client's results (its send_results): every stream of "streams",
 * each with an "id" and a "bytes" of at least 0. */
struct iperf_peer_results {
	unsigned n;
	struct iperf_stream_bytes streams[IPERF_JSON_STREAMS];
};

/* Parses text (len bytes, not NUL-terminated) as a parameters object into
 * *p. Returns 0; -TERN_EBADMSG if it is not JSON, nests too deep, is not
 * an object, or holds a field of the wrong type (a non-integer number);
 * -TERN_ERANGE for an integer outside int64_t. *p is undefined on
 * error. */
int iperf_json_parse_params(const char *text, size_t len,
			    struct iperf_params *p);

/* Parses text (len bytes) as a results object into *r. Returns 0;
 * -TERN_EBADMSG as for the parameters, or if "streams" is missing or not
 * an array of objects each with integer "id" and "bytes"; -TERN_ERANGE for
 * an integer outside int64_t, a negative "bytes", or more than
 * IPERF_JSON_STREAMS streams. *r is undefined on error. */
int iperf_json_parse_results(const char *text, size_t len,
			     struct iperf_peer_results *r);

/* One of our streams, as the server's results report it. */
struct iperf_stream_result {
	uint32_t id;
	uint64_t bytes;
	int64_t retransmits;	   /* -1: not counted */
	uint64_t start_us, end_us; /* since the stream started */
};

/* The server's results: sender_has_retransmits is 1 when we sent and
 * counted retransmissions, -1 when we received. */
struct iperf_results {
	int sender_has_retransmits;
	unsigned n;
	const struct iperf_stream_result *streams;
};

/* Writes r as iperf3's results object (cpu_util_* 0, jitter 0, errors 0,
 * packets 0; times in seconds with six decimals) into buf, NUL-terminated.
 * Returns its length without the NUL, or -TERN_ENOSPC if buf (cap bytes)
 * is too small (buf then holds a cut, NUL-terminated text). */
int iperf_json_write_results(char *buf, size_t cap,
			     const struct iperf_results *r);

#endif
