/*
 * main.c - the iperf unikernel: an iperf3-protocol server
 * (iperf_server.h), so that `iperf3 -c ADDR` measures the stack: normal
 * mode (the client sends), -R (the server sends), -P up to 8 streams, -t,
 * -n, -k, -l up to 1 MiB and -O, with or without --json on the client.
 * One test at a time; a second client meanwhile is refused with
 * ACCESS_DENIED ("the server is busy" in iperf3). UDP, SCTP and --bidir
 * are refused with SERVER_ERROR, which iperf3 prints.
 *
 * Configuration: --ip A.B.C.D/N [--gw G] on the first interface (every
 * --net device is added to the stack), --port P (default 5201). Once the
 * address is set it prints "iperf: ready ip=A.B.C.D/N tcp=PORT". Every
 * test prints a line with its bytes and rate; on exit (SIGINT/SIGTERM
 * hosted) the report prints the tests run, the bytes received and sent,
 * and every non-zero counter of the stack.
 *
 * The stack gets bigger TCP buffers than its defaults, sized for eight
 * fast streams (a window of 64 KiB caps a stream at 64 KiB per round
 * trip):
 *
 *   TCP_BUF      1 MiB  send ring and receive window per connection
 *   PKT_COUNT    8192   frame buffers (received data waits in them)
 *   RCV_PKTS     1024   frames a connection may hold in order
 *   OOO_MAX      256    out-of-order segments a connection keeps (after
 *                       a loss a whole window arrives out of order)
 *   TCP_CONNS    32     connections (a test uses at most 9, plus the
 *                       listener and those in TIME_WAIT)
 *
 * Exit status: 0 after a stop request (or when a replayed capture has run
 * out); 2 for a usage error (no device, no address, a bad port); 1 if the
 * stack or the listener could not start.
 */
#include <stdint.h>

#include "iperf_server.h"
#include "tern/app.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"
#include "tern/sched.h"

#define DEFAULT_PORT 5201
#define TCP_BUF (1024u * 1024u)
#define PKT_COUNT 8192u
#define RCV_PKTS 1024u
#define OOO_MAX 256u
#define TCP_CONNS 32u

static const struct tern_flag iperf_flags[] = {
	{ "port", TERN_FLAG_U64, "PORT", "TCP port (default 5201)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int iperf_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "iperf",
	.summary = "an iperf3 server: measures TCP throughput both ways",
	.flags = iperf_flags,
	.main = iperf_main,
};

/* Everything the app owns; static because a unikernel has one of it. */
struct app {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct iperf_server srv;
};

static struct app app;

static void report(void *ctx)
{
	struct app *a = ctx;

	iperf_server_print(&a->srv);
	tern_net_stats_print(&a->net);
}

static void print_ready(struct app *a)
{
	char ip[TERN_IPV4_STR_MAX];
	uint32_t addr;
	unsigned prefix;

	tern_net_if_get_addr(&a->net, 0, &addr, &prefix, NULL);
	tern_printf("iperf: ready ip=%s/%u tcp=%u\n",
		    tern_ipv4_format(addr, ip), prefix, a->srv.port);
}

/* The stack with the buffers of the table above. */
static int start_stack(struct app *a, struct tern_boot *boot)
{
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	cfg.pkt_count = PKT_COUNT;
	cfg.tcp_sndbuf = TCP_BUF;
	cfg.tcp_rcvbuf = TCP_BUF;
	cfg.tcp_rcv_pkts_max = RCV_PKTS;
	cfg.tcp_ooo_max = OOO_MAX;
	cfg.tcp_conns = TCP_CONNS;
	return tern_net_boot(&a->net, &cfg, boot);
}

static int iperf_main(struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	struct app *a = &app;
	uint64_t port;
	int err;

	port = tern_args_u64(args, &tern_app, "port", DEFAULT_PORT);
	if (port == 0 || port > 65535) {
		tern_printf("iperf: --port must be 1..65535\n");
		return 2;
	}
	if (boot->n_net == 0) {
		tern_printf("iperf: no network device (--net)\n");
		return 2;
	}
	if (!args->has_ip) {
		tern_printf("iperf: give --ip A.B.C.D/N\n");
		return 2;
	}
	if (start_stack(a, boot) < 0)
		return 1;
	boot->report = report;
	boot->report_ctx = a;

	tern_sched_init(&a->sched);
	tern_net_loop_start(&a->loop, &a->net, &a->sched);
	err = iperf_server_start(&a->srv, &a->loop, &a->sched, (uint16_t)port);
	if (err < 0) {
		tern_printf("iperf: port %u: %s\n", (unsigned)port,
			    tern_strerror(err));
		return 1;
	}
	err = tern_net_if_set_addr(&a->net, 0, args->ip, args->prefix,
				   args->has_gw ? args->gw : 0,
				   tern_clock_monotonic());
	if (err < 0) {
		tern_printf("iperf: --ip/--gw: %s\n", tern_strerror(err));
		return 2;
	}
	print_ready(a);

	/* A stop request ends the run; so does a replayed capture that ran
	 * out (nothing can ever wake the loop again). */
	err = tern_sched_run(&a->sched);
	return err == 0 || err == -TERN_ECANCELED || err == -TERN_EDEADLK ? 0
									  : 1;
}
