/*
 * tarfs_int.h - private interface between tar.c (the pure parsers: ustar
 * headers, numbers, pax records, path normalisation) and tarfs.c (the
 * scan, the index, lookups and reads).
 */
#ifndef TERN_TARFS_INT_H
#define TERN_TARFS_INT_H

#include "tern/tarfs.h"

#define TAR_BLOCK 512u
#define TAR_NONE UINT32_MAX

/* A header block, parsed (names NUL-terminated, numbers decoded). */
struct tar_hdr {
	char name[101];
	char link[101];
	char prefix[156]; /* only for POSIX ustar ("ustar\0" magic) */
	uint64_t size;
	int64_t mtime;
	uint32_t mode;
	char type;
};

/* tar.c */

/* Parses one 512-byte header block. Returns 0, 1 for an all-zero block
 * (the end marker), or -TERN_EBADMSG (checksum, a number field, a size
 * above INT64_MAX). The checksum is not checked when TERN_FUZZING is
 * defined. */
int tar_hdr_parse(const uint8_t *blk, struct tar_hdr *h);

/* Decodes a numeric field of n bytes: octal (space or NUL terminated,
 * leading spaces allowed, empty = 0) or GNU base-256 (first byte 0x80 or,
 * negative, 0xff). Returns true and *out, or false if malformed or out of
 * the int64 range (negative values only if signed_ok). */
bool tar_number(const uint8_t *f, size_t n, bool signed_ok, int64_t *out);

/* Prepares p to parse one pax extended header, capturing `path` and
 * `linkpath` values (at most TERN_TARFS_PATH_MAX bytes) into path/link. */
void tar_pax_begin(struct tern_tar_pax *p, char *path, char *link);

/* Feeds n more bytes of the header's data. */
void tar_pax_feed(struct tern_tar_pax *p, const uint8_t *d, size_t n);

/* Ends the header. Returns 0, -TERN_EBADMSG (a record did not parse or was
 * cut short, a path with a NUL, a bad size or mtime) or -TERN_ENAMETOOLONG.
 * On 0, p->has_* tell which values were given (an empty value is none). */
int tar_pax_end(struct tern_tar_pax *p);

/* Normalises the path in[0..len) into out (TERN_TARFS_PATH_MAX + 1 bytes):
 * no leading, trailing or repeated slashes, no "." components, ".."
 * resolved. A ".." above the root is dropped with clamp, an error without.
 * Returns the length (0: the root), -TERN_EINVAL (escapes the root),
 * -TERN_EBADMSG (a NUL inside) or -TERN_ENAMETOOLONG. */
int tar_normalize(const char *in, size_t len, char *out, bool clamp);

/* Hash of a path for the index. */
uint32_t tar_hash(const char *s, size_t n);

#endif
