/*
 * transfer.h - ttcp's one connection: send a pseudo-random stream of a
 * given length, half-close, and read whatever the peer sends until it
 * closes, digesting both directions with SHA-256. With nothing to send,
 * the half-close waits for the peer's end of stream.
 *
 * The writer and the reader are two fibers on the same connection, so a
 * peer that echoes (socat's EXEC:cat) never stalls the writer: what comes
 * back is read while the rest goes out. A read or write that waits longer
 * than TTCP_IDLE_NS ends the transfer with -TERN_ETIMEDOUT.
 *
 * Memory: one TTCP_CHUNK buffer each way, inside struct ttcp_transfer.
 */
#ifndef TTCP_TRANSFER_H
#define TTCP_TRANSFER_H

#include <stdint.h>

#include "tern/net_loop.h"
#include "tern/rand.h"
#include "tern/sched.h"
#include "tern/sha256.h"

#define TTCP_CHUNK (64u * 1024u)
#define TTCP_IDLE_NS (30ull * 1000000000ull)

/* One direction of the stream. */
struct ttcp_dir {
	uint64_t bytes;
	int err; /* 0, or the -TERN_E* that ended this direction */
	struct tern_sha256 sha;
	uint8_t digest[TERN_SHA256_LEN]; /* once the direction ended */
	uint8_t buf[TTCP_CHUNK];
};

struct ttcp_transfer {
	struct tern_net_loop *loop;
	uint32_t dst;
	uint16_t port;
	int connect_err; /* tern_tsock_connect's error, or 0 */
	struct tern_tsock conn;
	struct tern_fiber writer, reader;
	struct tern_rand rand; /* the stream sent */
	uint64_t to_send;
	unsigned done;		 /* directions ended */
	uint64_t started, ended; /* loop times: connected, both done */
	struct ttcp_dir sent, received;
};

/* Spawns the writer fiber on s, which connects to dst:port (waiting up to
 * TTCP_IDLE_NS), spawns the reader and sends to_send bytes of a
 * xoshiro256** stream seeded with seed. t is the caller's memory. Returns
 * 0 or -TERN_ENOMEM (no fiber stack); a failed connect is in
 * t->connect_err once the scheduler has run. */
int ttcp_transfer_start(struct ttcp_transfer *t, struct tern_net_loop *loop,
			struct tern_sched *s, uint32_t dst, uint16_t port,
			uint64_t to_send, uint64_t seed);

/* Prints the outcome on the console: the connect error, or one line per
 * direction and the rate. Returns 0 if both directions ended cleanly,
 * else the first error. Call after the fibers have ended. */
int ttcp_transfer_report(struct ttcp_transfer *t);

#endif
