/*
 * httpd.h - the HTTP core (http.h) on Tern: a listener, an acceptor fiber
 * and a fixed pool of connection fibers over the stack's blocking TCP
 * sockets, files from a tarfs through the block cache.
 *
 * The pool has max_conns + HTTPD_SPARE slots. The acceptor takes a
 * connection into a free slot; when max_conns connections are already
 * being served, that slot answers 503 and closes instead. When every slot
 * is busy the acceptor waits (connections queue in the listen backlog).
 *
 * Per connection: a request buffer of HTTPD_RBUF bytes (a whole head, and
 * pipelined requests behind it, answered in order), a body buffer of
 * HTTPD_CHUNK bytes. A body is copied once: each cache block is borrowed
 * (tern_tarfs_borrow) when the send ring has room and copied straight into
 * it. The stack's send path copies once by design (tcp.h), so that is as
 * few copies as it allows. With cfg.copy_sends, the body goes through the
 * body buffer instead (two copies), to measure the difference.
 *
 * Timeouts: header_timeout_ns to get a complete head (from the accept, or
 * from the first byte of a later request: a slowloris client gets 408 and
 * is closed), idle_ns between keep-alive requests (closed silently),
 * HTTPD_SEND_NS for each write.
 */
#ifndef HTTPD_HTTPD_H
#define HTTPD_HTTPD_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "tern/net_loop.h"
#include "tern/sched.h"
#include "tern/tarfs.h"

#define HTTPD_SPARE 16u
#define HTTPD_MAX_CONNS 1024u
#define HTTPD_RBUF 16384u
#define HTTPD_CHUNK 16384u
#define HTTPD_SEND_NS (30ull * TERN_NSEC_PER_SEC)
#define HTTPD_LINGER_NS (2ull * TERN_NSEC_PER_SEC)
#define HTTPD_BACKLOG 64u

struct httpd_config {
	uint16_t port;
	uint32_t max_conns;
	uint64_t header_timeout_ns; /* default 10 s */
	uint64_t idle_ns;	    /* default 30 s */
	bool copy_sends; /* bodies via a buffer (2 copies); default false */
};

/* Connection-level counters; request outcomes are by reason. */
struct httpd_stats {
	uint64_t accepted, refused_cap, requests, bytes_tx;
	uint64_t header_timeout, idle_timeout, peer_closed, peer_reset;
	uint64_t incomplete_head;
	uint64_t send_error, read_error, file_error;
	uint64_t reasons[HTTP_R_COUNT];
	uint64_t status_2xx, status_3xx, status_4xx, status_5xx;
};

struct httpd;

struct httpd_conn {
	struct httpd *h;
	struct tern_fiber fiber;
	struct tern_tsock sock;
	struct tern_waitq wq;
	bool busy, refuse;
	bool idle; /* waiting for a request's first byte */
	uint32_t addr;
	uint16_t port;
	size_t rlen;
	uint8_t rbuf[HTTPD_RBUF];
	uint8_t chunk[HTTPD_CHUNK];
	struct http_resp resp;
	char path[TERN_TARFS_PATH_MAX + 1];
};

struct httpd {
	struct httpd_stats stats;
	struct httpd_config cfg;
	/* private */
	struct tern_net_loop *loop;
	struct tern_sched *sched;
	struct tern_tarfs *fs;
	char root[TERN_TARFS_PATH_MAX + 1]; /* normalised; "" the image's */
	size_t root_len;
	struct tern_tsock listener;
	struct tern_fiber acceptor;
	struct tern_waitq slot_free;
	struct httpd_conn *conns; /* max_conns + HTTPD_SPARE */
	uint32_t nconns, serving;
	bool stopping;
};

/* Default configuration (port 80, 64 connections, 10 s, 30 s). */
void httpd_config_default(struct httpd_config *cfg);

/* Checks that root names a directory of fs and stores it. Returns 0,
 * -TERN_ENOTDIR or tarfs's lookup errors. */
int httpd_set_root(struct httpd *h, struct tern_tarfs *fs, const char *root);

/* Regular files under the root. */
uint32_t httpd_count_files(const struct httpd *h);

/* Listens and spawns the fibers; conns (cfg->max_conns + HTTPD_SPARE
 * structs) is the caller's memory. Returns 0, tern_tsock_listen's errors
 * or -TERN_ENOMEM (no fiber stack). */
int httpd_start(struct httpd *h, struct tern_net_loop *loop,
		const struct httpd_config *cfg, struct httpd_conn *conns);

/* Stops the server; call from a fiber on its scheduler. Closes the
 * listener (new connections are refused), ends idle keep-alive connections
 * with a FIN, lets the responses in progress finish until deadline, then
 * resets whatever is left, and joins every fiber. Returns 0 if every
 * connection ended by itself, -TERN_ETIMEDOUT if some were reset. The
 * caller's conns may be freed afterwards. */
int httpd_stop(struct httpd *h, uint64_t deadline);

/* Prints every non-zero counter, headed "httpd: counters (non-zero)". */
void httpd_print_stats(const struct httpd *h);

#endif
