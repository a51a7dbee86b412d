/*
 * test_loop.c - the stack on fibers (net_loop.h): two stacks over a
 * perfect memlink under the virtual clock; a blocking UDP echo server and
 * client, ping sockets, receive deadlines, closing a socket under a blocked
 * reader, the deadline timer driving ARP retries, and the receive
 * poller passing device flags on (on a scripted device).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/hosted.h"
#include "tern/udp.h"
#include "util_duo.h"
#include "util_net.h"

struct echo_ctx {
	struct duo *d;
	struct duo_echo e;
	unsigned served, echoed, pinged;
	int server_exit;
	uint64_t timeout_at;
	int timeout_rc;
};

static void server_fiber(void *arg)
{
	struct echo_ctx *c = arg;
	struct tern_udp_meta m;
	char buf[2048];
	int n;

	for (;;) {
		n = tern_usock_recvfrom(&c->e.server, buf, sizeof(buf), &m,
					TERN_NO_DEADLINE);
		if (n < 0) {
			c->server_exit = n;
			return;
		}
		c->served++;
		cr_assert_eq(tern_usock_sendto(&c->e.server, m.src, m.sport,
					       buf, (size_t)n),
			     n);
	}
}

static void client_fiber(void *arg)
{
	struct echo_ctx *c = arg;
	struct tern_sched *s = &c->d->sched;
	struct tern_ping_reply r;
	char out[64], in[64];
	int n;

	for (unsigned i = 0; i < 50; i++) {
		int len = snprintf(out, sizeof(out), "message %u", i);

		cr_assert_eq(tern_usock_sendto(&c->e.client, DUO_A_IP, 7, out,
					       (size_t)len),
			     len);
		n = tern_usock_recvfrom(&c->e.client, in, sizeof(in), NULL,
					tern_sched_now(s) + TERN_NSEC_PER_SEC);
		cr_assert_eq(n, len, "message %u: %d", i, n);
		cr_assert_arr_eq(in, out, (size_t)len);
		c->echoed++;
	}
	for (uint16_t seq = 0; seq < 10; seq++) {
		cr_assert_eq(tern_uping_send(&c->e.ping, DUO_A_IP, seq, "ping",
					     4),
			     4);
		n = tern_uping_recv(&c->e.ping, in, sizeof(in), &r,
				    tern_sched_now(s) + TERN_NSEC_PER_SEC);
		cr_assert_eq(n, 4);
		cr_assert_eq(r.seq, seq);
		cr_assert_eq(r.src, DUO_A_IP);
		c->pinged++;
	}
	/* Nothing comes: the deadline passes, exactly on virtual time. */
	c->timeout_at = tern_sched_now(s) + 250 * TERN_NSEC_PER_MSEC;
	c->timeout_rc = tern_usock_recvfrom(&c->e.client, in, sizeof(in), NULL,
					    c->timeout_at);
	cr_assert_eq(tern_sched_now(s), c->timeout_at);
	/* Closing the server's socket releases its blocked reader. */
	tern_usock_close(&c->e.server);
}

Test(net_loop, udp_echo_and_ping_over_fibers)
{
	struct echo_ctx *c = calloc(1, sizeof(*c));

	c->d = duo_open(NULL, NULL, 42);
	duo_echo_run(c->d, &c->e, 77, server_fiber, client_fiber, c);
	cr_assert_eq(c->echoed, 50);
	cr_assert_eq(c->served, 50);
	cr_assert_eq(c->pinged, 10);
	cr_assert_eq(c->timeout_rc, -TERN_ETIMEDOUT);
	cr_assert_eq(c->server_exit, -TERN_ECANCELED);
	cr_assert_eq(tern_net_stats(&c->d->a)->icmp_echo_reply_tx, 10);
	cr_assert_eq(tern_net_stats(&c->d->a)->udp_rx, 50);
	duo_echo_close(&c->e);
	duo_close(c->d);
	free(c);
}

struct arp_ctx {
	struct duo *d;
	struct tern_usock s;
	struct tern_fiber f;
	uint64_t start, end;
};

/* Sends to an address nobody has, then sleeps long enough for every ARP
 * retry: the wheel timer must fire them on time. */
static void lonely_fiber(void *arg)
{
	struct arp_ctx *c = arg;

	c->start = tern_sched_now(&c->d->sched);
	cr_assert_eq(tern_usock_sendto(&c->s, 0x0a000063u, 9, "x", 1), 1);
	tern_sleep(&c->d->sched, 10 * TERN_NSEC_PER_SEC);
	c->end = tern_sched_now(&c->d->sched);
}

Test(net_loop, deadline_timer_drives_arp_retries)
{
	struct arp_ctx *c = calloc(1, sizeof(*c));
	const struct tern_net_stats *st;

	c->d = duo_open(NULL, NULL, 7);
	tern_usock_open(&c->d->la, &c->s);
	cr_assert_eq(tern_fiber_spawn(&c->d->sched, &c->f, "lonely",
				      lonely_fiber, c, 0),
		     0);
	cr_assert_eq(tern_sched_run(&c->d->sched), 0);
	tern_fiber_join(&c->d->sched, &c->f);
	st = tern_net_stats(&c->d->a);
	/* The gratuitous ARP and three requests. */
	cr_assert_eq(st->arp_requests, 1 + 3);
	cr_assert_eq(st->arp_unresolved, 1);
	cr_assert_eq(tern_net_next_deadline(&c->d->a), TERN_NO_DEADLINE);
	tern_usock_close(&c->s);
	duo_close(c->d);
	free(c);
}

/* ---- Out of receive buffers: the loop sleeps, it does not spin ---------- */

#define HOG_FROM (DUO_T0 + 5 * TERN_NSEC_PER_MSEC) /* takes every buffer */
#define HOG_UNTIL (HOG_FROM + TERN_NSEC_PER_SEC)   /* then gives them back */
#define FLOOD 300	   /* datagrams B sends meanwhile */
#define SPIN_POLLS 100000u /* polls that can only be a spin */

/* A greedy holder of stack A's frame buffers, as a zero-copy reader or a
 * full reassembly queue would be: a poller after the net loops', so from
 * HOG_FROM to HOG_UNTIL it takes every buffer the stack frees in a turn
 * before the loop can reuse it. It also counts polls, and stops the loop if
 * they can only come from a spin (virtual time then never moves on). */
struct hog_ctx {
	struct duo *d;
	struct tern_usock rx, tx;
	struct tern_fiber fs, fr;
	struct tern_poller hog;
	struct tern_list held;
	uint64_t polls, released_at, received_before;
	unsigned held_count, received;
	bool spun;
};

static int hog_poll(struct tern_poller *p, uint64_t now)
{
	struct hog_ctx *c = p->ctx;
	struct tern_pkt *pkt;

	if (++c->polls == SPIN_POLLS) {
		c->spun = true;
		tern_sched_stop(&c->d->sched);
	}
	if (now >= HOG_UNTIL && !c->released_at) {
		c->received_before = tern_net_stats(&c->d->a)->udp_rx;
		c->released_at = now;
		tern_pkt_free_list(&c->held);
	} else if (now >= HOG_FROM && !c->released_at) {
		while ((pkt = tern_pkt_alloc(&c->d->a.pool, 0)) != NULL) {
			tern_list_add_tail(&c->held, &pkt->link);
			c->held_count++;
		}
	}
	return 0;
}

static uint64_t hog_deadline(struct tern_poller *p)
{
	struct hog_ctx *c = p->ctx;

	return c->released_at ? TERN_NO_DEADLINE : HOG_UNTIL;
}

/* B: one datagram to resolve ARP, then a flood while A has no buffers. */
static void flood_fiber(void *arg)
{
	struct hog_ctx *c = arg;

	cr_assert_eq(tern_usock_sendto(&c->tx, DUO_A_IP, 9, "warm", 4), 4);
	tern_sleep_until(&c->d->sched, HOG_FROM + TERN_NSEC_PER_MSEC);
	for (unsigned i = 0; i < FLOOD; i++)
		(void)tern_usock_sendto(&c->tx, DUO_A_IP, 9, "flood", 5);
}

/* A: reads nothing while the hog holds the buffers, then takes what the
 * socket queued once they came back. */
static void drain_fiber(void *arg)
{
	struct hog_ctx *c = arg;
	char buf[64];

	tern_sleep_until(&c->d->sched, HOG_UNTIL + 100 * TERN_NSEC_PER_MSEC);
	while (tern_usock_recvfrom(&c->rx, buf, sizeof(buf), NULL, 0) > 0)
		c->received++;
}

Test(net_loop, out_of_buffers_pauses_the_device_instead_of_spinning)
{
	struct hog_ctx *c = calloc(1, sizeof(*c));
	int rc;

	c->d = duo_open(NULL, NULL, 11);
	tern_list_init(&c->held);
	tern_usock_open(&c->d->la, &c->rx);
	cr_assert_eq(tern_udp_bind(&c->rx.udp, 0, 9), 0);
	tern_usock_open(&c->d->lb, &c->tx);
	tern_list_init(&c->hog.link);
	c->hog.poll = hog_poll;
	c->hog.next_deadline = hog_deadline;
	c->hog.ctx = c;
	tern_sched_add_poller(&c->d->sched, &c->hog);
	cr_assert_eq(tern_fiber_spawn(&c->d->sched, &c->fs, "flood",
				      flood_fiber, c, 0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&c->d->sched, &c->fr, "drain",
				      drain_fiber, c, 0),
		     0);
	rc = tern_sched_run(&c->d->sched);
	cr_assert(!c->spun, "the loop spun %llu polls with no buffers",
		  (unsigned long long)c->polls);
	cr_assert_eq(rc, 0);
	tern_fiber_join(&c->d->sched, &c->fs);
	tern_fiber_join(&c->d->sched, &c->fr);
	cr_assert_gt(c->held_count, 0);
	cr_assert_geq(c->d->la.rx_pauses, 1);
	cr_assert_eq(c->released_at, HOG_UNTIL);
	/* Frames that waited in the link were taken once buffers came back,
	 * and the interface is no longer paused. */
	cr_assert_gt(tern_net_stats(&c->d->a)->udp_rx, c->received_before);
	cr_assert(!c->d->la.rx_paused[0]);
	cr_assert(!c->d->link.a.rx_paused);
	cr_assert_gt(c->received, 0);
	tern_sched_remove_poller(&c->d->sched, &c->hog);
	tern_usock_close(&c->rx);
	tern_usock_close(&c->tx);
	duo_close(c->d);
	free(c);
}

/* The receive poller hands the device's tern_rx.flags on with each frame:
 * of two copies of a datagram with a wrong checksum, the one the device
 * flagged TERN_RX_CSUM_VALID is taken, the other dropped. */
Test(net_loop, device_rx_flags_reach_the_stack)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t udp[12] = { 0x9c, 0x40, 0,   9,	  0,   12,
			    0x12, 0x34, 't', 'e', 'r', 'n' };
	struct tern_net_loop l;
	struct tern_sched s;
	struct tern_udp u;
	uint8_t f[128];
	size_t n = tnet_ipv4(f, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			     TERN_IPPROTO_UDP, 1, 0, false, udp, sizeof(udp));

	tern_udp_open(&t->net, &u);
	cr_assert_eq(tern_udp_bind(&u, 0, 9), 0);
	tern_sched_init(&s);
	cr_assert_eq(tern_net_loop_start(&l, &t->net, &s), 0);
	tnet_dev_queue(&t->dev, f, n, 0);
	tnet_dev_queue(&t->dev, f, n, TERN_RX_CSUM_VALID);
	cr_assert_eq(l.poller.poll(&l.poller, t->now), 2);
	cr_assert_eq(tnet_stat(&t->net, "udp_bad_cksum"), 1);
	cr_assert_eq(tnet_stat(&t->net, "udp_rx_csum_skipped"), 1);
	cr_assert_eq(tnet_stat(&t->net, "udp_rx"), 1);
	cr_assert(tern_udp_readable(&u));
	tern_udp_close(&u);
	tern_net_loop_stop(&l);
	tern_sched_fini(&s);
	tnet_free(t);
}
