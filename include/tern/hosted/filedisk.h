/*
 * filedisk.h - a disk-image file as a block device, with seeded faults and a
 * simulated power cut.
 *
 * The hosted runner's `--disk file:PATH`, and the disk under the block
 * cache's model-based tests. It honours the blkdev contract of dev.h:
 *
 *   - Requests are performed synchronously inside submit() with preadv(),
 *     pwritev() (one call for all of a request's segments, up to
 *     TERN_FILEDISK_SEGS_MAX) and fdatasync() (FLUSH), and reported at the
 *     next poll, in submit order; never from inside submit(). At most
 *     queue_depth requests are pending; beyond that submit() returns
 *     -TERN_EAGAIN.
 *   - Request status (req->status, reported by done()):
 *       0            done;
 *       -TERN_EIO    read: an injected fault (a bad sector in the range, the
 *                    read error rate) or a host read error; the buffer is
 *                    unspecified.
 *                    write: an injected fault (a bad sector: the sectors
 *                    before the first bad one land; the error rate: none
 *                    lands; a torn write: a prefix of 0..count-1 sectors
 *                    lands), a host write error, a read-only disk, or the
 *                    request was in flight at a power cut.
 *                    flush: the flush error rate or fdatasync failed; no
 *                    write becomes durable by it.
 *   - submit() itself returns 0, -TERN_EAGAIN (queue full; req untouched)
 *     or -TERN_EINVAL (range outside the disk, count 0 or above
 *     max_sectors; checked by tern_blkdev_submit()).
 *
 * Power cut. With undo_sectors > 0 the disk keeps, in memory, the previous
 * contents of every sector written since it last became durable (an undo
 * log, sized at open). A write becomes durable exactly as dev.h says: its
 * completion was reported with status 0 and then a flush submitted after
 * that report was reported with status 0. tern_filedisk_power_cut() rolls
 * the file back to the durable state: every sector of every write that is
 * not durable is restored to what it held before that write - except that,
 * with keep_ppm > 0, each such sector write is kept instead with that
 * probability (the contract allows any subset of sectors of unflushed
 * writes to land). Requests in flight are reported -TERN_EIO at the next
 * poll. The disk then goes on working.
 *
 * When the undo log is full, its oldest records are dropped: those sector
 * writes become durable early, as when a real disk destages its volatile
 * cache. This never fails a request and stays within the contract; it only
 * makes a power cut lose less, and is counted in undo_destaged (a test of
 * the power cut asserts it stayed 0).
 *
 * Faults are drawn from a PRNG seeded at open, in submit order, so a run
 * replays from its seed. The file is locked (flock) for the lifetime of the
 * device: exclusively, or shared when read-only.
 */
#ifndef TERN_HOSTED_FILEDISK_H
#define TERN_HOSTED_FILEDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/rand.h"

#define TERN_FILEDISK_QUEUE_DEFAULT 64
#define TERN_FILEDISK_BAD_MAX 32  /* chosen bad sectors at a time */
#define TERN_FILEDISK_SEGS_MAX 64 /* the device's max_segments */

/* Injected faults. Probabilities in parts per million (0..1,000,000), drawn
 * per request. */
struct tern_filedisk_faults {
	uint32_t read_eio_ppm;	/* a read fails with -TERN_EIO */
	uint32_t write_eio_ppm; /* a write fails with -TERN_EIO; none lands */
	uint32_t torn_ppm;	/* a write of 2+ sectors is torn: a random
	                           prefix of 0..count-1 sectors lands, and it
	                           fails with -TERN_EIO */
	uint32_t flush_eio_ppm; /* a flush fails with -TERN_EIO */
};

struct tern_filedisk_opts {
	const char *name;     /* device name; NULL: "disk" */
	uint32_t sector_size; /* power of two >= 512; 0: 512 */
	uint64_t size;	      /* bytes, a multiple of sector_size. 0: the
	                            file's size (rounded down to sectors). If
	                            the file is shorter it is extended with
	                            zeros; if longer, the rest is not used */
	bool create;	      /* create the file if it does not exist */
	bool read_only;
	uint32_t max_sectors;  /* per request; 0: no limit */
	uint32_t queue_depth;  /* pending requests; 0: default */
	uint32_t undo_sectors; /* undo log capacity for tern_filedisk_
	                            power_cut(); 0: no tracking */
	uint64_t seed;
	struct tern_filedisk_faults faults;
};

struct tern_filedisk_stats {
	uint64_t reads, writes, flushes;	/* requests submitted */
	uint64_t read_sectors, written_sectors; /* sectors that landed */
	uint64_t read_errors, write_errors, flush_errors; /* -TERN_EIO */
	uint64_t injected; /* faults injected (any kind) */
	uint64_t torn_writes;
	uint64_t bad_sector_hits;
	uint64_t eagain;	/* submits refused: queue full */
	uint64_t undo_destaged; /* undo records dropped because the log was
	                            full (writes made durable early) */
	uint64_t power_cuts;
	uint64_t sectors_reverted, sectors_kept; /* by power cuts */
};

/* Private: one undo record, the contents of a sector before a write. */
struct tern_filedisk_undo {
	uint64_t write_id;
	uint64_t sector;
};

struct tern_filedisk {
	struct tern_blkdev dev; /* first: pass &disk->dev to a cache */
	struct tern_filedisk_stats stats;
	struct tern_filedisk_faults faults;
	/* Private. */
	int fd;
	bool read_only;
	struct tern_rand rand;
	uint32_t queue_depth;
	unsigned pending;
	struct tern_blk_req *done_head, *done_tail; /* done, not reported */
	struct {
		uint64_t sector;
		uint8_t ops; /* TERN_FILEDISK_FAIL_* */
	} bad[TERN_FILEDISK_BAD_MAX];
	unsigned n_bad;
	/* Undo log: a ring of undo_cap records with their sector images. */
	struct tern_filedisk_undo *undo;
	uint8_t *undo_data; /* undo_cap sector images */
	uint8_t *undo_keep; /* undo_cap flags, for power cuts */
	uint32_t undo_cap, undo_head, undo_len;
	uint64_t next_write_id;	    /* ids given to writes at submit, from 1 */
	uint64_t reported_write_id; /* last write whose completion was
	                                reported (in submit order) */
};

/* Which operations a chosen bad sector fails. */
#define TERN_FILEDISK_FAIL_READ 1u
#define TERN_FILEDISK_FAIL_WRITE 2u

/* Opens the image at path as a block device (caller-owned storage). opts
 * may be NULL for all defaults. Returns 0, or
 *   -TERN_EINVAL   bad options (sector size, size not a multiple of it, a
 *                  probability above 1,000,000, a disk of 0 sectors,
 *                  create or a larger size together with read_only);
 *   -TERN_ENOENT   the file does not exist and create is false;
 *   -TERN_EISDIR   path is a directory;
 *   -TERN_EBUSY    another device (or process) has the file locked;
 *   -TERN_ENOMEM   the undo log or buffers could not be allocated;
 *   -TERN_EIO      any other host error (permissions, extending the file).
 * On error nothing needs to be closed. */
TERN_API int tern_filedisk_open(struct tern_filedisk *disk, const char *path,
				const struct tern_filedisk_opts *opts);

/* Closes the file and frees the buffers. No request may be in flight
 * (asserted). Unflushed writes stay in the file (closing is not a power
 * cut). Also reached through tern_blkdev_close(&disk->dev). */
TERN_API void tern_filedisk_close(struct tern_filedisk *disk);

/* Replaces the fault rates from the next request on. Returns 0 or
 * -TERN_EINVAL (a probability above 1,000,000). */
TERN_API int
tern_filedisk_set_faults(struct tern_filedisk *disk,
			 const struct tern_filedisk_faults *faults);

/* Makes sector a bad sector for ops (TERN_FILEDISK_FAIL_READ and/or
 * _WRITE; 0 heals it). Returns 0, -TERN_EINVAL (sector outside the disk,
 * unknown ops bits) or -TERN_ENOSPC (TERN_FILEDISK_BAD_MAX bad sectors
 * already). */
TERN_API int tern_filedisk_fail_sector(struct tern_filedisk *disk,
				       uint64_t sector, unsigned ops);

/* Simulates a power cut (see above): rolls back every sector write that is
 * not durable, keeping each with probability keep_ppm, makes the result
 * durable (fdatasync), and fails the requests in flight at their report.
 * Returns the number of sector writes rolled back, -TERN_ENOTSUP if the
 * disk was opened with undo_sectors 0, -TERN_EINVAL if keep_ppm is above
 * 1,000,000, or -TERN_EIO if the file could not be restored (the disk is
 * then in an unspecified state). */
TERN_API int tern_filedisk_power_cut(struct tern_filedisk *disk,
				     uint32_t keep_ppm);

/* Sector writes held in the undo log: written but not yet durable. */
TERN_API unsigned tern_filedisk_unflushed(const struct tern_filedisk *disk);

#endif
