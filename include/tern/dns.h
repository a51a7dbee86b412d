/*
 * dns.h - the DNS stub resolver: wire format, a sans-I/O resolver core, and
 * the fiber-level tern_dns_resolve_a().
 *
 * Three layers, each usable on its own:
 *
 *   Wire (components/net/dns_wire.c): the header, questions and resource
 *   records, and domain names with compression. Names are decompressed
 *   under the rules of RFC 9267: a pointer must point before the start of
 *   the name piece that contains it (so pointers cannot loop), labels are
 *   at most 63 bytes, a name at most 255, and nothing is read outside the
 *   message. Counts and record lengths are checked against the message.
 *
 *   Resolver core (components/net/dns_resolver.c): A queries for a name to
 *   up to TERN_DNS_SERVERS_MAX servers, with random ids, retries with
 *   timeouts across the servers, answers matched on server, id and
 *   question, CNAME chains followed inside the answer, and a small cache
 *   that honours TTLs. Given datagrams and the current time, it produces
 *   datagrams to send and the next deadline; it never reads a clock or
 *   blocks.
 *
 *   Fiber API (components/net/dns.c): tern_dns_resolve_a() blocks the
 *   calling fiber until the answer, an error or the deadline.
 *
 * Names in this API are flat wire form (struct tern_dns_name: length-
 * prefixed labels ending with the root label, no compression), compared
 * without regard to ASCII case. Text names ("www.example.com", a trailing
 * dot allowed) are converted at the edges.
 */
#ifndef TERN_DNS_H
#define TERN_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"
#include "tern/net_loop.h"
#include "tern/rand.h"
#include "tern/sched.h"

/* ---------------------------------------------------------------------------
 * Wire format (RFC 1035, RFC 9267)
 * ------------------------------------------------------------------------- */

#define TERN_DNS_PORT 53
#define TERN_DNS_HLEN 12 /* the fixed header */
#define TERN_DNS_LABEL_MAX 63
#define TERN_DNS_NAME_MAX 255 /* wire form, length bytes and root */
#define TERN_DNS_TEXT_MAX 254 /* text form: 253 characters and NUL */
#define TERN_DNS_UDP_MAX 512  /* classic UDP payload limit (no EDNS) */
#define TERN_DNS_PTR_MAX 64   /* compression pointers per name */

/* Header flag bits. */
#define TERN_DNS_F_QR 0x8000u /* a response */
#define TERN_DNS_F_OPCODE 0x7800u
#define TERN_DNS_F_AA 0x0400u
#define TERN_DNS_F_TC 0x0200u /* truncated */
#define TERN_DNS_F_RD 0x0100u /* recursion desired */
#define TERN_DNS_F_RA 0x0080u
#define TERN_DNS_F_RCODE 0x000fu

enum tern_dns_type {
	TERN_DNS_TYPE_A = 1,
	TERN_DNS_TYPE_NS = 2,
	TERN_DNS_TYPE_CNAME = 5,
	TERN_DNS_TYPE_SOA = 6,
	TERN_DNS_TYPE_PTR = 12,
	TERN_DNS_TYPE_MX = 15,
	TERN_DNS_TYPE_TXT = 16,
	TERN_DNS_TYPE_AAAA = 28,
};

#define TERN_DNS_CLASS_IN 1

enum tern_dns_rcode {
	TERN_DNS_NOERROR = 0,
	TERN_DNS_FORMERR = 1,
	TERN_DNS_SERVFAIL = 2,
	TERN_DNS_NXDOMAIN = 3,
	TERN_DNS_NOTIMP = 4,
	TERN_DNS_REFUSED = 5,
};

struct tern_dns_header {
	uint16_t id;
	uint16_t flags; /* TERN_DNS_F_* */
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
};

/* A domain name in flat wire form: len bytes of labels, each a length byte
 * (1..63) and that many bytes, then the root label (a zero byte). The root
 * name is the single byte 0 (len 1). */
struct tern_dns_name {
	uint8_t len;
	uint8_t wire[TERN_DNS_NAME_MAX];
};

struct tern_dns_question {
	struct tern_dns_name name;
	uint16_t type;
	uint16_t qclass;
};

/* A resource record; its data stays in the message at rdata_off. */
struct tern_dns_rr {
	struct tern_dns_name name;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_off;
};

/* Parses the header of the len-byte message at msg. Also checks the counts
 * against the message: every question needs at least 5 bytes and every
 * record 11, so counts that the bytes cannot hold are refused at once.
 * Returns 0 or -TERN_EBADMSG. */
TERN_API int tern_dns_header_parse(struct tern_dns_header *h, const void *msg,
				   size_t len);

/* Reads the (possibly compressed) name at *off into out, and moves *off
 * past the name as it appears at *off (the first pointer ends it). Returns
 * 0, or -TERN_EBADMSG (a label type other than 00 or 11, a label over 63
 * bytes, a name over 255, a pointer not before the piece it is in, more
 * than TERN_DNS_PTR_MAX pointers, anything past the end of the message). */
TERN_API int tern_dns_name_parse(const void *msg, size_t len, size_t *off,
				 struct tern_dns_name *out);

/* Reads the question at *off and moves *off past it. Returns 0 or
 * -TERN_EBADMSG. */
TERN_API int tern_dns_question_parse(const void *msg, size_t len, size_t *off,
				     struct tern_dns_question *q);

/* Reads the record at *off and moves *off past it (past its data). Checks
 * that rdlen bytes of data are in the message. Returns 0 or -TERN_EBADMSG.
 */
TERN_API int tern_dns_rr_parse(const void *msg, size_t len, size_t *off,
			       struct tern_dns_rr *rr);

/* Converts a text name ("example.com", "example.com.", "." for the root)
 * into wire form. Labels are 1..63 bytes of anything but '.'; there are no
 * escapes. Returns 0, -TERN_EINVAL (an empty name or label, like "a..b"),
 * or -TERN_ENAMETOOLONG (a label over 63 bytes, a name over 255 in wire
 * form). */
TERN_API int tern_dns_name_from_text(struct tern_dns_name *out,
				     const char *text);

/* Writes n as text into buf (cap bytes, NUL-terminated; the root is ".").
 * Bytes other than letters, digits, '-' and '_' are written as \DDD (and
 * '.' inside a label as "\."), so text from the wire is safe to log.
 * Returns the text length, or -TERN_ENAMETOOLONG if cap is too small (buf
 * then holds a cut, terminated prefix when cap > 0). */
TERN_API int tern_dns_name_to_text(const struct tern_dns_name *n, char *buf,
				   size_t cap);

/* True if a and b are the same name, ignoring ASCII case. */
TERN_API bool tern_dns_name_equal(const struct tern_dns_name *a,
				  const struct tern_dns_name *b);

/* Bytes of a query for name: header and one question. */
static inline size_t tern_dns_query_len(const struct tern_dns_name *name)
{
	return TERN_DNS_HLEN + name->len + 4;
}

/* Writes a standard query (RD set, one question of type qtype, class IN)
 * into buf (cap bytes). Returns tern_dns_query_len(), or -TERN_EMSGSIZE. */
TERN_API int tern_dns_query_emit(void *buf, size_t cap, uint16_t id,
				 const struct tern_dns_name *name,
				 uint16_t qtype);

/* ---------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------- */

#define TERN_DNS_ADDRS_MAX 4 /* A records kept per answer */
#define TERN_DNS_CNAME_MAX 8 /* CNAME links followed per answer */

/* What a response says about an A query. */
struct tern_dns_answer {
	uint8_t rcode;	/* enum tern_dns_rcode */
	bool truncated; /* TC was set */
	unsigned n_addrs;
	uint32_t addrs[TERN_DNS_ADDRS_MAX]; /* host order, in message order */
	uint32_t ttl;	 /* least TTL along the chain, seconds */
	unsigned cnames; /* CNAME links followed */
};

/* Reads the response msg (len bytes) to the A query (id, qname): checks
 * that it is a standard-query response with id and exactly that one
 * question, then follows qname through the answer section: CNAME records
 * (at most TERN_DNS_CNAME_MAX links, a loop ends at the limit) and the A
 * records of the final name. Every record of the answer section is parsed
 * and checked, used or not; authority and additional sections are not
 * read. Returns 0 (out filled, whatever the rcode), -TERN_EBADMSG (not a
 * well-formed response), or -TERN_EINVAL (well formed, but not an answer to
 * this query: another id or question). */
TERN_API int tern_dns_answer_parse(const void *msg, size_t len, uint16_t id,
				   const struct tern_dns_name *qname,
				   struct tern_dns_answer *out);

/* The error an answer means for the one asking: 0 if it holds addresses,
 * -TERN_ENOENT for NXDOMAIN or a name with no A records, -TERN_EMSGSIZE for
 * a truncated answer without addresses (this resolver does not retry over
 * TCP), -TERN_EAGAIN for SERVFAIL (a temporary failure, as getaddrinfo's
 * EAI_AGAIN), -TERN_ECONNREFUSED for REFUSED, -TERN_EBADMSG for FORMERR,
 * NOTIMP and other codes. */
TERN_API int tern_dns_answer_err(const struct tern_dns_answer *a);

/* ---------------------------------------------------------------------------
 * Resolver core (sans-I/O)
 *
 * Usage: init, set the servers, start queries; then send every datagram
 * tern_dns_resolver_tx() yields (UDP to tx.dst port 53, from the
 * resolver's port), feed every datagram received on that port to
 * tern_dns_resolver_input(), and call tern_dns_resolver_tick() at
 * tern_dns_resolver_deadline(). A query ends by calling its done callback
 * with status and addresses set.
 *
 * Retries (tunable in struct tern_dns_config):
 *
 *   what                     default  rule
 *   attempt timeout          1 s      doubled per round over all servers,
 *                                     at most 8x
 *   rounds                   2        each round asks every server once,
 *                                     in order, starting with the first
 *   server error (SERVFAIL,           ask the next server that has not
 *   REFUSED, FORMERR...)              failed at once; the last error is
 *                                     the result if none answers
 *   cache                    8        entries (TERN_DNS_CACHE_SIZE); TTLs
 *                                     capped at ttl_max_s (1 hour)
 *
 * A query also ends at its own deadline with -TERN_ETIMEDOUT. Responses are
 * accepted only from a server the query was sent to, from port 53, with
 * the query's id and question.
 * ------------------------------------------------------------------------- */

#define TERN_DNS_SERVERS_MAX 3
#define TERN_DNS_CACHE_SIZE 8

struct tern_dns_config {
	uint64_t timeout_ns; /* first attempt's timeout */
	unsigned rounds;     /* times every server is asked */
	uint32_t ttl_max_s;  /* cache TTL cap; 0 disables the cache */
};

/* Fills cfg with the defaults of the table above. */
TERN_API void tern_dns_config_default(struct tern_dns_config *cfg);

struct tern_dns_query;

/* Called once when q ends, from inside tern_dns_resolver_input() or
 * tern_dns_resolver_tick(); q is no longer the resolver's. The callback
 * must not call into the resolver (it may wake a fiber). */
typedef void (*tern_dns_done_fn)(struct tern_dns_query *q);

/* One query. The caller owns the memory (a fiber's stack, a struct); the
 * resolver links it while it runs. */
struct tern_dns_query {
	/* Set by the caller before tern_dns_query_start(). */
	tern_dns_done_fn done; /* may be NULL (then poll q->running) */
	void *ctx;	       /* for the caller; never touched */

	/* Results, valid once done is called (running is false). */
	int status; /* 0, an error of tern_dns_answer_err(),
				    -TERN_ETIMEDOUT, -TERN_EHOSTUNREACH (the
				    server list became empty) or
				    -TERN_ECANCELED */
	unsigned n_addrs;
	uint32_t addrs[TERN_DNS_ADDRS_MAX];
	uint32_t ttl;
	bool running;

	/* private */
	struct tern_list link;
	struct tern_dns_name name;
	uint16_t id;
	unsigned attempt; /* transmissions so far */
	unsigned server;  /* index of the server asked last */
	uint8_t asked;	  /* bit per server index asked */
	uint8_t failed;	  /* bit per server that answered an error */
	int last_err;
	uint64_t retry_at;
	uint64_t deadline;
	bool tx_pending;
	uint16_t tx_len;
	uint8_t tx_buf[TERN_DNS_HLEN + TERN_DNS_NAME_MAX + 4];
};

/* One datagram to send: UDP to dst:53. data points into a query and stays
 * valid until the next call into the resolver. */
struct tern_dns_tx {
	uint32_t dst;
	const uint8_t *data;
	size_t len;
};

struct tern_dns_stats {
	uint64_t queries; /* started (cache hits included) */
	uint64_t cache_hits;
	uint64_t tx; /* datagrams sent (first tries and retries) */
	uint64_t retries;
	uint64_t timeouts;	  /* queries that ended with -TERN_ETIMEDOUT */
	uint64_t rx;		  /* datagrams given to input */
	uint64_t rx_malformed;	  /* not a well-formed response */
	uint64_t rx_unmatched;	  /* no running query with that id */
	uint64_t rx_wrong_source; /* from an address or port not asked */
	uint64_t rx_wrong_question; /* id matched, question did not */
	uint64_t rx_server_error;   /* SERVFAIL, REFUSED, FORMERR, NOTIMP */
	uint64_t answered;	    /* queries ended by a response */
};

struct tern_dns_cache_entry {
	bool used;
	struct tern_dns_name name;
	unsigned n_addrs;
	uint32_t addrs[TERN_DNS_ADDRS_MAX];
	uint64_t expires;
};

struct tern_dns_resolver {
	/* private */
	struct tern_dns_config cfg;
	uint32_t servers[TERN_DNS_SERVERS_MAX];
	unsigned n_servers;
	struct tern_rand rand;
	struct tern_list queries;
	struct tern_dns_cache_entry cache[TERN_DNS_CACHE_SIZE];
	struct tern_dns_stats stats;
};

/* Initialises r with no servers. cfg may be NULL (defaults); it is copied.
 * seed seeds the PRNG for query ids (the fiber API takes it from
 * tern_entropy()). */
TERN_API void tern_dns_resolver_init(struct tern_dns_resolver *r,
				     const struct tern_dns_config *cfg,
				     uint64_t seed);

/* Sets the servers, in order of preference (addresses in host order; the
 * first TERN_DNS_SERVERS_MAX are kept, zeros skipped). Running queries use
 * the new list from their next attempt. Returns the number kept. */
TERN_API unsigned tern_dns_resolver_set_servers(struct tern_dns_resolver *r,
						const uint32_t *servers,
						unsigned n);

/* The servers in use; returns how many, writes up to max into out. */
TERN_API unsigned tern_dns_resolver_servers(const struct tern_dns_resolver *r,
					    uint32_t *out, unsigned max);

/* Starts an A query for the text name on q (q->done and q->ctx set by the
 * caller; q not running), ending at deadline at the latest. Returns 0
 * (running: the first datagram is queued, done will be called), 1
 * (answered from the cache: q's results are set, done is not called),
 * -TERN_EINVAL or -TERN_ENAMETOOLONG (see tern_dns_name_from_text),
 * -TERN_EHOSTUNREACH (no servers) or -TERN_ETIMEDOUT (deadline <= now).
 * On an error q->status holds it too and done is not called. */
TERN_API int tern_dns_query_start(struct tern_dns_resolver *r,
				  struct tern_dns_query *q, const char *name,
				  uint64_t now, uint64_t deadline);

/* Stops q if it runs: it is unlinked, status -TERN_ECANCELED, and done is
 * not called. */
TERN_API void tern_dns_query_cancel(struct tern_dns_resolver *r,
				    struct tern_dns_query *q);

/* Handles one datagram received on the resolver's port from src:src_port.
 * Returns the number of queries it ended (0 or 1). */
TERN_API unsigned tern_dns_resolver_input(struct tern_dns_resolver *r,
					  uint32_t src, uint16_t src_port,
					  const void *data, size_t len,
					  uint64_t now);

/* Runs the timers due at now: retries and query deadlines. Calling it
 * early is harmless. Returns the number of queries it ended. */
TERN_API unsigned tern_dns_resolver_tick(struct tern_dns_resolver *r,
					 uint64_t now);

/* The earliest time tick wants to run (TERN_NO_DEADLINE: no query runs). */
TERN_API uint64_t tern_dns_resolver_deadline(const struct tern_dns_resolver *r);

/* Takes the next datagram to send, if any. Returns true and fills tx. */
TERN_API bool tern_dns_resolver_tx(struct tern_dns_resolver *r,
				   struct tern_dns_tx *tx);

/* Ends every running query with -TERN_ECANCELED, calling their done
 * callbacks (unlike tern_dns_query_cancel). Returns how many. */
TERN_API unsigned tern_dns_resolver_abort(struct tern_dns_resolver *r);

/* Empties the cache. */
TERN_API void tern_dns_cache_flush(struct tern_dns_resolver *r);

/* Number of running queries (O(n)). */
TERN_API unsigned tern_dns_resolver_running(const struct tern_dns_resolver *r);

static inline const struct tern_dns_stats *
tern_dns_resolver_stats(const struct tern_dns_resolver *r)
{
	return &r->stats;
}

/* ---------------------------------------------------------------------------
 * On a stack (components/net/dns.c)
 *
 * struct tern_dns runs a resolver core over one UDP socket (an ephemeral
 * port chosen by the stack, RFC 6056) of a stack driven by a struct
 * tern_net_loop. Like the DHCP client it has no fiber: it is a struct
 * tern_ucore (net_loop.h), doing its work in a timer callback.
 * tern_dns_resolve_a() blocks only the fiber that calls it; any
 * number of fibers may resolve at once.
 *
 *   struct tern_dns dns;
 *   tern_dns_start(&dns, &loop, NULL, 0);
 *   tern_dns_set_servers(&dns, servers, n);  // or let DHCP set them
 *   ... from a fiber:
 *   uint32_t addr;
 *   int n = tern_dns_resolve_a(&dns, "www.example.com", &addr, 1, deadline);
 * ------------------------------------------------------------------------- */

struct tern_dns {
	/* private */
	struct tern_dns_resolver r;
	struct tern_net_loop *loop;
	struct tern_ucore uc; /* the socket, the timer */
	bool running;
	uint64_t rx_truncated; /* drop: larger than the receive buffer */
	uint64_t tx_failed;    /* queries the stack refused to send */
	uint8_t rx_buf[TERN_DNS_UDP_MAX];
};

/* Starts a resolver on loop's stack with cfg (NULL: defaults) and no
 * servers. seed 0 takes one from tern_entropy(). Returns 0,
 * -TERN_EADDRINUSE (no ephemeral port) or -TERN_EIO (no entropy). */
TERN_API int tern_dns_start(struct tern_dns *dns, struct tern_net_loop *loop,
			    const struct tern_dns_config *cfg, uint64_t seed);

/* Ends every running query with -TERN_ECANCELED (their fibers wake) and
 * closes the socket. A no-op if not running. */
TERN_API void tern_dns_stop(struct tern_dns *dns);

/* tern_dns_resolver_set_servers on the running resolver. */
TERN_API unsigned tern_dns_set_servers(struct tern_dns *dns,
				       const uint32_t *servers, unsigned n);

/* Resolves name to up to max IPv4 addresses (host order) into addrs,
 * blocking the calling fiber until the answer or deadline. A dotted quad
 * is returned as is, without a query. Returns the number of addresses
 * (>= 1), or -TERN_ENOENT (NXDOMAIN, or no A records), -TERN_EAGAIN
 * (SERVFAIL from every server), -TERN_ETIMEDOUT, -TERN_ECONNREFUSED,
 * -TERN_EBADMSG, -TERN_EMSGSIZE (truncated, no addresses),
 * -TERN_EHOSTUNREACH (no servers), -TERN_EINVAL or -TERN_ENAMETOOLONG (not
 * a name), -TERN_ECANCELED (stopped). Must be called from a fiber. */
TERN_API int tern_dns_resolve_a(struct tern_dns *dns, const char *name,
				uint32_t *addrs, unsigned max,
				uint64_t deadline);

/* The resolver core (servers, counters). */
static inline const struct tern_dns_resolver *
tern_dns_core(const struct tern_dns *dns)
{
	return &dns->r;
}

/* Prints the number of servers on a line "dns: 2 servers", then every
 * non-zero counter on lines headed "dns:" (tern_counter_line, print.h). */
TERN_API void tern_dns_print(const struct tern_dns *dns);

#endif
