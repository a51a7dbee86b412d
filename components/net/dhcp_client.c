/*
 * dhcp_client.c - the DHCP client state machine (RFC 2131 4.4), sans I/O.
 *
 * The client holds at most one datagram to send and one deadline. Every
 * transition goes through a few helpers: enter_init() (drop to INIT, maybe
 * after a delay), send_discover(), send_request() (whose destination and
 * fields depend on the state) and bind() (take an ACK as the lease). The
 * deadline always comes no later than the next lease event (T1 in BOUND,
 * T2 in RENEWING, expiry in REBINDING), so tick() does nothing before it,
 * and after tick(now) the deadline lies after now: a caller that calls tick
 * at every deadline never spins.
 *
 * Time arithmetic saturates: a lease that would end past the end of the
 * uint64_t clock never ends (TERN_NO_DEADLINE is UINT64_MAX).
 */
#include "tern/dhcp.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"

#define BROADCAST 0xffffffffu
#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)
#define INFINITE_LEASE 0xffffffffu

/* What a DISCOVER or REQUEST asks the server for. */
static const uint8_t request_list[] = {
	TERN_DHCP_OPT_SUBNET_MASK, TERN_DHCP_OPT_ROUTER,    TERN_DHCP_OPT_DNS,
	TERN_DHCP_OPT_LEASE_TIME,  TERN_DHCP_OPT_SERVER_ID, TERN_DHCP_OPT_T1,
	TERN_DHCP_OPT_T2,
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void tern_dhcp_config_default(struct tern_dhcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->retrans_initial_ns = SEC(4);
	cfg->retrans_max_ns = SEC(64);
	cfg->jitter_ns = SEC(1);
	cfg->request_tries = 4;
	cfg->renew_min_ns = SEC(60);
	cfg->decline_wait_ns = SEC(10);
	cfg->hostname = NULL;
}

void tern_dhcp_client_init(struct tern_dhcp_client *c,
			   const struct tern_dhcp_config *cfg,
			   const uint8_t mac[TERN_ETH_ALEN], uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	if (cfg)
		c->cfg = *cfg;
	else
		tern_dhcp_config_default(&c->cfg);
	TERN_ASSERT(c->cfg.retrans_initial_ns > 0);
	TERN_ASSERT(c->cfg.retrans_max_ns >= c->cfg.retrans_initial_ns);
	TERN_ASSERT(c->cfg.request_tries > 0);
	TERN_ASSERT(c->cfg.renew_min_ns > 0);
	memcpy(c->mac, mac, TERN_ETH_ALEN);
	tern_rand_seed(&c->rand, seed);
	c->state = TERN_DHCP_STOPPED;
	c->deadline = TERN_NO_DEADLINE;
}

/* The retransmission timeout rto, randomized by +- cfg.jitter_ns; always
 * positive. */
static uint64_t jittered(struct tern_dhcp_client *c, uint64_t rto)
{
	uint64_t j = c->cfg.jitter_ns;

	if (j == 0)
		return rto;
	if (rto > j)
		return rto - j + tern_rand_below(&c->rand, 2 * j + 1);
	return rto + tern_rand_below(&c->rand, j + 1);
}

/* Arms the retransmission timer after a transmission and doubles the
 * timeout for the next one. */
static void arm_retransmit(struct tern_dhcp_client *c, uint64_t now)
{
	c->deadline = add_sat(now, jittered(c, c->rto));
	c->rto = c->rto > c->cfg.retrans_max_ns / 2 ? c->cfg.retrans_max_ns
						    : c->rto * 2;
}

static void new_xid(struct tern_dhcp_client *c, uint64_t now)
{
	c->xid = (uint32_t)tern_rand_u64(&c->rand);
	c->exchange_start = now;
	c->tries = 0;
	c->rto = c->cfg.retrans_initial_ns;
}

/* The fields every client message shares. */
static void base_msg(struct tern_dhcp_client *c, struct tern_dhcp_msg *m,
		     uint8_t type, uint64_t now)
{
	uint64_t secs = (now - c->exchange_start) / TERN_NSEC_PER_SEC;

	memset(m, 0, sizeof(*m));
	m->op = TERN_DHCP_OP_REQUEST;
	m->htype = TERN_DHCP_HTYPE_ETH;
	m->hlen = TERN_ETH_ALEN;
	m->xid = c->xid;
	m->secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	memcpy(m->chaddr, c->mac, TERN_ETH_ALEN);
	m->type = type;
	m->has = TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_CLIENT_ID;
	m->client_id[0] = TERN_DHCP_HTYPE_ETH;
	memcpy(m->client_id + 1, c->mac, TERN_ETH_ALEN);
	m->client_id_len = 1 + TERN_ETH_ALEN;
	if (type == TERN_DHCP_DISCOVER || type == TERN_DHCP_REQUEST) {
		memcpy(m->prl, request_list, sizeof(request_list));
		m->n_prl = sizeof(request_list);
		m->has |= TERN_DHCP_HAS_PRL;
		if (c->cfg.hostname) {
			size_t n = strlen(c->cfg.hostname);

			if (n > TERN_DHCP_HOSTNAME_MAX)
				n = TERN_DHCP_HOSTNAME_MAX;
			if (n > 0) {
				memcpy(m->hostname, c->cfg.hostname, n);
				m->hostname_len = (uint8_t)n;
				m->has |= TERN_DHCP_HAS_HOSTNAME;
			}
		}
	}
}

static void queue(struct tern_dhcp_client *c, const struct tern_dhcp_msg *m,
		  uint32_t src, uint32_t dst)
{
	unsigned slot;
	int n;

	if (c->tx_count == TERN_DHCP_TX_QUEUE) {
		/* The caller did not drain: the oldest is stale anyway. */
		c->tx_head = (c->tx_head + 1) % TERN_DHCP_TX_QUEUE;
		c->tx_count--;
	}
	slot = (c->tx_head + c->tx_count) % TERN_DHCP_TX_QUEUE;
	n = tern_dhcp_emit(m, c->tx[slot].buf, sizeof(c->tx[slot].buf));
	TERN_ASSERT(n > 0); /* our own messages always fit */
	c->tx[slot].len = (size_t)n;
	c->tx[slot].src = src;
	c->tx[slot].dst = dst;
	c->tx_count++;
}

static void send_discover(struct tern_dhcp_client *c, uint64_t now)
{
	struct tern_dhcp_msg m;

	if (c->state != TERN_DHCP_SELECTING) {
		c->state = TERN_DHCP_SELECTING;
		new_xid(c, now);
	} else {
		c->stats.retransmits++;
	}
	base_msg(c, &m, TERN_DHCP_DISCOVER, now);
	m.flags = TERN_DHCP_FLAG_BROADCAST;
	if (c->prev_addr) {
		/* RFC 2131 4.4.1: the client may suggest its last address. */
		m.requested_ip = c->prev_addr;
		m.has |= TERN_DHCP_HAS_REQ_IP;
	}
	queue(c, &m, 0, BROADCAST);
	c->stats.tx_discover++;
	c->tries++;
	arm_retransmit(c, now);
}

/* Sends (or resends) the REQUEST of the current state: broadcast for an
 * offer (SELECTING -> REQUESTING) and in REBINDING, unicast to the server
 * in RENEWING. Arms the deadline, never past the next lease event. */
static void send_request(struct tern_dhcp_client *c, uint64_t now)
{
	struct tern_dhcp_msg m;
	uint32_t src = 0, dst = BROADCAST;
	uint64_t wait, limit;

	base_msg(c, &m, TERN_DHCP_REQUEST, now);
	if (c->tries > 0)
		c->stats.retransmits++;
	c->tries++;
	c->stats.tx_request++;
	if (c->state == TERN_DHCP_REQUESTING) {
		m.flags = TERN_DHCP_FLAG_BROADCAST;
		m.requested_ip = c->offer_addr;
		m.server_id = c->offer_server;
		m.has |= TERN_DHCP_HAS_REQ_IP | TERN_DHCP_HAS_SERVER_ID;
		queue(c, &m, 0, BROADCAST);
		arm_retransmit(c, now);
		return;
	}

	/* RENEWING or REBINDING: we own the address and say so in ciaddr. */
	m.ciaddr = c->lease.addr;
	src = c->lease.addr;
	if (c->state == TERN_DHCP_RENEWING) {
		if (c->lease.server_id)
			dst = c->lease.server_id;
		limit = c->lease.t2_at;
	} else {
		limit = c->lease.expire_at;
	}
	queue(c, &m, src, dst);
	/* RFC 2131 4.4.5: wait half the time left, at least a minute. */
	wait = (limit - now) / 2;
	if (wait < c->cfg.renew_min_ns)
		wait = c->cfg.renew_min_ns;
	c->deadline = TERN_MIN(add_sat(now, wait), limit);
}

/* Drops to INIT; the DISCOVER goes out after delay (at once if 0). */
static void enter_init(struct tern_dhcp_client *c, uint64_t now, uint64_t delay)
{
	c->state = TERN_DHCP_INIT;
	c->have_lease = false;
	c->tries = 0;
	c->rto = c->cfg.retrans_initial_ns;
	if (delay == 0) {
		send_discover(c, now);
		return;
	}
	c->deadline = add_sat(now, delay);
}

/* Forgets the lease; returns TERN_DHCP_EV_LOST if there was one. */
static unsigned drop_lease(struct tern_dhcp_client *c)
{
	bool had = c->have_lease;

	c->have_lease = false;
	return had ? TERN_DHCP_EV_LOST : 0;
}

/* An address a server may give a host: not 0/8, 127/8, multicast,
 * reserved or broadcast. */
static bool host_addr_ok(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top != 0 && top != 127 && top < 224;
}

/* The prefix length of a contiguous netmask, or -1. */
static int mask_prefix(uint32_t mask)
{
	int n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return (n == 32 || (mask << n) == 0) ? n : -1;
}

/* The classful prefix of a (for a lease without a subnet mask). */
static unsigned classful_prefix(uint32_t a)
{
	if ((a >> 31) == 0)
		return 8;
	if ((a >> 30) == 2)
		return 16;
	return 24;
}

/* Takes an ACK as the lease (new or extended). Lease times count from the
 * first transmission of the exchange. Returns the events to report. */
static unsigned bind(struct tern_dhcp_client *c, const struct tern_dhcp_msg *m,
		     uint64_t now)
{
	struct tern_dhcp_lease *l = &c->lease;
	bool extend = c->have_lease && l->addr == m->yiaddr;
	unsigned ev = 0;
	int prefix = -1;
	uint64_t lease_ns, t1_ns, t2_ns;

	if (c->have_lease && !extend)
		ev |= drop_lease(c);
	if (!extend)
		memset(l, 0, sizeof(*l));
	l->addr = m->yiaddr;
	if (m->has & TERN_DHCP_HAS_MASK)
		prefix = mask_prefix(m->subnet_mask);
	l->prefix = prefix >= 0 ? (unsigned)prefix : classful_prefix(l->addr);
	l->router = (m->has & TERN_DHCP_HAS_ROUTER) ? m->router : 0;
	l->n_dns = m->n_dns;
	memcpy(l->dns, m->dns, sizeof(l->dns));
	if (m->has & TERN_DHCP_HAS_SERVER_ID)
		l->server_id = m->server_id;
	else if (!extend)
		l->server_id = c->offer_server;
	l->lease_s = m->lease_time;
	l->start = c->exchange_start;

	if (m->lease_time == INFINITE_LEASE) {
		l->t1_at = l->t2_at = l->expire_at = TERN_NO_DEADLINE;
	} else {
		lease_ns = SEC(m->lease_time);
		t1_ns = (m->has & TERN_DHCP_HAS_T1) ? SEC(m->t1) : lease_ns / 2;
		t2_ns = (m->has & TERN_DHCP_HAS_T2) ? SEC(m->t2)
						    : lease_ns / 8 * 7;
		/* Nonsense from the server (T2 past the lease, T1 past T2)
		 * falls back to the defaults, then to T1 = T2. */
		if (t2_ns > lease_ns)
			t2_ns = lease_ns / 8 * 7;
		if (t1_ns > t2_ns)
			t1_ns = lease_ns / 2;
		if (t1_ns > t2_ns)
			t1_ns = t2_ns;
		l->t1_at = add_sat(l->start, t1_ns);
		l->t2_at = add_sat(l->start, t2_ns);
		l->expire_at = add_sat(l->start, lease_ns);
	}

	c->have_lease = true;
	c->prev_addr = l->addr;
	c->naks = 0;
	c->state = TERN_DHCP_BOUND;
	c->tries = 0;
	c->deadline = l->t1_at;
	if (extend) {
		c->stats.renewed++;
		ev |= TERN_DHCP_EV_RENEWED;
	} else {
		c->stats.bound++;
		ev |= TERN_DHCP_EV_BOUND;
	}
	(void)now;
	return ev;
}

/* The INIT delay after the n-th NAK in a row: none for the first, then 1 s
 * doubling to retrans_max_ns, so a server that NAKs everything cannot make
 * the client spin. */
static uint64_t nak_delay(const struct tern_dhcp_client *c)
{
	uint64_t d = TERN_NSEC_PER_SEC;

	if (c->naks <= 1)
		return 0;
	for (unsigned i = 2; i < c->naks && d < c->cfg.retrans_max_ns; i++)
		d *= 2;
	return TERN_MIN(d, c->cfg.retrans_max_ns);
}

unsigned tern_dhcp_client_start(struct tern_dhcp_client *c, uint64_t now)
{
	unsigned ev = drop_lease(c);

	c->naks = 0;
	enter_init(c, now, 0);
	return ev;
}

/* Handles a message that is ours (op, chaddr and xid match). */
static unsigned handle(struct tern_dhcp_client *c,
		       const struct tern_dhcp_msg *m, uint64_t now)
{
	unsigned ev;

	switch (c->state) {
	case TERN_DHCP_SELECTING:
		if (m->type != TERN_DHCP_OFFER || !host_addr_ok(m->yiaddr) ||
		    !(m->has & TERN_DHCP_HAS_SERVER_ID))
			break;
		c->stats.rx_offer++;
		c->offer_addr = m->yiaddr;
		c->offer_server = m->server_id;
		c->state = TERN_DHCP_REQUESTING;
		/* Same xid (RFC 2131 4.4.1); the lease counts from now. */
		c->exchange_start = now;
		c->tries = 0;
		c->rto = c->cfg.retrans_initial_ns;
		send_request(c, now);
		return 0;

	case TERN_DHCP_REQUESTING:
		if ((m->has & TERN_DHCP_HAS_SERVER_ID) &&
		    m->server_id != c->offer_server)
			break; /* another server's answer */
		if (m->type == TERN_DHCP_NAK) {
			c->stats.rx_nak++;
			c->naks++;
			enter_init(c, now, nak_delay(c));
			return 0;
		}
		if (m->type != TERN_DHCP_ACK || !host_addr_ok(m->yiaddr) ||
		    !(m->has & TERN_DHCP_HAS_LEASE))
			break;
		c->stats.rx_ack++;
		return bind(c, m, now);

	case TERN_DHCP_RENEWING:
	case TERN_DHCP_REBINDING:
		if (m->type == TERN_DHCP_NAK) {
			c->stats.rx_nak++;
			c->stats.lost_nak++;
			c->naks++;
			ev = drop_lease(c);
			enter_init(c, now, nak_delay(c));
			return ev;
		}
		if (m->type != TERN_DHCP_ACK || !host_addr_ok(m->yiaddr) ||
		    !(m->has & TERN_DHCP_HAS_LEASE))
			break;
		c->stats.rx_ack++;
		return bind(c, m, now);

	default:
		break;
	}
	c->stats.rx_unexpected++;
	return 0;
}

unsigned tern_dhcp_client_input(struct tern_dhcp_client *c, const void *data,
				size_t len, uint64_t now)
{
	struct tern_dhcp_msg m;

	c->stats.rx++;
	if (tern_dhcp_parse(&m, data, len) < 0) {
		c->stats.rx_malformed++;
		return 0;
	}
	if (m.op != TERN_DHCP_OP_REPLY || m.htype != TERN_DHCP_HTYPE_ETH ||
	    m.hlen != TERN_ETH_ALEN ||
	    memcmp(m.chaddr, c->mac, TERN_ETH_ALEN) != 0 || m.xid != c->xid ||
	    c->state == TERN_DHCP_STOPPED) {
		c->stats.rx_not_ours++;
		return 0;
	}
	if (!(m.has & TERN_DHCP_HAS_TYPE)) {
		c->stats.rx_unexpected++; /* plain BOOTP */
		return 0;
	}
	return handle(c, &m, now);
}

unsigned tern_dhcp_client_tick(struct tern_dhcp_client *c, uint64_t now)
{
	unsigned ev;

	if (c->deadline == TERN_NO_DEADLINE || now < c->deadline)
		return 0;
	if (c->have_lease && now >= c->lease.expire_at) {
		c->stats.expired++;
		ev = drop_lease(c);
		enter_init(c, now, 0);
		return ev;
	}

	switch (c->state) {
	case TERN_DHCP_INIT:
	case TERN_DHCP_SELECTING:
		send_discover(c, now);
		break;
	case TERN_DHCP_REQUESTING:
		if (c->tries >= c->cfg.request_tries)
			enter_init(c, now, 0); /* no ACK: start over */
		else
			send_request(c, now);
		break;
	case TERN_DHCP_BOUND:
		/* T1 (or T2, or both, if the clock jumped): one new xid for
		 * the whole renewal, so a late ACK still matches. */
		new_xid(c, now);
		c->state = now >= c->lease.t2_at ? TERN_DHCP_REBINDING
						 : TERN_DHCP_RENEWING;
		send_request(c, now);
		break;
	case TERN_DHCP_RENEWING:
		if (now >= c->lease.t2_at)
			c->state = TERN_DHCP_REBINDING;
		send_request(c, now);
		break;
	case TERN_DHCP_REBINDING:
		send_request(c, now);
		break;
	case TERN_DHCP_STOPPED:
		c->deadline = TERN_NO_DEADLINE;
		break;
	}
	return 0;
}

uint64_t tern_dhcp_client_deadline(const struct tern_dhcp_client *c)
{
	return c->deadline;
}

bool tern_dhcp_client_tx(struct tern_dhcp_client *c, struct tern_dhcp_tx *tx)
{
	unsigned slot = c->tx_head;

	if (c->tx_count == 0)
		return false;
	c->tx_head = (c->tx_head + 1) % TERN_DHCP_TX_QUEUE;
	c->tx_count--;
	tx->src = c->tx[slot].src;
	tx->dst = c->tx[slot].dst;
	tx->data = c->tx[slot].buf;
	tx->len = c->tx[slot].len;
	return true;
}

unsigned tern_dhcp_client_decline(struct tern_dhcp_client *c, uint64_t now)
{
	struct tern_dhcp_msg m;
	unsigned ev;

	if (!c->have_lease)
		return 0;
	new_xid(c, now);
	base_msg(c, &m, TERN_DHCP_DECLINE, now);
	m.requested_ip = c->lease.addr;
	m.server_id = c->lease.server_id;
	m.has |= TERN_DHCP_HAS_REQ_IP | TERN_DHCP_HAS_SERVER_ID;
	queue(c, &m, 0, BROADCAST);
	c->stats.tx_decline++;
	c->prev_addr = 0; /* do not ask for it again */
	ev = drop_lease(c);
	enter_init(c, now, c->cfg.decline_wait_ns);
	return ev;
}

unsigned tern_dhcp_client_release(struct tern_dhcp_client *c, uint64_t now)
{
	struct tern_dhcp_msg m;
	unsigned ev = 0;

	if (c->have_lease) {
		new_xid(c, now);
		base_msg(c, &m, TERN_DHCP_RELEASE, now);
		m.ciaddr = c->lease.addr;
		m.server_id = c->lease.server_id;
		m.has |= TERN_DHCP_HAS_SERVER_ID;
		queue(c, &m, c->lease.addr,
		      c->lease.server_id ? c->lease.server_id : BROADCAST);
		c->stats.tx_release++;
		ev = drop_lease(c);
	}
	c->state = TERN_DHCP_STOPPED;
	c->deadline = TERN_NO_DEADLINE;
	return ev;
}

const struct tern_dhcp_lease *
tern_dhcp_client_lease(const struct tern_dhcp_client *c)
{
	return c->have_lease ? &c->lease : NULL;
}

const char *tern_dhcp_state_name(enum tern_dhcp_state state)
{
	switch (state) {
	case TERN_DHCP_STOPPED:
		return "STOPPED";
	case TERN_DHCP_INIT:
		return "INIT";
	case TERN_DHCP_SELECTING:
		return "SELECTING";
	case TERN_DHCP_REQUESTING:
		return "REQUESTING";
	case TERN_DHCP_BOUND:
		return "BOUND";
	case TERN_DHCP_RENEWING:
		return "RENEWING";
	case TERN_DHCP_REBINDING:
		return "REBINDING";
	}
	return "?";
}
