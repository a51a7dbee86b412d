/*
 * test_reasm.c - IPv4 reassembly: fragments in order, reversed and shuffled
 * (seeded) make the datagram; overlaps and duplicates drop it; memory and
 * time are bounded (contexts, holes, maximum length, timeout); a large ping
 * is reassembled and its reply fragmented.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/rand.h"
#include "tern/udp.h"
#include "util_net.h"

#define MAX_FRAGS 64

/* A datagram from B cut into fragments. */
struct frags {
	unsigned n;
	size_t len[MAX_FRAGS];
	uint8_t frame[MAX_FRAGS][TNET_FRAME_MAX];
};

static uint8_t msg[70000];

/* Builds a UDP message of payload_len bytes (B:1000 -> A:7) in msg and
 * returns its length (header included). */
static size_t udp_msg(size_t payload_len, uint8_t seed)
{
	struct tern_udp_hdr h = { 1000, 7, (uint16_t)(8 + payload_len), 0 };
	struct tern_iov iov = { msg + 8, payload_len };

	for (size_t i = 0; i < payload_len; i++)
		msg[8 + i] = (uint8_t)(i * 13 + seed);
	tern_udp_hdr_emit(&h, msg);
	tern_store_be16(msg + 6,
			tern_udp_cksum(TNET_B_IP, TNET_A_IP, msg, &iov, 1));
	return 8 + payload_len;
}

/* Cuts data[0..len) into fragments of chunk bytes (a multiple of 8). */
static void cut(struct frags *f, const uint8_t *data, size_t len, size_t chunk,
		uint8_t proto, uint16_t id)
{
	f->n = 0;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		cr_assert_lt(f->n, MAX_FRAGS);
		f->len[f->n] = tnet_ipv4(f->frame[f->n], tnet_mac_a, tnet_mac_b,
					 TNET_B_IP, TNET_A_IP, proto, id,
					 (uint16_t)off, off + n < len,
					 data + off, n);
		f->n++;
	}
}

static void feed(struct tnet *t, const struct frags *f, const unsigned *order)
{
	for (unsigned i = 0; i < f->n; i++) {
		unsigned k = order ? order[i] : i;

		tnet_input(t, f->frame[k], f->len[k]);
	}
}

struct rig {
	struct tnet *t;
	struct tern_udp s;
};

static void rig_open(struct rig *r, const struct tern_net_config *cfg)
{
	r->t = tnet_new(cfg, TNET_A_IP, 0);
	tnet_learn_peers(r->t);
	tern_udp_open(&r->t->net, &r->s);
	cr_assert_eq(tern_udp_bind(&r->s, 0, 7), 0);
}

static void rig_close(struct rig *r)
{
	tern_udp_close(&r->s);
	tnet_free(r->t);
}

/* Receives one datagram and checks it is payload_len bytes of seed. */
static void expect_datagram(struct rig *r, size_t payload_len, uint8_t seed)
{
	static uint8_t buf[70000];
	int n = tern_udp_recvfrom(&r->s, buf, sizeof(buf), NULL);

	cr_assert_eq(n, (int)payload_len);
	for (size_t i = 0; i < payload_len; i++)
		cr_assert_eq(buf[i], (uint8_t)(i * 13 + seed), "byte %zu", i);
}

static struct frags fr;

Test(reasm, in_order_reversed_and_shuffled)
{
	struct rig r;
	unsigned order[MAX_FRAGS];
	struct tern_rand rnd;
	uint64_t seed = 20240607;
	unsigned fragmented = 2;

	rig_open(&r, NULL);
	cut(&fr, msg, udp_msg(3000, 1), 1480, TERN_IPPROTO_UDP, 1);
	feed(r.t, &fr, NULL);
	expect_datagram(&r, 3000, 1);

	cut(&fr, msg, udp_msg(5000, 2), 512, TERN_IPPROTO_UDP, 2);
	for (unsigned i = 0; i < fr.n; i++)
		order[i] = fr.n - 1 - i;
	feed(r.t, &fr, order);
	expect_datagram(&r, 5000, 2);

	tern_rand_seed(&rnd, seed);
	for (int round = 0; round < 20; round++) {
		size_t len = 100 + tern_rand_below(&rnd, 12000);
		uint8_t s8 = (uint8_t)round;

		size_t min_chunk = ((len + 8) / (MAX_FRAGS - 1) + 8) & ~7u;
		size_t chunk = min_chunk + 8 * tern_rand_below(&rnd, 100);

		if (chunk > 1480)
			chunk = 1480;
		cut(&fr, msg, udp_msg(len, s8), chunk, TERN_IPPROTO_UDP,
		    (uint16_t)(100 + round));
		if (fr.n > 1)
			fragmented++;
		if (fr.n > TERN_NET_REASM_RANGES) {
			/* Shuffling that many could need more holes than a
			 * context tracks; keep those in order. */
			feed(r.t, &fr, NULL);
		} else {
			for (unsigned i = 0; i < fr.n; i++)
				order[i] = i;
			for (unsigned i = fr.n - 1; i > 0; i--) {
				unsigned j =
					(unsigned)tern_rand_below(&rnd, i + 1);
				unsigned tmp = order[i];

				order[i] = order[j];
				order[j] = tmp;
			}
			feed(r.t, &fr, order);
		}
		cr_assert(tern_udp_readable(&r.s), "seed %llu round %d",
			  (unsigned long long)seed, round);
		expect_datagram(&r, len, s8);
	}
	cr_assert_eq(tnet_stat(&r.t->net, "frag_reassembled"), fragmented);
	cr_assert_gt(fragmented, 12, "the rounds must mostly fragment");
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 0);
	rig_close(&r);
}

Test(reasm, overlap_drops_the_datagram)
{
	struct rig r;
	uint8_t f[TNET_FRAME_MAX];
	size_t len = udp_msg(3000, 3), n;

	rig_open(&r, NULL);
	cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, 9);
	tnet_input(r.t, fr.frame[0], fr.len[0]);
	/* A fragment at 1472 overlapping the first one's last 8 bytes. */
	n = tnet_ipv4(f, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_UDP, 9, 1472, true, msg + 1472, 16);
	tnet_input(r.t, f, n);
	cr_assert_eq(tnet_stat(&r.t->net, "frag_overlap"), 1);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 0, "context freed");
	/* The rest now starts a new context that never completes. */
	tnet_input(r.t, fr.frame[1], fr.len[1]);
	tnet_input(r.t, fr.frame[2], fr.len[2]);
	cr_assert_not(tern_udp_readable(&r.s));

	/* An exact duplicate is an overlap too. */
	cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, 10);
	tnet_input(r.t, fr.frame[1], fr.len[1]);
	tnet_input(r.t, fr.frame[1], fr.len[1]);
	cr_assert_eq(tnet_stat(&r.t->net, "frag_overlap"), 2);
	rig_close(&r);
}

Test(reasm, conflicting_ends_drop_the_datagram)
{
	struct rig r;
	uint8_t f[TNET_FRAME_MAX];
	size_t n;

	rig_open(&r, NULL);
	udp_msg(3000, 4);
	/* Last fragment says the datagram ends at 1600 ... */
	n = tnet_ipv4(f, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_UDP, 11, 1480, false, msg + 1480, 120);
	tnet_input(r.t, f, n);
	/* ... a non-last one reaches past it. */
	n = tnet_ipv4(f, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_UDP, 11, 1600, true, msg + 1600, 800);
	tnet_input(r.t, f, n);
	cr_assert_eq(tnet_stat(&r.t->net, "frag_overlap"), 1);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 0);
	rig_close(&r);
}

Test(reasm, timeout_frees_the_context)
{
	struct rig r;
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	rig_open(&r, NULL);
	cut(&fr, msg, udp_msg(3000, 5), 1480, TERN_IPPROTO_UDP, 12);
	tnet_input(r.t, fr.frame[0], fr.len[0]);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 1);
	cr_assert_eq(tern_net_next_deadline(&r.t->net),
		     r.t->now + cfg.reasm_timeout_ns);
	tern_net_timers(&r.t->net, r.t->now + cfg.reasm_timeout_ns - 1);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 1);
	r.t->now += cfg.reasm_timeout_ns;
	tern_net_timers(&r.t->net, r.t->now);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 0);
	cr_assert_eq(tnet_stat(&r.t->net, "frag_timeout"), 1);
	/* Late fragments start over and time out again. */
	tnet_input(r.t, fr.frame[1], fr.len[1]);
	tnet_input(r.t, fr.frame[2], fr.len[2]);
	cr_assert_not(tern_udp_readable(&r.s));
	rig_close(&r);
	/* rig_close drained the timers: that was the second timeout. */
}

Test(reasm, contexts_are_bounded)
{
	struct tern_net_config cfg;
	struct rig r;
	size_t len = udp_msg(3000, 6);

	tern_net_config_default(&cfg);
	cfg.seed = 1;
	cfg.reasm_contexts = 2;
	rig_open(&r, &cfg);
	for (uint16_t id = 0; id < 5; id++) {
		cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, id);
		tnet_input(r.t, fr.frame[0], fr.len[0]);
	}
	cr_assert_eq(tnet_stat(&r.t->net, "frag_no_ctx"), 3);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 2);
	/* The two admitted ones still complete. */
	for (uint16_t id = 0; id < 2; id++) {
		cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, id);
		tnet_input(r.t, fr.frame[1], fr.len[1]);
		tnet_input(r.t, fr.frame[2], fr.len[2]);
		expect_datagram(&r, 3000, 6);
	}
	rig_close(&r);
}

Test(reasm, holes_are_bounded)
{
	struct rig r;
	size_t len = udp_msg(8 * 40, 7);

	rig_open(&r, NULL);
	cut(&fr, msg, len, 8, TERN_IPPROTO_UDP, 13);
	/* Every other fragment: each one a new range. */
	for (unsigned i = 0; i < 2 * (TERN_NET_REASM_RANGES + 1); i += 2)
		tnet_input(r.t, fr.frame[i], fr.len[i]);
	cr_assert_eq(tnet_stat(&r.t->net, "frag_too_many"), 1);
	cr_assert_eq(tern_net_reasm_in_use(&r.t->net), 0);
	rig_close(&r);
}

Test(reasm, maximum_length_is_enforced)
{
	struct tern_net_config cfg;
	struct rig r;
	size_t len = udp_msg(3000, 8);

	tern_net_config_default(&cfg);
	cfg.seed = 1;
	cfg.reasm_max_len = 2000;
	rig_open(&r, &cfg);
	cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, 14);
	feed(r.t, &fr, NULL);
	/* The first fragment fits; the second and third do not. */
	cr_assert_eq(tnet_stat(&r.t->net, "frag_too_big"), 2);
	cr_assert_not(tern_udp_readable(&r.s));
	rig_close(&r);
}

Test(reasm, largest_datagram_is_reassembled)
{
	struct rig r;
	size_t len = udp_msg(TERN_UDP_MAX_PAYLOAD, 9);

	rig_open(&r, NULL);
	cut(&fr, msg, len, 1480, TERN_IPPROTO_UDP, 15);
	cr_assert_eq(fr.n, 45);
	feed(r.t, &fr, NULL);
	expect_datagram(&r, TERN_UDP_MAX_PAYLOAD, 9);
	rig_close(&r);
}

Test(reasm, big_ping_is_answered_in_fragments)
{
	struct rig r;
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	static uint8_t whole[20000];
	const uint8_t *l4;
	size_t l4len, got = 0, mlen = 8 + 10000;

	rig_open(&r, NULL);
	memset(msg, 0, 8);
	msg[0] = TERN_ICMP_ECHO_REQUEST;
	tern_store_be32(msg + 4, 0x00010002u);
	for (size_t i = 8; i < mlen; i++)
		msg[i] = (uint8_t)i;
	tern_icmp_set_cksum(msg, mlen);
	cut(&fr, msg, mlen, 1480, TERN_IPPROTO_ICMP, 16);
	feed(r.t, &fr, NULL);
	cr_assert_eq(r.t->dev.nsent, 7);
	for (unsigned i = 0; i < r.t->dev.nsent; i++) {
		cr_assert(tnet_sent_ipv4(&r.t->dev, i, &eth, &ip, &l4, &l4len));
		cr_assert_eq(ip.frag_off, got);
		memcpy(whole + got, l4, l4len);
		got += l4len;
	}
	cr_assert_eq(got, mlen);
	cr_assert_eq(whole[0], TERN_ICMP_ECHO_REPLY);
	cr_assert_eq(tern_cksum(whole, mlen), 0);
	cr_assert_arr_eq(whole + 8, msg + 8, mlen - 8);
	rig_close(&r);
}
