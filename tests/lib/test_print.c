/*
 * test_print.c - counter lines (zeros skipped, wrapping before
 * TERN_COUNTER_LINE_MAX columns, flush) and counters by name (walk in
 * table order, lookup, unknown names).
 */
#define _GNU_SOURCE /* dup, fileno */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "support/capture.h"
#include "tern/err.h"
#include "tern/print.h"

struct demo_counters {
	uint64_t rx;
	uint64_t tx;
	uint64_t dropped;
};

static const struct tern_counter_name demo_names[] = {
	TERN_COUNTER_NAME(struct demo_counters, rx),
	TERN_COUNTER_NAME(struct demo_counters, tx),
	TERN_COUNTER_NAME(struct demo_counters, dropped),
};

static const struct demo_counters demo = { .rx = 7, .tx = 0, .dropped = 3 };

static void print_demo(void)
{
	struct tern_counter_line l;

	tern_counter_line_init(&l, "demo:");
	tern_counters_foreach(&demo, demo_names, TERN_ARRAY_SIZE(demo_names),
			      tern_counter_line_add_cb, &l);
	tern_counter_line_flush(&l);
}

Test(print, a_counter_line_skips_zeros)
{
	char out[256];

	capture_stderr(print_demo, out, sizeof(out));
	cr_assert_str_eq(out, "demo: rx=7 dropped=3\n");
}

static void print_many(void)
{
	struct tern_counter_line l;
	char name[32];

	tern_counter_line_init(&l, "many:");
	for (unsigned i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "counter_%02u", i);
		tern_counter_line_add(&l, name, 1000 + i);
	}
	tern_counter_line_flush(&l);
	tern_counter_line_flush(&l); /* nothing pending: prints nothing */
}

Test(print, long_counter_lines_wrap_and_keep_every_item)
{
	char out[4096], *line, *save = NULL;
	unsigned items = 0, lines = 0;

	capture_stderr(print_many, out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cr_assert_lt(strlen(line), TERN_COUNTER_LINE_MAX, "%s", line);
		cr_assert_eq(strncmp(line, "many:", 5), 0, "%s", line);
		for (char *p = line; (p = strstr(p, " counter_")); p++)
			items++;
		lines++;
	}
	cr_assert_eq(items, 30);
	cr_assert_gt(lines, 1);
}

struct seen {
	unsigned n;
	char names[8][16];
	uint64_t values[8];
};

static void collect(const char *name, uint64_t value, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	s->values[s->n++] = value;
}

Test(print, counters_by_name_walk_in_table_order_and_look_up)
{
	struct seen s = { 0 };

	tern_counters_foreach(&demo, demo_names, TERN_ARRAY_SIZE(demo_names),
			      collect, &s);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.names[0], "rx");
	cr_assert_str_eq(s.names[2], "dropped");
	cr_assert_eq(s.values[0], 7);
	cr_assert_eq(s.values[1], 0);
	cr_assert_eq(s.values[2], 3);
	cr_assert_eq(tern_counters_get(&demo, demo_names, 3, "dropped"), 3);
	cr_assert_eq(tern_counters_get(&demo, demo_names, 3, "tx"), 0);
	cr_assert_eq(tern_counters_get(&demo, demo_names, 3, "drop"),
		     -TERN_ENOENT);
}
