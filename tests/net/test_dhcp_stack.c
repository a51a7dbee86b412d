/*
 * test_dhcp_stack.c - the DHCP client and the resolver on a real stack
 * (dhcp.c, dns.c): stack A starts unconfigured and runs tern_dhcp_start()
 * and tern_dns_start(); stack B, over a perfect memlink under the virtual
 * clock, runs a small scripted DHCP server (port 67) and DNS server (port
 * 53) on fibers. The whole lease life - bind, DNS servers handed to the
 * resolver, names resolved, renewal at T1, silence, rebinding at T2,
 * expiry and address removal, a new lease, RELEASE - runs in virtual
 * seconds, deterministically from the seed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dhcp.h"
#include "tern/dns.h"
#include "tern/err.h"
#include "util_dnsd.h"
#include "util_duo.h"

#include "support/fiber_check.h"

#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)

#define LEASE_IP 0x0a000032u /* 10.0.0.50 */
#define WWW_IP 0x0a00002bu   /* 10.0.0.43 */

struct rig {
	struct duo *d;
	struct tern_dhcp dhcp;
	struct tern_dns dns;
	struct tern_usock dhcp_srv, dns_srv;
	struct tern_fiber f_dhcp, f_dns, f_client;
	/* server behaviour and what it saw */
	bool silent;
	unsigned discovers, selecting, renewing, rebinding, releases;
	unsigned dns_queries;
	/* client results */
	bool done;
};

static void dhcp_server(void *arg)
{
	struct rig *r = arg;
	uint8_t buf[1500], out[TERN_DHCP_MSG_MAX];
	struct tern_udp_meta meta;
	struct tern_dhcp_msg m, a;
	int n;

	for (;;) {
		n = tern_usock_recvfrom(&r->dhcp_srv, buf, sizeof(buf), &meta,
					TERN_NO_DEADLINE);
		if (n < 0)
			return;
		CHECK_EQ(tern_dhcp_parse(&m, buf, (size_t)n), 0);
		CHECK_EQ(m.op, TERN_DHCP_OP_REQUEST);
		if (m.type == TERN_DHCP_RELEASE) {
			CHECK_EQ(m.ciaddr, LEASE_IP);
			CHECK_EQ(meta.src, LEASE_IP);
			r->releases++;
			continue;
		}
		if (m.type == TERN_DHCP_DISCOVER) {
			CHECK_EQ(meta.src, 0);
			r->discovers++;
		} else if (m.ciaddr == 0) {
			CHECK_EQ(m.requested_ip, LEASE_IP);
			r->selecting++;
		} else if (meta.dst == DUO_B_IP) {
			CHECK_EQ(meta.src, LEASE_IP);
			r->renewing++;
		} else {
			CHECK_EQ(meta.dst, 0xffffffffu);
			CHECK_EQ(meta.src, LEASE_IP);
			r->rebinding++;
		}
		if (r->silent)
			continue;
		memset(&a, 0, sizeof(a));
		a.op = TERN_DHCP_OP_REPLY;
		a.htype = 1;
		a.hlen = 6;
		a.xid = m.xid;
		a.yiaddr = LEASE_IP;
		memcpy(a.chaddr, m.chaddr, 16);
		a.type = m.type == TERN_DHCP_DISCOVER ? TERN_DHCP_OFFER
						      : TERN_DHCP_ACK;
		a.has = TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_SERVER_ID |
			TERN_DHCP_HAS_LEASE | TERN_DHCP_HAS_T1 |
			TERN_DHCP_HAS_T2 | TERN_DHCP_HAS_MASK |
			TERN_DHCP_HAS_ROUTER | TERN_DHCP_HAS_DNS;
		a.server_id = DUO_B_IP;
		a.lease_time = 120;
		a.t1 = 20;
		a.t2 = 40;
		a.subnet_mask = 0xffffff00u;
		a.router = DUO_B_IP;
		a.n_dns = 1;
		a.dns[0] = DUO_B_IP;
		n = tern_dhcp_emit(&a, out, sizeof(out));
		CHECK(n > 0);
		/* Broadcast while the client has no address (its flag asks
		 * for it), unicast to ciaddr once it has one. */
		CHECK_EQ(tern_usock_sendto(&r->dhcp_srv,
					   m.ciaddr ? m.ciaddr : 0xffffffffu,
					   TERN_DHCP_CLIENT_PORT, out,
					   (size_t)n),
			 n);
	}
}

/* www and alias (a CNAME to www) are known, anything else is NXDOMAIN. */
static void dns_answer(void *ctx, uint16_t id, const char *name, struct dnsb *b)
{
	uint32_t www = WWW_IP;

	(void)ctx;
	if (strcmp(name, "www.test.tern") == 0) {
		dnsb_answer(b, id, name, 0, &www, 1, 60);
	} else if (strcmp(name, "alias.test.tern") == 0) {
		dnsb_header(b, id, 0x8180, 1, 2, 0, 0);
		dnsb_question(b, name);
		dnsb_ptr(b, TERN_DNS_HLEN);
		dnsb_rr_fixed(b, TERN_DNS_TYPE_CNAME, 60, 15);
		dnsb_name(b, "www.test.tern");
		dnsb_ptr(b, (uint16_t)(b->len - 15));
		dnsb_rr_fixed(b, TERN_DNS_TYPE_A, 60, 4);
		dnsb_u32(b, WWW_IP);
	} else {
		dnsb_answer(b, id, name, TERN_DNS_NXDOMAIN, NULL, 0, 0);
	}
}

static void dns_server(void *arg)
{
	struct rig *r = arg;

	dnsd_serve(&r->dns_srv, dns_answer, r, &r->dns_queries);
}

static void assert_addr(struct rig *r, uint32_t want, unsigned want_prefix,
			uint32_t want_gw)
{
	uint32_t addr, gw;
	unsigned prefix;

	CHECK_EQ(tern_net_if_get_addr(&r->d->a, 0, &addr, &prefix, &gw), 0);
	CHECK_EQ(addr, want);
	if (want) {
		CHECK_EQ(prefix, want_prefix);
		CHECK_EQ(gw, want_gw);
	}
}

static void client(void *arg)
{
	struct rig *r = arg;
	struct tern_sched *s = &r->d->sched;
	const struct tern_dhcp_client *core = tern_dhcp_core(&r->dhcp);
	uint32_t addrs[4], servers[3];
	uint64_t t_bound;

	/* Bound, configured, and the resolver got the server. */
	CHECK_EQ(tern_dhcp_wait_bound(&r->dhcp, tern_sched_now(s) + SEC(30)),
		 0);
	t_bound = tern_sched_now(s);
	assert_addr(r, LEASE_IP, 24, DUO_B_IP);
	CHECK(tern_dhcp_lease(&r->dhcp) != NULL);
	CHECK_EQ(tern_dns_resolver_servers(tern_dns_core(&r->dns), servers, 3),
		 1);
	CHECK_EQ(servers[0], DUO_B_IP);
	CHECK_EQ(r->discovers, 1);
	CHECK_EQ(r->selecting, 1);

	/* Names. */
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "www.test.tern", addrs, 4,
				    tern_sched_now(s) + SEC(5)),
		 1);
	CHECK_EQ(addrs[0], WWW_IP);
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "alias.test.tern", addrs, 4,
				    tern_sched_now(s) + SEC(5)),
		 1);
	CHECK_EQ(addrs[0], WWW_IP);
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "missing.test.tern", addrs, 4,
				    tern_sched_now(s) + SEC(5)),
		 -TERN_ENOENT);
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "192.0.2.1", addrs, 4,
				    tern_sched_now(s) + SEC(5)),
		 1);
	CHECK_EQ(addrs[0], 0xc0000201u);
	/* www is cached (TTL 60): no new query. */
	CHECK_EQ(r->dns_queries, 3);
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "WWW.test.tern", addrs, 1,
				    tern_sched_now(s) + SEC(5)),
		 1);
	CHECK_EQ(r->dns_queries, 3);

	/* Renewal at T1 (unicast to B), lease extended. */
	tern_sleep_until(s, t_bound + SEC(25));
	CHECK_EQ(r->renewing, 1);
	CHECK_EQ(core->stats.renewed, 1);
	CHECK_EQ(tern_dhcp_client_state(core), TERN_DHCP_BOUND);
	assert_addr(r, LEASE_IP, 24, DUO_B_IP);

	/* The server goes silent: renewing, then rebinding (broadcast) at
	 * T2, then the lease runs out and the address goes. */
	r->silent = true;
	tern_sleep_until(s, t_bound + SEC(20) + SEC(119));
	CHECK(r->renewing >= 2);
	CHECK(r->rebinding >= 1);
	assert_addr(r, LEASE_IP, 24, DUO_B_IP);
	tern_sleep_until(s, t_bound + SEC(20) + SEC(121));
	assert_addr(r, 0, 0, 0);
	CHECK(tern_dhcp_lease(&r->dhcp) == NULL);
	CHECK_EQ(core->stats.expired, 1);
	CHECK_EQ(tern_dhcp_glue_stats(&r->dhcp)->cleared, 1);

	/* Back again: a new lease through DISCOVER retransmissions. */
	r->silent = false;
	CHECK_EQ(tern_dhcp_wait_bound(&r->dhcp, tern_sched_now(s) + SEC(120)),
		 0);
	assert_addr(r, LEASE_IP, 24, DUO_B_IP);
	CHECK_EQ(core->stats.bound, 2);

	/* Stop with RELEASE: it reaches the server; the address goes. */
	tern_dhcp_stop(&r->dhcp, true);
	assert_addr(r, 0, 0, 0);
	tern_sleep(s, SEC(1));
	CHECK_EQ(r->releases, 1);
	CHECK_EQ(tern_dhcp_wait_bound(&r->dhcp, tern_sched_now(s) + 1),
		 -TERN_ECANCELED);

	tern_dns_stop(&r->dns);
	CHECK_EQ(tern_dns_resolve_a(&r->dns, "www.test.tern", addrs, 1,
				    tern_sched_now(s) + SEC(1)),
		 -TERN_ECANCELED);
	tern_usock_close(&r->dhcp_srv);
	tern_usock_close(&r->dns_srv);
	r->done = true;
}

Test(dhcp_stack, lease_life_and_names_over_memlink)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct tern_dhcp_opts opts = { 0 };
	struct tern_sched *s;

	r->d = duo_open(NULL, NULL, 4242);
	s = &r->d->sched;
	cr_assert_eq(tern_net_if_clear_addr(&r->d->a, 0), 0);

	tern_usock_open(&r->d->lb, &r->dhcp_srv);
	cr_assert_eq(tern_udp_bind_if(&r->dhcp_srv.udp, 0), 0);
	cr_assert_eq(tern_udp_bind(&r->dhcp_srv.udp, 0, 67), 0);
	tern_usock_open(&r->d->lb, &r->dns_srv);
	cr_assert_eq(tern_udp_bind(&r->dns_srv.udp, 0, 53), 0);

	cr_assert_eq(tern_dns_start(&r->dns, &r->d->la, NULL, 99), 0);
	opts.dns = &r->dns;
	opts.seed = 77;
	cr_assert_eq(tern_dhcp_start(&r->dhcp, &r->d->la, 0, &opts), 0);
	cr_assert_eq(tern_dhcp_start(&(struct tern_dhcp){ 0 }, &r->d->la, 0,
				     &opts),
		     -TERN_EADDRINUSE);
	cr_assert_eq(tern_dhcp_start(&(struct tern_dhcp){ 0 }, &r->d->la, 3,
				     &opts),
		     -TERN_ENODEV);

	cr_assert_eq(
		tern_fiber_spawn(s, &r->f_dhcp, "dhcpd", dhcp_server, r, 0), 0);
	cr_assert_eq(tern_fiber_spawn(s, &r->f_dns, "dnsd", dns_server, r, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(s, &r->f_client, "client", client, r, 0),
		     0);
	cr_assert_eq(tern_sched_run(s), 0);
	tern_fiber_join(s, &r->f_dhcp);
	tern_fiber_join(s, &r->f_dns);
	tern_fiber_join(s, &r->f_client);
	cr_assert(r->done);
	tern_dhcp_print(&r->dhcp);
	tern_dns_print(&r->dns);
	/* Nothing the client sent was refused or malformed. */
	cr_assert_eq(tern_dhcp_core(&r->dhcp)->stats.rx_malformed, 0);
	cr_assert_eq(tern_dhcp_glue_stats(&r->dhcp)->tx_failed, 0);
	cr_assert_eq(r->dns.tx_failed, 0);
	duo_close(r->d);
	free(r);
}
