/*
 * test_bcache_fiber.c - the block cache's blocking API under the fiber
 * scheduler, on the hosted virtual clock with the out-of-order in-memory
 * device: fibers missing the same block share one read and all wake with
 * its data (or all with its error); fibers wait for a slot while others
 * hold every block; a writer waits out a write-back; and a randomized run of
 * reader, writer and flusher fibers against a model of every sector, with
 * device faults. TERN_MODEL_STEPS, TERN_MODEL_SEEDS and TERN_MODEL_SEED
 * lengthen it as for test_bcache_model.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "memdisk.h"
#include "model.h"
#include "tern/bcache.h"
#include "tern/byteorder.h"
#include "tern/hosted.h"
#include "tern/sched.h"

#define SS 512u
#define START 1000000000ull

static struct memdisk disk;
static struct tern_bcache cache;
static struct tern_sched sched;
static void *mem;

static void setup_all(uint64_t sectors, uint32_t nblocks, uint32_t ra,
		      uint64_t seed)
{
	struct memdisk_opts o = {
		.sectors = sectors,
		.queue_depth = 8,
		.seed = seed,
		.waker = true,
	};
	struct tern_bcache_config cfg = { 4096, nblocks, ra };
	size_t size = tern_bcache_mem_size(&cfg);

	tern_hosted_clock_use_virtual(START);
	cr_assert_eq(memdisk_open(&disk, &o), 0);
	model_fill_initial(memdisk_data(&disk), sectors, SS);
	memdisk_settle(&disk);
	mem = malloc(size);
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &cfg, mem, size), 0);
	tern_sched_init(&sched);
	tern_bcache_attach(&cache, &sched);
}

static void teardown(void)
{
	if (!mem)
		return;
	cr_assert_eq(tern_bcache_pinned(&cache), 0);
	cr_assert_eq(tern_bcache_inflight(&cache), 0);
	cr_assert_eq(tern_sched_stacks(&sched), 0);
	cr_assert_eq(disk.stats.unstable_writes, 0);
	tern_bcache_fini(&cache);
	memdisk_close(&disk);
	free(mem);
	mem = NULL;
	tern_hosted_clock_use_real();
}

TestSuite(bcache_fiber, .fini = teardown);

static bool sector_is(const uint8_t *p, uint64_t sector, uint64_t version)
{
	uint8_t expect[SS];

	model_pattern(expect, SS, sector, version);
	return memcmp(p, expect, SS) == 0;
}

/* ---- Shared reads -------------------------------------------------------*/

struct reader {
	struct tern_fiber f;
	uint64_t blockno;
	int result;
	bool data_ok;
};

static void read_block(void *arg)
{
	struct reader *r = arg;
	struct tern_bcache_buf *b;

	r->result = tern_bcache_read(&cache, r->blockno, 0, &b);
	if (r->result)
		return;
	r->data_ok = sector_is(b->data, r->blockno * 8, 0) &&
		     sector_is(b->data + 7 * SS, r->blockno * 8 + 7, 0);
	tern_bcache_put(&cache, b);
}

Test(bcache_fiber, fibers_missing_one_block_share_its_read)
{
	struct reader r[8];

	setup_all(512, 16, 0, 1);
	for (int i = 0; i < 8; i++) {
		r[i] = (struct reader){ .blockno = 9, .result = 1 };
		cr_assert_eq(tern_fiber_spawn(&sched, &r[i].f, "reader",
					      read_block, &r[i], 0),
			     0);
	}
	cr_assert_eq(tern_sched_run(&sched), 0);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(tern_fiber_join(&sched, &r[i].f), 0);
		cr_assert_eq(r[i].result, 0);
		cr_assert(r[i].data_ok);
	}
	cr_assert_eq(disk.stats.reads, 1);
	cr_assert_eq(cache.stats.joined, 7);
}

Test(bcache_fiber, every_fiber_waiting_on_a_failed_read_gets_the_error)
{
	struct reader r[5];

	setup_all(512, 16, 0, 2);
	memdisk_fail_sector(&disk, 9 * 8 + 2, MEMDISK_FAIL_READ);
	for (int i = 0; i < 5; i++) {
		r[i] = (struct reader){ .blockno = 9, .result = 1 };
		tern_fiber_spawn(&sched, &r[i].f, "reader", read_block, &r[i],
				 0);
	}
	cr_assert_eq(tern_sched_run(&sched), 0);
	for (int i = 0; i < 5; i++) {
		tern_fiber_join(&sched, &r[i].f);
		cr_assert_eq(r[i].result, -TERN_EIO, "reader %d", i);
	}
	cr_assert_eq(disk.stats.reads, 1);
}

/* ---- Waiting for a slot -------------------------------------------------*/

struct holder {
	struct tern_fiber f;
	uint64_t blockno;
	int result;
	uint64_t got_at;
};

static void hold_block(void *arg)
{
	struct holder *h = arg;
	struct tern_bcache_buf *b;

	h->result = tern_bcache_read(&cache, h->blockno, 0, &b);
	if (h->result)
		return;
	h->got_at = tern_sched_now(&sched);
	if (!sector_is(b->data, h->blockno * 8, 0))
		h->result = -1;
	tern_sleep(&sched, 10 * TERN_NSEC_PER_MSEC);
	tern_bcache_put(&cache, b);
}

Test(bcache_fiber, fibers_wait_for_a_slot_while_every_block_is_held)
{
	struct holder h[10];
	unsigned late = 0;

	setup_all(512, 4, 0, 3);
	for (int i = 0; i < 10; i++) {
		h[i] = (struct holder){ .blockno = (uint64_t)(i * 5),
					.result = 1 };
		tern_fiber_spawn(&sched, &h[i].f, "holder", hold_block, &h[i],
				 0);
	}
	cr_assert_eq(tern_sched_run(&sched), 0);
	for (int i = 0; i < 10; i++) {
		tern_fiber_join(&sched, &h[i].f);
		cr_assert_eq(h[i].result, 0, "holder %d", i);
		if (h[i].got_at >= START + 10 * TERN_NSEC_PER_MSEC)
			late++;
	}
	cr_assert_eq(late, 6, "four blocks: six fibers had to wait");
	cr_assert_gt(cache.stats.no_slot, 0);
}

/* ---- A writer waits out a write-back ------------------------------------*/

static struct tern_fiber wf[3];
static int flush_result = 1, second_write = 1;

static void first_writer(void *arg)
{
	uint8_t buf[4096];

	(void)arg;
	memset(buf, 0x11, sizeof(buf));
	cr_assert_eq(tern_bcache_pwrite(&cache, buf, sizeof(buf), 4096 * 3),
		     4096);
	flush_result = tern_bcache_flush(&cache);
}

static void second_writer(void *arg)
{
	struct tern_bcache_buf *b;

	(void)arg;
	/* Runs while the flush's write-back of block 3 is in flight. */
	cr_assert_eq(tern_bcache_read(&cache, 3, 0, &b), 0);
	second_write = tern_bcache_write_lock(&cache, b);
	if (second_write == 0) {
		memset(b->data, 0x22, 4096);
		tern_bcache_write_end(&cache, b);
	}
	tern_bcache_put(&cache, b);
}

static void flush_fiber(void *arg)
{
	(void)arg;
	flush_result = tern_bcache_flush(&cache);
}

Test(bcache_fiber, a_writer_waits_while_the_block_is_written_back)
{
	setup_all(512, 8, 0, 4);
	tern_fiber_spawn(&sched, &wf[0], "w1", first_writer, NULL, 0);
	tern_fiber_spawn(&sched, &wf[1], "w2", second_writer, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	tern_fiber_join(&sched, &wf[0]);
	tern_fiber_join(&sched, &wf[1]);
	cr_assert_eq(flush_result, 0);
	cr_assert_eq(second_write, 0);
	cr_assert_eq(disk.stats.unstable_writes, 0);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 1);
	cr_assert_eq(memdisk_data(&disk)[3 * 4096], 0x11);
	tern_fiber_spawn(&sched, &wf[2], "flush", flush_fiber, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	tern_fiber_join(&sched, &wf[2]);
	cr_assert_eq(memdisk_data(&disk)[3 * 4096], 0x22);
}

/* ---- Random fibers against a model --------------------------------------*/

#define NWORKERS 6
#define SECTORS (8 * 96)

/* Versions are numbered when a write starts, but a write may wait (for
 * its block's read, a write-back, a slot) while a later-numbered write to
 * the same sector completes: per sector, versions are not in time order.
 * So the model also records when each version became the latest (a clock
 * ticking once per completed write), and a flush accepts on the disk the
 * version latest when it started or any that became latest after. */
struct fmodel {
	uint64_t latest[SECTORS];
	uint64_t durable[SECTORS];
	uint64_t version;
	uint64_t clock;	  /* completed writes */
	uint64_t *set_at; /* [version]: clock when it became latest; 0 never */
	unsigned ops_left;
	unsigned reads, read_errors, writes, flushes, flush_errors, no_slot;
	uint8_t image[SECTORS * SS];
	const char *failure;
	uint64_t seed;
};

static struct fmodel fm;

struct worker {
	struct tern_fiber f;
	struct tern_rand rand;
	bool flusher;
};

static void fail_with(const char *what)
{
	if (!fm.failure)
		fm.failure = what;
}

static void worker_read(struct tern_rand *r)
{
	uint8_t buf[4096];
	uint64_t block = tern_rand_below(r, SECTORS / 8);
	uint32_t lo = (uint32_t)tern_rand_below(r, 8);
	uint32_t n = 1 + (uint32_t)tern_rand_below(r, 8 - lo);
	int res = tern_bcache_pread(&cache, buf, n * SS, (block * 8 + lo) * SS);

	if (res < 0) {
		/* -TERN_ENOMEM: every block dirty with a failed write-back
		 * until the flusher retries them (bcache.h, "No slot"). */
		if (res != -TERN_EIO && res != -TERN_ENOMEM)
			fail_with("pread: unexpected error");
		fm.read_errors++;
		fm.no_slot += res == -TERN_ENOMEM;
		return;
	}
	/* No yield since the copy: the model is current. */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t s = block * 8 + lo + i;

		if (!sector_is(buf + i * SS, s, fm.latest[s]))
			fail_with("pread returned stale or corrupt data");
	}
	fm.reads++;
}

static void worker_write(struct tern_rand *r)
{
	uint8_t buf[4096];
	uint64_t block = tern_rand_below(r, SECTORS / 8);
	uint32_t lo = (uint32_t)tern_rand_below(r, 8);
	uint32_t n = 1 + (uint32_t)tern_rand_below(r, 8 - lo);
	uint64_t v = ++fm.version;
	int res;

	for (uint32_t i = 0; i < n; i++)
		model_pattern(buf + i * SS, SS, block * 8 + lo + i, v);
	res = tern_bcache_pwrite(&cache, buf, n * SS, (block * 8 + lo) * SS);
	if (res < 0) {
		/* A partial block is read first: that read can fail. */
		if (!(res == -TERN_EIO && n < 8) && res != -TERN_ENOMEM)
			fail_with("pwrite: unexpected error");
		fm.no_slot += res == -TERN_ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		fm.latest[block * 8 + lo + i] = v;
	fm.set_at[v] = ++fm.clock;
	fm.writes++;
}

static void worker_flush(void)
{
	uint64_t snap[SECTORS], start = fm.clock;
	int res;

	memcpy(snap, fm.latest, sizeof(snap));
	res = tern_bcache_flush(&cache);
	if (res == -TERN_EIO) {
		fm.flush_errors++;
		return;
	}
	if (res != 0) {
		fail_with("flush: unexpected error");
		return;
	}
	fm.flushes++;
	memdisk_durable_image(&disk, fm.image);
	for (uint64_t s = 0; s < SECTORS; s++) {
		const uint8_t *p = fm.image + s * SS;
		uint64_t v = tern_load_le64(p + 8); /* see model_pattern */

		if (!sector_is(p, s, v) ||
		    (v != snap[s] && (v > fm.version || fm.set_at[v] <= start)))
			fail_with("a flush returned 0 but data is not durable");
	}
}

static void worker(void *arg)
{
	struct worker *w = arg;

	while (fm.ops_left > 0 && !fm.failure) {
		fm.ops_left--;
		if (w->flusher) {
			worker_flush();
			for (uint64_t i = tern_rand_below(&w->rand, 12); i > 0;
			     i--)
				tern_fiber_yield(&sched);
			continue;
		}
		if (tern_rand_below(&w->rand, 2))
			worker_read(&w->rand);
		else
			worker_write(&w->rand);
		if (tern_rand_below(&w->rand, 4) == 0)
			tern_fiber_yield(&sched);
	}
}

static void run_fiber_model(uint64_t seed, bool faults)
{
	struct worker w[NWORKERS];
	struct memdisk_faults f = { .read_eio_ppm = 20000,
				    .write_eio_ppm = 20000,
				    .torn_ppm = 20000,
				    .flush_eio_ppm = 20000 };
	struct memdisk_faults none = { 0 };
	const char *steps = getenv("TERN_MODEL_STEPS");

	memset(&fm, 0, sizeof(fm));
	fm.seed = seed;
	fm.ops_left = steps ? (unsigned)strtoul(steps, NULL, 0) : 4000;
	/* A version per operation at most, the final flush, and version 0. */
	fm.set_at = calloc((size_t)fm.ops_left + 2, sizeof(uint64_t));
	cr_assert(fm.set_at);
	setup_all(SECTORS, 12, 4, seed);
	if (faults)
		memdisk_set_faults(&disk, &f);
	for (int i = 0; i < NWORKERS; i++) {
		tern_rand_seed(&w[i].rand, seed * 31 + (uint64_t)i);
		w[i].flusher = i == 0;
		tern_fiber_spawn(&sched, &w[i].f, "worker", worker, &w[i], 0);
	}
	cr_assert_eq(tern_sched_run(&sched), 0, "seed %llu",
		     (unsigned long long)seed);
	for (int i = 0; i < NWORKERS; i++)
		tern_fiber_join(&sched, &w[i].f);
	cr_assert_null(fm.failure, "seed %llu: %s", (unsigned long long)seed,
		       fm.failure);
	/* Faults off: one flush makes everything durable. */
	memdisk_set_faults(&disk, &none);
	w[0].flusher = true;
	fm.ops_left = 1;
	tern_fiber_spawn(&sched, &w[0].f, "final", worker, &w[0], 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	tern_fiber_join(&sched, &w[0].f);
	cr_assert_null(fm.failure, "seed %llu: %s", (unsigned long long)seed,
		       fm.failure);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0);
	memdisk_durable_image(&disk, fm.image);
	for (uint64_t s = 0; s < SECTORS; s++)
		cr_assert(sector_is(fm.image + s * SS, s, fm.latest[s]),
			  "seed %llu sector %llu", (unsigned long long)seed,
			  (unsigned long long)s);
	cr_assert_gt(fm.reads, 0);
	cr_assert_gt(fm.writes, 0);
	cr_assert_gt(fm.flushes, 0);
	cr_log_info("fiber model seed %llu: %u reads (%u failed), %u writes, "
		    "%u flushes (%u failed), %u no slot, %llu switches",
		    (unsigned long long)seed, fm.reads, fm.read_errors,
		    fm.writes, fm.flushes, fm.flush_errors, fm.no_slot,
		    (unsigned long long)tern_sched_switches(&sched));
	free(fm.set_at);
}

/* TERN_MODEL_SEED=S runs seed S only; TERN_MODEL_SEEDS=N runs N seeds. */
static void for_seeds(uint64_t first, bool faults)
{
	const char *one = getenv("TERN_MODEL_SEED");
	const char *n = getenv("TERN_MODEL_SEEDS");
	uint64_t seeds = n ? strtoull(n, NULL, 0) : 1;

	if (one && *one) {
		run_fiber_model(strtoull(one, NULL, 0), faults);
		return;
	}
	for (uint64_t s = 0; s < seeds; s++) {
		if (s > 0)
			teardown(); /* between runs, as between tests */
		run_fiber_model(first + 1000 * s, faults);
	}
}

Test(bcache_fiber, random_readers_writers_and_a_flusher_match_the_model)
{
	for_seeds(11, false);
}

Test(bcache_fiber, the_same_with_disk_faults)
{
	for_seeds(12, true);
}
