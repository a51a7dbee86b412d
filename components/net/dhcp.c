/*
 * dhcp.c - the DHCP client core on a stack: a struct tern_ucore (a UDP
 * socket on 0.0.0.0:68 and a wheel timer, net_loop.h) and the code that
 * turns lease events into interface configuration (dhcp.h, "On a stack").
 *
 * The ucore feeds each datagram to input() and runs tick() on the core's
 * deadline, both from its timer callback, outside the stack; each applies
 * the events of its core call and sends what the core queued.
 *
 * Order matters for the source address of what goes out: a lost lease's
 * address is cleared before the next DISCOVER or DECLINE is sent (they
 * must come from 0.0.0.0), while RELEASE and renewals leave from the
 * address still configured.
 */
#include "tern/dhcp.h"

#include <string.h>

#include "tern/dns.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/log.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"

/* How long tern_dhcp_stop() lets a RELEASE wait for ARP (from a fiber). */
#define RELEASE_GRACE_NS (250 * TERN_NSEC_PER_MSEC)

static void send_pending(struct tern_dhcp *d, uint64_t now)
{
	struct tern_dhcp_tx tx;

	while (tern_dhcp_client_tx(&d->client, &tx))
		if (tern_udp_sendto(&d->uc.udp, tx.dst, TERN_DHCP_SERVER_PORT,
				    tx.data, tx.len, now) < 0)
			d->stats.tx_failed++;
}

/* Removes the address we configured; why is for the log. */
static void clear_addr(struct tern_dhcp *d, const char *why)
{
	if (!d->configured)
		return;
	tern_net_if_clear_addr(d->loop->net, d->ifindex);
	d->configured = false;
	d->stats.cleared++;
	tern_log_info("dhcp: if%u address removed (%s)", d->ifindex, why);
}

/* Writes the lease to the interface if it differs from what is there.
 * Returns 0 or the stack's error. */
static int configure(struct tern_dhcp *d, const struct tern_dhcp_lease *l,
		     uint64_t now)
{
	uint32_t mask = tern_ipv4_mask(l->prefix);
	uint32_t gw = l->router, addr = 0, old_gw = 0;
	unsigned prefix = 0;
	char a[TERN_IPV4_STR_MAX], g[TERN_IPV4_STR_MAX];
	int rc;

	if (gw && (gw & mask) != (l->addr & mask))
		gw = 0; /* a router we could not reach: no default route */
	tern_net_if_get_addr(d->loop->net, d->ifindex, &addr, &prefix, &old_gw);
	if (d->configured && addr == l->addr && prefix == l->prefix &&
	    old_gw == gw)
		return 0;
	rc = tern_net_if_set_addr(d->loop->net, d->ifindex, l->addr, l->prefix,
				  gw, now);
	if (rc < 0)
		return rc;
	d->configured = true;
	d->stats.applied++;
	tern_log_info("dhcp: if%u bound %s/%u gw %s lease %lu s", d->ifindex,
		      tern_ipv4_format(l->addr, a), l->prefix,
		      gw ? tern_ipv4_format(gw, g) : "none",
		      (unsigned long)l->lease_s);
	return 0;
}

/* Acts on the events of one core call: LOST first, then BOUND/RENEWED. */
static void apply(struct tern_dhcp *d, unsigned ev, uint64_t now)
{
	const struct tern_dhcp_lease *l;

	if (ev & TERN_DHCP_EV_LOST)
		clear_addr(d, "lease lost");
	if (!(ev & (TERN_DHCP_EV_BOUND | TERN_DHCP_EV_RENEWED)))
		return;
	l = tern_dhcp_client_lease(&d->client);
	if (configure(d, l, now) < 0) {
		/* The stack will not take it (prefix 0, a broadcast
		 * address): tell the server, try again later. */
		d->stats.apply_failed++;
		tern_log_warn("dhcp: if%u lease refused by the stack, declined",
			      d->ifindex);
		clear_addr(d, "lease refused");
		tern_dhcp_client_decline(&d->client, now);
		return;
	}
	if (d->dns && l->n_dns > 0)
		tern_dns_set_servers(d->dns, l->dns, l->n_dns);
	tern_waitq_wake_all(d->loop->sched, &d->waiters);
}

/* One datagram from the ucore: checked, then given to the core. */
static void input(void *ctx, const struct tern_udp_meta *meta,
		  const uint8_t *data, size_t len, uint64_t now)
{
	struct tern_dhcp *d = ctx;

	if (meta->len > len) {
		d->stats.rx_truncated++;
		return;
	}
	if (meta->sport != TERN_DHCP_SERVER_PORT) {
		d->stats.rx_wrong_port++;
		return;
	}
	apply(d, tern_dhcp_client_input(&d->client, data, len, now), now);
	send_pending(d, now);
}

/* The core's timers, from the ucore. Returns the core's next deadline. */
static uint64_t tick(void *ctx, uint64_t now)
{
	struct tern_dhcp *d = ctx;

	apply(d, tern_dhcp_client_tick(&d->client, now), now);
	send_pending(d, now);
	return tern_dhcp_client_deadline(&d->client);
}

static const struct tern_ucore_ops ucore_ops = { input, tick };

int tern_dhcp_start(struct tern_dhcp *d, struct tern_net_loop *loop,
		    unsigned ifindex, const struct tern_dhcp_opts *opts)
{
	struct tern_net *net = loop->net;
	uint64_t now = tern_sched_now(loop->sched);
	uint64_t seed = opts ? opts->seed : 0;
	int rc;

	memset(d, 0, sizeof(*d));
	if (ifindex >= tern_net_if_count(net))
		return -TERN_ENODEV;
	if (seed == 0 && tern_entropy(&seed, sizeof(seed)) < 0)
		return -TERN_EIO;
	d->loop = loop;
	d->ifindex = ifindex;
	d->dns = opts ? opts->dns : NULL;
	tern_ucore_open(loop, &d->uc, &ucore_ops, d, d->rx_buf,
			sizeof(d->rx_buf));
	rc = tern_udp_bind_if(&d->uc.udp, ifindex);
	if (rc == 0)
		rc = tern_udp_bind(&d->uc.udp, 0, TERN_DHCP_CLIENT_PORT);
	if (rc < 0) {
		tern_ucore_close(&d->uc);
		return rc;
	}
	tern_waitq_init(&d->waiters);
	tern_dhcp_client_init(&d->client, opts ? opts->cfg : NULL,
			      tern_net_if_dev(net, ifindex)->mac, seed);
	d->running = true;
	tern_dhcp_client_start(&d->client, now);
	/* Sends the DISCOVER and arms the timer (the tick finds nothing
	 * due). */
	tern_ucore_run(&d->uc, now);
	return 0;
}

void tern_dhcp_stop(struct tern_dhcp *d, bool release)
{
	uint64_t now;

	if (!d->running)
		return;
	now = tern_sched_now(d->loop->sched);
	if (release && tern_dhcp_client_release(&d->client, now)) {
		/* The RELEASE leaves from the address, unicast to the server;
		 * if the server's MAC is not in the ARP cache it waits for
		 * resolution, and removing the address would drop it. From a
		 * fiber, give it a moment; elsewhere it is best effort. */
		send_pending(d, now);
		if (tern_fiber_current(d->loop->sched))
			tern_sleep(d->loop->sched, RELEASE_GRACE_NS);
	}
	clear_addr(d, "stopped");
	tern_ucore_close(&d->uc);
	d->running = false;
	tern_waitq_wake_all(d->loop->sched, &d->waiters);
}

int tern_dhcp_wait_bound(struct tern_dhcp *d, uint64_t deadline)
{
	while (d->running && !d->configured) {
		if (tern_waitq_wait(d->loop->sched, &d->waiters, deadline) ==
		    -TERN_ETIMEDOUT)
			return d->configured ? 0 : -TERN_ETIMEDOUT;
	}
	return d->configured ? 0 : -TERN_ECANCELED;
}

const struct tern_dhcp_lease *tern_dhcp_lease(const struct tern_dhcp *d)
{
	return d->configured ? tern_dhcp_client_lease(&d->client) : NULL;
}

void tern_dhcp_print(const struct tern_dhcp *d)
{
	const struct tern_dhcp_stats *s = tern_dhcp_client_stats(&d->client);
	const struct tern_dhcp_glue_stats *g = &d->stats;
	struct tern_counter_line l;

	tern_printf("dhcp: if%u %s\n", d->ifindex,
		    tern_dhcp_state_name(tern_dhcp_client_state(&d->client)));
	tern_counter_line_init(&l, "dhcp:");
#define C(x) tern_counter_line_add(&l, #x, s->x)
	C(rx);
	C(rx_malformed);
	C(rx_not_ours);
	C(rx_unexpected);
	C(rx_offer);
	C(rx_ack);
	C(rx_nak);
	C(tx_discover);
	C(tx_request);
	C(tx_decline);
	C(tx_release);
	C(retransmits);
	C(bound);
	C(renewed);
	C(expired);
	C(lost_nak);
#undef C
#define C(x) tern_counter_line_add(&l, #x, g->x)
	C(rx_truncated);
	C(rx_wrong_port);
	C(tx_failed);
	C(applied);
	C(apply_failed);
	C(cleared);
#undef C
	tern_counter_line_flush(&l);
}
