/*
 * bcache_int.h - private interface between the block cache's files:
 * bcache.c (init, get/put, writers, read-ahead), bcache_policy.c (S3-FIFO
 * and its ghost queue), bcache_io.c (requests, completions, flush),
 * bcache_run.c (requests of consecutive blocks) and bcache_wait.c (the
 * blocking API).
 */
#ifndef TERN_BCACHE_INT_H
#define TERN_BCACHE_INT_H

#include "tern/bcache.h"

/* Buffer states (struct tern_bcache_buf.state). */
enum {
	BUF_EMPTY,   /* on the free list, not hashed */
	BUF_READING, /* hashed; its read is in flight */
	BUF_VALID,   /* hashed; data is the block's */
	BUF_RERROR,  /* hashed; its read failed (rerr), until the last put */
};

/* Buffer flags (struct tern_bcache_buf.flags). */
#define BUF_DIRTY 0x01u	     /* on the dirty list: data newer than the disk */
#define BUF_WRITEBACK 0x02u  /* its write is in flight */
#define BUF_WFAILED 0x04u    /* its last write failed; only flush retries */
#define BUF_FLUSHING 0x08u   /* the active flush waits for its write */
#define BUF_PREFETCHED 0x10u /* read ahead and not yet got */

/* Queues (struct tern_bcache_buf.queue). */
enum { Q_FREE, Q_SMALL, Q_MAIN };

#define GHOST_NIL UINT32_MAX

/* bcache.c */

/* Wakes every fiber on q, if the cache is attached to a scheduler. */
void bc_wake(struct tern_bcache *c, struct tern_waitq *q);

/* The buffer of block blockno, or NULL if it is not cached. */
struct tern_bcache_buf *bc_lookup(const struct tern_bcache *c,
				  uint64_t blockno);

/* Makes b, whose read failed, a valid block of zeros: for a caller about
 * to overwrite all of it (TERN_BCACHE_NOREAD). */
void bc_revive(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Unhashes b and puts it on the free list (b unreferenced, no I/O). */
void bc_drop(struct tern_bcache *c, struct tern_bcache_buf *b);

/* bcache_policy.c */

/* Hash bucket of blockno in a table of mask + 1 buckets. */
static inline uint32_t bc_hash(uint64_t blockno, uint32_t mask)
{
	return (uint32_t)((blockno * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* Inserts a newly filled buffer: into main if its number is in the ghost
 * queue (removing it there), else into small. Returns true on a ghost hit. */
bool policy_insert(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Counts an access of a cached buffer. */
void policy_touch(struct tern_bcache_buf *b);

/* Removes b from its queue (b is being dropped). */
void policy_remove(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Finds a victim, removes it from its queue and returns it (still hashed),
 * or returns NULL. Starts the write-back of dirty blocks it skips when
 * start_writeback is set. */
struct tern_bcache_buf *policy_evict(struct tern_bcache *c,
				     bool start_writeback);

/* Sets up the ghost queue (capacity cap, a power-of-two hash). */
void ghost_init(struct tern_bcache *c, struct tern_bcache_ghost *ghost,
		uint32_t *hash, uint32_t cap, uint32_t hash_size);

/* bcache_io.c */

/* Starts b's read (b hashed, BUF_READING). */
void io_start_read(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Starts b's write-back (b dirty, no I/O, no writers). */
void io_start_write(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Sectors of block b on the device (the last block may be short). */
uint32_t io_block_sectors(const struct tern_bcache *c,
			  const struct tern_bcache_buf *b);

/* io_block_sectors, for a read into b: zeroes the rest of its data. */
uint32_t io_read_sectors(struct tern_bcache *c, struct tern_bcache_buf *b);

/* Ends b's read (io_read_finished) or write-back (io_write_finished) with
 * status: its state, flags, waiters and the I/O count. */
void io_read_finished(struct tern_bcache *c, struct tern_bcache_buf *b,
		      int status);
void io_write_finished(struct tern_bcache *c, struct tern_bcache_buf *b,
		       int status);

/* True if b is waiting for the active flush to write it back: dirty,
 * marked by it, no write in flight, no writer. */
static inline bool io_flush_writable(const struct tern_bcache_buf *b)
{
	return (b->flags & (BUF_DIRTY | BUF_FLUSHING | BUF_WRITEBACK)) ==
		       (BUF_DIRTY | BUF_FLUSHING) &&
	       b->writers == 0;
}

/* Moves flushes along: activates waiting ones, submits the device flush
 * when the active group's writes are done. Returns requests submitted. */
int io_flush_progress(struct tern_bcache *c);

/* Submits what the device refused before. Returns requests submitted. */
int io_retry(struct tern_bcache *c);

/* bcache_run.c */

/* Reads the n consecutive blocks of bufs (each hashed, BUF_READING): in
 * one scattered request when the device takes it and a run is free, else
 * each alone. n may be 0. */
void io_start_read_run(struct tern_bcache *c, struct tern_bcache_buf **bufs,
		       uint32_t n);

/* Writes back first (io_flush_writable) and the io_flush_writable blocks
 * that follow it on the device, in one scattered request when it can, else
 * first alone. Returns the requests started. */
int io_start_write_run(struct tern_bcache *c, struct tern_bcache_buf *first);

#endif
