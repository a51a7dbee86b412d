/*
 * runner.h - the common benchmark runner.
 *
 * A benchmark program measures several cases in one run - Tern's code and
 * its baselines side by side - so ratios compare like with like on the same
 * machine at the same moment. For each case the runner warms up, calibrates
 * the iteration count so one repetition takes about --rep-ms milliseconds,
 * runs --reps repetitions and keeps the median and the spread of ns/op.
 * Results print as a table and are written as JSON to OUT/SUITE.json.
 *
 * Flags every bench_* program accepts:
 *   --quick       fewer, shorter repetitions (CI smoke runs)
 *   --reps N      repetitions per case (default 11; quick 3)
 *   --rep-ms N    target milliseconds per repetition (default 50; quick 5)
 *   --out DIR     where the JSON goes (default build/bench)
 */
#ifndef TERN_BENCH_RUNNER_H
#define TERN_BENCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERN_BENCH_MAX_CASES 64
#define TERN_BENCH_MAX_EXTRA 64

/* Runs the measured operation iters times. */
typedef void (*tern_bench_fn)(void *ctx, uint64_t iters);

struct tern_bench_case {
	char name[64];
	uint64_t iters; /* per repetition */
	unsigned reps;
	double median_ns; /* per operation */
	double min_ns, max_ns;
	double mad_ns;	     /* median absolute deviation */
	double bytes_per_op; /* 0: not a throughput case */
};

struct tern_bench_extra { /* a ratio or a plain metric */
	char name[96];
	double value;
	char unit[16];
};

struct tern_bench {
	const char *suite;
	const char *out_dir;
	bool quick;
	unsigned reps;
	double rep_ms;
	unsigned ncases, nextra;
	struct tern_bench_case cases[TERN_BENCH_MAX_CASES];
	struct tern_bench_extra extra[TERN_BENCH_MAX_EXTRA];
};

/* Parses the flags above. Prints usage and exits 2 on a bad flag. */
void tern_bench_init(struct tern_bench *b, const char *suite, int argc,
		     char **argv);

/* Measures one case: fn(ctx, iters) repeatedly. bytes_per_op > 0 makes it
 * a throughput case (GB/s reported too). Returns the recorded case. */
const struct tern_bench_case *tern_bench_run(struct tern_bench *b,
					     const char *name, tern_bench_fn fn,
					     void *ctx, double bytes_per_op);

/* Records a case measured by the caller: ns per operation for each
 * repetition (reps values); the runner computes the median and spread. */
const struct tern_bench_case *
tern_bench_record(struct tern_bench *b, const char *name,
		  const double *ns_per_op, unsigned reps, double bytes_per_op);

/* Records "name: how many times faster `fast` is than `slow`" as
 * median(slow) / median(fast), prints it, and returns it. */
double tern_bench_ratio(struct tern_bench *b, const char *name,
			const char *fast, const char *slow);

/* Records a plain metric (a hit ratio, an image size). */
void tern_bench_metric(struct tern_bench *b, const char *name, double value,
		       const char *unit);

/* The case called name, or NULL. */
const struct tern_bench_case *tern_bench_find(const struct tern_bench *b,
					      const char *name);

/* Nanoseconds from a monotonic clock that is never virtual. */
uint64_t tern_bench_now(void);

/* Writes OUT/SUITE.json. Returns 0, or 1 if the file could not be written. */
int tern_bench_finish(struct tern_bench *b);

/* Keeps the compiler from optimising away a computed value. */
#define tern_bench_keep(v) __asm__ volatile("" : : "g"(v) : "memory")

#endif
