/*
 * net_int.h - the stack's private interfaces between its files (SQLite's
 * btreeInt.h), grouped by the file that defines them.
 *
 * Packet conventions inside the stack:
 *   - on input, each layer pulls its header, so a layer sees pkt->data at
 *     its own header; the headers below stay in the buffer in front of it
 *     (an ICMP error pushes the IP header back to quote it);
 *   - on output, a layer's payload is at pkt->data and each layer pushes
 *     its header into the headroom;
 *   - every function taking a struct tern_pkt * consumes it.
 */
#ifndef TERN_NET_INT_H
#define TERN_NET_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/net.h"
#include "tern/net_wire.h"

/* Checksum verification is skipped in fuzz builds (STYLE.md 16). */
#ifdef TERN_FUZZING
#define TERN_NET_FUZZING 1
#else
#define TERN_NET_FUZZING 0
#endif

#define NET_STAT(net, field) ((net)->stats.field++)

/* Sockets stop holding received buffers once fewer than 1/NET_POOL_RESERVE
 * of the pool would stay free, so the rest can carry ACKs, replies and
 * sends: without it, applications that do not read (or are blocked
 * writing) could take every frame, and the ACKs their writers wait for
 * would find no buffer to arrive in - a stall for good. */
#define NET_POOL_RESERVE 8

/* Whether holding pkt would leave fewer than 1/div of its pool free. */
static inline bool net_pool_low(const struct tern_pkt *pkt, uint32_t div)
{
	const struct tern_pkt_pool *pool = pkt->pool;

	return pool->count - pool->used < pool->count / div;
}

/* ARP entry states. */
enum { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE };

/* What the receive path knows about a datagram delivered to a transport. */
struct ip_rx {
	struct tern_netif *ifc;
	struct tern_ipv4_hdr h; /* header of the (reassembled) datagram */
	bool link_bcast;	/* frame was sent to a group MAC */
	bool ip_bcast;		/* destination broadcast or multicast */
};

/* How a datagram leaves. */
enum route_kind { RT_UNICAST, RT_BCAST, RT_MCAST };

struct ip_route {
	struct tern_netif *ifc;
	uint32_t nexthop; /* unicast: the address to resolve */
	uint32_t src;	  /* the interface's address (maybe 0) */
	enum route_kind kind;
};

/* The header fields of a datagram to send. */
struct ip_tx {
	uint32_t src, dst;
	uint8_t proto;
	uint8_t tos;
	bool df;
};

/* ---- net.c ------------------------------------------------------------- */

/* Lowers the cached deadline to t if t is earlier. */
void net_note_deadline(struct tern_net *net, uint64_t t);

/* ---- ports.c ------------------------------------------------------------ */

/* Draws the ephemeral-port key and counter from net's generator. */
void net_ports_init(struct tern_net *net);

/* A free ephemeral port for laddr talking to raddr:rport (0 and 0 for a
 * socket with no peer): the first from RFC 6056 algorithm 3's sequence
 * that taken(net, port, ctx) says is free; 0 if every one is taken. */
uint16_t net_ephemeral_port(struct tern_net *net, uint32_t laddr,
			    uint32_t raddr, uint16_t rport,
			    bool (*taken)(struct tern_net *net, uint16_t port,
					  const void *ctx),
			    const void *ctx);

/* Advances the core's time (never backwards). */
void net_set_now(struct tern_net *net, uint64_t now);

/* A frame buffer with headroom, or NULL (counted in tx_nobuf). */
struct tern_pkt *net_alloc(struct tern_net *net, uint32_t headroom);

/* A TSO super-frame buffer (TERN_NET_HEADROOM, then up to
 * TERN_IPV4_MAX_LEN bytes of datagram), or NULL if the stack has none
 * free after sending what its interfaces hold queued (not counted: the
 * caller falls back to a frame buffer). */
struct tern_pkt *net_alloc_tso(struct tern_net *net);

/* Pushes an Ethernet header (to dst, from the interface's MAC) in front of
 * pkt and queues the frame on ifc; sends at once unless a batch is open. */
void eth_output(struct tern_netif *ifc, struct tern_pkt *pkt,
		const uint8_t dst[TERN_ETH_ALEN], uint16_t type);

/* True if addr is the address of any interface of net. */
bool net_is_local_addr(const struct tern_net *net, uint32_t addr);

/* ---- arp.c ------------------------------------------------------------- */

void arp_input(struct tern_netif *ifc, struct tern_pkt *pkt);

/* Sends the IPv4 datagram pkt (data at its IP header) to nexthop on ifc:
 * at once if resolved, else queued while a request goes out. */
void arp_output(struct tern_netif *ifc, struct tern_pkt *pkt, uint32_t nexthop);

/* Broadcasts a gratuitous ARP request announcing ifc's address. */
void arp_announce(struct tern_netif *ifc);

/* Forgets every entry of interface ifindex, dropping waiting packets. */
void arp_flush_if(struct tern_net *net, unsigned ifindex);

/* Retries and expiries due at now; returns the next ARP deadline. */
uint64_t arp_timers(struct tern_net *net, uint64_t now);

/* ---- ipv4.c ------------------------------------------------------------ */

void ipv4_input(struct tern_netif *ifc, struct tern_pkt *pkt, bool link_bcast);

/* Finds how to reach dst (only through interface ifhint if >= 0). Returns
 * 0, or -TERN_EHOSTUNREACH (counted in ip_no_route). */
int ip_route(struct tern_net *net, uint32_t dst, int ifhint,
	     struct ip_route *rt);

/* Sends the transport message in pkt (data at it) as one datagram,
 * fragmenting if it exceeds the MTU. Returns 0, -TERN_EMSGSIZE (DF and too
 * big), -TERN_ENOMEM. */
int ip_output(struct tern_net *net, const struct ip_route *rt,
	      const struct ip_tx *tx, struct tern_pkt *pkt);

/* Sends the message gathered from iov[0..n) (total bytes) as one datagram,
 * copying it into frame buffers and fragmenting as needed. Returns 0,
 * -TERN_EMSGSIZE, -TERN_ENOMEM (some fragments may have left). */
int ip_output_iov(struct tern_net *net, const struct ip_route *rt,
		  const struct ip_tx *tx, const struct tern_iov *iov,
		  unsigned n, size_t total);

/* ---- reasm.c ----------------------------------------------------------- */

/* Adds the fragment pkt (data at its IP header, parsed into *h) and
 * consumes it. Returns the complete datagram (data at a 20-byte IP header,
 * *h rewritten to match) when this fragment completed it, else NULL. */
struct tern_pkt *reasm_input(struct tern_netif *ifc, struct tern_pkt *pkt,
			     struct tern_ipv4_hdr *h);

/* Timeouts due at now; returns the next reassembly deadline. */
uint64_t reasm_timers(struct tern_net *net, uint64_t now);

/* Drops every context (tern_net_fini). */
void reasm_flush(struct tern_net *net);

/* ---- icmp.c ------------------------------------------------------------ */

void icmp_input(struct ip_rx *rx, struct tern_pkt *pkt);

/* Sends an ICMP error of type/code about the datagram in pkt (data at its
 * IP header) that arrived on ifc, rate limited; consumes pkt. */
void icmp_send_error(struct tern_netif *ifc, struct tern_pkt *pkt, uint8_t type,
		     uint8_t code);

/* Drops queued replies of every ping socket (tern_net_fini asserts none
 * is open). */
bool icmp_sockets_open(const struct tern_net *net);

/* ---- udp.c ------------------------------------------------------------- */

void udp_input(struct ip_rx *rx, struct tern_pkt *pkt);

/* An ICMP error quoting a UDP datagram we sent from sport to dst:dport. */
void udp_icmp_error(struct tern_net *net, uint32_t dst, uint16_t sport,
		    uint16_t dport, uint8_t type, uint8_t code);

bool udp_sockets_open(const struct tern_net *net);

#endif
