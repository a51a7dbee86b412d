/*
 * dns_resolver.c - the stub resolver core: queries, retries, matching and
 * the cache, sans I/O.
 *
 * Queries are the caller's structures, linked on r->queries while they
 * run; the resolver allocates nothing. Each query has one random id for its
 * whole life (so a late answer to an earlier attempt still counts) and one
 * prepared datagram that is re-sent on every attempt. Attempt k goes to the
 * next server that has not answered with an error, round-robin from the
 * first; its timeout is timeout_ns << (k / servers), capped at 8x. Costs:
 * input, tick and deadline are O(running queries); the cache is a linear
 * scan of TERN_DNS_CACHE_SIZE entries.
 */
#include "tern/dns.h"

#include <string.h>

#include "tern/err.h"

#define TIMEOUT_SHIFT_MAX 3 /* the attempt timeout grows to 8x at most */
#define ID_TRIES 16	    /* random ids drawn to avoid a running one */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void tern_dns_config_default(struct tern_dns_config *cfg)
{
	cfg->timeout_ns = TERN_NSEC_PER_SEC;
	cfg->rounds = 2;
	cfg->ttl_max_s = 3600;
}

void tern_dns_resolver_init(struct tern_dns_resolver *r,
			    const struct tern_dns_config *cfg, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	if (cfg)
		r->cfg = *cfg;
	else
		tern_dns_config_default(&r->cfg);
	if (r->cfg.rounds == 0)
		r->cfg.rounds = 1;
	if (r->cfg.timeout_ns == 0)
		r->cfg.timeout_ns = 1;
	tern_rand_seed(&r->rand, seed);
	tern_list_init(&r->queries);
}

unsigned tern_dns_resolver_set_servers(struct tern_dns_resolver *r,
				       const uint32_t *servers, unsigned n)
{
	r->n_servers = 0;
	for (unsigned i = 0; i < n && r->n_servers < TERN_DNS_SERVERS_MAX; i++)
		if (servers[i] != 0)
			r->servers[r->n_servers++] = servers[i];
	return r->n_servers;
}

unsigned tern_dns_resolver_servers(const struct tern_dns_resolver *r,
				   uint32_t *out, unsigned max)
{
	for (unsigned i = 0; i < r->n_servers && i < max; i++)
		out[i] = r->servers[i];
	return r->n_servers;
}

static struct tern_dns_query *query_of(struct tern_list *node)
{
	return tern_container_of(node, struct tern_dns_query, link);
}

/* Ends q with status: unlinks it, then tells its owner. */
static void finish(struct tern_dns_resolver *r, struct tern_dns_query *q,
		   int status)
{
	tern_list_del_init(&q->link);
	q->running = false;
	q->tx_pending = false;
	q->status = status;
	if (status == -TERN_ETIMEDOUT)
		r->stats.timeouts++;
	if (q->done)
		q->done(q);
}

/* Queues the next attempt of q, or ends q when no server is left to ask.
 * Returns true if q ended. */
static bool next_attempt(struct tern_dns_resolver *r, struct tern_dns_query *q,
			 uint64_t now)
{
	unsigned n = r->n_servers;
	unsigned idx, shift;
	uint64_t timeout;

	if (n == 0) {
		finish(r, q, -TERN_EHOSTUNREACH);
		return true;
	}
	if (q->attempt >= r->cfg.rounds * n) {
		finish(r, q, q->last_err ? q->last_err : -TERN_ETIMEDOUT);
		return true;
	}
	idx = q->attempt == 0 ? 0 : (q->server + 1) % n;
	for (unsigned i = 0; i < n && (q->failed & (1u << idx)); i++)
		idx = (idx + 1) % n;
	if (q->failed & (1u << idx)) {
		finish(r, q, q->last_err);
		return true;
	}
	shift = q->attempt / n;
	if (shift > TIMEOUT_SHIFT_MAX)
		shift = TIMEOUT_SHIFT_MAX;
	timeout = r->cfg.timeout_ns << shift;
	if (q->attempt > 0)
		r->stats.retries++;
	q->attempt++;
	q->server = idx;
	q->asked |= (uint8_t)(1u << idx);
	q->tx_pending = true;
	q->retry_at = TERN_MIN(add_sat(now, timeout), q->deadline);
	return false;
}

static bool id_running(const struct tern_dns_resolver *r, uint16_t id)
{
	for (struct tern_list *n = r->queries.next; n != &r->queries;
	     n = n->next)
		if (query_of(n)->id == id)
			return true;
	return false;
}

/* The cache entry for name that is still fresh at now, or NULL. */
static struct tern_dns_cache_entry *cache_find(struct tern_dns_resolver *r,
					       const struct tern_dns_name *name,
					       uint64_t now)
{
	for (unsigned i = 0; i < TERN_DNS_CACHE_SIZE; i++) {
		struct tern_dns_cache_entry *e = &r->cache[i];

		if (e->used && e->expires > now &&
		    tern_dns_name_equal(&e->name, name))
			return e;
	}
	return NULL;
}

/* Remembers q's answer for min(ttl, ttl_max_s) seconds. Replaces the
 * entry of the same name, else a free or stale one, else the one that
 * expires first. */
static void cache_put(struct tern_dns_resolver *r,
		      const struct tern_dns_query *q, uint64_t now)
{
	struct tern_dns_cache_entry *victim = NULL;
	uint32_t ttl = TERN_MIN(q->ttl, r->cfg.ttl_max_s);
	unsigned i;

	if (ttl == 0 || q->n_addrs == 0)
		return;
	for (i = 0; i < TERN_DNS_CACHE_SIZE && !victim; i++)
		if (r->cache[i].used &&
		    tern_dns_name_equal(&r->cache[i].name, &q->name))
			victim = &r->cache[i];
	for (i = 0; i < TERN_DNS_CACHE_SIZE && !victim; i++)
		if (!r->cache[i].used || r->cache[i].expires <= now)
			victim = &r->cache[i];
	if (!victim) {
		victim = &r->cache[0];
		for (i = 1; i < TERN_DNS_CACHE_SIZE; i++)
			if (r->cache[i].expires < victim->expires)
				victim = &r->cache[i];
	}
	victim->used = true;
	victim->name = q->name;
	victim->n_addrs = q->n_addrs;
	memcpy(victim->addrs, q->addrs, sizeof(victim->addrs));
	victim->expires = add_sat(now, (uint64_t)ttl * TERN_NSEC_PER_SEC);
}

int tern_dns_query_start(struct tern_dns_resolver *r, struct tern_dns_query *q,
			 const char *name, uint64_t now, uint64_t deadline)
{
	struct tern_dns_cache_entry *e;
	int rc;

	q->running = false;
	q->n_addrs = 0;
	q->ttl = 0;
	tern_list_init(&q->link);
	rc = tern_dns_name_from_text(&q->name, name);
	if (rc < 0) {
		q->status = rc;
		return rc;
	}
	r->stats.queries++;
	e = cache_find(r, &q->name, now);
	if (e) {
		r->stats.cache_hits++;
		q->status = 0;
		q->n_addrs = e->n_addrs;
		memcpy(q->addrs, e->addrs, sizeof(q->addrs));
		q->ttl = (uint32_t)((e->expires - now) / TERN_NSEC_PER_SEC);
		return 1;
	}
	if (r->n_servers == 0) {
		q->status = -TERN_EHOSTUNREACH;
		return -TERN_EHOSTUNREACH;
	}

	if (now >= deadline) {
		q->status = -TERN_ETIMEDOUT;
		return -TERN_ETIMEDOUT;
	}

	q->id = (uint16_t)tern_rand_u64(&r->rand);
	for (int i = 0; i < ID_TRIES && id_running(r, q->id); i++)
		if (now >= deadline) {
			q->status = -TERN_ETIMEDOUT;
			return -TERN_ETIMEDOUT;
		}

	q->id = (uint16_t)tern_rand_u64(&r->rand);
	rc = tern_dns_query_emit(q->tx_buf, sizeof(q->tx_buf), q->id, &q->name,
				 TERN_DNS_TYPE_A);
	q->tx_len = (uint16_t)rc; /* always fits: the buffer is sized so */
	q->attempt = 0;
	q->server = 0;
	q->asked = 0;
	q->failed = 0;
	q->last_err = 0;
	q->deadline = deadline;
	q->status = -TERN_EAGAIN;
	q->running = true;
	tern_list_add_tail(&r->queries, &q->link);
	next_attempt(r, q, now);
	return 0;
}

void tern_dns_query_cancel(struct tern_dns_resolver *r,
			   struct tern_dns_query *q)
{
	(void)r;
	if (!q->running)
		return;
	tern_list_del_init(&q->link);
	q->running = false;
	q->tx_pending = false;
	q->status = -TERN_ECANCELED;
}

/* The index of server src among those q asked, or -1. */
static int asked_index(const struct tern_dns_resolver *r,
		       const struct tern_dns_query *q, uint32_t src)
{
	for (unsigned i = 0; i < r->n_servers; i++)
		if (r->servers[i] == src && (q->asked & (1u << i)))
			return (int)i;
	return -1;
}

unsigned tern_dns_resolver_input(struct tern_dns_resolver *r, uint32_t src,
				 uint16_t src_port, const void *data,
				 size_t len, uint64_t now)
{
	struct tern_dns_header h;
	struct tern_dns_query *q = NULL;
	struct tern_dns_answer a;
	int idx, rc, err;

	r->stats.rx++;
	if (tern_dns_header_parse(&h, data, len) < 0 ||
	    !(h.flags & TERN_DNS_F_QR)) {
		r->stats.rx_malformed++;
		return 0;
	}
	for (struct tern_list *n = r->queries.next; n != &r->queries;
	     n = n->next) {
		if (query_of(n)->id == h.id) {
			q = query_of(n);
			break;
		}
	}
	if (!q) {
		r->stats.rx_unmatched++;
		return 0;
	}
	idx = asked_index(r, q, src);
	if (src_port != TERN_DNS_PORT || idx < 0) {
		r->stats.rx_wrong_source++;
		return 0;
	}
	rc = tern_dns_answer_parse(data, len, q->id, &q->name, &a);
	if (rc == -TERN_EINVAL) {
		r->stats.rx_wrong_question++;
		return 0;
	}
	if (rc < 0) {
		r->stats.rx_malformed++;
		return 0;
	}

	err = tern_dns_answer_err(&a);
	if (err != 0 && err != -TERN_ENOENT && err != -TERN_EMSGSIZE) {
		/* This server cannot help; ask the next one now. */
		r->stats.rx_server_error++;
		q->failed |= (uint8_t)(1u << idx);
		q->last_err = err;
		return next_attempt(r, q, now) ? 1 : 0;
	}
	r->stats.answered++;
	q->n_addrs = a.n_addrs;
	memcpy(q->addrs, a.addrs, sizeof(q->addrs));
	q->ttl = a.ttl;
	if (err == 0 && r->cfg.ttl_max_s > 0)
		cache_put(r, q, now);
	finish(r, q, err);
	return 1;
}

unsigned tern_dns_resolver_tick(struct tern_dns_resolver *r, uint64_t now)
{
	struct tern_list *n = r->queries.next;
	unsigned ended = 0;

	while (n != &r->queries) {
		struct tern_dns_query *q = query_of(n);

		n = n->next; /* q may be unlinked below */
		if (now >= q->deadline) {
			finish(r, q, -TERN_ETIMEDOUT);
			ended++;
		} else if (now >= q->retry_at) {
			ended += next_attempt(r, q, now) ? 1 : 0;
		}
	}
	return ended;
}

uint64_t tern_dns_resolver_deadline(const struct tern_dns_resolver *r)
{
	uint64_t d = TERN_NO_DEADLINE;

	for (struct tern_list *n = r->queries.next; n != &r->queries;
	     n = n->next) {
		const struct tern_dns_query *q = query_of(n);

		d = TERN_MIN(d, TERN_MIN(q->retry_at, q->deadline));
	}
	return d;
}

bool tern_dns_resolver_tx(struct tern_dns_resolver *r, struct tern_dns_tx *tx)
{
	for (struct tern_list *n = r->queries.next; n != &r->queries;
	     n = n->next) {
		struct tern_dns_query *q = query_of(n);

		if (!q->tx_pending)
			continue;
		q->tx_pending = false;
		if (q->server >= r->n_servers)
			continue; /* the list shrank; the timer retries */
		r->stats.tx++;
		tx->dst = r->servers[q->server];
		tx->data = q->tx_buf;
		tx->len = q->tx_len;
		return true;
	}
	return false;
}

unsigned tern_dns_resolver_abort(struct tern_dns_resolver *r)
{
	unsigned ended = 0;

	while (!tern_list_empty(&r->queries)) {
		finish(r, query_of(r->queries.next), -TERN_ECANCELED);
		ended++;
	}
	return ended;
}

void tern_dns_cache_flush(struct tern_dns_resolver *r)
{
	memset(r->cache, 0, sizeof(r->cache));
}

unsigned tern_dns_resolver_running(const struct tern_dns_resolver *r)
{
	unsigned count = 0;

	for (struct tern_list *n = r->queries.next; n != &r->queries;
	     n = n->next)
		count++;
	return count;
}
