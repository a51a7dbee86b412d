/*
 * main.c - the selftest image: runs the component and platform tests
 * inside the guest and halts with the number of failed tests as its status
 * (QEMU exits with 1 when all pass). --seed N replays a run.
 */
#include "tern/app.h"
#include "tern/dev.h"

#include "selftest.h"

const struct tern_boot *selftest_boot;

static int selftest_main(struct tern_boot *boot)
{
	uint64_t seed;
	unsigned failed = 0;

	selftest_boot = boot;
	if (boot->args->has_seed)
		seed = boot->args->seed;
	else if (tern_entropy(&seed, sizeof(seed)) < 0)
		seed = tern_clock_monotonic();
	seed &= 0xffffffffull; /* short enough to retype */
	failed += gtest_run("selftest", selftest_lib, selftest_lib_count, seed);
	failed += gtest_run("selftest", selftest_platform,
			    selftest_platform_count, seed);
	failed += gtest_run("selftest", selftest_sched, selftest_sched_count,
			    seed);
	return failed > 100 ? 100 : (int)failed;
}

const struct tern_app tern_app = {
	.name = "selftest",
	.summary = "runs component and platform tests inside the guest",
	.flags = NULL,
	.main = selftest_main,
};
