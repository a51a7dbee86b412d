/*
 * fuzz_dhcp_client.c - fuzz target for the DHCP client state machine.
 *
 * The input is a little program: each op byte picks a step - a tick at the
 * deadline or early, a time jump, a raw datagram (optionally patched with
 * the client's xid and MAC so it gets past the first checks), a well-formed
 * reply with fuzzed fields, DECLINE, RELEASE or a restart. After every step
 * the invariants are checked:
 *   - every datagram the client sends parses and is a BOOTREQUEST from its
 *     MAC, sent broadcast from 0.0.0.0 or from the leased address;
 *   - a lease exists exactly in BOUND, RENEWING and REBINDING, and its
 *     times are ordered start <= T1 <= T2 <= expiry;
 *   - after a tick at now, the deadline lies after now (no spinning), and
 *     while a lease is held the deadline is no later than its expiry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/dhcp.h"
#include "tern/err.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 512

static const uint8_t MAC[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 };

static void check_tx(struct tern_dhcp_client *c)
{
	struct tern_dhcp_tx tx;
	const struct tern_dhcp_lease *l = tern_dhcp_client_lease(c);

	while (tern_dhcp_client_tx(c, &tx)) {
		struct tern_dhcp_msg m;

		TERN_ASSERT(tern_dhcp_parse(&m, tx.data, tx.len) == 0);
		TERN_ASSERT(tx.len == tern_dhcp_len(&m));
		TERN_ASSERT(m.op == TERN_DHCP_OP_REQUEST);
		TERN_ASSERT(memcmp(m.chaddr, MAC, 6) == 0);
		TERN_ASSERT(m.has & TERN_DHCP_HAS_TYPE);
		TERN_ASSERT(tx.src == 0 || (l && tx.src == l->addr) ||
			    m.type == TERN_DHCP_RELEASE);
		TERN_ASSERT(tx.dst != 0);
	}
}

static void check_state(const struct tern_dhcp_client *c)
{
	enum tern_dhcp_state st = tern_dhcp_client_state(c);
	const struct tern_dhcp_lease *l = tern_dhcp_client_lease(c);
	bool holding = st == TERN_DHCP_BOUND || st == TERN_DHCP_RENEWING ||
		       st == TERN_DHCP_REBINDING;

	TERN_ASSERT((l != NULL) == holding);
	if (l) {
		TERN_ASSERT(l->t1_at <= l->t2_at);
		TERN_ASSERT(l->t2_at <= l->expire_at);
		TERN_ASSERT(l->start <= l->t1_at);
		TERN_ASSERT(l->prefix <= 32);
		TERN_ASSERT(l->n_dns <= TERN_DHCP_DNS_MAX);
		TERN_ASSERT(tern_dhcp_client_deadline(c) <= l->expire_at);
	}
}

/* A reply with fields from the input, to the client's xid and MAC. */
static void structured_reply(struct tern_dhcp_client *c, struct fuzz_input *in,
			     uint64_t now)
{
	struct tern_dhcp_msg m;
	uint8_t buf[TERN_DHCP_MSG_MAX];
	uint8_t flags = fuzz_u8(in);
	int len;

	memset(&m, 0, sizeof(m));
	m.op = TERN_DHCP_OP_REPLY;
	m.htype = TERN_DHCP_HTYPE_ETH;
	m.hlen = 6;
	m.xid = (flags & 1) ? fuzz_u32(in) : c->xid;
	memcpy(m.chaddr, MAC, 6);
	m.type = fuzz_u8(in) % 9;
	m.has = TERN_DHCP_HAS_TYPE;
	m.yiaddr = (flags & 2) ? fuzz_u32(in) : 0x0a4d0092;
	if (flags & 4) {
		m.server_id = (flags & 8) ? fuzz_u32(in) : 0x0a4d0001;
		m.has |= TERN_DHCP_HAS_SERVER_ID;
	}
	if (flags & 16) {
		m.lease_time = (flags & 32) ? fuzz_u32(in) : fuzz_u8(in);
		m.has |= TERN_DHCP_HAS_LEASE;
	}
	if (flags & 64) {
		m.t1 = fuzz_u8(in);
		m.t2 = fuzz_u8(in);
		m.has |= TERN_DHCP_HAS_T1 | TERN_DHCP_HAS_T2;
	}
	if (flags & 128) {
		m.subnet_mask = fuzz_u32(in);
		m.router = fuzz_u32(in);
		m.n_dns = fuzz_u8(in) % (TERN_DHCP_DNS_MAX + 1);
		for (unsigned i = 0; i < m.n_dns; i++)
			m.dns[i] = fuzz_u32(in);
		m.has |= TERN_DHCP_HAS_MASK | TERN_DHCP_HAS_ROUTER;
		if (m.n_dns)
			m.has |= TERN_DHCP_HAS_DNS;
	}
	len = tern_dhcp_emit(&m, buf, sizeof(buf));
	TERN_ASSERT(len > 0);
	(void)tern_dhcp_client_input(c, buf, (size_t)len, now);
}

/* Raw bytes from the input, maybe patched to look like ours. */
static void raw_datagram(struct tern_dhcp_client *c, struct fuzz_input *in,
			 uint64_t now)
{
	uint8_t flags = fuzz_u8(in);
	size_t len = fuzz_u16(in) % 700;
	uint8_t *buf = fuzz_copy(in, &len);

	if ((flags & 1) && len >= 8) {
		buf[4] = (uint8_t)(c->xid >> 24);
		buf[5] = (uint8_t)(c->xid >> 16);
		buf[6] = (uint8_t)(c->xid >> 8);
		buf[7] = (uint8_t)c->xid;
	}
	if ((flags & 2) && len >= 34) {
		buf[0] = TERN_DHCP_OP_REPLY;
		buf[1] = TERN_DHCP_HTYPE_ETH;
		buf[2] = 6;
		memcpy(buf + 28, MAC, 6);
	}
	if ((flags & 4) && len >= 240) {
		buf[236] = 0x63;
		buf[237] = 0x82;
		buf[238] = 0x53;
		buf[239] = 0x63;
	}
	(void)tern_dhcp_client_input(c, buf, len, now);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tern_dhcp_client c;
	struct fuzz_input in = { data, size };
	uint64_t now = TERN_NSEC_PER_SEC;
	uint64_t seed = fuzz_u32(&in);

	tern_dhcp_client_init(&c, NULL, MAC, seed);
	tern_dhcp_client_start(&c, now);
	for (int op = 0; op < MAX_OPS && in.left > 0; op++) {
		uint64_t d;

		check_tx(&c);
		switch (fuzz_u8(&in) % 8) {
		case 0:
			d = tern_dhcp_client_deadline(&c);
			if (d == TERN_NO_DEADLINE)
				break;
			if (d > now)
				now = d;
			tern_dhcp_client_tick(&c, now);
			TERN_ASSERT(tern_dhcp_client_deadline(&c) > now);
			break;
		case 1:
			now += (uint64_t)fuzz_u32(&in) * TERN_NSEC_PER_MSEC;
			break;
		case 2:
			raw_datagram(&c, &in, now);
			break;
		case 3:
			structured_reply(&c, &in, now);
			break;
		case 4:
			(void)tern_dhcp_client_decline(&c, now);
			break;
		case 5:
			(void)tern_dhcp_client_release(&c, now);
			break;
		case 6:
			(void)tern_dhcp_client_start(&c, now);
			break;
		default:
			(void)tern_dhcp_client_tick(&c, now);
			break;
		}
		check_state(&c);
	}
	check_tx(&c);
	return 0;
}
