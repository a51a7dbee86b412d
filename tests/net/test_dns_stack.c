/*
 * test_dns_stack.c - tern_dns_resolve_a() on a real stack (dns.c): stack
 * A resolves, stack B runs a small DNS server on a fiber, over a perfect
 * memlink under the virtual clock. Many fibers resolving at once, failover
 * from a dead server to a live one, the retry budget ending in
 * -TERN_ETIMEDOUT on virtual time, and tern_dns_stop() waking a waiter.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dns.h"
#include "tern/err.h"
#include "util_dnsd.h"
#include "util_duo.h"

#include "support/fiber_check.h"

#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)
#define DEAD_IP 0x0a000063u /* 10.0.0.99: nobody */
#define N_RESOLVERS 6

struct rig {
	struct duo *d;
	struct tern_dns dns;
	struct tern_usock srv;
	struct tern_fiber f_srv, f_main, f_res[N_RESOLVERS], f_wait;
	unsigned queries;
	int res_rc[N_RESOLVERS];
	uint32_t res_addr[N_RESOLVERS];
	int wait_rc;
	bool done;
};

/* Answers "hN.test" with 10.9.0.N, anything else with NXDOMAIN. */
static void answer(void *ctx, uint16_t id, const char *name, struct dnsb *b)
{
	unsigned n;

	(void)ctx;
	if (sscanf(name, "h%u.test", &n) == 1) {
		uint32_t a = 0x0a090000u | n;

		dnsb_answer(b, id, name, 0, &a, 1, 0);
	} else {
		dnsb_answer(b, id, name, TERN_DNS_NXDOMAIN, NULL, 0, 0);
	}
}

static void server(void *arg)
{
	struct rig *r = arg;

	dnsd_serve(&r->srv, answer, r, &r->queries);
}

static struct rig *the_rig;

static void resolver(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	struct rig *r = the_rig;
	char name[32];

	snprintf(name, sizeof(name), "h%u.test", i);
	r->res_rc[i] =
		tern_dns_resolve_a(&r->dns, name, &r->res_addr[i], 1,
				   tern_sched_now(&r->d->sched) + SEC(10));
}

static void waiter(void *arg)
{
	struct rig *r = arg;
	uint32_t a;

	r->wait_rc =
		tern_dns_resolve_a(&r->dns, "h1.test", &a, 1, TERN_NO_DEADLINE);
}

static void main_fiber(void *arg)
{
	struct rig *r = arg;
	struct tern_sched *s = &r->d->sched;
	uint32_t servers[2] = { DEAD_IP, DUO_B_IP };
	uint32_t a;
	uint64_t t;
	int rc;

	/* Many at once, all answered. */
	tern_dns_set_servers(&r->dns, &servers[1], 1);
	for (unsigned i = 0; i < N_RESOLVERS; i++)
		CHECK(tern_fiber_spawn(s, &r->f_res[i], "res", resolver,
				       (void *)(uintptr_t)i, 0) == 0);
	for (unsigned i = 0; i < N_RESOLVERS; i++)
		CHECK(tern_fiber_join(s, &r->f_res[i]) == 0);
	for (unsigned i = 0; i < N_RESOLVERS; i++) {
		CHECK(r->res_rc[i] == 1);
		CHECK(r->res_addr[i] == (0x0a090000u | i));
	}
	CHECK(r->queries == N_RESOLVERS);

	/* Dead server first: the answer comes from B after the first
	 * attempt's 1 s timeout. */
	tern_dns_set_servers(&r->dns, servers, 2);
	t = tern_sched_now(s);
	CHECK(tern_dns_resolve_a(&r->dns, "h7.test", &a, 1, t + SEC(10)) == 1);
	CHECK(a == 0x0a090007u);
	CHECK(tern_sched_now(s) - t >= SEC(1));
	CHECK(tern_sched_now(s) - t < SEC(2));
	CHECK(tern_dns_resolve_a(&r->dns, "nothing.test", &a, 1,
				 tern_sched_now(s) + SEC(10)) == -TERN_ENOENT);

	/* Only the dead server: two attempts (1 s, then 2 s), then
	 * -TERN_ETIMEDOUT before the caller's own deadline. */
	tern_dns_set_servers(&r->dns, servers, 1);
	t = tern_sched_now(s);
	rc = tern_dns_resolve_a(&r->dns, "h8.test", &a, 1, t + SEC(60));
	CHECK(rc == -TERN_ETIMEDOUT);
	CHECK(tern_sched_now(s) - t == SEC(3));
	/* And the caller's deadline when it comes first. */
	t = tern_sched_now(s);
	rc = tern_dns_resolve_a(&r->dns, "h8.test", &a, 1, t + SEC(1) / 2);
	CHECK(rc == -TERN_ETIMEDOUT);
	CHECK(tern_sched_now(s) - t == SEC(1) / 2);

	/* Stop wakes a waiter. */
	CHECK(tern_fiber_spawn(s, &r->f_wait, "wait", waiter, r, 0) == 0);
	tern_sleep(s, SEC(1) / 10);
	tern_dns_stop(&r->dns);
	CHECK(tern_fiber_join(s, &r->f_wait) == 0);
	CHECK(r->wait_rc == -TERN_ECANCELED);

	tern_usock_close(&r->srv);
	r->done = true;
}

Test(dns_stack, resolve_on_fibers_over_memlink)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct tern_sched *s;

	the_rig = r;
	r->d = duo_open(NULL, NULL, 53);
	s = &r->d->sched;
	tern_usock_open(&r->d->lb, &r->srv);
	cr_assert_eq(tern_udp_bind(&r->srv.udp, 0, 53), 0);
	cr_assert_eq(tern_dns_start(&r->dns, &r->d->la, NULL, 5), 0);
	cr_assert_eq(tern_fiber_spawn(s, &r->f_srv, "dnsd", server, r, 0), 0);
	cr_assert_eq(tern_fiber_spawn(s, &r->f_main, "main", main_fiber, r, 0),
		     0);
	cr_assert_eq(tern_sched_run(s), 0);
	cr_assert_eq(tern_fiber_join(s, &r->f_srv), 0);
	cr_assert_eq(tern_fiber_join(s, &r->f_main), 0);
	cr_assert(r->done);
	tern_dns_print(&r->dns);
	cr_assert_eq(tern_dns_core(&r->dns)->stats.timeouts, 2);
	duo_close(r->d);
	free(r);
}
