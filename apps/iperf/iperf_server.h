/*
 * iperf_server.h - an iperf3-protocol TCP server on the stack's fibers,
 * one test at a time.
 *
 * The protocol (iperf3's iperf_server_api.c and iperf_api.c): a client
 * connects the control connection and sends a cookie of IPERF_COOKIE_SIZE
 * bytes (36 characters and a NUL). The server drives the test with
 * one-byte states on that connection: PARAM_EXCHANGE (the client answers
 * with its parameters, JSON behind a 4-byte big-endian length),
 * CREATE_STREAMS (the client connects "parallel" data connections to the
 * same port, each sending the cookie first), TEST_START and TEST_RUNNING
 * (data flows: client to server normally, server to client with
 * "reverse"); the client ends it with TEST_END, the server sends
 * EXCHANGE_RESULTS, reads the client's results and sends its own (JSON,
 * iperf_json.h), then DISPLAY_RESULTS; the client says IPERF_DONE.
 * Refusals: ACCESS_DENIED to a connection that comes while a test runs
 * (or a stream with the wrong cookie), SERVER_ERROR followed by iperf3's
 * error number and an errno (two big-endian int32) to parameters we do
 * not support (UDP, SCTP, bidirectional, too many streams, a block over
 * IPERF_BLOCK_MAX).
 *
 * With -R the server sends; a test with -n stops queueing once the -n
 * bytes are queued, so that the client, which ends the test when it has
 * received them, received every byte the server reports. With -k the cap
 * is -k blocks of -l bytes (the client, counting a block per read,
 * usually ends the test sooner).
 *
 * Two fibers: the acceptor takes every connection and sorts it (control
 * of a new test, a stream of the test being set up, or refused); the
 * session runs the test's control protocol and moves the data. Sockets
 * come from a fixed pool because a struct tern_tsock must not move once a
 * connection is accepted into it.
 *
 * Tunables:
 *
 *   IPERF_MAX_STREAMS  8        parallel streams per test (-P)
 *   IPERF_BLOCK_MAX    128 KiB  largest -l we send with; the default
 *   IPERF_PARAMS_MAX   8 KiB    longest JSON message (iperf3's own limit
 *                               for parameters; results are far smaller)
 *   IPERF_CTRL_NS      10 s     each control step must finish in this
 *   IPERF_IDLE_NS      120 s    a test with no data moving for this long
 *                               is dropped (iperf3's --rcv-timeout)
 *   IPERF_GRACE_NS     10 s     TEST_END may come this late after
 *                               omit + time before the test is dropped
 *   IPERF_DENY_NS      2 s      a refused connection gets this long to
 *                               read its ACCESS_DENIED and close
 *
 * Memory: the struct holds the pool, the JSON buffer and the send block
 * (about 150 KiB).
 */
#ifndef IPERF_IPERF_SERVER_H
#define IPERF_IPERF_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "iperf_json.h"
#include "tern/net_loop.h"
#include "tern/sched.h"

#define IPERF_MAX_STREAMS 8u
#define IPERF_BLOCK_MAX (128u * 1024u)
#define IPERF_PARAMS_MAX 8192u
#define IPERF_CTRL_NS (10ull * 1000000000ull)
#define IPERF_IDLE_NS (120ull * 1000000000ull)
#define IPERF_GRACE_NS (10ull * 1000000000ull)
#define IPERF_DENY_NS (2ull * 1000000000ull)
#define IPERF_COOKIE_SIZE 37u
/* Sockets: control, streams, and one the acceptor is filling. */
#define IPERF_SOCKS (IPERF_MAX_STREAMS + 2u)

/* iperf3's states (one signed byte on the control connection). */
enum {
	IPERF_TEST_START = 1,
	IPERF_TEST_RUNNING = 2,
	IPERF_TEST_END = 4,
	IPERF_PARAM_EXCHANGE = 9,
	IPERF_CREATE_STREAMS = 10,
	IPERF_SERVER_TERMINATE = 11,
	IPERF_CLIENT_TERMINATE = 12,
	IPERF_EXCHANGE_RESULTS = 13,
	IPERF_DISPLAY_RESULTS = 14,
	IPERF_DONE = 16,
	IPERF_ACCESS_DENIED = -1,
	IPERF_SERVER_ERROR = -2,
};

/* iperf3's error numbers that we send with SERVER_ERROR. */
enum {
	IPERF_IENUMSTREAMS = 6, /* too many parallel streams */
	IPERF_IEBLOCKSIZE = 7,	/* block too large */
	IPERF_IEUNIMP = 13,	/* not implemented (bidirectional) */
	IPERF_IEPROTOCOL = 131, /* protocol (UDP, SCTP) */
};

/* Where the server is: what a new connection means. */
enum iperf_phase {
	IPERF_IDLE,    /* the next connection is a new test's control */
	IPERF_SETUP,   /* a test runs its control protocol: refuse */
	IPERF_STREAMS, /* waiting for the test's data connections */
	IPERF_RUNNING, /* data flows: refuse */
};

/* A pooled socket. */
struct iperf_sock {
	struct tern_tsock sock;
	bool used;
};

/* One data stream of the running test. */
struct iperf_stream {
	struct iperf_sock *s;
	uint64_t bytes;	       /* received, or queued to send */
	uint32_t retrans_base; /* the stack's retransmits at the start */
	int64_t retransmits;   /* during the test; -1 if receiving */
	bool done;	       /* ended early (the peer closed, an error) */
};

/* What the report prints. */
struct iperf_counters {
	uint64_t tests;		/* tests that ran to IPERF_DONE */
	uint64_t tests_failed;	/* ... that ended otherwise, not refused */
	uint64_t tests_refused; /* parameters we do not support */
	uint64_t denied;	/* connections refused while busy */
	uint64_t bad_cookie;	/* connections without a cookie in time */
	uint64_t bad_json;	/* JSON that did not parse or was too long */
	uint64_t bad_state;	/* unexpected state bytes from a client */
	uint64_t terminated;	/* tests the client ended (CLIENT_TERMINATE) */
	uint64_t bytes_rx;	/* stream bytes received, all tests */
	uint64_t bytes_tx;	/* stream bytes queued to send, all tests */
};

struct iperf_server {
	struct tern_net_loop *loop;
	struct tern_sched *sched;
	uint16_t port;
	struct tern_tsock listener;
	struct tern_fiber acceptor, session;
	struct tern_waitq wake; /* the session waits here */
	enum iperf_phase phase;
	struct iperf_sock pool[IPERF_SOCKS];
	struct iperf_sock *ctrl;
	char cookie[IPERF_COOKIE_SIZE];
	struct iperf_params params;
	struct iperf_stream streams[IPERF_MAX_STREAMS];
	unsigned n_streams, want_streams;
	uint64_t start_ns, end_ns;
	uint64_t left;	  /* sending: bytes still to queue (-n, -k) */
	const char *step; /* the control step running, for messages */
	bool stopping;
	struct iperf_counters c;
	struct iperf_peer_results peer;
	char json[IPERF_PARAMS_MAX + 1];
	uint8_t block[IPERF_BLOCK_MAX];
};

/* Listens on TCP port (every local address) and starts both fibers on s.
 * srv is the caller's (static) memory. Returns 0, tern_tsock_listen's
 * errors, or tern_fiber_spawn's. */
int iperf_server_start(struct iperf_server *srv, struct tern_net_loop *loop,
		       struct tern_sched *s, uint16_t port);

/* Stops serving: closes the listener (the acceptor ends) and ends the
 * session fiber once the test it runs, if any, is over. The caller joins
 * srv->acceptor and srv->session. */
void iperf_server_stop(struct iperf_server *srv);

/* Prints the counters on the console: lines starting "iperf:". */
void iperf_server_print(const struct iperf_server *srv);

/* ---- iperf_accept.c ---- */

/* The acceptor fiber (arg: the server). */
void iperf_acceptor(void *arg);

/* Returns a pooled socket to the pool, resetting its connection if it
 * still has one. */
void iperf_sock_put(struct iperf_sock *s);

/* ---- iperf_session.c ---- */

/* The session fiber (arg: the server). */
void iperf_session(void *arg);

/* Counts a state byte st that the protocol did not expect at this step.
 * Returns -TERN_ECANCELED for CLIENT_TERMINATE, else -TERN_EBADMSG. */
int iperf_bad_state(struct iperf_server *srv, int8_t st);

/* ---- iperf_data.c ---- */

/* Moves the data of a started test until the client's TEST_END (returns
 * 0, with end_ns set) or an error: the control connection ended
 * (-TERN_EPIPE) or sent another state (iperf_bad_state's codes), or
 * TEST_END did not come in time or nothing moved for IPERF_IDLE_NS
 * (-TERN_ETIMEDOUT). */
int iperf_data_run(struct iperf_server *srv);

#endif
