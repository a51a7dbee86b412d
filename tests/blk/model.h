/*
 * model.h - model-based testing of the block cache: random operation
 * sequences through the cache's core against an in-memory model of what
 * every sector must hold, on a device with injected faults and power cuts.
 *
 * Every sector's contents are a pattern of (sector, version): the version is
 * a global counter bumped by each write, so any sector read back names the
 * write it came from and any corruption breaks the pattern. The model keeps,
 * per sector, `latest` (the version last written through the cache) and
 * `durable` (a version a flush made durable). The checks:
 *
 *   - a ready buffer holds exactly the latest version of each of its
 *     sectors (never stale, never corrupted; a short last block reads zeros
 *     past the device's end);
 *   - when a flush reports 0, every sector the device would keep after a
 *     power cut (when the device can tell) holds a version between the one
 *     it had when the flush started and the latest;
 *   - after a power cut, every sector holds a version between `durable` and
 *     `latest` (writes not covered by a flush may land or not, sector by
 *     sector), and the model continues from what is there;
 *   - the device never saw a block change under write-back;
 *   - at the end, with faults off, one flush makes everything durable.
 *
 * Errors: a get may fail only with -TERN_EAGAIN/-TERN_ENOMEM (no slot) and
 * a read only with the device's error; a flush may report -TERN_EIO only if
 * the device failed something since it started. The same runner serves the
 * ctest (seeded random operations) and the fuzzer (operations from bytes).
 * A failure prints the seed and step and aborts.
 */
#ifndef TERN_TESTS_BLK_MODEL_H
#define TERN_TESTS_BLK_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/bcache.h"
#include "tern/rand.h"

/* The device under the model, with the hooks the checks need. */
struct model_dev {
	struct tern_blkdev *dev;
	void *ctx;
	/* Cuts power (in-flight requests fail at their report). */
	void (*power_cut)(void *ctx, uint32_t keep_ppm);
	/* Copies the device's current contents (all sectors) into out. */
	void (*image)(void *ctx, uint8_t *out);
	/* Copies the contents a power cut keeping nothing would leave; NULL if
	 * the device cannot tell. */
	void (*durable_image)(void *ctx, uint8_t *out);
	/* Switches the injected faults on or off. */
	void (*faults)(void *ctx, bool on);
	/* Writes whose buffer changed between submit and completion. */
	uint64_t (*unstable)(void *ctx);
	/* Errors the device reported so far (reads, writes + flushes). */
	uint64_t (*read_errors)(void *ctx);
	uint64_t (*write_errors)(void *ctx);
};

/* The device as the cache sees it: closed while a power cut drains the
 * device, so that the dead cache's completion handlers (which may submit
 * again: a failed run is redone block by block) cannot reach the disk with
 * data from before the cut. A closed gate fails submits with -TERN_EIO. */
struct model_gate {
	struct tern_blkdev dev;
	struct tern_blkdev *lower;
	bool closed;
};

#define MODEL_HELD_MAX 64
#define MODEL_FLUSHES 3

struct model_flush {
	struct tern_bcache_flush f;
	uint64_t *snap;	     /* latest versions when it started */
	uint64_t dev_errors; /* device write/flush errors when it started */
	bool used;
};

struct model_stats {
	uint64_t ops, gets, no_slot, read_ok, read_errors, writes;
	uint64_t flush_ok, flush_errors, power_cuts, verified_sectors;
};

struct model {
	struct model_dev md;
	struct model_gate gate;
	struct tern_bcache cache;
	struct tern_bcache_config cfg;
	void *mem;
	size_t mem_size;
	uint64_t sectors;
	uint32_t ss, spb;
	uint64_t *latest, *durable;
	uint64_t version;
	struct tern_bcache_buf *held[MODEL_HELD_MAX];
	unsigned nheld, held_max;
	struct model_flush flushes[MODEL_FLUSHES];
	uint8_t *image, *block;
	/* The bytes of each sector last decoded from an image, and their
	 * version: an unchanged sector is not decoded again. */
	uint8_t *known;
	uint64_t *known_version;
	struct tern_rand rand;
	uint64_t seed, step;
	bool faults_on;
	struct model_stats stats;
};

/* Writes the pattern of (sector, version) into p (ss bytes). */
void model_pattern(uint8_t *p, uint32_t ss, uint64_t sector, uint64_t version);

/* Fills the whole device image with version 0 (test set-up). */
void model_fill_initial(uint8_t *image, uint64_t sectors, uint32_t ss);

/* Sets up the model and its cache over md->dev (whose contents must be
 * version 0 everywhere). held_max (<= MODEL_HELD_MAX) bounds the buffers
 * held at once. */
void model_init(struct model *m, const struct model_dev *md,
		const struct tern_bcache_config *cfg, unsigned held_max,
		uint64_t seed);

/* Performs one operation chosen by op (any value; the fuzzer passes bytes)
 * with arguments drawn from arg. */
void model_op(struct model *m, uint8_t op, uint64_t arg);

/* Performs one operation chosen at random with weights that suit long
 * runs (power cuts rare, reads and writes common). */
void model_random_op(struct model *m);

/* Ends the run: releases everything, switches faults off, flushes, checks
 * that the device holds exactly the latest versions, frees the model. */
void model_finish(struct model *m);

/* Reports a failed check with the seed and step, then aborts. */
_Noreturn void model_fail(const struct model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
