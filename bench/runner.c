/*
 * runner.c - warm-up, calibration, repetitions, median and spread, JSON.
 */
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

uint64_t tern_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--quick] [--reps N] [--rep-ms N] [--out DIR]\n",
		prog);
	exit(2);
}

static unsigned long parse_num(const char *prog, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0)
		usage(prog);
	return v;
}

void tern_bench_init(struct tern_bench *b, const char *suite, int argc,
		     char **argv)
{
	bool reps_set = false, ms_set = false;

	memset(b, 0, sizeof(*b));
	b->suite = suite;
	b->out_dir = "build/bench";
	b->reps = 11;
	b->rep_ms = 50;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--quick") == 0) {
			b->quick = true;
		} else if (strcmp(a, "--reps") == 0 && i + 1 < argc) {
			b->reps = (unsigned)parse_num(argv[0], argv[++i]);
			reps_set = true;
		} else if (strcmp(a, "--rep-ms") == 0 && i + 1 < argc) {
			b->rep_ms = (double)parse_num(argv[0], argv[++i]);
			ms_set = true;
		} else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
			b->out_dir = argv[++i];
		} else {
			usage(argv[0]);
		}
	}
	if (b->quick && !reps_set)
		b->reps = 3;
	if (b->quick && !ms_set)
		b->rep_ms = 5;
	printf("%-44s %12s %10s %10s %9s\n", "case", "ns/op", "min", "max",
	       "GB/s");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const struct tern_bench_case *
tern_bench_record(struct tern_bench *b, const char *name,
		  const double *ns_per_op, unsigned reps, double bytes_per_op)
{
	struct tern_bench_case *c;
	double sorted[256], dev[256];

	if (b->ncases == TERN_BENCH_MAX_CASES || reps == 0 || reps > 256) {
		fprintf(stderr, "bench: cannot record case %s\n", name);
		exit(1);
	}
	c = &b->cases[b->ncases++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	memcpy(sorted, ns_per_op, reps * sizeof(double));
	c->reps = reps;
	c->median_ns = median_of(sorted, reps);
	c->min_ns = sorted[0];
	c->max_ns = sorted[reps - 1];
	for (unsigned i = 0; i < reps; i++)
		dev[i] = sorted[i] > c->median_ns ? sorted[i] - c->median_ns
						  : c->median_ns - sorted[i];
	c->mad_ns = median_of(dev, reps);
	c->bytes_per_op = bytes_per_op;
	if (bytes_per_op > 0)
		printf("%-44s %12.2f %10.2f %10.2f %9.2f\n", c->name,
		       c->median_ns, c->min_ns, c->max_ns,
		       bytes_per_op / c->median_ns);
	else
		printf("%-44s %12.2f %10.2f %10.2f %9s\n", c->name,
		       c->median_ns, c->min_ns, c->max_ns, "-");
	fflush(stdout);
	return c;
}

const struct tern_bench_case *tern_bench_run(struct tern_bench *b,
					     const char *name, tern_bench_fn fn,
					     void *ctx, double bytes_per_op)
{
	double target_ns = b->rep_ms * 1e6, ns[256];
	uint64_t iters = 1, t0, elapsed = 0;
	unsigned reps = b->reps > 256 ? 256 : b->reps;

	/* Warm-up and calibration: double until one run takes 1/8 of the
	 * target, then scale. */
	for (;;) {
		t0 = tern_bench_now();
		fn(ctx, iters);
		elapsed = tern_bench_now() - t0;
		if (elapsed >= target_ns / 8 || iters >= (1ull << 40))
			break;
		iters *= 2;
	}
	if (elapsed > 0 && elapsed < target_ns)
		iters = (uint64_t)((double)iters * target_ns / (double)elapsed);
	if (iters == 0)
		iters = 1;
	for (unsigned r = 0; r < reps; r++) {
		t0 = tern_bench_now();
		fn(ctx, iters);
		ns[r] = (double)(tern_bench_now() - t0) / (double)iters;
	}
	const struct tern_bench_case *c =
		tern_bench_record(b, name, ns, reps, bytes_per_op);
	b->cases[b->ncases - 1].iters = iters;
	return c;
}

const struct tern_bench_case *tern_bench_find(const struct tern_bench *b,
					      const char *name)
{
	for (unsigned i = 0; i < b->ncases; i++)
		if (strcmp(b->cases[i].name, name) == 0)
			return &b->cases[i];
	return NULL;
}

void tern_bench_metric(struct tern_bench *b, const char *name, double value,
		       const char *unit)
{
	struct tern_bench_extra *e;

	if (b->nextra == TERN_BENCH_MAX_EXTRA) {
		fprintf(stderr, "bench: too many metrics\n");
		exit(1);
	}
	e = &b->extra[b->nextra++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->unit, sizeof(e->unit), "%s", unit);
	e->value = value;
	printf("%-60s %12.3f %s\n", name, value, unit);
	fflush(stdout);
}

double tern_bench_ratio(struct tern_bench *b, const char *name,
			const char *fast, const char *slow)
{
	const struct tern_bench_case *f = tern_bench_find(b, fast);
	const struct tern_bench_case *s = tern_bench_find(b, slow);
	double r;

	if (!f || !s || f->median_ns <= 0) {
		fprintf(stderr, "bench: ratio %s needs cases %s and %s\n", name,
			fast, slow);
		exit(1);
	}
	r = s->median_ns / f->median_ns;
	tern_bench_metric(b, name, r, "x");
	return r;
}

/* Creates dir and its parents (like mkdir -p). */
static int make_dirs(const char *dir)
{
	char path[512];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return -1;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int tern_bench_finish(struct tern_bench *b)
{
	char path[600];
	FILE *f;

	if (make_dirs(b->out_dir) < 0) {
		fprintf(stderr, "bench: cannot create %s\n", b->out_dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.json", b->out_dir, b->suite);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench: cannot write %s\n", path);
		return 1;
	}
	fprintf(f, "{\n  \"suite\": \"%s\",\n  \"quick\": %s,\n  \"cases\": [",
		b->suite, b->quick ? "true" : "false");
	for (unsigned i = 0; i < b->ncases; i++) {
		const struct tern_bench_case *c = &b->cases[i];

		fprintf(f,
			"%s\n    {\"name\": \"%s\", \"ns_per_op\": %.3f, "
			"\"min_ns\": %.3f, \"max_ns\": %.3f, \"mad_ns\": %.3f, "
			"\"reps\": %u, \"iters\": %llu",
			i ? "," : "", c->name, c->median_ns, c->min_ns,
			c->max_ns, c->mad_ns, c->reps,
			(unsigned long long)c->iters);
		if (c->bytes_per_op > 0)
			fprintf(f, ", \"gb_per_s\": %.3f",
				c->bytes_per_op / c->median_ns);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"metrics\": [");
	for (unsigned i = 0; i < b->nextra; i++)
		fprintf(f,
			"%s\n    {\"name\": \"%s\", \"value\": %.4f, \"unit\": "
			"\"%s\"}",
			i ? "," : "", b->extra[i].name, b->extra[i].value,
			b->extra[i].unit);
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: cannot write %s\n", path);
		return 1;
	}
	printf("results: %s\n", path);
	return 0;
}
