/*
 * tarfs.h - read-only files from a tar image, through the block cache.
 *
 * `tar cf site.img www/` makes a disk that httpd serves: tarfs reads a
 * POSIX ustar or pax archive, or a GNU one, straight off a blkdev (through
 * a struct tern_bcache), with no extraction. It handles:
 *
 *   - long names and link targets: pax `path`/`linkpath` records and GNU
 *     'L'/'K' members (up to TERN_TARFS_PATH_MAX bytes), and the ustar
 *     prefix field;
 *   - sizes from a pax `size` record or in GNU base-256 (files over 8 GiB);
 *   - directories, explicit or implied by the paths of their members;
 *   - hard links (resolved when read, to the member they name as it was at
 *     that point of the archive) and symbolic links (followed in every
 *     path component, at most TERN_TARFS_LINK_DEPTH per lookup);
 *   - members that appear twice (the later one wins, as tar extracts);
 *   - every header checksum (not in fuzzing builds: TERN_FUZZING).
 *
 * A malformed archive fails tern_tarfs_open with -TERN_EBADMSG: a bad
 * checksum or number, a member whose data runs past the image, an extended
 * header with no member after it, a pax record that does not parse. No read
 * ever goes outside the image. An image that ends exactly after a member,
 * without the two zero blocks of an end marker, is accepted. Skipped and
 * counted (stats), not fatal: GNU sparse and multi-volume members, device
 * and FIFO nodes (indexed as TERN_TARFS_OTHER, never read), names escaping
 * the root with "..", hard links to a missing member, members under a path
 * component that is a file.
 *
 * Index, not scans. A server looks a path up on every request; scanning the
 * archive's headers per lookup costs one header block per member before
 * the one wanted, all through the cache (evicting file data), while an
 * index answers from memory: bench/blk/bench_blk.c measures both. So
 * tern_tarfs_open reads every header once and builds, in memory the caller
 * sizes (tern_tarfs_mem_size), a table of entries with a chained hash on
 * the full normalised path and each directory's children in archive order.
 * Capacity: if the archive needs more entries or name bytes than configured,
 * open fails with -TERN_ENOSPC; tern_tarfs_measure gives numbers that always
 * suffice for a given image (upper bounds: each member counted with all its
 * parent directories).
 *
 * Memory per entry: sizeof(struct tern_tarfs_entry) (72 bytes) + 4 bytes of
 * hash bucket + its path and link target (NUL-terminated). The struct
 * tern_tarfs itself holds three path buffers (about 12 KiB) for parsing and
 * lookups; keep it off small fiber stacks.
 *
 * Paths: "a/b/c", "/a/b/c" and "./a//b/c/" name the same member; "." and
 * ".." are resolved (".." stops at the root). Lookups never block (the
 * index is in memory); reads block through tern_bcache_pread (in a fiber:
 * on the cache's wait queues; outside: polling the device).
 */
#ifndef TERN_TARFS_H
#define TERN_TARFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/bcache.h"

#define TERN_TARFS_PATH_MAX 4096 /* bytes of a path, without the NUL */
#define TERN_TARFS_LINK_DEPTH 8	 /* symbolic links followed per lookup */
#define TERN_TARFS_ROOT 0u	 /* the root directory's inode */

/* Lookup flags. */
#define TERN_TARFS_NOFOLLOW \
	1u /* do not follow a symlink in the last
				  component */

enum tern_tarfs_type {
	TERN_TARFS_FILE, /* regular file (hard links resolve to one) */
	TERN_TARFS_DIR,
	TERN_TARFS_SYMLINK,
	TERN_TARFS_OTHER, /* device or FIFO: stat only */
};

struct tern_tarfs_stat {
	uint32_t ino;
	enum tern_tarfs_type type;
	uint64_t size; /* bytes of a file or of a symlink's target text */
	uint32_t mode; /* permission bits from the archive */
	int64_t mtime; /* seconds since 1970 */
};

struct tern_tarfs_dirent {
	uint32_t ino;
	enum tern_tarfs_type type;
	const char *name; /* the last component, NUL-terminated; valid while
			      the tarfs is open */
	uint32_t name_len;
};

struct tern_tarfs_config {
	uint32_t max_entries; /* members plus implied directories plus 1 */
	uint32_t name_bytes;  /* paths and link targets, each + 1 */
};

struct tern_tarfs_stats {
	uint64_t members; /* headers read (extended ones included) */
	uint32_t files, dirs, symlinks, hardlinks, others;
	uint32_t implied_dirs; /* directories created for members' paths */
	uint32_t replaced;     /* members that replaced an earlier one */
	uint32_t pax_headers, gnu_long_names;
	uint32_t skipped; /* members skipped (see above) */
};

/* One indexed name (private; public for sizing). */
struct tern_tarfs_entry {
	uint64_t data_off; /* byte offset of the data in the image */
	uint64_t size;
	int64_t mtime;
	uint32_t name_off; /* full normalised path in the name area */
	uint32_t name_len;
	uint32_t base;	   /* offset of the last component in the path */
	uint32_t link_off; /* symlink target text; link_len bytes */
	uint32_t link_len;
	uint32_t parent;
	uint32_t first_child, last_child, next_sibling;
	uint32_t hnext; /* hash chain */
	uint32_t mode;
	uint8_t type;
};

/* Parser state of a pax extended header (private). */
struct tern_tar_pax {
	uint8_t state;
	bool bad, too_long;
	uint8_t key_len;
	uint8_t want; /* which key the value is for */
	uint8_t ndigits;
	char key[16];
	uint64_t rec_len, rec_used, value_left;
	char num[24]; /* size/mtime value */
	uint8_t num_len;
	char *path; /* capture buffers (the tarfs's) */
	uint32_t path_len;
	char *link;
	uint32_t link_len;
	bool has_path, has_link, has_size, has_mtime;
	uint64_t size;
	int64_t mtime;
};

struct tern_tarfs {
	struct tern_tarfs_stats stats;
	/* private */
	struct tern_bcache *cache;
	uint64_t image_size;
	struct tern_tarfs_entry *entries;
	uint32_t nentries, max_entries;
	uint32_t *buckets;
	uint32_t bucket_mask;
	char *names;
	uint32_t names_used, names_cap;
	bool measuring;
	uint64_t need_entries, need_names;
	char path[TERN_TARFS_PATH_MAX + 1]; /* pending long name; lookups */
	char link[TERN_TARFS_PATH_MAX + 1]; /* pending long link; lookups */
	char work[TERN_TARFS_PATH_MAX + 1]; /* normalised names; lookups */
	uint8_t hdr[512];
	struct tern_tar_pax pax;
};

/* Bytes of memory for cfg (0 if a count is 0 or too large). */
TERN_API size_t tern_tarfs_mem_size(const struct tern_tarfs_config *cfg);

/* Scans the image in cache (using fs as scratch) and fills *cfg with
 * capacities that suffice to open it. Returns 0 or an error of
 * tern_tarfs_open (not -TERN_ENOSPC). */
TERN_API int tern_tarfs_measure(struct tern_tarfs *fs, struct tern_bcache *c,
				struct tern_tarfs_config *cfg);

/* Reads every header of the image in cache and builds the index in mem
 * (mem_size >= tern_tarfs_mem_size(cfg), 8-byte aligned). The cache must
 * stay open while fs is used. Returns 0, or
 *   -TERN_EBADMSG       the archive is malformed or truncated;
 *   -TERN_ENAMETOOLONG  a name or link longer than TERN_TARFS_PATH_MAX;
 *   -TERN_ENOSPC        more entries or name bytes than cfg allows;
 *   -TERN_EINVAL        cfg is invalid or mem too small;
 *   -TERN_EIO           the device failed (or another error of
 *                       tern_bcache_read). */
TERN_API int tern_tarfs_open(struct tern_tarfs *fs, struct tern_bcache *c,
			     const struct tern_tarfs_config *cfg, void *mem,
			     size_t mem_size);

/* Opens a block cache over dev with cache_cfg (its block size raised to
 * the device's sector size if smaller) and the tar index of the image on
 * it, both in memory from tern_mem_alloc that is never freed (a server's
 * lifetime). Returns 0, -TERN_ENOMEM, or an error of tern_bcache_init,
 * tern_tarfs_measure or tern_tarfs_open (-TERN_EBADMSG: not a tar image). */
TERN_API int tern_tarfs_mount(struct tern_tarfs *fs, struct tern_bcache *cache,
			      struct tern_blkdev *dev,
			      const struct tern_bcache_config *cache_cfg);

/* Resolves path (following symlinks, also in the last component unless
 * TERN_TARFS_NOFOLLOW) to *ino. Returns 0, -TERN_ENOENT, -TERN_ENOTDIR (a
 * component is not a directory), -TERN_ELOOP (more than
 * TERN_TARFS_LINK_DEPTH symlinks) or -TERN_ENAMETOOLONG. */
TERN_API int tern_tarfs_lookup(struct tern_tarfs *fs, const char *path,
			       unsigned flags, uint32_t *ino);

/* Fills *st for ino. Returns 0 or -TERN_ENOENT (no such inode). */
TERN_API int tern_tarfs_stat(const struct tern_tarfs *fs, uint32_t ino,
			     struct tern_tarfs_stat *st);

/* Copies up to len bytes of file ino from byte off into buf. Returns the
 * bytes copied (0 at or past the end), -TERN_EISDIR, -TERN_EINVAL (not a
 * regular file, or len above INT32_MAX), -TERN_ENOENT, or an error of
 * tern_bcache_read (-TERN_EIO). May block (see above). */
TERN_API int tern_tarfs_read(struct tern_tarfs *fs, uint32_t ino, void *buf,
			     size_t len, uint64_t off);

/* File bytes borrowed from the block cache (tern_tarfs_borrow): len bytes
 * at data, valid and pinned in the cache until tern_tarfs_return. */
struct tern_tarfs_span {
	const uint8_t *data;
	size_t len;
	struct tern_bcache_buf *buf; /* private: the pinned block */
};

/* Flag of tern_tarfs_borrow: do not wait. A block not in the cache (or
 * still being read) is -TERN_EAGAIN, its read started, so a later borrow
 * finds it; a cache with no free slot is -TERN_EAGAIN too. */
#define TERN_TARFS_NOWAIT 1u

/* Borrows the bytes of file ino from byte off to the end of the cache
 * block that holds off, or to the file's end if that comes first, without
 * copying them: the way to hand a file to a writer that copies anyway (a
 * socket's send ring). The block stays pinned until tern_tarfs_return, so
 * hold a span briefly: every span held is a cache slot no one else can
 * use. Borrowing several spans at once, wait (flags 0) only for the first
 * and take the rest with TERN_TARFS_NOWAIT: a fiber that waits while
 * holding spans can deadlock with others doing the same once the cache is
 * all pinned. Returns the span's length (> 0) with *span filled, 0 at or
 * past the end (nothing borrowed), or an error as tern_tarfs_read, or
 * -TERN_EAGAIN (NOWAIT). Without NOWAIT it may block. */
TERN_API int tern_tarfs_borrow(struct tern_tarfs *fs, uint32_t ino,
			       uint64_t off, unsigned flags,
			       struct tern_tarfs_span *span);

/* Gives back a span that tern_tarfs_borrow filled. */
TERN_API void tern_tarfs_return(struct tern_tarfs *fs,
				struct tern_tarfs_span *span);

/* Copies symlink ino's target text (NUL-terminated) into buf. Returns its
 * length, -TERN_EINVAL (not a symlink), -TERN_ERANGE (cap too small) or
 * -TERN_ENOENT. */
TERN_API int tern_tarfs_readlink(const struct tern_tarfs *fs, uint32_t ino,
				 char *buf, size_t cap);

/* Lists directory dir: *cookie starts at 0; each call returns 1 and the next
 * entry in *d (archive order), or 0 at the end. Returns -TERN_ENOTDIR or
 * -TERN_ENOENT for a bad dir. */
TERN_API int tern_tarfs_readdir(const struct tern_tarfs *fs, uint32_t dir,
				uint32_t *cookie, struct tern_tarfs_dirent *d);

/* The full normalised path of ino ("" for the root), or NULL. */
TERN_API const char *tern_tarfs_path(const struct tern_tarfs *fs, uint32_t ino);

/* Entries in the index (the root included). */
static inline uint32_t tern_tarfs_count(const struct tern_tarfs *fs)
{
	return fs->nentries;
}

#endif
