/*
 * bench_blk.c - benchmark of the block layer, all in one run:
 *
 *   hit path    tern_bcache_get + put of a cached block (ns), and a 4 KiB
 *               tern_bcache_pread hit against pread(2) of 4 KiB from the
 *               kernel's page cache (the same bytes, in memory both ways);
 *   misses      sequential 64 KiB reads of a file 64x the cache through the
 *               cache over the hosted file disk, against pread(2) of the
 *               same file and against the same cache on a disk taking one
 *               buffer per request (no runs); random 4 KiB misses the same
 *               way (MB/s);
 *   writes      sequential 64 KiB writes with a flush every 512 KiB through
 *               the cache, against pwrite(2) + fdatasync(2) at the same
 *               points and against the cache without runs;
 *   hit ratio   S3-FIFO (the cache's policy) against LRU, ARC and 2Q,
 *               simulated (policy_sim.c) on Zipf, scan-plus-hot-set, loop
 *               and web traces (traces.c), plus the real cache replaying
 *               the same traces - it must match its simulation;
 *   tarfs       a path lookup in tarfs's index against finding the member
 *               by scanning the archive's headers through the same cache
 *               (the design tarfs did not choose), 2000 files.
 *
 * Ratios are "how many times faster the first is" (tern_bench_ratio);
 * hit ratios are metrics. --quick shrinks files and traces.
 */
#define _GNU_SOURCE /* pread, mkstemp */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_sim.h"
#include "runner.h"
#include "traces.h"
#include "tern/bcache.h"
#include "tern/hosted/filedisk.h"
#include "tern/rand.h"
#include "tern/tarfs.h"

#define BS 4096u

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "bench_blk: out of memory\n");
		exit(1);
	}
	return p;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_blk: %s: %d\n", what, err);
	exit(1);
}

/* ---- A device that completes every request at the next poll, moving no
 * data: for the hit path and hit ratios, where only the cache counts. ---*/

struct nulldev {
	struct tern_blkdev dev;
	struct tern_blk_req *head, *tail;
	unsigned pending;
};

static int null_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	struct nulldev *d = tern_container_of(dev, struct nulldev, dev);

	req->dev_next = NULL;
	if (d->tail)
		d->tail->dev_next = req;
	else
		d->head = req;
	d->tail = req;
	d->pending++;
	return 0;
}

static int null_poll(struct tern_blkdev *dev)
{
	struct nulldev *d = tern_container_of(dev, struct nulldev, dev);
	struct tern_blk_req *req = d->head;
	int n = 0;

	d->head = d->tail = NULL;
	while (req) {
		struct tern_blk_req *next = req->dev_next;

		d->pending--;
		req->status = 0;
		req->done(req);
		req = next;
		n++;
	}
	return n;
}

static unsigned null_pending(const struct tern_blkdev *dev)
{
	return tern_container_of(dev, const struct nulldev, dev)->pending;
}

static const struct tern_blkdev_ops null_ops = { null_submit, null_poll,
						 null_pending, NULL };

static void cache_open(struct tern_bcache *c, struct tern_blkdev *dev,
		       uint32_t nblocks, uint32_t ra, void **mem)
{
	struct tern_bcache_config cfg = { BS, nblocks, ra };
	size_t size = tern_bcache_mem_size(&cfg);
	int r;

	*mem = xmalloc(size);
	r = tern_bcache_init(c, dev, &cfg, *mem, size);
	if (r)
		die("tern_bcache_init", r);
}

/* Gets block n, polling until it is ready. */
static void touch(struct tern_bcache *c, uint64_t n)
{
	struct tern_bcache_buf *b;
	int r;

	while ((r = tern_bcache_get(c, n, 0, &b)) == -TERN_EAGAIN)
		tern_bcache_poll(c);
	if (r)
		die("tern_bcache_get", r);
	while (tern_bcache_ready(b) == -TERN_EAGAIN)
		tern_bcache_poll(c);
	tern_bcache_put(c, b);
}

/* A file of size bytes of random data, in the page cache. */
static int make_file(char *path, size_t pathlen, uint64_t size)
{
	uint8_t *buf = xmalloc(1 << 20);
	struct tern_rand r;
	int fd;

	snprintf(path, pathlen, "/tmp/tern-bench-blk-%d-XXXXXX", getpid());
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp", -1);
	tern_rand_seed(&r, 1);
	for (uint64_t off = 0; off < size; off += 1 << 20) {
		tern_rand_fill(&r, buf, 1 << 20);
		if (pwrite(fd, buf, 1 << 20, (off_t)off) != 1 << 20)
			die("pwrite", -1);
	}
	free(buf);
	return fd;
}

/* ---- Hit path -----------------------------------------------------------*/

#define HIT_BLOCKS 4096u
#define IDX_MASK ((1u << 16) - 1)

struct hit_ctx {
	struct tern_bcache *c;
	uint32_t *idx;
	uint8_t *buf;
	int fd;
};

static void run_getput(void *arg, uint64_t iters)
{
	struct hit_ctx *h = arg;

	for (uint64_t i = 0; i < iters; i++) {
		struct tern_bcache_buf *b;

		tern_bcache_get(h->c, h->idx[i & IDX_MASK], 0, &b);
		tern_bench_keep(b->data);
		tern_bcache_put(h->c, b);
	}
}

static void run_tern_pread4k(void *arg, uint64_t iters)
{
	struct hit_ctx *h = arg;

	for (uint64_t i = 0; i < iters; i++) {
		tern_bcache_pread(h->c, h->buf, BS,
				  (uint64_t)h->idx[i & IDX_MASK] * BS);
		tern_bench_keep(h->buf);
	}
}

static void run_os_pread4k(void *arg, uint64_t iters)
{
	struct hit_ctx *h = arg;

	for (uint64_t i = 0; i < iters; i++) {
		if (pread(h->fd, h->buf, BS,
			  (off_t)h->idx[i & IDX_MASK] * BS) != BS)
			die("pread", -1);
		tern_bench_keep(h->buf);
	}
}

static void bench_hits(struct tern_bench *b)
{
	struct nulldev nd = { 0 };
	struct tern_bcache c;
	struct hit_ctx h;
	struct tern_rand r;
	char path[64];
	void *mem;

	tern_blkdev_init(&nd.dev, &null_ops, "null", 512,
			 (uint64_t)HIT_BLOCKS * (BS / 512), 0);
	cache_open(&c, &nd.dev, HIT_BLOCKS, 0, &mem);
	for (uint32_t i = 0; i < HIT_BLOCKS; i++)
		touch(&c, i);
	h.c = &c;
	h.idx = xmalloc((IDX_MASK + 1) * sizeof(uint32_t));
	h.buf = xmalloc(BS);
	tern_rand_seed(&r, 2);
	for (uint32_t i = 0; i <= IDX_MASK; i++)
		h.idx[i] = (uint32_t)tern_rand_below(&r, HIT_BLOCKS);
	h.fd = make_file(path, sizeof(path), (uint64_t)HIT_BLOCKS * BS);
	tern_bench_run(b, "hit/bcache get+put", run_getput, &h, 0);
	tern_bench_run(b, "hit/bcache pread 4KiB", run_tern_pread4k, &h, BS);
	tern_bench_run(b, "hit/os pread 4KiB (page cache)", run_os_pread4k, &h,
		       BS);
	tern_bench_ratio(b, "hit 4KiB: bcache pread vs os pread",
			 "hit/bcache pread 4KiB",
			 "hit/os pread 4KiB (page cache)");
	if (c.stats.misses != HIT_BLOCKS)
		die("the hit path missed", (int)c.stats.misses);
	close(h.fd);
	unlink(path);
	free(h.idx);
	free(h.buf);
	tern_bcache_fini(&c);
	free(mem);
}

/* ---- Misses -------------------------------------------------------------*/

#define MISS_CACHE 256u /* 1 MiB */
#define CHUNK (64u * 1024u)

static double ns_now(void)
{
	return (double)tern_bench_now();
}

/* One pass over the file in 64 KiB reads; returns ns per read. */
static double seq_pass(struct tern_bcache *c, int fd, uint8_t *buf,
		       uint64_t size)
{
	double t0 = ns_now();

	for (uint64_t off = 0; off < size; off += CHUNK) {
		int n = c ? tern_bcache_pread(c, buf, CHUNK, off)
			  : (int)pread(fd, buf, CHUNK, (off_t)off);

		if (n != (int)CHUNK)
			die("sequential read", n);
	}
	return (ns_now() - t0) / (double)(size / CHUNK);
}

/* count 4 KiB reads at random block offsets; returns ns per read. */
static double random_pass(struct tern_bcache *c, int fd, uint8_t *buf,
			  uint64_t size, uint64_t count, uint64_t seed)
{
	struct tern_rand r;
	double t0;

	tern_rand_seed(&r, seed);
	t0 = ns_now();
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = tern_rand_below(&r, size / BS) * BS;
		int n = c ? tern_bcache_pread(c, buf, BS, off)
			  : (int)pread(fd, buf, BS, (off_t)off);

		if (n != (int)BS)
			die("random read", n);
	}
	return (ns_now() - t0) / (double)count;
}

static void bench_misses(struct tern_bench *b)
{
	uint64_t size = b->quick ? 16ull << 20 : 64ull << 20;
	uint64_t rnd = b->quick ? 2000 : 20000;
	double tern_seq[64], os_seq[64], big_seq[64], tern_rnd[64], os_rnd[64];
	double one_seq[64];
	struct tern_filedisk_opts o = { .read_only = true };
	unsigned reps = b->reps > 64 ? 64 : b->reps;
	struct tern_bcache_config big_cfg = { CHUNK, MISS_CACHE * BS / CHUNK,
					      4 };
	struct tern_filedisk disk, one_disk;
	struct tern_bcache c, big, one;
	uint8_t *buf = xmalloc(CHUNK);
	size_t big_size = tern_bcache_mem_size(&big_cfg);
	void *mem, *one_mem, *big_mem = xmalloc(big_size);
	char path[64];
	int fd, err;

	fd = make_file(path, sizeof(path), size);
	err = tern_filedisk_open(&disk, path, &o);
	if (err)
		die("tern_filedisk_open", err);
	cache_open(&c, &disk.dev, MISS_CACHE, 32, &mem);
	/* The same cache on a disk that takes one buffer per request. */
	err = tern_filedisk_open(&one_disk, path, &o);
	if (err)
		die("tern_filedisk_open", err);
	one_disk.dev.max_segments = 1;
	cache_open(&one, &one_disk.dev, MISS_CACHE, 32, &one_mem);
	/* The same 1 MiB of cache in 64 KiB blocks: one request per read. */
	err = tern_bcache_init(&big, &disk.dev, &big_cfg, big_mem, big_size);
	if (err)
		die("tern_bcache_init", err);
	for (unsigned rep = 0; rep < reps; rep++) {
		tern_seq[rep] = seq_pass(&c, fd, buf, size);
		one_seq[rep] = seq_pass(&one, fd, buf, size);
		big_seq[rep] = seq_pass(&big, fd, buf, size);
		os_seq[rep] = seq_pass(NULL, fd, buf, size);
		tern_rnd[rep] = random_pass(&c, fd, buf, size, rnd, rep);
		os_rnd[rep] = random_pass(NULL, fd, buf, size, rnd, rep);
	}
	tern_bench_record(b, "miss/bcache seq 64KiB, 4KiB blocks", tern_seq,
			  reps, CHUNK);
	tern_bench_record(b, "miss/bcache seq 64KiB, 4KiB blocks, no runs",
			  one_seq, reps, CHUNK);
	tern_bench_record(b, "miss/bcache seq 64KiB, 64KiB blocks", big_seq,
			  reps, CHUNK);
	tern_bench_record(b, "miss/os pread seq 64KiB", os_seq, reps, CHUNK);
	tern_bench_record(b, "miss/bcache random 4KiB", tern_rnd, reps, BS);
	tern_bench_record(b, "miss/os pread random 4KiB", os_rnd, reps, BS);
	tern_bench_ratio(b, "miss seq 64KiB: bcache (4KiB blocks) vs os pread",
			 "miss/bcache seq 64KiB, 4KiB blocks",
			 "miss/os pread seq 64KiB");
	tern_bench_ratio(b, "miss seq 64KiB: runs vs one request per block",
			 "miss/bcache seq 64KiB, 4KiB blocks",
			 "miss/bcache seq 64KiB, 4KiB blocks, no runs");
	tern_bench_ratio(b, "miss seq 64KiB: bcache (64KiB blocks) vs os pread",
			 "miss/bcache seq 64KiB, 64KiB blocks",
			 "miss/os pread seq 64KiB");
	tern_bench_ratio(b, "miss random 4KiB: bcache vs os pread",
			 "miss/bcache random 4KiB",
			 "miss/os pread random 4KiB");
	tern_bench_metric(b, "miss seq: read-ahead blocks used",
			  c.stats.ra_issued ? 100.0 * (double)c.stats.ra_used /
						      (double)c.stats.ra_issued
					    : 0,
			  "%");
	tern_bcache_drain(&c);
	tern_bcache_drain(&one);
	tern_bcache_drain(&big);
	tern_bcache_fini(&c);
	tern_bcache_fini(&one);
	tern_bcache_fini(&big);
	tern_filedisk_close(&disk);
	tern_filedisk_close(&one_disk);
	free(one_mem);
	close(fd);
	unlink(path);
	free(mem);
	free(big_mem);
	free(buf);
}

/* ---- Writes -------------------------------------------------------------*/

#define WRITE_FLUSH_EVERY (512u * 1024u)

/* One pass of 64 KiB writes over the file at path with a flush every
 * WRITE_FLUSH_EVERY bytes: through a cache on the file disk (taking one
 * buffer per request unless runs), or with pwrite + fdatasync (cache
 * false). Returns ns per write. */
static double write_pass(const char *path, bool cache, bool runs, uint8_t *buf,
			 uint64_t size)
{
	struct tern_filedisk disk;
	struct tern_bcache c;
	void *mem = NULL;
	double t0, t;
	int fd = -1, err;

	if (cache) {
		err = tern_filedisk_open(&disk, path, NULL);
		if (err)
			die("tern_filedisk_open", err);
		if (!runs)
			disk.dev.max_segments = 1;
		cache_open(&c, &disk.dev, MISS_CACHE, 0, &mem);
	} else {
		fd = open(path, O_RDWR);
		if (fd < 0)
			die("open", -1);
	}
	t0 = ns_now();
	for (uint64_t off = 0; off < size; off += CHUNK) {
		buf[0] = (uint8_t)off; /* new data every pass */
		if (cache)
			err = tern_bcache_pwrite(&c, buf, CHUNK, off);
		else
			err = (int)pwrite(fd, buf, CHUNK, (off_t)off);
		if (err != (int)CHUNK)
			die("sequential write", err);
		if ((off + CHUNK) % WRITE_FLUSH_EVERY)
			continue;
		err = cache ? tern_bcache_flush(&c) : fdatasync(fd);
		if (err)
			die("flush", err);
	}
	t = (ns_now() - t0) / (double)(size / CHUNK);
	if (cache) {
		tern_bcache_fini(&c);
		tern_filedisk_close(&disk);
		free(mem);
	} else {
		close(fd);
	}
	return t;
}

static void bench_writes(struct tern_bench *b)
{
	uint64_t size = b->quick ? 4ull << 20 : 16ull << 20;
	unsigned reps = b->reps > 64 ? 64 : b->reps;
	double runs[64], one[64], os[64];
	uint8_t *buf = xmalloc(CHUNK);
	char path[64];
	int fd = make_file(path, sizeof(path), size);

	close(fd);
	memset(buf, 0x5a, CHUNK);
	for (unsigned rep = 0; rep < reps; rep++) {
		runs[rep] = write_pass(path, true, true, buf, size);
		one[rep] = write_pass(path, true, false, buf, size);
		os[rep] = write_pass(path, false, false, buf, size);
	}
	tern_bench_record(b, "write/bcache seq 64KiB + flush, 4KiB blocks",
			  runs, reps, CHUNK);
	tern_bench_record(b, "write/bcache seq 64KiB + flush, no runs", one,
			  reps, CHUNK);
	tern_bench_record(b, "write/os pwrite 64KiB + fdatasync", os, reps,
			  CHUNK);
	tern_bench_ratio(b, "write seq: bcache vs os pwrite + fdatasync",
			 "write/bcache seq 64KiB + flush, 4KiB blocks",
			 "write/os pwrite 64KiB + fdatasync");
	tern_bench_ratio(b, "write seq: runs vs one request per block",
			 "write/bcache seq 64KiB + flush, 4KiB blocks",
			 "write/bcache seq 64KiB + flush, no runs");
	unlink(path);
	free(buf);
}

/* ---- Hit ratios ---------------------------------------------------------*/

#define RATIO_CACHE 1024u

/* Replays a trace through the real cache (read-ahead off); returns the
 * hit ratio after the first tenth. */
static double bcache_hit_ratio(const struct trace *t)
{
	struct nulldev nd = { 0 };
	struct tern_bcache c;
	uint64_t warm = t->len / 10, hits = 0;
	void *mem;

	tern_blkdev_init(&nd.dev, &null_ops, "null", 512,
			 (uint64_t)t->universe * (BS / 512), 0);
	cache_open(&c, &nd.dev, RATIO_CACHE, 0, &mem);
	for (uint64_t i = 0; i < t->len; i++) {
		if (i == warm)
			hits = c.stats.hits;
		touch(&c, t->blocks[i]);
	}
	hits = c.stats.hits - hits;
	tern_bcache_fini(&c);
	free(mem);
	return (double)hits / (double)(t->len - warm);
}

static void bench_ratios(struct tern_bench *b)
{
	uint64_t len = (uint64_t)RATIO_CACHE * (b->quick ? 50 : 400);
	char name[96];

	for (int k = 0; k < TRACE_COUNT; k++) {
		struct trace t;
		double real, sim = 0;

		trace_make(&t, (enum trace_kind)k, RATIO_CACHE, len, 42);
		for (int p = 0; p < PSIM_COUNT; p++) {
			double h = psim_hit_ratio((enum psim_kind)p,
						  RATIO_CACHE, t.universe,
						  t.blocks, t.len, t.len / 10);

			snprintf(name, sizeof(name), "hit ratio/%s/%s", t.name,
				 psim_name((enum psim_kind)p));
			tern_bench_metric(b, name, h, "ratio");
			if (p == PSIM_S3FIFO)
				sim = h;
		}
		real = bcache_hit_ratio(&t);
		snprintf(name, sizeof(name), "hit ratio/%s/bcache (S3-FIFO)",
			 t.name);
		tern_bench_metric(b, name, real, "ratio");
		if (real < sim - 0.005 || real > sim + 0.005) {
			fprintf(stderr,
				"bench_blk: the cache (%.4f) does not "
				"match its simulation (%.4f) on %s\n",
				real, sim, t.name);
			exit(1);
		}
		trace_free(&t);
	}
}

/* ---- tarfs lookups ------------------------------------------------------*/

#define FILES 2000u

static void octal(uint8_t *f, size_t n, uint64_t v)
{
	for (size_t i = n - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
	f[n - 1] = '\0';
}

/* Writes a ustar archive of FILES files "dNN/fNNNN.html" (100 B..20 KiB)
 * in 40 directories; returns its size. */
static uint64_t make_archive(int fd)
{
	uint8_t hdr[512], *data = xmalloc(20 * 1024 + 512);
	struct tern_rand r;
	uint64_t off = 0;

	tern_rand_seed(&r, 3);
	memset(data, 'x', 20 * 1024 + 512);
	for (uint32_t i = 0; i < FILES; i++) {
		uint64_t size = 100 + tern_rand_below(&r, 20 * 1024);
		unsigned sum = 0;

		memset(hdr, 0, sizeof(hdr));
		snprintf((char *)hdr, 100, "d%02u/f%04u.html", i % 40, i);
		octal(hdr + 100, 8, 0644);
		octal(hdr + 108, 8, 0);
		octal(hdr + 116, 8, 0);
		octal(hdr + 124, 12, size);
		octal(hdr + 136, 12, 1700000000);
		hdr[156] = '0';
		memcpy(hdr + 257, "ustar", 6);
		memcpy(hdr + 263, "00", 2);
		memset(hdr + 148, ' ', 8);
		for (int k = 0; k < 512; k++)
			sum += hdr[k];
		octal(hdr + 148, 7, sum);
		if (pwrite(fd, hdr, 512, (off_t)off) != 512)
			die("pwrite", -1);
		off += 512;
		size = (size + 511) & ~511ull;
		if (pwrite(fd, data, size, (off_t)off) != (ssize_t)size)
			die("pwrite", -1);
		off += size;
	}
	memset(data, 0, 1024);
	if (pwrite(fd, data, 1024, (off_t)off) != 1024)
		die("pwrite", -1);
	free(data);
	return off + 1024;
}

struct lookup_ctx {
	struct tern_tarfs *fs;
	struct tern_bcache *c;
	char names[256][32];
};

static void run_index_lookup(void *arg, uint64_t iters)
{
	struct lookup_ctx *l = arg;

	for (uint64_t i = 0; i < iters; i++) {
		uint32_t ino;

		if (tern_tarfs_lookup(l->fs, l->names[i & 255], 0, &ino))
			die("lookup", -1);
		tern_bench_keep(ino);
	}
}

/* The alternative design: walk the headers from the start until the name
 * matches (names here fit the header's name field). */
static uint64_t scan_lookup(struct tern_bcache *c, const char *name)
{
	uint8_t hdr[512];
	uint64_t off = 0, bytes = tern_bcache_dev_bytes(c);

	while (off + 512 <= bytes) {
		uint64_t size = 0;

		if (tern_bcache_pread(c, hdr, 512, off) != 512 || hdr[0] == 0)
			break;
		if (strncmp((const char *)hdr, name, 100) == 0)
			return off;
		for (int k = 124; k < 135; k++)
			size = size << 3 | (uint64_t)(hdr[k] - '0');
		off += 512 + ((size + 511) & ~511ull);
	}
	die("scan lookup: not found", -1);
	return 0;
}

static void run_scan_lookup(void *arg, uint64_t iters)
{
	struct lookup_ctx *l = arg;

	for (uint64_t i = 0; i < iters; i++)
		tern_bench_keep(scan_lookup(l->c, l->names[i & 255]));
}

static void bench_tarfs(struct tern_bench *b)
{
	struct tern_filedisk_opts o = { .read_only = true };
	static struct tern_tarfs fs;
	static struct lookup_ctx l;
	struct tern_tarfs_config cfg;
	struct tern_filedisk disk;
	struct tern_bcache c;
	struct tern_rand r;
	char path[64];
	void *mem, *fs_mem;
	int fd, err;

	fd = make_file(path, sizeof(path), 0);
	make_archive(fd);
	err = tern_filedisk_open(&disk, path, &o);
	if (err)
		die("tern_filedisk_open", err);
	/* 4 MiB of cache for a 20 MiB image. */
	cache_open(&c, &disk.dev, 1024, 32, &mem);
	err = tern_tarfs_measure(&fs, &c, &cfg);
	if (err)
		die("tern_tarfs_measure", err);
	fs_mem = xmalloc(tern_tarfs_mem_size(&cfg));
	err = tern_tarfs_open(&fs, &c, &cfg, fs_mem, tern_tarfs_mem_size(&cfg));
	if (err)
		die("tern_tarfs_open", err);
	l.fs = &fs;
	l.c = &c;
	tern_rand_seed(&r, 4);
	for (int i = 0; i < 256; i++) {
		uint32_t f = (uint32_t)tern_rand_below(&r, FILES);

		snprintf(l.names[i], sizeof(l.names[i]), "d%02u/f%04u.html",
			 f % 40, f);
	}
	tern_bench_run(b, "tarfs/lookup (index)", run_index_lookup, &l, 0);
	tern_bench_run(b, "tarfs/lookup (header scan)", run_scan_lookup, &l, 0);
	tern_bench_ratio(b, "tarfs lookup: index vs header scan",
			 "tarfs/lookup (index)", "tarfs/lookup (header scan)");
	tern_bench_metric(b, "tarfs index bytes per entry",
			  (double)tern_tarfs_mem_size(&cfg) /
				  (double)tern_tarfs_count(&fs),
			  "B");
	tern_bcache_drain(&c);
	tern_bcache_fini(&c);
	tern_filedisk_close(&disk);
	close(fd);
	unlink(path);
	free(mem);
	free(fs_mem);
}

int main(int argc, char **argv)
{
	struct tern_bench b;

	tern_bench_init(&b, "blk", argc, argv);
	bench_hits(&b);
	bench_misses(&b);
	bench_writes(&b);
	bench_ratios(&b);
	bench_tarfs(&b);
	return tern_bench_finish(&b);
}
