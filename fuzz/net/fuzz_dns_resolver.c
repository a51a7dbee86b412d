/*
 * fuzz_dns_resolver.c - fuzz target for the stub resolver core.
 *
 * The input is a little program over four query slots: start a query (a
 * name from the input), feed a raw datagram, feed a response built for a
 * running query (right id and question, fuzzed rcode, records, CNAMEs and
 * TTLs, from a fuzzed source), tick, jump in time, cancel, change the
 * servers, drain the datagrams. Invariants:
 *   - done is called exactly once per query that started running, never
 *     for a cancelled one, and only with a documented status;
 *   - a finished query's addresses stay within TERN_DNS_ADDRS_MAX;
 *   - every datagram sent is a one-question query to a configured server;
 *   - after a tick at now, the deadline lies after now;
 *   - the resolver never runs more queries than were started.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/dns.h"
#include "tern/err.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 4
#define MAX_OPS 512

struct slot {
	struct tern_dns_query q;
	bool running;  /* as the harness believes */
	unsigned done; /* done calls since the last start */
};

static void on_done(struct tern_dns_query *q)
{
	struct slot *s = q->ctx;

	TERN_ASSERT(s->running);
	TERN_ASSERT(!q->running);
	s->done++;
	s->running = false;
	TERN_ASSERT(q->status == 0 || q->status == -TERN_ENOENT ||
		    q->status == -TERN_EAGAIN ||
		    q->status == -TERN_ECONNREFUSED ||
		    q->status == -TERN_EBADMSG || q->status == -TERN_EMSGSIZE ||
		    q->status == -TERN_ETIMEDOUT ||
		    q->status == -TERN_EHOSTUNREACH);
	TERN_ASSERT(q->n_addrs <= TERN_DNS_ADDRS_MAX);
	TERN_ASSERT(q->status != 0 || q->n_addrs > 0);
}

static void start(struct tern_dns_resolver *r, struct slot *s,
		  struct fuzz_input *in, uint64_t now)
{
	static const char alphabet[] = "ab.c-";
	char name[80];
	size_t n = fuzz_u8(in) % sizeof(name);
	int rc;

	if (s->running)
		return;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = fuzz_u8(in);

		name[i] = (b & 0x80) ? (char)(b | 1) : alphabet[b % 5];
	}
	name[n] = '\0';
	s->q.done = on_done;
	s->q.ctx = s;
	s->done = 0;
	rc = tern_dns_query_start(r, &s->q, name, now,
				  now + (uint64_t)fuzz_u16(in) *
						  TERN_NSEC_PER_MSEC);
	TERN_ASSERT(rc == 0 || rc == 1 || rc == -TERN_EINVAL ||
		    rc == -TERN_ENAMETOOLONG || rc == -TERN_EHOSTUNREACH ||
		    rc == -TERN_ETIMEDOUT);
	if (rc == 1)
		TERN_ASSERT(s->q.status == 0 && s->q.n_addrs > 0);
	s->running = rc == 0;
	TERN_ASSERT(s->q.running == s->running);
}

/* Writes a flat name at off; returns the offset after it. */
static size_t put_name(uint8_t *b, size_t off, const struct tern_dns_name *n)
{
	memcpy(b + off, n->wire, n->len);
	return off + n->len;
}

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	put16(b, off, (uint16_t)(v >> 16));
	put16(b, off + 2, (uint16_t)v);
}

/* A response for slot s built from the input. */
static void response(struct tern_dns_resolver *r, struct slot *s,
		     struct fuzz_input *in, uint64_t now)
{
	uint8_t b[2048];
	uint8_t flags = fuzz_u8(in);
	unsigned n = fuzz_u8(in) % 6;
	uint32_t servers[TERN_DNS_SERVERS_MAX];
	unsigned ns = tern_dns_resolver_servers(r, servers, 3);
	uint32_t src = ns ? servers[fuzz_u8(in) % ns] : fuzz_u32(in);
	size_t off;

	put16(b, 0, (flags & 1) ? fuzz_u16(in) : s->q.id);
	put16(b, 2, (uint16_t)(0x8180 | (fuzz_u8(in) % 6)));
	put16(b, 4, 1);
	put16(b, 6, (uint16_t)n);
	put32(b, 8, 0);
	off = put_name(b, 12, &s->q.name);
	put16(b, off, TERN_DNS_TYPE_A);
	put16(b, off + 2, TERN_DNS_CLASS_IN);
	off += 4;
	for (unsigned i = 0; i < n; i++) {
		uint8_t kind = fuzz_u8(in);

		/* Owner: the question's name (a pointer) or "x". */
		if (kind & 1) {
			put16(b, off, 0xc00c);
			off += 2;
		} else {
			memcpy(b + off, "\1x\0", 3);
			off += 3;
		}
		if (kind & 2) { /* CNAME to "x" */
			put16(b, off, TERN_DNS_TYPE_CNAME);
			put16(b, off + 2, TERN_DNS_CLASS_IN);
			put32(b, off + 4, fuzz_u32(in));
			put16(b, off + 8, 3);
			memcpy(b + off + 10, "\1x\0", 3);
			off += 13;
		} else {
			put16(b, off, TERN_DNS_TYPE_A);
			put16(b, off + 2, TERN_DNS_CLASS_IN);
			put32(b, off + 4, fuzz_u32(in));
			put16(b, off + 8, 4);
			put32(b, off + 10, fuzz_u32(in));
			off += 14;
		}
	}
	(void)tern_dns_resolver_input(
		r, src, (flags & 2) ? fuzz_u16(in) : TERN_DNS_PORT, b, off,
		now);
}

static void raw(struct tern_dns_resolver *r, struct fuzz_input *in,
		uint64_t now)
{
	size_t len = fuzz_u16(in) % 600;
	uint32_t src = fuzz_u32(in);
	uint8_t *buf = fuzz_copy(in, &len);

	(void)tern_dns_resolver_input(r, src, TERN_DNS_PORT, buf, len, now);
	free(buf);
}

static void drain(struct tern_dns_resolver *r)
{
	uint32_t servers[TERN_DNS_SERVERS_MAX];
	unsigned ns = tern_dns_resolver_servers(r, servers, 3);
	struct tern_dns_tx tx;

	while (tern_dns_resolver_tx(r, &tx)) {
		struct tern_dns_header h;
		bool known = false;

		TERN_ASSERT(tern_dns_header_parse(&h, tx.data, tx.len) == 0);
		TERN_ASSERT(h.qdcount == 1 && !(h.flags & TERN_DNS_F_QR));
		for (unsigned i = 0; i < ns; i++)
			known |= servers[i] == tx.dst;
		TERN_ASSERT(known);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t initial[] = { 0x0a000035, 0x0a000135 };
	struct tern_dns_resolver r;
	struct tern_dns_config cfg;
	struct slot slots[SLOTS];
	struct fuzz_input in = { data, size };
	uint64_t now = TERN_NSEC_PER_SEC;
	unsigned running;

	memset(slots, 0, sizeof(slots));
	tern_dns_config_default(&cfg);
	cfg.rounds = 1 + fuzz_u8(&in) % 3;
	tern_dns_resolver_init(&r, &cfg, fuzz_u32(&in));
	tern_dns_resolver_set_servers(&r, initial, 2);
	for (int op = 0; op < MAX_OPS && in.left > 0; op++) {
		struct slot *s = &slots[fuzz_u8(&in) % SLOTS];
		uint32_t servers[4];
		uint64_t d;

		switch (fuzz_u8(&in) % 8) {
		case 0:
			start(&r, s, &in, now);
			break;
		case 1:
			raw(&r, &in, now);
			break;
		case 2:
			if (s->running)
				response(&r, s, &in, now);
			break;
		case 3:
			d = tern_dns_resolver_deadline(&r);
			if (d == TERN_NO_DEADLINE)
				break;
			if (d > now)
				now = d;
			tern_dns_resolver_tick(&r, now);
			TERN_ASSERT(tern_dns_resolver_deadline(&r) > now);
			break;
		case 4:
			now += (uint64_t)fuzz_u16(&in) * TERN_NSEC_PER_MSEC;
			break;
		case 5:
			tern_dns_query_cancel(&r, &s->q);
			if (s->running)
				TERN_ASSERT(s->q.status == -TERN_ECANCELED);
			s->running = false;
			break;
		case 6:
			for (unsigned i = 0; i < 4; i++)
				servers[i] = fuzz_u32(&in);
			tern_dns_resolver_set_servers(&r, servers,
						      fuzz_u8(&in) % 5);
			break;
		default:
			drain(&r);
			break;
		}
		running = 0;
		for (unsigned i = 0; i < SLOTS; i++) {
			TERN_ASSERT(slots[i].done <= 1);
			TERN_ASSERT(slots[i].q.running == slots[i].running);
			running += slots[i].running;
		}
		TERN_ASSERT(tern_dns_resolver_running(&r) == running);
	}
	/* The slots live on this stack: nothing may stay linked. */
	for (unsigned i = 0; i < SLOTS; i++)
		tern_dns_query_cancel(&r, &slots[i].q);
	TERN_ASSERT(tern_dns_resolver_running(&r) == 0);
	return 0;
}
