/*
 * bcache.c - the block cache core: memory layout, lookup, get/put,
 * writers, and sequential read-ahead.
 *
 * Everything here is O(1) per call except the miss path, which runs the
 * eviction scan (bcache_policy.c: O(1) amortised, bounded by 5 x nblocks
 * steps when pinned or dirty blocks are in the way) and read-ahead (O(window)
 * hash lookups, at most readahead_max).
 */
#include <string.h>

#include "tern/assert.h"

#include "bcache_int.h"

#define DATA_ALIGN 512u
#define BLOCK_SIZE_MAX (1u << 20)

struct layout {
	size_t bufs, hash, ghost, ghost_hash, data, total;
	uint32_t hash_size, small_cap, ghost_cap, ghost_hash_size;
};

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool config_ok(const struct tern_bcache_config *cfg)
{
	uint32_t bs = cfg->block_size;

	return bs >= 512 && bs <= BLOCK_SIZE_MAX && (bs & (bs - 1)) == 0 &&
	       cfg->nblocks >= 2 && cfg->nblocks <= (1u << 30);
}

/* Offsets of each region from an 8-aligned base; data is aligned later. */
static void layout_of(const struct tern_bcache_config *cfg, struct layout *l)
{
	uint32_t n = cfg->nblocks;

	l->hash_size = pow2_at_least(n);
	l->small_cap = n / 10 ? n / 10 : 1;
	l->ghost_cap = n - l->small_cap;
	l->ghost_hash_size = pow2_at_least(l->ghost_cap);
	l->bufs = 0;
	l->hash = align_up(l->bufs + (size_t)n * sizeof(struct tern_bcache_buf),
			   8);
	l->ghost = align_up(l->hash + l->hash_size * sizeof(void *), 8);
	l->ghost_hash =
		align_up(l->ghost + (size_t)l->ghost_cap *
					    sizeof(struct tern_bcache_ghost),
			 8);
	l->data = l->ghost_hash + l->ghost_hash_size * sizeof(uint32_t);
	l->total = l->data + (size_t)n * cfg->block_size;
}

size_t tern_bcache_mem_size(const struct tern_bcache_config *cfg)
{
	struct layout l;

	if (!config_ok(cfg))
		return 0;
	layout_of(cfg, &l);
	return l.total + 8 + DATA_ALIGN;
}

int tern_bcache_init(struct tern_bcache *c, struct tern_blkdev *dev,
		     const struct tern_bcache_config *cfg, void *mem,
		     size_t mem_size)
{
	uintptr_t base = ((uintptr_t)mem + 7) & ~(uintptr_t)7;
	uint8_t *data;
	struct layout l;
	uint32_t spb;

	memset(c, 0, sizeof(*c));
	if (!config_ok(cfg) || mem_size < tern_bcache_mem_size(cfg) ||
	    cfg->block_size % dev->sector_size)
		return -TERN_EINVAL;
	spb = cfg->block_size / dev->sector_size;
	if (dev->max_sectors && spb > dev->max_sectors)
		return -TERN_EINVAL;
	layout_of(cfg, &l);

	c->dev = dev;
	c->block_size = cfg->block_size;
	c->spb = spb;
	c->nbufs = cfg->nblocks;
	c->dev_blocks = (dev->sector_count + spb - 1) / spb;
	c->last_sectors =
		(uint32_t)(dev->sector_count -
			   (c->dev_blocks ? c->dev_blocks - 1 : 0) * spb);
	c->bufs = (struct tern_bcache_buf *)(base + l.bufs);
	c->hash = (struct tern_bcache_buf **)(base + l.hash);
	c->hash_mask = l.hash_size - 1;
	c->small_cap = l.small_cap;
	/* A read-ahead window above half the small queue would push its own
	 * prefetched blocks out before they are used. */
	c->readahead_max = TERN_MIN(cfg->readahead_max, c->small_cap / 2);
	c->run_max = TERN_MIN(dev->max_segments, TERN_BCACHE_RUN_MAX);
	if (dev->max_sectors)
		c->run_max = TERN_MIN(c->run_max, dev->max_sectors / spb);
	tern_list_init(&c->free);
	tern_list_init(&c->small);
	tern_list_init(&c->main);
	tern_list_init(&c->dirty);
	tern_list_init(&c->submitq);
	tern_list_init(&c->flush_waiting);
	tern_list_init(&c->flush_active);
	tern_waitq_init(&c->slot_waiters);
	ghost_init(c, (struct tern_bcache_ghost *)(base + l.ghost),
		   (uint32_t *)(base + l.ghost_hash), l.ghost_cap,
		   l.ghost_hash_size);
	memset(c->hash, 0, l.hash_size * sizeof(void *));

	data = (uint8_t *)align_up(base + l.data, DATA_ALIGN);
	for (uint32_t i = 0; i < c->nbufs; i++) {
		struct tern_bcache_buf *b = &c->bufs[i];

		memset(b, 0, sizeof(*b));
		b->cache = c;
		b->data = data + (size_t)i * c->block_size;
		b->state = BUF_EMPTY;
		b->queue = Q_FREE;
		tern_list_init(&b->dlink);
		tern_list_init(&b->iolink);
		tern_waitq_init(&b->waiters);
		tern_list_add_tail(&c->free, &b->qlink);
	}
	for (unsigned i = 0; i < TERN_BCACHE_RA_STREAMS; i++)
		c->ra[i].next = UINT64_MAX;
	return 0;
}

void tern_bcache_fini(struct tern_bcache *c)
{
	TERN_ASSERT(c->pinned == 0);
	TERN_ASSERT(tern_bcache_inflight(c) == 0);
	if (c->sched)
		tern_bcache_detach(c);
	c->dev = NULL;
}

uint64_t tern_bcache_dev_bytes(const struct tern_bcache *c)
{
	return c->dev->sector_count * c->dev->sector_size;
}

void bc_wake(struct tern_bcache *c, struct tern_waitq *q)
{
	if (c->sched && !tern_waitq_empty(q))
		tern_waitq_wake_all(c->sched, q);
}

struct tern_bcache_buf *bc_lookup(const struct tern_bcache *c, uint64_t blockno)
{
	struct tern_bcache_buf *b = c->hash[bc_hash(blockno, c->hash_mask)];

	while (b && b->blockno != blockno)
		b = b->hnext;
	return b;
}

static void hash_insert(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	struct tern_bcache_buf **head =
		&c->hash[bc_hash(b->blockno, c->hash_mask)];

	b->hnext = *head;
	*head = b;
}

static void hash_remove(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	struct tern_bcache_buf **pp =
		&c->hash[bc_hash(b->blockno, c->hash_mask)];

	while (*pp != b) {
		TERN_ASSERT(*pp != NULL);
		pp = &(*pp)->hnext;
	}
	*pp = b->hnext;
	b->hnext = NULL;
}

void bc_drop(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->refs == 0 && !(b->flags & (BUF_DIRTY | BUF_WRITEBACK)));
	hash_remove(c, b);
	policy_remove(c, b);
	b->state = BUF_EMPTY;
	b->flags = 0;
	b->queue = Q_FREE;
	tern_list_add_tail(&c->free, &b->qlink);
}

/* A buffer for a new block: a free one, or an evicted one. NULL (with
 * *err) if none. */
static struct tern_bcache_buf *take_slot(struct tern_bcache *c,
					 bool start_writeback, int *err)
{
	struct tern_list *node = tern_list_pop(&c->free);
	struct tern_bcache_buf *b;

	if (node)
		return tern_list_entry(node, struct tern_bcache_buf, qlink);
	b = policy_evict(c, start_writeback);
	if (b) {
		hash_remove(c, b);
		c->stats.evictions++;
		return b;
	}
	*err = c->inflight || c->pinned ? -TERN_EAGAIN : -TERN_ENOMEM;
	return NULL;
}

/* Hashes a buffer taken by take_slot as block blockno and queues it. */
static void fill_slot(struct tern_bcache *c, struct tern_bcache_buf *b,
		      uint64_t blockno)
{
	b->blockno = blockno;
	b->flags = 0;
	b->rerr = 0;
	hash_insert(c, b);
	if (policy_insert(c, b))
		c->stats.ghost_hits++;
}

void bc_revive(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->state == BUF_RERROR);
	memset(b->data, 0, c->block_size);
	b->state = BUF_VALID;
	b->rerr = 0;
	c->stats.revived++;
}

static void ref(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	if (b->refs++ == 0)
		c->pinned++;
}

/* Reads ahead of stream s, which just got block blockno: once half of
 * what it read ahead is used, grows the window and fills it again,
 * collecting consecutive blocks into runs. */
static void read_ahead(struct tern_bcache *c, struct tern_bcache_ra *s,
		       uint64_t blockno)
{
	struct tern_bcache_buf *run[TERN_BCACHE_RUN_MAX];
	uint32_t n = 0;
	uint64_t end;

	if (s->ahead <= blockno)
		s->ahead = blockno + 1;
	if (s->window && s->ahead - (blockno + 1) > s->window / 2)
		return; /* enough is on its way */
	s->window = s->window ? TERN_MIN(s->window * 2, c->readahead_max)
			      : TERN_MIN(TERN_BCACHE_RA_MIN, c->readahead_max);
	end = TERN_MIN(blockno + 1 + s->window, c->dev_blocks);
	while (s->ahead < end) {
		struct tern_bcache_buf *b;
		int err;

		if (bc_lookup(c, s->ahead)) {
			io_start_read_run(c, run, n); /* a run is consecutive */
			n = 0;
			s->ahead++;
			continue;
		}
		/* Never starts write-backs: read-ahead is a guess. */
		b = take_slot(c, false, &err);
		if (!b)
			break;
		fill_slot(c, b, s->ahead);
		b->flags |= BUF_PREFETCHED;
		b->state = BUF_READING;
		c->stats.ra_issued++;
		run[n++] = b;
		if (n == c->run_max || n == TERN_BCACHE_RUN_MAX) {
			io_start_read_run(c, run, n);
			n = 0;
		}
		s->ahead++;
	}
	io_start_read_run(c, run, n);
}

/* Follows sequential readers: a get of the block a stream expects next
 * advances it; any other get starts a new stream in the least recently
 * used slot. */
static void track_stream(struct tern_bcache *c, uint64_t blockno)
{
	struct tern_bcache_ra *s = NULL, *oldest = &c->ra[0];

	if (!c->readahead_max)
		return;
	for (unsigned i = 0; i < TERN_BCACHE_RA_STREAMS; i++) {
		if (c->ra[i].next == blockno) {
			s = &c->ra[i];
			break;
		}
		if (c->ra[i].lru < oldest->lru)
			oldest = &c->ra[i];
	}
	if (!s) {
		oldest->next = blockno + 1;
		oldest->ahead = blockno + 1;
		oldest->window = 0;
		oldest->lru = ++c->ra_clock;
		return;
	}
	s->next = blockno + 1;
	s->lru = ++c->ra_clock;
	read_ahead(c, s, blockno);
}

int tern_bcache_get(struct tern_bcache *c, uint64_t blockno, unsigned flags,
		    struct tern_bcache_buf **out)
{
	struct tern_bcache_buf *b;
	int err = 0;

	TERN_ASSERT(out != NULL && c->dev != NULL);
	if (blockno >= c->dev_blocks)
		return -TERN_EINVAL;
	b = bc_lookup(c, blockno);
	if (b) {
		c->stats.hits++;
		if (b->state == BUF_RERROR && (flags & TERN_BCACHE_NOREAD))
			bc_revive(c, b);
		if (b->state == BUF_READING)
			c->stats.joined++;
		if (b->flags & BUF_PREFETCHED) {
			b->flags &= (uint16_t)~BUF_PREFETCHED;
			c->stats.ra_used++;
		} else {
			policy_touch(b);
		}
		ref(c, b);
		track_stream(c, blockno);
		*out = b;
		return 0;
	}
	b = take_slot(c, true, &err);
	if (!b) {
		c->stats.no_slot++;
		return err;
	}
	fill_slot(c, b, blockno);
	ref(c, b);
	c->stats.misses++;
	if (flags & TERN_BCACHE_NOREAD) {
		memset(b->data, 0, c->block_size);
		b->state = BUF_VALID;
	} else {
		b->state = BUF_READING;
		io_start_read(c, b);
	}
	track_stream(c, blockno);
	*out = b;
	return 0;
}

int tern_bcache_ready(const struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->refs > 0);
	switch (b->state) {
	case BUF_VALID:
		return 0;
	case BUF_READING:
		return -TERN_EAGAIN;
	default:
		return b->rerr;
	}
}

void tern_bcache_put(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->cache == c && b->refs > 0);
	if (--b->refs > 0)
		return;
	c->pinned--;
	if (b->state == BUF_RERROR)
		bc_drop(c, b);
	bc_wake(c, &c->slot_waiters);
}

int tern_bcache_write_begin(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->cache == c && b->refs > 0);
	if (b->state == BUF_RERROR)
		return b->rerr;
	if (b->state == BUF_READING || (b->flags & BUF_WRITEBACK))
		return -TERN_EAGAIN;
	b->writers++;
	return 0;
}

void tern_bcache_write_end(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->cache == c && b->writers > 0);
	b->writers--;
	if (!(b->flags & BUF_DIRTY)) {
		b->flags |= BUF_DIRTY;
		tern_list_add_tail(&c->dirty, &b->dlink);
		c->ndirty++;
	}
	/* The active flush waited for this writer to finish. */
	if (b->writers == 0 && (b->flags & BUF_FLUSHING) &&
	    !(b->flags & BUF_WRITEBACK))
		io_start_write(c, b);
}

int tern_bcache_poll(struct tern_bcache *c)
{
	int n = tern_blkdev_poll(c->dev);

	if (n < 0)
		n = 0;
	n += io_retry(c);
	n += io_flush_progress(c);
	return n;
}
