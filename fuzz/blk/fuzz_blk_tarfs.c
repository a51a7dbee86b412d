/*
 * fuzz_blk_tarfs.c - arbitrary bytes as a tar image: tarfs measures and
 * opens it through the block cache on an in-memory disk, then walks every
 * directory, looks up every path (and the input's tail as a path), follows
 * links and reads every file. Checked: no crash or read outside the image
 * (ASan; the disk rejects out-of-range requests), measure's capacities are
 * always enough, and every listed entry looks up to itself. Checksums are
 * not verified in fuzzing builds (TERN_FUZZING), so the fuzzer gets past
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdisk.h"
#include "tern/tarfs.h"

#define MAX_IMAGE (256 * 1024)

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_blk_tarfs: %s\n", what);
		abort();
	}
}

static struct tern_tarfs fs;

static void walk(uint32_t dir, unsigned depth, uint64_t *budget)
{
	struct tern_tarfs_dirent d;
	uint32_t cookie = 0, ino;
	uint8_t buf[1024];

	while (*budget > 0 && tern_tarfs_readdir(&fs, dir, &cookie, &d) == 1) {
		const char *path = tern_tarfs_path(&fs, d.ino);
		struct tern_tarfs_stat st;
		uint64_t off = 0;
		int r;

		(*budget)--;
		check(path != NULL && strlen(d.name) == d.name_len,
		      "bad dirent");
		r = tern_tarfs_lookup(&fs, path, TERN_TARFS_NOFOLLOW, &ino);
		check(r == 0 && ino == d.ino, "an entry does not look up to "
					      "itself");
		tern_tarfs_lookup(&fs, path, 0, &ino);
		check(tern_tarfs_stat(&fs, d.ino, &st) == 0, "stat");
		if (st.type == TERN_TARFS_FILE) {
			while ((r = tern_tarfs_read(&fs, d.ino, buf,
						    sizeof(buf), off)) > 0 &&
			       *budget > 0) {
				off += (uint64_t)r;
				(*budget)--;
			}
			check(r >= 0, "read failed on a memory disk");
		} else if (st.type == TERN_TARFS_SYMLINK) {
			char link[TERN_TARFS_PATH_MAX + 1];

			check(tern_tarfs_readlink(&fs, d.ino, link,
						  sizeof(link)) == (int)st.size,
			      "readlink");
		} else if (st.type == TERN_TARFS_DIR && depth < 64) {
			walk(d.ino, depth + 1, budget);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memdisk_opts o = { .in_order = true };
	struct tern_bcache_config bc = { 4096, 8, 4 };
	struct tern_tarfs_config cfg;
	static _Alignas(8) uint8_t cache_mem[8 * 4096 + 8192], fs_mem[1 << 20];
	struct tern_bcache cache;
	struct memdisk disk;
	uint64_t budget = 20000;
	char path[256];
	uint32_t ino;
	int r;

	if (size == 0 || size > MAX_IMAGE)
		return 0;
	o.sectors = (size + 511) / 512;
	check(sizeof(cache_mem) >= tern_bcache_mem_size(&bc), "cache memory");
	check(memdisk_open(&disk, &o) == 0, "memdisk_open");
	memcpy(memdisk_data(&disk), data, size);
	check(tern_bcache_init(&cache, &disk.dev, &bc, cache_mem,
			       sizeof(cache_mem)) == 0,
	      "bcache_init");
	r = tern_tarfs_measure(&fs, &cache, &cfg);
	if (r == 0 && tern_tarfs_mem_size(&cfg) <= sizeof(fs_mem)) {
		r = tern_tarfs_open(&fs, &cache, &cfg, fs_mem, sizeof(fs_mem));
		check(r != -TERN_ENOSPC, "measure was not enough");
		check(r == 0, "measure passed but open failed");
		walk(TERN_TARFS_ROOT, 0, &budget);
		/* The input's tail as a path. */
		memcpy(path, data + size - (size < 255 ? size : 255),
		       size < 255 ? size : 255);
		path[size < 255 ? size : 255] = '\0';
		tern_tarfs_lookup(&fs, path, 0, &ino);
		tern_tarfs_lookup(&fs, path, TERN_TARFS_NOFOLLOW, &ino);
	}
	check(tern_bcache_pinned(&cache) == 0, "references leaked");
	check(tern_bcache_drain(&cache) == 0, "drain");
	tern_bcache_fini(&cache);
	memdisk_close(&disk);
	return 0;
}
