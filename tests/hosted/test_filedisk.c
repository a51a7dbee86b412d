/*
 * test_filedisk.c - the file disk against an in-memory model: random
 * requests round-trip; completions come only from poll, in submit order;
 * out-of-range requests are -TERN_EINVAL and a full queue -TERN_EAGAIN; each
 * injected fault reaches the caller as filedisk.h says (bad sectors, error
 * rates, torn writes); a power cut loses exactly the writes that are not
 * durable under dev.h's contract and keeps every durable one.
 */
#define _GNU_SOURCE /* mkstemp, pread */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/hosted/filedisk.h"
#include "tern/rand.h"

#include "support/binomial.h"

#define SS 512u
#define SECTORS 2048u

/* ---- Fixture ------------------------------------------------------------*/

static char path[64];
static struct tern_filedisk disk;
static bool disk_open;

static void make_path(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/tern-filedisk-%d-XXXXXX", getpid());
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void open_disk(const struct tern_filedisk_opts *o)
{
	struct tern_filedisk_opts dflt = { .size = (uint64_t)SECTORS * SS };

	cr_assert_eq(tern_filedisk_open(&disk, path, o ? o : &dflt), 0);
	disk_open = true;
}

static void close_disk(void)
{
	if (!disk_open)
		return;
	cr_assert_eq(tern_blkdev_pending(&disk.dev), 0,
		     "requests left in flight");
	tern_blkdev_close(&disk.dev);
	disk_open = false;
}

static void setup(void)
{
	make_path();
}

static void teardown(void)
{
	close_disk();
	unlink(path);
}

TestSuite(filedisk, .init = setup, .fini = teardown);

/* ---- Requests -----------------------------------------------------------*/

struct done_log {
	unsigned calls;
	struct tern_blk_req *order[64];
};

static void on_done(struct tern_blk_req *req)
{
	struct done_log *log = req->ctx;

	if (log->calls < TERN_ARRAY_SIZE(log->order))
		log->order[log->calls] = req;
	log->calls++;
}

static void prep(struct tern_blk_req *req, enum tern_blk_op op, uint64_t sector,
		 uint32_t count, void *buf, struct done_log *log)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->sector = sector;
	req->count = count;
	req->buf = buf;
	req->done = on_done;
	req->ctx = log;
}

/* Submits one request, checks it is not completed before poll, polls, and
 * returns its status. */
static int io(enum tern_blk_op op, uint64_t sector, uint32_t count, void *buf)
{
	struct done_log log = { 0 };
	struct tern_blk_req req;

	prep(&req, op, sector, count, buf, &log);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), 0);
	cr_assert_eq(log.calls, 0, "completed inside submit");
	cr_assert_eq(tern_blkdev_pending(&disk.dev), 1);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 1);
	cr_assert_eq(log.calls, 1);
	cr_assert_eq(tern_blkdev_pending(&disk.dev), 0);
	return req.status;
}

static int flush(void)
{
	return io(TERN_BLK_FLUSH, 0, 0, NULL);
}

/* Fills count sectors with a pattern naming (tag, sector). */
static void pattern(uint8_t *buf, uint64_t sector, uint32_t count, uint32_t tag)
{
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SS; i += 4) {
			uint32_t v = tag * 0x9e3779b1u ^
				     (uint32_t)(sector + s) * 0x85ebca6bu ^ i;
			memcpy(buf + (size_t)s * SS + i, &v, 4);
		}
}

/* Reads sector straight from the file, past the device. */
static void file_sector(uint64_t sector, uint8_t *out)
{
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, out, SS, (off_t)(sector * SS)), (ssize_t)SS);
	close(fd);
}

/* True if the file holds pattern(tag) at sector. */
static bool file_has(uint64_t sector, uint32_t tag)
{
	uint8_t got[SS], want[SS];

	file_sector(sector, got);
	pattern(want, sector, 1, tag);
	return memcmp(got, want, SS) == 0;
}

static void write_tag(uint64_t sector, uint32_t count, uint32_t tag, int want)
{
	static uint8_t buf[64 * SS];

	cr_assert_leq(count, 64);
	pattern(buf, sector, count, tag);
	cr_assert_eq(io(TERN_BLK_WRITE, sector, count, buf), want,
		     "write %llu+%u", (unsigned long long)sector, count);
}

/* ---- Round trips and the request protocol -------------------------------*/

Test(filedisk, random_requests_round_trip_against_a_model)
{
	static uint8_t model[SECTORS * SS], buf[8][16 * SS];
	struct tern_rand r;
	const uint64_t seed = 2024;

	tern_rand_seed(&r, seed);
	open_disk(NULL);
	cr_assert_eq(disk.dev.sector_size, SS);
	cr_assert_eq(disk.dev.sector_count, SECTORS);
	cr_assert_str_eq(disk.dev.name, "disk");
	for (int round = 0; round < 400; round++) {
		/* A batch of up to 8 requests on disjoint ranges in flight
		 * together, so the result does not depend on their order. */
		struct tern_blk_req req[8];
		struct done_log log = { 0 };
		unsigned n = 1 + (unsigned)tern_rand_below(&r, 8);

		for (unsigned i = 0; i < n; i++) {
			uint32_t count = 1 + (uint32_t)tern_rand_below(&r, 16);
			uint64_t slice = SECTORS / 8;
			uint64_t sector =
				i * slice + tern_rand_below(&r, slice - count);
			bool write = tern_rand_below(&r, 2);

			if (write) {
				tern_rand_fill(&r, buf[i], (size_t)count * SS);
				memcpy(model + sector * SS, buf[i],
				       (size_t)count * SS);
			}
			prep(&req[i], write ? TERN_BLK_WRITE : TERN_BLK_READ,
			     sector, count, buf[i], &log);
			cr_assert_eq(tern_blkdev_submit(&disk.dev, &req[i]), 0);
		}
		cr_assert_eq(log.calls, 0);
		cr_assert_eq(tern_blkdev_poll(&disk.dev), (int)n);
		cr_assert_eq(log.calls, n);
		for (unsigned i = 0; i < n; i++) {
			cr_assert_eq(req[i].status, 0, "seed %llu",
				     (unsigned long long)seed);
			cr_assert_eq(log.order[i], &req[i],
				     "reported out of order");
			if (req[i].op == TERN_BLK_READ)
				cr_assert_arr_eq(buf[i],
						 model + req[i].sector * SS,
						 (size_t)req[i].count * SS,
						 "round %d seed %llu", round,
						 (unsigned long long)seed);
		}
	}
	cr_assert_eq(flush(), 0);
	close_disk();

	/* The file holds the model, through a new device and directly. */
	open_disk(NULL);
	for (uint64_t s = 0; s < SECTORS; s += 16) {
		cr_assert_eq(io(TERN_BLK_READ, s, 16, buf[0]), 0);
		cr_assert_arr_eq(buf[0], model + s * SS, 16 * SS);
	}
	uint8_t direct[SS];
	file_sector(SECTORS - 1, direct);
	cr_assert_arr_eq(direct, model + (SECTORS - 1) * SS, SS);
	cr_assert_eq(disk.stats.read_errors + disk.stats.write_errors, 0);
}

/* Splits count sectors of buf into random segments (at most max). */
static uint32_t split(struct tern_rand *r, uint8_t *buf, uint32_t count,
		      struct tern_blk_seg *segs, uint32_t max)
{
	uint32_t n = 0;

	while (count > 0) {
		uint32_t k = n + 1 == max
				     ? count
				     : 1 + (uint32_t)tern_rand_below(r, count);

		segs[n].buf = buf;
		segs[n].count = k;
		buf += (size_t)k * SS;
		count -= k;
		n++;
	}
	return n;
}

/* Submits a scattered request and polls it; returns its status. */
static int io_segs(enum tern_blk_op op, uint64_t sector, uint32_t count,
		   const struct tern_blk_seg *segs, uint32_t nsegs)
{
	struct done_log log = { 0 };
	struct tern_blk_req req;

	prep(&req, op, sector, count, NULL, &log);
	req.segs = segs;
	req.nsegs = nsegs;
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), 0);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 1);
	cr_assert_eq(log.calls, 1);
	return req.status;
}

Test(filedisk, scattered_requests_round_trip_in_any_split)
{
	static uint8_t out[64 * SS], in[64 * SS], want[64 * SS];
	struct tern_blk_seg segs[TERN_FILEDISK_SEGS_MAX];
	struct tern_rand r;

	tern_rand_seed(&r, 77);
	open_disk(NULL);
	cr_assert_eq(disk.dev.max_segments, TERN_FILEDISK_SEGS_MAX);
	for (uint32_t round = 0; round < 200; round++) {
		uint32_t count = 1 + (uint32_t)tern_rand_below(&r, 64);
		uint64_t sector = tern_rand_below(&r, SECTORS - count);
		uint32_t n;

		pattern(out, sector, count, round);
		n = split(&r, out, count, segs,
			  1 + (uint32_t)tern_rand_below(&r, 16));
		cr_assert_eq(io_segs(TERN_BLK_WRITE, sector, count, segs, n),
			     0);
		for (uint32_t s = 0; s < count; s += 7)
			cr_assert(file_has(sector + s, round));
		memset(in, 0, sizeof(in));
		n = split(&r, in, count, segs, TERN_FILEDISK_SEGS_MAX);
		cr_assert_eq(io_segs(TERN_BLK_READ, sector, count, segs, n), 0);
		pattern(want, sector, count, round);
		cr_assert_arr_eq(in, want, (size_t)count * SS, "round %u",
				 round);
	}
	cr_assert_eq(disk.stats.reads, 200);
	cr_assert_eq(disk.stats.writes, 200);
}

Test(filedisk, a_torn_scattered_write_lands_a_prefix_across_segments)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS, .seed = 35 };
	static uint8_t buf[16 * SS];
	struct tern_blk_seg segs[4] = {
		{ buf, 3 },
		{ buf + 3 * SS, 5 },
		{ buf + 8 * SS, 1 },
		{ buf + 9 * SS, 7 },
	};
	unsigned seen_past_first = 0;

	open_disk(&o);
	for (uint32_t i = 0; i < 100; i++) {
		uint64_t sector = (i * 16) % SECTORS;
		unsigned prefix = 0;

		tern_filedisk_set_faults(&disk,
					 &(struct tern_filedisk_faults){ 0 });
		write_tag(sector, 16, i, 0);
		tern_filedisk_set_faults(&disk, &(struct tern_filedisk_faults){
							.torn_ppm = 1000000 });
		pattern(buf, sector, 16, 500 + i);
		cr_assert_eq(io_segs(TERN_BLK_WRITE, sector, 16, segs, 4),
			     -TERN_EIO);
		while (prefix < 16 && file_has(sector + prefix, 500 + i))
			prefix++;
		cr_assert_lt(prefix, 16);
		for (unsigned s = prefix; s < 16; s++)
			cr_assert(file_has(sector + s, i), "sector %u", s);
		seen_past_first += prefix > 3;
	}
	cr_assert_gt(seen_past_first, 0, "no prefix crossed a segment");
}

Test(filedisk, larger_sectors_and_a_fresh_file_reads_as_zeros)
{
	struct tern_filedisk_opts o = { .sector_size = 4096,
					.size = 64 * 4096,
					.create = true,
					.name = "blk1" };
	static uint8_t buf[4 * 4096], zero[4 * 4096];

	unlink(path);
	open_disk(&o);
	cr_assert_eq(disk.dev.sector_size, 4096);
	cr_assert_eq(disk.dev.sector_count, 64);
	cr_assert_str_eq(disk.dev.name, "blk1");
	cr_assert_eq(io(TERN_BLK_READ, 60, 4, buf), 0);
	cr_assert_arr_eq(buf, zero, sizeof(buf));
	memset(buf, 0x5a, sizeof(buf));
	cr_assert_eq(io(TERN_BLK_WRITE, 60, 4, buf), 0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(io(TERN_BLK_READ, 63, 1, buf), 0);
	cr_assert_eq(buf[4095], 0x5a);
}

Test(filedisk, completions_come_only_from_poll_and_in_submit_order)
{
	static uint8_t a[SS], b[SS];
	struct done_log log = { 0 };
	struct tern_blk_req req[3];

	open_disk(NULL);
	prep(&req[0], TERN_BLK_WRITE, 5, 1, a, &log);
	prep(&req[1], TERN_BLK_FLUSH, 0, 0, NULL, &log);
	prep(&req[2], TERN_BLK_READ, 5, 1, b, &log);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(tern_blkdev_submit(&disk.dev, &req[i]), 0);
		cr_assert_eq(log.calls, 0);
		cr_assert_eq(tern_blkdev_pending(&disk.dev), (unsigned)i + 1);
	}
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(log.order[i], &req[i]);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 0, "reported twice");
	cr_assert_eq(log.calls, 3);
}

/* A done() that submits a follow-up request: reported at the next poll. */
static struct tern_blk_req chain_next;
static struct done_log chain_log;

static void on_done_chain(struct tern_blk_req *req)
{
	(void)req;
	chain_log.calls++;
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &chain_next), 0);
}

Test(filedisk, a_request_submitted_from_done_is_reported_at_the_next_poll)
{
	static uint8_t buf[SS];
	struct tern_blk_req first;

	open_disk(NULL);
	prep(&first, TERN_BLK_READ, 0, 1, buf, NULL);
	first.done = on_done_chain;
	prep(&chain_next, TERN_BLK_READ, 1, 1, buf, &chain_log);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &first), 0);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 1);
	cr_assert_eq(chain_log.calls, 1);
	cr_assert_eq(tern_blkdev_pending(&disk.dev), 1);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 1);
	cr_assert_eq(chain_log.calls, 2);
}

Test(filedisk, out_of_range_requests_are_einval)
{
	struct tern_filedisk_opts o = { .size = 100 * SS, .max_sectors = 8 };
	static uint8_t buf[16 * SS];
	struct tern_blk_req req;

	open_disk(&o);
	prep(&req, TERN_BLK_READ, 100, 1, buf, NULL);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), -TERN_EINVAL);
	prep(&req, TERN_BLK_WRITE, 95, 6, buf, NULL);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), -TERN_EINVAL);
	prep(&req, TERN_BLK_READ, UINT64_MAX, 2, buf, NULL);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), -TERN_EINVAL);
	prep(&req, TERN_BLK_READ, 0, 0, buf, NULL);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), -TERN_EINVAL);
	prep(&req, TERN_BLK_READ, 0, 9, buf, NULL);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req), -TERN_EINVAL,
		     "max_sectors");
	/* The device checks too, for callers that bypass the wrapper. */
	prep(&req, TERN_BLK_READ, 99, 2, buf, NULL);
	cr_assert_eq(disk.dev.ops->submit(&disk.dev, &req), -TERN_EINVAL);
	cr_assert_eq(tern_blkdev_pending(&disk.dev), 0);
	/* The last sector is fine. */
	cr_assert_eq(io(TERN_BLK_READ, 92, 8, buf), 0);
}

Test(filedisk, a_full_queue_is_eagain_until_the_next_poll)
{
	struct tern_filedisk_opts o = { .size = 100 * SS, .queue_depth = 4 };
	static uint8_t buf[SS];
	struct tern_blk_req req[5];
	struct done_log log = { 0 };

	open_disk(&o);
	for (int i = 0; i < 5; i++)
		prep(&req[i], TERN_BLK_READ, (uint64_t)i, 1, buf, &log);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tern_blkdev_submit(&disk.dev, &req[i]), 0);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req[4]), -TERN_EAGAIN);
	cr_assert_eq(disk.stats.eagain, 1);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 4);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &req[4]), 0);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 1);
	cr_assert_eq(log.calls, 5);
}

/* ---- Open ---------------------------------------------------------------*/

Test(filedisk, open_reports_each_error)
{
	struct tern_filedisk d2;
	struct tern_filedisk_opts o = { 0 };

	/* The fixture's file is empty: 0 sectors. */
	cr_assert_eq(tern_filedisk_open(&d2, path, NULL), -TERN_EINVAL);
	cr_assert_eq(tern_filedisk_open(&d2, "/nonexistent/tern.img", NULL),
		     -TERN_ENOENT);
	cr_assert_eq(tern_filedisk_open(&d2, "/tmp", NULL), -TERN_EISDIR);
	o.sector_size = 1000;
	cr_assert_eq(tern_filedisk_open(&d2, path, &o), -TERN_EINVAL);
	o.sector_size = 0;
	o.size = 1000;
	cr_assert_eq(tern_filedisk_open(&d2, path, &o), -TERN_EINVAL);
	o.size = 0;
	o.read_only = true;
	o.create = true;
	cr_assert_eq(tern_filedisk_open(&d2, path, &o), -TERN_EINVAL);
	o.create = false;
	o.size = 8 * SS; /* read-only cannot extend the file */
	cr_assert_eq(tern_filedisk_open(&d2, path, &o), -TERN_EINVAL);
	o.read_only = false;
	o.faults.torn_ppm = 1000001;
	cr_assert_eq(tern_filedisk_open(&d2, path, &o), -TERN_EINVAL);

	/* Locked while open. */
	open_disk(NULL);
	cr_assert_eq(tern_filedisk_open(&d2, path, NULL), -TERN_EBUSY);
	close_disk();
	cr_assert_eq(tern_filedisk_open(&d2, path, NULL), 0);
	cr_assert_eq(d2.dev.sector_count, SECTORS, "size 0 takes the file's");
	tern_filedisk_close(&d2);
}

Test(filedisk, read_only_disk_reads_and_fails_writes_with_eio)
{
	struct tern_filedisk_opts o = { .read_only = true };
	static uint8_t buf[SS];

	open_disk(NULL);
	write_tag(3, 1, 7, 0);
	close_disk();
	open_disk(&o);
	cr_assert_eq(io(TERN_BLK_READ, 3, 1, buf), 0);
	cr_assert_eq(io(TERN_BLK_WRITE, 3, 1, buf), -TERN_EIO);
	cr_assert_eq(io(TERN_BLK_FLUSH, 0, 0, NULL), 0);
	cr_assert(file_has(3, 7));
	cr_assert_eq(disk.stats.write_errors, 1);
}

/* ---- Faults -------------------------------------------------------------*/

Test(filedisk, bad_sectors_fail_reads_and_writes_as_chosen)
{
	static uint8_t buf[16 * SS];

	open_disk(NULL);
	for (uint64_t s = 0; s < 32; s += 8)
		write_tag(s, 8, 1, 0);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 10,
					       TERN_FILEDISK_FAIL_READ),
		     0);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 20,
					       TERN_FILEDISK_FAIL_WRITE),
		     0);

	cr_assert_eq(io(TERN_BLK_READ, 8, 4, buf), -TERN_EIO);
	cr_assert_eq(io(TERN_BLK_READ, 10, 1, buf), -TERN_EIO);
	cr_assert_eq(io(TERN_BLK_READ, 0, 10, buf), 0);
	cr_assert_eq(io(TERN_BLK_READ, 11, 8, buf), 0);
	write_tag(10, 1, 2, 0); /* writable, only unreadable */
	cr_assert(file_has(10, 2));

	/* A write over the bad sector lands up to it, then fails. */
	write_tag(16, 8, 3, -TERN_EIO);
	for (uint64_t s = 16; s < 24; s++)
		cr_assert(file_has(s, s < 20 ? 3 : 1), "sector %llu",
			  (unsigned long long)s);
	cr_assert_eq(io(TERN_BLK_READ, 20, 1, buf), 0, "still readable");
	cr_assert_eq(disk.stats.bad_sector_hits, 3);

	/* Healing. */
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 10, 0), 0);
	cr_assert_eq(io(TERN_BLK_READ, 8, 4, buf), 0);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, SECTORS, 1),
		     -TERN_EINVAL);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 1, 4), -TERN_EINVAL);
	for (unsigned i = 0; i < TERN_FILEDISK_BAD_MAX - 1; i++)
		cr_assert_eq(tern_filedisk_fail_sector(&disk, 100 + i, 1), 0);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 99, 1), -TERN_ENOSPC);
	cr_assert_eq(tern_filedisk_fail_sector(&disk, 100, 3), 0,
		     "update in place");
}

Test(filedisk, read_error_rate_is_within_bounds_and_harmless)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS,
					.seed = 31,
					.faults.read_eio_ppm = 100000 };
	static uint8_t buf[SS], want[SS];
	uint64_t fails = 0;
	const uint64_t n = 4000;

	open_disk(&o);
	struct tern_filedisk_faults none = { 0 };
	tern_filedisk_set_faults(&disk, &none);
	write_tag(9, 1, 4, 0);
	tern_filedisk_set_faults(&disk, &o.faults);
	pattern(want, 9, 1, 4);
	for (uint64_t i = 0; i < n; i++) {
		int st = io(TERN_BLK_READ, 9, 1, buf);

		cr_assert(st == 0 || st == -TERN_EIO);
		if (st == 0)
			cr_assert_arr_eq(buf, want, SS);
		fails += st != 0;
	}
	assert_binomial(fails, n, 0.1, 31, "read errors");
	cr_assert_eq(disk.stats.read_errors, fails);
	cr_assert_eq(disk.stats.injected, fails);
}

Test(filedisk, write_error_rate_lands_nothing_on_failure)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS,
					.seed = 32,
					.faults.write_eio_ppm = 100000 };
	uint64_t fails = 0;
	const uint64_t n = 2000;

	open_disk(&o);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t sector = (i * 4) % SECTORS;
		static uint8_t buf[4 * SS];
		int st;

		pattern(buf, sector, 4, (uint32_t)i + 1000);
		st = io(TERN_BLK_WRITE, sector, 4, buf);
		cr_assert(st == 0 || st == -TERN_EIO);
		for (uint64_t s = sector; s < sector + 4; s++)
			cr_assert_eq(file_has(s, (uint32_t)i + 1000), st == 0,
				     "write %llu status %d",
				     (unsigned long long)i, st);
		fails += st != 0;
	}
	assert_binomial(fails, n, 0.1, 32, "write errors");
	cr_assert_eq(disk.stats.write_errors, fails);
}

Test(filedisk, torn_writes_land_a_prefix_and_report_eio)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS,
					.seed = 33,
					.faults.torn_ppm = 1000000 };
	unsigned seen[8] = { 0 };

	open_disk(&o);
	for (uint32_t i = 0; i < 200; i++) {
		uint64_t sector = (i * 8) % SECTORS;
		uint32_t old = i, new = 1000 + i;
		unsigned prefix = 0;

		tern_filedisk_set_faults(&disk,
					 &(struct tern_filedisk_faults){ 0 });
		write_tag(sector, 8, old, 0);
		tern_filedisk_set_faults(&disk, &o.faults);
		write_tag(sector, 8, new, -TERN_EIO);
		while (prefix < 8 && file_has(sector + prefix, new))
			prefix++;
		cr_assert_lt(prefix, 8, "a torn write never lands whole");
		for (unsigned s = prefix; s < 8; s++)
			cr_assert(
				file_has(sector + s, old),
				"write %u: sector %u after the prefix changed",
				i, s);
		seen[prefix]++;
	}
	/* The prefix is drawn, not fixed: most lengths occur. */
	unsigned lengths = 0;
	for (unsigned k = 0; k < 8; k++)
		lengths += seen[k] > 0;
	cr_assert_geq(lengths, 6);
	cr_assert_eq(disk.stats.torn_writes, 200);
	/* A one-sector write cannot tear (sectors are atomic). */
	write_tag(0, 1, 5, 0);
}

Test(filedisk, flush_error_rate_reports_eio)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS,
					.seed = 34,
					.faults.flush_eio_ppm = 250000 };
	uint64_t fails = 0;

	open_disk(&o);
	for (int i = 0; i < 2000; i++) {
		int st = flush();

		cr_assert(st == 0 || st == -TERN_EIO);
		fails += st != 0;
	}
	assert_binomial(fails, 2000, 0.25, 34, "flush errors");
	cr_assert_eq(disk.stats.flush_errors, fails);
}

/* The statuses of a fixed workload under every fault rate, as a hash. */
static uint64_t fault_run(uint64_t seed)
{
	struct tern_filedisk_opts o = {
		.size = SECTORS * SS,
		.seed = seed,
		.faults = { .read_eio_ppm = 50000,
			    .write_eio_ppm = 50000,
			    .torn_ppm = 50000,
			    .flush_eio_ppm = 50000 },
	};
	static uint8_t buf[4 * SS];
	uint64_t h = 0;

	open_disk(&o);
	for (int i = 0; i < 1000; i++) {
		enum tern_blk_op op = (enum tern_blk_op)(i % 3);
		int st = io(op, (uint64_t)(i % 500),
			    op == TERN_BLK_FLUSH ? 0 : 4,
			    op == TERN_BLK_FLUSH ? NULL : buf);

		h = h * 31 + (uint64_t)(-st) + 1;
	}
	close_disk();
	return h;
}

Test(filedisk, faults_replay_from_the_seed)
{
	uint64_t a = fault_run(77), b = fault_run(77), c = fault_run(78);

	cr_assert_eq(a, b);
	cr_assert_neq(a, c);
}

/* ---- Power cuts ---------------------------------------------------------*/

static struct tern_filedisk_opts cut_opts(uint32_t undo)
{
	struct tern_filedisk_opts o = { .size = SECTORS * SS,
					.undo_sectors = undo,
					.seed = 35 };
	return o;
}

Test(filedisk, power_cut_loses_exactly_the_unflushed_writes)
{
	struct tern_filedisk_opts o = cut_opts(1024);

	open_disk(&o);
	write_tag(0, 8, 1, 0);	  /* A: 0..7 */
	cr_assert_eq(flush(), 0); /* A durable */
	write_tag(4, 8, 2, 0);	  /* B: 4..11, completed, not flushed */
	write_tag(100, 2, 3, 0);  /* C */
	cr_assert_eq(tern_filedisk_unflushed(&disk), 10);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 10);
	cr_assert_eq(tern_filedisk_unflushed(&disk), 0);
	for (uint64_t s = 0; s < 8; s++)
		cr_assert(file_has(s, 1), "durable sector %llu lost",
			  (unsigned long long)s);
	uint8_t zero[SS] = { 0 }, got[SS];
	for (uint64_t s = 8; s < 12; s++) {
		file_sector(s, got);
		cr_assert_arr_eq(got, zero, SS, "unflushed sector %llu kept",
				 (unsigned long long)s);
	}
	file_sector(100, got);
	cr_assert_arr_eq(got, zero, SS);
	cr_assert_eq(disk.stats.power_cuts, 1);
	cr_assert_eq(disk.stats.sectors_reverted, 10);
	cr_assert_eq(disk.stats.undo_destaged, 0);

	/* The disk goes on working, and a second cut has nothing to lose. */
	write_tag(50, 1, 4, 0);
	cr_assert_eq(flush(), 0);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 0);
	cr_assert(file_has(50, 4));
}

Test(filedisk, overwrite_of_a_durable_sector_rolls_back_to_the_durable_data)
{
	struct tern_filedisk_opts o = cut_opts(64);

	open_disk(&o);
	write_tag(7, 1, 1, 0);
	cr_assert_eq(flush(), 0);
	write_tag(7, 1, 2, 0);
	write_tag(7, 1, 3, 0);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 2);
	cr_assert(file_has(7, 1));
}

Test(filedisk, a_flush_covers_only_writes_reported_before_it_was_submitted)
{
	struct tern_filedisk_opts o = cut_opts(64);
	static uint8_t buf[SS];
	struct tern_blk_req w, f;
	struct done_log log = { 0 };

	open_disk(&o);
	/* Write and flush in flight together: the flush was submitted before
	 * the write's completion, so it does not make the write durable. */
	pattern(buf, 3, 1, 9);
	prep(&w, TERN_BLK_WRITE, 3, 1, buf, &log);
	prep(&f, TERN_BLK_FLUSH, 0, 0, NULL, &log);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &w), 0);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &f), 0);
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 2);
	cr_assert_eq(w.status, 0);
	cr_assert_eq(f.status, 0);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 1);
	cr_assert(!file_has(3, 9));

	/* Done the contract's way, it survives. */
	write_tag(3, 1, 9, 0);
	cr_assert_eq(flush(), 0);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 0);
	cr_assert(file_has(3, 9));
}

Test(filedisk, a_failed_flush_makes_nothing_durable)
{
	struct tern_filedisk_opts o = cut_opts(64);

	o.faults.flush_eio_ppm = 1000000;
	open_disk(&o);
	write_tag(3, 2, 5, 0);
	cr_assert_eq(flush(), -TERN_EIO);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 2);
	cr_assert(!file_has(3, 5));
	cr_assert(!file_has(4, 5));
}

Test(filedisk, requests_in_flight_at_a_power_cut_fail_and_are_undone)
{
	struct tern_filedisk_opts o = cut_opts(64);
	static uint8_t buf[2 * SS], rbuf[SS];
	struct tern_blk_req w, r, f;
	struct done_log log = { 0 };

	open_disk(&o);
	write_tag(40, 2, 1, 0);
	cr_assert_eq(flush(), 0);
	pattern(buf, 40, 2, 2);
	prep(&w, TERN_BLK_WRITE, 40, 2, buf, &log);
	prep(&r, TERN_BLK_READ, 40, 1, rbuf, &log);
	prep(&f, TERN_BLK_FLUSH, 0, 0, NULL, &log);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &w), 0);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &r), 0);
	cr_assert_eq(tern_blkdev_submit(&disk.dev, &f), 0);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 2);
	cr_assert_eq(log.calls, 0, "a power cut reports nothing by itself");
	cr_assert_eq(tern_blkdev_poll(&disk.dev), 3);
	cr_assert_eq(w.status, -TERN_EIO);
	cr_assert_eq(r.status, -TERN_EIO);
	cr_assert_eq(f.status, -TERN_EIO);
	cr_assert(file_has(40, 1));
	cr_assert(file_has(41, 1));
}

Test(filedisk, keeping_a_subset_leaves_each_sector_at_one_of_its_versions)
{
	struct tern_filedisk_opts o = cut_opts(1024);
	unsigned at[4] = { 0 };

	open_disk(&o);
	/* Durable version 0, then three unflushed versions of 200 sectors. */
	for (uint64_t s = 0; s < 200; s += 50)
		write_tag(s, 50, 100, 0);
	cr_assert_eq(flush(), 0);
	for (uint32_t v = 1; v <= 3; v++)
		for (uint64_t s = 0; s < 200; s += 50)
			write_tag(s, 50, 100 + v, 0);
	int reverted = tern_filedisk_power_cut(&disk, 500000);
	cr_assert_gt(reverted, 0);
	for (uint64_t s = 0; s < 200; s++) {
		int which = -1;

		for (uint32_t v = 0; v <= 3; v++)
			if (file_has(s, 100 + v))
				which = (int)v;
		cr_assert_geq(which, 0, "sector %llu is no version of itself",
			      (unsigned long long)s);
		at[which]++;
	}
	/* Keeping each newest write with p = 1/2 puts about half the
	 * sectors at version 3; the rest spread over 0..2. */
	cr_assert_gt(at[3], 50);
	cr_assert_lt(at[3], 150);
	cr_assert_gt(at[0] + at[1] + at[2], 50);
	cr_assert_eq(disk.stats.sectors_reverted + disk.stats.sectors_kept,
		     600);
}

Test(filedisk, a_full_undo_log_destages_the_oldest_writes)
{
	struct tern_filedisk_opts o = cut_opts(8);

	open_disk(&o);
	write_tag(0, 8, 1, 0);
	write_tag(8, 8, 2, 0);
	cr_assert_eq(disk.stats.undo_destaged, 8);
	cr_assert_eq(tern_filedisk_unflushed(&disk), 8);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), 8);
	for (uint64_t s = 0; s < 8; s++)
		cr_assert(file_has(s, 1), "destaged write was lost");
	for (uint64_t s = 8; s < 16; s++)
		cr_assert(!file_has(s, 2));
}

Test(filedisk, power_cut_needs_an_undo_log)
{
	open_disk(NULL);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 0), -TERN_ENOTSUP);
	close_disk();
	struct tern_filedisk_opts o = cut_opts(4);
	open_disk(&o);
	cr_assert_eq(tern_filedisk_power_cut(&disk, 1000001), -TERN_EINVAL);
}

Test(filedisk, random_workload_survives_power_cuts_as_the_contract_says)
{
	/* A model of durable and current contents; after each cut the disk
	 * must equal the durable model exactly (keep_ppm 0). */
	struct tern_filedisk_opts o = cut_opts(4096);
	static uint8_t durable[256 * SS], current[256 * SS], pending[256 * SS];
	static uint8_t buf[8 * SS];
	struct tern_rand r;
	const uint64_t seed = 36;

	o.size = 256 * SS;
	tern_rand_seed(&r, seed);
	open_disk(&o);
	for (int round = 0; round < 300; round++) {
		unsigned what = (unsigned)tern_rand_below(&r, 10);

		if (what < 6) {
			uint32_t count = 1 + (uint32_t)tern_rand_below(&r, 8);
			uint64_t sector = tern_rand_below(&r, 256 - count + 1);

			tern_rand_fill(&r, buf, (size_t)count * SS);
			cr_assert_eq(io(TERN_BLK_WRITE, sector, count, buf), 0);
			memcpy(current + sector * SS, buf, (size_t)count * SS);
		} else if (what < 9) {
			cr_assert_eq(flush(), 0);
			memcpy(durable, current, sizeof(current));
		} else {
			cr_assert_geq(tern_filedisk_power_cut(&disk, 0), 0);
			memcpy(current, durable, sizeof(current));
		}
		if (round % 25 == 0) {
			for (uint64_t s = 0; s < 256; s += 8) {
				cr_assert_eq(io(TERN_BLK_READ, s, 8, pending),
					     0);
				cr_assert_arr_eq(pending, current + s * SS,
						 8 * SS, "round %d seed %llu",
						 round,
						 (unsigned long long)seed);
			}
		}
	}
	cr_assert_geq(tern_filedisk_power_cut(&disk, 0), 0);
	for (uint64_t s = 0; s < 256; s += 8) {
		cr_assert_eq(io(TERN_BLK_READ, s, 8, pending), 0);
		cr_assert_arr_eq(pending, durable + s * SS, 8 * SS);
	}
	cr_assert_eq(disk.stats.undo_destaged, 0);
}
