/*
 * test_dhcp_client.c - the DHCP client state machine step by step under
 * explicit time: the handshake with dnsmasq's own OFFER and ACK, the
 * retransmission schedule of RFC 2131 4.1, T1 renewal (unicast), T2
 * rebinding (broadcast), expiry, NAKs, DECLINE and RELEASE, what it
 * ignores, and a seeded random walk checking the invariants.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/dhcp.h"
#include "tern/err.h"
#include "tern/rand.h"

#include "net/test_dhcp_golden.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)
#define MS(s) ((uint64_t)(s)*TERN_NSEC_PER_MSEC)

static const uint8_t MAC[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 };
static const uint32_t SRV = IP(10, 77, 0, 1);
static const uint32_t ADDR = IP(10, 77, 0, 146);
static const uint32_t BCAST = 0xffffffffu;
static const uint64_t T0 = SEC(5000);

static struct tern_dhcp_client c;
static uint32_t xid; /* of the last message sent */

/* Takes the one datagram the client queued, parses and checks it. */
static struct tern_dhcp_msg sent(struct tern_dhcp_tx *out)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;

	cr_assert(tern_dhcp_client_tx(&c, &tx), "nothing sent");
	cr_assert_eq(tern_dhcp_parse(&m, tx.data, tx.len), 0);
	cr_assert_eq(tx.len, tern_dhcp_len(&m));
	cr_assert_eq(m.op, TERN_DHCP_OP_REQUEST);
	cr_assert_eq(memcmp(m.chaddr, MAC, 6), 0);
	cr_assert_eq(m.client_id_len, 7);
	xid = m.xid;
	if (out)
		*out = tx;
	return m;
}

static void nothing_sent(void)
{
	struct tern_dhcp_tx tx;

	cr_assert(!tern_dhcp_client_tx(&c, &tx), "unexpected datagram");
}

struct reply {
	uint8_t type;
	uint32_t yiaddr;
	uint32_t server; /* 0: no option 54 */
	uint32_t lease;	 /* 0: no option 51 */
	uint32_t t1, t2; /* 0: no option */
	uint32_t mask;	 /* 0: no option 1 */
};

/* Feeds a server reply to the last xid and our MAC. */
static unsigned server_says(const struct reply *r, uint64_t now)
{
	struct tern_dhcp_msg m;
	uint8_t buf[TERN_DHCP_MSG_MAX];
	int len;

	memset(&m, 0, sizeof(m));
	m.op = TERN_DHCP_OP_REPLY;
	m.htype = 1;
	m.hlen = 6;
	m.xid = xid;
	m.yiaddr = r->yiaddr;
	memcpy(m.chaddr, MAC, 6);
	m.type = r->type;
	m.has = TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_ROUTER | TERN_DHCP_HAS_DNS;
	m.router = SRV;
	m.n_dns = 1;
	m.dns[0] = SRV;
	if (r->server) {
		m.server_id = r->server;
		m.has |= TERN_DHCP_HAS_SERVER_ID;
	}
	if (r->lease) {
		m.lease_time = r->lease;
		m.has |= TERN_DHCP_HAS_LEASE;
	}
	if (r->t1) {
		m.t1 = r->t1;
		m.has |= TERN_DHCP_HAS_T1;
	}
	if (r->t2) {
		m.t2 = r->t2;
		m.has |= TERN_DHCP_HAS_T2;
	}
	if (r->mask) {
		m.subnet_mask = r->mask;
		m.has |= TERN_DHCP_HAS_MASK;
	}
	len = tern_dhcp_emit(&m, buf, sizeof(buf));
	cr_assert_gt(len, 0);
	return tern_dhcp_client_input(&c, buf, (size_t)len, now);
}

static const struct reply OFFER = {
	TERN_DHCP_OFFER,     IP(10, 77, 0, 146), IP(10, 77, 0, 1), 120, 20, 40,
	IP(255, 255, 255, 0)
};
static const struct reply ACK = {
	TERN_DHCP_ACK,	     IP(10, 77, 0, 146), IP(10, 77, 0, 1), 120, 20, 40,
	IP(255, 255, 255, 0)
};
static const struct reply NAK = {
	TERN_DHCP_NAK, 0, IP(10, 77, 0, 1), 0, 0, 0, 0
};

static void setup(void)
{
	tern_dhcp_client_init(&c, NULL, MAC, 1);
}

TestSuite(dhcp_client, .init = setup);

/* Start at T0, answer the DISCOVER at T0 and the REQUEST at T0 + 10 ms.
 * The lease then counts from T0 (when the REQUEST went out). */
static void bind_at_t0(void)
{
	cr_assert_eq(tern_dhcp_client_start(&c, T0), 0);
	sent(NULL);
	cr_assert_eq(server_says(&OFFER, T0), 0);
	sent(NULL);
	cr_assert_eq(server_says(&ACK, T0 + MS(10)), TERN_DHCP_EV_BOUND);
	nothing_sent();
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_BOUND);
}

/* The golden reply with our xid. */
static unsigned golden_reply(const uint8_t *golden, size_t len, uint64_t now)
{
	uint8_t m[TERN_DHCP_MSG_MAX];

	memcpy(m, golden, len);
	m[4] = (uint8_t)(xid >> 24);
	m[5] = (uint8_t)(xid >> 16);
	m[6] = (uint8_t)(xid >> 8);
	m[7] = (uint8_t)xid;
	return tern_dhcp_client_input(&c, m, len, now);
}

Test(dhcp_client, handshake_with_dnsmasq_replies)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;
	const struct tern_dhcp_lease *l;
	uint32_t discover_xid;

	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_STOPPED);
	cr_assert_eq(tern_dhcp_client_deadline(&c), TERN_NO_DEADLINE);
	cr_assert_eq(tern_dhcp_client_start(&c, T0), 0);
	m = sent(&tx);
	discover_xid = m.xid;
	cr_assert_eq(m.type, TERN_DHCP_DISCOVER);
	cr_assert_eq(m.flags, TERN_DHCP_FLAG_BROADCAST);
	cr_assert_eq(m.ciaddr, 0);
	cr_assert(m.has & TERN_DHCP_HAS_PRL);
	cr_assert(!(m.has & TERN_DHCP_HAS_REQ_IP));
	cr_assert_eq(tx.src, 0);
	cr_assert_eq(tx.dst, BCAST);
	cr_assert_eq(tx.len, TERN_DHCP_BOOTP_MIN);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_SELECTING);

	cr_assert_eq(golden_reply(golden_dhcp_offer, sizeof(golden_dhcp_offer),
				  T0 + MS(10)),
		     0);
	m = sent(&tx);
	cr_assert_eq(m.type, TERN_DHCP_REQUEST);
	cr_assert_eq(m.xid, discover_xid);
	cr_assert_eq(m.requested_ip, ADDR);
	cr_assert_eq(m.server_id, SRV);
	cr_assert_eq(m.ciaddr, 0);
	cr_assert_eq(tx.dst, BCAST);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_REQUESTING);
	cr_assert_null(tern_dhcp_client_lease(&c));

	cr_assert_eq(golden_reply(golden_dhcp_ack, sizeof(golden_dhcp_ack),
				  T0 + MS(20)),
		     TERN_DHCP_EV_BOUND);
	nothing_sent();
	l = tern_dhcp_client_lease(&c);
	cr_assert_not_null(l);
	cr_assert_eq(l->addr, ADDR);
	cr_assert_eq(l->prefix, 24);
	cr_assert_eq(l->router, SRV);
	cr_assert_eq(l->n_dns, 1);
	cr_assert_eq(l->dns[0], SRV);
	cr_assert_eq(l->server_id, SRV);
	cr_assert_eq(l->lease_s, 120);
	cr_assert_eq(l->start, T0 + MS(10));
	cr_assert_eq(l->t1_at, T0 + MS(10) + SEC(20));
	cr_assert_eq(l->t2_at, T0 + MS(10) + SEC(40));
	cr_assert_eq(l->expire_at, T0 + MS(10) + SEC(120));
	cr_assert_eq(tern_dhcp_client_deadline(&c), l->t1_at);
	cr_assert_eq(tern_dhcp_client_stats(&c)->bound, 1);
}

Test(dhcp_client, discover_backoff_schedule)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		uint64_t last = T0;
		uint32_t first_xid;

		tern_dhcp_client_init(&c, NULL, MAC, seed);
		tern_dhcp_client_start(&c, T0);
		first_xid = sent(NULL).xid;
		for (int i = 0; i < 8; i++) {
			uint64_t d = tern_dhcp_client_deadline(&c);
			uint64_t base = SEC(4) << i;

			if (base > SEC(64))
				base = SEC(64);
			cr_assert_geq(d - last, base - SEC(1),
				      "seed %lu try %d", (unsigned long)seed,
				      i);
			cr_assert_leq(d - last, base + SEC(1),
				      "seed %lu try %d", (unsigned long)seed,
				      i);
			cr_assert_eq(tern_dhcp_client_tick(&c, d - 1), 0);
			nothing_sent();
			cr_assert_eq(tern_dhcp_client_tick(&c, d), 0);
			cr_assert_eq(sent(NULL).xid, first_xid);
			last = d;
		}
		cr_assert_eq(tern_dhcp_client_stats(&c)->retransmits, 8);
	}
}

Test(dhcp_client, request_gives_up_after_tries)
{
	uint32_t first;

	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	server_says(&OFFER, T0);
	first = sent(NULL).xid;
	for (int i = 1; i < 4; i++) {
		tern_dhcp_client_tick(&c, tern_dhcp_client_deadline(&c));
		cr_assert_eq(sent(NULL).type, TERN_DHCP_REQUEST);
	}
	cr_assert_eq(tern_dhcp_client_stats(&c)->tx_request, 4);
	tern_dhcp_client_tick(&c, tern_dhcp_client_deadline(&c));
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
	cr_assert_neq(xid, first);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_SELECTING);
}

Test(dhcp_client, renew_at_t1_is_unicast)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;
	const struct tern_dhcp_lease *l;
	uint32_t bound_xid;

	bind_at_t0();
	bound_xid = xid;
	cr_assert_eq(tern_dhcp_client_tick(&c, T0 + SEC(20) - 1), 0);
	nothing_sent();
	cr_assert_eq(tern_dhcp_client_tick(&c, T0 + SEC(20)), 0);
	m = sent(&tx);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_RENEWING);
	cr_assert_eq(m.type, TERN_DHCP_REQUEST);
	cr_assert_neq(m.xid, bound_xid);
	cr_assert_eq(m.ciaddr, ADDR);
	cr_assert_eq(m.flags, 0);
	cr_assert(!(m.has & (TERN_DHCP_HAS_REQ_IP | TERN_DHCP_HAS_SERVER_ID)));
	cr_assert_eq(tx.src, ADDR);
	cr_assert_eq(tx.dst, SRV);
	/* Half of the 20 s to T2 is under the 60 s minimum: wait to T2. */
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(40));

	cr_assert_eq(server_says(&ACK, T0 + SEC(21)), TERN_DHCP_EV_RENEWED);
	l = tern_dhcp_client_lease(&c);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_BOUND);
	cr_assert_eq(l->start, T0 + SEC(20));
	cr_assert_eq(l->t1_at, T0 + SEC(40));
	cr_assert_eq(l->expire_at, T0 + SEC(140));
	cr_assert_eq(tern_dhcp_client_stats(&c)->renewed, 1);
}

Test(dhcp_client, renew_retransmits_at_half_the_time_left)
{
	struct tern_dhcp_config cfg;

	tern_dhcp_config_default(&cfg);
	cfg.renew_min_ns = SEC(1);
	tern_dhcp_client_init(&c, &cfg, MAC, 3);
	bind_at_t0();
	tern_dhcp_client_tick(&c, T0 + SEC(20));
	sent(NULL);
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(30));
	tern_dhcp_client_tick(&c, T0 + SEC(30));
	cr_assert_eq(sent(NULL).ciaddr, ADDR);
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(35));
	tern_dhcp_client_tick(&c, T0 + SEC(35));
	sent(NULL);
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + MS(37500));
}

Test(dhcp_client, rebind_at_t2_then_expire)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;
	uint32_t renew_xid;

	bind_at_t0();
	tern_dhcp_client_tick(&c, T0 + SEC(20));
	renew_xid = sent(NULL).xid;
	tern_dhcp_client_tick(&c, T0 + SEC(40));
	m = sent(&tx);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_REBINDING);
	cr_assert_eq(m.xid, renew_xid);
	cr_assert_eq(m.ciaddr, ADDR);
	cr_assert_eq(tx.src, ADDR);
	cr_assert_eq(tx.dst, BCAST);
	/* 60 s minimum; the next one is clipped to the expiry. */
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(100));
	tern_dhcp_client_tick(&c, T0 + SEC(100));
	sent(NULL);
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(120));
	cr_assert_not_null(tern_dhcp_client_lease(&c));

	cr_assert_eq(tern_dhcp_client_tick(&c, T0 + SEC(120)),
		     TERN_DHCP_EV_LOST);
	cr_assert_null(tern_dhcp_client_lease(&c));
	m = sent(&tx);
	cr_assert_eq(m.type, TERN_DHCP_DISCOVER);
	cr_assert_eq(m.requested_ip, ADDR); /* a hint of the old address */
	cr_assert_eq(tx.src, 0);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_SELECTING);
	cr_assert_eq(tern_dhcp_client_stats(&c)->expired, 1);
}

Test(dhcp_client, rebinding_ack_from_another_server)
{
	struct reply other = ACK;

	bind_at_t0();
	tern_dhcp_client_tick(&c, T0 + SEC(20));
	sent(NULL);
	tern_dhcp_client_tick(&c, T0 + SEC(40));
	sent(NULL);
	other.server = IP(10, 77, 0, 2);
	cr_assert_eq(server_says(&other, T0 + SEC(41)), TERN_DHCP_EV_RENEWED);
	cr_assert_eq(tern_dhcp_client_lease(&c)->server_id, IP(10, 77, 0, 2));
	/* Another address: the old one goes, the new one comes. */
	tern_dhcp_client_tick(&c, tern_dhcp_client_deadline(&c));
	sent(NULL);
	other.yiaddr = IP(10, 77, 0, 147);
	cr_assert_eq(server_says(&other, T0 + SEC(62)),
		     TERN_DHCP_EV_LOST | TERN_DHCP_EV_BOUND);
	cr_assert_eq(tern_dhcp_client_lease(&c)->addr, IP(10, 77, 0, 147));
}

Test(dhcp_client, clock_jump_past_t2_rebinds_at_once)
{
	bind_at_t0();
	tern_dhcp_client_tick(&c, T0 + SEC(50));
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_REBINDING);
	cr_assert_eq(sent(NULL).ciaddr, ADDR);
	/* And past the expiry: the lease goes. */
	cr_assert_eq(tern_dhcp_client_tick(&c, T0 + SEC(500)),
		     TERN_DHCP_EV_LOST);
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
}

Test(dhcp_client, nak_in_requesting_restarts_with_growing_delay)
{
	uint32_t before;

	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	server_says(&OFFER, T0);
	before = sent(NULL).xid;
	/* The first NAK restarts at once with a new xid. */
	cr_assert_eq(server_says(&NAK, T0 + MS(1)), 0);
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
	cr_assert_neq(xid, before);
	/* The second waits 1 s, the third 2 s. */
	for (uint64_t wait = 1; wait <= 2; wait++) {
		uint64_t now = T0 + SEC(10 * wait);

		server_says(&OFFER, now);
		sent(NULL);
		cr_assert_eq(server_says(&NAK, now), 0);
		nothing_sent();
		cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_INIT);
		cr_assert_eq(tern_dhcp_client_deadline(&c), now + SEC(wait));
		tern_dhcp_client_tick(&c, now + SEC(wait));
		cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
	}
	cr_assert_eq(tern_dhcp_client_stats(&c)->rx_nak, 3);
}

Test(dhcp_client, nak_in_renewing_drops_lease)
{
	bind_at_t0();
	tern_dhcp_client_tick(&c, T0 + SEC(20));
	sent(NULL);
	cr_assert_eq(server_says(&NAK, T0 + SEC(21)), TERN_DHCP_EV_LOST);
	cr_assert_null(tern_dhcp_client_lease(&c));
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
	cr_assert_eq(tern_dhcp_client_stats(&c)->lost_nak, 1);
}

Test(dhcp_client, ignores_what_is_not_for_it)
{
	const struct tern_dhcp_stats *st = tern_dhcp_client_stats(&c);
	uint8_t m[sizeof(golden_dhcp_offer)];
	struct reply bad;

	/* Stopped: nothing is ours. */
	cr_assert_eq(golden_reply(golden_dhcp_offer, sizeof(m), T0), 0);
	cr_assert_eq(st->rx_not_ours, 1);

	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	/* Another xid, another MAC, a request instead of a reply. */
	memcpy(m, golden_dhcp_offer, sizeof(m));
	cr_assert_eq(tern_dhcp_client_input(&c, m, sizeof(m), T0), 0);
	golden_reply(golden_dhcp_offer, sizeof(m), T0); /* sets our xid */
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_REQUESTING);
	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	sent(NULL);
	memcpy(m, golden_dhcp_offer, sizeof(m));
	m[4] = (uint8_t)(xid >> 24);
	m[5] = (uint8_t)(xid >> 16);
	m[6] = (uint8_t)(xid >> 8);
	m[7] = (uint8_t)xid;
	m[33] ^= 1; /* chaddr */
	cr_assert_eq(tern_dhcp_client_input(&c, m, sizeof(m), T0), 0);
	m[33] ^= 1;
	m[0] = TERN_DHCP_OP_REQUEST;
	cr_assert_eq(tern_dhcp_client_input(&c, m, sizeof(m), T0), 0);
	cr_assert_eq(st->rx_not_ours, 4);
	/* Malformed. */
	cr_assert_eq(tern_dhcp_client_input(&c, m, 100, T0), 0);
	cr_assert_eq(st->rx_malformed, 1);

	/* Wrong contents for SELECTING: an ACK; OFFERs without server id or
	 * with addresses no host may have. */
	bad = ACK;
	cr_assert_eq(server_says(&bad, T0), 0);
	bad = OFFER;
	bad.server = 0;
	cr_assert_eq(server_says(&bad, T0), 0);
	static const uint32_t bad_addrs[] = { 0, IP(127, 0, 0, 1),
					      IP(224, 0, 0, 1), BCAST,
					      IP(0, 1, 2, 3) };
	for (size_t i = 0; i < TERN_ARRAY_SIZE(bad_addrs); i++) {
		bad = OFFER;
		bad.yiaddr = bad_addrs[i];
		cr_assert_eq(server_says(&bad, T0), 0);
	}
	cr_assert_eq(st->rx_unexpected, 2 + TERN_ARRAY_SIZE(bad_addrs));
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_SELECTING);
	nothing_sent();

	/* REQUESTING: an ACK from another server, an ACK without lease
	 * time, a second OFFER. */
	server_says(&OFFER, T0);
	sent(NULL);
	bad = ACK;
	bad.server = IP(10, 77, 0, 9);
	cr_assert_eq(server_says(&bad, T0), 0);
	bad = ACK;
	bad.lease = 0;
	cr_assert_eq(server_says(&bad, T0), 0);
	cr_assert_eq(server_says(&OFFER, T0), 0);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_REQUESTING);
	nothing_sent();
	/* BOUND: a stray ACK changes nothing. */
	server_says(&ACK, T0);
	cr_assert_eq(server_says(&ACK, T0), 0);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_BOUND);
}

Test(dhcp_client, server_times_sanitized)
{
	static const struct {
		uint32_t lease, t1, t2;
		uint64_t want_t1, want_t2;
	} cases[] = {
		{ 100, 0, 0, SEC(50), MS(87500) },    /* defaults */
		{ 100, 60, 30, SEC(30), SEC(30) },    /* T1 > T2: T1 = T2 */
		{ 100, 10, 200, SEC(10), MS(87500) }, /* T2 > lease */
		{ 100, 95, 90, SEC(50), SEC(90) },    /* T1 > T2 again */
		{ 8, 0, 0, SEC(4), SEC(7) },
	};

	for (size_t i = 0; i < TERN_ARRAY_SIZE(cases); i++) {
		struct reply ack = ACK;
		const struct tern_dhcp_lease *l;

		tern_dhcp_client_init(&c, NULL, MAC, i);
		tern_dhcp_client_start(&c, T0);
		sent(NULL);
		server_says(&OFFER, T0);
		sent(NULL);
		ack.lease = cases[i].lease;
		ack.t1 = cases[i].t1;
		ack.t2 = cases[i].t2;
		cr_assert_eq(server_says(&ack, T0), TERN_DHCP_EV_BOUND);
		l = tern_dhcp_client_lease(&c);
		cr_assert_eq(l->t1_at - T0, cases[i].want_t1, "case %zu", i);
		cr_assert_eq(l->t2_at - T0, cases[i].want_t2, "case %zu", i);
		cr_assert_eq(l->expire_at - T0, SEC(cases[i].lease));
	}
}

Test(dhcp_client, infinite_lease_and_prefixes)
{
	struct reply ack = ACK;

	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	server_says(&OFFER, T0);
	sent(NULL);
	ack.lease = 0xffffffffu;
	ack.mask = 0; /* no mask: classful, 10/8 */
	cr_assert_eq(server_says(&ack, T0), TERN_DHCP_EV_BOUND);
	cr_assert_eq(tern_dhcp_client_deadline(&c), TERN_NO_DEADLINE);
	cr_assert_eq(tern_dhcp_client_lease(&c)->expire_at, TERN_NO_DEADLINE);
	cr_assert_eq(tern_dhcp_client_lease(&c)->prefix, 8);
	cr_assert_eq(tern_dhcp_client_tick(&c, UINT64_MAX - 1), 0);
	nothing_sent();

	/* A non-contiguous mask is ignored too. */
	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	server_says(&OFFER, T0);
	sent(NULL);
	ack.mask = IP(255, 0, 255, 0);
	server_says(&ack, T0);
	cr_assert_eq(tern_dhcp_client_lease(&c)->prefix, 8);
	tern_dhcp_client_start(&c, T0);
	sent(NULL);
	server_says(&OFFER, T0);
	sent(NULL);
	ack.mask = IP(255, 255, 255, 252);
	server_says(&ack, T0);
	cr_assert_eq(tern_dhcp_client_lease(&c)->prefix, 30);
}

Test(dhcp_client, decline_waits_then_discovers)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;

	bind_at_t0();
	cr_assert_eq(tern_dhcp_client_decline(&c, T0 + SEC(1)),
		     TERN_DHCP_EV_LOST);
	m = sent(&tx);
	cr_assert_eq(m.type, TERN_DHCP_DECLINE);
	cr_assert_eq(m.requested_ip, ADDR);
	cr_assert_eq(m.server_id, SRV);
	cr_assert_eq(m.ciaddr, 0);
	cr_assert_eq(tx.src, 0);
	cr_assert_eq(tx.dst, BCAST);
	nothing_sent();
	cr_assert_null(tern_dhcp_client_lease(&c));
	cr_assert_eq(tern_dhcp_client_deadline(&c), T0 + SEC(11));
	tern_dhcp_client_tick(&c, T0 + SEC(11));
	m = sent(NULL);
	cr_assert_eq(m.type, TERN_DHCP_DISCOVER);
	cr_assert(!(m.has & TERN_DHCP_HAS_REQ_IP)); /* not that one again */
	cr_assert_eq(tern_dhcp_client_decline(&c, T0 + SEC(12)), 0);
}

Test(dhcp_client, decline_with_no_wait_keeps_both_datagrams)
{
	struct tern_dhcp_config cfg;

	tern_dhcp_config_default(&cfg);
	cfg.decline_wait_ns = 0;
	tern_dhcp_client_init(&c, &cfg, MAC, 5);
	bind_at_t0();
	tern_dhcp_client_decline(&c, T0 + SEC(1));
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DECLINE);
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
	nothing_sent();
}

Test(dhcp_client, release_stops)
{
	struct tern_dhcp_tx tx;
	struct tern_dhcp_msg m;

	bind_at_t0();
	cr_assert_eq(tern_dhcp_client_release(&c, T0 + SEC(5)),
		     TERN_DHCP_EV_LOST);
	m = sent(&tx);
	cr_assert_eq(m.type, TERN_DHCP_RELEASE);
	cr_assert_eq(m.ciaddr, ADDR);
	cr_assert_eq(m.server_id, SRV);
	cr_assert(!(m.has & TERN_DHCP_HAS_PRL));
	cr_assert_eq(tx.src, ADDR);
	cr_assert_eq(tx.dst, SRV);
	cr_assert_eq(tern_dhcp_client_state(&c), TERN_DHCP_STOPPED);
	cr_assert_eq(tern_dhcp_client_deadline(&c), TERN_NO_DEADLINE);
	cr_assert_eq(server_says(&ACK, T0 + SEC(6)), 0);
	cr_assert_eq(tern_dhcp_client_release(&c, T0 + SEC(7)), 0);
	nothing_sent();
	cr_assert_str_eq(tern_dhcp_state_name(tern_dhcp_client_state(&c)),
			 "STOPPED");
}

Test(dhcp_client, restart_while_bound_reports_loss)
{
	bind_at_t0();
	cr_assert_eq(tern_dhcp_client_start(&c, T0 + SEC(2)),
		     TERN_DHCP_EV_LOST);
	cr_assert_eq(sent(NULL).type, TERN_DHCP_DISCOVER);
}

Test(dhcp_client, hostname_in_requests)
{
	struct tern_dhcp_config cfg;
	struct tern_dhcp_msg m;

	tern_dhcp_config_default(&cfg);
	cfg.hostname = "tern-echo";
	tern_dhcp_client_init(&c, &cfg, MAC, 9);
	tern_dhcp_client_start(&c, T0);
	m = sent(NULL);
	cr_assert(m.has & TERN_DHCP_HAS_HOSTNAME);
	cr_assert_str_eq(m.hostname, "tern-echo");
}

/* Random replies (well formed or not, right xid or not), ticks at the
 * deadline and random time jumps. After every step: tick never leaves a
 * deadline at or before now, a lease exists exactly in BOUND, RENEWING and
 * REBINDING, and every datagram is a well-formed request of ours. */
Test(dhcp_client, random_walk_invariants)
{
	static const uint8_t types[] = { TERN_DHCP_OFFER, TERN_DHCP_ACK,
					 TERN_DHCP_NAK, TERN_DHCP_REQUEST, 0 };

	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct tern_rand rnd;
		uint64_t now = T0;

		tern_rand_seed(&rnd, seed);
		tern_dhcp_client_init(&c, NULL, MAC, seed);
		tern_dhcp_client_start(&c, now);
		for (int step = 0; step < 400; step++) {
			struct tern_dhcp_tx tx;
			enum tern_dhcp_state st;
			uint64_t d;

			while (tern_dhcp_client_tx(&c, &tx)) {
				struct tern_dhcp_msg m;

				cr_assert_eq(
					tern_dhcp_parse(&m, tx.data, tx.len), 0,
					"seed %lu", (unsigned long)seed);
				cr_assert_eq(m.op, TERN_DHCP_OP_REQUEST);
				xid = m.xid;
			}
			switch (tern_rand_below(&rnd, 4)) {
			case 0: {
				struct reply r = OFFER;

				r.type = types[tern_rand_below(&rnd, 5)];
				r.lease = (uint32_t)tern_rand_below(&rnd, 300);
				r.t1 = (uint32_t)tern_rand_below(&rnd, 300);
				r.t2 = (uint32_t)tern_rand_below(&rnd, 300);
				if (tern_rand_below(&rnd, 8) == 0)
					xid ^= 1;
				server_says(&r, now);
				break;
			}
			case 1:
				now += tern_rand_below(&rnd, SEC(200));
				break;
			default:
				d = tern_dhcp_client_deadline(&c);
				if (d == TERN_NO_DEADLINE)
					break;
				now = d > now ? d : now;
				tern_dhcp_client_tick(&c, now);
				cr_assert_gt(tern_dhcp_client_deadline(&c), now,
					     "seed %lu step %d",
					     (unsigned long)seed, step);
				break;
			}
			st = tern_dhcp_client_state(&c);
			cr_assert_eq(tern_dhcp_client_lease(&c) != NULL,
				     st == TERN_DHCP_BOUND ||
					     st == TERN_DHCP_RENEWING ||
					     st == TERN_DHCP_REBINDING,
				     "seed %lu step %d", (unsigned long)seed,
				     step);
		}
	}
}
