/*
 * tcp_echo.h - the echo app's TCP side (--tcp-port): a listener and a
 * fixed pool of worker fibers, each serving one connection at a time,
 * sending back every byte it reads until the peer half-closes.
 *
 * Connections beyond the pool are not refused: the stack completes their
 * handshake and they wait in the listen backlog (TCP_ECHO_BACKLOG) until a
 * worker is free; past the backlog the stack's listener drops further SYNs
 * (the peer retries them).
 *
 * Tunables:
 *
 *   TCP_ECHO_WORKERS  16     connections served at once
 *   TCP_ECHO_BACKLOG  16     established connections waiting for a worker
 *   TCP_ECHO_BUF      16 KiB bytes a worker reads before writing them back
 *   TCP_ECHO_IDLE_NS  60 s   a read or write that waits this long aborts
 *                            the connection (a peer that went away, or
 *                            one that stopped reading)
 *
 * Memory: the workers and their buffers (256 KiB) come from
 * tern_mem_alloc() when TCP is started, so an echo without --tcp-port
 * does not carry them in its image (.bss); the fibers' stacks come from
 * the scheduler.
 */
#ifndef ECHO_TCP_ECHO_H
#define ECHO_TCP_ECHO_H

#include <stdint.h>

#include "tern/net_loop.h"
#include "tern/sched.h"

#define TCP_ECHO_WORKERS 16u
#define TCP_ECHO_BACKLOG 16u
#define TCP_ECHO_BUF 16384u
#define TCP_ECHO_IDLE_NS (60ull * 1000000000ull)

struct tcp_echo;

/* One fiber and the connection it serves. */
struct tcp_echo_worker {
	struct tcp_echo *te;
	struct tern_fiber fiber;
	struct tern_tsock conn;
	uint8_t buf[TCP_ECHO_BUF];
};

struct tcp_echo {
	struct tern_net_loop *loop;
	struct tern_tsock listener;
	struct tcp_echo_worker *workers; /* TCP_ECHO_WORKERS of them */
	uint16_t port;
	unsigned active;    /* connections being served now */
	uint64_t served;    /* connections accepted */
	uint64_t completed; /* ... that ended with the peer's FIN */
	uint64_t failed;    /* ... that ended with an error (reset, ...) */
	uint64_t idle;	    /* ... aborted after TCP_ECHO_IDLE_NS */
	uint64_t bytes;	    /* bytes read and queued back */
};

/* Listens on every local address's TCP port and spawns the workers on the
 * loop's scheduler. te is the caller's (static) memory. Returns 0, the
 * errors of tern_tsock_listen, or -TERN_ENOMEM (no memory for the workers
 * or a fiber stack). */
int tcp_echo_start(struct tcp_echo *te, struct tern_net_loop *loop,
		   struct tern_sched *s, uint16_t port);

/* Prints te's counters on the console: one line starting "echo: tcp". */
void tcp_echo_print(const struct tcp_echo *te);

#endif
