/*
 * memdisk.h - an in-memory blkdev for the block cache's tests and fuzzers:
 * asynchronous, out of order, with seeded faults and power cuts.
 *
 * Unlike the file disk (hosted/disk/filedisk.c, synchronous and in order),
 * this device does each request's work when it reports it, as a DMA engine
 * would: a write's bytes are taken from the caller's buffer at completion,
 * a read's bytes are stored into it then. Each poll reports a random subset
 * of the pending requests in random order (or, with in_order, all of them
 * in submit order). A write's buffer is checksummed at submit and again at
 * completion: a caller that changed it in between (a cache modifying a
 * block under write-back) is counted in stats.unstable_writes.
 *
 * Durability follows dev.h exactly: every sector a write changes gets an
 * undo record (its previous contents and the write's completion number).
 * A flush, at submit, notes the last completion reported; when it
 * completes with status 0, the records up to that point are dropped. A
 * power cut restores the remaining records newest first, each one kept
 * instead with probability keep_ppm; writes in flight land sector by
 * sector with the same probability; every request in flight is reported
 * -TERN_EIO at the next poll.
 *
 * Faults (parts per million, drawn per request at completion): a read
 * fails; a write fails with nothing landing; a write is torn (a random
 * subset of its sectors lands) and fails; a flush fails. Bad sectors fail
 * every read and/or write touching them (a write lands up to the first bad
 * sector). Test code: uses malloc.
 */
#ifndef TERN_TESTS_MEMDISK_H
#define TERN_TESTS_MEMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/hosted.h"
#include "tern/rand.h"

struct memdisk_faults {
	uint32_t read_eio_ppm;
	uint32_t write_eio_ppm;
	uint32_t torn_ppm;
	uint32_t flush_eio_ppm;
};

struct memdisk_opts {
	uint32_t sector_size; /* 0: 512 */
	uint64_t sectors;
	uint32_t max_sectors;  /* 0: no limit */
	uint32_t max_segments; /* buffers per request; 0: 16 */
	uint32_t queue_depth;  /* 0: 32 */
	uint32_t undo_cap;     /* sector undo records; 0: 4 x sectors */
	uint64_t seed;
	bool in_order; /* report everything, in submit order */
	bool waker;    /* register a hosted waker (fiber tests) */
	struct memdisk_faults faults;
};

struct memdisk_stats {
	uint64_t reads, writes, flushes;
	uint64_t read_errors, write_errors, flush_errors;
	uint64_t torn, unstable_writes, undo_destaged, power_cuts;
	uint64_t max_pending;
};

#define MEMDISK_FAIL_READ 1u
#define MEMDISK_FAIL_WRITE 2u
#define MEMDISK_BAD_MAX 16

struct memdisk_undo {
	uint64_t sector;
	uint64_t cseq; /* completion number of the write */
};

struct memdisk {
	struct tern_blkdev dev;
	struct memdisk_stats stats;
	struct memdisk_faults faults;
	/* private */
	uint8_t *data; /* what reads see */
	struct tern_rand rand;
	bool in_order;
	uint32_t queue_depth;
	void *pending; /* queue_depth struct pend (memdisk.c) */
	unsigned npending;
	unsigned nfailing; /* in flight at a power cut */
	uint64_t cseq;	   /* completions reported */
	struct memdisk_undo *undo;
	uint8_t *undo_data;
	uint32_t undo_cap, undo_head, undo_len;
	uint64_t bad[MEMDISK_BAD_MAX];
	uint8_t bad_ops[MEMDISK_BAD_MAX];
	unsigned nbad;
	struct tern_waker waker;
	bool has_waker;
};

/* Creates the device, all zeros. Returns 0 or -TERN_EINVAL/-TERN_ENOMEM. */
int memdisk_open(struct memdisk *d, const struct memdisk_opts *opts);
void memdisk_close(struct memdisk *d);

/* The contents reads see (sectors x sector_size bytes): tests fill and
 * check it directly. Writing it directly makes the bytes durable only
 * after memdisk_settle. */
uint8_t *memdisk_data(struct memdisk *d);

/* Forgets every undo record: the current contents become durable. */
void memdisk_settle(struct memdisk *d);

void memdisk_set_faults(struct memdisk *d, const struct memdisk_faults *f);

/* Makes sector bad for ops (MEMDISK_FAIL_*; 0 heals). Returns 0 or
 * -TERN_ENOSPC. */
int memdisk_fail_sector(struct memdisk *d, uint64_t sector, unsigned ops);

/* Copies what the device would hold after a power cut that keeps nothing
 * (its durable contents; sectors x sector_size bytes) into out, without
 * changing the device. Requests in flight are not included. */
void memdisk_durable_image(const struct memdisk *d, uint8_t *out);

/* The power cut described above. Returns sectors restored. */
int memdisk_power_cut(struct memdisk *d, uint32_t keep_ppm);

#endif
