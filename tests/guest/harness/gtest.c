/*
 * gtest.c - the guest test harness (see gtest.h).
 */
#include "gtest.h"

#include <string.h>

#include "tern/dev.h"
#include "tern/fmt.h"
#include "tern/print.h"

void gtest_fail(struct gtest *t, const char *file, int line, const char *expr,
		unsigned long long a, unsigned long long b, bool values)
{
	t->failed = true;
	if (values)
		tern_printf("# %s: %s:%d: failed: %s (0x%llx != 0x%llx)\n",
			    t->name, file, line, expr, a, b);
	else
		tern_printf("# %s: %s:%d: failed: %s\n", t->name, file, line,
			    expr);
}

unsigned gtest_run(const char *suite, const struct gtest_case *cases,
		   unsigned n, uint64_t seed)
{
	unsigned failed = 0, checks = 0;

	tern_printf("%s: %u tests, seed %llu\n", suite, n,
		    (unsigned long long)seed);
	for (unsigned i = 0; i < n; i++) {
		struct gtest t;

		memset(&t, 0, sizeof(t));
		t.name = cases[i].name;
		tern_rand_seed(&t.rand, seed + i);
		cases[i].fn(&t);
		checks += t.checks;
		if (t.failed)
			failed++;
		tern_printf("%s %u - %s (%u checks)\n",
			    t.failed ? "not ok" : "ok", i + 1, t.name,
			    t.checks);
	}
	tern_printf("%s: %u passed, %u failed, %u checks (seed %llu)\n", suite,
		    n - failed, failed, checks, (unsigned long long)seed);
	return failed;
}
