/*
 * fuzz_tcp.c - fuzz target for the TCP state machine: a program of
 * segments, time steps and application calls against a listener on port
 * 80 and connections it accepts or opens.
 *
 * Input: a program of ops. Each op starts with a byte; its low 3 bits pick
 * the op, bits 3-4 a peer port (40000 + 0..3), bit 5 makes the sequence and
 * acknowledgement numbers relative to what the connection on that port
 * expects (rcv_nxt and snd_una), so the fuzzer reaches the synchronized
 * states without guessing an ISN:
 *   0  segment  [flags:1][seq:4][ack:4][win:2][optlen:1][opts][len:2]
 *               from 10.0.0.2:PORT to 10.0.0.1:80 (or the port the
 *               connection uses), correct checksum, len pattern bytes
 *   1  time     [ms:2]                  advance, run due timers
 *   2  send     [len:2]                 tern_tcp_send on PORT's handle
 *   3  recv     [len:2]                 tern_tcp_recv (or peek+consume if
 *                                       len is odd)
 *   4  end      [how:1]                 shutdown, close or abort
 *   5  accept                           take waiting connections
 *   6  connect                          open one to 10.0.0.2:PORT
 *   7  deadline                         jump to the next deadline
 *
 * Invariants, checked after every op for every live connection (the
 * target looks inside through tcp_int.h): snd_una <= snd_nxt <= snd_max;
 * the ring holds what it says and never more than its size; the queued
 * bytes are what the queues hold, within the configured caps; the
 * advertised window fits its field at the negotiated scale. Every frame
 * sent is well formed with correct checksums (util_fuzz.c). After the
 * program, every handle is aborted, timers run out, and all pools and the
 * connection table are back to empty.
 */
#include <stdbool.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/net_wire.h"
#include "tern/tcp.h"
#include "util_fuzz.h"

#include "fuzz_check.h"
#include "support/fuzz_input.h"
#include "tcp_int.h"

#define LISTEN_PORT 80
#define PORTS 4
#define PEER_PORT0 40000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct target {
	struct fz_stack s;
	struct tern_tcp *listener;
	struct tern_tcp *conn[PORTS]; /* handles the target holds */
};

/* The live connection with peer port, handle or not (NULL if none). */
static struct tern_tcp *find(struct target *t, unsigned port_idx,
			     uint16_t *lport)
{
	struct tern_tcp *h = t->conn[port_idx];
	uint16_t rport = (uint16_t)(PEER_PORT0 + port_idx);
	struct tern_tcp *c;

	if (h) {
		*lport = h->lport;
		return h;
	}
	*lport = LISTEN_PORT;
	c = tcp_lookup(&t->s.net, FZ_IP, LISTEN_PORT, FZ_PEER, rport);
	return c;
}

FUZZ_CHECKER static void check_conn(const struct tern_tcp *c)
{
	const struct tern_net_config *cfg = &c->net->cfg;
	uint32_t bytes = 0, pkts = 0;

	if (c->state == TERN_TCP_LISTEN || c->state == TERN_TCP_CLOSED)
		return;
	TERN_ASSERT(tern_seq_leq(c->snd_una, c->snd_nxt));
	TERN_ASSERT(tern_seq_leq(c->snd_nxt, c->snd_max));
	TERN_ASSERT(c->buf_len <= c->buf_cap && c->buf_head < c->buf_cap);
	/* Our FIN takes the sequence number after the ring's data: once it
	 * is acked (FIN_WAIT_2, TIME_WAIT), snd_una is one past buf_seq. */
	TERN_ASSERT(tern_seq_leq(c->snd_una, c->buf_seq) ||
		    (c->fin_queued && c->buf_len == 0 &&
		     c->snd_una == c->buf_seq + 1));
	TERN_ASSERT(tern_seq_leq(c->snd_max, c->buf_seq + c->buf_len + 1));
	tern_list_for_each(it, &c->rxq) {
		bytes += tern_list_entry(it, struct tern_pkt, link)->len;
		pkts++;
	}
	TERN_ASSERT(bytes == c->rxq_bytes && pkts == c->rxq_pkts);
	TERN_ASSERT(pkts <= cfg->tcp_rcv_pkts_max);
	TERN_ASSERT(c->ooo_pkts <= cfg->tcp_ooo_max);
	TERN_ASSERT(tcp_rcv_window((struct tern_tcp *)c) >> c->rcv_wscale <=
		    0xffff);
	TERN_ASSERT(c->snd_wscale <= TERN_TCP_WSCALE_MAX &&
		    c->rcv_wscale <= TERN_TCP_WSCALE_MAX);
	TERN_ASSERT(c->mss >= 64);
}

FUZZ_CHECKER static void check_all(struct target *t)
{
	struct tcp_core *core = t->s.net.tcp;

	uint64_t last = 0;
	uint32_t n = 0;

	for (uint32_t i = 0; i < core->n_conns; i++)
		if (core->conns[i].in_use)
			check_conn(&core->conns[i]);
	/* The TIME_WAIT table: bounded, its age list in expiry order. */
	tern_list_for_each(it, &core->tw_age) {
		const struct tcp_tw *tw =
			tern_list_entry(it, struct tcp_tw, age);

		TERN_ASSERT(tw->expires >= last);
		last = tw->expires;
		n++;
	}
	TERN_ASSERT(n == core->tw_in_use && n <= core->n_tw);
}

/* The len payload bytes of a segment at seq: the low byte of each one's
 * sequence number. */
FUZZ_CHECKER static void fill_payload(uint8_t *p, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq + i);
}

/* Builds and inputs a segment from the peer as op 0 describes. */
static void segment(struct target *t, struct fuzz_input *g, unsigned pi,
		    bool relative)
{
	static uint8_t seg[1500];
	uint8_t flags = fuzz_u8(g);
	uint32_t seq = fuzz_u32(g), ack = fuzz_u32(g);
	uint16_t win = fuzz_u16(g);
	size_t olen = fuzz_u8(g) % 41, len;
	const uint8_t *opts = fuzz_bytes(g, &olen);
	uint16_t lport;
	struct tern_tcp *c = find(t, pi, &lport);
	struct tern_tcp_hdr h;
	size_t hlen = TERN_TCP_HLEN + ((olen + 3) & ~(size_t)3);

	len = fuzz_u16(g) % (sizeof(seg) - hlen);
	if (relative && c) {
		seq += c->rcv_nxt;
		ack += c->snd_una;
	}
	memset(&h, 0, sizeof(h));
	h.sport = (uint16_t)(PEER_PORT0 + pi);
	h.dport = lport;
	h.seq = seq;
	h.ack = ack;
	h.hlen = (uint8_t)hlen;
	h.flags = flags;
	h.win = win;
	memset(seg, 0, hlen);
	tern_tcp_hdr_emit(&h, seg);
	memcpy(seg + TERN_TCP_HLEN, opts, olen);
	fill_payload(seg + hlen, len, seq);
	tern_store_be16(seg + 16, tern_tcp_cksum(FZ_PEER, FZ_IP, seg,
						 hlen + len, NULL, 0));
	fz_input_ipv4(&t->s, 0, FZ_PEER, FZ_IP, TERN_IPPROTO_TCP, seg,
		      hlen + len);
}

static void app_recv(struct tern_tcp *c, uint16_t len, uint64_t now)
{
	static uint8_t buf[8192];
	const uint8_t *p;
	size_t n;

	if (len & 1) {
		if (tern_tcp_peek(c, &p, &n) == 0 && n > 0)
			tern_tcp_consume(c, TERN_MIN(n, (size_t)len), now);
		return;
	}
	(void)tern_tcp_recv(c, buf, TERN_MIN((size_t)len, sizeof(buf)), now);
}

static void app_end(struct target *t, unsigned pi, unsigned how)
{
	struct tern_tcp *c = t->conn[pi];

	if (!c)
		return;
	switch (how % 3) {
	case 0:
		(void)tern_tcp_shutdown(c, t->s.now);
		return;
	case 1:
		tern_tcp_close(c, t->s.now);
		break;
	default:
		tern_tcp_abort(c, t->s.now);
		break;
	}
	t->conn[pi] = NULL;
}

/* Takes every waiting connection into a free handle slot by its port. */
static void accept_all(struct target *t)
{
	struct tern_tcp *c;

	while (tern_tcp_accept(t->listener, &c) == 0) {
		unsigned pi = (unsigned)(c->rport - PEER_PORT0) % PORTS;

		if (t->conn[pi])
			tern_tcp_abort(c, t->s.now);
		else
			t->conn[pi] = c;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct target t;
	static uint8_t payload[8192];
	struct fuzz_input g = { data, size };

	memset(payload, 'p', sizeof(payload));
	t.listener = NULL;
	memset(t.conn, 0, sizeof(t.conn));
	fz_stack_begin(&t.s, 40, 0);
	TERN_ASSERT(tern_tcp_listen(&t.s.net, 0, LISTEN_PORT, 2, &t.listener) ==
		    0);
	for (unsigned steps = 0; g.left && steps < 2048; steps++) {
		unsigned op = fuzz_u8(&g);
		unsigned pi = (op >> 3) & 3;
		bool relative = op & 0x20;

		switch (op & 7) {
		case 0:
			segment(&t, &g, pi, relative);
			break;
		case 1:
			t.s.now += (uint64_t)fuzz_u16(&g) * TERN_NSEC_PER_MSEC;
			tern_net_timers(&t.s.net, t.s.now);
			break;
		case 2: {
			uint16_t len = fuzz_u16(&g) % sizeof(payload);

			if (t.conn[pi])
				(void)tern_tcp_send(t.conn[pi], payload, len,
						    t.s.now);
			break;
		}
		case 3: {
			uint16_t len = fuzz_u16(&g);

			if (t.conn[pi])
				app_recv(t.conn[pi], len, t.s.now);
			break;
		}
		case 4:
			app_end(&t, pi, fuzz_u8(&g));
			break;
		case 5:
			accept_all(&t);
			break;
		case 6:
			if (!t.conn[pi])
				(void)tern_tcp_connect(
					&t.s.net, FZ_PEER,
					(uint16_t)(PEER_PORT0 + pi), t.s.now,
					&t.conn[pi]);
			break;
		case 7: {
			uint64_t d = tern_net_next_deadline(&t.s.net);

			if (d != TERN_NO_DEADLINE && d > t.s.now)
				t.s.now = d;
			tern_net_timers(&t.s.net, t.s.now);
			break;
		}
		}
		check_all(&t);
		TERN_ASSERT(t.s.net.pool.used <= t.s.net.pool.count);
	}
	for (unsigned i = 0; i < PORTS; i++)
		if (t.conn[i])
			tern_tcp_abort(t.conn[i], t.s.now);
	tern_tcp_close(t.listener, t.s.now);
	fz_stack_end(&t.s);
	return 0;
}
