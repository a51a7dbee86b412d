/*
 * test_tcp.c - the TCP core against a scripted peer: stack A on a
 * tnet_dev, and the test playing B segment by segment on explicit time.
 * Handshakes both ways and their options, data with delayed and immediate
 * ACKs, out-of-order data and SACK blocks, the RFC 5961 checks, PAWS,
 * every close sequence with TIME_WAIT, the retransmission timer with its
 * backoff and give-up, fast retransmit, zero-window probes, resets to
 * stray segments, and the drop counters.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/tcp.h"
#include "util_net.h"

#define A_PORT 80
#define B_PORT 40000
#define B_ISN 1000000u
#define MSEC TERN_NSEC_PER_MSEC

/* What the peer knows and sends. */
struct peer {
	struct tnet *t;
	uint32_t seq; /* B's next sequence number */
	uint32_t ack; /* what B acknowledges (A's next) */
	uint16_t win;
	uint16_t port; /* B's port */
	bool ts;       /* B sends timestamps */
	bool no_sack;  /* B's SYN does not offer SACK */
	uint32_t ts_val, ts_ecr;
};

/* One segment A sent, parsed. */
struct seen {
	struct tern_tcp_hdr h;
	struct tern_tcp_opts o;
	const uint8_t *data;
	size_t len;
};

/* A peer for a stack configured by cfg (its seed and ARP lifetime are
 * set here). */
static struct peer peer_new_cfg(struct tern_net_config *cfg)
{
	struct peer p;

	/* ARP entries outlive the longest test: B never answers ARP. */
	cfg->seed = 1;
	cfg->arp_timeout_ns = 100000 * TERN_NSEC_PER_SEC;
	memset(&p, 0, sizeof(p));
	p.t = tnet_new(cfg, TNET_A_IP, 0);
	tnet_learn_peers(p.t);
	p.seq = B_ISN;
	p.win = 65535;
	p.port = B_PORT;
	p.ts = true;
	p.ts_val = 5000;
	return p;
}

static struct peer peer_new(void)
{
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	return peer_new_cfg(&cfg);
}

/* B sends a segment with flags, payload and (on a SYN) options. */
static void peer_send_opts(struct peer *p, uint8_t flags, const void *data,
			   size_t len, const struct tern_tcp_opts *o)
{
	uint8_t seg[1600], frame[1700];
	struct tern_tcp_hdr h;
	size_t olen = o ? tern_tcp_opts_len(o, flags & TERN_TCP_SYN) : 0;

	memset(&h, 0, sizeof(h));
	h.sport = p->port;
	h.dport = A_PORT;
	h.seq = p->seq;
	h.ack = (flags & TERN_TCP_ACK) ? p->ack : 0;
	h.hlen = (uint8_t)(TERN_TCP_HLEN + olen);
	h.flags = flags;
	h.win = p->win;
	tern_tcp_hdr_emit(&h, seg);
	if (o)
		tern_tcp_opts_emit(o, flags & TERN_TCP_SYN,
				   seg + TERN_TCP_HLEN);
	if (len)
		memcpy(seg + h.hlen, data, len);
	tern_store_be16(seg + 16, tern_tcp_cksum(TNET_B_IP, TNET_A_IP, seg,
						 h.hlen + len, NULL, 0));
	tnet_input(p->t, frame,
		   tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP,
			     TNET_A_IP, TERN_IPPROTO_TCP, 1, 0, false, seg,
			     h.hlen + len));
}

/* B sends flags and data with its usual options (timestamps if on). */
static void peer_send(struct peer *p, uint8_t flags, const void *data,
		      size_t len)
{
	struct tern_tcp_opts o;

	memset(&o, 0, sizeof(o));
	if (p->ts) {
		o.present = TERN_TCP_HAS_TS;
		o.ts_val = p->ts_val;
		o.ts_ecr = p->ts_ecr;
	}
	peer_send_opts(p, flags, data, len, p->ts ? &o : NULL);
}

/* A Linux-like SYN from B. */
static void peer_syn(struct peer *p)
{
	struct tern_tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
		    (p->no_sack ? 0 : TERN_TCP_HAS_SACK_OK) |
		    (p->ts ? TERN_TCP_HAS_TS : 0);
	o.mss = 1460;
	o.wscale = 7;
	o.ts_val = p->ts_val;
	peer_send_opts(p, TERN_TCP_SYN, NULL, 0, &o);
}

/* Frame number of A's TCP segment i since the last clear (ARP and other
 * frames are skipped), or -1 if there are not that many. */
static int tcp_frame(const struct peer *p, unsigned i)
{
	for (unsigned f = 0; f < p->t->dev.nsent; f++) {
		struct tern_eth_hdr eth;
		struct tern_ipv4_hdr ip;
		const uint8_t *l4;
		size_t l4len;

		if (tnet_sent_ipv4(&p->t->dev, f, &eth, &ip, &l4, &l4len) &&
		    ip.proto == TERN_IPPROTO_TCP && i-- == 0)
			return (int)f;
	}
	return -1;
}

/* Number of TCP segments A sent since the last clear. */
static unsigned sent_count(const struct peer *p)
{
	unsigned n = 0;

	while (tcp_frame(p, n) >= 0)
		n++;
	return n;
}

/* Parses A's TCP segment i; tracks its timestamp for B's echo. */
static struct seen sent_seg(struct peer *p, unsigned i)
{
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	const uint8_t *l4;
	size_t l4len;
	enum tern_wire_bad why;
	struct seen s;
	int f = tcp_frame(p, i);

	cr_assert_geq(f, 0, "A sent %u segments, wanted #%u", sent_count(p), i);
	cr_assert(tnet_sent_ipv4(&p->t->dev, (unsigned)f, &eth, &ip, &l4,
				 &l4len));
	cr_assert(ip.df, "TCP segments go out with DF");
	cr_assert_eq(tern_tcp_hdr_parse(l4, l4len, ip.src, ip.dst, &s.h, true,
					&why),
		     0, "A sent a bad segment: %s", tern_wire_bad_name(why));
	cr_assert_geq(tern_tcp_opts_parse(l4 + TERN_TCP_HLEN,
					  s.h.hlen - TERN_TCP_HLEN, &s.o),
		      0);
	s.data = l4 + s.h.hlen;
	s.len = l4len - s.h.hlen;
	if (s.o.present & TERN_TCP_HAS_TS)
		p->ts_ecr = s.o.ts_val;
	return s;
}

static struct seen last_seg(struct peer *p)
{
	unsigned n = sent_count(p);

	cr_assert_gt(n, 0, "A sent nothing");
	return sent_seg(p, n - 1);
}

static void clear(struct peer *p)
{
	tnet_dev_clear(&p->t->dev);
}

/* Advances the clock by ns and runs the stack's timers. */
static void advance(struct peer *p, uint64_t ns)
{
	uint64_t end = p->t->now + ns;

	for (;;) {
		uint64_t d = tern_net_next_deadline(&p->t->net);

		if (d > end)
			break;
		if (d > p->t->now)
			p->t->now = d;
		tern_net_timers(&p->t->net, p->t->now);
	}
	p->t->now = end;
	tern_net_timers(&p->t->net, p->t->now);
}

/* Passive open: listen, B's SYN, A's SYN-ACK, B's ACK, accept. */
static struct tern_tcp *open_passive(struct peer *p, struct tern_tcp **lis)
{
	struct tern_tcp *c;
	struct seen s;

	cr_assert_eq(tern_tcp_listen(&p->t->net, 0, A_PORT, 8, lis), 0);
	peer_syn(p);
	s = last_seg(p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.h.ack, B_ISN + 1);
	p->seq = B_ISN + 1;
	p->ack = s.h.seq + 1;
	p->ts_val++;
	peer_send(p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_accept(*lis, &c), 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	clear(p);
	return c;
}

static void finish(struct peer *p, struct tern_tcp *c, struct tern_tcp *l)
{
	if (c)
		tern_tcp_abort(c, p->t->now);
	if (l)
		tern_tcp_close(l, p->t->now);
	advance(p, 200 * TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_tcp_conns_in_use(&p->t->net), 0);
	cr_assert_eq(tern_tcp_time_wait_count(&p->t->net), 0);
	tnet_free(p->t);
}

/* ---- Handshakes --------------------------------------------------------- */

Test(tcp, passive_open_negotiates_options)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_info info;
	struct seen s;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	cr_assert_eq(tern_tcp_accept(l, &c), -TERN_EAGAIN);
	peer_syn(&p);
	cr_assert_eq(sent_count(&p), 1);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.h.sport, A_PORT);
	cr_assert_eq(s.h.dport, B_PORT);
	cr_assert_eq(s.h.ack, B_ISN + 1);
	cr_assert(s.o.present & TERN_TCP_HAS_MSS);
	cr_assert_eq(s.o.mss, 1460, "MSS from the MTU: %u", s.o.mss);
	cr_assert(s.o.present & TERN_TCP_HAS_SACK_OK);
	cr_assert(s.o.present & TERN_TCP_HAS_WSCALE);
	cr_assert(s.o.present & TERN_TCP_HAS_TS);
	cr_assert_eq(s.o.ts_ecr, 5000, "echoes B's TSval");
	/* Not accepted before the handshake completes. */
	cr_assert_eq(tern_tcp_accept(l, &c), -TERN_EAGAIN);
	p.seq = B_ISN + 1;
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_accept(l, &c), 0);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.state, TERN_TCP_ESTABLISHED);
	cr_assert(info.ts && info.sack);
	cr_assert_eq(info.snd_wscale, 7);
	cr_assert_eq(info.mss, 1460 - 12, "MSS less the timestamp option");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_passive_opens"), 1);
	finish(&p, c, l);
}

Test(tcp, tiny_peer_mss_is_held_to_a_floor)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_info info;
	struct tern_tcp_opts o;
	struct seen s;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_TS;
	o.mss = 1; /* found by fuzz_tcp: every byte a segment, no room */
	o.ts_val = p.ts_val;
	peer_send_opts(&p, TERN_TCP_SYN, NULL, 0, &o);
	s = last_seg(&p);
	p.seq++;
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_accept(l, &c), 0);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.mss, 88 - 12, "the 88-byte floor less timestamps");
	finish(&p, c, l);
}

Test(tcp, passive_open_without_options)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_info info;
	struct seen s;

	p.ts = false;
	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	peer_send_opts(&p, TERN_TCP_SYN, NULL, 0, NULL);
	s = last_seg(&p);
	/* A SYN-ACK carries only MSS when the SYN offered nothing. */
	cr_assert_eq(s.o.present, TERN_TCP_HAS_MSS);
	p.seq++;
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_accept(l, &c), 0);
	tern_tcp_get_info(c, &info);
	cr_assert(!info.ts && !info.sack);
	cr_assert_eq(info.snd_wscale, 0);
	cr_assert_eq(info.rcv_wscale, 0);
	cr_assert_eq(info.mss, 536, "RFC 9293's default MSS");
	finish(&p, c, l);
}

/* Regression (packetdrill syn_data_queued): data on a SYN was dropped
 * and only the SYN acknowledged; RFC 9293 3.10.7.2 queues it, to be read
 * once the connection is established. */
Test(tcp, data_on_a_syn_is_kept_and_read_once_established)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_opts o;
	char buf[32];
	struct seen s;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_SACK_OK | TERN_TCP_HAS_TS;
	o.mss = 1460;
	o.ts_val = p.ts_val;
	peer_send_opts(&p, TERN_TCP_SYN, "early data", 10, &o);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.h.ack, B_ISN + 1 + 10, "the SYN-ACK covers the data");
	cr_assert_eq(tern_tcp_accept(l, &c), -TERN_EAGAIN,
		     "not before the ACK");
	p.seq = B_ISN + 11;
	p.ack = s.h.seq + 1;
	p.ts_val++;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_accept(l, &c), 0);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 10);
	cr_assert_eq(memcmp(buf, "early data", 10), 0);
	finish(&p, c, l);
}

Test(tcp, active_open)
{
	struct peer p = peer_new();
	struct tern_tcp *c;
	struct tern_tcp_opts o;
	struct seen s;
	uint16_t lport;

	cr_assert_eq(tern_tcp_connect(&p.t->net, TNET_B_IP, B_PORT, p.t->now,
				      &c),
		     0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_SYN_SENT);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN);
	cr_assert_eq(s.h.dport, B_PORT);
	cr_assert_geq(s.h.sport, 49152, "an ephemeral port");
	tern_tcp_endpoints(c, NULL, &lport, NULL, NULL);
	cr_assert_eq(lport, s.h.sport);
	cr_assert(s.o.present & TERN_TCP_HAS_TS);
	cr_assert_eq(s.o.ts_ecr, 0);
	/* B answers from its own port 40000 to A's: swap in the test. */
	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_TS;
	o.mss = 1000;
	o.ts_val = 7;
	o.ts_ecr = s.o.ts_val;
	{
		uint8_t seg[64], frame[128];
		struct tern_tcp_hdr h;
		size_t olen = tern_tcp_opts_len(&o, true);

		memset(&h, 0, sizeof(h));
		h.sport = B_PORT;
		h.dport = s.h.sport;
		h.seq = B_ISN;
		h.ack = s.h.seq + 1;
		h.hlen = (uint8_t)(TERN_TCP_HLEN + olen);
		h.flags = TERN_TCP_SYN | TERN_TCP_ACK;
		h.win = 30000;
		tern_tcp_hdr_emit(&h, seg);
		tern_tcp_opts_emit(&o, true, seg + TERN_TCP_HLEN);
		tern_store_be16(seg + 16, tern_tcp_cksum(TNET_B_IP, TNET_A_IP,
							 seg, h.hlen, NULL, 0));
		clear(&p);
		tnet_input(p.t, frame,
			   tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP,
				     TNET_A_IP, TERN_IPPROTO_TCP, 1, 0, false,
				     seg, h.hlen));
	}
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_ACK);
	cr_assert_eq(s.h.ack, B_ISN + 1);
	cr_assert_eq(s.o.ts_ecr, 7);
	{
		struct tern_tcp_info info;

		tern_tcp_get_info(c, &info);
		cr_assert_eq(info.mss, 1000 - 12, "the peer's MSS, less TS");
		cr_assert_eq(info.snd_wnd, 30000);
		cr_assert(info.ts && !info.sack);
	}
	finish(&p, c, NULL);
}

Test(tcp, connect_refused_by_rst)
{
	struct peer p = peer_new();
	struct tern_tcp *c;
	struct seen s;

	cr_assert_eq(tern_tcp_connect(&p.t->net, TNET_B_IP, B_PORT, p.t->now,
				      &c),
		     0);
	s = last_seg(&p);
	{
		uint8_t seg[20], frame[128];
		struct tern_tcp_hdr h;

		memset(&h, 0, sizeof(h));
		h.sport = B_PORT;
		h.dport = s.h.sport;
		h.ack = s.h.seq + 1;
		h.hlen = TERN_TCP_HLEN;
		h.flags = TERN_TCP_RST | TERN_TCP_ACK;
		tern_tcp_hdr_emit(&h, seg);
		tern_store_be16(seg + 16, tern_tcp_cksum(TNET_B_IP, TNET_A_IP,
							 seg, 20, NULL, 0));
		tnet_input(p.t, frame,
			   tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP,
				     TNET_A_IP, TERN_IPPROTO_TCP, 1, 0, false,
				     seg, 20));
	}
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_CLOSED);
	cr_assert_eq(tern_tcp_error(c), -TERN_ECONNREFUSED);
	cr_assert_eq(tern_tcp_send(c, "x", 1, p.t->now), -TERN_ECONNREFUSED);
	tern_tcp_close(c, p.t->now);
	finish(&p, NULL, NULL);
}

Test(tcp, syn_retransmitted_with_backoff_then_times_out)
{
	struct peer p = peer_new();
	struct tern_tcp *c;
	uint64_t t0 = p.t->now;

	cr_assert_eq(tern_tcp_connect(&p.t->net, TNET_B_IP, B_PORT, p.t->now,
				      &c),
		     0);
	cr_assert_eq(sent_count(&p), 1);
	advance(&p, 999 * MSEC);
	cr_assert_eq(sent_count(&p), 1, "nothing before the 1 s RTO");
	advance(&p, 1 * MSEC);
	cr_assert_eq(sent_count(&p), 2, "SYN again at 1 s");
	advance(&p, 1999 * MSEC);
	cr_assert_eq(sent_count(&p), 2);
	advance(&p, 1 * MSEC);
	cr_assert_eq(sent_count(&p), 3, "then at +2 s (backoff)");
	cr_assert_eq(sent_seg(&p, 2).h.flags, TERN_TCP_SYN);
	/* 1 + 2 + 4 + 8 + 16 + 32 s, then the seventh timeout gives up. */
	advance(&p, 200 * TERN_NSEC_PER_SEC);
	cr_assert_eq(sent_count(&p), 7, "SYN and 6 retries: %u",
		     sent_count(&p));
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_CLOSED);
	cr_assert_eq(tern_tcp_error(c), -TERN_ETIMEDOUT);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_timeouts"), 1);
	(void)t0;
	tern_tcp_close(c, p.t->now);
	finish(&p, NULL, NULL);
}

/* ---- Stray segments ----------------------------------------------------- */

Test(tcp, no_listener_answers_with_rst)
{
	struct peer p = peer_new();
	struct seen s;

	peer_syn(&p);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_RST | TERN_TCP_ACK);
	cr_assert_eq(s.h.seq, 0);
	cr_assert_eq(s.h.ack, B_ISN + 1, "acks the SYN");
	clear(&p);
	p.ack = 777;
	peer_send(&p, TERN_TCP_ACK, "hi", 2);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_RST, "an ACK gets RST seq=ack");
	cr_assert_eq(s.h.seq, 777);
	clear(&p);
	peer_send(&p, TERN_TCP_RST, NULL, 0);
	cr_assert_eq(sent_count(&p), 0, "never an RST for an RST");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_no_port"), 3);
	finish(&p, NULL, NULL);
}

Test(tcp, bad_flag_sets_are_dropped_silently)
{
	struct peer p = peer_new();
	struct tern_tcp *l;
	const uint8_t bad[] = { TERN_TCP_SYN | TERN_TCP_FIN,
				TERN_TCP_SYN | TERN_TCP_RST, 0,
				TERN_TCP_PSH | TERN_TCP_URG };

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	for (unsigned i = 0; i < sizeof(bad); i++)
		peer_send(&p, bad[i], NULL, 0);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_flags"), sizeof(bad));
	finish(&p, NULL, l);
}

Test(tcp, bad_checksum_is_counted)
{
	struct peer p = peer_new();
	uint8_t seg[20], frame[128];
	struct tern_tcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.sport = B_PORT;
	h.dport = A_PORT;
	h.hlen = TERN_TCP_HLEN;
	h.flags = TERN_TCP_SYN;
	h.cksum = 0x1234;
	tern_tcp_hdr_emit(&h, seg);
	tnet_input(p.t, frame,
		   tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP,
			     TNET_A_IP, TERN_IPPROTO_TCP, 1, 0, false, seg,
			     20));
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_cksum"), 1);
	finish(&p, NULL, NULL);
}

/* A segment whose checksum the device vouched for (TERN_RX_CSUM_VALID)
 * is taken whatever its checksum field holds; without the flag the same
 * bytes are dropped. Only the checksum is skipped: lengths still count. */
Test(tcp, csum_valid_flag_skips_only_the_checksum)
{
	struct peer p = peer_new();
	uint8_t seg[20], frame[128];
	struct tern_tcp_hdr h;
	struct tern_tcp *l;
	struct seen s;
	size_t n;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 8, &l), 0);
	memset(&h, 0, sizeof(h));
	h.sport = B_PORT;
	h.dport = A_PORT;
	h.seq = B_ISN;
	h.hlen = TERN_TCP_HLEN;
	h.flags = TERN_TCP_SYN;
	h.win = 65535;
	h.cksum = 0x1234; /* wrong */
	tern_tcp_hdr_emit(&h, seg);
	n = tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_TCP, 1, 0, false, seg, 20);
	tnet_input(p.t, frame, n);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_cksum"), 1);

	tnet_input_flags(p.t, frame, n, TERN_RX_CSUM_VALID);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_cksum"), 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rx_csum_skipped"), 1);
	cr_assert_eq(sent_count(&p), 1);
	s = sent_seg(&p, 0);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.h.ack, B_ISN + 1);

	/* A data offset past the segment is still caught. */
	frame[TERN_ETH_HLEN + TERN_IPV4_HLEN + 12] = 0x60;
	tnet_input_flags(p.t, frame, n, TERN_RX_CSUM_VALID);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_hlen"), 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rx_csum_skipped"), 1);
	finish(&p, NULL, l);
}

/* ---- Data --------------------------------------------------------------- */

Test(tcp, receive_in_order_with_delayed_ack)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint8_t data[1448], buf[4000];

	memset(data, 'x', sizeof(data));
	peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
	p.seq += sizeof(data);
	cr_assert_eq(sent_count(&p), 0, "one segment: the ACK waits");
	cr_assert_eq(tern_tcp_readable(c), sizeof(data));
	peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
	p.seq += sizeof(data);
	cr_assert_eq(sent_count(&p), 1, "every second segment is acked");
	cr_assert_eq(last_seg(&p).h.ack, p.seq);
	clear(&p);
	peer_send(&p, TERN_TCP_ACK | TERN_TCP_PSH, "abc", 3);
	p.seq += 3;
	cr_assert_eq(sent_count(&p), 0);
	advance(&p, 40 * MSEC);
	cr_assert_eq(sent_count(&p), 1, "the delayed-ACK timer");
	cr_assert_eq(last_seg(&p).h.ack, p.seq);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now),
		     2 * 1448 + 3);
	cr_assert_eq(memcmp(buf + 2 * 1448, "abc", 3), 0);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now),
		     -TERN_EAGAIN);
	finish(&p, c, l);
}

/* Inside a receive batch (the fiber loop wraps each in one) in-order
 * segments draw one ACK at the batch's end, or one per TCP_STRETCH_SEGS
 * (44), instead of one per two; out-of-order data is still answered at
 * once. Outside a batch, every second segment (above). */
Test(tcp, receive_batch_draws_one_ack_per_stretch)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint8_t data[1448];
	uint32_t base;

	memset(data, 'y', sizeof(data));
	tern_net_batch_begin(&p.t->net);
	for (unsigned i = 0; i < 30; i++) {
		peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
		p.seq += sizeof(data);
	}
	tern_net_batch_end(&p.t->net);
	cr_assert_eq(sent_count(&p), 1, "30 segments, one ACK");
	cr_assert_eq(last_seg(&p).h.ack, p.seq);
	tern_tcp_consume(c, tern_tcp_readable(c), p.t->now);
	clear(&p);

	tern_net_batch_begin(&p.t->net);
	for (unsigned i = 0; i < 45; i++) {
		peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
		p.seq += sizeof(data);
	}
	tern_net_batch_end(&p.t->net);
	cr_assert_eq(sent_count(&p), 2, "45 segments: the stretch ends at 44");
	cr_assert_eq(sent_seg(&p, 0).h.ack, p.seq - sizeof(data));
	cr_assert_eq(sent_seg(&p, 1).h.ack, p.seq);
	tern_tcp_consume(c, tern_tcp_readable(c), p.t->now);
	clear(&p);

	base = p.seq;
	tern_net_batch_begin(&p.t->net);
	peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
	p.seq = base + 2 * sizeof(data);
	peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
	peer_send(&p, TERN_TCP_ACK, data, sizeof(data));
	tern_net_batch_end(&p.t->net);
	cr_assert_eq(sent_count(&p), 2, "each out-of-order segment at once");
	cr_assert_eq(sent_seg(&p, 0).h.ack, base + sizeof(data));
	cr_assert_eq(sent_seg(&p, 1).h.ack, base + sizeof(data));
	cr_assert(sent_seg(&p, 1).o.present & TERN_TCP_HAS_SACK);
	finish(&p, c, l);
}

Test(tcp, out_of_order_sends_sack_and_fills_the_hole)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint8_t buf[64];
	struct seen s;
	uint32_t base = p.seq;

	p.seq = base + 10;
	peer_send(&p, TERN_TCP_ACK, "0123456789", 10);
	s = last_seg(&p);
	cr_assert_eq(s.h.ack, base, "a duplicate ACK at once");
	cr_assert(s.o.present & TERN_TCP_HAS_SACK);
	cr_assert_eq(s.o.n_sack, 1);
	cr_assert_eq(s.o.sack[0].start, base + 10);
	cr_assert_eq(s.o.sack[0].end, base + 20);
	cr_assert_eq(tern_tcp_readable(c), 0);
	clear(&p);
	p.seq = base;
	peer_send(&p, TERN_TCP_ACK, "abcdefghij", 10);
	s = last_seg(&p);
	cr_assert_eq(s.h.ack, base + 20, "filling a hole acks at once");
	cr_assert(!(s.o.present & TERN_TCP_HAS_SACK));
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 20);
	cr_assert_eq(memcmp(buf, "abcdefghij0123456789", 20), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_ooo_rx"), 1);
	finish(&p, c, l);
}

/* Regression: data segments carried SACK blocks on top of a full MSS and
 * outgrew the MTU (dropped as too big, forever, under loss). */
Test(tcp, sack_blocks_shrink_data_segments_to_fit_the_mtu)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[3 * 1448];
	uint32_t base = p.seq;
	struct seen s;

	/* Three holes: A has three SACK blocks to report. */
	for (int i = 0; i < 3; i++) {
		p.seq = base + 20 * (uint32_t)i + 10;
		peer_send(&p, TERN_TCP_ACK, "0123456789", 10);
	}
	clear(&p);
	tern_tcp_set_nodelay(c, true);
	cr_assert_eq(tern_tcp_send(c, data, sizeof(data), p.t->now),
		     (int)sizeof(data));
	cr_assert_geq(sent_count(&p), 3);
	for (unsigned i = 0; i < sent_count(&p); i++) {
		s = sent_seg(&p, i);
		cr_assert_eq(s.o.n_sack, 3);
		cr_assert_leq(TERN_IPV4_HLEN + s.h.hlen + s.len, 1500,
			      "segment %u: %u bytes of options and %zu of data",
			      i, s.h.hlen - TERN_TCP_HLEN, s.len);
	}
	cr_assert_eq(sent_seg(&p, 0).len, 1448 - 28,
		     "a full segment less 28 bytes of SACK");
	cr_assert_eq(tnet_stat(&p.t->net, "ip_too_big"), 0);
	finish(&p, c, l);
}

/* RFC 2018 4: the first block holds the latest out-of-order arrival. */
Test(tcp, first_sack_block_is_the_latest_arrival)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint32_t base = p.seq;
	struct seen s;

	p.seq = base + 30;
	peer_send(&p, TERN_TCP_ACK, "abcdefghij", 10);
	p.seq = base + 10;
	peer_send(&p, TERN_TCP_ACK, "0123456789", 10);
	s = last_seg(&p);
	cr_assert_eq(s.o.n_sack, 2);
	cr_assert_eq(s.o.sack[0].start, base + 10);
	cr_assert_eq(s.o.sack[1].start, base + 30);
	p.seq = base + 40;
	peer_send(&p, TERN_TCP_ACK, "klmnopqrst", 10);
	s = last_seg(&p);
	cr_assert_eq(s.o.n_sack, 2, "40..50 merges with 30..40");
	cr_assert_eq(s.o.sack[0].start, base + 30);
	cr_assert_eq(s.o.sack[0].end, base + 50);
	cr_assert_eq(s.o.sack[1].start, base + 10);
	finish(&p, c, l);
}

/* Regression: after a timeout snd_nxt goes back to snd_una, and ACKs sent
 * from there fell below the peer's window and were dropped unread, so two
 * stacks that both timed out never heard each other's ACKs again. */
Test(tcp, ack_after_timeout_carries_the_highest_sequence_sent)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[3 * 1448];
	struct tern_tcp_info info;
	uint32_t first;
	struct seen s;

	tern_tcp_send(c, data, sizeof(data), p.t->now);
	cr_assert_eq(sent_count(&p), 3);
	first = sent_seg(&p, 0).h.seq;
	tern_tcp_get_info(c, &info);
	advance(&p, info.rto_ns + 20 * MSEC); /* a tail-loss probe, the RTO */
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 1);
	cr_assert_eq(last_seg(&p).h.seq, first, "resent from snd_una");
	clear(&p);
	p.seq += 10; /* a hole: A acknowledges at once */
	peer_send(&p, TERN_TCP_ACK, "0123456789", 10);
	s = last_seg(&p);
	cr_assert_eq(s.len, 0);
	cr_assert_eq(s.h.seq, first + sizeof(data), "seq %u, want %u", s.h.seq,
		     first + (uint32_t)sizeof(data));
	finish(&p, c, l);
}

/* RFC 8985 7: with several segments unanswered, a probe goes after two
 * round trips instead of waiting for the RTO; one per flight. */
Test(tcp, tail_loss_probe_resends_the_last_segment_before_the_rto)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[3 * 1448];
	struct tern_tcp_info info;
	uint32_t first;
	struct seen s;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
	tern_tcp_send(c, data, sizeof(data), p.t->now);
	first = sent_seg(&p, 0).h.seq;
	clear(&p);
	tern_tcp_get_info(c, &info);
	advance(&p, 10 * MSEC);
	cr_assert_eq(sent_count(&p), 1, "the probe at the 10 ms floor");
	s = last_seg(&p);
	cr_assert_eq(s.h.seq, first + 2 * 1448, "the last segment again");
	cr_assert_eq(memcmp(s.data, data + 2 * 1448, 1448), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_tlp_probes"), 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 0);
	advance(&p, info.rto_ns - MSEC);
	cr_assert_eq(sent_count(&p), 1, "one probe; then the RTO's turn");
	advance(&p, 2 * MSEC);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 1);
	cr_assert_eq(last_seg(&p).h.seq, first);
	finish(&p, c, l);
}

/* Regression: an ACK that echoes a timestamp older than a timeout comes
 * from before the resend; its sample counted the backoff as round trip
 * and pushed the RTO to tens of seconds under heavy loss. */
Test(tcp, echo_older_than_a_timeout_gives_no_rtt_sample)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct tern_tcp_info before, after;
	struct seen s;

	tern_tcp_send(c, "data", 4, p.t->now);
	s = last_seg(&p);
	tern_tcp_get_info(c, &before);
	advance(&p, before.rto_ns);
	tern_tcp_get_info(c, &after);
	cr_assert_eq(after.backoff, 1);
	/* B acknowledges the first copy, echoing its timestamp. */
	p.ts_ecr = s.o.ts_val;
	p.ack = s.h.seq + 4;
	p.ts_val++;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	tern_tcp_get_info(c, &after);
	cr_assert_eq(after.in_flight, 0);
	cr_assert_eq(after.srtt_ns, before.srtt_ns,
		     "srtt %llu ns, was %llu: a sample of the backoff",
		     (unsigned long long)after.srtt_ns,
		     (unsigned long long)before.srtt_ns);
	finish(&p, c, l);
}

Test(tcp, zero_copy_peek_and_consume)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint8_t *d;
	size_t n;

	cr_assert_eq(tern_tcp_peek(c, &d, &n), -TERN_EAGAIN);
	peer_send(&p, TERN_TCP_ACK, "hello", 5);
	p.seq += 5;
	peer_send(&p, TERN_TCP_ACK, "world", 5);
	p.seq += 5;
	cr_assert_eq(tern_tcp_peek(c, &d, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(d, "hello", 5), 0);
	tern_tcp_consume(c, 7, p.t->now);
	cr_assert_eq(tern_tcp_peek(c, &d, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(d, "rld", 3), 0);
	tern_tcp_consume(c, 3, p.t->now);
	cr_assert_eq(tern_tcp_readable(c), 0);
	finish(&p, c, l);
}

Test(tcp, send_segments_and_acks_free_the_ring)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[5000];
	struct seen s;
	uint32_t first;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	cr_assert_eq(tern_tcp_send(c, data, sizeof(data), p.t->now),
		     (int)sizeof(data));
	/* 3 full segments and the short tail at once: no short segment is
	 * in flight, so Nagle (Minshall's rule) does not hold it. */
	cr_assert_eq(sent_count(&p), 4);
	s = sent_seg(&p, 0);
	first = s.h.seq;
	cr_assert_eq(s.len, 1448);
	cr_assert_eq(memcmp(s.data, data, 1448), 0);
	cr_assert_eq(sent_seg(&p, 2).h.seq, first + 2 * 1448);
	s = sent_seg(&p, 3);
	cr_assert_eq(s.h.seq, first + 3 * 1448);
	cr_assert_eq(s.len, sizeof(data) - 3 * 1448);
	cr_assert(s.h.flags & TERN_TCP_PSH);
	cr_assert_eq(memcmp(s.data, data + 3 * 1448, s.len), 0);
	/* ACKs free the ring. */
	clear(&p);
	p.ack = first + 3 * 1448;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_writable(c), 64 * 1024 - s.len);
	p.ack = first + sizeof(data);
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_writable(c), 64 * 1024);
	finish(&p, c, l);
}

Test(tcp, nagle_holds_a_short_segment_only_behind_another)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[3000];
	uint32_t first;

	/* Full segments in flight do not hold the short tail... */
	cr_assert_eq(tern_tcp_send(c, data, 2000, p.t->now), 2000);
	cr_assert_eq(sent_count(&p), 2);
	first = sent_seg(&p, 0).h.seq;
	/* ... but that short tail in flight holds the next short write. */
	cr_assert_eq(tern_tcp_send(c, data, 100, p.t->now), 100);
	cr_assert_eq(sent_count(&p), 2, "held behind the short segment");
	/* Acknowledging the full segment alone does not release it. */
	p.ack = first + 1448;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(sent_count(&p), 2);
	/* The ACK of the short one does. */
	p.ack = first + 2000;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(sent_count(&p), 3);
	cr_assert_eq(last_seg(&p).len, 100);
	p.ack = first + 2100;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	finish(&p, c, l);
}

Test(tcp, nodelay_sends_small_segments_at_once)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	tern_tcp_set_nodelay(c, true);
	tern_tcp_send(c, "a", 1, p.t->now);
	tern_tcp_send(c, "b", 1, p.t->now);
	cr_assert_eq(sent_count(&p), 2);
	tern_tcp_set_nodelay(c, false);
	tern_tcp_send(c, "c", 1, p.t->now);
	cr_assert_eq(sent_count(&p), 2, "Nagle holds it: data in flight");
	finish(&p, c, l);
}

Test(tcp, cork_sends_only_full_segments_until_uncorked)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[3000];

	tern_tcp_set_nodelay(c, true);
	tern_tcp_set_cork(c, true, p.t->now);
	cr_assert_eq(tern_tcp_send(c, "head", 4, p.t->now), 4);
	cr_assert_eq(sent_count(&p), 0, "a short piece waits while corked");
	cr_assert_eq(tern_tcp_send(c, data, 2000, p.t->now), 2000);
	cr_assert_eq(sent_count(&p), 1, "the full segment leaves");
	cr_assert_eq(last_seg(&p).len, 1448);
	tern_tcp_set_cork(c, false, p.t->now);
	cr_assert_eq(sent_count(&p), 2, "uncorking sends the rest");
	cr_assert_eq(last_seg(&p).len, 2004 - 1448);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_PSH);
	finish(&p, c, l);
}

Test(tcp, shutdown_sends_corked_data_with_the_fin)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	tern_tcp_set_cork(c, true, p.t->now);
	cr_assert_eq(tern_tcp_send(c, "last", 4, p.t->now), 4);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tern_tcp_shutdown(c, p.t->now), 0);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).len, 4);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_FIN);
	finish(&p, c, l);
}

Test(tcp, retransmission_timeout_backs_off_and_gives_up)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct tern_tcp_info info;
	struct seen s;
	unsigned n;

	tern_tcp_send(c, "data", 4, p.t->now);
	cr_assert_eq(sent_count(&p), 1);
	tern_tcp_get_info(c, &info);
	advance(&p, info.rto_ns);
	cr_assert_eq(sent_count(&p), 2, "resent at the RTO");
	s = last_seg(&p);
	cr_assert_eq(s.len, 4);
	cr_assert_eq(memcmp(s.data, "data", 4), 0);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.backoff, 1);
	cr_assert_eq(info.cwnd, info.mss, "one segment after a timeout");
	advance(&p, 3600 * TERN_NSEC_PER_SEC);
	n = sent_count(&p);
	/* 1 + 15 resends (tcp_retries), then an RST. */
	cr_assert_eq(n, 17, "sent %u", n);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST);
	cr_assert_eq(tern_tcp_error(c), -TERN_ETIMEDOUT);
	cr_assert_eq(tern_tcp_send(c, "x", 1, p.t->now), -TERN_ETIMEDOUT);
	finish(&p, c, l);
}

Test(tcp, fast_retransmit_on_third_duplicate_ack)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[6 * 1448];
	uint32_t first;

	tern_tcp_set_nodelay(c, true);
	tern_tcp_send(c, data, sizeof(data), p.t->now);
	cr_assert_eq(sent_count(&p), 6, "the initial window is 10 segments");
	first = sent_seg(&p, 0).h.seq;
	clear(&p);
	p.ack = first + 1448;
	peer_send(&p, TERN_TCP_ACK, NULL, 0); /* new data: not a dup */
	for (int i = 0; i < 2; i++)
		peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(sent_count(&p), 0, "two duplicates: wait");
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(sent_count(&p), 1, "the third: resend at once");
	cr_assert_eq(last_seg(&p).h.seq, first + 1448);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_fast_retransmits"), 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_dupacks"), 3);
	finish(&p, c, l);
}

/* B acknowledges ack with SACK blocks [starts[i], ends[i]). */
static void peer_sack(struct peer *p, uint32_t ack, const uint32_t *starts,
		      const uint32_t *ends, unsigned n)
{
	struct tern_tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_TS | TERN_TCP_HAS_SACK;
	o.ts_val = p->ts_val;
	o.ts_ecr = p->ts_ecr;
	o.n_sack = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		o.sack[i].start = starts[i];
		o.sack[i].end = ends[i];
	}
	p->ack = ack;
	peer_send_opts(p, TERN_TCP_ACK, NULL, 0, &o);
}

Test(tcp, sack_recovery_resends_only_the_holes)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[10 * 1448];
	const uint32_t mss = 1448;
	uint32_t first, st[2], en[2];
	struct seen s;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	tern_tcp_set_nodelay(c, true);
	tern_tcp_send(c, data, sizeof(data), p.t->now);
	cr_assert_eq(sent_count(&p), 10);
	first = sent_seg(&p, 0).h.seq;
	clear(&p);
	/* Segment 1 lost; 2..4 arrived: more than 2 MSS above the hole is
	 * a loss at once (RFC 6675 IsLost), no three duplicates needed. */
	st[0] = first + 2 * mss;
	en[0] = first + 5 * mss;
	peer_sack(&p, first + mss, st, en, 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_sack_recoveries"), 1);
	cr_assert_eq(sent_count(&p), 1, "only the hole, pipe is full");
	s = last_seg(&p);
	cr_assert_eq(s.h.seq, first + mss);
	cr_assert_eq(s.len, mss);
	cr_assert_eq(memcmp(s.data, data + mss, mss), 0);
	clear(&p);
	/* Segment 5 lost too; 6..9 arrived. */
	st[1] = first + 6 * mss;
	en[1] = first + 10 * mss;
	peer_sack(&p, first + mss, st, en, 2);
	cr_assert_eq(sent_count(&p), 1, "the second hole, nothing sacked");
	s = last_seg(&p);
	cr_assert_eq(s.h.seq, first + 5 * mss);
	cr_assert_eq(memcmp(s.data, data + 5 * mss, mss), 0);
	clear(&p);
	/* Both holes filled: recovery ends, the ring is empty. */
	peer_sack(&p, first + 10 * mss, NULL, NULL, 0);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tern_tcp_writable(c), 64 * 1024);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_sack_retransmits"), 2);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_retransmits"), 2);
	finish(&p, c, l);
}

/* ---- RACK-TLP (RFC 8985) ----------------------------------------------- */

/* Sends n full segments from c at once; returns the first one's seq. */
static uint32_t send_segments(struct peer *p, struct tern_tcp *c, unsigned n)
{
	static uint8_t data[10 * 1448];
	uint32_t first;

	cr_assert_leq(n, 10);
	tern_tcp_set_nodelay(c, true);
	cr_assert_eq(tern_tcp_send(c, data, n * 1448, p->t->now),
		     (int)(n * 1448));
	cr_assert_eq(sent_count(p), n);
	first = sent_seg(p, 0).h.seq;
	clear(p);
	return first;
}

/* Segments 2 and 3 of 3 lost: the probe resends 3, its SACK shows 2 lost
 * by time, and SACK recovery resends it - no RTO. */
Test(tcp, rack_tlp_recovers_a_tail_loss_without_an_rto)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t mss = 1448;
	uint32_t first = send_segments(&p, c, 3), st, en;
	struct tern_tcp_info info;

	advance(&p, 5 * MSEC);
	p.ack = first + mss;
	p.ts_val++;
	peer_send(&p, TERN_TCP_ACK, NULL, 0); /* only segment 1 arrived */
	cr_assert_eq(sent_count(&p), 0);
	advance(&p, 10 * MSEC);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_tlp_probes"), 1);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).h.seq, first + 2 * mss, "the last one again");
	clear(&p);
	advance(&p, 5 * MSEC);
	st = first + 2 * mss;
	en = first + 3 * mss;
	p.ts_val++;
	peer_sack(&p, first + mss, &st, &en, 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rack_losses"), 1);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).h.seq, first + mss, "segment 2, lost");
	p.ts_val++;
	peer_sack(&p, first + 3 * mss, NULL, NULL, 0);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.in_flight, 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 0);
	finish(&p, c, l);
}

/* Sends four segments of mss bytes, lets 8 ms pass, then has the peer
 * SACK the second while the first is missing. Returns the first's
 * sequence number. */
static uint32_t sack_one_above_a_hole(struct peer *p, struct tern_tcp *c,
				      uint32_t mss)
{
	uint32_t first = send_segments(p, c, 4);
	uint32_t st = first + mss, en = first + 2 * mss;

	advance(p, 8 * MSEC);
	p->ts_val++;
	peer_sack(p, first, &st, &en, 1);
	return first;
}

/* One segment SACKed above a hole waits out the reordering window; the
 * hole filled inside it is reordering, not loss. */
Test(tcp, rack_reordering_within_the_window_is_not_a_loss)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t mss = 1448;
	uint32_t first = sack_one_above_a_hole(&p, c, mss);
	cr_assert_eq(sent_count(&p), 0, "inside the window: wait");
	advance(&p, MSEC / 10);
	p.ts_val++;
	peer_sack(&p, first + 2 * mss, NULL, NULL, 0);
	advance(&p, 5 * MSEC);
	cr_assert_eq(sent_count(&p), 0, "nothing resent");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rack_losses"), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_fast_retransmits"), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_retransmits"), 0);
	finish(&p, c, l);
}

/* ... and a hole not filled is lost when the reordering timer fires:
 * one SACKed segment is enough, no three duplicates. */
Test(tcp, rack_timer_marks_a_hole_lost_after_the_window)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t mss = 1448;
	uint32_t first = sack_one_above_a_hole(&p, c, mss);
	cr_assert_eq(sent_count(&p), 0);
	advance(&p, 2 * MSEC);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rack_timeouts"), 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rack_losses"), 1);
	cr_assert_geq(sent_count(&p), 1);
	cr_assert_eq(sent_seg(&p, 0).h.seq, first, "the hole, resent");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 0);
	finish(&p, c, l);
}

/* A resend that is lost too: a later resend delivered shows it by time,
 * and it goes a third time without waiting for the RTO. */
Test(tcp, rack_finds_a_lost_retransmission)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t mss = 1448;
	uint32_t first = send_segments(&p, c, 10), st[2], en[2];

	/* Segments 1 and 5 lost. */
	advance(&p, 5 * MSEC);
	st[0] = first + mss;
	en[0] = first + 4 * mss;
	p.ts_val++;
	peer_sack(&p, first, st, en, 1);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).h.seq, first, "segment 1 resent");
	clear(&p);
	advance(&p, 5 * MSEC);
	cr_assert_eq(sent_count(&p), 0, "no probe in recovery");
	st[1] = first + 5 * mss;
	en[1] = first + 10 * mss;
	p.ts_val++;
	peer_sack(&p, first, st, en, 2);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).h.seq, first + 4 * mss, "segment 5 resent");
	clear(&p);
	/* The resend of 5 arrives; that of 1 does not. */
	advance(&p, 5 * MSEC);
	en[0] = first + 10 * mss;
	p.ts_val++;
	peer_sack(&p, first, st, en, 1);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_sack_lost_rexmits"), 1);
	cr_assert_geq(sent_count(&p), 1);
	cr_assert_eq(sent_seg(&p, 0).h.seq, first, "segment 1, a third time");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 0);
	p.ts_val++;
	peer_sack(&p, first + 10 * mss, NULL, NULL, 0);
	cr_assert_eq(tern_tcp_writable(c), 64 * 1024);
	finish(&p, c, l);
}

/* Off per socket: one SACKed segment waits for DupThresh, and no probe
 * goes before the RTO. */
Test(tcp, rack_off_falls_back_to_dupthresh_and_the_rto)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t mss = 1448;
	uint32_t first, st, en;
	struct tern_tcp_info info;

	tern_tcp_set_rack(c, false);
	first = send_segments(&p, c, 4);
	advance(&p, 8 * MSEC);
	st = first + mss;
	en = first + 2 * mss;
	p.ts_val++;
	peer_sack(&p, first, &st, &en, 1);
	tern_tcp_get_info(c, &info);
	advance(&p, info.rto_ns - 10 * MSEC);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_tlp_probes"), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rack_timeouts"), 0);
	advance(&p, 20 * MSEC);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_rto_fired"), 1);
	finish(&p, c, l);
}

Test(tcp, sack_blocks_outside_the_flight_are_ignored)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[4 * 1448];
	uint32_t first, st[2], en[2];

	tern_tcp_set_nodelay(c, true);
	tern_tcp_send(c, data, sizeof(data), p.t->now);
	first = sent_seg(&p, 0).h.seq;
	clear(&p);
	/* Beyond what was sent, and below the ACK (a D-SACK). */
	st[0] = first + 5 * 1448;
	en[0] = first + 9 * 1448;
	st[1] = first - 100;
	en[1] = first;
	peer_sack(&p, first, st, en, 2);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_sack_ignored"), 2);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_sack_recoveries"), 0);
	cr_assert_eq(sent_count(&p), 0);
	finish(&p, c, l);
}

Test(tcp, cubic_by_default_and_newreno_by_name)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct tern_tcp_info info;

	tern_tcp_get_info(c, &info);
	cr_assert_str_eq(info.cc, "cubic");
	cr_assert_eq(tern_tcp_set_cc(c, "newreno"), 0);
	tern_tcp_get_info(c, &info);
	cr_assert_str_eq(info.cc, "newreno");
	cr_assert_eq(info.cwnd, 10 * 1448, "the window carries over");
	cr_assert_eq(tern_tcp_set_cc(c, "bbr"), -TERN_EINVAL);
	finish(&p, c, l);
}

/* B acknowledges ack (a duplicate if it is B's last), then info is what c
 * shows after it. */
static void peer_ack(struct peer *p, struct tern_tcp *c, uint32_t ack,
		     struct tern_tcp_info *info)
{
	p->ack = ack;
	peer_send(p, TERN_TCP_ACK, NULL, 0);
	tern_tcp_get_info(c, info);
}

/* NewReno by RFC 5681 and 6582, 1448-byte segments, no SACK: slow start
 * adds min(acked, MSS) per ACK, the third duplicate ACK sets ssthresh to
 * half the flight (at least 2 MSS) and cwnd to ssthresh + 3 MSS, each
 * further duplicate adds an MSS, the full ACK deflates cwnd to
 * min(ssthresh, flight + MSS), and avoidance adds MSS * MSS / cwnd. */
Test(tcp, newreno_slow_start_recovery_and_avoidance)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_info info;
	uint32_t first;

	p.no_sack = true;
	c = open_passive(&p, &l);
	cr_assert_eq(tern_tcp_set_cc(c, "newreno"), 0);
	tern_tcp_get_info(c, &info);
	cr_assert(!info.sack);
	first = send_segments(&p, c, 6);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.cwnd, 10 * 1448);
	cr_assert_eq(info.ssthresh, 0xffffffffu);
	peer_ack(&p, c, first + 1448, &info);
	cr_assert_eq(info.cwnd, 11 * 1448, "slow start: one MSS per ACK");
	peer_ack(&p, c, first + 3 * 1448, &info);
	cr_assert_eq(info.cwnd, 12 * 1448, "two segments acked: still one MSS");
	for (int i = 0; i < 3; i++)
		peer_ack(&p, c, p.ack, &info);
	cr_assert_eq(info.ssthresh, 2 * 1448, "half of 3 MSS, floored at 2");
	cr_assert_eq(info.cwnd, 5 * 1448, "ssthresh + 3 MSS");
	cr_assert_eq(last_seg(&p).h.seq, first + 3 * 1448, "resent the hole");
	peer_ack(&p, c, p.ack, &info);
	cr_assert_eq(info.cwnd, 6 * 1448, "a fourth duplicate inflates");
	peer_ack(&p, c, first + 6 * 1448, &info);
	cr_assert_eq(info.in_flight, 0);
	cr_assert_eq(info.cwnd, 1448, "the full ACK: min(ssthresh, 0 + MSS)");
	cr_assert_eq(sent_count(&p), 1, "one resend in the recovery");

	clear(&p);
	first = send_segments(&p, c, 1);
	peer_ack(&p, c, first + 1448, &info);
	cr_assert_eq(info.cwnd, 2 * 1448, "below ssthresh: slow start");
	first = send_segments(&p, c, 2);
	peer_ack(&p, c, first + 1448, &info);
	cr_assert_eq(info.cwnd, 2 * 1448 + 1448 / 2,
		     "avoidance: MSS * MSS / cwnd");
	peer_ack(&p, c, first + 2 * 1448, &info);
	cr_assert_eq(info.cwnd, 2 * 1448 + 1448 / 2 + 1448 * 1448 / 3620);
	finish(&p, c, l);
}

/* Advances the clock in 1 ms steps until c's backoff is n (a tail loss
 * probe may come first); fails after a simulated minute. */
static void advance_to_timeout(struct peer *p, struct tern_tcp *c, uint32_t n)
{
	struct tern_tcp_info info;

	for (unsigned ms = 0; ms < 60000; ms++) {
		tern_tcp_get_info(c, &info);
		if (info.backoff == n)
			return;
		advance(p, MSEC);
	}
	cr_assert_fail("no timeout number %u in a minute", n);
}

/* NewReno at a timeout (RFC 5681 (4)): the first of a series sets ssthresh
 * to half the flight and cwnd to one MSS; the next ones keep ssthresh. */
Test(tcp, newreno_timeout_halves_once_per_series)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct tern_tcp_info info;

	cr_assert_eq(tern_tcp_set_cc(c, "newreno"), 0);
	send_segments(&p, c, 6);
	advance_to_timeout(&p, c, 1);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.ssthresh, 3 * 1448, "half of 6 segments in flight");
	cr_assert_eq(info.cwnd, 1448);
	advance_to_timeout(&p, c, 2);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.ssthresh, 3 * 1448, "a second timeout keeps it");
	cr_assert_eq(info.cwnd, 1448);
	finish(&p, c, l);
}

Test(tcp, keepalive_probes_an_idle_peer_then_gives_up)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint64_t sec = TERN_NSEC_PER_SEC;
	struct seen s;
	uint32_t una;

	cr_assert_eq(tern_tcp_set_keepalive(c, 10 * sec, 0, 3), -TERN_EINVAL);
	cr_assert_eq(tern_tcp_set_keepalive(c, 10 * sec, sec, 3), 0);
	advance(&p, 10 * sec - MSEC);
	cr_assert_eq(sent_count(&p), 0, "not before the idle time");
	advance(&p, MSEC);
	cr_assert_eq(sent_count(&p), 1);
	s = last_seg(&p);
	una = p.ack;
	cr_assert_eq(s.h.seq, una - 1, "a probe below snd_una");
	cr_assert_eq(s.len, 0);
	advance(&p, sec);
	cr_assert_eq(sent_count(&p), 2, "the next after the interval");
	/* B answers: quiet again for the whole idle time. */
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	clear(&p);
	advance(&p, 10 * sec - MSEC);
	cr_assert_eq(sent_count(&p), 0);
	/* Now silence: 3 probes a second apart, then a reset. */
	advance(&p, 4 * sec);
	cr_assert_eq(sent_count(&p), 4, "3 probes and an RST");
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST);
	cr_assert_eq(tern_tcp_error(c), -TERN_ETIMEDOUT);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_keepalive_probes"), 5);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_keepalive_timeouts"), 1);
	finish(&p, c, l);
}

Test(tcp, per_socket_buffers_cap_the_ring_and_the_window)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static uint8_t data[5000], sink[1448 * 40];
	struct tern_tcp_info info;
	struct seen s;

	cr_assert_eq(tern_tcp_set_buffers(c, 1u << 20, 0), -TERN_EINVAL);
	cr_assert_eq(tern_tcp_set_buffers(c, 512, 0), -TERN_EINVAL);
	cr_assert_eq(tern_tcp_set_buffers(c, 2048, 8192), 0);
	cr_assert_eq(tern_tcp_send(c, data, sizeof(data), p.t->now), 2048);
	cr_assert_eq(tern_tcp_writable(c), 0);
	cr_assert_eq(tern_tcp_set_buffers(c, 4096, 0), -TERN_EINVAL,
		     "not with data in the ring");
	/* B fills the window offered before; what A offers after reading
	 * is the new, smaller buffer. */
	for (int i = 0; i < 40; i++) {
		peer_send(&p, TERN_TCP_ACK, sink, 1448);
		p.seq += 1448;
	}
	cr_assert_eq(tern_tcp_recv(c, sink, sizeof(sink), p.t->now),
		     (int)sizeof(sink));
	clear(&p);
	peer_send(&p, TERN_TCP_ACK, sink, 1448);
	p.seq += 1448;
	peer_send(&p, TERN_TCP_ACK, sink, 1448);
	s = last_seg(&p);
	tern_tcp_get_info(c, &info);
	cr_assert_leq((uint32_t)s.h.win << info.rcv_wscale, 8192, "window %u",
		      (uint32_t)s.h.win << info.rcv_wscale);
	finish(&p, c, l);
}

Test(tcp, zero_window_is_probed)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;
	uint32_t first;

	p.win = 0;
	peer_send(&p, TERN_TCP_ACK, NULL, 0); /* window update: 0 */
	tern_tcp_send(c, "blocked", 7, p.t->now);
	cr_assert_eq(sent_count(&p), 0, "nothing fits a zero window");
	advance(&p, 1100 * MSEC);
	cr_assert_geq(sent_count(&p), 1, "a window probe");
	s = last_seg(&p);
	cr_assert_eq(s.len, 0);
	first = s.h.seq + 1;
	cr_assert_geq(tnet_stat(&p.t->net, "tcp_window_probes"), 1);
	clear(&p);
	p.win = 1000;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	s = last_seg(&p);
	cr_assert_eq(s.len, 7, "the window opened: data goes");
	cr_assert_eq(s.h.seq, first);
	finish(&p, c, l);
}

/* Runs the timers in 10 ms steps until A sends something (at most 2 s). */
static void advance_until_sent(struct peer *p)
{
	for (int i = 0; i < 200 && sent_count(p) == 0; i++)
		advance(p, 10 * MSEC);
}

/* A window too small for what waits, with nothing in flight, is filled
 * when the persist timer fires (sender silly-window avoidance's override
 * timeout, RFC 9293 3.8.6.2.1): no ACK is coming to move things on (found
 * by fuzz_tcp: data behind a 46-byte window sat there for good). */
Test(tcp, small_window_is_filled_after_the_override_timeout)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	static const uint8_t data[1000];
	struct seen s;

	p.win = 1; /* 128 bytes at the peer's window scale of 7 */
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_send(c, data, sizeof(data), p.t->now), 1000);
	cr_assert_eq(sent_count(&p), 0, "under half the largest window");
	for (int round = 0; round < 2; round++) {
		advance_until_sent(&p);
		cr_assert_eq(sent_count(&p), 1, "round %d", round);
		s = last_seg(&p);
		cr_assert_eq(s.h.seq, p.ack, "round %d", round);
		cr_assert_eq(s.len, 128, "the window, filled");
		clear(&p);
		p.ack += s.len;
		peer_send(&p, TERN_TCP_ACK, NULL, 0); /* acked; still 128 */
		cr_assert_eq(sent_count(&p), 0, "round %d", round);
	}
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_window_probes"), 0);
	finish(&p, c, l);
}

/* A peer that answers every zero-window probe keeps the connection open
 * past tcp_retries probes; once it falls silent, tcp_retries unanswered
 * probes end it with an RST and -TERN_ETIMEDOUT (found by fuzz_tcp: a
 * closed connection with data queued probed a silent peer forever). */
Test(tcp, zero_window_probes_end_when_nobody_answers)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	const uint32_t retries = p.t->net.cfg.tcp_retries;
	const uint64_t minute = 60 * TERN_NSEC_PER_SEC;

	p.win = 0;
	peer_send(&p, TERN_TCP_ACK, NULL, 0); /* window update: 0 */
	tern_tcp_send(c, "blocked", 7, p.t->now);
	for (uint32_t i = 0; i < 2 * retries; i++) {
		clear(&p);
		advance(&p, 2 * minute); /* past the longest backed-off probe */
		cr_assert_geq(sent_count(&p), 1, "probe %u", i);
		peer_send(&p, TERN_TCP_ACK, NULL, 0); /* still 0 */
	}
	cr_assert_eq(tern_tcp_error(c), 0, "an answering peer keeps it open");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_persist_timeouts"), 0);
	clear(&p);
	for (uint32_t i = 0; i <= retries && tern_tcp_error(c) == 0; i++)
		advance(&p, 2 * minute);
	cr_assert_eq(tern_tcp_error(c), -TERN_ETIMEDOUT);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_persist_timeouts"), 1);
	finish(&p, c, l);
}

/* ---- RFC 5961 and PAWS -------------------------------------------------- */

Test(tcp, rst_exact_resets_in_window_challenges_outside_drops)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint32_t rcv_nxt = p.seq;
	struct seen s;

	p.seq = rcv_nxt + 1000;
	peer_send(&p, TERN_TCP_RST, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_ACK, "a challenge ACK");
	cr_assert_eq(s.h.ack, rcv_nxt);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_challenge_acks"), 1);
	clear(&p);
	p.seq = rcv_nxt + 10000000;
	peer_send(&p, TERN_TCP_RST, NULL, 0);
	cr_assert_eq(sent_count(&p), 0, "outside the window: dropped");
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	p.seq = rcv_nxt;
	peer_send(&p, TERN_TCP_RST, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_CLOSED);
	cr_assert_eq(tern_tcp_error(c), -TERN_ECONNRESET);
	finish(&p, c, l);
}

/* A blind attacker (RFC 5961 1.2) knows the 4-tuple, not the sequence
 * numbers: RSTs and SYNs over the whole space at a window's stride, and
 * data at the right sequence number with guessed ACKs. The connection
 * survives, no injected byte is read, and challenge ACKs stay under the
 * limit each second. */
Test(tcp, blind_injection_fails_and_challenges_stay_limited)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint32_t rcv_nxt = p.seq, ack = p.ack;
	uint8_t buf[16];

	cr_assert_neq(rcv_nxt % 65536, 0, "no probe below hits rcv_nxt");
	p.ts = false; /* an attacker cannot echo timestamps either */
	for (uint64_t seq = 0; seq < (1ull << 32); seq += 65536) {
		p.seq = (uint32_t)seq;
		peer_send(&p, TERN_TCP_RST, NULL, 0);
		peer_send(&p, TERN_TCP_SYN, NULL, 0);
		if (p.t->dev.nsent > TNET_SENT_MAX / 2)
			clear(&p);
	}
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	cr_assert_leq(tnet_stat(&p.t->net, "tcp_challenge_acks"), 10,
		      "at most tcp_challenge_max in this second");
	cr_assert_gt(tnet_stat(&p.t->net, "tcp_challenge_limited"), 0);
	/* Data at the right place with ACKs outside what A sent, with a
	 * made-up timestamp (without one it is dropped before its ACK is
	 * looked at: tcp_ts_missing). */
	p.ts = true;
	p.seq = rcv_nxt;
	for (uint64_t a = 0; a < (1ull << 32); a += 1u << 24) {
		p.ack = (uint32_t)a;
		if (p.ack == ack)
			continue;
		peer_send(&p, TERN_TCP_ACK, "EVIL", 4);
		if (p.t->dev.nsent > TNET_SENT_MAX / 2)
			clear(&p);
	}
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), -TERN_EAGAIN,
		     "no injected byte reached the reader");
	cr_assert_gt(tnet_stat(&p.t->net, "tcp_bad_ack"), 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	/* A second later the real peer's data still flows. */
	advance(&p, TERN_NSEC_PER_SEC);
	p.ack = ack;
	peer_send(&p, TERN_TCP_ACK, "good", 4);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 4);
	cr_assert_eq(memcmp(buf, "good", 4), 0);
	finish(&p, c, l);
}

Test(tcp, syn_on_established_draws_rate_limited_challenge_acks)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	for (int i = 0; i < 30; i++)
		peer_syn(&p);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_ESTABLISHED);
	cr_assert_eq(sent_count(&p), 10, "10 per second: %u", sent_count(&p));
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_challenge_limited"), 20);
	advance(&p, TERN_NSEC_PER_SEC);
	clear(&p);
	peer_syn(&p);
	cr_assert_eq(sent_count(&p), 1, "a new second, a new allowance");
	finish(&p, c, l);
}

Test(tcp, ack_of_unsent_data_is_dropped)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	uint8_t buf[8];

	p.ack += 5000;
	peer_send(&p, TERN_TCP_ACK, "zz", 2);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_bad_ack"), 1);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), -TERN_EAGAIN,
		     "its data is not taken");
	cr_assert_eq(sent_count(&p), 1, "an ACK tells the peer");
	finish(&p, c, l);
}

Test(tcp, paws_drops_old_timestamps)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	p.ts_val = 10;
	peer_send(&p, TERN_TCP_ACK, "old", 3);
	cr_assert_eq(tern_tcp_readable(c), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_paws"), 1);
	p.ts_val = 6000;
	peer_send(&p, TERN_TCP_ACK, "new", 3);
	cr_assert_eq(tern_tcp_readable(c), 3);
	finish(&p, c, l);
}

/* Regression (packetdrill ts_missing_dropped): RFC 7323 3.2 drops a
 * segment without a timestamp once they are negotiated; an old one (a
 * keepalive probe) still draws its ACK. */
Test(tcp, segment_without_a_timestamp_is_dropped)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	peer_send_opts(&p, TERN_TCP_ACK | TERN_TCP_PSH, "bare", 4, NULL);
	cr_assert_eq(tern_tcp_readable(c), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_ts_missing"), 1);
	cr_assert_eq(sent_count(&p), 0, "dropped silently");
	p.seq--;
	peer_send_opts(&p, TERN_TCP_ACK, NULL, 0, NULL); /* a keepalive */
	p.seq++;
	cr_assert_eq(sent_count(&p), 1, "the probe is answered");
	cr_assert_eq(last_seg(&p).h.ack, p.seq);
	p.ts_val++;
	peer_send(&p, TERN_TCP_ACK | TERN_TCP_PSH, "bare", 4);
	cr_assert_eq(tern_tcp_readable(c), 4);
	finish(&p, c, l);
}

/* ---- Closing ------------------------------------------------------------ */

Test(tcp, active_close_through_time_wait)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;
	uint8_t buf[8];

	cr_assert_eq(tern_tcp_shutdown(c, p.t->now), 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_FIN_WAIT_1);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_FIN | TERN_TCP_ACK);
	cr_assert_eq(tern_tcp_send(c, "x", 1, p.t->now), -TERN_EPIPE);
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_FIN_WAIT_2);
	peer_send(&p, TERN_TCP_ACK, "bye", 3); /* half-close: B still sends */
	p.seq += 3;
	clear(&p);
	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p.seq++;
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_TIME_WAIT);
	cr_assert_eq(last_seg(&p).h.ack, p.seq, "the FIN is acked");
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 3);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 0, "EOF");
	cr_assert(tern_tcp_at_eof(c));
	/* Released, the connection leaves its entry for the table. */
	tern_tcp_close(c, p.t->now);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1, "the listener");
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 1);
	/* A retransmitted FIN is acked again, with the same numbers and
	 * the timestamp echoed. */
	clear(&p);
	p.seq--;
	p.ts_val += 10;
	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p.seq++;
	cr_assert_eq(sent_count(&p), 1);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_ACK);
	cr_assert_eq(s.h.seq, p.ack);
	cr_assert_eq(s.h.ack, p.seq);
	cr_assert(s.o.present & TERN_TCP_HAS_TS);
	cr_assert_eq(s.o.ts_ecr, p.ts_val);
	/* ... and that restarted the 2 MSL. */
	advance(&p, 50 * TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 1, "restarted");
	/* A RST is ignored (RFC 1337); other segments draw an ACK. */
	clear(&p);
	peer_send(&p, TERN_TCP_RST, NULL, 0);
	cr_assert_eq(sent_count(&p), 0);
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 1);
	peer_send(&p, TERN_TCP_ACK, "late", 4);
	cr_assert_eq(sent_count(&p), 1);
	cr_assert_eq(last_seg(&p).h.ack, p.seq);
	advance(&p, 11 * TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 0, "2 MSL later");
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1);
	finish(&p, NULL, l);
}

/* Shuts c down and has B acknowledge the FIN: FIN_WAIT_2. */
static void to_fin_wait_2(struct peer *p, struct tern_tcp *c)
{
	cr_assert_eq(tern_tcp_shutdown(c, p->t->now), 0);
	p->ack = last_seg(p).h.seq + 1;
	peer_send(p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_FIN_WAIT_2);
	clear(p);
}

/* A released connection in FIN_WAIT_2 whose peer never sends its FIN is
 * reset after tcp_fin_wait2_ns, out-of-order data and all (found by
 * fuzz_tcp: it used to stay forever, holding its entry and the buffer). */
Test(tcp, released_fin_wait_2_is_reset_when_no_fin_comes)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;

	to_fin_wait_2(&p, c);
	p.seq += 5;
	peer_send(&p, TERN_TCP_ACK, "later", 5); /* a hole before it */
	p.seq -= 5;
	clear(&p);
	cr_assert_eq(tern_net_pkts_in_use(&p.t->net), 1, "held out of order");
	tern_tcp_close(c, p.t->now);
	advance(&p, 60 * TERN_NSEC_PER_SEC - 1);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 2, "still waiting");
	cr_assert_eq(sent_count(&p), 0);
	advance(&p, 1);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1, "the listener");
	cr_assert_eq(tern_net_pkts_in_use(&p.t->net), 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_fin_wait2_timeouts"), 1);
	cr_assert_eq(sent_count(&p), 1);
	s = last_seg(&p);
	cr_assert(s.h.flags & TERN_TCP_RST);
	cr_assert_eq(s.h.seq, p.ack);
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 0);
	finish(&p, NULL, l);
}

/* Released in FIN_WAIT_1, the wait starts when the FIN is acked. */
Test(tcp, released_fin_wait_1_waits_for_the_fin_from_its_ack)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	tern_tcp_close(c, p.t->now);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_FIN_WAIT_1);
	p.ack = last_seg(&p).h.seq + 1;
	advance(&p, 30 * TERN_NSEC_PER_SEC); /* the FIN goes out again */
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	advance(&p, 60 * TERN_NSEC_PER_SEC - 1);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 2, "60 s from the ACK");
	advance(&p, 1);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1, "the listener");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_fin_wait2_timeouts"), 1);
	finish(&p, NULL, l);
}

/* A FIN before the wait ends closes the usual way, through TIME_WAIT. */
Test(tcp, released_fin_wait_2_closes_through_time_wait_on_a_fin)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	to_fin_wait_2(&p, c);
	tern_tcp_close(c, p.t->now);
	advance(&p, 59 * TERN_NSEC_PER_SEC);
	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p.seq++;
	cr_assert_eq(last_seg(&p).h.ack, p.seq, "the FIN is acked");
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1, "the listener");
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 1);
	advance(&p, 60 * TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 0, "2 MSL later");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_fin_wait2_timeouts"), 0);
	finish(&p, NULL, l);
}

/* A handle still held may wait in FIN_WAIT_2 as long as it likes (RFC
 * 9293): the application reads the peer's data and decides. */
Test(tcp, held_fin_wait_2_has_no_timeout)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	to_fin_wait_2(&p, c);
	advance(&p, 600 * TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_FIN_WAIT_2);
	cr_assert_eq(sent_count(&p), 0);
	peer_send(&p, TERN_TCP_ACK | TERN_TCP_PSH, "late", 4);
	cr_assert_eq(tern_tcp_readable(c), 4);
	finish(&p, c, l);
}

/* Closes an accepted connection through TIME_WAIT (our FIN first, then
 * the peer's). */
static void close_through_time_wait(struct peer *p, struct tern_tcp *c)
{
	struct seen s;

	tern_tcp_shutdown(c, p->t->now);
	s = last_seg(p);
	p->ack = s.h.seq + 1;
	peer_send(p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p->seq++;
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_TIME_WAIT);
	tern_tcp_close(c, p->t->now);
}

Test(tcp, time_wait_table_is_bounded_and_evicts_the_oldest)
{
	struct tern_net_config cfg;
	struct peer p;
	struct tern_tcp *l, *c;

	tern_net_config_default(&cfg);
	cfg.tcp_time_wait_max = 2;
	cfg.tcp_conns = 4;
	p = peer_new_cfg(&cfg);
	/* More closes than connections and table entries: none fails. */
	for (int i = 0; i < 6; i++) {
		p.port = (uint16_t)(B_PORT + i);
		p.seq = B_ISN;
		c = open_passive(&p, &l);
		close_through_time_wait(&p, c);
		tern_tcp_close(l, p.t->now);
		advance(&p, TERN_NSEC_PER_SEC);
	}
	cr_assert_eq(tern_tcp_time_wait_count(&p.t->net), 2);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_tw_evicted"), 4);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 0);
	/* The newest two are still answered; an evicted one is not known. */
	clear(&p);
	p.port = B_PORT + 5;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(last_seg(&p).h.flags, TERN_TCP_ACK);
	p.port = B_PORT;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST, "no port any more");
	finish(&p, NULL, NULL);
}

Test(tcp, passive_close_through_last_ack)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;
	uint8_t buf[8];

	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p.seq++;
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_CLOSE_WAIT);
	cr_assert_eq(last_seg(&p).h.ack, p.seq, "a FIN is acked at once");
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 0);
	cr_assert_eq(tern_tcp_send(c, "last", 4, p.t->now), 4,
		     "CLOSE_WAIT still sends");
	clear(&p);
	tern_tcp_close(c, p.t->now);
	s = last_seg(&p);
	cr_assert(s.h.flags & TERN_TCP_FIN);
	p.ack = s.h.seq + s.len + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1, "LAST_ACK done");
	finish(&p, NULL, l);
}

Test(tcp, simultaneous_close_through_closing)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;

	tern_tcp_shutdown(c, p.t->now);
	s = last_seg(&p);
	/* B's FIN crosses ours: it does not ack our FIN yet. */
	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	p.seq++;
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_CLOSING);
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_TIME_WAIT);
	finish(&p, c, l);
}

Test(tcp, close_with_unread_data_resets)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);

	peer_send(&p, TERN_TCP_ACK, "unread", 6);
	clear(&p);
	tern_tcp_close(c, p.t->now);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST);
	finish(&p, NULL, l);
}

Test(tcp, time_wait_reused_by_a_newer_syn)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c = open_passive(&p, &l);
	struct seen s;

	tern_tcp_shutdown(c, p.t->now);
	s = last_seg(&p);
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_FIN | TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tern_tcp_state(c), TERN_TCP_TIME_WAIT);
	tern_tcp_close(c, p.t->now);
	clear(&p);
	/* The same 4-tuple again, with a later timestamp (RFC 6191). */
	p.ts_val += 100;
	p.seq = B_ISN + 5000;
	peer_syn(&p);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.h.ack, B_ISN + 5001);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_tw_reused"), 1);
	finish(&p, NULL, l);
}

Test(tcp, listen_backlog_is_capped)
{
	struct peer p = peer_new();
	struct tern_tcp *l;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 2, &l), 0);
	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 2, &l),
		     -TERN_EADDRINUSE);
	for (int i = 0; i < 5; i++) {
		p.port = (uint16_t)(B_PORT + i);
		peer_syn(&p);
	}
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 3, "listener + 2");
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_listen_overflow"), 3);
	finish(&p, NULL, l);
}

/* RFC 4987: 100,000 SYNs fill the SYN queue and then get cookies; the
 * stack keeps nothing for them, and a real client still connects. */
Test(tcp, syn_flood_gets_cookies_and_a_client_still_connects)
{
	struct peer p = peer_new();
	struct tern_tcp *l, *c;
	struct tern_tcp_info info;
	uint8_t buf[8];
	struct seen s;

	cr_assert_eq(tern_tcp_listen(&p.t->net, 0, A_PORT, 4, &l), 0);
	for (uint32_t i = 0; i < 100000; i++) {
		p.port = (uint16_t)(1024 + i % 60000);
		p.seq = i * 7919u;
		peer_syn(&p);
		if (p.t->dev.nsent > TNET_SENT_MAX / 2)
			clear(&p);
	}
	cr_assert_eq(tern_tcp_conns_in_use(&p.t->net), 1 + 4,
		     "the listener and a full SYN queue, nothing more");
	/* Ports repeat after 60,000: the 4 queued ones see their SYN again. */
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_syncookies_sent"), 100000 - 8);
	cr_assert_leq(tern_net_pkts_in_use(&p.t->net), 8);
	/* A client: its SYN-ACK is a cookie with only an MSS option. */
	clear(&p);
	p.port = 65000;
	p.seq = B_ISN;
	peer_syn(&p);
	s = last_seg(&p);
	cr_assert_eq(s.h.flags, TERN_TCP_SYN | TERN_TCP_ACK);
	cr_assert_eq(s.o.present, TERN_TCP_HAS_MSS);
	cr_assert_eq(s.o.mss, 1460);
	/* A wrong cookie is refused ... */
	p.seq = B_ISN + 1;
	p.ack = s.h.seq + 2;
	p.ts = false;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_syncookies_bad"), 1);
	cr_assert(last_seg(&p).h.flags & TERN_TCP_RST);
	/* ... the right one opens the connection, data and all. */
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK | TERN_TCP_PSH, "hello", 5);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_syncookies_ok"), 1);
	cr_assert_eq(tern_tcp_accept(l, &c), 0);
	tern_tcp_get_info(c, &info);
	cr_assert_eq(info.state, TERN_TCP_ESTABLISHED);
	cr_assert_eq(info.mss, 1460);
	cr_assert(!info.ts && !info.sack && info.rcv_wscale == 0);
	cr_assert_eq(tern_tcp_recv(c, buf, sizeof(buf), p.t->now), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	/* A cookie is good for two 64 s periods at most. */
	advance(&p, 129 * TERN_NSEC_PER_SEC);
	p.port = 65001;
	p.ack = s.h.seq + 1;
	peer_send(&p, TERN_TCP_ACK, NULL, 0);
	cr_assert_eq(tnet_stat(&p.t->net, "tcp_syncookies_ok"), 1);
	finish(&p, c, l);
}
