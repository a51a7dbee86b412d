/*
 * netcheck/main.c - the network test app, built both ways: as a guest
 * image for QEMU and as a hosted executable for the wire tests, from this
 * one source (tern_add_unikernel in tests/guest/hosted).
 *
 * It configures net0 (--ip) and net1 (--ip1), answers pings (the stack
 * does), echoes UDP datagrams on --echo-port, and pings --peer (and
 * --peer1): first until one reply comes back (the peer may still be
 * booting; at most --wait-ms), then --count times. Then it lingers
 * --linger-ms so its peer can finish too, and exits 0 if every counted
 * ping was answered. With --linger-ms 0
 * it serves until a datagram "quit" arrives on the echo port (how the
 * host ends a guest cleanly, getting its status and statistics).
 *
 * Console lines the test scripts wait for:
 *   "netcheck: ready"                        addresses set, serving
 *   "netcheck: ping A.B.C.D: N/N replies"    one peer done
 */
#include <string.h>

#include "tern/app.h"
#include "tern/inet.h"
#include "tern/log.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/sched.h"

#define PING_TRIES 3
#define PING_TIMEOUT (1 * TERN_NSEC_PER_SEC)
#define PING_DATA 56
#define WARMUP_INTERVAL (300 * TERN_NSEC_PER_MSEC)

enum { F_IP1, F_PEER, F_PEER1, F_COUNT, F_LINGER, F_ECHO_PORT, F_WAIT };

static const struct tern_flag flags[] = {
	[F_IP1] = { "ip1", TERN_FLAG_STRING, "A.B.C.D/N", "address of net1" },
	[F_PEER] = { "peer", TERN_FLAG_STRING, "A.B.C.D", "ping this host" },
	[F_PEER1] = { "peer1", TERN_FLAG_STRING, "A.B.C.D",
		      "ping this host too" },
	[F_COUNT] = { "count", TERN_FLAG_U64, "N", "pings per peer (5)" },
	[F_LINGER] = { "linger-ms", TERN_FLAG_U64, "MS",
		       "serve this long after pinging; 0: until \"quit\" "
		       "(3000)" },
	[F_ECHO_PORT] = { "echo-port", TERN_FLAG_U64, "PORT",
			  "UDP echo port (7)" },
	[F_WAIT] = { "wait-ms", TERN_FLAG_U64, "MS",
		     "wait this long for a peer's first reply (30000)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

struct pinger {
	struct netcheck *nc;
	struct tern_fiber fiber;
	struct tern_uping sock;
	uint32_t peer;
	uint16_t id;
	unsigned answered;
};

struct netcheck {
	struct tern_sched sched;
	struct tern_net net;
	struct tern_net_loop loop;
	struct tern_usock echo;
	struct tern_fiber echo_fiber, main_fiber;
	struct pinger pingers[2];
	unsigned n_pingers;
	unsigned count;
	uint64_t linger_ns;
	uint64_t wait_ns;
	bool quit;
	bool failed;
};

/* Pings until the peer answers once (it may still be booting); returns
 * false if it never did within nc->wait_ns. Sequence numbers from 1000. */
static bool warm_up(struct pinger *p, const uint8_t *data)
{
	struct netcheck *nc = p->nc;
	uint64_t end = tern_sched_now(&nc->sched) + nc->wait_ns;
	uint8_t buf[PING_DATA];

	for (uint16_t seq = 1000; tern_sched_now(&nc->sched) < end; seq++) {
		struct tern_ping_reply r;

		tern_uping_send(&p->sock, p->peer, seq, data, PING_DATA);
		if (tern_uping_recv(&p->sock, buf, sizeof(buf), &r,
				    tern_sched_now(&nc->sched) +
					    WARMUP_INTERVAL) >= 0)
			return true;
	}
	return false;
}

static void ping_fn(void *arg)
{
	struct pinger *p = arg;
	struct netcheck *nc = p->nc;
	char addr[TERN_IPV4_STR_MAX];
	uint8_t data[PING_DATA], buf[PING_DATA];

	for (unsigned i = 0; i < PING_DATA; i++)
		data[i] = (uint8_t)i;
	if (!warm_up(p, data)) {
		tern_log_error("netcheck: ping %s: no reply at all",
			       tern_ipv4_format(p->peer, addr));
		return;
	}
	for (unsigned seq = 1; seq <= nc->count; seq++) {
		for (int try = 0; try < PING_TRIES; try++) {
			struct tern_ping_reply r;
			uint64_t deadline;
			int rc;

			tern_uping_send(&p->sock, p->peer, (uint16_t)seq, data,
					sizeof(data));
			deadline = tern_sched_now(&nc->sched) + PING_TIMEOUT;
			do {
				rc = tern_uping_recv(&p->sock, buf, sizeof(buf),
						     &r, deadline);
			} while (rc >= 0 && r.seq != seq);
			if (rc == (int)sizeof(data) &&
			    memcmp(buf, data, sizeof(data)) == 0) {
				p->answered++;
				break;
			}
		}
		tern_sleep(&nc->sched, 100 * TERN_NSEC_PER_MSEC);
	}
	tern_log_info("netcheck: ping %s: %u/%u replies",
		      tern_ipv4_format(p->peer, addr), p->answered, nc->count);
}

static void echo_fn(void *arg)
{
	struct netcheck *nc = arg;
	uint8_t buf[2048];

	for (;;) {
		struct tern_udp_meta meta;
		int n = tern_usock_recvfrom(&nc->echo, buf, sizeof(buf), &meta,
					    TERN_NO_DEADLINE);

		if (n < 0)
			return; /* closed */
		if (n == 4 && memcmp(buf, "quit", 4) == 0) {
			nc->quit = true;
			tern_sched_stop(&nc->sched);
			return;
		}
		tern_usock_sendto(&nc->echo, meta.src, meta.sport, buf,
				  (size_t)n);
	}
}

/* Waits for the pingers, lingers, stops the loop. */
static void main_fn(void *arg)
{
	struct netcheck *nc = arg;

	for (unsigned i = 0; i < nc->n_pingers; i++) {
		struct pinger *p = &nc->pingers[i];

		tern_fiber_join(&nc->sched, &p->fiber);
		if (p->answered < nc->count)
			nc->failed = true;
	}
	if (nc->linger_ns == 0)
		return; /* serve until "quit" */
	tern_sleep(&nc->sched, nc->linger_ns);
	tern_sched_stop(&nc->sched);
}

static int add_pinger(struct netcheck *nc, const char *peer)
{
	struct pinger *p = &nc->pingers[nc->n_pingers];

	if (tern_ipv4_parse(peer, &p->peer) < 0) {
		tern_log_error("netcheck: bad peer %s", peer);
		return -TERN_EINVAL;
	}
	p->nc = nc;
	p->id = (uint16_t)(0x7e00 + nc->n_pingers);
	if (tern_uping_open(&nc->loop, &p->sock, p->id) < 0 ||
	    tern_fiber_spawn(&nc->sched, &p->fiber, "pinger", ping_fn, p, 0))
		return -TERN_ENOMEM;
	nc->n_pingers++;
	return 0;
}

static int configure(struct netcheck *nc, struct tern_boot *boot)
{
	const struct tern_args *a = boot->args;
	const char *ip1 = tern_args_str(a, &tern_app, "ip1", NULL);
	uint64_t now = tern_clock_monotonic();
	uint32_t addr;
	unsigned prefix;

	for (unsigned i = 0; i < boot->n_net; i++)
		if (tern_net_add_if(&nc->net, boot->net[i]) < 0)
			return -TERN_EINVAL;
	if (!a->has_ip || boot->n_net < 1) {
		tern_log_error("netcheck: needs a netdev and --ip");
		return -TERN_EINVAL;
	}
	if (tern_net_if_set_addr(&nc->net, 0, a->ip, a->prefix,
				 a->has_gw ? a->gw : 0, now) < 0)
		return -TERN_EINVAL;
	if (ip1) {
		if (boot->n_net < 2 ||
		    tern_ipv4_parse_cidr(ip1, &addr, &prefix) < 0 ||
		    tern_net_if_set_addr(&nc->net, 1, addr, prefix, 0, now) <
			    0) {
			tern_log_error("netcheck: --ip1 %s needs net1 and "
				       "A.B.C.D/N",
				       ip1);
			return -TERN_EINVAL;
		}
	}
	return 0;
}

static int netcheck_main(struct tern_boot *boot)
{
	static struct netcheck nc;
	const struct tern_args *a = boot->args;
	const char *peer = tern_args_str(a, &tern_app, "peer", NULL);
	const char *peer1 = tern_args_str(a, &tern_app, "peer1", NULL);
	int rc;

	nc.count = (unsigned)tern_args_u64(a, &tern_app, "count", 5);
	nc.linger_ns = tern_args_u64(a, &tern_app, "linger-ms", 3000) *
		       TERN_NSEC_PER_MSEC;
	nc.wait_ns = tern_args_u64(a, &tern_app, "wait-ms", 30000) *
		     TERN_NSEC_PER_MSEC;
	tern_sched_init(&nc.sched);
	if (tern_net_init(&nc.net, NULL) < 0 || configure(&nc, boot) < 0)
		return 2;
	boot->report = tern_net_report;
	boot->report_ctx = &nc.net;
	tern_net_loop_start(&nc.loop, &nc.net, &nc.sched);
	tern_usock_open(&nc.loop, &nc.echo);
	if (tern_udp_bind(&nc.echo.udp, 0,
			  (uint16_t)tern_args_u64(a, &tern_app, "echo-port",
						  7)) < 0)
		return 2;
	if ((peer && add_pinger(&nc, peer) < 0) ||
	    (peer1 && add_pinger(&nc, peer1) < 0))
		return 2;
	tern_fiber_spawn(&nc.sched, &nc.echo_fiber, "echo", echo_fn, &nc, 0);
	tern_fiber_detach(&nc.echo_fiber);
	tern_fiber_spawn(&nc.sched, &nc.main_fiber, "main", main_fn, &nc, 0);
	tern_fiber_detach(&nc.main_fiber);
	tern_log_info("netcheck: ready");

	rc = tern_sched_run(&nc.sched);
	if (rc < 0 && rc != -TERN_ECANCELED)
		tern_log_error("netcheck: loop: %s", tern_strerror(rc));
	for (unsigned i = 0; i < nc.n_pingers; i++)
		tern_uping_close(&nc.pingers[i].sock);
	tern_usock_close(&nc.echo);
	tern_log_info("netcheck: done (%s)",
		      nc.failed ? "pings unanswered" : "ok");
	return nc.failed ? 1 : 0;
}

const struct tern_app tern_app = {
	.name = "netcheck",
	.summary = "answers pings and UDP echo, pings peers (guest tests)",
	.flags = flags,
	.main = netcheck_main,
};
