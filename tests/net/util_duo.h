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

#include "util_tso.h"

#define DUO_A_IP 0x0a000001u
#define DUO_B_IP 0x0a000002u
#define DUO_T0 (5 * TERN_NSEC_PER_SEC) /* the virtual clock at duo_open */

struct duo {
	uint64_t seed;
	struct tern_memlink link;
	struct tern_net a, b;
	struct tern_sched sched;
	struct tern_net_loop la, lb;
	struct tso_dev tso; /* A's device under duo_open_tso */
};

/* Allocates and starts a duo. faults may be NULL (a perfect link); the
 * same faults apply to both directions. cfg may be NULL (defaults); its
 * seed is replaced: seed drives the link and both stacks. */
struct duo *duo_open(const struct tern_memlink_faults *faults,
		     const struct tern_net_config *cfg, uint64_t seed);

/* duo_open with stack A on d->tso, software TSO over end a (util_tso.h):
 * A sends super-segments that reach B cut into ordinary ones. */
struct duo *duo_open_tso(const struct tern_memlink_faults *faults,
			 const struct tern_net_config *cfg, uint64_t seed);

/* Stops the loops, asserts both stacks' pools are back to empty and every
 * fiber stack released, frees everything and puts the real clock back. */
void duo_close(struct duo *d);

/* The echo rig of test_loop.c and test_lossy.c: a UDP server socket on A
 * port 7, and a UDP client socket and a ping socket on B. */
struct duo_echo {
	struct tern_usock server, client;
	struct tern_uping ping;
	struct tern_fiber fs, fc;
};

/* Opens e's sockets on d (the ping socket with identifier ping_id), runs a
 * server fiber and a client fiber on arg until the loop has nothing left
 * to do, and asserts both ended. Failures name d's seed. */
void duo_echo_run(struct duo *d, struct duo_echo *e, uint16_t ping_id,
		  void (*server)(void *), void (*client)(void *), void *arg);

/* Closes the client and ping sockets (the server's is the fibers' job). */
void duo_echo_close(struct duo_echo *e);

#endif
