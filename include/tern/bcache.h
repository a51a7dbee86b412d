/*
 * bcache.h - the write-back block cache over a blkdev.
 *
 * The cache holds fixed-size blocks (block_size bytes, a power of two and a
 * multiple of the device's sector size) in memory given once at init; it
 * never allocates afterwards. Block n covers the device's bytes
 * [n * block_size, (n + 1) * block_size); a last block cut short by the end
 * of the device reads its missing tail as zeros and never writes it.
 *
 * Two layers:
 *
 *   The core (sans-I/O): tern_bcache_get/ready/put/write_begin/write_end/
 *   flush_start/poll never block. A miss submits a read to the device and
 *   returns the buffer not yet ready; tern_bcache_poll() reaps the device's
 *   completions and submits follow-up requests. It runs anywhere, with any
 *   blkdev (a test's in-memory device, a fuzzer's), no scheduler needed.
 *
 *   The blocking API (tern_bcache_read/write_lock/flush/drain/pread/
 *   pwrite):
 *   called from a fiber of the scheduler the cache is attached to, a call
 *   waits on a wait queue until its I/O completes; the attached poller reaps
 *   completions each loop turn. Called outside any fiber (start-up code, a
 *   tool, a fuzzer), it busy-polls the device instead.
 *
 * Design notes.
 *
 * Lookup: a chained hash of 2^k >= nblocks buckets (one pointer each).
 *
 * Replacement: S3-FIFO (Yang et al., SOSP 2023), chosen by measurement
 * against LRU, ARC and 2Q (bench/blk/bench_blk.c; README "Block cache"):
 * a small FIFO queue (10% of the blocks) that new blocks enter, a main FIFO
 * queue with a 2-bit access count per block (a CLOCK), and a ghost queue of
 * the numbers of blocks recently evicted from the small queue (as many as
 * the main queue holds); a miss on a ghost goes straight to main. A block
 * read once (a scan) leaves from the small queue and never disturbs the
 * main queue. Eviction skips, in place, blocks that are pinned (referenced),
 * under I/O or dirty; a dirty block it skips gets its write-back started, so
 * it is clean and evictable when the scan comes back.
 *
 * Read-ahead: up to TERN_BCACHE_RA_STREAMS sequential readers are tracked.
 * The second consecutive access of a stream reads 4 blocks ahead; when the
 * reader has used half of what is read ahead, the window doubles (up to
 * readahead_max, which is capped at half the small queue: a larger window
 * would evict its own blocks before use) and is filled up again, so blocks
 * are read ahead in batches. A batch of consecutive blocks goes to the
 * device as one scattered request (a run: up to TERN_BCACHE_RUN_MAX blocks,
 * the device's max_segments and max_sectors) when the device takes
 * scattered requests; a run that fails is read again block by block, so an
 * error reaches only the blocks it concerns. Read-ahead takes only free or
 * clean evictable slots, never starts a write-back, and a prefetched
 * block's first use does not count as a re-access (a file read once stays
 * in the small queue).
 *
 * Errors:
 *   - A failed read is sticky on its buffer: every holder (everyone who got
 *     the buffer while the read was in flight, or after, until the last put)
 *     sees the error from tern_bcache_ready(). When the last reference is
 *     put, the buffer leaves the cache, so the next get reads again. A get
 *     with TERN_BCACHE_NOREAD (the caller overwrites the whole block; and
 *     tern_bcache_read when the read it shared failed) revives the buffer
 *     instead: valid, zero-filled, for holders too, since it is about to
 *     hold the new data.
 *   - A failed write-back leaves the block dirty (its data is kept, reads
 *     still see it) and marks it failed. Eviction never retries a failed
 *     block; every flush does. A flush covering it reports -TERN_EIO if its
 *     write fails again.
 *
 * Flush (tern_bcache_flush_start): covers every write ended
 * (tern_bcache_write_end) before the flush starts. It writes back every
 * block dirty when it becomes active (flushes started while another is
 * active wait, then run together) - consecutive dirty blocks together as
 * runs, as read-ahead does, a failed run redone block by block - waits for
 * all those writes and for write-backs already in flight, then submits a
 * device FLUSH. Status 0 means
 * every covered write is durable in the sense of dev.h. -TERN_EIO means some
 * write (or the device flush) failed: blocks whose write failed stay dirty
 * and the next flush retries them. A flush that finds nothing dirty, and no
 * write completed since the last device flush (which did not fail),
 * completes at once with 0 and no device flush.
 *
 * Stable blocks: a block's bytes never change while the device may read
 * them. tern_bcache_write_begin() refuses (-TERN_EAGAIN) while the block's
 * write-back is in flight, and no write-back starts while a writer holds the
 * block, so a power cut can never leave a sector mixing two versions. A
 * writer of a block under write-back waits for it (the blocking API does),
 * then dirties the block again: the new contents go out with a later
 * write-back; the flush that caused the first one covers only the old.
 *
 * No slot: a miss needs a free or evictable block. When none is evictable,
 * get fails with -TERN_EAGAIN if waiting helps (I/O in flight, including
 * write-backs the scan just started, or blocks pinned that a put will
 * release; the blocking API waits for a slot), or -TERN_ENOMEM if it cannot
 * (every unpinned block is dirty with a failed write-back and nothing is in
 * flight: only a flush frees them). A fiber that holds every block itself
 * waits forever; size nblocks above the blocks held at once.
 *
 * Tunables (struct tern_bcache_config):
 *   block_size      bytes per block                       (4096 typical)
 *   nblocks         blocks in memory                       (>= 2)
 *   readahead_max   largest read-ahead window, blocks; 0 off (32)
 * Memory: tern_bcache_mem_size() bytes: per block block_size, plus 184
 * bytes of struct tern_bcache_buf, 16 of ghost entry and 8 to 16 of hash
 * bucket (x86_64).
 */
#ifndef TERN_BCACHE_H
#define TERN_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/list.h"
#include "tern/sched.h"

#define TERN_BCACHE_RA_STREAMS 4
#define TERN_BCACHE_RA_MIN 4   /* first read-ahead window, blocks */
#define TERN_BCACHE_RUN_MAX 32 /* blocks per request of a run */
#define TERN_BCACHE_RUNS 8     /* runs in flight at once */

/* Flags for tern_bcache_get / tern_bcache_read.
 * TERN_BCACHE_NOREAD: the caller overwrites the whole block. A missing
 * block is not read but zero-filled; one whose read failed is revived as
 * zeros (see "Errors"). */
#define TERN_BCACHE_NOREAD 1u

struct tern_bcache;

/* One cached block. Only data and blockno are for callers, and only while
 * they hold a reference. */
struct tern_bcache_buf {
	uint8_t *data; /* block_size bytes */
	uint64_t blockno;
	/* private */
	struct tern_bcache *cache;
	struct tern_bcache_buf *hnext; /* hash chain */
	struct tern_list qlink;	       /* policy queue, or the free list */
	struct tern_list dlink;	       /* dirty list */
	struct tern_list iolink;       /* requests waiting for the device */
	struct tern_blk_req req;       /* the one request in flight for it */
	struct tern_waitq waiters;     /* fibers waiting for its I/O */
	uint32_t refs;
	uint16_t writers; /* holders between write_begin and _end */
	uint16_t flags;	  /* BUF_* in bcache_int.h */
	uint8_t state;	  /* BUF_EMPTY .. BUF_RERROR */
	uint8_t queue;	  /* Q_FREE, Q_SMALL, Q_MAIN */
	uint8_t freq;	  /* S3-FIFO's 2-bit access count */
	int rerr;	  /* the read error, in BUF_RERROR */
};

struct tern_bcache_config {
	uint32_t block_size;	/* bytes: a power of two, a multiple of the
				   device's sector size, at most 1 MiB */
	uint32_t nblocks;	/* blocks held, >= 2 */
	uint32_t readahead_max; /* blocks; 0 disables read-ahead */
};

struct tern_bcache_stats {
	uint64_t hits;	     /* get found the block (valid or in flight) */
	uint64_t misses;     /* get had to read (or zero-fill) it */
	uint64_t joined;     /* hits on a read in flight (shared read) */
	uint64_t ghost_hits; /* misses that went straight to main */
	uint64_t evictions;
	uint64_t no_slot;   /* gets failed: -TERN_EAGAIN or -TERN_ENOMEM */
	uint64_t ra_issued; /* blocks read ahead */
	uint64_t ra_used;   /* prefetched blocks later got */
	uint64_t reads, writes, flushes; /* requests completed (a run of
					    blocks is one) */
	uint64_t read_errors, write_errors, flush_errors;
	uint64_t dev_busy;    /* submits the device refused (queue full) */
	uint64_t run_retries; /* failed runs, redone block by block */
	uint64_t revived;     /* failed reads overwritten (NOREAD) */
};

/* One flush (tern_bcache_flush_start); the caller's memory. */
struct tern_bcache_flush {
	int status; /* -TERN_EAGAIN until done, then 0 or
				      -TERN_EIO */
	/* private */
	struct tern_list link;
	struct tern_waitq waiters;
};

/* Private: one sequential stream of read-ahead. */
struct tern_bcache_ra {
	uint64_t next;	 /* the block a sequential reader gets next */
	uint64_t ahead;	 /* first block not yet read ahead */
	uint32_t window; /* blocks to keep read ahead; 0: not yet */
	uint32_t lru;	 /* last use (stream replacement) */
};

/* Private: one request for consecutive blocks, a segment per buffer. */
struct tern_bcache_run {
	struct tern_blk_req req;
	struct tern_blk_seg segs[TERN_BCACHE_RUN_MAX];
	struct tern_bcache_buf *bufs[TERN_BCACHE_RUN_MAX];
	uint32_t n;
	bool busy; /* req is in flight */
};

/* Private: one ghost entry (S3-FIFO's ghost queue). */
struct tern_bcache_ghost {
	uint64_t blockno;
	uint32_t next; /* hash chain, GHOST_NIL at the end */
	uint32_t used;
};

struct tern_bcache {
	struct tern_bcache_stats stats;
	/* private */
	struct tern_blkdev *dev;
	struct tern_sched *sched; /* set by tern_bcache_attach */
	struct tern_poller poller;
	uint32_t block_size, spb; /* bytes; sectors per block */
	uint32_t nbufs, hash_mask;
	uint64_t dev_blocks;   /* on the device (the last may be short) */
	uint32_t last_sectors; /* sectors of the last block */
	struct tern_bcache_buf *bufs;
	struct tern_bcache_buf **hash;
	struct tern_list free;
	struct tern_list small, main;
	uint32_t nsmall, nmain, small_cap;
	struct tern_bcache_ghost *ghost;
	uint32_t *ghost_hash;
	uint32_t ghost_cap, ghost_mask, ghost_head;
	struct tern_list dirty;
	uint32_t ndirty;
	uint32_t pinned;	  /* buffers with refs > 0 */
	struct tern_list submitq; /* requests the device refused, to retry */
	uint32_t inflight;	  /* buffers with I/O submitted or queued */
	struct tern_bcache_ra ra[TERN_BCACHE_RA_STREAMS];
	uint32_t ra_clock, readahead_max;
	uint32_t run_max; /* blocks per run the device takes */
	struct tern_bcache_run runs[TERN_BCACHE_RUNS];
	/* Flush state. */
	struct tern_list flush_waiting, flush_active;
	uint32_t flush_remaining; /* active blocks not yet written */
	int flush_error;	  /* first write error of the active group */
	bool flush_needed;	  /* a write completed since the last device
				      flush was submitted */
	bool flush_submitted;	  /* flush_req is submitted or queued */
	bool flush_queued;	  /* the device refused flush_req */
	struct tern_blk_req flush_req;
	struct tern_waitq slot_waiters; /* fibers waiting for a free slot */
};

/* ---- Core (sans-I/O) --------------------------------------------------- */

/* Bytes of memory tern_bcache_init needs for cfg (0 if cfg is invalid for
 * any device: block_size not a power of two >= 512 or above 1 MiB, nblocks
 * below 2). */
TERN_API size_t tern_bcache_mem_size(const struct tern_bcache_config *cfg);

/* Initialises c over dev in mem (mem_size >= tern_bcache_mem_size(cfg);
 * any alignment: block data is aligned to 512 bytes within it). Returns 0,
 * or -TERN_EINVAL if cfg does not fit the device (block_size not a
 * multiple of the sector size, a block larger than the device's
 * max_sectors) or mem is too small. */
TERN_API int tern_bcache_init(struct tern_bcache *c, struct tern_blkdev *dev,
			      const struct tern_bcache_config *cfg, void *mem,
			      size_t mem_size);

/* Ends c. No reference may be held and no I/O be in flight (asserted; see
 * tern_bcache_drain: read-ahead may still be in flight after the last read);
 * dirty blocks are discarded (flush first). The memory is the caller's
 * again. Detaches c from its scheduler. */
TERN_API void tern_bcache_fini(struct tern_bcache *c);

/* Blocks on the device (the last one may be short). */
static inline uint64_t tern_bcache_blocks(const struct tern_bcache *c)
{
	return c->dev_blocks;
}

static inline uint32_t tern_bcache_block_size(const struct tern_bcache *c)
{
	return c->block_size;
}

/* Bytes on the device. */
TERN_API uint64_t tern_bcache_dev_bytes(const struct tern_bcache *c);

/* Takes a reference to block blockno: *out is the buffer, pinned (never
 * evicted) until tern_bcache_put. The buffer may not be ready yet: check
 * tern_bcache_ready. A miss submits a read (or, with TERN_BCACHE_NOREAD,
 * zero-fills a new buffer, ready at once); concurrent gets of a block in
 * flight share its read. Returns 0, or (no reference taken):
 *   -TERN_EINVAL   blockno is past the device;
 *   -TERN_EAGAIN   no slot now; one comes free when I/O completes or a
 *                  reference is put (poll, then try again);
 *   -TERN_ENOMEM   no slot, and waiting cannot help (see "No slot"). */
TERN_API int tern_bcache_get(struct tern_bcache *c, uint64_t blockno,
			     unsigned flags, struct tern_bcache_buf **out);

/* Whether b's data can be used: 0 (valid), -TERN_EAGAIN (its read is in
 * flight), or the read's error (-TERN_EIO, -TERN_EINVAL), sticky until the
 * last reference is put. b must be referenced. */
TERN_API int tern_bcache_ready(const struct tern_bcache_buf *b);

/* Drops a reference taken by get. */
TERN_API void tern_bcache_put(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Announces a change of b->data (b referenced). Returns 0: the caller may
 * change the data until tern_bcache_write_end; -TERN_EAGAIN: b's write-back
 * is in flight (the device may be reading the data) or its read is; try
 * again after it completes; or b's read error. Several holders may write
 * at once (no fiber switch happens between begin and end unless the caller
 * blocks). */
TERN_API int tern_bcache_write_begin(struct tern_bcache *c,
				     struct tern_bcache_buf *b);

/* Ends a change begun by a successful write_begin: b is dirty. */
TERN_API void tern_bcache_write_end(struct tern_bcache *c,
				    struct tern_bcache_buf *b);

/* Starts a flush (see "Flush"); f is the caller's until f->status is no
 * longer -TERN_EAGAIN. It may complete at once. */
TERN_API void tern_bcache_flush_start(struct tern_bcache *c,
				      struct tern_bcache_flush *f);

/* Reaps the device's completions and submits what waits: refused requests,
 * write-backs and device flushes of flushes in progress. Returns the number
 * of completions reaped plus requests submitted (0: nothing happened). */
TERN_API int tern_bcache_poll(struct tern_bcache *c);

/* Requests submitted to the device or waiting to be (0: quiescent). */
static inline uint32_t tern_bcache_inflight(const struct tern_bcache *c)
{
	return c->inflight + (c->flush_submitted ? 1u : 0u);
}

/* Blocks dirty now (including failed and in-write-back ones). */
static inline uint32_t tern_bcache_dirty_count(const struct tern_bcache *c)
{
	return c->ndirty;
}

/* Buffers referenced now (teardown checks: 0). */
static inline uint32_t tern_bcache_pinned(const struct tern_bcache *c)
{
	return c->pinned;
}

/* ---- Blocking API ------------------------------------------------------ */

/* Attaches c to s: a poller reaps completions every loop turn, and
 * completions wake the fibers waiting in the blocking calls below. */
TERN_API void tern_bcache_attach(struct tern_bcache *c, struct tern_sched *s);

/* Removes the poller; fibers must no longer wait in c. */
TERN_API void tern_bcache_detach(struct tern_bcache *c);

/* Gets block blockno (see tern_bcache_get) and waits until it is ready,
 * waiting for a slot if none is free. Returns 0 with *out referenced, or
 * (no reference held) -TERN_EINVAL, -TERN_ENOMEM, the read's error, or
 * -TERN_EDEADLK (outside a fiber: the device has nothing in flight, yet
 * the request never completed). */
TERN_API int tern_bcache_read(struct tern_bcache *c, uint64_t blockno,
			      unsigned flags, struct tern_bcache_buf **out);

/* tern_bcache_write_begin, waiting while b's write-back is in flight.
 * Returns 0 or b's read error. */
TERN_API int tern_bcache_write_lock(struct tern_bcache *c,
				    struct tern_bcache_buf *b);

/* Waits until no request is in flight (read-ahead included): before
 * tern_bcache_fini. Returns 0 or -TERN_EDEADLK (outside a fiber, as for
 * tern_bcache_read). */
TERN_API int tern_bcache_drain(struct tern_bcache *c);

/* Flushes (see "Flush") and waits. Returns 0, -TERN_EIO, or -TERN_EDEADLK
 * (outside a fiber, as for tern_bcache_read). */
TERN_API int tern_bcache_flush(struct tern_bcache *c);

/* Copies len bytes at byte offset off of the device into buf through the
 * cache. Returns len, or the first error (bytes before it may have been
 * copied): -TERN_EINVAL if the range goes past the device, or an error of
 * tern_bcache_read. len must fit an int. */
TERN_API int tern_bcache_pread(struct tern_bcache *c, void *buf, size_t len,
			       uint64_t off);

/* Copies len bytes from buf to byte offset off through the cache (whole
 * blocks are not read first). Returns len, or the first error (blocks
 * before it were written). */
TERN_API int tern_bcache_pwrite(struct tern_bcache *c, const void *buf,
				size_t len, uint64_t off);

#endif
