/*
 * dns.c - the resolver core on a stack: a struct tern_ucore (one UDP
 * socket and a wheel timer, net_loop.h), and tern_dns_resolve_a() for
 * fibers (dns.h, "On a stack").
 *
 * The ucore feeds each datagram to the core (whose done callbacks wake the
 * fibers waiting on their queries) and runs the core's timers, then the
 * queued queries are sent. A fiber that starts a query runs the ucore
 * itself so the query leaves at once.
 *
 * A waiting fiber's query lives on its own stack; it is always ended (by
 * an answer, its deadline, the retry budget, or tern_dns_stop) before the
 * fiber returns, so the core never holds a pointer into a dead frame.
 */
#include "tern/dns.h"

#include <string.h>

#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net_loop.h"
#include "tern/print.h"

/* A fiber waiting for its query. */
struct waiter {
	struct tern_dns_query q;
	struct tern_waitq wq;
	struct tern_sched *sched;
};

static void send_pending(struct tern_dns *dns, uint64_t now)
{
	struct tern_dns_tx tx;

	while (tern_dns_resolver_tx(&dns->r, &tx))
		if (tern_udp_sendto(&dns->uc.udp, tx.dst, TERN_DNS_PORT,
				    tx.data, tx.len, now) < 0)
			dns->tx_failed++;
}

/* One datagram from the ucore, for the core. */
static void input(void *ctx, const struct tern_udp_meta *meta,
		  const uint8_t *data, size_t len, uint64_t now)
{
	struct tern_dns *dns = ctx;

	if (meta->len > len) {
		dns->rx_truncated++;
		return;
	}
	tern_dns_resolver_input(&dns->r, meta->src, meta->sport, data, len,
				now);
}

/* The core's timers, then the queued queries. Returns the next deadline. */
static uint64_t tick(void *ctx, uint64_t now)
{
	struct tern_dns *dns = ctx;

	tern_dns_resolver_tick(&dns->r, now);
	send_pending(dns, now);
	return tern_dns_resolver_deadline(&dns->r);
}

static const struct tern_ucore_ops ucore_ops = { input, tick };

int tern_dns_start(struct tern_dns *dns, struct tern_net_loop *loop,
		   const struct tern_dns_config *cfg, uint64_t seed)
{
	int rc;

	memset(dns, 0, sizeof(*dns));
	if (seed == 0 && tern_entropy(&seed, sizeof(seed)) < 0)
		return -TERN_EIO;
	dns->loop = loop;
	tern_ucore_open(loop, &dns->uc, &ucore_ops, dns, dns->rx_buf,
			sizeof(dns->rx_buf));
	rc = tern_udp_bind(&dns->uc.udp, 0, 0);
	if (rc < 0) {
		tern_ucore_close(&dns->uc);
		return rc;
	}
	tern_dns_resolver_init(&dns->r, cfg, seed);
	dns->running = true;
	return 0;
}

void tern_dns_stop(struct tern_dns *dns)
{
	if (!dns->running)
		return;
	dns->running = false;
	tern_dns_resolver_abort(&dns->r);
	tern_ucore_close(&dns->uc);
}

unsigned tern_dns_set_servers(struct tern_dns *dns, const uint32_t *servers,
			      unsigned n)
{
	return tern_dns_resolver_set_servers(&dns->r, servers, n);
}

static void wake(struct tern_dns_query *q)
{
	struct waiter *w = q->ctx;

	tern_waitq_wake_all(w->sched, &w->wq);
}

int tern_dns_resolve_a(struct tern_dns *dns, const char *name, uint32_t *addrs,
		       unsigned max, uint64_t deadline)
{
	struct tern_sched *s = dns->loop->sched;
	struct waiter w;
	uint32_t literal;
	unsigned n;
	int rc;

	if (tern_ipv4_parse(name, &literal) == 0) {
		if (max > 0)
			addrs[0] = literal;
		return 1;
	}
	if (!dns->running)
		return -TERN_ECANCELED;
	memset(&w, 0, sizeof(w));
	w.sched = s;
	tern_waitq_init(&w.wq);
	w.q.done = wake;
	w.q.ctx = &w;
	rc = tern_dns_query_start(&dns->r, &w.q, name, tern_sched_now(s),
				  deadline);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		tern_ucore_run(&dns->uc, tern_sched_now(s));
		/* The query always ends: answer, deadline, retry budget or
		 * tern_dns_stop, each of which wakes us. */
		while (w.q.running)
			tern_waitq_wait(s, &w.wq, TERN_NO_DEADLINE);
	}
	if (w.q.status < 0)
		return w.q.status;
	n = TERN_MIN(w.q.n_addrs, max);
	memcpy(addrs, w.q.addrs, n * sizeof(*addrs));
	return (int)w.q.n_addrs;
}

void tern_dns_print(const struct tern_dns *dns)
{
	const struct tern_dns_stats *s = tern_dns_resolver_stats(&dns->r);
	struct tern_counter_line l;

	tern_printf("dns: %u servers\n", dns->r.n_servers);
	tern_counter_line_init(&l, "dns:");
#define C(x) tern_counter_line_add(&l, #x, s->x)
	C(queries);
	C(cache_hits);
	C(tx);
	C(retries);
	C(timeouts);
	C(rx);
	C(rx_malformed);
	C(rx_unmatched);
	C(rx_wrong_source);
	C(rx_wrong_question);
	C(rx_server_error);
	C(answered);
#undef C
	tern_counter_line_add(&l, "rx_truncated", dns->rx_truncated);
	tern_counter_line_add(&l, "tx_failed", dns->tx_failed);
	tern_counter_line_flush(&l);
}
