/*
 * util_net.h - test doubles and helpers for the network stack tests.
 *
 * struct tnet_dev is a scripted netdev: every frame the stack sends is
 * captured (up to TNET_SENT_MAX), and recv() hands out frames the test
 * queued with tnet_dev_queue(). It can be told to refuse or fail sends.
 *
 * struct tnet is one stack on one tnet_dev, configured as host A
 * (10.0.0.1/24, MAC 02:00:00:00:00:0a; peer B is 10.0.0.2 at
 * 02:00:00:00:00:0b), with helpers that build frames from B and look at
 * what A sent.
 */
#ifndef TERN_TESTS_NET_UTIL_NET_H
#define TERN_TESTS_NET_UTIL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/net.h"
#include "tern/net_wire.h"

#define TNET_SENT_MAX 256
#define TNET_RXQ_MAX 64
#define TNET_FRAME_MAX 1600

#define TNET_A_IP 0x0a000001u  /* 10.0.0.1 */
#define TNET_B_IP 0x0a000002u  /* 10.0.0.2 */
#define TNET_GW_IP 0x0a0000feu /* 10.0.0.254 */

extern const uint8_t tnet_mac_a[TERN_ETH_ALEN];
extern const uint8_t tnet_mac_b[TERN_ETH_ALEN];
extern const uint8_t tnet_mac_gw[TERN_ETH_ALEN];
extern const uint8_t tnet_mac_bcast[TERN_ETH_ALEN];

struct tnet_dev {
	struct tern_netdev dev;
	unsigned nsent;	     /* frames captured */
	uint64_t sent_total; /* frames accepted, captured or not */
	size_t sent_len[TNET_SENT_MAX];
	uint8_t sent[TNET_SENT_MAX][TNET_FRAME_MAX];
	unsigned rx_head, rx_count;
	size_t rx_len[TNET_RXQ_MAX];
	unsigned rx_flags[TNET_RXQ_MAX]; /* tern_rx.flags to hand out */
	uint8_t rx[TNET_RXQ_MAX][TNET_FRAME_MAX];
	unsigned accept_max; /* accept at most this many per call;
	                                   ~0u: all */
	bool fail;	     /* send returns -TERN_EIO */
	uint64_t send_calls;
};

void tnet_dev_init(struct tnet_dev *d, const char *name,
		   const uint8_t mac[TERN_ETH_ALEN], uint16_t mtu);
void tnet_dev_clear(struct tnet_dev *d);
/* Queues a frame for the stack to receive through recv(), handed out with
 * tern_rx.flags set to flags (TERN_RX_*). */
void tnet_dev_queue(struct tnet_dev *d, const void *frame, size_t len,
		    unsigned flags);

/* One stack as host A on a tnet_dev. */
struct tnet {
	struct tern_net net;
	struct tnet_dev dev;
	uint64_t now;
};

/* Allocates a zeroed tnet (tern_mem_alloc), inits the stack with cfg (NULL:
 * defaults with seed 1), adds the device and, if addr is set, the address
 * addr/24 with gateway gw. Clears what the set-up sent (the gratuitous
 * ARP). Aborts the test on failure. */
struct tnet *tnet_new(const struct tern_net_config *cfg, uint32_t addr,
		      uint32_t gw);
/* Finishes the stack, asserting both pools are back to empty, and frees. */
void tnet_free(struct tnet *t);

/* Feeds a frame to the stack at t->now. */
void tnet_input(struct tnet *t, const void *frame, size_t len);
/* The same, as a device would hand it over with tern_rx.flags rx_flags
 * (TERN_RX_*): the packet's rx_flags set. */
void tnet_input_flags(struct tnet *t, const void *frame, size_t len,
		      unsigned rx_flags);

/* Teaches A that B (and the gateway) are at their MACs, by feeding ARP
 * requests from them to A; clears the replies. */
void tnet_learn_peers(struct tnet *t);

/* Frame builders (return the frame length). The IPv4 header is 20 bytes
 * with a correct checksum; id as given; DF clear. */
size_t tnet_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
		uint16_t type);
size_t tnet_ipv4(uint8_t *buf, const uint8_t dst_mac[6],
		 const uint8_t src_mac[6], uint32_t src, uint32_t dst,
		 uint8_t proto, uint16_t id, uint16_t frag_off, bool mf,
		 const void *payload, size_t len);
size_t tnet_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport, const void *payload, size_t len);
size_t tnet_icmp_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id,
		      uint16_t seq, const void *payload, size_t len);
size_t tnet_arp(uint8_t *buf, uint16_t op, const uint8_t eth_dst[6],
		const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		uint32_t tpa);

/* Parses captured frame i as Ethernet + IPv4: fills the headers and points
 * *l4 / *l4len at the transport bytes. Returns false if it is not IPv4. */
bool tnet_sent_ipv4(const struct tnet_dev *d, unsigned i,
		    struct tern_eth_hdr *eth, struct tern_ipv4_hdr *ip,
		    const uint8_t **l4, size_t *l4len);

/* A counter by name (asserts it exists). */
uint64_t tnet_stat(const struct tern_net *net, const char *name);

/* Sum of every counter whose name appears in the list of drop reasons
 * (not the rx/tx event counters): used to assert "nothing was dropped". */
uint64_t tnet_drops(const struct tern_net *net);

#endif
