/*
 * pkt.c - packet buffer pools.
 *
 * A pool is one block of memory cut into slots: a struct tern_pkt followed
 * by its storage, each slot a multiple of 64 bytes so headers start on a
 * cache line. Free packets sit on an intrusive list: alloc and free are O(1)
 * and never touch the platform allocator.
 */
#include "tern/pkt.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"

#define SLOT_ALIGN 64u

static size_t slot_size(uint32_t buf_size)
{
	size_t sz = sizeof(struct tern_pkt) + (size_t)buf_size;

	return (sz + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1);
}

size_t tern_pkt_pool_mem_size(uint32_t count, uint32_t buf_size)
{
	return (size_t)count * slot_size(buf_size);
}

int tern_pkt_pool_init(struct tern_pkt_pool *pool, void *mem, size_t mem_size,
		       uint32_t buf_size)
{
	size_t slot = slot_size(buf_size);
	size_t count = mem_size / slot;
	uint8_t *p = mem;

	memset(pool, 0, sizeof(*pool));
	tern_list_init(&pool->free);
	if (count == 0 || count > INT32_MAX || buf_size == 0)
		return -TERN_EINVAL;
	pool->buf_size = buf_size;
	pool->count = (uint32_t)count;
	for (size_t i = 0; i < count; i++, p += slot) {
		struct tern_pkt *pkt = (struct tern_pkt *)(void *)p;

		memset(pkt, 0, sizeof(*pkt));
		pkt->pool = pool;
		pkt->storage = p + sizeof(*pkt);
		pkt->cap = buf_size;
		tern_list_add_tail(&pool->free, &pkt->link);
	}
	return (int)count;
}

struct tern_pkt *tern_pkt_alloc(struct tern_pkt_pool *pool, uint32_t headroom)
{
	struct tern_list *node;
	struct tern_pkt *pkt;

	TERN_ASSERT(headroom <= pool->buf_size);
	node = tern_list_pop(&pool->free);
	if (!node) {
		pool->alloc_failed++;
		return NULL;
	}
	pkt = tern_list_entry(node, struct tern_pkt, link);
	pkt->data = pkt->storage + headroom;
	pkt->len = 0;
	memset(pkt->cb, 0, sizeof(pkt->cb));
	pkt->tx_csum_start = 0;
	pkt->tx_csum_offset = 0;
	pkt->tx_hdr_end = 0;
	pkt->tx_gso_size = 0;
	pkt->rx_flags = 0;
	if (++pool->used > pool->peak)
		pool->peak = pool->used;
	return pkt;
}

void tern_pkt_free(struct tern_pkt *pkt)
{
	struct tern_pkt_pool *pool;

	if (!pkt)
		return;
	pool = pkt->pool;
	TERN_ASSERT(pool->used > 0);
	TERN_ASSERT(!tern_list_linked(&pkt->link));
	pool->used--;
	tern_list_add(&pool->free, &pkt->link);
}

unsigned tern_pkt_free_list(struct tern_list *q)
{
	struct tern_list *node;
	unsigned n = 0;

	while ((node = tern_list_pop(q))) {
		tern_pkt_free(tern_list_entry(node, struct tern_pkt, link));
		n++;
	}
	return n;
}

struct tern_pkt *tern_pkt_from(struct tern_pkt_pool *pool, uint32_t headroom,
			       const void *src, size_t len)
{
	struct tern_pkt *pkt;

	if (headroom > pool->buf_size || len > pool->buf_size - headroom)
		return NULL;
	pkt = tern_pkt_alloc(pool, headroom);
	if (!pkt)
		return NULL;
	memcpy(tern_pkt_put(pkt, (uint32_t)len), src, len);
	return pkt;
}
