/*
 * selftest.h - the test tables of the selftest image, one per file.
 */
#ifndef TERN_TESTS_GUEST_SELFTEST_H
#define TERN_TESTS_GUEST_SELFTEST_H

#include "tern/app.h"
#include "tern/base.h"

#include "../harness/gtest.h"

/* The boot the image was started with (main.c). */
extern const struct tern_boot *selftest_boot;

extern const struct gtest_case selftest_lib[];
extern const unsigned selftest_lib_count;
extern const struct gtest_case selftest_platform[];
extern const unsigned selftest_platform_count;
extern const struct gtest_case selftest_sched[];
extern const unsigned selftest_sched_count;

#endif
