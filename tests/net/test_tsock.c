/*
 * test_tsock.c - the blocking TCP calls of net_loop.h that the byte-stream
 * simulation does not cover: tern_tsock_poll over several connections
 * (readiness, the deadline, the end of a stream, a closed socket) on two
 * stacks over a perfect memlink under the virtual clock.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/err.h"
#include "tern/tcp.h"
#include "util_duo.h"

#define PORT 6001
#define MS TERN_NSEC_PER_MSEC

struct rig {
	struct duo *d;
	struct tern_tsock listener, served[2], clients[2];
	struct tern_fiber server, client;
	int polls[4]; /* what each poll of the server returned */
	unsigned revents[4][2];
	uint64_t waited[4]; /* virtual ns each poll took */
};

static uint64_t now(struct rig *r)
{
	return tern_sched_now(&r->d->sched);
}

/* Accepts two connections, then polls them: (0) nothing for 100 ms, (1)
 * client 1 writes, (2) client 0 closes, (3) after closing served[1]. */
static void server_fiber(void *arg)
{
	struct rig *r = arg;
	struct tern_tsock_poll set[2];
	char buf[16];

	cr_assert_eq(tern_tsock_listen(&r->d->la, &r->listener, 0, PORT, 4), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(tern_tsock_accept(&r->listener, &r->served[i],
					       now(r) + 1000 * MS),
			     0);
	tern_tsock_close(&r->listener);
	for (int step = 0; step < 4; step++) {
		uint64_t t0 = now(r);

		for (int i = 0; i < 2; i++)
			set[i] = (struct tern_tsock_poll){
				.sock = &r->served[i],
				.events = TERN_TCP_EV_READ
			};
		r->polls[step] = tern_tsock_poll(set, 2, now(r) + 100 * MS);
		r->waited[step] = now(r) - t0;
		for (int i = 0; i < 2; i++)
			r->revents[step][i] = set[i].revents;
		if (step == 1)
			cr_assert_eq(tern_tsock_read(&r->served[1], buf,
						     sizeof(buf), now(r)),
				     5);
		if (step == 2)
			tern_tsock_close(&r->served[1]);
	}
	tern_tsock_close(&r->served[0]);
}

static void client_fiber(void *arg)
{
	struct rig *r = arg;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(tern_tsock_connect(&r->d->lb, &r->clients[i],
						DUO_A_IP, PORT,
						now(r) + 1000 * MS),
			     0);
	tern_sleep(&r->d->sched, 150 * MS);
	cr_assert_eq(tern_tsock_write(&r->clients[1], "hello", 5,
				      now(r) + 1000 * MS),
		     5);
	tern_sleep(&r->d->sched, 20 * MS);
	tern_tsock_close(&r->clients[0]);
	tern_sleep(&r->d->sched, 20 * MS);
	tern_tsock_close(&r->clients[1]);
}

Test(tsock, poll_waits_on_many_connections)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	r.d = duo_open(NULL, NULL, 1);
	cr_assert_eq(tern_fiber_spawn(&r.d->sched, &r.server, "server",
				      server_fiber, &r, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&r.d->sched, &r.client, "client",
				      client_fiber, &r, 0),
		     0);
	cr_assert_eq(tern_sched_run(&r.d->sched), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.server), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.client), 0);
	/* (0) Nothing to read: the deadline, nothing ready. */
	cr_assert_eq(r.polls[0], 0);
	cr_assert_eq(r.waited[0], 100 * MS);
	/* (1) Data on the second connection only, woken before the
	 * deadline. */
	cr_assert_eq(r.polls[1], 1);
	cr_assert_eq(r.revents[1][0], 0);
	cr_assert_eq(r.revents[1][1], TERN_TCP_EV_READ);
	cr_assert_lt(r.waited[1], 100 * MS);
	/* (2) The first one's peer closed: readable (the end). */
	cr_assert_eq(r.polls[2], 1);
	cr_assert_eq(r.revents[2][0] & TERN_TCP_EV_READ, TERN_TCP_EV_READ);
	/* (3) served[1] closed by us: it reports STATE at once. */
	cr_assert_geq(r.polls[3], 1);
	cr_assert(r.revents[3][1] & TERN_TCP_EV_STATE);
	cr_assert_eq(r.waited[3], 0);
	duo_close(r.d);
}
