/*
 * print.c - unconditional console output and counter lines.
 */
#include "tern/print.h"

#include <stdarg.h>
#include <string.h>

#include "tern/dev.h"
#include "tern/err.h"
#include "tern/fmt.h"

int tern_printf(const char *fmt, ...)
{
	char buf[TERN_PRINT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tern_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	tern_console_write(buf, (size_t)n);
	return n;
}

void tern_counter_line_init(struct tern_counter_line *l, const char *prefix)
{
	l->prefix = prefix;
	l->len = 0;
}

void tern_counter_line_flush(struct tern_counter_line *l)
{
	if (l->len == 0)
		return;
	l->buf[l->len++] = '\n';
	tern_console_write(l->buf, l->len);
	l->len = 0;
}

void tern_counter_line_add(struct tern_counter_line *l, const char *name,
			   uint64_t value)
{
	size_t plen = strlen(l->prefix);
	char item[64];
	int n;

	if (value == 0)
		return;
	n = tern_snprintf(item, sizeof(item), " %s=%llu", name,
			  (unsigned long long)value);
	if (n < 0 || (size_t)n >= sizeof(item))
		return;
	if (l->len + (size_t)n + 1 > sizeof(l->buf))
		tern_counter_line_flush(l);
	if (l->len == 0) {
		if (plen > sizeof(l->buf) - sizeof(item) - 1)
			plen = sizeof(l->buf) - sizeof(item) - 1;
		memcpy(l->buf, l->prefix, plen);
		l->len = plen;
	}
	memcpy(l->buf + l->len, item, (size_t)n);
	l->len += (size_t)n;
}

void tern_counter_line_add_cb(const char *name, uint64_t value, void *ctx)
{
	tern_counter_line_add(ctx, name, value);
}

/* The counter at byte off of the struct at counters (memcpy: the table is
 * the only thing that knows the struct's type). */
static uint64_t counter_at(const void *counters, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)counters + off, sizeof(v));
	return v;
}

void tern_counters_foreach(
	const void *counters, const struct tern_counter_name *names, size_t n,
	void (*fn)(const char *name, uint64_t value, void *ctx), void *ctx)
{
	for (size_t i = 0; i < n; i++)
		fn(names[i].name, counter_at(counters, names[i].off), ctx);
}

int64_t tern_counters_get(const void *counters,
			  const struct tern_counter_name *names, size_t n,
			  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i].name, name) == 0)
			return (int64_t)counter_at(counters, names[i].off);
	return -TERN_ENOENT;
}
