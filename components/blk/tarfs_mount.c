/*
 * tarfs_mount.c - a tar image on a block device made ready to serve in one
 * call: the block cache over the device, then the tar index sized by a
 * first scan, both in memory from tern_mem_alloc (what every file-serving
 * app did by hand).
 */
#include "tern/bcache.h"
#include "tern/dev.h"
#include "tern/err.h"
#include "tern/tarfs.h"

int tern_tarfs_mount(struct tern_tarfs *fs, struct tern_bcache *cache,
		     struct tern_blkdev *dev,
		     const struct tern_bcache_config *cache_cfg)
{
	struct tern_bcache_config cc = *cache_cfg;
	struct tern_tarfs_config tc;
	size_t size;
	void *mem;
	int err;

	if (dev->sector_size > cc.block_size)
		cc.block_size = dev->sector_size;
	size = tern_bcache_mem_size(&cc);
	mem = size ? tern_mem_alloc(size) : NULL;
	if (!mem)
		return -TERN_ENOMEM;
	err = tern_bcache_init(cache, dev, &cc, mem, size);
	if (err == 0)
		err = tern_tarfs_measure(fs, cache, &tc);
	if (err < 0)
		return err;
	size = tern_tarfs_mem_size(&tc);
	mem = size ? tern_mem_alloc(size) : NULL;
	return mem ? tern_tarfs_open(fs, cache, &tc, mem, size) : -TERN_ENOMEM;
}
