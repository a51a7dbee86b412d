/*
 * tern_duo.c - two Tern stacks over a memlink on fibers (tern_duo.h).
 */
#include "tern_duo.h"

#include <string.h>

const uint8_t tern_duo_mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
const uint8_t tern_duo_mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };

int tern_duo_link(struct tern_memlink *link, bool waker)
{
	struct tern_memlink_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.name = "bench";
	memcpy(opts.mac_a, tern_duo_mac_a, 6);
	memcpy(opts.mac_b, tern_duo_mac_b, 6);
	opts.frames = TERN_DUO_FRAMES;
	opts.no_waker = !waker;
	return tern_memlink_create(link, &opts) < 0 ? -1 : 0;
}

int tern_duo_init(struct tern_duo *d)
{
	struct tern_net_config cfg;
	uint64_t now = tern_clock_monotonic();

	if (tern_duo_link(&d->link, true) < 0)
		return -1;
	tern_net_config_default(&cfg);
	cfg.seed = 1;
	if (tern_net_init(&d->a, &cfg) < 0 || tern_net_init(&d->b, &cfg) < 0)
		return -1;
	tern_net_add_if(&d->a, &d->link.a.dev);
	tern_net_add_if(&d->b, &d->link.b.dev);
	tern_net_if_set_addr(&d->a, 0, TERN_DUO_A_IP, 24, 0, now);
	tern_net_if_set_addr(&d->b, 0, TERN_DUO_B_IP, 24, 0, now);
	tern_sched_init(&d->sched);
	tern_net_loop_start(&d->la, &d->a, &d->sched);
	tern_net_loop_start(&d->lb, &d->b, &d->sched);
	return 0;
}
