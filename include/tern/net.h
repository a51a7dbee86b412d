/*
 * net.h - the IPv4 network stack core: interfaces, ARP, IPv4 (with
 * reassembly and fragmentation), ICMP, and the drop counters.
 *
 * The core is sans-I/O (DESIGN.md): it is given frames and the current
 * time, and it produces frames (sent through tern_netdev_send on the
 * interface's device) and a next deadline (ARP retries and expiry,
 * reassembly timeouts). It never reads a clock, sleeps or blocks; the
 * fiber glue in net_loop.h drives it from the scheduler, and tests and
 * fuzzers drive it directly.
 *
 * Layers (STYLE.md 4): net_wire.h parses and emits headers; this header is
 * the interface layer (eth, arp, ipv4, icmp); udp.h and icmp.h are the
 * sockets on top. Sockets never touch a device.
 *
 * Memory: everything is sized at tern_net_init. Two packet pools come from
 * tern_mem_alloc there - frame buffers (cfg.pkt_count of cfg.pkt_buf_size
 * bytes) and reassembly buffers (2 x cfg.reasm_contexts of
 * cfg.reasm_max_len bytes) - a third (TSO buffers) when a device offering
 * TSO is added, and every table is a fixed array inside
 * struct tern_net: a flood fills a table or a pool and is counted, never
 * memory. Sockets are the caller's memory.
 *
 * Ownership of packets: tern_net_input consumes its packet on every path.
 * Frames handed to a device are copied by it (dev.h); the stack frees its
 * buffer once the device accepted the batch.
 *
 * Addressing: each interface has at most one address with a prefix (its
 * connected route) and an optional gateway; the default route is the first
 * interface with a gateway. An interface without an address still receives
 * broadcast and unicast-to-its-MAC datagrams for UDP sockets (a DHCP client
 * before its lease), and sockets can send limited broadcasts from 0.0.0.0
 * on it (see udp.h).
 *
 * Tunables (struct tern_net_config, defaults from tern_net_config_default):
 *
 *   pkt_count           256     frame buffers in the pool
 *   pkt_buf_size        2048    bytes per frame buffer (>= 14 + MTU + 96)
 *   reasm_contexts      4       datagrams reassembled at once (<= 16)
 *   reasm_max_len       65535   largest reassembled datagram, header incl.
 *   reasm_timeout_ns    15 s    a datagram's fragments must all arrive
 *   tso_bufs            8       TSO super-frame buffers of 96 + 65535
 *                               bytes (<= 64), allocated when the first
 *                               device offering TERN_NETDEV_TX_TSO4 is
 *                               added; 0: no TSO on any device
 *   arp_entries         64      ARP cache entries (<= TERN_NET_ARP_MAX)
 *   arp_timeout_ns      60 s    lifetime of a resolved entry
 *   arp_retry_ns        1 s     between requests for an unresolved address
 *   arp_retries         3       requests before giving up
 *   arp_queue_max       32      packets waiting for resolution, in total
 *   arp_queue_per_entry 8       ... and per address
 *   icmp_err_rate       100     ICMP errors per second (token bucket) ...
 *   icmp_err_burst      20      ... with this many at once
 *   ttl                 64      TTL of datagrams we send
 *   seed                0       IP ids, ephemeral ports and TCP's keys
 *                               (take it from tern_entropy or --seed)
 *   tcp_conns           64      TCP connections and listeners (tcp.h)
 *   tcp_sndbuf          64 KiB  send ring per connection
 *   tcp_rcvbuf          64 KiB  receive window per connection
 *   tcp_rcv_pkts_max    64      buffers a connection may hold in order
 *   tcp_ooo_max         32      out-of-order segments per connection
 *   tcp_backlog_max     128     largest listen backlog
 *   tcp_rto_init_ns     1 s     RTO before the first RTT sample
 *   tcp_rto_min_ns      200 ms  RTO floor (RFC 6298 says 1 s; Linux 200 ms)
 *   tcp_rto_max_ns      60 s    RTO ceiling, backoff included
 *   tcp_retries         15      timeouts in a row before -TERN_ETIMEDOUT
 *                               (Linux's tcp_retries2: 9 min at a 200 ms RTO)
 *   tcp_syn_retries     6       ... for a SYN or SYN-ACK
 *   tcp_delack_ns       40 ms   longest an ACK is delayed
 *   tcp_msl_ns          30 s    TIME_WAIT lasts 2 * MSL
 *   tcp_fin_wait2_ns    60 s    a released connection in FIN_WAIT_2 waits
 *                               this long for the peer's FIN, then is
 *                               reset (Linux's tcp_fin_timeout)
 *   tcp_time_wait_max   1024    closed connections kept in TIME_WAIT (a
 *                               compact entry each; when full, the
 *                               oldest is cut short, counted)
 *   tcp_challenge_max   10      challenge ACKs per connection per second
 *
 * Memory for TCP: tcp_conns * (sizeof(struct tern_tcp) + tcp_sndbuf) from
 * tern_mem_alloc at init, plus a hash of tcp_conns buckets, plus the
 * TIME_WAIT table (tcp_time_wait_max entries of 72 bytes and a hash of as
 * many buckets): a connection whose handle was released leaves its entry
 * and ring for one of those as it enters TIME_WAIT; received data
 * lives in the frame pool.
 */
#ifndef TERN_NET_H
#define TERN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/list.h"
#include "tern/pkt.h"
#include "tern/rand.h"
#include "tern/siphash.h"
#include "tern/timer.h"

#define TERN_NET_MAX_IFS 4	 /* interfaces per stack */
#define TERN_NET_ARP_MAX 256	 /* ARP cache capacity */
#define TERN_NET_REASM_MAX 16	 /* reassembly contexts capacity */
#define TERN_NET_REASM_RANGES 16 /* disjoint byte ranges per datagram */
#define TERN_NET_TX_BATCH 32	 /* frames per tern_netdev_send call */
#define TERN_NET_UDP_HASH 64	 /* UDP port hash buckets */

/* Bytes reserved in front of an outgoing payload for Ethernet, IPv4 (with
 * room for options and TCP later) and transport headers. */
#define TERN_NET_HEADROOM 96

struct tern_net;
struct tcp_core;

struct tern_net_config {
	uint32_t pkt_count;
	uint32_t pkt_buf_size;
	uint32_t reasm_contexts;
	uint32_t reasm_max_len;
	uint64_t reasm_timeout_ns;
	uint32_t tso_bufs;
	uint32_t arp_entries;
	uint64_t arp_timeout_ns;
	uint64_t arp_retry_ns;
	uint32_t arp_retries;
	uint32_t arp_queue_max;
	uint32_t arp_queue_per_entry;
	uint32_t icmp_err_rate;
	uint32_t icmp_err_burst;
	uint8_t ttl;
	uint64_t seed;
	uint32_t tcp_conns;
	uint32_t tcp_sndbuf;
	uint32_t tcp_rcvbuf;
	uint32_t tcp_rcv_pkts_max;
	uint32_t tcp_ooo_max;
	uint32_t tcp_backlog_max;
	uint64_t tcp_rto_init_ns;
	uint64_t tcp_rto_min_ns;
	uint64_t tcp_rto_max_ns;
	uint32_t tcp_retries;
	uint32_t tcp_syn_retries;
	uint64_t tcp_delack_ns;
	uint64_t tcp_msl_ns;
	uint64_t tcp_fin_wait2_ns;
	uint32_t tcp_time_wait_max;
	uint32_t tcp_challenge_max;
};

/* Every counter the stack keeps. Each drop reason has its own field; the
 * rest count events. All are monotonic; read them with tern_net_stats(). */
struct tern_net_stats {
	/* Frames and devices */
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_nobuf;	   /* drop: no buffer to receive into */
	uint64_t tx_nobuf;	   /* drop: no buffer to build a frame */
	uint64_t tx_dev_full;	   /* drop: the device refused the frame */
	uint64_t tx_dev_error;	   /* drop: the device failed */
	uint64_t eth_short;	   /* drop: shorter than 14 bytes */
	uint64_t eth_not_for_us;   /* drop: another MAC, or a multicast */
	uint64_t eth_bad_src;	   /* drop: multicast source MAC */
	uint64_t eth_unknown_type; /* drop: not IPv4 or ARP (IPv6, VLAN) */
	uint64_t eth_llc;	   /* drop: 802.3 length field */
	uint64_t rx_bad_if;	   /* drop: input on an unknown interface */

	/* ARP */
	uint64_t arp_rx, arp_tx;
	uint64_t arp_malformed;	 /* drop: short or unsupported fields */
	uint64_t arp_bad_sender; /* drop: multicast MAC / martian IP */
	uint64_t arp_conflict;	 /* someone else claims our address */
	uint64_t arp_table_full; /* drop: no entry could be made */
	uint64_t arp_queue_full; /* drop: too many packets waiting */
	uint64_t arp_unresolved; /* drop: resolution failed (timeout) */
	uint64_t arp_requests, arp_replies, arp_gratuitous;

	/* IPv4 */
	uint64_t ip_rx, ip_tx;
	uint64_t ip_short;	   /* drop: shorter than 20 bytes */
	uint64_t ip_bad_version;   /* drop: version != 4 */
	uint64_t ip_bad_hlen;	   /* drop: IHL < 5 or past the data */
	uint64_t ip_bad_len;	   /* drop: total length vs bytes */
	uint64_t ip_bad_cksum;	   /* drop: header checksum */
	uint64_t ip_bad_options;   /* drop: malformed options */
	uint64_t ip_ttl_zero;	   /* drop: TTL 0 */
	uint64_t ip_bad_src;	   /* drop: broadcast/multicast source */
	uint64_t ip_not_for_us;	   /* drop: another host's address */
	uint64_t ip_unknown_proto; /* drop: not ICMP or UDP */
	uint64_t ip_no_route;	   /* drop: nothing routes the destination */
	uint64_t ip_too_big;	   /* drop: DF set and larger than the MTU */
	uint64_t ip_options_seen;  /* datagrams whose options were skipped */

	/* Fragments */
	uint64_t frag_rx;	   /* fragments received */
	uint64_t frag_reassembled; /* datagrams completed */
	uint64_t frag_bad;	   /* drop: offset/length out of range */
	uint64_t frag_overlap;	   /* drop datagram: overlapping fragments */
	uint64_t frag_too_many;	   /* drop datagram: too many holes */
	uint64_t frag_too_big;	   /* drop: past cfg.reasm_max_len */
	uint64_t frag_no_ctx;	   /* drop: every context busy */
	uint64_t frag_nobuf;	   /* drop: no reassembly buffer */
	uint64_t frag_timeout;	   /* drop datagram: fragments missing */
	uint64_t frag_tx;	   /* fragments sent */

	/* ICMP */
	uint64_t icmp_rx, icmp_tx;
	uint64_t icmp_short;	    /* drop: shorter than 8 bytes */
	uint64_t icmp_bad_cksum;    /* drop: checksum */
	uint64_t icmp_bcast;	    /* drop: echo to a broadcast/multicast */
	uint64_t icmp_bad_quote;    /* drop: error quoting a bad header */
	uint64_t icmp_ignored;	    /* drop: a type we do not act on */
	uint64_t icmp_no_socket;    /* drop: echo reply nobody waits for */
	uint64_t icmp_sock_full;    /* drop: ping socket queue full */
	uint64_t icmp_pool_low;	    /* drop: not queued, the packet pool is
				       down to its reserve */
	uint64_t icmp_rate_limited; /* errors not sent (token bucket) */
	uint64_t icmp_echo_rx, icmp_echo_reply_tx;
	uint64_t icmp_unreach_rx, icmp_unreach_tx;

	/* UDP */
	uint64_t udp_rx, udp_tx;
	uint64_t udp_short;	      /* drop: shorter than 8 bytes */
	uint64_t udp_bad_len;	      /* drop: length field vs bytes */
	uint64_t udp_bad_cksum;	      /* drop: checksum */
	uint64_t udp_rx_csum_skipped; /* not verified: TERN_RX_CSUM_VALID */
	uint64_t udp_no_port;	      /* drop: no socket (port unreachable) */
	uint64_t udp_rxq_full;	      /* drop: socket receive queue full */
	uint64_t udp_pool_low;	      /* drop: not queued, the packet pool is
				   down to its reserve */

	/* TCP */
	uint64_t tcp_rx, tcp_tx;
	uint64_t tcp_short;	/* drop: shorter than 20 bytes */
	uint64_t tcp_bad_hlen;	/* drop: data offset < 5 or past the data */
	uint64_t tcp_bad_cksum; /* drop: checksum */
	uint64_t tcp_rx_csum_skipped; /* not verified: TERN_RX_CSUM_VALID */
	uint64_t tcp_bad_options;     /* drop: malformed options */
	uint64_t tcp_bad_flags;	      /* drop: SYN+FIN, SYN+RST, no flags... */
	uint64_t tcp_bad_addr;	      /* drop: to or from a broadcast address */
	uint64_t tcp_no_port;	  /* drop: no connection or listener (RST) */
	uint64_t tcp_bad_seq;	  /* drop: outside the receive window */
	uint64_t tcp_paws;	  /* drop: an old timestamp (PAWS) */
	uint64_t tcp_ts_missing;  /* drop: no timestamp once negotiated */
	uint64_t tcp_bad_ack;	  /* drop: ACK outside what was sent */
	uint64_t tcp_bad_syn_ack; /* drop: a SYN-ACK that acks the wrong seq */
	uint64_t tcp_challenge_acks;	/* challenge ACKs sent (RFC 5961) */
	uint64_t tcp_challenge_limited; /* challenge ACKs not sent (limit) */
	uint64_t tcp_rst_rx;		/* resets that ended a connection */
	uint64_t tcp_rst_tx;		/* resets sent */
	uint64_t tcp_ooo_rx;		/* segments queued out of order */
	uint64_t tcp_ooo_full;		/* drop: out-of-order queue full */
	uint64_t tcp_rcvq_full;		/* drop: receive buffers full */
	uint64_t tcp_pool_low;		/* drop: data not queued, the packet
					   pool is down to its reserve */
	uint64_t tcp_ooo_pruned;	/* out-of-order segments freed to
					   make room when the pool ran low */
	uint64_t tcp_after_wnd;		/* bytes trimmed past the window */
	uint64_t tcp_listen_overflow;	/* drop: SYN, listen queues full */
	uint64_t tcp_conn_table_full;	/* no connection left in the pool */
	uint64_t tcp_tw_evicted;	/* TIME_WAIT cut short: table full */
	uint64_t tcp_tw_reused;		/* TIME_WAIT entries taken for new */
	uint64_t tcp_active_opens, tcp_passive_opens;
	uint64_t tcp_resets;		/* connections ended by a reset */
	uint64_t tcp_timeouts;		/* connections ended by timeouts */
	uint64_t tcp_retransmits;	/* segments sent again */
	uint64_t tcp_rto_fired;		/* retransmission timeouts */
	uint64_t tcp_tlp_probes;	/* tail-loss probes (RFC 8985 7) */
	uint64_t tcp_rack_losses;	/* segments RACK found lost (8985 6) */
	uint64_t tcp_rack_timeouts;	/* RACK reordering timer expiries */
	uint64_t tcp_fast_retransmits;	/* loss recoveries entered */
	uint64_t tcp_sack_recoveries;	/* ... of them driven by SACK */
	uint64_t tcp_sack_retransmits;	/* holes resent in SACK recovery */
	uint64_t tcp_sack_lost_rexmits; /* resends found lost (SACK) */
	uint64_t tcp_sack_ignored;	/* SACK blocks outside the flight */
	uint64_t tcp_dupacks;		/* duplicate ACKs received */
	uint64_t tcp_delayed_acks;	/* ACKs sent by the delayed-ACK timer */
	uint64_t tcp_window_probes;	/* zero-window probes sent */
	uint64_t tcp_syncookies_sent;  /* SYN-ACKs with a cookie (full queue) */
	uint64_t tcp_syncookies_ok;    /* connections opened by a cookie */
	uint64_t tcp_syncookies_bad;   /* drop: an ACK with a bad cookie */
	uint64_t tcp_keepalive_probes; /* keepalive probes sent */
	uint64_t tcp_keepalive_timeouts; /* connections ended by them */
	uint64_t tcp_persist_timeouts;	 /* ended after tcp_retries zero-window
					    probes drew no ACK */
	uint64_t tcp_fin_wait2_timeouts; /* released in FIN_WAIT_2, reset: no
					    FIN in tcp_fin_wait2_ns */
	uint64_t tcp_nobuf;		 /* segments not sent: no buffer */
	uint64_t tcp_icmp_errors;	 /* ICMP errors that reached a conn */
	uint64_t tcp_tso_sent;	/* super-segments handed to a TSO device */
	uint64_t tcp_tso_nobuf; /* ... cut into plain ones: no TSO buffer */
};

/* One interface: a device plus its IPv4 configuration (private fields;
 * use the functions below). */
struct tern_netif {
	struct tern_net *net;
	struct tern_netdev *dev;
	unsigned index;
	bool used;
	uint32_t addr; /* host order; 0 = unconfigured */
	unsigned prefix;
	uint32_t mask;
	uint32_t gw;	      /* 0 = none */
	struct tern_list txq; /* frames built, not yet sent */
	unsigned txq_len;
};

/* One ARP cache entry (private). */
struct tern_arp_entry {
	uint8_t state;
	uint8_t ifindex;
	uint8_t tries;
	uint8_t mac[TERN_ETH_ALEN];
	uint32_t ip;
	uint64_t deadline;	/* next retry, or expiry */
	uint64_t stamp;		/* last confirmed, for eviction */
	struct tern_list queue; /* packets waiting (IPv4 datagrams) */
	uint32_t qlen;
};

/* One reassembly context (private). */
struct tern_reasm {
	bool used;
	bool have_last;
	uint8_t ifindex;
	uint8_t proto;
	uint16_t id;
	uint8_t nranges;
	uint32_t src, dst;
	uint32_t total; /* payload bytes, once the last arrived */
	uint64_t deadline;
	struct tern_ipv4_first {
		bool seen;
		uint8_t tos, ttl;
	} first;
	struct tern_pkt *buf; /* from the reassembly pool */
	struct {
		uint32_t start, end;
	} ranges[TERN_NET_REASM_RANGES];
};

/* The stack (private fields; embed it or make it static). */
struct tern_net {
	struct tern_net_config cfg;
	struct tern_net_stats stats;
	struct tern_pkt_pool pool;	 /* frames */
	struct tern_pkt_pool reasm_pool; /* reassembly buffers */
	struct tern_pkt_pool tso_pool;	 /* TSO super-frames (tso_mem) */
	void *pool_mem, *reasm_mem, *tso_mem;
	size_t pool_mem_size, reasm_mem_size, tso_mem_size;
	struct tern_netif ifs[TERN_NET_MAX_IFS];
	unsigned n_ifs;
	uint64_t now;
	uint64_t deadline; /* cached earliest deadline */
	unsigned batch_depth;
	uint16_t ip_id;
	struct tern_rand rand;
	struct tern_siphash_key port_key; /* ports.c: ephemeral ports */
	uint32_t port_counter;
	uint64_t icmp_tokens; /* ns of credit */
	uint64_t icmp_last;
	unsigned arp_hint;
	struct tern_arp_entry arp[TERN_NET_ARP_MAX];
	uint32_t arp_queued; /* packets waiting, all entries */
	struct tern_reasm reasm[TERN_NET_REASM_MAX];
	struct tern_list udp_hash[TERN_NET_UDP_HASH];
	struct tern_list ping_socks;
	struct tcp_core *tcp;	 /* tcp.c */
	struct tern_wheel wheel; /* TCP's timers */
};

/* ---- Set-up ------------------------------------------------------------ */

/* Fills cfg with the defaults in the table above. */
TERN_API void tern_net_config_default(struct tern_net_config *cfg);

/* Initialises net with cfg (copied; NULL for the defaults), allocating
 * both packet pools with tern_mem_alloc. Returns 0, -TERN_EINVAL if cfg is
 * out of range (a table size above its cap, a buffer smaller than 1024
 * bytes), or -TERN_ENOMEM. */
TERN_API int tern_net_init(struct tern_net *net,
			   const struct tern_net_config *cfg);

struct tern_boot;

/* tern_net_init with cfg (its seed set from --seed), then every network
 * device of boot added as an interface in order. On failure prints
 * "APP: stack: REASON" or "APP: DEVICE: REASON" and returns the error of
 * tern_net_init or tern_net_add_if. */
TERN_API int tern_net_boot(struct tern_net *net, struct tern_net_config *cfg,
			   const struct tern_boot *boot);

/* Releases everything: queued frames, ARP queues, reassembly buffers, and
 * both pools. Sockets must be closed first (asserted): their queued
 * packets would point into the freed pools. */
TERN_API void tern_net_fini(struct tern_net *net);

/* Returns net to the state tern_net_init with its config leaves, keeping
 * the pools' memory: every packet is dropped, the TCP core is rebuilt (a
 * TCP connection still finishing on its own is dropped), the interfaces,
 * addresses, ARP cache, statistics and clock are gone, and the PRNG starts
 * again from cfg.seed. Sockets must be closed first and every packet the
 * caller borrowed given back (both asserted). Costs a walk over both pools
 * and TCP's allocations, not the pools' pages: this is how a fuzz target
 * or a test runs many independent inputs through one stack. Returns 0, or
 * -TERN_ENOMEM (TCP's tables; net can then only be finished). */
TERN_API int tern_net_reset(struct tern_net *net);

/* Adds dev as the next interface. The first device offering
 * TERN_NETDEV_TX_TSO4 (with cfg.tso_bufs > 0) makes the stack allocate its
 * TSO buffers; TCP then sends super-segments on such a device, and asks
 * any device offering TERN_NETDEV_TX_CSUM to complete its checksums.
 * Returns its index (0, 1, ...), or -TERN_ENOSPC (TERN_NET_MAX_IFS
 * reached), -TERN_EINVAL (a frame of 14 + MTU bytes plus headroom does not
 * fit a frame buffer) or -TERN_ENOMEM (no memory for the TSO buffers). */
TERN_API int tern_net_add_if(struct tern_net *net, struct tern_netdev *dev);

/* Number of interfaces, and the device of interface ifindex (NULL if none). */
TERN_API unsigned tern_net_if_count(const struct tern_net *net);
TERN_API struct tern_netdev *tern_net_if_dev(struct tern_net *net,
					     unsigned ifindex);

/* Sets the address of interface ifindex to addr/prefix (host order,
 * prefix 1..32) with gateway gw (0 for none; it must be inside the
 * prefix), replacing any previous one. Flushes the ARP entries learnt on
 * the interface if the address changed, and sends a gratuitous ARP
 * announcing addr. Safe to call at any time (a DHCP client binding or
 * renewing with a new address). Returns 0, or -TERN_ENODEV (no such
 * interface) or -TERN_EINVAL (addr 0, broadcast or multicast, bad prefix,
 * gw outside the prefix). */
TERN_API int tern_net_if_set_addr(struct tern_net *net, unsigned ifindex,
				  uint32_t addr, unsigned prefix, uint32_t gw,
				  uint64_t now);

/* Removes the address (and gateway) of interface ifindex and flushes its
 * ARP entries, dropping packets that wait for them. The interface keeps
 * receiving broadcasts (a DHCP client after its lease expired). Returns 0
 * or -TERN_ENODEV. */
TERN_API int tern_net_if_clear_addr(struct tern_net *net, unsigned ifindex);

/* The configuration of interface ifindex: any out pointer may be NULL.
 * Returns 0, or -TERN_ENODEV. *addr is 0 while unconfigured. */
TERN_API int tern_net_if_get_addr(const struct tern_net *net, unsigned ifindex,
				  uint32_t *addr, unsigned *prefix,
				  uint32_t *gw);

/* ---- Driving the core -------------------------------------------------- */

/* Processes one received frame (pkt->data, pkt->len bytes) from interface
 * ifindex at time now. Consumes pkt on every path. Frames it produces in
 * response (replies, ARP, queued packets now resolved) are sent before it
 * returns unless a batch is open. Bad input is counted and dropped. */
TERN_API void tern_net_input(struct tern_net *net, unsigned ifindex,
			     struct tern_pkt *pkt, uint64_t now);

/* The same for borrowed bytes: copies frame[0..len) into a pool buffer
 * first (counted as rx_nobuf when the pool is empty or the frame too long). */
TERN_API void tern_net_input_bytes(struct tern_net *net, unsigned ifindex,
				   const void *frame, size_t len, uint64_t now);

/* Runs the timers due at now (ARP retries and expiry, reassembly timeouts)
 * and returns the next deadline (TERN_NO_DEADLINE if none). Calling it
 * early or often is harmless. */
TERN_API uint64_t tern_net_timers(struct tern_net *net, uint64_t now);

/* The earliest time at which tern_net_timers has work (never later than
 * the true deadline; may be earlier). */
TERN_API uint64_t tern_net_next_deadline(const struct tern_net *net);

/* Batching: between begin and end (nestable), frames are queued per
 * interface and sent TERN_NET_TX_BATCH at a time; the outermost end sends
 * the rest. The fiber loop wraps each receive batch in one. */
TERN_API void tern_net_batch_begin(struct tern_net *net);
TERN_API void tern_net_batch_end(struct tern_net *net);

/* Sends every queued frame now (also called by tern_net_batch_end). */
TERN_API void tern_net_flush(struct tern_net *net);

/* ---- Buffers ----------------------------------------------------------- */

/* An empty frame buffer with TERN_NET_HEADROOM bytes of headroom, for a
 * payload to send with the *_pkt socket calls; NULL if the pool is empty
 * (counted as tx_nobuf). The caller owns it. */
TERN_API struct tern_pkt *tern_net_pkt_alloc(struct tern_net *net);

/* Frame buffers in use now, and in the reassembly pool. A drained stack
 * (no socket holding data, timers run out) is back to zero in both. */
TERN_API uint32_t tern_net_pkts_in_use(const struct tern_net *net);
TERN_API uint32_t tern_net_reasm_in_use(const struct tern_net *net);

/* The largest UDP payload or ICMP echo body that fits one frame buffer
 * (larger datagrams are fragmented on send from a flat buffer, and on
 * receive need reassembly buffers). */
TERN_API size_t tern_net_pkt_payload_max(const struct tern_net *net);

/* ---- Counters ---------------------------------------------------------- */

/* The counters (live; read-only for the caller). */
TERN_API const struct tern_net_stats *
tern_net_stats(const struct tern_net *net);

/* Calls fn(name, value, ctx) for every counter, in declaration order
 * (names are the field names: "udp_bad_cksum"). */
TERN_API void tern_net_stats_foreach(const struct tern_net *net,
				     void (*fn)(const char *name,
						uint64_t value, void *ctx),
				     void *ctx);

/* The value of the counter called name, or -TERN_ENOENT as a negative
 * int64_t. For tests and tools. */
TERN_API int64_t tern_net_stat(const struct tern_net *net, const char *name);

/* Prints every non-zero counter to the console, several per line, headed
 * "net: counters". Also suitable as boot->report (ctx = net): see
 * tern_net_report. */
TERN_API void tern_net_stats_print(const struct tern_net *net);

/* tern_net_stats_print with a void * (ctx is a struct tern_net *), the
 * shape of struct tern_boot's report hook. */
TERN_API void tern_net_report(void *ctx);

#endif
