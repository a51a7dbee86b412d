/*
 * net_loop.h - the network stack on fibers: the glue between the sans-I/O
 * core (net.h) and the scheduler (sched.h), and blocking sockets.
 *
 * struct tern_net_loop registers a poller with the scheduler. On every loop
 * turn it pulls frames from each interface's device in batches of up to
 * TERN_NET_RX_BATCH (tern_netdev_recv straight into pool buffers, so a
 * frame is never copied on the way in), feeds them to the core inside one
 * transmit batch, and keeps a wheel timer armed at the core's next deadline
 * (ARP retries, reassembly timeouts), which calls tern_net_timers.
 *
 * The loop holds up to TERN_NET_RX_BATCH empty frame buffers between turns
 * (the receive ring, in effect): tern_net_pkts_in_use() counts them until
 * tern_net_loop_stop.
 *
 * Blocking sockets wrap the core sockets: struct tern_usock holds a
 * struct tern_udp (bind, connect and the non-blocking calls of udp.h work
 * on &s->udp) plus a wait queue that the stack's notify hook wakes, so a
 * fiber can block in receive with a deadline. Sends never block: they use
 * the scheduler's time of the current turn. struct tern_uping does the same
 * for ping sockets (icmp.h).
 *
 * struct tern_tsock does the same for TCP (tcp.h): blocking accept,
 * connect with a deadline, read (partial and full) and write (all of it),
 * with the core connection underneath for the non-blocking calls.
 *
 * struct tern_ucore runs a sans-I/O protocol core that talks over one UDP
 * socket (the DHCP client, the resolver) without a fiber of its own.
 *
 * All blocking calls must be made from a fiber.
 */
#ifndef TERN_NET_LOOP_H
#define TERN_NET_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/icmp.h"
#include "tern/net.h"
#include "tern/sched.h"
#include "tern/tcp.h"
#include "tern/timer.h"
#include "tern/udp.h"

#define TERN_NET_RX_BATCH 32
#define TERN_NET_RX_ROUNDS 4 /* batches per interface per loop turn */

struct tern_net_loop {
	/* private */
	struct tern_net *net;
	struct tern_sched *sched;
	struct tern_poller poller;
	struct tern_timer timer;
	unsigned batch; /* buffers per receive call */
	struct tern_pkt *rx[TERN_NET_RX_BATCH];
	uint64_t polls;	     /* poller calls */
	uint64_t recv_calls; /* device receive calls */
	uint64_t rx_errors;  /* device receive failures */
	uint64_t rx_pauses;  /* times an interface was paused: no buffers */
	bool rx_paused[TERN_NET_MAX_IFS]; /* tern_netdev_rx_pause in force */
	unsigned rx_paused_count;	  /* how many of rx_paused are set */
	bool started;
};

/* Starts driving net from scheduler s: registers the poller and the
 * deadline timer. The stack's interfaces must be added before. Returns 0.
 * Call before or inside tern_sched_run. */
TERN_API int tern_net_loop_start(struct tern_net_loop *l, struct tern_net *net,
				 struct tern_sched *s);

/* Stops driving: removes the poller, cancels the timer and frees the held
 * receive buffers. A no-op if not started. */
TERN_API void tern_net_loop_stop(struct tern_net_loop *l);

/* The scheduler's time of the current loop turn (what sends use). */
static inline uint64_t tern_net_loop_now(const struct tern_net_loop *l)
{
	return tern_sched_now(l->sched);
}

/* ---- Blocking UDP sockets ---------------------------------------------- */

struct tern_usock {
	struct tern_udp udp; /* the core socket: bind/connect here */
	struct tern_net_loop *loop;
	struct tern_waitq readers;
	bool closed;
};

/* Opens s (unbound) on the loop's stack. Returns 0. */
TERN_API int tern_usock_open(struct tern_net_loop *l, struct tern_usock *s);

/* Blocks until a datagram (or an error) waits on s, or until deadline
 * (TERN_NO_DEADLINE: no timeout). Returns 0, -TERN_ETIMEDOUT, or
 * -TERN_ECANCELED if s was closed while waiting. */
TERN_API int tern_usock_wait(struct tern_usock *s, uint64_t deadline);

/* tern_udp_recvfrom that blocks until deadline. Returns bytes copied, a
 * pending socket error, -TERN_ETIMEDOUT or -TERN_ECANCELED. */
TERN_API int tern_usock_recvfrom(struct tern_usock *s, void *buf, size_t cap,
				 struct tern_udp_meta *meta, uint64_t deadline);

/* tern_udp_sendto / tern_udp_send at the loop's current time. */
TERN_API int tern_usock_sendto(struct tern_usock *s, uint32_t dst,
			       uint16_t dport, const void *data, size_t len);
TERN_API int tern_usock_send(struct tern_usock *s, const void *data,
			     size_t len);

/* Closes the core socket and wakes every fiber blocked on s (they return
 * -TERN_ECANCELED). */
TERN_API void tern_usock_close(struct tern_usock *s);

/* ---- Sans-I/O cores on a UDP socket ------------------------------------ */

/*
 * A core on a UDP socket does all its work in one place, a wheel timer's
 * callback: it drains up to TERN_UCORE_RX_PER_TURN datagrams from the
 * socket into the core (a flood cannot hold the loop: if the budget ran
 * out the timer fires again at once), runs the core's timers, and re-arms
 * at the core's next deadline. The socket's notify hook, called from
 * inside the stack (which must not be re-entered), only pulls the timer to
 * now. The owner binds &u->udp and sends on it from its callbacks.
 */
#define TERN_UCORE_RX_PER_TURN 32

struct tern_ucore_ops {
	/* Handles one datagram: data holds its first len bytes; meta->len is
	 * its size (larger than len if it was cut to the receive buffer). */
	void (*input)(void *ctx, const struct tern_udp_meta *meta,
		      const uint8_t *data, size_t len, uint64_t now);
	/* Runs the core's timers due at now and sends what it queued.
	 * Returns when to run next (TERN_NO_DEADLINE: when a datagram
	 * comes). */
	uint64_t (*tick)(void *ctx, uint64_t now);
};

struct tern_ucore {
	struct tern_udp udp; /* the socket: bind and send here */
	/* private */
	struct tern_net_loop *loop;
	struct tern_timer timer;
	const struct tern_ucore_ops *ops;
	void *ctx;
	uint8_t *rx_buf;
	size_t rx_cap;
};

/* Opens u's socket (unbound) on the loop's stack for the core that ops
 * drive with ctx; datagrams are received into rx_buf (rx_cap bytes, owned
 * by the caller, alive until tern_ucore_close). Nothing runs until a
 * datagram comes or tern_ucore_run is called. Returns 0. */
TERN_API int tern_ucore_open(struct tern_net_loop *l, struct tern_ucore *u,
			     const struct tern_ucore_ops *ops, void *ctx,
			     uint8_t *rx_buf, size_t rx_cap);

/* Does one turn of work at once (what the timer does): drains the socket,
 * ticks the core and re-arms the timer. Not from inside the stack (a
 * notify hook). */
TERN_API void tern_ucore_run(struct tern_ucore *u, uint64_t now);

/* Closes the socket and disarms the timer; the callbacks are not called
 * again. */
TERN_API void tern_ucore_close(struct tern_ucore *u);

/* ---- Blocking ping sockets --------------------------------------------- */

struct tern_uping {
	struct tern_ping ping;
	struct tern_net_loop *loop;
	struct tern_waitq readers;
	bool closed;
};

/* Opens p with ICMP identifier id. Returns 0 or -TERN_EADDRINUSE. */
TERN_API int tern_uping_open(struct tern_net_loop *l, struct tern_uping *p,
			     uint16_t id);

/* tern_ping_send at the loop's current time. */
TERN_API int tern_uping_send(struct tern_uping *p, uint32_t dst, uint16_t seq,
			     const void *data, size_t len);

/* tern_ping_recv that blocks until deadline. Returns bytes copied,
 * -TERN_ETIMEDOUT or -TERN_ECANCELED. */
TERN_API int tern_uping_recv(struct tern_uping *p, void *buf, size_t cap,
			     struct tern_ping_reply *r, uint64_t deadline);

/* Closes p and wakes its waiters (-TERN_ECANCELED). */
TERN_API void tern_uping_close(struct tern_uping *p);

/* ---- Blocking TCP sockets ---------------------------------------------- */

/* A TCP connection or listener (tcp.h) with wait queues that its notify
 * hook wakes. tcp is NULL until listen, accept or connect succeeds and
 * after close. */
struct tern_tsock {
	struct tern_tcp *tcp;
	struct tern_net_loop *loop;
	struct tern_waitq readers, writers;
	struct tern_waitq *watch; /* tern_tsock_poll's, while it waits */
};

/* One socket of a tern_tsock_poll: what to wait for (TERN_TCP_EV_READ,
 * TERN_TCP_EV_WRITE) and, on return, what it is ready for. */
struct tern_tsock_poll {
	struct tern_tsock *sock;
	unsigned events;
	unsigned revents; /* set by tern_tsock_poll; STATE and READ always
			     count when the connection ended or failed */
};

/* Listens on addr:port (tern_tcp_listen) with s as the listener. Returns
 * 0 or tern_tcp_listen's errors. */
TERN_API int tern_tsock_listen(struct tern_net_loop *l, struct tern_tsock *s,
			       uint32_t addr, uint16_t port, unsigned backlog);

/* Waits until listener s has an established connection (or deadline) and
 * makes out that connection. Returns 0, -TERN_ETIMEDOUT, -TERN_ECANCELED
 * (s closed while waiting) or -TERN_EINVAL (s is not listening). */
TERN_API int tern_tsock_accept(struct tern_tsock *s, struct tern_tsock *out,
			       uint64_t deadline);

/* Connects s to dst:dport and waits until the handshake ends or deadline
 * (then the attempt is abandoned). Returns 0, -TERN_ETIMEDOUT,
 * -TERN_ECONNREFUSED, or tern_tcp_connect's errors. */
TERN_API int tern_tsock_connect(struct tern_net_loop *l, struct tern_tsock *s,
				uint32_t dst, uint16_t dport,
				uint64_t deadline);

/* Reads what is there, waiting for at least one byte until deadline.
 * Returns bytes (1..cap), 0 at the end of the stream, -TERN_ETIMEDOUT,
 * -TERN_ECANCELED, or the connection's error. */
TERN_API int tern_tsock_read(struct tern_tsock *s, void *buf, size_t cap,
			     uint64_t deadline);

/* Reads exactly len bytes unless the stream ends, an error comes or the
 * deadline passes first. Returns the bytes read (len, or fewer at the end
 * of the stream), or an error if nothing was read. */
TERN_API int tern_tsock_read_full(struct tern_tsock *s, void *buf, size_t len,
				  uint64_t deadline);

/* Queues all len bytes, waiting for room in the send ring as needed.
 * Returns len, or an error (-TERN_ETIMEDOUT with part of it queued: the
 * connection's position is then unknown to the caller; -TERN_EPIPE, the
 * connection's error). */
TERN_API int tern_tsock_write(struct tern_tsock *s, const void *data,
			      size_t len, uint64_t deadline);

#define TERN_TSOCK_IOV_MAX 16

/* tern_tsock_write of the concatenation of n pieces (n at most
 * TERN_TSOCK_IOV_MAX, the total at most INT32_MAX, else -TERN_EINVAL),
 * each filling of the ring copying as many pieces as fit
 * (tern_tcp_sendv). Returns the total or tern_tsock_write's errors. */
TERN_API int tern_tsock_writev(struct tern_tsock *s, const struct tern_iov *iov,
			       unsigned n, uint64_t deadline);

/* Waits until s's send ring has room (or deadline). Returns the bytes a
 * tern_tsock_write can now queue without waiting (> 0), -TERN_ETIMEDOUT,
 * -TERN_ECANCELED, or the connection's error (-TERN_EPIPE once it can no
 * longer send). Lets a writer fetch its data only once it can be queued
 * (a borrowed cache block is then held for a copy, not for a wait). */
TERN_API int tern_tsock_wait_writable(struct tern_tsock *s, uint64_t deadline);

/* Half-close (tern_tcp_shutdown at the loop's time). */
TERN_API int tern_tsock_shutdown(struct tern_tsock *s);

/* Waits until the peer ended its side or deadline (draining what it still
 * sends), then closes. Returns 0 or -TERN_ETIMEDOUT (closed anyway). */
TERN_API int tern_tsock_close_wait(struct tern_tsock *s, uint64_t deadline);

/* Closes (tern_tcp_close) and wakes every fiber blocked on s. */
TERN_API void tern_tsock_close(struct tern_tsock *s);

/* Resets (tern_tcp_abort) and wakes every fiber blocked on s. */
TERN_API void tern_tsock_abort(struct tern_tsock *s);

/* Waits until one of the n sockets is ready for what its entry asks
 * (tern_tcp_ready), or deadline: the readiness wait over many sockets
 * (what poll(2) is for a thread). Sets every entry's revents. A socket
 * takes part in one tern_tsock_poll at a time; a closed one (tcp NULL)
 * reports TERN_TCP_EV_STATE. Returns how many entries are ready, 0 at
 * the deadline. */
TERN_API int tern_tsock_poll(struct tern_tsock_poll *set, unsigned n,
			     uint64_t deadline);

#endif
