/*
 * tcp.h - TCP (RFC 9293) over the stack core (net.h): the non-blocking,
 * sans-I/O connection API. net_loop.h adds blocking calls for fibers.
 *
 * Connections and listeners are the stack's memory: a pool of
 * cfg.tcp_conns entries, each with a send ring of cfg.tcp_sndbuf bytes,
 * sized and allocated at tern_net_init. A call that needs one when the pool
 * is empty fails with -TERN_ENOSPC (counted in tcp_conn_table_full). A
 * struct tern_tcp * stays valid until tern_tcp_close or tern_tcp_abort;
 * after that the stack finishes the connection on its own (the FIN
 * handshake) and frees it - into the compact TIME_WAIT table
 * (cfg.tcp_time_wait_max entries, tern_tcp_time_wait_count) when it is
 * the side that closed first, so TIME_WAIT never holds a connection.
 *
 * Data path: tern_tcp_send copies into the send ring once; segments are
 * cut from the ring, and rebuilt from it on retransmission. Received
 * in-order data stays in the packet buffers it arrived in, so
 * tern_tcp_peek lends them without a copy; out-of-order segments wait in a
 * queue capped at cfg.tcp_ooo_max segments per connection.
 *
 * Features, all on by default: MSS (clamped to the route's MTU), window
 * scaling and timestamps with PAWS (RFC 7323), SACK-permitted and SACK
 * blocks both ways (RFC 2018: sent for out-of-order data, the latest
 * first; received into a scoreboard that drives SACK-based loss recovery,
 * RFC 6675, with lost resends found again), RTO per RFC 6298 (Karn, also
 * for timestamp echoes; exponential backoff, cfg.tcp_rto_min_ns floor),
 * RACK-TLP (RFC 8985: losses found by time, with a reordering window;
 * tail-loss probes; off per socket with tern_tcp_set_rack), fast
 * retransmit and NewReno recovery without SACK (RFC 5681, RFC 6582),
 * CUBIC congestion control (RFC 9438; NewReno per socket with
 * tern_tcp_set_cc), delayed ACK (every second full segment, or
 * cfg.tcp_delack_ns), Nagle (tern_tcp_set_nodelay turns it
 * off; tern_tcp_set_cork holds short segments until uncorked), zero-window probes, silly-window avoidance on both sides, ISNs per
 * RFC 6528 (SipHash of the 4-tuple under a key drawn from the stack's seed,
 * plus a 4 us clock), RFC 5961 checks (in-window RST or SYN draws a
 * rate-limited challenge ACK; ACKs outside the sent range are dropped; an
 * empty segment outside the window is answered under the same limit), SYN
 * cookies (RFC 4987) once a listener's SYN queue or the connection pool is
 * full (such a connection has no window scaling, timestamps or SACK),
 * keepalive per socket, and flag sets that no stack sends (SYN+FIN,
 * SYN+RST, no flags) are dropped.
 *
 * Readiness: a hook set with tern_tcp_set_notify is called from inside the
 * stack when something changed (data or end of stream to read, room to
 * write, a connection to accept, connected, an error). It must not call
 * back into the stack; the fiber layer only wakes fibers from it.
 *
 * Errors: -TERN_EAGAIN (nothing now: try later), -TERN_ECONNREFUSED (RST
 * in answer to our SYN), -TERN_ECONNRESET (RST on an open connection),
 * -TERN_ETIMEDOUT (retransmissions or keepalive probes ran out),
 * -TERN_EPIPE (sending after shutdown, or after the connection ended),
 * -TERN_ENOTCONN (an operation that needs a connected socket),
 * -TERN_EHOSTUNREACH (no route), -TERN_ENOSPC (connection pool full),
 * -TERN_EADDRINUSE (the port is taken, or no ephemeral port is free).
 */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

struct tern_net;
struct tern_tcp;

/* RFC 9293's states (TERN_TCP_CLOSED also after a reset or a timeout). */
enum tern_tcp_state {
	TERN_TCP_CLOSED,
	TERN_TCP_LISTEN,
	TERN_TCP_SYN_SENT,
	TERN_TCP_SYN_RECEIVED,
	TERN_TCP_ESTABLISHED,
	TERN_TCP_FIN_WAIT_1,
	TERN_TCP_FIN_WAIT_2,
	TERN_TCP_CLOSE_WAIT,
	TERN_TCP_CLOSING,
	TERN_TCP_LAST_ACK,
	TERN_TCP_TIME_WAIT,
};

/* The state's RFC name ("ESTABLISHED"); never NULL. */
TERN_API const char *tern_tcp_state_name(enum tern_tcp_state s);

/* Events passed to the notify hook (a bit set). */
#define TERN_TCP_EV_READ 1u /* data, end of stream, or a connection to accept */
#define TERN_TCP_EV_WRITE 2u /* room in the send ring */
#define TERN_TCP_EV_STATE 4u /* connected, closed, or an error */

typedef void (*tern_tcp_notify_fn)(struct tern_tcp *c, unsigned events,
				   void *ctx);

/* ---- Opening ------------------------------------------------------------ */

/* Listens on addr:port (addr 0: every local address) with room for backlog
 * connections that completed their handshake but were not accepted yet
 * (1..cfg.tcp_backlog_max; as many more may be half-open). Sets *out.
 * Returns 0, -TERN_EINVAL (port 0 or backlog out of range),
 * -TERN_EADDRINUSE (a listener has that address and port), -TERN_ENOSPC. */
TERN_API int tern_tcp_listen(struct tern_net *net, uint32_t addr, uint16_t port,
			     unsigned backlog, struct tern_tcp **out);

/* Takes the oldest established connection waiting on listener l into *out.
 * Returns 0, -TERN_EAGAIN (none waiting) or -TERN_EINVAL (l is not a
 * listener). */
TERN_API int tern_tcp_accept(struct tern_tcp *l, struct tern_tcp **out);

/* Opens a connection to dst:dport from an ephemeral port of the routed
 * interface's address: sends the SYN at time now and sets *out (state
 * SYN_SENT; TERN_TCP_EV_STATE tells when it is ESTABLISHED or failed).
 * Returns 0, -TERN_EINVAL (dport 0, dst 0 or a broadcast or multicast
 * address), -TERN_EHOSTUNREACH, -TERN_EADDRINUSE, -TERN_ENOSPC. */
TERN_API int tern_tcp_connect(struct tern_net *net, uint32_t dst,
			      uint16_t dport, uint64_t now,
			      struct tern_tcp **out);

/* ---- Data --------------------------------------------------------------- */

/* Copies up to len bytes of data into the send ring and sends what the
 * windows allow at time now. Data may be queued before the handshake ends.
 * Returns the bytes taken (1..len), -TERN_EAGAIN (the ring is full), the
 * connection's error, or -TERN_EPIPE (after shutdown, or the connection is
 * closed). len 0 returns 0. */
TERN_API int tern_tcp_send(struct tern_tcp *c, const void *data, size_t len,
			   uint64_t now);

/* tern_tcp_send of the concatenation of n pieces: copies what fits of them
 * into the send ring, then sends once, so pieces from many places (cache
 * blocks) leave in segments as large as one write of them would. Returns
 * the bytes taken (at most INT32_MAX; 0 if every piece is empty), or the
 * errors of tern_tcp_send. */
TERN_API int tern_tcp_sendv(struct tern_tcp *c, const struct tern_iov *iov,
			    unsigned n, uint64_t now);

/* Copies up to cap bytes of received data to buf and opens the window at
 * time now. Returns the bytes copied, 0 at the end of the stream (the peer
 * sent FIN and all data was read), -TERN_EAGAIN (nothing yet), or the
 * connection's error (-TERN_ECONNRESET, -TERN_ETIMEDOUT, ...). cap 0
 * returns 0 only at the end of the stream. */
TERN_API int tern_tcp_recv(struct tern_tcp *c, void *buf, size_t cap,
			   uint64_t now);

/* Zero-copy receive: lends the first contiguous piece of received data (it
 * stays in its packet buffer) as *data, *len bytes. Returns 0 (*len > 0),
 * or what tern_tcp_recv would for no data (0 with *len 0 at the end of the
 * stream, -TERN_EAGAIN, an error). The piece stays valid until the next
 * tern_tcp_consume, tern_tcp_recv or close on c. */
TERN_API int tern_tcp_peek(struct tern_tcp *c, const uint8_t **data,
			   size_t *len);

/* Drops the first n bytes of received data (n <= tern_tcp_readable(c)) and
 * opens the window at time now. */
TERN_API void tern_tcp_consume(struct tern_tcp *c, size_t n, uint64_t now);

/* Bytes ready to read now; and free bytes in the send ring. */
TERN_API size_t tern_tcp_readable(const struct tern_tcp *c);
TERN_API size_t tern_tcp_writable(const struct tern_tcp *c);

/* True once the peer's FIN arrived and every byte before it was read. */
TERN_API bool tern_tcp_at_eof(const struct tern_tcp *c);

/* What c is ready for now, as TERN_TCP_EV_* bits: READ if a recv (or, on
 * a listener, an accept) would not return -TERN_EAGAIN - data, the end of
 * the stream or an error; WRITE if a send would not - room in the ring,
 * or an error or shutdown it would report; STATE if the connection
 * ended. A connection still opening is ready for nothing. */
TERN_API unsigned tern_tcp_ready(const struct tern_tcp *c);

/* ---- Closing ------------------------------------------------------------ */

/* Half-close: sends FIN after the queued data at time now; receiving goes
 * on. Returns 0, -TERN_ENOTCONN (a listener, or never connected) or the
 * connection's error. A second call is a no-op. */
TERN_API int tern_tcp_shutdown(struct tern_tcp *c, uint64_t now);

/* Releases the handle at time now: a listener closes and resets its
 * unaccepted connections; a connection shuts down (FIN after queued data)
 * and the stack finishes and frees it - unless received data was never
 * read, which makes it an abort (RFC 9293 3.10.4 leaves that to the stack;
 * Linux does the same). c must not be used afterwards. */
TERN_API void tern_tcp_close(struct tern_tcp *c, uint64_t now);

/* Releases the handle and resets the connection (RST to the peer unless
 * it is closed or listening) at time now; c must not be used afterwards. */
TERN_API void tern_tcp_abort(struct tern_tcp *c, uint64_t now);

/* ---- State and options -------------------------------------------------- */

TERN_API enum tern_tcp_state tern_tcp_state(const struct tern_tcp *c);

/* The pending error (0 if none): -TERN_ECONNREFUSED, -TERN_ECONNRESET,
 * -TERN_ETIMEDOUT, -TERN_EHOSTUNREACH. */
TERN_API int tern_tcp_error(const struct tern_tcp *c);

/* Sets (fn non-NULL) or clears the readiness hook. */
TERN_API void tern_tcp_set_notify(struct tern_tcp *c, tern_tcp_notify_fn fn,
				  void *ctx);

/* Turns Nagle's algorithm off (on) or back on (off). */
TERN_API void tern_tcp_set_nodelay(struct tern_tcp *c, bool on);

/* Corks (on) or uncorks c, as Linux's TCP_CORK: while corked, only full
 * segments leave, so a response written in pieces (a head, then body
 * blocks) goes out in as few segments as its length needs; uncorking
 * sends the short rest at once (at now), as does a shutdown. Unlike
 * Linux's, the cork has no time limit: whoever corks, uncorks. */
TERN_API void tern_tcp_set_cork(struct tern_tcp *c, bool on, uint64_t now);

/* Turns RACK-TLP (RFC 8985: time-based loss detection with a reordering
 * window, and tail-loss probes) off (on false) or back on; it is on by
 * default and works only with SACK. Off, losses are found by RFC 6675's
 * DupThresh rules (three duplicate ACKs, or more than 2 MSS SACKed above
 * a hole) and a tail waits for the RTO. */
TERN_API void tern_tcp_set_rack(struct tern_tcp *c, bool on);

/* Sizes c's buffers down from the stack's (cfg.tcp_sndbuf and
 * cfg.tcp_rcvbuf, the most they can be; 0 keeps one as it is): the send
 * ring (only while it is empty) and the most the receive window offers.
 * A smaller receive buffer shrinks the window as data is read; the window
 * scale was chosen for the stack's size. Returns 0, or -TERN_EINVAL for a
 * size above the stack's or under 1024 bytes, or a non-empty ring. */
TERN_API int tern_tcp_set_buffers(struct tern_tcp *c, uint32_t sndbuf,
				  uint32_t rcvbuf);

/* Keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): after idle_ns without a
 * segment from the peer and with nothing in flight, a probe every
 * interval_ns; after probes unanswered ones the connection ends with
 * -TERN_ETIMEDOUT (counted in tcp_keepalive_timeouts). idle_ns 0 turns it
 * off (the default). Linux's defaults are 7200 s, 75 s and 9. Returns 0,
 * or -TERN_EINVAL for an interval or count of 0 with keepalive on. */
TERN_API int tern_tcp_set_keepalive(struct tern_tcp *c, uint64_t idle_ns,
				    uint64_t interval_ns, uint32_t probes);

/* Picks c's congestion control by name: "cubic" (RFC 9438, the default)
 * or "newreno" (RFC 5681/6582). The window carries over. Returns 0 or
 * -TERN_EINVAL for another name. */
TERN_API int tern_tcp_set_cc(struct tern_tcp *c, const char *name);

/* The addresses and ports of c (any out pointer may be NULL). */
TERN_API void tern_tcp_endpoints(const struct tern_tcp *c, uint32_t *laddr,
				 uint16_t *lport, uint32_t *raddr,
				 uint16_t *rport);

/* What a test or a tool may want to see of a connection. */
struct tern_tcp_info {
	enum tern_tcp_state state;
	uint32_t mss;	      /* payload bytes per segment we send */
	const char *cc;	      /* congestion control: "cubic", "newreno" */
	uint32_t cwnd;	      /* congestion window, bytes */
	uint32_t ssthresh;    /* bytes */
	uint32_t snd_wnd;     /* the peer's window, bytes, scaled */
	uint32_t rcv_wnd;     /* the window we advertise, bytes */
	uint32_t in_flight;   /* bytes sent, not acknowledged */
	uint64_t srtt_ns;     /* 0 before the first sample */
	uint64_t rto_ns;      /* the current timeout, backoff included */
	uint32_t retransmits; /* segments sent again, in total */
	uint32_t backoff;     /* consecutive timeouts */
	uint8_t snd_wscale;   /* the shift applied to the peer's window */
	uint8_t rcv_wscale;   /* the shift of the window we advertise */
	bool ts, sack;	      /* negotiated */
};

TERN_API void tern_tcp_get_info(const struct tern_tcp *c,
				struct tern_tcp_info *info);

/* Connections in use (listeners included, and TIME_WAIT ones whose
 * handle is still held): 0 once everything is closed and released. */
TERN_API uint32_t tern_tcp_conns_in_use(const struct tern_net *net);

/* Released connections waiting out TIME_WAIT in the compact table (at
 * most cfg.tcp_time_wait_max): 0 once 2 MSL passed after the last. */
TERN_API uint32_t tern_tcp_time_wait_count(const struct tern_net *net);

#endif
