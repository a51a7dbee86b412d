/*
 * model_memdisk.h - a memdisk as the model's device (struct model_dev,
 * model.h): the hooks that test_bcache_model.c and the fuzz target
 * fuzz_blk_bcache_model.c share.
 */
#ifndef TERN_TESTS_BLK_MODEL_MEMDISK_H
#define TERN_TESTS_BLK_MODEL_MEMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "memdisk.h"
#include "model.h"
#include "tern/rand.h"

struct model_memdisk {
	struct memdisk disk;	      /* opened by the caller */
	struct memdisk_faults faults; /* what the model's "faults on" sets */
	bool bad_sectors;	      /* faults on also fails one random
					 sector for reads and writes, half
					 the time */
	struct tern_rand rand;	      /* picks that sector */
	uint64_t bad;		      /* the failing sector, or UINT64_MAX */
};

/* Points md's device and hooks at x (x->disk open; x->faults and
 * x->bad_sectors set), with no sector failing yet; seed drives the choice
 * of bad sectors. */
void model_memdisk_dev(struct model_memdisk *x, struct model_dev *md,
		       uint64_t seed);

#endif
