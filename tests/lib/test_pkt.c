/*
 * test_pkt.c - packet pools: carving, headroom, push/pull/put/trim at their
 * limits, exhaustion counted and never fatal, copy-in, and teardown with
 * every packet back (used == 0).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/err.h"
#include "tern/pkt.h"

#define BUF 256u
#define COUNT 16u

static _Alignas(64) uint8_t mem[COUNT * (BUF + 192)];
static struct tern_pkt_pool pool;

static void setup(void)
{
	size_t need = tern_pkt_pool_mem_size(COUNT, BUF);

	cr_assert_leq(need, sizeof(mem));
	cr_assert_eq(tern_pkt_pool_init(&pool, mem, need, BUF), (int)COUNT);
}

static void teardown(void)
{
	cr_assert_eq(pool.used, 0, "%u packets leaked", pool.used);
	cr_assert_eq(tern_list_len(&pool.free), pool.count);
}

TestSuite(pkt, .init = setup, .fini = teardown);

Test(pkt, init_carves_aligned_packets_and_rejects_too_little_memory)
{
	struct tern_pkt_pool p2;

	cr_assert_eq(pool.count, COUNT);
	cr_assert_eq(pool.buf_size, BUF);
	cr_assert_eq(tern_pkt_pool_mem_size(3, 100) % 64, 0);
	cr_assert_eq(tern_pkt_pool_init(
			     &p2, mem, tern_pkt_pool_mem_size(1, BUF) - 1, BUF),
		     -TERN_EINVAL);
	cr_assert_eq(tern_pkt_pool_init(&p2, mem, sizeof(mem), 0),
		     -TERN_EINVAL);
	cr_assert_eq(tern_pkt_pool_init(&p2, mem, 0, BUF), -TERN_EINVAL);
	/* Every packet's storage is 64-byte aligned and inside mem. */
	setup();
	for (unsigned i = 0; i < COUNT; i++) {
		struct tern_pkt *p = tern_pkt_alloc(&pool, 0);

		cr_assert_not_null(p);
		cr_assert_geq(p->storage, mem);
		cr_assert_leq(p->storage + p->cap, mem + sizeof(mem));
		cr_assert_eq(p->cap, BUF);
		tern_pkt_free(p);
	}
}

Test(pkt, headroom_push_pull_put_trim)
{
	struct tern_pkt *p = tern_pkt_alloc(&pool, 64);
	uint8_t *d;

	cr_assert_not_null(p);
	cr_assert_eq(p->len, 0);
	cr_assert_eq(tern_pkt_headroom(p), 64);
	cr_assert_eq(tern_pkt_tailroom(p), BUF - 64);

	d = tern_pkt_put(p, 100);
	cr_assert_eq(d, p->data);
	memset(d, 'p', 100);
	cr_assert_eq(p->len, 100);
	cr_assert_eq(tern_pkt_tailroom(p), BUF - 164);
	cr_assert_null(tern_pkt_put(p, BUF - 164 + 1), "past the tailroom");
	cr_assert_eq(p->len, 100, "a refused put changes nothing");
	cr_assert_not_null(tern_pkt_put(p, BUF - 164));
	cr_assert_eq(tern_pkt_tailroom(p), 0);
	tern_pkt_trim(p, 100);

	d = tern_pkt_push(p, 14);
	cr_assert_eq(d, p->storage + 50);
	memset(d, 'h', 14);
	cr_assert_eq(p->len, 114);
	cr_assert_null(tern_pkt_push(p, 51));
	cr_assert_eq(p->len, 114);
	cr_assert_not_null(tern_pkt_push(p, 50));
	cr_assert_eq(tern_pkt_headroom(p), 0);
	cr_assert_null(tern_pkt_push(p, 1));

	cr_assert_eq(tern_pkt_pull(p, 50), p->storage + 50);
	cr_assert_eq(p->data[0], 'h');
	cr_assert_eq(tern_pkt_pull(p, 14), p->storage + 64);
	cr_assert_eq(p->data[0], 'p');
	cr_assert_null(tern_pkt_pull(p, 101));
	cr_assert_eq(p->len, 100);

	tern_pkt_trim(p, 200);
	cr_assert_eq(p->len, 100, "trim never grows");
	tern_pkt_trim(p, 10);
	cr_assert_eq(p->len, 10);
	cr_assert_not_null(tern_pkt_pull(p, 10));
	cr_assert_eq(p->len, 0);
	tern_pkt_free(p);
}

Test(pkt, exhaustion_is_counted_and_recovers)
{
	struct tern_pkt *p[COUNT];

	for (unsigned i = 0; i < COUNT; i++) {
		p[i] = tern_pkt_alloc(&pool, 0);
		cr_assert_not_null(p[i]);
		for (unsigned j = 0; j < i; j++)
			cr_assert_neq(p[i], p[j], "handed out twice");
	}
	cr_assert_eq(pool.used, COUNT);
	cr_assert_null(tern_pkt_alloc(&pool, 0));
	cr_assert_null(tern_pkt_alloc(&pool, 0));
	cr_assert_null(tern_pkt_from(&pool, 0, "x", 1));
	cr_assert_eq(pool.alloc_failed, 3);
	cr_assert_eq(pool.peak, COUNT);
	tern_pkt_free(p[3]);
	cr_assert_eq(pool.used, COUNT - 1);
	p[3] = tern_pkt_alloc(&pool, 0);
	cr_assert_not_null(p[3]);
	for (unsigned i = 0; i < COUNT; i++)
		tern_pkt_free(p[i]);
	tern_pkt_free(NULL);
	cr_assert_eq(pool.peak, COUNT);
}

Test(pkt, alloc_resets_the_packet_and_from_copies)
{
	struct tern_pkt *p = tern_pkt_alloc(&pool, 8), *q;

	memset(p->cb, 0xab, sizeof(p->cb));
	tern_pkt_put(p, 20);
	tern_pkt_free(p);
	q = tern_pkt_alloc(&pool, 16);
	cr_assert_eq(q, p, "LIFO reuse keeps caches warm");
	cr_assert_eq(q->len, 0);
	cr_assert_eq(q->cb[0] | q->cb[3], 0);
	cr_assert_eq(tern_pkt_headroom(q), 16);
	tern_pkt_free(q);

	q = tern_pkt_from(&pool, 32, "hello", 5);
	cr_assert_not_null(q);
	cr_assert_eq(q->len, 5);
	cr_assert_eq(tern_pkt_headroom(q), 32);
	cr_assert_arr_eq(q->data, "hello", 5);
	tern_pkt_free(q);
	/* Too big for the buffer: refused without touching the pool. */
	static uint8_t src[BUF];
	cr_assert_null(tern_pkt_from(&pool, 32, src, BUF - 31));
	cr_assert_null(tern_pkt_from(&pool, BUF + 1, src, 0));
	cr_assert_eq(pool.alloc_failed, 0);
	q = tern_pkt_from(&pool, 0, src, BUF);
	cr_assert_not_null(q, "exactly the buffer size fits");
	cr_assert_eq(tern_pkt_tailroom(q), 0);
	tern_pkt_free(q);
}

Test(pkt, packets_queue_through_their_link)
{
	struct tern_list q;
	unsigned n = 0;

	tern_list_init(&q);
	for (unsigned i = 0; i < 5; i++) {
		struct tern_pkt *p = tern_pkt_alloc(&pool, 0);

		p->cb[0] = i;
		tern_list_add_tail(&q, &p->link);
	}
	while (!tern_list_empty(&q)) {
		struct tern_pkt *p = tern_list_entry(tern_list_pop(&q),
						     struct tern_pkt, link);

		cr_assert_eq(p->cb[0], n++);
		tern_pkt_free(p);
	}
	cr_assert_eq(n, 5);
}

Test(pkt, free_list_returns_every_queued_packet)
{
	struct tern_list q;

	tern_list_init(&q);
	cr_assert_eq(tern_pkt_free_list(&q), 0);
	for (unsigned i = 0; i < 7; i++)
		tern_list_add_tail(&q, &tern_pkt_alloc(&pool, 0)->link);
	cr_assert_eq(pool.used, 7);
	cr_assert_eq(tern_pkt_free_list(&q), 7);
	cr_assert(tern_list_empty(&q));
	cr_assert_eq(pool.used, 0);
}
