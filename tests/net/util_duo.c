/*
 * util_duo.c - two stacks over a memlink under the virtual clock (see
 * util_duo.h).
 */
#include "util_duo.h"

#include <criterion/criterion.h>
#include <string.h>

#include "tern/hosted.h"

/* duo_open, with A on software TSO over end a if tso. */
static struct duo *open_rig(const struct tern_memlink_faults *faults,
			    const struct tern_net_config *base, uint64_t seed,
			    bool tso)
{
	struct tern_memlink_opts opts;
	struct tern_net_config cfg;
	struct duo *d = tern_mem_alloc(sizeof(*d));

	cr_assert_not_null(d);
	d->seed = seed;
	tern_hosted_clock_use_virtual(DUO_T0);
	memset(&opts, 0, sizeof(opts));
	opts.name = "duo";
	opts.seed = seed;
	if (faults) {
		opts.faults[TERN_MEMLINK_AB] = *faults;
		opts.faults[TERN_MEMLINK_BA] = *faults;
	}
	cr_assert_eq(tern_memlink_create(&d->link, &opts), 0);

	if (base)
		cfg = *base;
	else
		tern_net_config_default(&cfg);
	cfg.seed = seed;
	cr_assert_eq(tern_net_init(&d->a, &cfg), 0);
	cfg.seed = seed ^ 0x5555;
	cr_assert_eq(tern_net_init(&d->b, &cfg), 0);
	if (tso)
		tso_dev_init(&d->tso, &d->link.a.dev, "tso.a");
	cr_assert_eq(tern_net_add_if(&d->a, tso ? &d->tso.dev : &d->link.a.dev),
		     0);
	cr_assert_eq(tern_net_add_if(&d->b, &d->link.b.dev), 0);
	cr_assert_eq(tern_net_if_set_addr(&d->a, 0, DUO_A_IP, 24, 0,
					  tern_clock_monotonic()),
		     0);
	cr_assert_eq(tern_net_if_set_addr(&d->b, 0, DUO_B_IP, 24, 0,
					  tern_clock_monotonic()),
		     0);
	tern_sched_init(&d->sched);
	cr_assert_eq(tern_net_loop_start(&d->la, &d->a, &d->sched), 0);
	cr_assert_eq(tern_net_loop_start(&d->lb, &d->b, &d->sched), 0);
	return d;
}

struct duo *duo_open(const struct tern_memlink_faults *faults,
		     const struct tern_net_config *base, uint64_t seed)
{
	return open_rig(faults, base, seed, false);
}

struct duo *duo_open_tso(const struct tern_memlink_faults *faults,
			 const struct tern_net_config *base, uint64_t seed)
{
	return open_rig(faults, base, seed, true);
}

/* Runs every timer of net out and checks nothing is left in its pools. */
static void drain(struct tern_net *net, const char *name)
{
	uint64_t d = tern_net_next_deadline(net);

	for (int i = 0; i < 1000 && d != TERN_NO_DEADLINE; i++)
		d = tern_net_timers(net, d);
	cr_assert_eq(tern_net_pkts_in_use(net), 0, "%s leaked %u buffers", name,
		     tern_net_pkts_in_use(net));
	cr_assert_eq(tern_net_reasm_in_use(net), 0,
		     "%s leaked %u reassembly buffers", name,
		     tern_net_reasm_in_use(net));
}

void duo_close(struct duo *d)
{
	tern_net_loop_stop(&d->la);
	tern_net_loop_stop(&d->lb);
	cr_assert_eq(tern_sched_stacks(&d->sched), 0, "fiber stacks held");
	drain(&d->a, "A");
	drain(&d->b, "B");
	tern_net_fini(&d->a);
	tern_net_fini(&d->b);
	tern_memlink_destroy(&d->link);
	tern_sched_fini(&d->sched);
	tern_mem_free(d, sizeof(*d));
	tern_hosted_clock_use_real();
}

void duo_echo_run(struct duo *d, struct duo_echo *e, uint16_t ping_id,
		  void (*server)(void *), void (*client)(void *), void *arg)
{
	unsigned long long seed = (unsigned long long)d->seed;

	tern_usock_open(&d->la, &e->server);
	cr_assert_eq(tern_udp_bind(&e->server.udp, 0, 7), 0);
	tern_usock_open(&d->lb, &e->client);
	cr_assert_eq(tern_uping_open(&d->lb, &e->ping, ping_id), 0);
	cr_assert_eq(tern_fiber_spawn(&d->sched, &e->fs, "server", server, arg,
				      0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&d->sched, &e->fc, "client", client, arg,
				      0),
		     0);
	cr_assert_eq(tern_sched_run(&d->sched), 0, "seed %llu", seed);
	cr_assert_eq(tern_fiber_join(&d->sched, &e->fs), 0, "seed %llu", seed);
	cr_assert_eq(tern_fiber_join(&d->sched, &e->fc), 0, "seed %llu", seed);
}

void duo_echo_close(struct duo_echo *e)
{
	tern_usock_close(&e->client);
	tern_uping_close(&e->ping);
}
