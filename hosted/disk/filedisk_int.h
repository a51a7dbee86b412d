/*
 * filedisk_int.h - private interface between the file disk's request path
 * (filedisk.c) and its undo log (filedisk_undo.c).
 */
#ifndef TERN_HOSTED_FILEDISK_INT_H
#define TERN_HOSTED_FILEDISK_INT_H

#include "tern/hosted/filedisk.h"

/* filedisk.c */

/* Reads or writes len bytes at off, retrying short transfers and EINTR.
 * Returns 0 or -TERN_EIO. */
int filedisk_pread(int fd, void *buf, size_t len, uint64_t off);
int filedisk_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/* filedisk_undo.c */

/* Allocates a log of cap records (0: none). Returns 0 or -TERN_ENOMEM. */
int filedisk_undo_init(struct tern_filedisk *d, uint32_t cap);
void filedisk_undo_free(struct tern_filedisk *d);

/* Saves the current contents of count sectors from sector on, as the
 * before-images of write write_id; drops the oldest records when full.
 * Returns 0 or -TERN_EIO (the host read failed). No-op without a log. */
int filedisk_undo_record(struct tern_filedisk *d, uint64_t write_id,
			 uint64_t sector, uint32_t count);

/* Drops the records of writes up to write_id: they are durable now. */
void filedisk_undo_durable(struct tern_filedisk *d, uint64_t write_id);

/* Restores the before-images, newest first, each kept instead with
 * probability keep_ppm; empties the log. Returns the number of sectors
 * restored or -TERN_EIO. */
int filedisk_undo_rollback(struct tern_filedisk *d, uint32_t keep_ppm);

#endif
