/*
 * test_bcache_model.c - the block cache against its model (model.h) under
 * injected disk faults and power cuts, on two devices:
 *
 *   memdisk   asynchronous, out-of-order completions, data moved at
 *             completion time (catches blocks changed under write-back),
 *             exact durability (the flush check inspects the durable image);
 *   filedisk  the hosted disk-image file (hosted/disk/filedisk.c), with
 *             its own faults, torn writes and undo-log power cuts.
 *
 * Short runs here; long runs with the environment:
 *   TERN_MODEL_STEPS=N    operations per run (default 15000)
 *   TERN_MODEL_SEEDS=N    runs per test, seeds 1..N (default 3)
 *   TERN_MODEL_SEED=S     one run with seed S (replays a failure)
 * ci/blk-model.sh runs them long. A failure prints its seed and step.
 */
#define _GNU_SOURCE /* mkstemp */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memdisk.h"
#include "model.h"
#include "model_memdisk.h"
#include "tern/hosted/filedisk.h"

#define SS 512u

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* Runs fn(seed) for every configured seed. */
static void for_seeds(void (*fn)(uint64_t seed, uint64_t steps), uint64_t salt)
{
	uint64_t steps = env_u64("TERN_MODEL_STEPS", 15000);
	uint64_t one = env_u64("TERN_MODEL_SEED", 0);
	uint64_t seeds = env_u64("TERN_MODEL_SEEDS", 3);

	if (one) {
		fn(one, steps);
		return;
	}
	for (uint64_t s = 1; s <= seeds; s++)
		fn(s * 1000003 + salt, steps);
}

static void report(const struct model *m, const char *name)
{
	const struct model_stats *st = &m->stats;

	cr_log_info("%s seed %llu: %llu ops, %llu reads ok, %llu read errors, "
		    "%llu writes, %llu flushes ok, %llu failed, %llu power "
		    "cuts, %llu no-slot, %llu sectors verified",
		    name, (unsigned long long)m->seed,
		    (unsigned long long)st->ops,
		    (unsigned long long)st->read_ok,
		    (unsigned long long)st->read_errors,
		    (unsigned long long)st->writes,
		    (unsigned long long)st->flush_ok,
		    (unsigned long long)st->flush_errors,
		    (unsigned long long)st->power_cuts,
		    (unsigned long long)st->no_slot,
		    (unsigned long long)st->verified_sectors);
}

/* ---- memdisk ------------------------------------------------------------*/

struct md_run {
	uint64_t sectors;
	uint32_t block_size, nblocks, readahead, queue_depth, held;
	bool in_order;
	struct memdisk_faults faults;
};

static void run_memdisk(const struct md_run *cfg, uint64_t seed, uint64_t steps,
			const char *name)
{
	struct memdisk_opts o = {
		.sectors = cfg->sectors,
		.queue_depth = cfg->queue_depth,
		.undo_cap = (uint32_t)(64 * cfg->sectors),
		.seed = seed,
		.in_order = cfg->in_order,
	};
	struct tern_bcache_config bc = {
		.block_size = cfg->block_size,
		.nblocks = cfg->nblocks,
		.readahead_max = cfg->readahead,
	};
	struct model_memdisk *x = calloc(1, sizeof(*x));
	struct model *m = calloc(1, sizeof(*m));
	struct model_dev md;

	cr_assert(x && m);
	cr_assert_eq(memdisk_open(&x->disk, &o), 0);
	x->faults = cfg->faults;
	x->bad_sectors = true;
	model_memdisk_dev(x, &md, seed ^ 0xbad);
	model_fill_initial(memdisk_data(&x->disk), cfg->sectors, SS);
	memdisk_settle(&x->disk);
	model_init(m, &md, &bc, cfg->held, seed);
	for (uint64_t i = 0; i < steps; i++)
		model_random_op(m);
	report(m, name);
	cr_assert_gt(m->stats.verified_sectors, 0);
	model_finish(m);
	cr_assert_eq(x->disk.stats.unstable_writes, 0);
	cr_assert_eq(x->disk.stats.undo_destaged, 0,
		     "undo log too small: durability checks weakened");
	memdisk_close(&x->disk);
	free(m);
	free(x);
}

/* A disk of 8 x 61 + 3 sectors in 4-sector blocks (the last one short),
 * 24 blocks cached: evictions, write-backs under pressure, read-ahead. */
static void memdisk_faults(uint64_t seed, uint64_t steps)
{
	struct md_run cfg = {
		.sectors = 8 * 61 + 3,
		.block_size = 4 * SS,
		.nblocks = 24,
		.readahead = 8,
		.queue_depth = 8,
		.held = 8,
		.faults = { .read_eio_ppm = 20000,
			    .write_eio_ppm = 20000,
			    .torn_ppm = 20000,
			    .flush_eio_ppm = 30000 },
	};

	run_memdisk(&cfg, seed, steps, "memdisk+faults");
}

Test(bcache_model, memdisk_out_of_order_with_faults_and_power_cuts,
     .timeout = 600)
{
	for_seeds(memdisk_faults, 1);
}

static void memdisk_clean(uint64_t seed, uint64_t steps)
{
	struct md_run cfg = {
		.sectors = 4096,
		.block_size = 8 * SS,
		.nblocks = 64,
		.readahead = 16,
		.queue_depth = 32,
		.held = 16,
	};

	run_memdisk(&cfg, seed, steps, "memdisk");
}

Test(bcache_model, memdisk_out_of_order_no_faults, .timeout = 600)
{
	for_seeds(memdisk_clean, 2);
}

/* A queue of one request and few blocks: requests wait in the cache's
 * submit queue, slots run out, the ghost queue is tiny. */
static void memdisk_tight(uint64_t seed, uint64_t steps)
{
	struct md_run cfg = {
		.sectors = 257,
		.block_size = 2 * SS,
		.nblocks = 6,
		.readahead = 4,
		.queue_depth = 1,
		.held = 3,
		.in_order = true,
		.faults = { .write_eio_ppm = 50000, .flush_eio_ppm = 50000 },
	};

	run_memdisk(&cfg, seed, steps, "memdisk-tight");
}

Test(bcache_model, memdisk_queue_of_one_and_six_blocks, .timeout = 600)
{
	for_seeds(memdisk_tight, 3);
}

/* ---- filedisk -----------------------------------------------------------*/

struct fdctx {
	struct tern_filedisk disk;
	struct tern_filedisk_faults faults;
	struct tern_rand rand;
	uint64_t bad;
	int fd; /* a second descriptor to read the image directly */
	uint64_t bytes;
};

static void fd_power_cut(void *ctx, uint32_t keep)
{
	struct fdctx *x = ctx;

	cr_assert_geq(tern_filedisk_power_cut(&x->disk, keep), 0);
}

static void fd_image(void *ctx, uint8_t *out)
{
	struct fdctx *x = ctx;

	cr_assert_eq(pread(x->fd, out, x->bytes, 0), (ssize_t)x->bytes);
}

static void fd_faults(void *ctx, bool on)
{
	struct fdctx *x = ctx;
	struct tern_filedisk_faults none = { 0 };

	cr_assert_eq(
		tern_filedisk_set_faults(&x->disk, on ? &x->faults : &none), 0);
	if (x->bad != UINT64_MAX)
		tern_filedisk_fail_sector(&x->disk, x->bad, 0);
	x->bad = UINT64_MAX;
	if (on && tern_rand_below(&x->rand, 2)) {
		x->bad = tern_rand_below(&x->rand, x->disk.dev.sector_count);
		tern_filedisk_fail_sector(&x->disk, x->bad,
					  TERN_FILEDISK_FAIL_READ |
						  TERN_FILEDISK_FAIL_WRITE);
	}
}

static uint64_t fd_rerr(void *ctx)
{
	return ((struct fdctx *)ctx)->disk.stats.read_errors;
}

static uint64_t fd_werr(void *ctx)
{
	const struct tern_filedisk_stats *s =
		&((struct fdctx *)ctx)->disk.stats;

	return s->write_errors + s->flush_errors + s->power_cuts;
}

static void filedisk_faults(uint64_t seed, uint64_t steps)
{
	const uint64_t sectors = 8 * 125 + 5;
	char path[64];
	struct tern_filedisk_opts o = {
		.size = sectors * SS,
		.undo_sectors = 64 * 1024,
		.queue_depth = 16,
		.seed = seed,
	};
	struct tern_bcache_config bc = {
		.block_size = 8 * SS,
		.nblocks = 32,
		.readahead_max = 8,
	};
	struct fdctx *x = calloc(1, sizeof(*x));
	struct model *m = calloc(1, sizeof(*m));
	struct model_dev md = {
		.ctx = x,
		.power_cut = fd_power_cut,
		.image = fd_image,
		.faults = fd_faults,
		.read_errors = fd_rerr,
		.write_errors = fd_werr,
	};
	uint8_t *init = malloc(sectors * SS);
	int fd;

	cr_assert(x && m && init);
	snprintf(path, sizeof(path), "/tmp/tern-bcache-model-%d-XXXXXX",
		 getpid());
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	model_fill_initial(init, sectors, SS);
	cr_assert_eq(pwrite(fd, init, sectors * SS, 0),
		     (ssize_t)(sectors * SS));
	free(init);
	x->fd = fd;
	x->bytes = sectors * SS;
	x->bad = UINT64_MAX;
	x->faults = (struct tern_filedisk_faults){
		.read_eio_ppm = 20000,
		.write_eio_ppm = 20000,
		.torn_ppm = 30000,
		.flush_eio_ppm = 30000,
	};
	tern_rand_seed(&x->rand, seed ^ 0xf11e);
	cr_assert_eq(tern_filedisk_open(&x->disk, path, &o), 0);
	md.dev = &x->disk.dev;
	model_init(m, &md, &bc, 8, seed);
	for (uint64_t i = 0; i < steps; i++)
		model_random_op(m);
	report(m, "filedisk+faults");
	model_finish(m);
	cr_assert_eq(x->disk.stats.undo_destaged, 0,
		     "undo log too small: power cuts weakened");
	tern_filedisk_close(&x->disk);
	close(fd);
	unlink(path);
	free(m);
	free(x);
}

Test(bcache_model, filedisk_with_faults_torn_writes_and_power_cuts,
     .timeout = 600)
{
	for_seeds(filedisk_faults, 4);
}
