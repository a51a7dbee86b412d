/*
 * test_bcache.c - the block cache core, case by case, on the in-memory
 * device: lookup and shared reads, sticky read errors, write-back and the
 * flush protocol (stable blocks, failed writes kept dirty, failed device
 * flushes retried, groups of flushes), eviction with pinned and dirty
 * blocks, scan resistance, read-ahead, a short last block, a full device
 * queue, and the blocking byte API outside fibers. Every test ends with no
 * reference held, nothing in flight and no block changed under write-back.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "memdisk.h"
#include "tern/bcache.h"

#define SS 512u

static struct memdisk disk;
static struct tern_bcache cache;
static void *mem;
static bool cache_up;

static void open_disk(uint64_t sectors, uint32_t queue_depth, bool in_order)
{
	struct memdisk_opts o = {
		.sectors = sectors,
		.queue_depth = queue_depth,
		.seed = 7,
		.in_order = in_order,
	};
	uint8_t *d;

	cr_assert_eq(memdisk_open(&disk, &o), 0);
	d = memdisk_data(&disk);
	/* Byte i of the disk is a function of i: checks need no copy. */
	for (uint64_t i = 0; i < sectors * SS; i++)
		d[i] = (uint8_t)(i * 7 + (i >> 9));
	memdisk_settle(&disk);
}

static uint8_t disk_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9));
}

static void open_cache(uint32_t block_size, uint32_t nblocks, uint32_t ra)
{
	struct tern_bcache_config cfg = { block_size, nblocks, ra };
	size_t size = tern_bcache_mem_size(&cfg);

	mem = malloc(size);
	cr_assert(mem);
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &cfg, mem, size), 0);
	cache_up = true;
}

/* Polls until nothing is in flight. */
static void drain(void)
{
	for (int i = 0; i < 10000; i++) {
		if (!tern_bcache_inflight(&cache) &&
		    !tern_blkdev_pending(&disk.dev))
			return;
		tern_bcache_poll(&cache);
	}
	cr_assert_fail("requests never completed");
}

static struct tern_bcache_buf *get(uint64_t blockno, unsigned flags)
{
	struct tern_bcache_buf *b = NULL;

	cr_assert_eq(tern_bcache_get(&cache, blockno, flags, &b), 0, "get %llu",
		     (unsigned long long)blockno);
	return b;
}

/* Gets a block and polls until its read is over; returns its status. */
static int get_ready(uint64_t blockno, struct tern_bcache_buf **out)
{
	struct tern_bcache_buf *b = get(blockno, 0);
	int r;

	for (int i = 0; i < 10000; i++) {
		r = tern_bcache_ready(b);
		if (r != -TERN_EAGAIN)
			break;
		tern_bcache_poll(&cache);
	}
	*out = b;
	return r;
}

static void check_block(const struct tern_bcache_buf *b)
{
	uint64_t base = b->blockno * tern_bcache_block_size(&cache);

	for (uint32_t i = 0; i < tern_bcache_block_size(&cache); i++)
		cr_assert_eq(b->data[i], disk_byte(base + i),
			     "block %llu byte %u",
			     (unsigned long long)b->blockno, i);
}

/* Overwrites a whole block with fill. */
static void write_block(uint64_t blockno, uint8_t fill)
{
	struct tern_bcache_buf *b = get(blockno, TERN_BCACHE_NOREAD);

	cr_assert_eq(tern_bcache_write_begin(&cache, b), 0);
	memset(b->data, fill, tern_bcache_block_size(&cache));
	tern_bcache_write_end(&cache, b);
	tern_bcache_put(&cache, b);
}

static int flush_wait(void)
{
	struct tern_bcache_flush f;

	tern_bcache_flush_start(&cache, &f);
	for (int i = 0; i < 10000 && f.status == -TERN_EAGAIN; i++)
		tern_bcache_poll(&cache);
	cr_assert_neq(f.status, -TERN_EAGAIN, "flush never completed");
	return f.status;
}

static void durable_block_is(uint64_t blockno, uint8_t fill)
{
	uint32_t bs = tern_bcache_block_size(&cache);
	uint8_t *img = malloc(disk.dev.sector_count * SS);

	memdisk_durable_image(&disk, img);
	for (uint32_t i = 0; i < bs; i++)
		cr_assert_eq(img[blockno * bs + i], fill, "durable byte %u", i);
	free(img);
}

static void teardown(void)
{
	if (cache_up) {
		drain();
		cr_assert_eq(tern_bcache_pinned(&cache), 0,
			     "references leaked");
		tern_bcache_fini(&cache);
		cache_up = false;
	}
	cr_assert_eq(disk.stats.unstable_writes, 0);
	memdisk_close(&disk);
	free(mem);
	mem = NULL;
}

TestSuite(bcache, .fini = teardown);

Test(bcache, config_is_checked)
{
	struct tern_bcache_config bad_size = { 1000, 8, 0 };
	struct tern_bcache_config one_block = { 4096, 1, 0 };
	struct tern_bcache_config ok = { 4096, 8, 0 };
	struct memdisk_opts o = { .sector_size = 4096, .sectors = 64 };
	size_t size = tern_bcache_mem_size(&ok);

	cr_assert_eq(tern_bcache_mem_size(&bad_size), 0);
	cr_assert_eq(tern_bcache_mem_size(&one_block), 0);
	cr_assert_gt(size, 8 * 4096);
	mem = malloc(size);
	cr_assert_eq(memdisk_open(&disk, &o), 0);
	/* 2 KiB blocks on 4 KiB sectors. */
	ok.block_size = 2048;
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &ok, mem, size),
		     -TERN_EINVAL);
	ok.block_size = 4096;
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &ok, mem, size - 1),
		     -TERN_EINVAL);
	memdisk_close(&disk);
	o = (struct memdisk_opts){ .sectors = 64, .max_sectors = 4 };
	cr_assert_eq(memdisk_open(&disk, &o), 0);
	/* 8 sectors per block, the device takes 4 per request. */
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &ok, mem, size),
		     -TERN_EINVAL);
	ok.block_size = 2048;
	cr_assert_eq(tern_bcache_init(&cache, &disk.dev, &ok, mem, size), 0);
	cr_assert_eq(tern_bcache_blocks(&cache), 16);
	tern_bcache_fini(&cache);
}

Test(bcache, a_miss_reads_and_a_hit_does_not)
{
	struct tern_bcache_buf *b;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	cr_assert_eq(get_ready(5, &b), 0);
	check_block(b);
	tern_bcache_put(&cache, b);
	cr_assert_eq(get_ready(5, &b), 0);
	check_block(b);
	tern_bcache_put(&cache, b);
	cr_assert_eq(cache.stats.misses, 1);
	cr_assert_eq(cache.stats.hits, 1);
	cr_assert_eq(disk.stats.reads, 1);
	cr_assert_eq(tern_bcache_get(&cache, 32, 0, &b), -TERN_EINVAL);
}

Test(bcache, concurrent_misses_share_one_read)
{
	struct tern_bcache_buf *a, *b, *c;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	a = get(3, 0);
	b = get(3, 0);
	c = get(3, 0);
	cr_assert(a == b && b == c);
	cr_assert_eq(tern_bcache_ready(a), -TERN_EAGAIN);
	drain();
	cr_assert_eq(tern_bcache_ready(b), 0);
	check_block(c);
	cr_assert_eq(disk.stats.reads, 1);
	cr_assert_eq(cache.stats.joined, 2);
	tern_bcache_put(&cache, a);
	tern_bcache_put(&cache, b);
	tern_bcache_put(&cache, c);
}

Test(bcache, a_read_error_reaches_every_holder_then_is_retried)
{
	struct tern_bcache_buf *a, *b, *c;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	memdisk_fail_sector(&disk, 8 * 4 + 3, MEMDISK_FAIL_READ);
	a = get(4, 0);
	b = get(4, 0);
	drain();
	cr_assert_eq(tern_bcache_ready(a), -TERN_EIO);
	cr_assert_eq(tern_bcache_ready(b), -TERN_EIO);
	/* A third caller while the failed buffer is held sees it too. */
	c = get(4, 0);
	cr_assert_eq(tern_bcache_ready(c), -TERN_EIO);
	cr_assert_eq(tern_bcache_write_begin(&cache, c), -TERN_EIO);
	tern_bcache_put(&cache, a);
	tern_bcache_put(&cache, b);
	tern_bcache_put(&cache, c);
	cr_assert_eq(disk.stats.reads, 1);
	/* Released by all: the next get reads again. */
	memdisk_fail_sector(&disk, 8 * 4 + 3, 0);
	cr_assert_eq(get_ready(4, &a), 0);
	check_block(a);
	tern_bcache_put(&cache, a);
	cr_assert_eq(disk.stats.reads, 2);
	cr_assert_eq(cache.stats.read_errors, 1);
}

Test(bcache, a_whole_block_overwrite_revives_a_failed_read)
{
	struct tern_bcache_buf *a, *w;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	memdisk_fail_sector(&disk, 8 * 4 + 3, MEMDISK_FAIL_READ);
	a = get(4, 0);
	drain();
	cr_assert_eq(tern_bcache_ready(a), -TERN_EIO);
	/* A writer of the whole block does not need the old data. */
	w = get(4, TERN_BCACHE_NOREAD);
	cr_assert_eq(w, a);
	cr_assert_eq(tern_bcache_ready(w), 0);
	for (uint32_t i = 0; i < 4096; i++)
		cr_assert_eq(w->data[i], 0);
	cr_assert_eq(tern_bcache_write_begin(&cache, w), 0);
	memset(w->data, 0x44, 4096);
	tern_bcache_write_end(&cache, w);
	tern_bcache_put(&cache, w);
	/* The other holder now sees the block's new data. */
	cr_assert_eq(tern_bcache_ready(a), 0);
	cr_assert_eq(a->data[100], 0x44);
	tern_bcache_put(&cache, a);
	cr_assert_eq(cache.stats.revived, 1);
	cr_assert_eq(flush_wait(), 0);
	durable_block_is(4, 0x44);
}

Test(bcache, a_flush_makes_writes_durable_and_an_idle_flush_is_free)
{
	struct tern_bcache_flush f;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(2, 0xab);
	write_block(9, 0xcd);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 2);
	cr_assert_eq(disk.stats.writes, 0, "write-back before a flush");
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0);
	cr_assert_eq(disk.stats.writes, 2);
	cr_assert_eq(disk.stats.flushes, 1);
	durable_block_is(2, 0xab);
	durable_block_is(9, 0xcd);
	/* Nothing written since: done at once, no device flush. */
	tern_bcache_flush_start(&cache, &f);
	cr_assert_eq(f.status, 0);
	cr_assert_eq(disk.stats.flushes, 1);
}

Test(bcache, a_block_is_stable_under_write_back_and_dirty_again_after)
{
	struct tern_bcache_flush f;
	struct tern_bcache_buf *b;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(1, 0x11);
	tern_bcache_flush_start(&cache, &f);
	cr_assert_eq(f.status, -TERN_EAGAIN);
	cr_assert_eq(get_ready(1, &b), 0);
	/* Its write-back is in flight: no change allowed. */
	cr_assert_eq(tern_bcache_write_begin(&cache, b), -TERN_EAGAIN);
	while (tern_bcache_write_begin(&cache, b) == -TERN_EAGAIN)
		tern_bcache_poll(&cache);
	memset(b->data, 0x22, 4096);
	tern_bcache_write_end(&cache, b);
	tern_bcache_put(&cache, b);
	drain();
	cr_assert_eq(f.status, 0);
	/* The flush covered 0x11; 0x22 came after its write-back. */
	cr_assert_eq(tern_bcache_dirty_count(&cache), 1);
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0);
	durable_block_is(1, 0x22);
}

Test(bcache, a_flush_covers_the_writes_before_it_only)
{
	struct tern_bcache_flush f;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(1, 0x31);
	tern_bcache_flush_start(&cache, &f);
	write_block(2, 0x32); /* after the flush started */
	drain();
	cr_assert_eq(f.status, 0);
	durable_block_is(1, 0x31);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 1);
	cr_assert_eq(flush_wait(), 0);
	durable_block_is(2, 0x32);
}

Test(bcache, flushes_started_together_share_one_device_flush)
{
	struct tern_bcache_flush f1, f2, f3;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(1, 1);
	tern_bcache_flush_start(&cache, &f1);
	write_block(2, 2);
	tern_bcache_flush_start(&cache, &f2);
	tern_bcache_flush_start(&cache, &f3);
	drain();
	cr_assert_eq(f1.status, 0);
	cr_assert_eq(f2.status, 0);
	cr_assert_eq(f3.status, 0);
	cr_assert_eq(disk.stats.flushes, 2, "f2 and f3 ran as one group");
	durable_block_is(2, 2);
}

Test(bcache, a_failed_write_back_stays_dirty_until_a_flush_succeeds)
{
	struct tern_bcache_buf *b;

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(6, 0x66);
	memdisk_fail_sector(&disk, 6 * 8 + 5, MEMDISK_FAIL_WRITE);
	cr_assert_eq(flush_wait(), -TERN_EIO);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 1);
	cr_assert_eq(cache.stats.write_errors, 1);
	/* The cache still serves the written data. */
	cr_assert_eq(get_ready(6, &b), 0);
	cr_assert_eq(b->data[4095], 0x66);
	tern_bcache_put(&cache, b);
	/* Fails again while the sector is bad. */
	cr_assert_eq(flush_wait(), -TERN_EIO);
	memdisk_fail_sector(&disk, 6 * 8 + 5, 0);
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0);
	durable_block_is(6, 0x66);
}

Test(bcache, a_failed_device_flush_is_reported_and_retried)
{
	struct memdisk_faults all = { .flush_eio_ppm = 1000000 };
	struct memdisk_faults none = { 0 };

	open_disk(256, 8, false);
	open_cache(4096, 8, 0);
	write_block(3, 0x33);
	memdisk_set_faults(&disk, &all);
	cr_assert_eq(flush_wait(), -TERN_EIO);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0, "the write landed");
	memdisk_set_faults(&disk, &none);
	/* No new write, but the last device flush failed: flush again. */
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(disk.stats.flushes, 2);
	durable_block_is(3, 0x33);
}

Test(bcache, pinned_blocks_are_never_evicted)
{
	struct tern_bcache_buf *held[4], *b;

	open_disk(256, 8, false);
	open_cache(4096, 4, 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(get_ready((uint64_t)i, &held[i]), 0);
	cr_assert_eq(tern_bcache_get(&cache, 10, 0, &b), -TERN_EAGAIN);
	cr_assert_eq(cache.stats.no_slot, 1);
	tern_bcache_put(&cache, held[2]);
	cr_assert_eq(get_ready(10, &b), 0);
	check_block(b);
	tern_bcache_put(&cache, b);
	for (int i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		check_block(held[i]);
		cr_assert_eq(held[i]->blockno, (uint64_t)i);
		tern_bcache_put(&cache, held[i]);
	}
}

Test(bcache, dirty_victims_are_written_back_to_free_slots)
{
	struct tern_bcache_buf *b;

	open_disk(256, 8, false);
	open_cache(4096, 4, 0);
	for (int i = 0; i < 4; i++)
		write_block((uint64_t)i, (uint8_t)(0x40 + i));
	cr_assert_eq(tern_bcache_get(&cache, 20, 0, &b), -TERN_EAGAIN);
	cr_assert_gt(tern_bcache_inflight(&cache), 0, "no write-back started");
	drain();
	cr_assert_eq(get_ready(20, &b), 0);
	check_block(b);
	tern_bcache_put(&cache, b);
	/* The evicted data is on the disk (not yet durable: no flush). */
	cr_assert_eq(disk.stats.flushes, 0);
	cr_assert_eq(memdisk_data(&disk)[0], 0x40);
}

Test(bcache, only_failed_dirty_blocks_left_is_enomem_until_a_flush)
{
	struct tern_bcache_buf *b;

	open_disk(256, 8, false);
	open_cache(4096, 2, 0);
	memdisk_fail_sector(&disk, 0, MEMDISK_FAIL_WRITE);
	memdisk_fail_sector(&disk, 8, MEMDISK_FAIL_WRITE);
	write_block(0, 1);
	write_block(1, 2);
	cr_assert_eq(tern_bcache_get(&cache, 5, 0, &b), -TERN_EAGAIN);
	drain();
	cr_assert_eq(cache.stats.write_errors, 2);
	/* Eviction never retries failed blocks; nothing is pinned or in
	 * flight: waiting cannot help. */
	cr_assert_eq(tern_bcache_get(&cache, 5, 0, &b), -TERN_ENOMEM);
	memdisk_fail_sector(&disk, 0, 0);
	memdisk_fail_sector(&disk, 8, 0);
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(get_ready(5, &b), 0);
	tern_bcache_put(&cache, b);
}

Test(bcache, a_hot_set_survives_a_long_scan)
{
	struct tern_bcache_buf *b;
	uint64_t misses;

	open_disk(8 * 2048, 32, true);
	open_cache(4096, 64, 0);
	/* A hot set of 24 blocks, used three times. */
	for (int round = 0; round < 3; round++) {
		for (uint64_t i = 0; i < 24; i++) {
			cr_assert_eq(get_ready(i, &b), 0);
			tern_bcache_put(&cache, b);
		}
	}
	/* One pass over 1500 other blocks. */
	for (uint64_t i = 100; i < 1600; i++) {
		cr_assert_eq(get_ready(i, &b), 0);
		tern_bcache_put(&cache, b);
	}
	misses = cache.stats.misses;
	for (uint64_t i = 0; i < 24; i++) {
		cr_assert_eq(get_ready(i, &b), 0);
		check_block(b);
		tern_bcache_put(&cache, b);
	}
	cr_assert_eq(cache.stats.misses, misses, "the scan evicted hot blocks");
}

Test(bcache, sequential_reads_are_read_ahead)
{
	struct tern_bcache_buf *b;

	open_disk(8 * 512, 32, false);
	open_cache(4096, 256, 16);
	for (uint64_t i = 100; i < 200; i++) {
		cr_assert_eq(get_ready(i, &b), 0);
		check_block(b);
		tern_bcache_put(&cache, b);
	}
	cr_assert_gt(tern_bcache_inflight(&cache), 0, "nothing read ahead");
	cr_assert_eq(tern_bcache_drain(&cache), 0);
	cr_assert_eq(tern_bcache_inflight(&cache), 0);
	cr_assert_gt(cache.stats.ra_issued, 50);
	cr_assert_eq(cache.stats.ra_used + cache.stats.misses, 100);
	cr_assert_lt(cache.stats.misses, 10, "read-ahead did not keep up");
	/* A random pattern does not trigger it. */
	uint64_t issued = cache.stats.ra_issued;

	for (uint64_t i = 0; i < 20; i++) {
		cr_assert_eq(get_ready((i * 37) % 90, &b), 0);
		tern_bcache_put(&cache, b);
	}
	cr_assert_eq(cache.stats.ra_issued, issued);
}

/* Reads blocks first..end-1 in order, checking each, all valid. */
static void read_sequentially(uint64_t first, uint64_t end)
{
	struct tern_bcache_buf *b;

	for (uint64_t i = first; i < end; i++) {
		cr_assert_eq(get_ready(i, &b), 0, "block %llu",
			     (unsigned long long)i);
		check_block(b);
		tern_bcache_put(&cache, b);
	}
	cr_assert_eq(tern_bcache_drain(&cache), 0);
}

Test(bcache, read_ahead_goes_to_the_device_in_runs)
{
	open_disk(8 * 1024, 32, false);
	open_cache(4096, 512, 32);
	read_sequentially(0, 1000);
	cr_assert_gt(cache.stats.ra_issued, 950);
	/* Windows of 4, 8, 16, then batches of 16: about 1000 / 16 runs. */
	cr_assert_lt(disk.stats.reads, 100, "%llu device reads",
		     (unsigned long long)disk.stats.reads);
	cr_assert_eq(cache.stats.reads, disk.stats.reads);
	cr_assert_eq(cache.stats.run_retries, 0);
}

Test(bcache, without_scattered_requests_read_ahead_reads_block_by_block)
{
	open_disk(8 * 256, 32, false);
	disk.dev.max_segments = 1;
	open_cache(4096, 256, 16);
	read_sequentially(0, 200);
	cr_assert_eq(disk.stats.reads,
		     cache.stats.misses + cache.stats.ra_issued);
}

Test(bcache, runs_respect_the_device_request_size)
{
	struct memdisk_opts o = { .sectors = 8 * 256, .max_sectors = 24 };

	cr_assert_eq(memdisk_open(&disk, &o), 0);
	/* max_sectors 24: at most 3 blocks of 8 sectors per run. */
	open_cache(4096, 256, 16);
	for (uint64_t i = 0; i < 100; i++) {
		struct tern_bcache_buf *b;

		cr_assert_eq(get_ready(i, &b), 0);
		tern_bcache_put(&cache, b);
	}
	cr_assert_eq(tern_bcache_drain(&cache), 0);
	cr_assert_geq(disk.stats.reads * 3, cache.stats.ra_issued);
	cr_assert_lt(disk.stats.reads,
		     cache.stats.misses + cache.stats.ra_issued);
}

Test(bcache, a_failed_run_is_read_again_and_fails_only_its_bad_block)
{
	struct tern_bcache_buf *b;

	open_disk(8 * 256, 32, false);
	open_cache(4096, 256, 16);
	/* Block 40 (sectors 320..327) is read ahead in a run. */
	cr_assert_eq(memdisk_fail_sector(&disk, 8 * 40 + 5, MEMDISK_FAIL_READ),
		     0);
	read_sequentially(0, 40);
	cr_assert_eq(get_ready(40, &b), -TERN_EIO);
	tern_bcache_put(&cache, b);
	read_sequentially(41, 60);
	cr_assert_geq(cache.stats.run_retries, 1);
	/* Block 40 alone failed: its re-read after the run, and the get's
	 * own read if the failed read-ahead had left the cache by then. */
	cr_assert_leq(cache.stats.read_errors, 2);
	/* The error is not cached: healed, block 40 reads. */
	cr_assert_eq(memdisk_fail_sector(&disk, 8 * 40 + 5, 0), 0);
	read_sequentially(40, 41);
}

Test(bcache, a_flush_writes_consecutive_dirty_blocks_in_runs)
{
	open_disk(8 * 128, 32, false);
	open_cache(4096, 128, 0);
	/* Dirtied out of order: runs follow the disk, not the dirty list. */
	for (uint64_t i = 0; i < 64; i++)
		write_block((i * 37) % 64, (uint8_t)(0x40 + (i * 37) % 64));
	write_block(100, 0x99); /* alone */
	cr_assert_eq(flush_wait(), 0);
	cr_assert_leq(disk.stats.writes, 10, "%llu device writes",
		      (unsigned long long)disk.stats.writes);
	cr_assert_eq(cache.stats.writes, disk.stats.writes);
	for (uint64_t i = 0; i < 64; i++)
		durable_block_is(i, (uint8_t)(0x40 + i));
	durable_block_is(100, 0x99);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 0);
}

Test(bcache, a_failed_write_run_is_redone_and_fails_only_its_bad_block)
{
	open_disk(8 * 64, 32, false);
	open_cache(4096, 64, 0);
	for (uint64_t i = 0; i < 16; i++)
		write_block(i, (uint8_t)(0x10 + i));
	memdisk_fail_sector(&disk, 9 * 8 + 3, MEMDISK_FAIL_WRITE);
	cr_assert_eq(flush_wait(), -TERN_EIO);
	cr_assert_geq(cache.stats.run_retries, 1);
	cr_assert_eq(tern_bcache_dirty_count(&cache), 1, "only block 9");
	for (uint64_t i = 0; i < 16; i++)
		if (i != 9)
			durable_block_is(i, (uint8_t)(0x10 + i));
	memdisk_fail_sector(&disk, 9 * 8 + 3, 0);
	cr_assert_eq(flush_wait(), 0);
	durable_block_is(9, 0x19);
}

Test(bcache, the_short_last_block_reads_zeros_past_the_end)
{
	struct tern_bcache_buf *b;

	open_disk(8 * 3 + 3, 8, false);
	open_cache(4096, 4, 0);
	cr_assert_eq(tern_bcache_blocks(&cache), 4);
	cr_assert_eq(get_ready(3, &b), 0);
	for (uint32_t i = 0; i < 3 * SS; i++)
		cr_assert_eq(b->data[i], disk_byte(3 * 4096 + i));
	for (uint32_t i = 3 * SS; i < 4096; i++)
		cr_assert_eq(b->data[i], 0);
	cr_assert_eq(tern_bcache_write_begin(&cache, b), 0);
	memset(b->data, 0x77, 4096);
	tern_bcache_write_end(&cache, b);
	tern_bcache_put(&cache, b);
	cr_assert_eq(flush_wait(), 0);
	cr_assert_eq(memdisk_data(&disk)[27 * SS - 1], 0x77);
}

Test(bcache, requests_the_device_refuses_are_retried)
{
	struct tern_bcache_buf *b[6];

	open_disk(256, 1, false);
	open_cache(4096, 8, 0);
	for (int i = 0; i < 6; i++)
		b[i] = get((uint64_t)i * 3, 0);
	cr_assert_eq(cache.stats.dev_busy, 5);
	drain();
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(tern_bcache_ready(b[i]), 0);
		check_block(b[i]);
		tern_bcache_put(&cache, b[i]);
	}
	for (int i = 0; i < 6; i++)
		write_block((uint64_t)i, (uint8_t)i);
	cr_assert_eq(flush_wait(), 0);
	for (int i = 0; i < 6; i++)
		durable_block_is((uint64_t)i, (uint8_t)i);
}

Test(bcache, pread_and_pwrite_outside_fibers_poll_the_device)
{
	uint8_t out[10000], in[10000];

	open_disk(256, 8, false);
	open_cache(4096, 4, 4);
	cr_assert_eq(tern_bcache_pread(&cache, out, sizeof(out), 1234),
		     (int)sizeof(out));
	for (size_t i = 0; i < sizeof(out); i++)
		cr_assert_eq(out[i], disk_byte(1234 + i));
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x5a);
	cr_assert_eq(tern_bcache_pwrite(&cache, in, sizeof(in), 3000),
		     (int)sizeof(in));
	cr_assert_eq(tern_bcache_flush(&cache), 0);
	cr_assert_eq(memcmp(memdisk_data(&disk) + 3000, in, sizeof(in)), 0);
	cr_assert_eq(tern_bcache_pread(&cache, out, sizeof(out), 2999),
		     (int)sizeof(out));
	cr_assert_eq(out[0], disk_byte(2999));
	cr_assert_eq(memcmp(out + 1, in, sizeof(out) - 1), 0);
	cr_assert_eq(tern_bcache_pread(&cache, out, 2, 256 * SS - 1),
		     -TERN_EINVAL);
	cr_assert_eq(tern_bcache_pread(&cache, out, 1, 256 * SS - 1), 1);
}
