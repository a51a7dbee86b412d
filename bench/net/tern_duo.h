/*
 * tern_duo.h - two Tern stacks on one fiber scheduler, joined by a
 * memlink (MTU 1500, 512 frame slots each way, no faults), for the TCP
 * benchmarks: stack a is TERN_DUO_A_IP on end a, stack b TERN_DUO_B_IP on
 * end b, both in 10.0.0.0/24 with the stack's default configuration.
 */
#ifndef TERN_BENCH_NET_TERN_DUO_H
#define TERN_BENCH_NET_TERN_DUO_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/hosted/memlink.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/sched.h"

#define TERN_DUO_A_IP 0x0a000001u
#define TERN_DUO_B_IP 0x0a000002u
#define TERN_DUO_FRAMES 512 /* memlink slots per direction */

extern const uint8_t tern_duo_mac_a[6], tern_duo_mac_b[6];

struct tern_duo {
	struct tern_memlink link;
	struct tern_net a, b;
	struct tern_sched sched;
	struct tern_net_loop la, lb;
};

/* Makes link with tern_duo_mac_a and _b (registered with tern_wait only
 * if waker is true). Returns 0, or -1 if it could not be allocated. */
int tern_duo_link(struct tern_memlink *link, bool waker);

/* Creates the link, both stacks (seed 1) and the scheduler, and starts
 * both stacks' loops on it. Returns 0, or -1 if something could not be
 * allocated. */
int tern_duo_init(struct tern_duo *d);

#endif
