/*
 * blk/main.c - the virtio-blk round trip: on every disk it is given, the
 * image writes a seeded pattern to a set of ranges (several requests in
 * flight at once, sizes from one sector to max_sectors, the last sector of
 * the disk), flushes, reads everything back and compares, reads a range it
 * never wrote (zeros on the fresh image the test made), and checks that
 * out-of-range requests are refused. When the disk takes scattered
 * requests (virtio indirect descriptors), every range of 4 sectors or more
 * goes as 4 buffers laid out in reverse disk order in memory. check.py
 * then verifies the same
 * pattern in the disk image files after QEMU exited, which proves the data
 * reached the host's file, not just the guest's view.
 *
 * The pattern of sector s: byte i is byte (i % 8) of mix(seed, s), xor
 * (i / 8) & 0xff - check.py computes the same.
 */
#include <string.h>

#include "tern/app.h"
#include "tern/dev.h"
#include "tern/log.h"

#define MAX_REQS 8
#define SEGS 4

struct range {
	uint64_t sector;
	uint32_t count;
};

struct io {
	struct tern_blk_req req;
	struct tern_blk_seg segs[SEGS];
	int done;
};

static uint64_t mix(uint64_t seed, uint64_t sector)
{
	uint64_t z = seed * 1000003u + sector + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(uint8_t *buf, uint64_t seed, uint64_t sector, uint32_t count,
		 uint32_t ssize)
{
	for (uint32_t k = 0; k < count; k++) {
		uint64_t v = mix(seed, sector + k);
		uint8_t *p = buf + (size_t)k * ssize;

		for (uint32_t i = 0; i < ssize; i++)
			p[i] = (uint8_t)((v >> (8 * (i % 8))) ^ (i / 8));
	}
}

/* Gives io's request (op, sector and count set) the memory buf: SEGS
 * buffers in reverse disk order if dev takes them, else buf itself.
 * Returns true if scattered. */
static bool set_buffers(struct io *io, const struct tern_blkdev *dev,
			uint8_t *buf)
{
	uint32_t count = io->req.count, end = count;

	if (dev->max_segments < SEGS || count < SEGS) {
		io->req.buf = buf;
		return false;
	}
	for (unsigned k = 0; k < SEGS; k++) {
		uint32_t c = k + 1 < SEGS ? count / SEGS
					  : count - (SEGS - 1) * (count / SEGS);

		end -= c;
		io->segs[k].buf = buf + (size_t)end * dev->sector_size;
		io->segs[k].count = c;
	}
	io->req.segs = io->segs;
	io->req.nsegs = SEGS;
	return true;
}

/* Fills io's buffers with the pattern of its sectors. */
static void fill_io(struct io *io, uint64_t seed, uint32_t ss)
{
	for (uint32_t k = 0; k < io->req.count; k++)
		fill(tern_blk_req_sector(&io->req, ss, k), seed,
		     io->req.sector + k, 1, ss);
}

/* True if io's buffers hold the pattern of its sectors (want: one
 * sector of scratch). */
static bool io_has_pattern(const struct io *io, uint64_t seed, uint32_t ss,
			   uint8_t *want)
{
	for (uint32_t k = 0; k < io->req.count; k++) {
		fill(want, seed, io->req.sector + k, 1, ss);
		if (memcmp(want, tern_blk_req_sector(&io->req, ss, k), ss))
			return false;
	}
	return true;
}

static void on_done(struct tern_blk_req *req)
{
	struct io *io = req->ctx;

	io->done = 1;
}

/* Submits n requests at once and waits for all; returns the number that
 * failed (submit or completion). */
static int run_batch(struct tern_blkdev *dev, struct io *ios, unsigned n)
{
	unsigned left = n;
	int failed = 0;

	for (unsigned i = 0; i < n; i++) {
		int rc;

		ios[i].done = 0;
		ios[i].req.done = on_done;
		ios[i].req.ctx = &ios[i];
		while ((rc = tern_blkdev_submit(dev, &ios[i].req)) ==
		       -TERN_EAGAIN) {
			tern_blkdev_poll(dev);
			tern_wait(tern_clock_monotonic() + TERN_NSEC_PER_MSEC);
		}
		if (rc < 0) {
			tern_log_error("blk: %s: submit: %s", dev->name,
				       tern_strerror(rc));
			ios[i].done = 1;
			failed++;
		}
	}
	for (int turns = 0; turns < 100000; turns++) {
		left = 0;
		tern_blkdev_poll(dev);
		for (unsigned i = 0; i < n; i++)
			left += !ios[i].done;
		if (!left)
			break;
		tern_wait(tern_clock_monotonic() + 100 * TERN_NSEC_PER_MSEC);
	}
	if (left) {
		tern_log_error("blk: %s: %u requests never completed",
			       dev->name, left);
		return failed + (int)left;
	}
	for (unsigned i = 0; i < n; i++)
		if (ios[i].req.status) {
			tern_log_error("blk: %s: request %u: %s", dev->name, i,
				       tern_strerror(ios[i].req.status));
			failed++;
		}
	return failed;
}

static int check_disk(struct tern_blkdev *dev, uint64_t seed)
{
	static struct io ios[MAX_REQS];
	uint32_t ss = dev->sector_size;
	uint32_t big = dev->max_sectors ? TERN_MIN(dev->max_sectors, 2048u)
					: 2048u;
	struct range ranges[] = {
		{ 0, 1 },
		{ 1, 7 },
		{ 8, 8 },
		{ 100, 64 },
		{ 1000, 255 },
		{ 2048, big },
		{ dev->sector_count - 1, 1 },
	};
	unsigned n = TERN_ARRAY_SIZE(ranges), scattered = 0;
	uint8_t *bufs[TERN_ARRAY_SIZE(ranges)], *want;
	int bad = 0;
	struct tern_blk_req probe = { .op = TERN_BLK_READ, .done = on_done };
	uint8_t one[4096];

	if (dev->sector_count < 2048 + big + 1) {
		tern_log_error("blk: %s: disk too small", dev->name);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		bufs[i] = tern_mem_alloc((size_t)ranges[i].count * ss);
		if (!bufs[i])
			return 1;
		memset(&ios[i], 0, sizeof(ios[i]));
		ios[i].req.op = TERN_BLK_WRITE;
		ios[i].req.sector = ranges[i].sector;
		ios[i].req.count = ranges[i].count;
		scattered += set_buffers(&ios[i], dev, bufs[i]);
		fill_io(&ios[i], seed, ss);
	}
	bad += run_batch(dev, ios, n);

	memset(&ios[0], 0, sizeof(ios[0]));
	ios[0].req.op = TERN_BLK_FLUSH;
	bad += run_batch(dev, ios, 1);

	for (unsigned i = 0; i < n; i++) {
		memset(bufs[i], 0xee, (size_t)ranges[i].count * ss);
		memset(&ios[i], 0, sizeof(ios[i]));
		ios[i].req.op = TERN_BLK_READ;
		ios[i].req.sector = ranges[i].sector;
		ios[i].req.count = ranges[i].count;
		set_buffers(&ios[i], dev, bufs[i]);
	}
	bad += run_batch(dev, ios, n);
	want = tern_mem_alloc(ss);
	for (unsigned i = 0; want && i < n; i++) {
		if (!io_has_pattern(&ios[i], seed, ss, want)) {
			tern_log_error("blk: %s: sectors %llu+%u read back "
				       "wrong",
				       dev->name,
				       (unsigned long long)ranges[i].sector,
				       ranges[i].count);
			bad++;
		}
	}

	/* Never written: zeros. */
	memset(&ios[0], 0, sizeof(ios[0]));
	memset(one, 0xee, sizeof(one));
	ios[0].req.op = TERN_BLK_READ;
	ios[0].req.sector = 500;
	ios[0].req.count = 1;
	ios[0].req.buf = one;
	bad += run_batch(dev, ios, 1);
	for (uint32_t i = 0; i < ss && i < sizeof(one); i++)
		if (one[i]) {
			tern_log_error("blk: %s: unwritten sector not zero",
				       dev->name);
			bad++;
			break;
		}

	/* Out of range: refused at submit, the device never sees it. */
	probe.sector = dev->sector_count;
	probe.count = 1;
	probe.buf = one;
	if (tern_blkdev_submit(dev, &probe) != -TERN_EINVAL)
		bad++;
	if (tern_blkdev_pending(dev) != 0)
		bad++;

	for (unsigned i = 0; i < n; i++)
		tern_mem_free(bufs[i], (size_t)ranges[i].count * ss);
	tern_mem_free(want, ss);
	if (!bad)
		tern_log_info("blk: %s: %u ranges (%u scattered) written, "
			      "flushed, read back and compared",
			      dev->name, n, scattered);
	return bad;
}

static int blk_main(struct tern_boot *boot)
{
	uint64_t seed = boot->args->has_seed ? boot->args->seed : 1;
	int bad = 0;

	if (boot->n_blk == 0) {
		tern_log_error("blk: no disks");
		return 1;
	}
	for (unsigned i = 0; i < boot->n_blk; i++)
		bad += check_disk(boot->blk[i], seed + i);
	tern_log_info("blk: %s", bad ? "FAILED" : "all disks pass");
	return bad ? 1 : 0;
}

const struct tern_app tern_app = {
	.name = "blk",
	.summary = "virtio-blk round trip: write, flush, read back, compare",
	.flags = NULL,
	.main = blk_main,
};
