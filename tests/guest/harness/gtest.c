/*
 * gtest.c - the guest test harness (see gtest.h).
 */
#include "gtest.h"

#include <string.h>

#include "tern/dev.h"
#include "tern/fmt.h"

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tern_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	tern_console_write(line, (size_t)n);
}

void gtest_fail(struct gtest *t, const char *file, int line,
		const char *expr, unsigned long long a, unsigned long long b,
		bool values)
{
	t->failed = true;
	if (values)
		out("# %s: %s:%d: failed: %s (0x%llx != 0x%llx)\n", t->name,
		    file, line, expr, a, b);
	else
		out("# %s: %s:%d: failed: %s\n", t->name, file, line, expr);
}

unsigned gtest_run(const char *suite, const struct gtest_case *cases,
		   unsigned n, uint64_t seed)
{
	unsigned failed = 0, checks = 0;

	out("%s: %u tests, seed %llu\n", suite, n, (unsigned long long)seed);
	for (unsigned i = 0; i < n; i++) {
		struct gtest t;

		memset(&t, 0, sizeof(t));
		t.name = cases[i].name;
		tern_rand_seed(&t.rand, seed + i);
		cases[i].fn(&t);
		checks += t.checks;
		if (t.failed)
			failed++;
		out("%s %u - %s (%u checks)\n", t.failed ? "not ok" : "ok",
		    i + 1, t.name, t.checks);
	}
	out("%s: %u passed, %u failed, %u checks (seed %llu)\n", suite,
	    n - failed, failed, checks, (unsigned long long)seed);
	return failed;
}
