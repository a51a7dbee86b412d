/*
 * model_memdisk.c - a memdisk as the model's device (see model_memdisk.h).
 */
#include "model_memdisk.h"

#include <string.h>

static void power_cut(void *ctx, uint32_t keep)
{
	memdisk_power_cut(&((struct model_memdisk *)ctx)->disk, keep);
}

static void image(void *ctx, uint8_t *out)
{
	struct memdisk *d = &((struct model_memdisk *)ctx)->disk;

	memcpy(out, memdisk_data(d), d->dev.sector_count * d->dev.sector_size);
}

static void durable(void *ctx, uint8_t *out)
{
	memdisk_durable_image(&((struct model_memdisk *)ctx)->disk, out);
}

static void faults(void *ctx, bool on)
{
	struct model_memdisk *x = ctx;
	struct memdisk_faults none = { 0 };

	memdisk_set_faults(&x->disk, on ? &x->faults : &none);
	if (x->bad != UINT64_MAX)
		memdisk_fail_sector(&x->disk, x->bad, 0);
	x->bad = UINT64_MAX;
	if (x->bad_sectors && on && tern_rand_below(&x->rand, 2)) {
		x->bad = tern_rand_below(&x->rand, x->disk.dev.sector_count);
		memdisk_fail_sector(&x->disk, x->bad,
				    MEMDISK_FAIL_READ | MEMDISK_FAIL_WRITE);
	}
}

static uint64_t unstable(void *ctx)
{
	return ((struct model_memdisk *)ctx)->disk.stats.unstable_writes;
}

static uint64_t read_errors(void *ctx)
{
	return ((struct model_memdisk *)ctx)->disk.stats.read_errors;
}

static uint64_t write_errors(void *ctx)
{
	const struct memdisk_stats *s =
		&((struct model_memdisk *)ctx)->disk.stats;

	return s->write_errors + s->flush_errors + s->power_cuts;
}

void model_memdisk_dev(struct model_memdisk *x, struct model_dev *md,
		       uint64_t seed)
{
	x->bad = UINT64_MAX;
	tern_rand_seed(&x->rand, seed);
	memset(md, 0, sizeof(*md));
	md->dev = &x->disk.dev;
	md->ctx = x;
	md->power_cut = power_cut;
	md->image = image;
	md->durable_image = durable;
	md->faults = faults;
	md->unstable = unstable;
	md->read_errors = read_errors;
	md->write_errors = write_errors;
}
