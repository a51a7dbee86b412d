/*
 * util_duo.h - two stacks joined by a memlink, on one scheduler, under the
 * hosted virtual clock: the rig of the component tests.
 *
 * Stack A (10.0.0.1/24) sits on end a, stack B (10.0.0.2/24) on end b. Both
 * are driven by net loops on the same scheduler, so fibers on either side
 * talk over the link, and tern_wait() jumps the clock straight to the next
 * frame delivery or timer: a run is a deterministic function of the seed.
 */
#ifndef TERN_TESTS_NET_UTIL_DUO_H
#define TERN_TESTS_NET_UTIL_DUO_H

#include <stdint.h>

#include "tern/hosted/memlink.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/sched.h"

#define DUO_A_IP 0x0a000001u
#define DUO_B_IP 0x0a000002u

struct duo {
	struct tern_memlink link;
	struct tern_net a, b;
	struct tern_sched sched;
	struct tern_net_loop la, lb;
};

/* Allocates and starts a duo. faults may be NULL (a perfect link); the
 * same faults apply to both directions. cfg may be NULL (defaults); its
 * seed is replaced: seed drives the link and both stacks. */
struct duo *duo_open(const struct tern_memlink_faults *faults,
		     const struct tern_net_config *cfg, uint64_t seed);

/* Stops the loops, asserts both stacks' pools are back to empty and every
 * fiber stack released, and frees everything. */
void duo_close(struct duo *d);

#endif
