/*
 * tcp_int.h - TCP's private structures and the interfaces between its
 * files, grouped by the file that defines them.
 *
 * Sequence space of a connection (RFC 9293 3.3.1):
 *
 *   snd_una          snd_nxt        snd_max      buf_seq + buf_len (+ FIN)
 *   |-- sent, unacked --|-- resent again --|-- queued, never sent --|
 *
 * The send ring holds the data bytes from buf_seq on (buf_seq is snd_una,
 * or iss + 1 while the SYN is unacknowledged). snd_nxt drops back to
 * snd_una on a timeout (go-back-N: the segments are cut from the ring
 * again); snd_max is the highest sequence ever sent.
 *
 * Received in-order data waits in rxq as packet buffers whose data starts
 * at the first unread byte; out-of-order segments wait in ooo sorted by
 * sequence number, their start in pkt->cb[0] and a FIN flag in cb[1].
 */
#ifndef TERN_TCP_INT_H
#define TERN_TCP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/list.h"
#include "tern/siphash.h"
#include "tern/tcp.h"
#include "tern/timer.h"

#include "net_int.h"

/* What the retransmission timer is doing (one timer, several jobs). */
enum tcp_timer_job {
	TJ_NONE,
	TJ_RTO,	       /* SYN, SYN-ACK, data or FIN in flight */
	TJ_TLP,	       /* data in flight: a tail-loss probe before the RTO */
	TJ_RACK,       /* data in flight: RACK's reordering timer (RFC 8985) */
	TJ_PERSIST,    /* nothing in flight, the window too small for what is
			  queued: probe a zero one, fill a small one */
	TJ_TIME_WAIT,  /* 2 * MSL */
	TJ_KEEPALIVE,  /* idle, nothing in flight, keepalive on */
	TJ_FIN_WAIT_2, /* released in FIN_WAIT_2: the peer's FIN is due */
};

struct tcp_cc_ops;

/* The smallest MSS we send with, whatever the peer or ICMP says: room
 * for 12 bytes of timestamps and 28 of SACK blocks, and some data. */
#define TCP_MIN_MSS 88

/* The most in-order segments one ACK covers inside a receive batch: 64 KiB
 * of 1448-byte ones, what Linux's GRO merges into one. */
#define TCP_STRETCH_SEGS 44

/* The RTO for data after a handshake that timed out without an RTT
 * sample (RFC 6298 5.7). */
#define TCP_RTO_FALLBACK_NS (3 * TERN_NSEC_PER_SEC)

/* Ranges the SACK scoreboard keeps per connection. */
#define TCP_SACK_SCORE 8

/* Transmissions RACK remembers per connection (tcp_rack.c). */
#define TCP_RACK_LOG 24

/* One range of the flight and when it was last sent (tcp_rack.c). */
struct tcp_rack_tx {
	uint64_t at;	/* ns */
	uint32_t order; /* sending order (one per entry) */
	uint32_t start, end;
	bool rexmit;
};

struct tern_tcp {
	struct tern_list link; /* hash bucket, listener list or free list */
	struct tern_list child_link; /* the listener's queues */
	struct tern_list ack_link;   /* on tcp_core.ack_due: an ACK waits for
					the receive batch's end */
	struct tern_net *net;
	struct tern_tcp *parent; /* listener, until accepted */
	enum tern_tcp_state state;
	bool in_use;
	bool user_closed; /* the handle was released */
	bool queued;	  /* established, on the parent's accept queue */
	bool nodelay;
	bool cork;	   /* tern_tcp_set_cork: only full segments */
	bool sws_override; /* the persist timer: fill a small window */
	bool fin_queued;   /* shutdown: FIN after the ring's data */
	bool fin_received; /* the peer's FIN is in rcv_nxt */
	bool ts_ok, sack_ok, ws_ok;
	bool ack_now;	  /* send an ACK on the next output */
	bool rtt_timing;  /* rtt_seq is being timed (no timestamps) */
	bool in_recovery; /* NewReno fast recovery */
	bool timed_out;	  /* an RTO fired once: ts_rexmit is set */
	bool tlp_out;	  /* a tail-loss probe is unanswered (tlp_high) */
	int error;

	uint32_t laddr, raddr;
	uint16_t lport, rport;
	struct ip_route rt;

	/* Send side. */
	uint32_t iss;
	uint32_t snd_una, snd_nxt, snd_max;
	uint32_t snd_sml;     /* end of the last short segment sent (Nagle) */
	uint32_t snd_wnd;     /* scaled */
	uint32_t snd_wnd_max; /* largest window seen (SWS avoidance) */
	uint32_t snd_wl1, snd_wl2;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss; /* full segment's payload: less timestamps, not SACK */
	uint16_t peer_mss; /* what the peer announced */
	uint8_t *buf;	   /* the send ring, cfg.tcp_sndbuf bytes */
	uint32_t buf_cap, buf_head, buf_len;
	uint32_t buf_seq; /* sequence number of the ring's first byte */

	/* Receive side. */
	uint32_t irs, rcv_nxt;
	uint32_t rcvbuf;  /* bytes the window may offer (<= cfg.tcp_rcvbuf) */
	uint32_t rcv_adv; /* right edge of the last window advertised */
	struct tern_list rxq;
	uint32_t rxq_bytes, rxq_pkts;
	struct tern_list ooo;
	uint32_t ooo_pkts, ooo_bytes;
	uint32_t sack_recent; /* start of the latest out-of-order arrival */
	uint32_t ts_recent;   /* the peer's last timestamp, for echo and PAWS */
	uint32_t ts_offset;   /* added to our ms clock in TSval */
	uint32_t ts_rexmit;   /* our TSval at the last timeout */
	uint8_t unacked_segs; /* segments received, not yet ACKed */

	/* Round-trip time (RFC 6298), in ns. */
	uint64_t srtt, rttvar, rto;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	uint8_t backoff;
	uint32_t retransmits;

	/* Congestion control. */
	const struct tcp_cc_ops *cc;
	struct {
		uint32_t w_max, w_last_max; /* bytes */
		uint32_t origin, w_est;	    /* bytes */
		uint32_t k_ms;
		uint64_t epoch; /* ns; 0 until the first ACK after a loss */
	} cubic;
	uint32_t cwnd, ssthresh;
	uint32_t dupacks;
	uint32_t recover; /* NewReno: snd_max when recovery began */

	/* SACK scoreboard (tcp_sack.c): what the peer holds above snd_una. */
	struct tern_tcp_sack_block sacked[TCP_SACK_SCORE];
	uint8_t n_sacked;
	uint32_t sacked_bytes;
	uint32_t high_rxt; /* RFC 6675 HighRxt: resent up to here */
	uint32_t tlp_high; /* snd_max when the last probe went */
	uint32_t rxt_mark; /* snd_max when snd_una was last resent */
	bool rxt_watch;	   /* ... and that resend is not yet known lost */

	/* RACK (tcp_rack.c, RFC 8985 6). */
	struct tcp_rack_tx rack_log[TCP_RACK_LOG]; /* in sending order */
	uint8_t rack_n;
	bool rack_off;	     /* tern_tcp_set_rack(c, false): no RACK-TLP */
	bool rack_reord;     /* reordering seen */
	bool rack_valid;     /* something was delivered: rack_at is set */
	uint64_t rack_at;    /* RACK.xmit_ts: newest delivered send, ns */
	uint32_t rack_order; /* ... its order in the log */
	uint32_t rack_next;  /* the next entry\'s order */
	uint32_t rack_end;   /* RACK.end_seq */
	uint64_t rack_rtt;   /* RACK.rtt, ns */
	uint64_t rack_min_rtt;
	uint32_t rack_fack;    /* highest byte known delivered */
	uint32_t rack_lost;    /* holes from high_rxt up to here are lost */
	uint32_t rack_counted; /* tcp_rack_losses counted up to here */

	/* Keepalive (off while ka_idle is 0). */
	uint64_t ka_idle, ka_interval; /* ns */
	uint32_t ka_probes, ka_sent;   /* probes allowed, sent unanswered */
	uint32_t persist_sent;	       /* zero-window probes sent unanswered */
	uint64_t last_rx;	       /* when the peer was last heard */

	/* Timers on the stack's wheel. */
	struct tern_timer timer; /* enum tcp_timer_job */
	enum tcp_timer_job job;
	struct tern_timer delack;

	/* Challenge ACKs sent in the current second (RFC 5961 7). */
	uint64_t challenge_epoch;
	uint32_t challenges;

	/* Listener only. */
	struct tern_list syn_q, accept_q;
	uint32_t syn_len, accept_len, backlog;
	uint64_t cookie_until; /* SYN cookies sent lately: check ACKs */

	tern_tcp_notify_fn notify;
	void *notify_ctx;
};

/* The stack's TCP part (net->tcp), allocated at tern_net_init. */
/* A connection in TIME_WAIT whose handle was released, reduced to what
 * TIME_WAIT needs (tcp_tw.c): its 4-tuple, where both sequence spaces
 * stand, the timestamps to echo and judge a new SYN by, and when 2 MSL
 * ends. */
struct tcp_tw {
	struct tern_list link; /* hash bucket, or the free list */
	struct tern_list age;  /* the table's entries by expiry */
	uint64_t expires;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t snd_nxt, rcv_nxt;
	uint32_t ts_recent, ts_offset;
	uint16_t win; /* the window field of our ACKs, scaled */
	bool ts_ok;
};

struct tcp_core {
	struct tern_tcp *conns;
	uint8_t *rings;
	size_t conns_size, rings_size;
	uint32_t n_conns, in_use;
	struct tern_list free;
	struct tern_list listeners;
	struct tern_list ack_due; /* connections owing an ACK at batch end */
	uint32_t hash_mask;
	struct tern_list *hash; /* by 4-tuple, keyed with hash_key */
	size_t hash_size;
	struct tern_siphash_key hash_key, isn_key, cookie_key;
	/* The TIME_WAIT table (tcp_tw.c). */
	struct tcp_tw *tw;
	struct tern_list *tw_hash;
	size_t tw_size, tw_hash_size;
	uint32_t n_tw, tw_in_use, tw_hash_mask;
	struct tern_list tw_free, tw_age;
	struct tern_timer tw_timer;
};

/* A parsed segment, as tcp_input hands it around. */
struct tcp_seg {
	struct tern_tcp_hdr h;
	struct tern_tcp_opts o;
	uint32_t src, dst;
	uint32_t seq, end; /* end = seq + payload + SYN + FIN */
	uint32_t len;	   /* payload bytes */
	uint32_t wnd;	   /* the header's window, not yet scaled */
	bool has_opts_ts;
};

/* Our timestamp clock (RFC 7323): milliseconds, offset per connection. */
static inline uint32_t tcp_ts_now(const struct tern_tcp *c)
{
	return (uint32_t)(c->net->now / TERN_NSEC_PER_MSEC) + c->ts_offset;
}

/* ---- tcp.c -------------------------------------------------------------- */

/* Sets up net->tcp from net->cfg; returns 0 or -TERN_ENOMEM. */
int tcp_init(struct tern_net *net);

/* Frees net->tcp (every handle must be released: asserted). */
void tcp_fini(struct tern_net *net);

/* Sends the ACKs that in-order segments of the receive batch now ending
 * left owing (tcp_input.c, ack_every_second), one per connection, unless
 * one went out since. Called by tern_net_batch_end inside the batch. */
void tcp_batch_end(struct tern_net *net);

/* The connection for a segment's 4-tuple, or NULL. */
struct tern_tcp *tcp_lookup(struct tern_net *net, uint32_t laddr,
			    uint16_t lport, uint32_t raddr, uint16_t rport);

/* The listener for laddr:lport (an exact address before a wildcard), or
 * NULL. */
struct tern_tcp *tcp_lookup_listener(struct tern_net *net, uint32_t laddr,
				     uint16_t lport);

/* A connection from the pool, cleared, with its ring and timers ready;
 * NULL if none (counted). */
struct tern_tcp *tcp_conn_alloc(struct tern_net *net);

/* Sets the 4-tuple of c and puts it in the hash. */
void tcp_conn_hash(struct tern_tcp *c, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport);

/* Moves c to CLOSED: cancels its timers, frees its queues, takes it out of
 * the hash, records err (0 for a clean end), notifies; frees it if the
 * handle was released. */
void tcp_conn_done(struct tern_tcp *c, int err);

/* Calls c's notify hook with events, if it has one. */
void tcp_notify(struct tern_tcp *c, unsigned events);

/* The ISN for a 4-tuple at time now (RFC 6528). */
uint32_t tcp_isn(struct tern_net *net, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now);

/* Prepares the per-connection defaults that a new connection (active or
 * passive) starts from: windows, RTO, congestion control. */
void tcp_conn_defaults(struct tern_tcp *c);

/* ---- tcp_tw.c ----------------------------------------------------------- */

/* Allocates the TIME_WAIT table for net->cfg; 0 or -TERN_ENOMEM. */
int tcp_tw_init(struct tern_net *net);

/* Frees the table (what is in it is dropped). */
void tcp_tw_fini(struct tern_net *net);

/* Moves c - in TIME_WAIT, its handle released - into the table (cutting
 * the oldest entry short if it is full: tcp_tw_evicted) and frees c. */
void tcp_tw_enter(struct tern_tcp *c);

/* The entry for a 4-tuple, or NULL. */
struct tcp_tw *tcp_tw_lookup(struct tern_net *net, uint32_t laddr,
			     uint16_t lport, uint32_t raddr, uint16_t rport);

/* A segment for entry tw: returns true (tw freed) if it is a SYN that may
 * open a new connection over it (RFC 6191), for the listener to take;
 * else answers as TIME_WAIT does (an ACK, a FIN re-acked with 2 MSL
 * again, a RST ignored per RFC 1337) and returns false. */
bool tcp_tw_input(struct tern_net *net, struct tcp_tw *tw,
		  const struct ip_rx *rx, const struct tcp_seg *seg);

/* ---- tcp_input.c -------------------------------------------------------- */

void tcp_input(struct ip_rx *rx, struct tern_pkt *pkt);

/* An ICMP error quoting a segment we sent (RFC 5927 checks). */
void tcp_icmp_error(struct tern_net *net, uint32_t src, uint32_t dst,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint8_t type,
		    uint8_t code, uint16_t mtu);

/* Starts loss recovery (RFC 6675 with SACK) if a loss may start one now:
 * not again for losses of the window the last one covered. */
void tcp_start_recovery(struct tern_tcp *c);

/* ---- tcp_output.c ------------------------------------------------------- */

/* Sends what the windows, Nagle and the flags allow, then any ACK that is
 * due; arms the retransmission or persist timer as needed. */
void tcp_output(struct tern_tcp *c);

/* Sends the segment in pkt (data at its TCP header) from src to dst with
 * DF set, counting it (and an RST); consumes pkt. */
int tcp_ip_send(struct tern_net *net, const struct ip_route *rt, uint32_t src,
		uint32_t dst, uint8_t flags, struct tern_pkt *pkt);

/* Sends one segment: flags, the data [seq, seq + len) from the ring, the
 * options for the flags (SYN: MSS, SACK-permitted, timestamps, window
 * scale; else timestamps and SACK blocks). Counts retransmissions (seq
 * below snd_max). Returns 0 or a negative error (no buffer, no route). */
int tcp_send_segment(struct tern_tcp *c, uint8_t flags, uint32_t seq,
		     uint32_t len);

/* Payload bytes a data segment may carry now: c->mss less the SACK
 * blocks that would ride with it, so that no segment outgrows the MTU. */
uint32_t tcp_send_mss(struct tern_tcp *c);

/* Sends a pure ACK now (cancels a pending delayed ACK). */
void tcp_send_ack(struct tern_tcp *c);

/* A rate-limited challenge ACK (RFC 5961 7). */
void tcp_send_challenge_ack(struct tern_tcp *c);

/* Answers the segment seg (which matched no connection, or hit one that
 * must reset it) with an RST, per RFC 9293 3.10.7.1; never answers an RST. */
void tcp_send_reset(struct tern_net *net, const struct ip_rx *rx,
		    const struct tcp_seg *seg);

/* Sends an RST for c's current sequence numbers (abort). */
void tcp_send_rst_for(struct tern_tcp *c);

/* The window to advertise now, in bytes (receiver SWS avoidance; the
 * right edge never moves left). */
uint32_t tcp_rcv_window(struct tern_tcp *c);

/* Bytes in flight (snd_nxt - snd_una without SYN and FIN flags). */
uint32_t tcp_in_flight(const struct tern_tcp *c);

/* Sends one new data segment at snd_nxt if the peer's window has room,
 * ignoring cwnd (SACK recovery gates with pipe): full-sized unless the
 * data ends, with the FIN if it is queued after it. Returns the sequence
 * space sent (0: nothing). */
uint32_t tcp_output_new_segment(struct tern_tcp *c);

/* ---- tcp_sack.c --------------------------------------------------------- */

/* Forgets the scoreboard (a timeout: the peer may have reneged). */
void tcp_sack_clear(struct tern_tcp *c);

/* Takes the SACK blocks of an ACK into the scoreboard (blocks outside
 * (snd_una, snd_max] are counted in tcp_sack_ignored). Returns true if
 * they reported new data. */
bool tcp_sack_update(struct tern_tcp *c, const struct tern_tcp_opts *o);

/* Drops what snd_una passed. */
void tcp_sack_prune(struct tern_tcp *c);

/* RFC 6675 IsLost(snd_una): more than 2 MSS reported above the first
 * hole. */
bool tcp_sack_lost(const struct tern_tcp *c);

/* After an ACK: a resend of snd_una is lost once more than 2 MSS sent
 * after it were reported while snd_una stayed (the lost-retransmission
 * rule of Linux's old tcp_mark_lost_retrans); NextSeg then sends it
 * again. */
void tcp_sack_check_resend(struct tern_tcp *c);

/* RFC 6675 SetPipe: bytes still in the network. */
uint32_t tcp_sack_pipe(const struct tern_tcp *c);

/* Starts SACK recovery (ssthresh already set): cwnd = ssthresh, resends
 * the first hole, then what pipe allows. */
void tcp_sack_enter_recovery(struct tern_tcp *c);

/* In SACK recovery: sends lost holes, new data, then other holes, while
 * pipe is under cwnd (RFC 6675 NextSeg). */
void tcp_sack_output(struct tern_tcp *c);

/* ---- tcp_rack.c --------------------------------------------------------- */

/* True if RACK-TLP drives c's loss detection: SACK negotiated and not
 * turned off; else RFC 6675's DupThresh rules and no probes. */
bool tcp_rack_enabled(const struct tern_tcp *c);

/* Forgets the transmission log (a timeout: go-back-N resends it all). */
void tcp_rack_clear(struct tern_tcp *c);

/* Logs that [seq, end) (data, or a FIN) was sent now; rexmit if it had
 * been sent before. */
void tcp_rack_sent(struct tern_tcp *c, uint32_t seq, uint32_t end, bool rexmit);

/* After an ACK (snd_una moved from old_una, the scoreboard updated):
 * takes what it delivered into RACK's state, notes reordering, drops the
 * log's acknowledged entries. */
void tcp_rack_ack(struct tern_tcp *c, uint32_t old_una);

/* Marks what is lost now (rack_lost, and high_rxt back to a lost
 * resend; counted in tcp_rack_losses) and (re)arms the reordering timer
 * for what may be soon. Returns true if some hole is lost. */
bool tcp_rack_detect(struct tern_tcp *c);

/* ---- tcp_cookie.c ------------------------------------------------------ */

/* Answers seg (a SYN to the full listener l) with a SYN-ACK whose ISN is a
 * cookie; keeps no state. */
void tcp_cookie_send_synack(struct tern_tcp *l, const struct ip_rx *rx,
			    const struct tcp_seg *seg);

/* If seg (an ACK to listener l, no connection) carries a good cookie,
 * opens the connection it stands for (ESTABLISHED, on l's accept queue)
 * and returns it; else NULL (a bad one counted in tcp_syncookies_bad). */
struct tern_tcp *tcp_cookie_open(struct tern_tcp *l, const struct ip_rx *rx,
				 const struct tcp_seg *seg);

/* ---- tcp_timer.c -------------------------------------------------------- */

/* (Re)arms c's timer for job at deadline; TJ_NONE cancels. */
void tcp_timer_set(struct tern_tcp *c, enum tcp_timer_job job,
		   uint64_t deadline);

/* Arms the RTO if something is in flight and it is not armed; cancels it
 * when nothing is. */
void tcp_timer_rto_check(struct tern_tcp *c);

/* The current timeout, backoff included (at most cfg.tcp_rto_max_ns). */
uint64_t tcp_rto_now(const struct tern_tcp *c);

/* Feeds one RTT sample (ns) into srtt, rttvar and rto (RFC 6298 2). */
void tcp_rtt_sample(struct tern_tcp *c, uint64_t rtt);

/* Called as the handshake completes: if our SYN or SYN-ACK timed out and
 * no RTT was measured, the RTO becomes at least TCP_RTO_FALLBACK_NS
 * (RFC 6298 5.7). */
void tcp_rto_after_handshake(struct tern_tcp *c);

/* The delayed-ACK timer: arm if not armed. */
void tcp_delack_arm(struct tern_tcp *c);

/* Enters TIME_WAIT (2 * MSL). */
void tcp_enter_time_wait(struct tern_tcp *c);

/* Gives a released connection in FIN_WAIT_2 cfg.tcp_fin_wait2_ns for the
 * peer's FIN; does nothing to one still held or in another state. */
void tcp_fin_wait2_check(struct tern_tcp *c);

/* Timer callbacks (tern_timer_init). */
void tcp_timer_fired(struct tern_timer *t, uint64_t now);
void tcp_delack_fired(struct tern_timer *t, uint64_t now);

/* ---- tcp_newreno.c, tcp_cubic.c ----------------------------------------- */

/* RFC 6928's initial window: min(10 MSS, max(2 MSS, 14600 bytes)). */
static inline uint32_t tcp_initial_window(const struct tern_tcp *c)
{
	return TERN_MIN(10u * c->mss, TERN_MAX(2u * c->mss, 14600u));
}

/* A congestion controller (per connection). All sizes in bytes. */
struct tcp_cc_ops {
	const char *name;
	/* New connection: set cwnd and ssthresh. */
	void (*init)(struct tern_tcp *c);
	/* acked bytes newly acknowledged outside recovery. */
	void (*on_ack)(struct tern_tcp *c, uint32_t acked);
	/* Third duplicate ACK: enter recovery (ssthresh, cwnd). */
	void (*on_loss)(struct tern_tcp *c);
	/* The retransmission timer fired. */
	void (*on_timeout)(struct tern_tcp *c);
};

extern const struct tcp_cc_ops tcp_newreno;
extern const struct tcp_cc_ops tcp_cubic; /* tcp_cubic.c, the default */

#endif
