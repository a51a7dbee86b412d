/*
 * dhcp.h - the DHCPv4 client: wire format, a sans-I/O client core, and the
 * fiber-level API that configures an interface of the stack.
 *
 * Three layers, each usable on its own:
 *
 *   Wire (components/net/dhcp_wire.c): parse a BOOTP/DHCP message into a
 *   plain struct tern_dhcp_msg and emit one from it. Every option is bounded
 *   by the packet and by its own length; the option overload of RFC 2131
 *   (option 52: more options in the `file` and `sname` fields) is followed.
 *
 *   Client core (components/net/dhcp_client.c): the RFC 2131 state machine
 *   INIT -> SELECTING -> REQUESTING -> BOUND -> RENEWING -> REBINDING, driven
 *   from outside. It is given received datagrams and the current time and
 *   produces datagrams to send, events (a lease to apply, a lease lost) and
 *   the next deadline. It never reads a clock, blocks or allocates.
 *
 *   Fiber API (components/net/dhcp.c): tern_dhcp_start() runs a client on
 *   a stack's interface, applying each lease (address, prefix, gateway, DNS
 *   servers) and removing the address when the lease is lost.
 *
 * Addresses are uint32_t in host order, as everywhere in Tern's API. Times
 * are monotonic nanoseconds.
 */
#ifndef TERN_DHCP_H
#define TERN_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/net_loop.h"
#include "tern/rand.h"
#include "tern/sched.h"

/* ---------------------------------------------------------------------------
 * Wire format (RFC 2131, RFC 2132)
 * ------------------------------------------------------------------------- */

#define TERN_DHCP_SERVER_PORT 67
#define TERN_DHCP_CLIENT_PORT 68

#define TERN_DHCP_FIXED_LEN 236 /* BOOTP header, before the magic cookie */
#define TERN_DHCP_MIN_LEN 240	/* fixed header and magic cookie */
#define TERN_DHCP_BOOTP_MIN 300 /* emitted messages are padded to this */
#define TERN_DHCP_MSG_MAX 576	/* largest message the client emits */
#define TERN_DHCP_MAGIC 0x63825363u

#define TERN_DHCP_OP_REQUEST 1 /* BOOTREQUEST: client to server */
#define TERN_DHCP_OP_REPLY 2   /* BOOTREPLY: server to client */
#define TERN_DHCP_HTYPE_ETH 1
#define TERN_DHCP_FLAG_BROADCAST 0x8000

/* Bounds of the variable parts kept by the parser; longer values are cut. */
#define TERN_DHCP_DNS_MAX 3
#define TERN_DHCP_PRL_MAX 16
#define TERN_DHCP_CLIENT_ID_MAX 32
#define TERN_DHCP_HOSTNAME_MAX 32

/* Message types (option 53). */
enum tern_dhcp_type {
	TERN_DHCP_DISCOVER = 1,
	TERN_DHCP_OFFER = 2,
	TERN_DHCP_REQUEST = 3,
	TERN_DHCP_DECLINE = 4,
	TERN_DHCP_ACK = 5,
	TERN_DHCP_NAK = 6,
	TERN_DHCP_RELEASE = 7,
	TERN_DHCP_INFORM = 8,
};

/* Option codes the wire code knows. Others are skipped on parse. */
enum tern_dhcp_opt {
	TERN_DHCP_OPT_PAD = 0,
	TERN_DHCP_OPT_SUBNET_MASK = 1,
	TERN_DHCP_OPT_ROUTER = 3,
	TERN_DHCP_OPT_DNS = 6,
	TERN_DHCP_OPT_HOSTNAME = 12,
	TERN_DHCP_OPT_REQUESTED_IP = 50,
	TERN_DHCP_OPT_LEASE_TIME = 51,
	TERN_DHCP_OPT_OVERLOAD = 52,
	TERN_DHCP_OPT_MSG_TYPE = 53,
	TERN_DHCP_OPT_SERVER_ID = 54,
	TERN_DHCP_OPT_PRL = 55,
	TERN_DHCP_OPT_MAX_SIZE = 57,
	TERN_DHCP_OPT_T1 = 58,
	TERN_DHCP_OPT_T2 = 59,
	TERN_DHCP_OPT_CLIENT_ID = 61,
	TERN_DHCP_OPT_END = 255,
};

/* Bits of tern_dhcp_msg.has: which options are present. */
#define TERN_DHCP_HAS_TYPE (1u << 0)
#define TERN_DHCP_HAS_SERVER_ID (1u << 1)
#define TERN_DHCP_HAS_LEASE (1u << 2)
#define TERN_DHCP_HAS_T1 (1u << 3)
#define TERN_DHCP_HAS_T2 (1u << 4)
#define TERN_DHCP_HAS_MASK (1u << 5)
#define TERN_DHCP_HAS_ROUTER (1u << 6)
#define TERN_DHCP_HAS_DNS (1u << 7)
#define TERN_DHCP_HAS_REQ_IP (1u << 8)
#define TERN_DHCP_HAS_PRL (1u << 9)
#define TERN_DHCP_HAS_CLIENT_ID (1u << 10)
#define TERN_DHCP_HAS_MAX_SIZE (1u << 11)
#define TERN_DHCP_HAS_HOSTNAME (1u << 12)

/* A parsed DHCP message: the BOOTP fields and the options Tern uses. */
struct tern_dhcp_msg {
	uint8_t op; /* TERN_DHCP_OP_* */
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;	 /* TERN_DHCP_FLAG_BROADCAST */
	uint32_t ciaddr; /* client's current address */
	uint32_t yiaddr; /* "your" address: the one offered */
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];

	uint32_t has; /* TERN_DHCP_HAS_* */
	uint8_t type; /* enum tern_dhcp_type; 0 if absent */
	uint32_t server_id;
	uint32_t lease_time; /* seconds; 0xffffffff is infinite */
	uint32_t t1;	     /* renewal time, seconds */
	uint32_t t2;	     /* rebinding time, seconds */
	uint32_t subnet_mask;
	uint32_t router; /* the first router of option 3 */
	uint32_t dns[TERN_DHCP_DNS_MAX];
	uint8_t n_dns;
	uint32_t requested_ip;
	uint16_t max_size;
	uint8_t prl[TERN_DHCP_PRL_MAX]; /* parameter request list */
	uint8_t n_prl;
	uint8_t client_id[TERN_DHCP_CLIENT_ID_MAX];
	uint8_t client_id_len;
	char hostname[TERN_DHCP_HOSTNAME_MAX + 1]; /* NUL-terminated */
	uint8_t hostname_len;
};

/* Parses len bytes at buf (a UDP payload) into m. Options are read from the
 * options field, then (per option 52) from `file` and `sname`; each area ends
 * at an END option or at its own end. PAD is skipped; every other option
 * needs its length byte and that many bytes inside its area. A known option
 * with a wrong length (a message type of 2 bytes, a router list that is not
 * a multiple of 4) makes the message malformed. An option that repeats
 * (RFC 3396 splitting) appends to address lists and overrides fixed values.
 * Values longer than the arrays of struct tern_dhcp_msg are cut.
 * Returns 0, or -TERN_EBADMSG (shorter than TERN_DHCP_MIN_LEN, no magic
 * cookie, an option running past its area, a bad option length). */
TERN_API int tern_dhcp_parse(struct tern_dhcp_msg *m, const void *buf,
			     size_t len);

/* Bytes tern_dhcp_emit() writes for m: the fixed header, the cookie, the
 * options present in m->has (message type first), END, then zero padding
 * up to TERN_DHCP_BOOTP_MIN. */
TERN_API size_t tern_dhcp_len(const struct tern_dhcp_msg *m);

/* Writes m into buf (cap bytes). Returns tern_dhcp_len(m), or
 * -TERN_EMSGSIZE if cap is smaller (nothing useful written). Lengths that
 * exceed their arrays (n_dns > TERN_DHCP_DNS_MAX, ...) are a broken
 * contract. */
TERN_API int tern_dhcp_emit(const struct tern_dhcp_msg *m, void *buf,
			    size_t cap);

/* A short name for a message type ("DISCOVER", ...; "?" if unknown). */
TERN_API const char *tern_dhcp_type_name(unsigned type);

/* ---------------------------------------------------------------------------
 * Client core (sans-I/O)
 *
 * Usage: init, start, then loop: send every datagram tern_dhcp_client_tx()
 * yields (UDP from port 68 to port 67, from tx.src to tx.dst), feed every
 * datagram received on port 68 to tern_dhcp_client_input(), call
 * tern_dhcp_client_tick() when the clock reaches tern_dhcp_client_deadline(),
 * and act on the events those two return.
 *
 * Timers (RFC 2131 4.1, 4.4.5), tunable in struct tern_dhcp_config:
 *
 *   what                         default   rule
 *   DISCOVER/REQUEST retransmit  4 s       doubled per try up to 64 s, plus a
 *                                          uniform jitter of -1 s .. +1 s
 *   REQUEST tries (REQUESTING)   4         then back to INIT
 *   RENEWING retransmit          half the time left to T2, at least 60 s
 *   REBINDING retransmit         half the time left to expiry, at least 60 s
 *   T1 / T2 when the server      0.5 / 0.875 of the lease
 *   sends none (or nonsense)
 *   after DECLINE                10 s      before a new DISCOVER
 *   after repeated NAKs          1 s, doubling to 64 s (the first NAK
 *                                          restarts at once)
 *
 * Lease times count from the moment the REQUEST that got the ACK was first
 * sent (RFC 2131 4.4.1), so a slow server shortens, never lengthens, a lease.
 * The first OFFER is taken (no collection window). Messages not meant for
 * this client (wrong op, hardware address or xid) and messages that do not
 * fit the state are counted and dropped.
 * ------------------------------------------------------------------------- */

enum tern_dhcp_state {
	TERN_DHCP_STOPPED,    /* not started, or released */
	TERN_DHCP_INIT,	      /* waiting to send a DISCOVER */
	TERN_DHCP_SELECTING,  /* DISCOVER sent, waiting for an OFFER */
	TERN_DHCP_REQUESTING, /* REQUEST sent for an OFFER, waiting for ACK */
	TERN_DHCP_BOUND,      /* holding a lease */
	TERN_DHCP_RENEWING,   /* past T1: REQUEST unicast to the server */
	TERN_DHCP_REBINDING,  /* past T2: REQUEST broadcast to any server */
};

/* Events returned by input, tick, decline and release. When several are
 * set, apply LOST before BOUND (a rebinding ACK for another address). */
#define TERN_DHCP_EV_BOUND 1u /* a new lease: configure lease->addr etc. */
#define TERN_DHCP_EV_RENEWED \
	2u		     /* the lease was extended (same address;
				   router and DNS servers may have changed) */
#define TERN_DHCP_EV_LOST 4u /* the lease is gone: remove the address */

struct tern_dhcp_config {
	uint64_t retrans_initial_ns; /* first retransmission timeout */
	uint64_t retrans_max_ns;     /* cap of the doubling */
	uint64_t jitter_ns;	     /* +- uniform randomization */
	unsigned request_tries;	     /* REQUESTs in REQUESTING before INIT */
	uint64_t renew_min_ns;	     /* least wait between RENEWING/REBINDING
					retransmissions */
	uint64_t decline_wait_ns;    /* INIT delay after a DECLINE */
	const char *hostname;	     /* option 12 if set; kept as a pointer */
};

/* Fills cfg with the defaults of the table above (no hostname). */
TERN_API void tern_dhcp_config_default(struct tern_dhcp_config *cfg);

/* A lease as the client holds it. Times are absolute; TERN_NO_DEADLINE
 * for an infinite lease. */
struct tern_dhcp_lease {
	uint32_t addr;
	unsigned prefix; /* from the subnet mask (classful if absent) */
	uint32_t router; /* 0 if none */
	uint32_t dns[TERN_DHCP_DNS_MAX];
	unsigned n_dns;
	uint32_t server_id;
	uint32_t lease_s; /* as granted, seconds */
	uint64_t start;	  /* when the REQUEST was first sent */
	uint64_t t1_at;
	uint64_t t2_at;
	uint64_t expire_at;
};

/* Datagrams the client core can hold for sending: a DECLINE and the
 * DISCOVER that follows it. */
#define TERN_DHCP_TX_QUEUE 2

/* One datagram to send: UDP from src:68 to dst:67. data points into the
 * client and stays valid until the next call into the client. */
struct tern_dhcp_tx {
	uint32_t src; /* 0.0.0.0 until bound */
	uint32_t dst; /* 255.255.255.255 or the server */
	const uint8_t *data;
	size_t len;
};

/* Drop and event counters; every drop reason has one. */
struct tern_dhcp_stats {
	uint64_t rx;		/* datagrams given to input */
	uint64_t rx_malformed;	/* tern_dhcp_parse refused it */
	uint64_t rx_not_ours;	/* not a reply, other chaddr, other xid */
	uint64_t rx_unexpected; /* type or contents do not fit the state */
	uint64_t rx_offer;
	uint64_t rx_ack;
	uint64_t rx_nak;
	uint64_t tx_discover;
	uint64_t tx_request;
	uint64_t tx_decline;
	uint64_t tx_release;
	uint64_t retransmits;
	uint64_t bound;	   /* leases obtained from INIT */
	uint64_t renewed;  /* extensions in RENEWING or REBINDING */
	uint64_t expired;  /* leases that ran out */
	uint64_t lost_nak; /* leases ended by a NAK */
};

struct tern_dhcp_client {
	/* private: read through the functions below */
	struct tern_dhcp_config cfg;
	uint8_t mac[TERN_ETH_ALEN];
	struct tern_rand rand;
	enum tern_dhcp_state state;
	uint32_t xid;
	uint64_t deadline;	 /* next tick; TERN_NO_DEADLINE if none */
	uint64_t rto;		 /* current retransmission timeout */
	unsigned tries;		 /* transmissions of the current message */
	uint64_t exchange_start; /* first transmission of this exchange */
	uint32_t offer_addr;	 /* SELECTING -> REQUESTING */
	uint32_t offer_server;
	uint32_t prev_addr; /* hint for the next DISCOVER */
	unsigned naks;	    /* consecutive NAKs without a lease */
	bool have_lease;
	struct tern_dhcp_lease lease;
	unsigned tx_head; /* oldest queued datagram */
	unsigned tx_count;
	struct {
		uint32_t src;
		uint32_t dst;
		size_t len;
		uint8_t buf[TERN_DHCP_MSG_MAX];
	} tx[TERN_DHCP_TX_QUEUE];
	struct tern_dhcp_stats stats;
};

/* Initialises c for the interface with hardware address mac, in state
 * STOPPED. cfg may be NULL (defaults); it is copied. seed seeds the PRNG
 * for xids and jitter (the fiber API takes it from tern_entropy()). */
TERN_API void tern_dhcp_client_init(struct tern_dhcp_client *c,
				    const struct tern_dhcp_config *cfg,
				    const uint8_t mac[TERN_ETH_ALEN],
				    uint64_t seed);

/* Starts (or restarts) acquisition: forgets any lease and queues a
 * DISCOVER at once. Returns TERN_DHCP_EV_LOST if a lease was held, else 0.
 */
TERN_API unsigned tern_dhcp_client_start(struct tern_dhcp_client *c,
					 uint64_t now);

/* Handles one datagram received on port 68 (the UDP payload). Returns the
 * events it caused (0 if it was dropped or changed nothing). */
TERN_API unsigned tern_dhcp_client_input(struct tern_dhcp_client *c,
					 const void *data, size_t len,
					 uint64_t now);

/* Runs the timers due at now (retransmissions, T1, T2, expiry). Calling it
 * early is harmless. Returns the events it caused. */
TERN_API unsigned tern_dhcp_client_tick(struct tern_dhcp_client *c,
					uint64_t now);

/* When tern_dhcp_client_tick() wants to run next (TERN_NO_DEADLINE: not
 * until a datagram arrives). */
TERN_API uint64_t tern_dhcp_client_deadline(const struct tern_dhcp_client *c);

/* Takes the oldest datagram waiting to be sent, if any. Returns true and
 * fills tx, or false. Up to TERN_DHCP_TX_QUEUE datagrams wait; when more
 * are queued the oldest is dropped (it was superseded). */
TERN_API bool tern_dhcp_client_tx(struct tern_dhcp_client *c,
				  struct tern_dhcp_tx *tx);

/* Declines the lease just obtained (the address is in use: an ARP probe
 * was answered). Queues a DECLINE, drops the lease and waits
 * cfg.decline_wait_ns before a new DISCOVER. Returns TERN_DHCP_EV_LOST, or
 * 0 if no lease was held. */
TERN_API unsigned tern_dhcp_client_decline(struct tern_dhcp_client *c,
					   uint64_t now);

/* Gives the lease back: queues a RELEASE to the server and stops. Returns
 * TERN_DHCP_EV_LOST, or 0 if no lease was held (then it only stops). */
TERN_API unsigned tern_dhcp_client_release(struct tern_dhcp_client *c,
					   uint64_t now);

/* The lease held (in BOUND, RENEWING and REBINDING), or NULL. */
TERN_API const struct tern_dhcp_lease *
tern_dhcp_client_lease(const struct tern_dhcp_client *c);

static inline enum tern_dhcp_state
tern_dhcp_client_state(const struct tern_dhcp_client *c)
{
	return c->state;
}

static inline const struct tern_dhcp_stats *
tern_dhcp_client_stats(const struct tern_dhcp_client *c)
{
	return &c->stats;
}

/* "INIT", "BOUND", ... */
TERN_API const char *tern_dhcp_state_name(enum tern_dhcp_state state);

/* ---------------------------------------------------------------------------
 * On a stack (components/net/dhcp.c)
 *
 * tern_dhcp_start() runs a client on one interface of a stack driven by a
 * struct tern_net_loop. No fiber of its own: it is a struct tern_ucore
 * (net_loop.h) on a UDP socket bound to 0.0.0.0:68 on the interface, doing
 * its work in a timer callback, outside the stack. On each lease it sets
 * the interface's address, prefix and gateway (tern_net_if_set_addr, only
 * when they change) and, if a resolver is attached, its DNS servers; when
 * the lease is lost it clears the address. A lease the stack refuses (a
 * prefix of 0, say) is declined.
 *
 *   struct tern_dhcp dhcp;
 *   tern_dhcp_start(&dhcp, &loop, 0, NULL);   // before or in sched_run
 *   ... from a fiber:
 *   tern_dhcp_wait_bound(&dhcp, deadline);    // 0 once configured
 * ------------------------------------------------------------------------- */

struct tern_dns;

struct tern_dhcp_opts {
	const struct tern_dhcp_config *cfg; /* NULL: defaults */
	struct tern_dns *dns; /* NULL, or a started resolver to receive the
				  lease's DNS servers */
	uint64_t seed;	      /* 0: from tern_entropy() */
};

/* Counters of the glue (the core's are in tern_dhcp_client_stats). */
struct tern_dhcp_glue_stats {
	uint64_t rx_truncated;	/* drop: larger than the receive buffer */
	uint64_t rx_wrong_port; /* drop: not from port 67 */
	uint64_t tx_failed;	/* datagrams the stack refused to send */
	uint64_t applied;	/* configurations written to the stack */
	uint64_t apply_failed;	/* leases the stack refused (declined) */
	uint64_t cleared;	/* addresses removed at lease loss */
};

struct tern_dhcp {
	/* private */
	struct tern_dhcp_client client;
	struct tern_net_loop *loop;
	struct tern_dns *dns;
	unsigned ifindex;
	struct tern_ucore uc;	   /* the socket on port 68, the timer */
	struct tern_waitq waiters; /* tern_dhcp_wait_bound */
	bool running;
	bool configured; /* the lease's address is set */
	struct tern_dhcp_glue_stats stats;
	uint8_t rx_buf[1500];
};

/* Starts a DHCP client on interface ifindex of loop's stack. opts may be
 * NULL. The interface should have no static address. Returns 0,
 * -TERN_ENODEV (no such interface), -TERN_EADDRINUSE (port 68 is taken) or
 * -TERN_EIO (no entropy for the seed). */
TERN_API int tern_dhcp_start(struct tern_dhcp *d, struct tern_net_loop *loop,
			     unsigned ifindex,
			     const struct tern_dhcp_opts *opts);

/* Stops the client: if release is set and a lease is held, sends a
 * RELEASE (called from a fiber, it then sleeps 250 ms so the RELEASE can
 * wait out ARP resolution; from elsewhere the RELEASE is best effort);
 * removes the address it configured; closes the socket and wakes every
 * fiber in tern_dhcp_wait_bound (-TERN_ECANCELED). A no-op if not
 * running. */
TERN_API void tern_dhcp_stop(struct tern_dhcp *d, bool release);

/* Blocks the calling fiber until the interface is configured from a lease
 * (at once if it is), or until deadline. Returns 0, -TERN_ETIMEDOUT, or
 * -TERN_ECANCELED (stopped). */
TERN_API int tern_dhcp_wait_bound(struct tern_dhcp *d, uint64_t deadline);

/* The lease in force, or NULL. */
TERN_API const struct tern_dhcp_lease *
tern_dhcp_lease(const struct tern_dhcp *d);

/* The client core (state, counters). */
static inline const struct tern_dhcp_client *
tern_dhcp_core(const struct tern_dhcp *d)
{
	return &d->client;
}

static inline const struct tern_dhcp_glue_stats *
tern_dhcp_glue_stats(const struct tern_dhcp *d)
{
	return &d->stats;
}

/* Prints the state on a line "dhcp: if0 BOUND", then every non-zero
 * counter on lines headed "dhcp:" (tern_counter_line, print.h), for an
 * app's report hook. */
TERN_API void tern_dhcp_print(const struct tern_dhcp *d);

#endif
