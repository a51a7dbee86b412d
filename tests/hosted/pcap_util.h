/*
 * pcap_util.h - writing and reading pcap files in tests, through libpcap.
 */
#ifndef TERN_TESTS_PCAP_UTIL_H
#define TERN_TESTS_PCAP_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* One record of a pcap file. */
struct pcap_frame {
	uint64_t ts; /* nanoseconds since the epoch */
	uint32_t caplen;
	uint32_t len;
	uint8_t *data; /* caplen bytes */
};

struct pcap_file {
	int linktype;
	unsigned count;
	struct pcap_frame *f;
};

/* Reads every record of path (nanosecond timestamps whatever the file's
 * precision). Asserts the file opens. */
void pcap_file_read(const char *path, struct pcap_file *out);
void pcap_file_free(struct pcap_file *pf);

/* Writes a pcap file with n records; nano selects nanosecond timestamps
 * (else microseconds: ts is truncated). */
void pcap_file_write(const char *path, bool nano, int linktype,
		     const struct pcap_frame *frames, unsigned n);

/* The first four bytes of path as a little-endian u32 (the pcap magic). */
uint32_t file_magic(const char *path);

/* True if the two files have the same bytes. */
bool files_equal(const char *a, const char *b);

#endif
