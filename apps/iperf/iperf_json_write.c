/*
 * iperf_json_write.c - the server's results message (iperf_json.h), in
 * the shape of iperf3's send_results: the CPU figures, whether the sender
 * counted retransmissions, and one object per stream. Times are printed
 * from microseconds with integer arithmetic (the formatter has no floating
 * point).
 */
#include <stdarg.h>

#include "iperf_json.h"
#include "tern/err.h"
#include "tern/fmt.h"

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

/* Appends formatted text; marks the output full if it did not fit. */
__attribute__((format(printf, 2, 3))) static void put(struct out *o,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = tern_vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

/* Microseconds as seconds with six decimals. */
static void put_secs(struct out *o, const char *key, uint64_t us)
{
	put(o, "\"%s\":%llu.%06llu", key, (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
}

int iperf_json_write_results(char *buf, size_t cap,
			     const struct iperf_results *r)
{
	struct out o = { buf, cap, 0, cap == 0 };

	put(&o,
	    "{\"cpu_util_total\":0,\"cpu_util_user\":0,"
	    "\"cpu_util_system\":0,\"sender_has_retransmits\":%d,"
	    "\"streams\":[",
	    r->sender_has_retransmits);
	for (unsigned i = 0; i < r->n; i++) {
		const struct iperf_stream_result *s = &r->streams[i];

		put(&o,
		    "%s{\"id\":%u,\"bytes\":%llu,\"retransmits\":%lld,"
		    "\"jitter\":0,\"errors\":0,\"packets\":0,",
		    i ? "," : "", (unsigned)s->id, (unsigned long long)s->bytes,
		    (long long)s->retransmits);
		put_secs(&o, "start_time", s->start_us);
		put(&o, ",");
		put_secs(&o, "end_time", s->end_us);
		put(&o, "}");
	}
	put(&o, "]}");
	return o.full ? -TERN_ENOSPC : (int)o.len;
}
