/*
 * test_dns_resolver.c - the resolver core step by step under explicit time:
 * the retry schedule across servers, server errors moving on at once,
 * NXDOMAIN and SERVFAIL as distinct results, what a response must match
 * (server, port, id, question), deadlines, cancel and the TTL cache.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tern/dns.h"
#include "tern/err.h"

#include "net/test_dns_build.h"
#include "net/test_dns_golden.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)
#define MS(s) ((uint64_t)(s)*TERN_NSEC_PER_MSEC)

static const uint32_t S0 = IP(10, 0, 0, 53);
static const uint32_t S1 = IP(10, 0, 1, 53);
static const uint64_t T0 = SEC(1000);

static struct tern_dns_resolver r;
static unsigned done_calls;

static void on_done(struct tern_dns_query *q)
{
	(void)q;
	done_calls++;
}

static void setup(void)
{
	uint32_t servers[2] = { S0, S1 };

	tern_dns_resolver_init(&r, NULL, 7);
	cr_assert_eq(tern_dns_resolver_set_servers(&r, servers, 2), 2);
	done_calls = 0;
}

static void teardown(void)
{
	/* Every test ends with no query linked. */
	cr_assert_eq(tern_dns_resolver_running(&r), 0);
}

/* Starts q for name, checks the first datagram, returns its id. */
static uint16_t start(struct tern_dns_query *q, const char *name, uint64_t now,
		      uint64_t deadline)
{
	struct tern_dns_tx tx;
	struct tern_dns_header h;

	memset(q, 0, sizeof(*q));
	q->done = on_done;
	cr_assert_eq(tern_dns_query_start(&r, q, name, now, deadline), 0);
	cr_assert(q->running);
	cr_assert(tern_dns_resolver_tx(&r, &tx));
	cr_assert_eq(tx.dst, S0);
	cr_assert_eq(tern_dns_header_parse(&h, tx.data, tx.len), 0);
	cr_assert_eq(h.flags, TERN_DNS_F_RD);
	cr_assert(!tern_dns_resolver_tx(&r, &tx));
	return h.id;
}

/* The destination of the one datagram queued now. */
static uint32_t sent_to(void)
{
	struct tern_dns_tx tx;

	cr_assert(tern_dns_resolver_tx(&r, &tx), "nothing sent");
	cr_assert(!tern_dns_resolver_tx(&r, &tx));
	return tx.dst;
}

static unsigned reply(uint32_t src, uint16_t id, const char *name,
		      uint8_t rcode, uint32_t addr, uint32_t ttl, uint64_t now)
{
	struct dnsb b;

	dnsb_answer(&b, id, name, rcode, &addr, addr ? 1 : 0, ttl);
	return tern_dns_resolver_input(&r, src, TERN_DNS_PORT, b.buf, b.len,
				       now);
}

TestSuite(dns_resolver, .init = setup, .fini = teardown);

Test(dns_resolver, golden_answer)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "www.test.tern", T0, T0 + SEC(30));
	uint8_t m[sizeof(golden_dns_a)];

	memcpy(m, golden_dns_a, sizeof(m));
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
	cr_assert_eq(tern_dns_resolver_input(&r, S0, 53, m, sizeof(m),
					     T0 + MS(3)),
		     1);
	cr_assert_eq(done_calls, 1);
	cr_assert(!q.running);
	cr_assert_eq(q.status, 0);
	cr_assert_eq(q.n_addrs, 1);
	cr_assert_eq(q.addrs[0], IP(10, 77, 0, 43));
	cr_assert_eq(tern_dns_resolver_deadline(&r), TERN_NO_DEADLINE);
	cr_assert_eq(tern_dns_resolver_stats(&r)->answered, 1);
}

Test(dns_resolver, retry_schedule_across_servers)
{
	struct tern_dns_query q;

	/* Round 1: 1 s per server; round 2: 2 s per server; then done. */
	static const uint64_t at[] = { SEC(1), SEC(2), SEC(4), SEC(6) };
	const uint32_t to[] = { S1, S0, S1 };
	struct tern_dns_tx tx;

	start(&q, "slow.example", T0, T0 + SEC(60));
	for (int i = 0; i < 3; i++) {
		uint64_t t = T0 + at[i];

		cr_assert_eq(tern_dns_resolver_deadline(&r), t, "step %d", i);
		cr_assert_eq(tern_dns_resolver_tick(&r, t - 1), 0);
		cr_assert(!tern_dns_resolver_tx(&r, &tx));
		cr_assert_eq(tern_dns_resolver_tick(&r, t), 0);
		cr_assert_eq(sent_to(), to[i], "step %d", i);
	}
	cr_assert_eq(tern_dns_resolver_deadline(&r), T0 + at[3]);
	cr_assert_eq(tern_dns_resolver_tick(&r, T0 + at[3]), 1);
	cr_assert_eq(q.status, -TERN_ETIMEDOUT);
	cr_assert_eq(done_calls, 1);
	cr_assert_eq(tern_dns_resolver_stats(&r)->retries, 3);
	cr_assert_eq(tern_dns_resolver_stats(&r)->timeouts, 1);
}

Test(dns_resolver, deadline_cuts_retries)
{
	struct tern_dns_query q;

	start(&q, "slow.example", T0, T0 + MS(1500));
	tern_dns_resolver_tick(&r, T0 + SEC(1));
	cr_assert_eq(sent_to(), S1);
	/* The second attempt's timer is clipped to the query deadline. */
	cr_assert_eq(tern_dns_resolver_deadline(&r), T0 + MS(1500));
	cr_assert_eq(tern_dns_resolver_tick(&r, T0 + MS(1500)), 1);
	cr_assert_eq(q.status, -TERN_ETIMEDOUT);
}

Test(dns_resolver, nxdomain_ends_at_once)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "missing.test.tern", T0, T0 + SEC(30));

	cr_assert_eq(reply(S0, id, "missing.test.tern", TERN_DNS_NXDOMAIN, 0, 0,
			   T0),
		     1);
	cr_assert_eq(q.status, -TERN_ENOENT);
	cr_assert_eq(q.n_addrs, 0);
}

Test(dns_resolver, servfail_moves_to_next_server)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));

	cr_assert_eq(reply(S0, id, "h.example", TERN_DNS_SERVFAIL, 0, 0,
			   T0 + MS(5)),
		     0);
	cr_assert_eq(sent_to(), S1); /* at once, not after the timeout */
	cr_assert_eq(reply(S1, id, "h.example", 0, IP(192, 0, 2, 1), 60,
			   T0 + MS(9)),
		     1);
	cr_assert_eq(q.status, 0);
	cr_assert_eq(q.addrs[0], IP(192, 0, 2, 1));
}

Test(dns_resolver, servfail_everywhere_is_eagain)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));

	reply(S0, id, "h.example", TERN_DNS_SERVFAIL, 0, 0, T0);
	cr_assert_eq(sent_to(), S1);
	cr_assert_eq(reply(S1, id, "h.example", TERN_DNS_SERVFAIL, 0, 0, T0),
		     1);
	cr_assert_eq(q.status, -TERN_EAGAIN);
	cr_assert_eq(tern_dns_resolver_stats(&r)->rx_server_error, 2);
}

Test(dns_resolver, refused_then_timeout_reports_refused)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));

	reply(S0, id, "h.example", TERN_DNS_REFUSED, 0, 0, T0);
	cr_assert_eq(sent_to(), S1);
	/* S1 never answers; S0 is not asked again. */
	tern_dns_resolver_tick(&r, T0 + SEC(1));
	cr_assert_eq(sent_to(), S1);
	tern_dns_resolver_tick(&r, T0 + SEC(3));
	cr_assert_eq(sent_to(), S1);
	cr_assert_eq(tern_dns_resolver_tick(&r, T0 + SEC(20)), 1);
	cr_assert_eq(q.status, -TERN_ECONNREFUSED);
}

Test(dns_resolver, late_answer_from_first_server_counts)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));

	tern_dns_resolver_tick(&r, T0 + SEC(1));
	cr_assert_eq(sent_to(), S1);
	cr_assert_eq(reply(S0, id, "h.example", 0, IP(192, 0, 2, 7), 60,
			   T0 + MS(1200)),
		     1);
	cr_assert_eq(q.status, 0);
	cr_assert_eq(q.addrs[0], IP(192, 0, 2, 7));
}

Test(dns_resolver, responses_must_match)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));
	const struct tern_dns_stats *st = tern_dns_resolver_stats(&r);
	struct dnsb b;
	uint32_t a = IP(6, 6, 6, 6);

	/* From a server not asked yet (S1), from a stranger, from port 54. */
	cr_assert_eq(reply(S1, id, "h.example", 0, a, 60, T0), 0);
	cr_assert_eq(reply(IP(6, 6, 6, 6), id, "h.example", 0, a, 60, T0), 0);
	dnsb_answer(&b, id, "h.example", 0, &a, 1, 60);
	cr_assert_eq(tern_dns_resolver_input(&r, S0, 54, b.buf, b.len, T0), 0);
	cr_assert_eq(st->rx_wrong_source, 3);
	/* Another id; another question. */
	cr_assert_eq(reply(S0, (uint16_t)(id + 1), "h.example", 0, a, 60, T0),
		     0);
	cr_assert_eq(st->rx_unmatched, 1);
	cr_assert_eq(reply(S0, id, "x.example", 0, a, 60, T0), 0);
	cr_assert_eq(st->rx_wrong_question, 1);
	/* Garbage and a query instead of a response. */
	cr_assert_eq(tern_dns_resolver_input(&r, S0, 53, "\1\2\3", 3, T0), 0);
	b.buf[2] &= 0x7f;
	cr_assert_eq(tern_dns_resolver_input(&r, S0, 53, b.buf, b.len, T0), 0);
	cr_assert_eq(st->rx_malformed, 2);
	cr_assert(q.running);
	cr_assert_eq(done_calls, 0);
	/* The real one still works. */
	cr_assert_eq(reply(S0, id, "H.EXAMPLE", 0, IP(192, 0, 2, 2), 60, T0),
		     1);
	cr_assert_eq(q.addrs[0], IP(192, 0, 2, 2));
}

Test(dns_resolver, concurrent_queries_have_distinct_ids)
{
	struct tern_dns_query qs[32];
	uint16_t ids[32];

	for (int i = 0; i < 32; i++) {
		char name[32];

		snprintf(name, sizeof(name), "h%d.example", i);
		ids[i] = start(&qs[i], name, T0, T0 + SEC(30));
		for (int j = 0; j < i; j++)
			cr_assert_neq(ids[i], ids[j]);
	}
	/* Answer in reverse order; each goes to its own query. */
	for (int i = 31; i >= 0; i--) {
		char name[32];

		snprintf(name, sizeof(name), "h%d.example", i);
		cr_assert_eq(
			reply(S0, ids[i], name, 0, IP(10, 9, 0, i), 60, T0), 1);
		cr_assert_eq(qs[i].status, 0);
		cr_assert_eq(qs[i].addrs[0], IP(10, 9, 0, i));
	}
	cr_assert_eq(done_calls, 32);
}

Test(dns_resolver, cache_honours_ttl)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "c.example", T0, T0 + SEC(30));

	reply(S0, id, "c.example", 0, IP(192, 0, 2, 9), 30, T0);
	memset(&q, 0, sizeof(q));
	cr_assert_eq(tern_dns_query_start(&r, &q, "C.Example.", T0 + SEC(10),
					  T0 + SEC(40)),
		     1);
	cr_assert_eq(q.status, 0);
	cr_assert_eq(q.addrs[0], IP(192, 0, 2, 9));
	cr_assert_eq(q.ttl, 20);
	cr_assert_eq(tern_dns_resolver_stats(&r)->cache_hits, 1);
	/* Expired: back to the network. */
	id = start(&q, "c.example", T0 + SEC(30), T0 + SEC(60));
	reply(S0, id, "c.example", TERN_DNS_NXDOMAIN, 0, 0, T0 + SEC(30));
	cr_assert_eq(q.status, -TERN_ENOENT);
	tern_dns_cache_flush(&r);
}

Test(dns_resolver, cache_is_bounded)
{
	struct tern_dns_query q;
	unsigned hits = 0;

	for (int i = 0; i < 3 * TERN_DNS_CACHE_SIZE; i++) {
		char name[32];
		uint16_t id;

		snprintf(name, sizeof(name), "n%d.example", i);
		id = start(&q, name, T0, T0 + SEC(30));
		reply(S0, id, name, 0, IP(10, 8, 0, i), (uint32_t)(100 + i),
		      T0);
	}
	for (int i = 0; i < 3 * TERN_DNS_CACHE_SIZE; i++) {
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "n%d.example", i);
		memset(&q, 0, sizeof(q));
		rc = tern_dns_query_start(&r, &q, name, T0, T0 + SEC(30));
		if (rc == 1) {
			hits++;
			cr_assert_eq(q.addrs[0], IP(10, 8, 0, i));
			/* The longest-lived entries survive. */
			cr_assert_geq(i, 2 * TERN_DNS_CACHE_SIZE);
		} else {
			tern_dns_query_cancel(&r, &q);
			tern_dns_resolver_tx(&r, &(struct tern_dns_tx){ 0 });
		}
	}
	cr_assert_eq(hits, TERN_DNS_CACHE_SIZE);
}

Test(dns_resolver, zero_ttl_not_cached)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "z.example", T0, T0 + SEC(30));

	reply(S0, id, "z.example", 0, IP(192, 0, 2, 3), 0, T0);
	id = start(&q, "z.example", T0, T0 + SEC(30));
	reply(S0, id, "z.example", 0, IP(192, 0, 2, 3), 0, T0);
	cr_assert_eq(tern_dns_resolver_stats(&r)->cache_hits, 0);
}

Test(dns_resolver, cancel_and_bad_starts)
{
	struct tern_dns_query q;
	uint16_t id = start(&q, "h.example", T0, T0 + SEC(30));
	char big[300];

	tern_dns_query_cancel(&r, &q);
	cr_assert_eq(q.status, -TERN_ECANCELED);
	cr_assert_eq(reply(S0, id, "h.example", 0, IP(1, 2, 3, 4), 60, T0), 0);
	cr_assert_eq(done_calls, 0);
	cr_assert_eq(tern_dns_resolver_deadline(&r), TERN_NO_DEADLINE);

	memset(&q, 0, sizeof(q));
	cr_assert_eq(tern_dns_query_start(&r, &q, "a..b", T0, T0 + 1),
		     -TERN_EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(tern_dns_query_start(&r, &q, big, T0, T0 + 1),
		     -TERN_ENAMETOOLONG);
	cr_assert_eq(tern_dns_query_start(&r, &q, "h.example", T0, T0),
		     -TERN_ETIMEDOUT);
	tern_dns_resolver_set_servers(&r, NULL, 0);
	cr_assert_eq(tern_dns_query_start(&r, &q, "h.example", T0, T0 + 1),
		     -TERN_EHOSTUNREACH);
	cr_assert(!q.running);
}

Test(dns_resolver, servers_list_cut_and_zeros_skipped)
{
	uint32_t in[5] = { 0, S1, 0, S0, IP(10, 0, 2, 53) };
	uint32_t out[4] = { 0 };

	cr_assert_eq(tern_dns_resolver_set_servers(&r, in, 5), 3);
	cr_assert_eq(tern_dns_resolver_servers(&r, out, 4), 3);
	cr_assert_eq(out[0], S1);
	cr_assert_eq(out[1], S0);
	cr_assert_eq(out[2], IP(10, 0, 2, 53));
}

Test(dns_resolver, server_list_emptied_mid_query)
{
	struct tern_dns_query q;

	start(&q, "h.example", T0, T0 + SEC(30));
	tern_dns_resolver_set_servers(&r, NULL, 0);
	cr_assert_eq(tern_dns_resolver_tick(&r, T0 + SEC(1)), 1);
	cr_assert_eq(q.status, -TERN_EHOSTUNREACH);
}
