/*
 * traces.c - the synthetic traces of traces.h.
 *
 * Zipf sampling is by binary search in a precomputed CDF (O(log n) per
 * sample), the shuffles are Fisher-Yates, all from tern_rand, so a trace is
 * the same on every machine for a given seed.
 */
#include "traces.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern/rand.h"

static void *xmalloc(size_t size)
{
	void *m = malloc(size ? size : 1);

	if (!m) {
		fprintf(stderr, "traces: out of memory\n");
		exit(1);
	}
	return m;
}

struct zipf {
	double *cdf;
	uint32_t n;
};

static void zipf_init(struct zipf *z, uint32_t n, double alpha)
{
	double sum = 0;

	z->n = n;
	z->cdf = xmalloc(n * sizeof(double));
	for (uint32_t i = 0; i < n; i++) {
		sum += 1.0 / pow((double)i + 1, alpha);
		z->cdf[i] = sum;
	}
	for (uint32_t i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

/* A rank in [0, n), rank 0 the most popular. */
static uint32_t zipf_sample(const struct zipf *z, struct tern_rand *r)
{
	double u = (double)(tern_rand_u64(r) >> 11) / 9007199254740992.0;
	uint32_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t *shuffled_ids(uint32_t n, struct tern_rand *r)
{
	uint32_t *perm = xmalloc(n * sizeof(uint32_t));

	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)tern_rand_below(r, (uint64_t)i + 1);
		uint32_t tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	return perm;
}

static void make_zipf(struct trace *t, uint32_t cache, struct tern_rand *r)
{
	struct zipf z;
	uint32_t *perm;

	t->universe = 16 * cache;
	zipf_init(&z, t->universe, 0.9);
	perm = shuffled_ids(t->universe, r);
	for (uint64_t i = 0; i < t->len; i++)
		t->blocks[i] = perm[zipf_sample(&z, r)];
	free(perm);
	free(z.cdf);
}

static void make_scan_hot(struct trace *t, uint32_t cache, struct tern_rand *r)
{
	uint32_t hot = cache / 2 ? cache / 2 : 1;
	uint32_t scan = hot;

	t->universe = hot + (uint32_t)t->len + 1;
	for (uint64_t i = 0; i < t->len; i++) {
		if (tern_rand_below(r, 3) == 0)
			t->blocks[i] = (uint32_t)tern_rand_below(r, hot);
		else
			t->blocks[i] = scan++;
	}
}

static void make_loop(struct trace *t, uint32_t cache)
{
	uint32_t n = cache + cache / 2;

	t->universe = n;
	for (uint64_t i = 0; i < t->len; i++)
		t->blocks[i] = (uint32_t)(i % n);
}

static void make_web(struct trace *t, uint32_t cache, struct tern_rand *r)
{
	uint32_t nfiles = 4 * cache, next = 0;
	uint32_t *start = xmalloc(nfiles * sizeof(uint32_t));
	uint32_t *size = xmalloc(nfiles * sizeof(uint32_t));
	struct zipf z;
	uint64_t i = 0;

	/* Sizes 2^k blocks with k uniform in 0..6, then +-jitter: mostly
	 * small pages, a few large images. */
	for (uint32_t f = 0; f < nfiles; f++) {
		uint32_t k = (uint32_t)tern_rand_below(r, 7);
		uint32_t s = (1u << k) + (uint32_t)tern_rand_below(r, 1u << k);

		start[f] = next;
		size[f] = s > 64 ? 64 : s;
		next += size[f];
	}
	t->universe = next;
	zipf_init(&z, nfiles, 0.9);
	while (i < t->len) {
		uint32_t f = zipf_sample(&z, r);

		for (uint32_t b = 0; b < size[f] && i < t->len; b++)
			t->blocks[i++] = start[f] + b;
	}
	free(z.cdf);
	free(start);
	free(size);
}

void trace_make(struct trace *t, enum trace_kind kind, uint32_t cache,
		uint64_t len, uint64_t seed)
{
	static const char *const names[TRACE_COUNT] = { "zipf", "scan_hot",
							"loop", "web" };
	struct tern_rand r;

	tern_rand_seed(&r, seed);
	t->name = names[kind];
	t->len = len;
	t->blocks = xmalloc(len * sizeof(uint32_t));
	switch (kind) {
	case TRACE_ZIPF:
		make_zipf(t, cache, &r);
		break;
	case TRACE_SCAN_HOT:
		make_scan_hot(t, cache, &r);
		break;
	case TRACE_LOOP:
		make_loop(t, cache);
		break;
	case TRACE_WEB:
		make_web(t, cache, &r);
		break;
	default:
		abort();
	}
}

void trace_free(struct trace *t)
{
	free(t->blocks);
	t->blocks = NULL;
}
