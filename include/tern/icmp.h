/*
 * icmp.h - ping sockets: send ICMP echo requests and receive the replies,
 * over the stack core (net.h). The stack itself answers echo requests and
 * sends errors; this is the client side, for tests, tools and apps that
 * check reachability.
 *
 * A ping socket is the caller's memory and owns an ICMP identifier; echo
 * replies carrying it are queued (up to rxq_max, default 16) as packet
 * buffers until read. Non-blocking; the fiber layer (net_loop.h) adds a
 * blocking receive.
 */
#ifndef TERN_ICMP_H
#define TERN_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"

struct tern_net;

#define TERN_PING_RXQ_DEFAULT 16

/* One echo reply. */
struct tern_ping_reply {
	uint32_t src; /* who answered */
	uint16_t seq;
	uint8_t ttl;
	size_t len; /* echo data bytes */
};

struct tern_ping {
	/* private */
	struct tern_list link;
	struct tern_net *net;
	uint16_t id;
	struct tern_list rxq;
	uint32_t rxq_len, rxq_max;
	void (*notify)(struct tern_ping *p, void *ctx);
	void *notify_ctx;
};

/* Opens p on net with ICMP identifier id. Returns 0, or -TERN_EADDRINUSE
 * if another open ping socket uses id. */
TERN_API int tern_ping_open(struct tern_net *net, struct tern_ping *p,
			    uint16_t id);

/* Sends an echo request with sequence number seq and len bytes of data to
 * dst at time now (fragmented if needed). Returns len, -TERN_EMSGSIZE
 * (larger than a datagram can carry), -TERN_EHOSTUNREACH, or
 * -TERN_ENOMEM. */
TERN_API int tern_ping_send(struct tern_ping *p, uint32_t dst, uint16_t seq,
			    const void *data, size_t len, uint64_t now);

/* Takes the oldest reply: copies up to cap bytes of its data to buf, fills
 * r (if not NULL). Returns the bytes copied or -TERN_EAGAIN. */
TERN_API int tern_ping_recv(struct tern_ping *p, void *buf, size_t cap,
			    struct tern_ping_reply *r);

/* True if a reply waits. */
TERN_API bool tern_ping_readable(const struct tern_ping *p);

/* Calls fn(p, ctx) whenever a reply is queued (see tern_udp_set_notify). */
TERN_API void tern_ping_set_notify(struct tern_ping *p,
				   void (*fn)(struct tern_ping *p, void *ctx),
				   void *ctx);

/* Closes p and frees its queued replies. */
TERN_API void tern_ping_close(struct tern_ping *p);

#endif
