/*
 * tftp_server.h - the read-only TFTP server as a sans-I/O core: given
 * datagrams and the current time, it produces datagrams and a next
 * deadline. It never reads a clock or touches a socket itself.
 *
 * Protocol: RFC 1350 read requests in octet mode, with option negotiation
 * (RFC 2347): blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize
 * (RFC 7440). Write requests are refused (ERROR 2: the disk is read-only);
 * netascii is refused (ERROR 0 "netascii not supported": translating CR/LF
 * would make a block's file offset depend on every byte before it, and no
 * netboot client asks for it); "mail" and unknown modes get ERROR 4.
 *
 * The environment (struct tftp_env_ops) supplies the endpoints and the
 * files. Slot TFTP_LISTEN is the well-known port (69); each transfer owns
 * one slot 0..max_transfers-1 with its own ephemeral port (its TID, RFC
 * 1350 section 4), opened when the transfer starts and closed when it
 * ends. The caller feeds every datagram that arrives on a slot's endpoint
 * to tftp_server_input with that slot. Errors about a request (file not
 * found, refused, busy, malformed) go out from TFTP_LISTEN: no port is
 * spent on them, and a server that is full has none to spend. read() may
 * block (the app's reads go through the block cache on a fiber); the core
 * is only ever re-entered from its caller, so that is safe.
 *
 * Transfers. Blocks are numbered from 1 in 64 bits inside the core; the
 * wire carries the low 16 bits, so block 65536 goes out as 0 (roll over to
 * 0, as curl, tftp-hpa and iPXE expect), and an ACK's 16-bit number is
 * mapped to the only block it can mean inside the window in flight. The
 * file's last block is the short one (0 bytes if the size is a multiple
 * of blksize).
 *
 *   - With options acknowledged, the OACK goes first and counts as block 0:
 *     DATA starts when ACK 0 arrives.
 *   - windowsize W sends up to W blocks before waiting for an ACK. An ACK
 *     of the window's last block slides the window; an ACK of an earlier
 *     block in it (the client saw a gap) makes the server resume after
 *     that block (RFC 7440 section 4).
 *   - A duplicate ACK (one for the block already acknowledged) is counted
 *     and ignored, never answered with data: that is the Sorcerer's
 *     Apprentice bug (RFC 1123 4.2.3.1). Only the timer retransmits.
 *   - The timer: when a window (or the OACK) goes out, the deadline is now
 *     + rto; when it fires, the unacknowledged window is sent again from
 *     the block after the last ACK, and rto doubles, up to 8 times the
 *     base (--timeout-ms); a client's RFC 2349 timeout option replaces the
 *     base and turns doubling off (both ends then use the same interval).
 *     After cfg.retries retransmissions without an ACK that moves the
 *     window, the transfer is abandoned with ERROR 0 "timed out".
 *   - A datagram on a transfer's port from another address or port gets
 *     ERROR 5 (unknown transfer ID) and does not disturb the transfer.
 *   - An ERROR from the client ends its transfer. Any other opcode from
 *     the client on a transfer's port is ERROR 4 and ends it.
 *   - A repeated RRQ from the same address and port while its transfer
 *     has had no ACK yet is the client retrying: the first packet (OACK or
 *     DATA 1) is sent again from the existing TID; no second transfer.
 *   - No ERROR is ever sent in reply to an ERROR.
 *
 * Options: names are case-insensitive; unknown options are ignored; a
 * value that is not a decimal number, or out of range (blksize < 8,
 * windowsize 0, timeout outside 1..255), is ignored (the option is not
 * acknowledged); a large blksize or windowsize is lowered to the server's
 * cap and acknowledged with the lower value (RFC 2348). blksize is capped
 * by cfg.blksize_max, which the app sets so one DATA fits the interface
 * MTU without IP fragmentation (1468 at MTU 1500): losing one fragment
 * would lose the whole block, and many netboot ROMs cannot reassemble.
 * tsize is not acknowledged for an empty file: curl fails a transfer whose
 * OACK says "tsize 0" (the empty DATA 1 tells the size anyway).
 *
 * Paths: a leading '/' is stripped, "." and empty components are skipped,
 * ".." removes the previous component and is refused (ERROR 2) if it would
 * leave the served root; the result is a relative path handed to
 * lookup(). Directories and non-regular files get ERROR 2.
 *
 * Concurrency: at most cfg.max_transfers at once; a request beyond that
 * gets ERROR 0 "server busy: too many transfers" and is counted.
 *
 * Cost: input is O(1) per datagram on a transfer's port plus the reads;
 * an RRQ scans the table for a duplicate (O(max_transfers)); the timers
 * scan the table (O(max_transfers), at most TFTP_MAX_TRANSFERS).
 *
 * Tunables (struct tftp_config, defaults from tftp_config_default):
 *   max_transfers   16        transfers at once (1..TFTP_MAX_TRANSFERS)
 *   timeout_ns      1 s       base retransmission timeout
 *   retries         5         retransmissions before giving up
 *   blksize_max     1468      largest blksize granted (8..65464); a
 *                             request without the option gets 512
 *   window_max      64        largest windowsize granted
 *                             (1..TFTP_WINDOW_CAP)
 */
#ifndef TFTP_SERVER_H
#define TFTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tftp_wire.h"

#define TFTP_MAX_TRANSFERS 256
#define TFTP_LISTEN TFTP_MAX_TRANSFERS /* the slot of port 69 */
#define TFTP_WINDOW_CAP \
	1024		   /* far below 32768: ACK numbers
					   stay unambiguous */
#define TFTP_PATH_MAX 1024 /* bytes of a requested name */
#define TFTP_BACKOFF_MAX 8 /* rto grows to 8 x the base */
#define TFTP_TIMEOUT_MAX_NS (3600ull * 1000000000ull) /* cfg.timeout_ns */

/* A file the environment found (its own id for read()). */
struct tftp_file {
	uint64_t id;
	uint64_t size;
};

/* What the core asks of its environment (ctx is passed back). */
struct tftp_env_ops {
	/* Opens a new endpoint for transfer slot (an ephemeral UDP port).
	 * Returns the port (1..65535) or a negative code. */
	int (*open)(void *ctx, unsigned slot);
	/* Closes slot's endpoint; datagrams queued on it are dropped. */
	void (*close)(void *ctx, unsigned slot);
	/* Sends len bytes from slot's endpoint (or TFTP_LISTEN's) to
	 * dst:dport. Returns 0 or a negative code (counted as a failed send;
	 * the retransmission timer covers it). */
	int (*send)(void *ctx, unsigned slot, uint32_t dst, uint16_t dport,
		    const void *buf, size_t len);
	/* Resolves a relative path (no leading '/', no "." or ".."). Returns
	 * 0 with *f set; -TERN_ENOENT (ERROR 1; also -TERN_ENOTDIR,
	 * -TERN_ELOOP and -TERN_ENAMETOOLONG), -TERN_EISDIR or -TERN_ENOTSUP
	 * (not a regular file; ERROR 2), -TERN_ERANGE (outside the served
	 * root, e.g. through a symlink; ERROR 2), or another code (ERROR 0
	 * with its text). */
	int (*lookup)(void *ctx, const char *path, struct tftp_file *f);
	/* Copies len bytes of f at off into buf. Returns len (the core never
	 * reads past the size lookup gave), or a negative code: the transfer
	 * ends with ERROR 0. May block. */
	int (*read)(void *ctx, const struct tftp_file *f, uint64_t off,
		    void *buf, size_t len);
};

struct tftp_config {
	uint32_t max_transfers;
	uint64_t timeout_ns;
	uint32_t retries;
	uint32_t blksize_max;
	uint32_t window_max;
};

/* Counters: requests, transfers, and every reason a datagram was dropped
 * or answered with an error. All monotonic. */
struct tftp_stats {
	/* Requests */
	uint64_t rrq;		    /* read requests received */
	uint64_t rrq_dup;	    /* ... repeats of a live transfer's */
	uint64_t wrq_refused;	    /* ERROR 2: write requests */
	uint64_t req_malformed;	    /* ERROR 4: no NUL, empty name or mode */
	uint64_t req_netascii;	    /* ERROR 0: netascii refused */
	uint64_t req_bad_mode;	    /* ERROR 4: mail or unknown mode */
	uint64_t req_name_too_long; /* ERROR 0: name > TFTP_PATH_MAX */
	uint64_t req_escape;	    /* ERROR 2: ".." leaves the root */
	uint64_t req_not_found;	    /* ERROR 1 */
	uint64_t req_not_file;	    /* ERROR 2: directory or special */
	uint64_t req_outside_root;  /* ERROR 2: resolved outside the root */
	uint64_t req_lookup_error;  /* ERROR 0: another lookup failure */
	uint64_t req_busy;	    /* ERROR 0: max_transfers reached */
	uint64_t req_no_port;	    /* ERROR 0: no endpoint could be opened */

	/* Options */
	uint64_t opt_blksize, opt_tsize, opt_timeout, opt_windowsize;
	uint64_t opt_unknown;	/* ignored: not an option we know */
	uint64_t opt_bad_value; /* ignored: not a number, out of range */
	uint64_t opt_repeated;	/* ignored: the same option again */
	uint64_t opt_dropped;	/* ignored: beyond TFTP_OPTS_MAX */
	uint64_t opt_junk;	/* requests with trailing junk */
	uint64_t oack_tx;	/* OACKs sent (first time) */

	/* Transfers */
	uint64_t xfer_started, xfer_done;
	uint64_t xfer_timed_out;  /* retries exhausted */
	uint64_t xfer_peer_error; /* the client sent ERROR */
	uint64_t xfer_illegal;	  /* ERROR 4: illegal opcode on a TID */
	uint64_t xfer_read_error; /* ERROR 0: the file could not be read */
	uint64_t data_tx;	  /* DATA packets sent, all */
	uint64_t data_retx;	  /* ... of blocks sent before */
	uint64_t oack_retx;	  /* OACKs sent again */
	uint64_t bytes_tx;	  /* file bytes sent (first time only) */
	uint64_t timeouts;	  /* retransmission timer expiries */
	uint64_t ack_rx;	  /* ACKs that moved a window */
	uint64_t ack_dup;	  /* ignored: duplicate ACK */
	uint64_t ack_partial;	  /* ACK inside the window: resume after */
	uint64_t ack_stale;	  /* ignored: ACK outside the window */

	/* Drops and errors on the wire */
	uint64_t rx_short;	    /* drop: under 2 bytes */
	uint64_t rx_bad_opcode;	    /* ERROR 4: opcode not 1..6 */
	uint64_t rx_malformed;	    /* drop: truncated ACK/DATA/ERROR/OACK */
	uint64_t rx_bad_port;	    /* drop: from port 0 */
	uint64_t listen_not_req;    /* ERROR 4: DATA/ACK/OACK on port 69 */
	uint64_t listen_error;	    /* drop: ERROR on port 69 */
	uint64_t unknown_tid;	    /* ERROR 5: another sender on a TID */
	uint64_t unknown_tid_error; /* drop: an ERROR from another sender */
	uint64_t rx_no_xfer;	    /* drop: on a slot with no transfer */
	uint64_t tx_error;	    /* sends the environment refused */
};

/* One transfer (private; public for sizing). */
struct tftp_xfer {
	uint8_t state;	   /* XFER_FREE, XFER_OACK, XFER_DATA */
	bool fixed_rto;	   /* the client set the timeout */
	uint8_t oack;	   /* OPT_* bits acknowledged */
	uint8_t timeout_s; /* the timeout option's value */
	uint32_t peer;
	uint16_t peer_port;
	uint16_t port; /* our TID */
	uint32_t blksize, window;
	struct tftp_file file;
	uint64_t last;	   /* number of the final block */
	uint64_t acked;	   /* highest block acknowledged (0: none) */
	uint64_t next;	   /* next block to send */
	uint64_t sent_max; /* highest block ever sent */
	uint64_t deadline;
	uint64_t rto;
	uint32_t tries; /* retransmissions since the last progress */
};

struct tftp_server {
	struct tftp_stats stats;
	/* private */
	struct tftp_config cfg;
	const struct tftp_env_ops *ops;
	void *ctx;
	uint32_t active;
	struct tftp_xfer xfers[TFTP_MAX_TRANSFERS];
	char path[TFTP_PATH_MAX + 1];
	uint8_t buf[TFTP_HDR + TFTP_BLKSIZE_MAX];
};

/* Fills cfg with the defaults in the table above. */
void tftp_config_default(struct tftp_config *cfg);

/* Initialises srv with cfg (copied; NULL for the defaults) and the
 * environment ops/ctx. Returns 0 or -TERN_EINVAL (a value out of the ranges
 * above, timeout_ns 0 or above TFTP_TIMEOUT_MAX_NS, or an op missing). */
int tftp_server_init(struct tftp_server *srv, const struct tftp_config *cfg,
		     const struct tftp_env_ops *ops, void *ctx);

/* Processes one datagram buf[0..len) that arrived on slot's endpoint
 * (TFTP_LISTEN or a transfer slot) from src:sport at time now. Bad input
 * is counted and answered or dropped, never an error. */
void tftp_server_input(struct tftp_server *srv, unsigned slot, uint32_t src,
		       uint16_t sport, const void *buf, size_t len,
		       uint64_t now);

/* Runs the retransmission timers due at now and returns the next deadline
 * (TERN_NO_DEADLINE if no transfer is live). Harmless to call early. */
uint64_t tftp_server_timers(struct tftp_server *srv, uint64_t now);

/* The earliest deadline of any transfer (TERN_NO_DEADLINE if none). */
uint64_t tftp_server_next_deadline(const struct tftp_server *srv);

/* Transfers live now. */
static inline uint32_t tftp_server_active(const struct tftp_server *srv)
{
	return srv->active;
}

/* Ends every transfer silently and closes its endpoint (shutdown, tests). */
void tftp_server_abort_all(struct tftp_server *srv);

/* Cleans the requested name name[0..len) into out (cap bytes, NUL-
 * terminated): see "Paths". Returns the length (0: the root itself),
 * -TERN_ERANGE (".." leaves the root), -TERN_ENAMETOOLONG (does not fit
 * cap). */
int tftp_path_clean(const char *name, size_t len, char *out, size_t cap);

/* Calls fn(name, value, ctx) for every counter in declaration order
 * (names are the field names). */
void tftp_stats_foreach(const struct tftp_stats *st,
			void (*fn)(const char *name, uint64_t value, void *ctx),
			void *ctx);

/* The counter called name, or -TERN_ENOENT if there is none. For tests. */
int64_t tftp_stats_get(const struct tftp_stats *st, const char *name);

#endif
