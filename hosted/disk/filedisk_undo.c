/*
 * filedisk_undo.c - the file disk's undo log: what a power cut takes back.
 *
 * Writes land in the file at once, so the file always holds the newest
 * contents. Before a write lands, the log saves each sector's current
 * contents (its before-image) in a ring of undo_cap records, tagged with
 * the write's id. Write ids grow in submit order, and this backend reports
 * completions in submit order, so the writes that a successful flush makes
 * durable are always a prefix of the log: they are dropped from the head.
 * Everything left in the log is not durable, and a power cut restores it
 * newest first, which leaves each sector as it was before its oldest
 * non-durable write.
 *
 * Memory: undo_cap * (sector_size + 17) bytes, allocated at open.
 */
#include <stdlib.h>
#include <string.h>

#include "filedisk_int.h"
#include "tern/assert.h"
#include "tern/err.h"

int filedisk_undo_init(struct tern_filedisk *d, uint32_t cap)
{
	d->undo_cap = 0;
	d->undo_head = 0;
	d->undo_len = 0;
	if (cap == 0)
		return 0;
	d->undo = calloc(cap, sizeof(*d->undo));
	d->undo_data = malloc((size_t)cap * d->dev.sector_size);
	d->undo_keep = calloc(cap, 1);
	if (!d->undo || !d->undo_data || !d->undo_keep) {
		filedisk_undo_free(d);
		return -TERN_ENOMEM;
	}
	d->undo_cap = cap;
	return 0;
}

void filedisk_undo_free(struct tern_filedisk *d)
{
	free(d->undo);
	free(d->undo_data);
	free(d->undo_keep);
	d->undo = NULL;
	d->undo_data = NULL;
	d->undo_keep = NULL;
	d->undo_cap = 0;
	d->undo_len = 0;
}

/* The saved sector image of ring slot slot. */
static uint8_t *image(struct tern_filedisk *d, uint32_t slot)
{
	return d->undo_data + (size_t)slot * d->dev.sector_size;
}

/* The ring position of the i-th record from the oldest. */
static uint32_t slot_of(const struct tern_filedisk *d, uint32_t i)
{
	return (d->undo_head + i) % d->undo_cap;
}

int filedisk_undo_record(struct tern_filedisk *d, uint64_t write_id,
			 uint64_t sector, uint32_t count)
{
	uint32_t ss = d->dev.sector_size;

	if (d->undo_cap == 0)
		return 0;
	while (count > 0) {
		uint32_t tail, run;

		if (d->undo_len == d->undo_cap) {
			/* Full: the oldest sector write becomes durable. */
			d->undo_head = (d->undo_head + 1) % d->undo_cap;
			d->undo_len--;
			d->stats.undo_destaged++;
		}
		/* One pread for as many sectors as fit contiguously. */
		tail = slot_of(d, d->undo_len);
		run = TERN_MIN(count, d->undo_cap - tail);
		run = TERN_MIN(run, d->undo_cap - d->undo_len);
		if (filedisk_pread(d->fd, image(d, tail), (size_t)run * ss,
				   sector * ss) < 0)
			return -TERN_EIO;
		for (uint32_t i = 0; i < run; i++) {
			d->undo[tail + i].write_id = write_id;
			d->undo[tail + i].sector = sector + i;
		}
		d->undo_len += run;
		sector += run;
		count -= run;
	}
	return 0;
}

void filedisk_undo_durable(struct tern_filedisk *d, uint64_t write_id)
{
	while (d->undo_len > 0 && d->undo[d->undo_head].write_id <= write_id) {
		d->undo_head = (d->undo_head + 1) % d->undo_cap;
		d->undo_len--;
	}
}

int filedisk_undo_rollback(struct tern_filedisk *d, uint32_t keep_ppm)
{
	uint32_t ss = d->dev.sector_size;
	int restored = 0;

	if (d->undo_len == 0)
		return 0;
	memset(d->undo_keep, 0, d->undo_cap);
	/* Newest first. A kept sector write must survive, so every older
	 * record of the same sector is kept too (restoring it would undo
	 * the kept write). O(n^2) in the worst case, only when keeping. */
	for (uint32_t i = d->undo_len; i-- > 0;) {
		uint32_t slot = slot_of(d, i);

		if (!d->undo_keep[slot] && keep_ppm &&
		    tern_rand_ppm(&d->rand, keep_ppm)) {
			for (uint32_t j = 0; j <= i; j++) {
				uint32_t o = slot_of(d, j);

				if (d->undo[o].sector == d->undo[slot].sector)
					d->undo_keep[o] = 1;
			}
		}
		if (d->undo_keep[slot]) {
			d->stats.sectors_kept++;
			continue;
		}
		if (filedisk_pwrite(d->fd, image(d, slot), ss,
				    d->undo[slot].sector * ss) < 0)
			return -TERN_EIO;
		d->stats.sectors_reverted++;
		restored++;
	}
	d->undo_head = 0;
	d->undo_len = 0;
	return restored;
}
