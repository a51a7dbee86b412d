/*
 * bcache_policy.c - S3-FIFO replacement for the block cache.
 *
 * Three queues (Yang et al., "FIFO queues are all you need for cache
 * eviction", SOSP 2023):
 *
 *   small   a FIFO that new blocks enter, small_cap = 10% of the blocks;
 *   main    a FIFO with a 2-bit access count per block, evicted like a
 *           CLOCK: a block at the tail with a count above 0 goes back to
 *           the head with the count decremented;
 *   ghost   the numbers of the last ghost_cap (= blocks - small_cap) blocks
 *           evicted from small without a re-access; a miss on one of them
 *           enters main directly.
 *
 * A block leaving small moves to main if it was accessed again while in
 * small, else it is evicted (into the ghost). So a one-time scan passes
 * through small only, and the working set in main survives it.
 *
 * Chosen over LRU, ARC and 2Q by hit ratio on Zipf, scan-plus-hot-set,
 * loop and web traces (bench/blk/bench_blk.c; bench/blk/policy_sim.c
 * holds the same policy without the cache around it, and the benchmark
 * checks that both give the same hit ratios).
 *
 * Blocks that cannot be evicted now (referenced, under I/O, dirty) are
 * skipped where they stand; a dirty one gets its write-back started so it is
 * clean when the scan comes back. The scan is bounded: small once, main at
 * most five passes (a count of 3 needs four), small again ignoring its
 * share: O(1) amortised, O(blocks) when most blocks are pinned.
 *
 * The ghost queue is a ring of ghost_cap entries (the oldest is
 * overwritten, which is the queue's eviction) with a chained hash on block
 * numbers for the miss-path lookup.
 */
#include "tern/assert.h"

#include "bcache_int.h"

#define MAIN_PASSES 5

void ghost_init(struct tern_bcache *c, struct tern_bcache_ghost *ghost,
		uint32_t *hash, uint32_t cap, uint32_t hash_size)
{
	c->ghost = ghost;
	c->ghost_hash = hash;
	c->ghost_cap = cap;
	c->ghost_mask = hash_size - 1;
	c->ghost_head = 0;
	for (uint32_t i = 0; i < cap; i++) {
		ghost[i].used = 0;
		ghost[i].next = GHOST_NIL;
	}
	for (uint32_t i = 0; i < hash_size; i++)
		hash[i] = GHOST_NIL;
}

/* Unlinks ghost entry idx from its hash chain. */
static void ghost_unlink(struct tern_bcache *c, uint32_t idx)
{
	uint32_t *pp =
		&c->ghost_hash[bc_hash(c->ghost[idx].blockno, c->ghost_mask)];

	while (*pp != idx) {
		TERN_ASSERT(*pp != GHOST_NIL);
		pp = &c->ghost[*pp].next;
	}
	*pp = c->ghost[idx].next;
	c->ghost[idx].next = GHOST_NIL;
	c->ghost[idx].used = 0;
}

static void ghost_add(struct tern_bcache *c, uint64_t blockno)
{
	uint32_t idx = c->ghost_head;
	uint32_t *head;

	if (c->ghost[idx].used)
		ghost_unlink(c, idx);
	c->ghost[idx].blockno = blockno;
	c->ghost[idx].used = 1;
	head = &c->ghost_hash[bc_hash(blockno, c->ghost_mask)];
	c->ghost[idx].next = *head;
	*head = idx;
	c->ghost_head = idx + 1 == c->ghost_cap ? 0 : idx + 1;
}

/* Removes blockno from the ghost queue; true if it was there. */
static bool ghost_take(struct tern_bcache *c, uint64_t blockno)
{
	uint32_t idx = c->ghost_hash[bc_hash(blockno, c->ghost_mask)];

	while (idx != GHOST_NIL && c->ghost[idx].blockno != blockno)
		idx = c->ghost[idx].next;
	if (idx == GHOST_NIL)
		return false;
	ghost_unlink(c, idx);
	return true;
}

static void enqueue(struct tern_bcache *c, struct tern_bcache_buf *b,
		    uint8_t queue)
{
	b->queue = queue;
	if (queue == Q_SMALL) {
		tern_list_add(&c->small, &b->qlink);
		c->nsmall++;
	} else {
		tern_list_add(&c->main, &b->qlink);
		c->nmain++;
	}
}

void policy_remove(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	if (b->queue == Q_SMALL)
		c->nsmall--;
	else if (b->queue == Q_MAIN)
		c->nmain--;
	else
		return;
	tern_list_del_init(&b->qlink);
	b->queue = Q_FREE;
}

bool policy_insert(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	bool ghost = ghost_take(c, b->blockno);

	b->freq = 0;
	enqueue(c, b, ghost ? Q_MAIN : Q_SMALL);
	return ghost;
}

void policy_touch(struct tern_bcache_buf *b)
{
	if (b->freq < 3)
		b->freq++;
}

static bool evictable(const struct tern_bcache_buf *b)
{
	return b->refs == 0 && b->state != BUF_READING &&
	       !(b->flags & (BUF_DIRTY | BUF_WRITEBACK));
}

/* A skipped block: if it is only dirty (not failed, not held, not being
 * written), start its write-back so the next scan finds it clean. */
static void skip(struct tern_bcache *c, struct tern_bcache_buf *b,
		 bool start_writeback)
{
	if (start_writeback && b->refs == 0 &&
	    (b->flags & (BUF_DIRTY | BUF_WRITEBACK | BUF_WFAILED)) == BUF_DIRTY)
		io_start_write(c, b);
}

/* Scans small from its tail. With keep_share, stops once small is within
 * its share (main then evicts) and promotes re-accessed blocks to main;
 * without, evicts the first evictable block whatever its count. */
static struct tern_bcache_buf *scan_small(struct tern_bcache *c,
					  uint32_t *budget, bool keep_share,
					  bool start_writeback)
{
	struct tern_list *it = c->small.prev;

	while (it != &c->small && *budget > 0) {
		struct tern_bcache_buf *b =
			tern_list_entry(it, struct tern_bcache_buf, qlink);

		if (keep_share && c->nsmall <= c->small_cap && c->nmain > 0)
			break;
		it = it->prev;
		(*budget)--;
		if (!evictable(b)) {
			skip(c, b, start_writeback);
			continue;
		}
		if (keep_share && b->freq > 0) {
			policy_remove(c, b);
			enqueue(c, b, Q_MAIN);
			b->freq = 0;
			continue;
		}
		policy_remove(c, b);
		ghost_add(c, b->blockno);
		return b;
	}
	return NULL;
}

/* CLOCK over main from its tail, wrapping at most MAIN_PASSES times. */
static struct tern_bcache_buf *scan_main(struct tern_bcache *c,
					 uint32_t *budget, bool start_writeback)
{
	struct tern_list *it = c->main.prev;
	unsigned passes = 0;

	while (c->nmain > 0 && *budget > 0) {
		struct tern_bcache_buf *b;

		if (it == &c->main) {
			if (++passes == MAIN_PASSES)
				break;
			it = c->main.prev;
		}
		b = tern_list_entry(it, struct tern_bcache_buf, qlink);
		it = it->prev;
		(*budget)--;
		if (!evictable(b)) {
			skip(c, b, start_writeback);
			continue;
		}
		if (b->freq > 0) {
			b->freq--;
			tern_list_del_init(&b->qlink);
			tern_list_add(&c->main, &b->qlink);
			continue;
		}
		policy_remove(c, b);
		return b;
	}
	return NULL;
}

struct tern_bcache_buf *policy_evict(struct tern_bcache *c,
				     bool start_writeback)
{
	uint32_t budget = 5 * c->nbufs + 8;
	struct tern_bcache_buf *b;

	b = scan_small(c, &budget, true, start_writeback);
	if (!b)
		b = scan_main(c, &budget, start_writeback);
	if (!b)
		b = scan_small(c, &budget, false, start_writeback);
	return b;
}
