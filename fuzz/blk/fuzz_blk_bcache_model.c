/*
 * fuzz_blk_bcache_model.c - the block cache against its model
 * (tests/blk/model.h) with operations from the input: the first bytes pick
 * the disk's seed, fault rates and the cache's size; then every 5 bytes are
 * one operation (get, release, write, poll, sequential read, flush, fault
 * toggle, power cut) and its argument. Any divergence from the model
 * (stale or corrupt data, a flush that did not make data durable, an error
 * not from the device, a block changed under write-back) aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "memdisk.h"
#include "model.h"
#include "model_memdisk.h"

#define SS 512u

static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model_memdisk x;
	static struct model m;
	struct memdisk_opts o = { 0 };
	struct tern_bcache_config bc;
	struct model_dev md;

	if (size < 4 || size > 5 * 4000)
		return 0;
	memset(&x, 0, sizeof(x));
	o.sectors = 64 + (data[0] & 63) * 4 + (data[0] >> 6);
	o.queue_depth = 1 + (data[1] & 15);
	o.undo_cap = 4096;
	o.seed = data[2];
	o.in_order = data[1] & 16;
	bc.block_size = (data[1] & 32) ? 2 * SS : 4 * SS;
	bc.nblocks = 3 + (data[3] & 15);
	bc.readahead_max = data[3] >> 4;
	x.faults.read_eio_ppm = (data[2] & 1) ? 50000 : 0;
	x.faults.write_eio_ppm = (data[2] & 2) ? 50000 : 0;
	x.faults.torn_ppm = (data[2] & 4) ? 50000 : 0;
	x.faults.flush_eio_ppm = (data[2] & 8) ? 50000 : 0;
	if (memdisk_open(&x.disk, &o))
		abort();
	model_memdisk_dev(&x, &md, 0);
	model_fill_initial(memdisk_data(&x.disk), o.sectors, SS);
	memdisk_settle(&x.disk);
	model_init(&m, &md, &bc, 6, data[2]);
	for (size_t i = 4; i + 5 <= size; i += 5) {
		uint32_t a;

		memcpy(&a, data + i + 1, 4);
		model_op(&m, data[i], mix(a + 0x9e3779b97f4a7c15ull));
	}
	model_finish(&m);
	memdisk_close(&x.disk);
	return 0;
}
