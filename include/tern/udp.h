/*
 * udp.h - UDP sockets over the stack core (net.h): the non-blocking core
 * API. net_loop.h adds blocking receive for fibers on top.
 *
 * A socket is the caller's memory (struct tern_udp), linked into the
 * stack's port hash while open. Received datagrams wait in the socket's
 * queue as packet buffers (at most rxq_max of them, default 64; more are
 * counted in udp_rxq_full and dropped), so a socket that is never read
 * holds pool buffers: close it to give them back.
 *
 * Checksums are computed on every datagram sent and verified on every one
 * received (a zero checksum means "none" in IPv4 and is accepted).
 *
 * Delivery: a datagram goes to the most specific socket bound to its
 * destination port - connected to its source (2 points), bound to its
 * destination address (1 point), then a wildcard - among those whose
 * interface restriction (tern_udp_bind_if) admits it. Broadcasts reach
 * sockets bound to the wildcard address. A unicast datagram no socket
 * wants gets an ICMP port unreachable (rate limited).
 *
 * For a DHCP client (before the interface has an address):
 *
 *     tern_udp_open(net, &s);
 *     tern_udp_bind_if(&s, ifindex);       // in and out on this interface
 *     tern_udp_bind(&s, 0, 68);            // 0.0.0.0:68
 *     tern_udp_sendto(&s, TERN_IPV4_BROADCAST, 67, msg, len, now);
 *     // goes out as 0.0.0.0:68 -> 255.255.255.255:67 to ff:ff:ff:ff:ff:ff;
 *     // replies to port 68 arrive by broadcast or by unicast to the
 *     // interface's MAC (any destination IP while unconfigured).
 *     tern_udp_recvfrom(&s, buf, sizeof(buf), &meta);   // -TERN_EAGAIN
 *     ...
 *     tern_net_if_set_addr(net, ifindex, yiaddr, prefix, router, now);
 *
 * Once configured the same socket sends unicast renewals to the server
 * (from the interface's address) with tern_udp_sendto.
 */
#ifndef TERN_UDP_H
#define TERN_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"
#include "tern/pkt.h"

struct tern_net;

#define TERN_UDP_RXQ_DEFAULT 64
#define TERN_UDP_EPHEMERAL_MIN 49152 /* RFC 6335 dynamic range */

/* Where a received datagram came from and went to. */
struct tern_udp_meta {
	uint32_t src; /* sender address (0.0.0.0 is possible) */
	uint16_t sport;
	uint32_t dst; /* our address, a broadcast, or (unconfigured
	                        interface) whatever the sender used */
	uint16_t dport;
	unsigned ifindex; /* interface it arrived on */
	size_t len;	  /* payload bytes of the datagram */
};

struct tern_udp {
	/* private */
	struct tern_list link; /* port hash bucket */
	struct tern_net *net;
	uint32_t local_addr; /* 0: any */
	uint16_t local_port; /* 0: not bound */
	uint32_t remote_addr;
	uint16_t remote_port;
	bool connected;
	int ifindex; /* -1: any interface */
	struct tern_list rxq;
	uint32_t rxq_len, rxq_max;
	int error; /* pending ICMP-reported error, or 0 */
	void (*notify)(struct tern_udp *s, void *ctx);
	void *notify_ctx;
	uint64_t rx_dropped; /* datagrams dropped: queue full */
};

/* Prepares s on net, unbound. Returns 0. */
TERN_API int tern_udp_open(struct tern_net *net, struct tern_udp *s);

/* Binds s to addr:port (addr 0 = any local address; port 0 = an ephemeral
 * port chosen at random per RFC 6056). Returns 0, -TERN_EINVAL (already
 * bound), -TERN_EADDRINUSE (another socket has exactly addr:port, or no
 * ephemeral port is free). */
TERN_API int tern_udp_bind(struct tern_udp *s, uint32_t addr, uint16_t port);

/* Restricts s to interface ifindex, for receiving and for sending (a
 * broadcast from s leaves through it). Returns 0 or -TERN_ENODEV. */
TERN_API int tern_udp_bind_if(struct tern_udp *s, unsigned ifindex);

/* Sets the default destination of s and accepts datagrams only from it
 * (binding to an ephemeral port first if unbound). addr 0 and port 0
 * disconnect. Returns 0, -TERN_EINVAL (port 0 with a non-zero addr), or
 * -TERN_EADDRINUSE (no ephemeral port). */
TERN_API int tern_udp_connect(struct tern_udp *s, uint32_t addr, uint16_t port);

/* Sends len bytes of data to dst:dport at time now (binding first if
 * unbound). Fragments if larger than the interface MTU. Returns len,
 * -TERN_EMSGSIZE (len > 65,507), -TERN_EINVAL (dport 0), -TERN_EADDRINUSE
 * (autobind failed), -TERN_EHOSTUNREACH (no route), or -TERN_ENOMEM (no
 * buffer). A datagram waiting for ARP counts as sent; if resolution fails
 * it is counted in arp_unresolved. */
TERN_API int tern_udp_sendto(struct tern_udp *s, uint32_t dst, uint16_t dport,
			     const void *data, size_t len, uint64_t now);

/* tern_udp_sendto to the connected peer; -TERN_ENOTCONN if not connected. */
TERN_API int tern_udp_send(struct tern_udp *s, const void *data, size_t len,
			   uint64_t now);

/* Zero-copy send: pkt holds the payload (pkt->data, pkt->len) with at
 * least 14 + 20 + 8 bytes of headroom (tern_net_pkt_alloc gives
 * TERN_NET_HEADROOM; a packet from tern_udp_recv_pkt has enough). Consumes
 * pkt on every path. Returns the payload length or the errors of
 * tern_udp_sendto. */
TERN_API int tern_udp_sendto_pkt(struct tern_udp *s, uint32_t dst,
				 uint16_t dport, struct tern_pkt *pkt,
				 uint64_t now);

/* Takes the oldest datagram: copies up to cap bytes of its payload to buf
 * and fills meta (if not NULL; meta->len is the full payload length, so
 * meta->len > return value means it was truncated). Returns the bytes
 * copied, -TERN_EAGAIN if none waits, or a pending ICMP-reported error
 * once (-TERN_ECONNREFUSED on a connected socket whose peer's port was
 * unreachable). */
TERN_API int tern_udp_recvfrom(struct tern_udp *s, void *buf, size_t cap,
			       struct tern_udp_meta *meta);

/* Zero-copy receive: the oldest datagram as a packet whose data is the
 * payload, or NULL if none waits. The caller owns it (free it, or send it
 * back with tern_udp_sendto_pkt). */
TERN_API struct tern_pkt *tern_udp_recv_pkt(struct tern_udp *s,
					    struct tern_udp_meta *meta);

/* True if a datagram or an error waits. */
TERN_API bool tern_udp_readable(const struct tern_udp *s);

/* Sets the receive queue limit (>= 1). */
TERN_API void tern_udp_set_rxq(struct tern_udp *s, uint32_t max);

/* Calls fn(s, ctx) from inside the stack whenever a datagram or an error
 * is queued on s (the fiber layer wakes its readers here). fn must not
 * call back into the stack. NULL clears. */
TERN_API void tern_udp_set_notify(struct tern_udp *s,
				  void (*fn)(struct tern_udp *s, void *ctx),
				  void *ctx);

/* The local port (0 if unbound). */
TERN_API uint16_t tern_udp_local_port(const struct tern_udp *s);

/* Unbinds s and frees its queued datagrams. s may then be reopened. */
TERN_API void tern_udp_close(struct tern_udp *s);

#endif
