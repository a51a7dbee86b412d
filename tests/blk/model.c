/*
 * model.c - the block cache's model-based test runner (see model.h).
 *
 * The runner drives the cache's core directly (get/ready/put, write_begin/
 * write_end, flush_start, poll), holding up to held_max buffers across
 * operations, so reads, write-backs, flushes and evictions interleave with
 * the device's out-of-order completions. Loops that wait for the device are
 * bounded; a bound reached is a failure ("stuck").
 */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"

#define DRIVE_MAX 100000

enum {
	OP_GET,
	OP_RELEASE,
	OP_WRITE,
	OP_POLL,
	OP_SEQ,
	OP_FLUSH,
	OP_FAULTS,
	OP_POWER_CUT,
	OP_COUNT
};

_Noreturn void model_fail(const struct model *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr,
		"model: seed %llu step %llu: ", (unsigned long long)m->seed,
		(unsigned long long)m->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	abort();
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void model_pattern(uint8_t *p, uint32_t ss, uint64_t sector, uint64_t version)
{
	uint64_t x = mix(sector * 0x100000001b3ull ^ mix(version));

	tern_store_le64(p, sector);
	tern_store_le64(p + 8, version);
	/* A cheap generator is enough: any corruption or mix-up of
	 * sectors or versions changes the bytes. */
	for (uint32_t i = 16; i + 8 <= ss; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		tern_store_le64(p + i, x);
	}
}

/* The version sector's bytes at p name, or UINT64_MAX if they are not a
 * pattern of that sector. */
static uint64_t decode(const uint8_t *p, uint32_t ss, uint64_t sector)
{
	uint8_t expect[4096];
	uint64_t v = tern_load_le64(p + 8);

	TERN_ASSERT(ss <= sizeof(expect));
	if (tern_load_le64(p) != sector)
		return UINT64_MAX;
	model_pattern(expect, ss, sector, v);
	return memcmp(expect, p, ss) == 0 ? v : UINT64_MAX;
}

void model_fill_initial(uint8_t *image, uint64_t sectors, uint32_t ss)
{
	for (uint64_t s = 0; s < sectors; s++)
		model_pattern(image + s * ss, ss, s, 0);
}

static int gate_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	struct model_gate *g = tern_container_of(dev, struct model_gate, dev);

	return g->closed ? -TERN_EIO : tern_blkdev_submit(g->lower, req);
}

static int gate_poll(struct tern_blkdev *dev)
{
	return tern_blkdev_poll(
		tern_container_of(dev, struct model_gate, dev)->lower);
}

static unsigned gate_pending(const struct tern_blkdev *dev)
{
	return tern_blkdev_pending(
		tern_container_of(dev, const struct model_gate, dev)->lower);
}

static const struct tern_blkdev_ops gate_ops = {
	.submit = gate_submit,
	.poll = gate_poll,
	.pending = gate_pending,
};

/* Puts an open gate over lower. */
static void gate_init(struct model_gate *g, struct tern_blkdev *lower)
{
	tern_blkdev_init(&g->dev, &gate_ops, lower->name, lower->sector_size,
			 lower->sector_count, lower->max_sectors);
	g->dev.max_segments = lower->max_segments;
	g->lower = lower;
	g->closed = false;
}

static void cache_start(struct model *m)
{
	int r;

	memset(m->mem, 0, m->mem_size);
	r = tern_bcache_init(&m->cache, &m->gate.dev, &m->cfg, m->mem,
			     m->mem_size);
	if (r)
		model_fail(m, "tern_bcache_init: %d", r);
}

void model_init(struct model *m, const struct model_dev *md,
		const struct tern_bcache_config *cfg, unsigned held_max,
		uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->md = *md;
	gate_init(&m->gate, md->dev);
	m->cfg = *cfg;
	m->seed = seed;
	tern_rand_seed(&m->rand, seed);
	m->sectors = md->dev->sector_count;
	m->ss = md->dev->sector_size;
	m->spb = cfg->block_size / m->ss;
	m->held_max = held_max < MODEL_HELD_MAX ? held_max : MODEL_HELD_MAX;
	m->mem_size = tern_bcache_mem_size(cfg);
	m->mem = malloc(m->mem_size);
	m->latest = calloc(m->sectors, sizeof(uint64_t));
	m->durable = calloc(m->sectors, sizeof(uint64_t));
	m->image = malloc(m->sectors * m->ss);
	m->block = malloc(cfg->block_size);
	m->known = malloc(m->sectors * m->ss);
	m->known_version = calloc(m->sectors, sizeof(uint64_t));
	for (unsigned i = 0; i < MODEL_FLUSHES; i++)
		m->flushes[i].snap = calloc(m->sectors, sizeof(uint64_t));
	if (!m->mem || !m->latest || !m->durable || !m->image || !m->block ||
	    !m->known || !m->known_version)
		model_fail(m, "out of memory");
	model_fill_initial(m->known, m->sectors, m->ss);
	cache_start(m);
}

static void check_stable(struct model *m)
{
	if (m->md.unstable && m->md.unstable(m->md.ctx))
		model_fail(m, "a block changed under its write-back");
}

/* The version that sector s of m->image holds, or UINT64_MAX if it is not
 * a pattern of s. Bytes equal to the ones last decoded there are that
 * version again (a compare, not a decode: most sectors never change). */
static uint64_t image_version(struct model *m, uint64_t s)
{
	const uint8_t *p = m->image + s * m->ss;
	uint8_t *known = m->known + s * m->ss;
	uint64_t v;

	if (memcmp(p, known, m->ss) == 0)
		return m->known_version[s];
	v = decode(p, m->ss, s);
	if (v != UINT64_MAX) {
		memcpy(known, p, m->ss);
		m->known_version[s] = v;
	}
	return v;
}

/* Checks every sector of image against [lo[s], hi[s]]; with adopt, the
 * model takes the versions found as latest and durable. */
static void check_image(struct model *m, const uint64_t *lo, const uint64_t *hi,
			bool adopt, const char *what)
{
	for (uint64_t s = 0; s < m->sectors; s++) {
		uint64_t v = image_version(m, s);

		if (v == UINT64_MAX)
			model_fail(m, "%s: sector %llu is corrupt", what,
				   (unsigned long long)s);
		if (v < lo[s] || v > hi[s])
			model_fail(m,
				   "%s: sector %llu holds version %llu, "
				   "allowed %llu..%llu",
				   what, (unsigned long long)s,
				   (unsigned long long)v,
				   (unsigned long long)lo[s],
				   (unsigned long long)hi[s]);
		if (adopt) {
			m->latest[s] = v;
			m->durable[s] = v;
		}
	}
	m->stats.verified_sectors += m->sectors;
}

/* Checks a ready buffer against the latest versions. */
static void verify_buf(struct model *m, const struct tern_bcache_buf *b)
{
	uint64_t first = b->blockno * m->spb;

	for (uint32_t i = 0; i < m->spb; i++) {
		const uint8_t *p = b->data + (size_t)i * m->ss;
		uint64_t s = first + i;

		if (s >= m->sectors) {
			for (uint32_t k = 0; k < m->ss; k++)
				if (p[k])
					model_fail(
						m,
						"block %llu: bytes past "
						"the device not zero",
						(unsigned long long)b->blockno);
			continue;
		}
		uint64_t v = decode(p, m->ss, s);

		if (v != m->latest[s])
			model_fail(m,
				   "block %llu sector %llu: read version %lld, "
				   "latest %llu (stale or corrupt)",
				   (unsigned long long)b->blockno,
				   (unsigned long long)s, (long long)v,
				   (unsigned long long)m->latest[s]);
	}
	m->stats.verified_sectors += m->spb;
}

/* Write and flush errors the device reported to the cache so far (the
 * cache counts them in its completion handlers). */
static uint64_t cache_write_errors(const struct model *m)
{
	return m->cache.stats.write_errors + m->cache.stats.flush_errors;
}

static void check_flushes(struct model *m)
{
	for (unsigned i = 0; i < MODEL_FLUSHES; i++) {
		struct model_flush *f = &m->flushes[i];

		if (!f->used || f->f.status == -TERN_EAGAIN)
			continue;
		f->used = false;
		if (f->f.status == 0) {
			m->stats.flush_ok++;
			for (uint64_t s = 0; s < m->sectors; s++)
				if (f->snap[s] > m->durable[s])
					m->durable[s] = f->snap[s];
			if (m->md.durable_image) {
				m->md.durable_image(m->md.ctx, m->image);
				check_image(m, f->snap, m->latest, false,
					    "after a flush");
			}
		} else if (f->f.status == -TERN_EIO) {
			m->stats.flush_errors++;
			if (cache_write_errors(m) == f->dev_errors)
				model_fail(m, "flush failed but no write or "
					      "device flush failed since it "
					      "started");
		} else {
			model_fail(m, "flush status %d", f->f.status);
		}
	}
}

static void poll_once(struct model *m)
{
	tern_bcache_poll(&m->cache);
	check_flushes(m);
}

/* Polls until done(m, arg) holds; fails after DRIVE_MAX polls or when
 * nothing is in flight that could change anything. */
static void drive(struct model *m, bool (*done)(struct model *, void *),
		  void *arg, const char *what)
{
	for (unsigned i = 0; i < DRIVE_MAX; i++) {
		if (done(m, arg))
			return;
		poll_once(m);
		if (tern_blkdev_pending(m->md.dev) == 0 &&
		    tern_bcache_inflight(&m->cache) == 0 && !done(m, arg))
			model_fail(m, "stuck waiting for %s", what);
	}
	model_fail(m, "no progress waiting for %s", what);
}

static bool buf_ready(struct model *m, void *arg)
{
	(void)m;
	return tern_bcache_ready(arg) != -TERN_EAGAIN;
}

static void release(struct model *m, unsigned idx)
{
	struct tern_bcache_buf *b = m->held[idx];
	int r = tern_bcache_ready(b);

	if (r == 0) {
		verify_buf(m, b);
		m->stats.read_ok++;
	} else if (r != -TERN_EAGAIN) {
		if (r != -TERN_EIO || m->cache.stats.read_errors == 0 ||
		    m->md.read_errors(m->md.ctx) == 0)
			model_fail(m,
				   "block %llu: read error %d not from the "
				   "device",
				   (unsigned long long)b->blockno, r);
		m->stats.read_errors++;
	}
	tern_bcache_put(&m->cache, b);
	m->held[idx] = m->held[--m->nheld];
}

static void check_no_slot(struct model *m, int r)
{
	m->stats.no_slot++;
	if (r == -TERN_EAGAIN)
		return;
	if (r != -TERN_ENOMEM)
		model_fail(m, "get failed with %d", r);
	/* Only failed write-backs can leave nothing to evict or wait for. */
	if (m->md.write_errors(m->md.ctx) == 0)
		model_fail(m, "-TERN_ENOMEM without any write error");
}

static uint64_t pick_block(struct model *m, uint64_t arg)
{
	uint64_t blocks = tern_bcache_blocks(&m->cache);
	uint64_t hot = blocks / 4 ? blocks / 4 : 1;

	if (arg & 1)
		return (arg >> 1) % hot;
	return (arg >> 1) % blocks;
}

static void op_get(struct model *m, uint64_t blockno)
{
	struct tern_bcache_buf *b;
	int r;

	if (m->nheld == m->held_max)
		release(m, 0);
	m->stats.gets++;
	r = tern_bcache_get(&m->cache, blockno, 0, &b);
	if (r) {
		check_no_slot(m, r);
		return;
	}
	if (b->blockno != blockno)
		model_fail(m, "got block %llu for %llu",
			   (unsigned long long)b->blockno,
			   (unsigned long long)blockno);
	m->held[m->nheld++] = b;
}

static void op_write(struct model *m, uint64_t blockno, uint64_t arg)
{
	uint64_t first = blockno * m->spb;
	uint32_t n = (uint32_t)TERN_MIN((uint64_t)m->spb, m->sectors - first);
	uint32_t lo = (uint32_t)(arg % n), hi;
	struct tern_bcache_buf *b;
	int r;

	arg /= n;
	hi = lo + 1 + (uint32_t)(arg % (n - lo));
	if (arg & 0x100)
		lo = 0, hi = n; /* often the whole block: no read */
	r = tern_bcache_get(&m->cache, blockno,
			    lo == 0 && hi == n ? TERN_BCACHE_NOREAD : 0, &b);
	if (r) {
		check_no_slot(m, r);
		return;
	}
	drive(m, buf_ready, b, "a read before a write");
	r = tern_bcache_ready(b);
	/* Wait while the block is under write-back (stable blocks). */
	for (unsigned i = 0; r == 0; i++) {
		r = tern_bcache_write_begin(&m->cache, b);
		if (r != -TERN_EAGAIN)
			break;
		if (i == DRIVE_MAX)
			model_fail(m, "write-back never ends");
		poll_once(m);
		r = 0;
	}
	if (r) {
		if (r != -TERN_EIO)
			model_fail(m, "write: unexpected %d", r);
		tern_bcache_put(&m->cache, b);
		return;
	}
	m->version++;
	for (uint32_t i = lo; i < hi; i++) {
		model_pattern(b->data + (size_t)i * m->ss, m->ss, first + i,
			      m->version);
		m->latest[first + i] = m->version;
	}
	tern_bcache_write_end(&m->cache, b);
	tern_bcache_put(&m->cache, b);
	m->stats.writes++;
}

/* A sequential burst: gets and puts a run of blocks, as a reader of a large
 * file does (drives read-ahead). */
static void op_seq(struct model *m, uint64_t arg)
{
	uint64_t blocks = tern_bcache_blocks(&m->cache);
	uint64_t start = (arg >> 4) % blocks;
	unsigned len = 2 + (unsigned)(arg & 15);

	for (unsigned i = 0; i < len && start + i < blocks; i++) {
		struct tern_bcache_buf *b;
		int r = tern_bcache_get(&m->cache, start + i, 0, &b);

		if (r) {
			check_no_slot(m, r);
			return;
		}
		drive(m, buf_ready, b, "a sequential read");
		if (tern_bcache_ready(b) == 0)
			verify_buf(m, b);
		tern_bcache_put(&m->cache, b);
	}
}

static void op_flush(struct model *m)
{
	for (unsigned i = 0; i < MODEL_FLUSHES; i++) {
		struct model_flush *f = &m->flushes[i];

		if (f->used)
			continue;
		memcpy(f->snap, m->latest, m->sectors * sizeof(uint64_t));
		f->dev_errors = cache_write_errors(m);
		f->used = true;
		tern_bcache_flush_start(&m->cache, &f->f);
		check_flushes(m);
		return;
	}
}

static void op_power_cut(struct model *m, uint32_t keep_ppm)
{
	unsigned i;

	m->md.power_cut(m->md.ctx, keep_ppm);
	/* Requests in flight fail into the old cache, which then dies with
	 * the power: its buffers, references and flushes are forgotten, and
	 * nothing it submits now reaches the disk. */
	m->gate.closed = true;
	for (i = 0; i < DRIVE_MAX && tern_blkdev_pending(m->md.dev); i++)
		tern_blkdev_poll(m->md.dev);
	if (tern_blkdev_pending(m->md.dev))
		model_fail(m, "device never drained after a power cut");
	m->gate.closed = false;
	check_stable(m);
	m->nheld = 0;
	for (i = 0; i < MODEL_FLUSHES; i++)
		m->flushes[i].used = false;
	m->md.image(m->md.ctx, m->image);
	check_image(m, m->durable, m->latest, true, "after a power cut");
	m->stats.power_cuts++;
	cache_start(m);
}

void model_op(struct model *m, uint8_t op, uint64_t arg)
{
	m->step++;
	m->stats.ops++;
	switch (op % OP_COUNT) {
	case OP_GET:
		op_get(m, pick_block(m, arg));
		break;
	case OP_RELEASE:
		if (m->nheld)
			release(m, (unsigned)(arg % m->nheld));
		break;
	case OP_WRITE:
		op_write(m, pick_block(m, arg), arg >> 20);
		break;
	case OP_POLL:
		for (unsigned i = 0; i < 1 + (arg & 3); i++)
			poll_once(m);
		break;
	case OP_SEQ:
		op_seq(m, arg);
		break;
	case OP_FLUSH:
		op_flush(m);
		break;
	case OP_FAULTS:
		m->faults_on = !m->faults_on;
		m->md.faults(m->md.ctx, m->faults_on);
		break;
	case OP_POWER_CUT:
		op_power_cut(m, (uint32_t)(arg % 1000001));
		break;
	}
	check_stable(m);
}

void model_random_op(struct model *m)
{
	/* Weights per 1000: power cuts and fault toggles are rare. */
	static const struct {
		uint8_t op;
		uint16_t weight;
	} table[] = {
		{ OP_GET, 280 },  { OP_RELEASE, 180 }, { OP_WRITE, 270 },
		{ OP_POLL, 160 }, { OP_SEQ, 50 },      { OP_FLUSH, 50 },
		{ OP_FAULTS, 7 }, { OP_POWER_CUT, 3 },
	};
	uint64_t pick = tern_rand_below(&m->rand, 1000);
	uint64_t arg = tern_rand_u64(&m->rand);

	for (unsigned i = 0; i < TERN_ARRAY_SIZE(table); i++) {
		if (pick < table[i].weight) {
			model_op(m, table[i].op, arg);
			return;
		}
		pick -= table[i].weight;
	}
	model_op(m, OP_POLL, arg);
}

static bool flushes_done(struct model *m, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < MODEL_FLUSHES; i++)
		if (m->flushes[i].used)
			return false;
	return true;
}

static bool quiet(struct model *m, void *arg)
{
	(void)arg;
	return tern_bcache_inflight(&m->cache) == 0 &&
	       tern_blkdev_pending(m->md.dev) == 0;
}

void model_finish(struct model *m)
{
	uint64_t ok;

	while (m->nheld)
		release(m, m->nheld - 1);
	m->md.faults(m->md.ctx, false);
	drive(m, flushes_done, NULL, "flushes in progress");
	/* With faults off, one flush writes everything (failed blocks are
	 * retried) and makes it durable. */
	ok = m->stats.flush_ok;
	op_flush(m);
	drive(m, flushes_done, NULL, "the final flush");
	if (m->stats.flush_ok != ok + 1)
		model_fail(m, "the final flush failed without faults");
	if (tern_bcache_dirty_count(&m->cache) != 0)
		model_fail(m, "%u blocks dirty after the final flush",
			   tern_bcache_dirty_count(&m->cache));
	drive(m, quiet, NULL, "quiescence");
	m->md.image(m->md.ctx, m->image);
	check_image(m, m->latest, m->latest, false, "at the end");
	if (m->md.durable_image) {
		m->md.durable_image(m->md.ctx, m->image);
		check_image(m, m->latest, m->latest, false,
			    "durable at the end");
	}
	check_stable(m);
	if (m->cache.stats.read_errors > m->md.read_errors(m->md.ctx) ||
	    m->cache.stats.write_errors + m->cache.stats.flush_errors >
		    m->md.write_errors(m->md.ctx))
		model_fail(m, "the cache counted more errors than the device "
			      "reported");
	if (tern_bcache_pinned(&m->cache) != 0)
		model_fail(m, "buffers still referenced");
	tern_bcache_fini(&m->cache);
	free(m->mem);
	free(m->latest);
	free(m->durable);
	free(m->image);
	free(m->block);
	free(m->known);
	free(m->known_version);
	for (unsigned i = 0; i < MODEL_FLUSHES; i++)
		free(m->flushes[i].snap);
}
