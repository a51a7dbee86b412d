/*
 * dns.c - the resolver core on a stack: one UDP socket, a wheel timer, and
 * tern_dns_resolve_a() for fibers (dns.h, "On a stack").
 *
 * As in dhcp.c, service() does all the work from the wheel timer: it
 * drains the socket into the core (whose done callbacks wake the fibers
 * waiting on their queries), runs the core's timers, sends the queued
 * queries and re-arms at the core's deadline. The socket's notify hook only
 * pulls the timer to now. A fiber that starts a query runs service() itself
 * so the query leaves at once.
 *
 * A waiting fiber's query lives on its own stack; it is always ended (by
 * an answer, its deadline, the retry budget, or tern_dns_stop) before the
 * fiber returns, so the core never holds a pointer into a dead frame.
 */
#include "tern/dns.h"

#include <string.h>

#include "tern/err.h"
#include "tern/fmt.h"
#include "tern/inet.h"
#include "tern/net_loop.h"

#define RX_PER_TURN 32

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
		if (tern_udp_sendto(&dns->sock, tx.dst, TERN_DNS_PORT, tx.data,
				    tx.len, now) < 0)
			dns->tx_failed++;
}

static void rearm(struct tern_dns *dns)
{
	struct tern_wheel *w = tern_sched_wheel(dns->loop->sched);
	uint64_t dl = tern_dns_resolver_deadline(&dns->r);

	if (dl == TERN_NO_DEADLINE)
		tern_timer_cancel(w, &dns->timer);
	else
		tern_timer_arm(w, &dns->timer, dl);
}

static void service(struct tern_timer *t, uint64_t now)
{
	struct tern_dns *dns = t->ctx;
	bool more = false;

	for (int i = 0; i < RX_PER_TURN; i++) {
		struct tern_udp_meta meta;
		int n = tern_udp_recvfrom(&dns->sock, dns->rx_buf,
					  sizeof(dns->rx_buf), &meta);

		if (n == -TERN_EAGAIN)
			break;
		more = i == RX_PER_TURN - 1;
		if (n < 0)
			continue;
		if (meta.len > (size_t)n) {
			dns->rx_truncated++;
			continue;
		}
		tern_dns_resolver_input(&dns->r, meta.src, meta.sport,
					dns->rx_buf, (size_t)n, now);
	}
	tern_dns_resolver_tick(&dns->r, now);
	send_pending(dns, now);
	rearm(dns);
	if (more)
		tern_timer_arm(tern_sched_wheel(dns->loop->sched), &dns->timer,
			       now);
}

static void notify(struct tern_udp *s, void *ctx)
{
	struct tern_dns *dns = ctx;

	(void)s;
	tern_timer_arm(tern_sched_wheel(dns->loop->sched), &dns->timer,
		       tern_sched_now(dns->loop->sched));
}

int tern_dns_start(struct tern_dns *dns, struct tern_net_loop *loop,
		   const struct tern_dns_config *cfg, uint64_t seed)
{
	int rc;

	memset(dns, 0, sizeof(*dns));
	if (seed == 0 && tern_entropy(&seed, sizeof(seed)) < 0)
		return -TERN_EIO;
	dns->loop = loop;
	tern_udp_open(loop->net, &dns->sock);
	rc = tern_udp_bind(&dns->sock, 0, 0);
	if (rc < 0) {
		tern_udp_close(&dns->sock);
		return rc;
	}
	tern_udp_set_notify(&dns->sock, notify, dns);
	tern_timer_init(&dns->timer, service, dns);
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
	tern_udp_close(&dns->sock);
	tern_timer_cancel(tern_sched_wheel(dns->loop->sched), &dns->timer);
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

int tern_dns_resolve_a(struct tern_dns *dns, const char *name,
		       uint32_t *addrs, unsigned max, uint64_t deadline)
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
		service(&dns->timer, tern_sched_now(s));
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

static void put_counter(char *buf, size_t cap, size_t *len, const char *name,
			uint64_t value)
{
	int n;

	if (value == 0 || *len >= cap)
		return;
	n = tern_snprintf(buf + *len, cap - *len, " %s=%lu", name,
			  (unsigned long)value);
	if (n > 0)
		*len = TERN_MIN(cap - 1, *len + (size_t)n);
}

void tern_dns_print(const struct tern_dns *dns)
{
	const struct tern_dns_stats *s = tern_dns_resolver_stats(&dns->r);
	char buf[512];
	size_t len = 0;
	int n;

	n = tern_snprintf(buf, sizeof(buf), "dns: %u servers",
			  dns->r.n_servers);
	len = n > 0 ? TERN_MIN(sizeof(buf) - 1, (size_t)n) : 0;
#define C(x) put_counter(buf, sizeof(buf), &len, #x, s->x)
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
	put_counter(buf, sizeof(buf), &len, "rx_truncated", dns->rx_truncated);
	put_counter(buf, sizeof(buf), &len, "tx_failed", dns->tx_failed);
	if (len < sizeof(buf) - 1)
		buf[len++] = '\n';
	tern_console_write(buf, len);
}
