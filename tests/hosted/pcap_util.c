/*
 * pcap_util.c - writing and reading pcap files in tests, through libpcap.
 */
#define _GNU_SOURCE
#include "pcap_util.h"

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pcap_file_read(const char *path, struct pcap_file *out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	unsigned cap = 16;

	p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	cr_assert(p, "cannot read %s: %s", path, errbuf);
	memset(out, 0, sizeof(*out));
	out->linktype = pcap_datalink(p);
	out->f = calloc(cap, sizeof(*out->f));
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct pcap_frame *f;

		if (out->count == cap) {
			cap *= 2;
			out->f = realloc(out->f, cap * sizeof(*out->f));
			cr_assert(out->f);
		}
		f = &out->f[out->count++];
		f->ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
			(uint64_t)h->ts.tv_usec;
		f->caplen = h->caplen;
		f->len = h->len;
		f->data = malloc(h->caplen ? h->caplen : 1);
		memcpy(f->data, data, h->caplen);
	}
	pcap_close(p);
}

void pcap_file_free(struct pcap_file *pf)
{
	for (unsigned i = 0; i < pf->count; i++)
		free(pf->f[i].data);
	free(pf->f);
	memset(pf, 0, sizeof(*pf));
}

void pcap_file_write(const char *path, bool nano, int linktype,
		     const struct pcap_frame *frames, unsigned n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(
		linktype, 65535,
		nano ? PCAP_TSTAMP_PRECISION_NANO
		     : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d;

	cr_assert(p);
	d = pcap_dump_open(p, path);
	cr_assert(d, "cannot write %s", path);
	for (unsigned i = 0; i < n; i++) {
		struct pcap_pkthdr h;
		uint64_t unit = nano ? 1 : 1000;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(frames[i].ts / 1000000000ull);
		h.ts.tv_usec =
			(suseconds_t)(frames[i].ts % 1000000000ull / unit);
		h.caplen = frames[i].caplen;
		h.len = frames[i].len;
		pcap_dump((u_char *)d, &h, frames[i].data);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

uint32_t file_magic(const char *path)
{
	uint8_t b[4] = { 0 };
	FILE *f = fopen(path, "rb");

	cr_assert(f);
	cr_assert_eq(fread(b, 1, 4, f), 4);
	fclose(f);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* Reads a whole file; *len gets its size. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

bool files_equal(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *ba = slurp(a, &la), *bb = slurp(b, &lb);
	bool eq = la == lb && memcmp(ba, bb, la) == 0;

	free(ba);
	free(bb);
	return eq;
}
