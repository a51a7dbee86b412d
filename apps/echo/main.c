/*
 * main.c - the echo unikernel: the network stack on fibers, answering ICMP
 * echo requests (the stack does that by itself), echoing every UDP
 * datagram sent to --port back to its sender and, with --tcp-port, every
 * byte of every TCP connection to that port (tcp_echo.h: up to 16 at once,
 * more wait in the listen backlog; each is echoed until the peer
 * half-closes, then our side is shut down and closed).
 *
 * One fiber serves the port with the zero-copy calls: a received datagram's
 * buffer is sent straight back, its headers rebuilt in the space the old
 * ones left, so an echo costs no copy in the stack.
 *
 * Configuration: --ip A.B.C.D/N [--gw G] on the first interface (every
 * --net device is added to the stack), or --dhcp: the DHCP client
 * (include/tern/dhcp.h) configures the first interface and keeps its lease
 * renewed. Once configured it prints "echo: ready ip=A.B.C.D/N udp=PORT"
 * (followed by " tcp=PORT" with --tcp-port) on the console - the line
 * that scripts and boot-time benchmarks wait for. On exit (SIGINT/SIGTERM
 * hosted) the platform calls the report: datagrams echoed, TCP
 * connections served and bytes echoed (with --tcp-port), the DHCP
 * client's state and counters (with --dhcp), and every non-zero counter
 * of the stack.
 *
 * Exit status: 0 after a stop request (or when a replayed capture has run
 * out, --net pcap:FILE); 2 for a usage error (no device, no address, a bad
 * port or address); 1 if the stack, DHCP or the TCP listener could not
 * start.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tern/app.h"
#include "tern/dev.h"
#include "tern/dhcp.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"
#include "tern/sched.h"
#include "tern/udp.h"
#include "tcp_echo.h"

#define DEFAULT_PORT 7

static const struct tern_flag echo_flags[] = {
	{ "port", TERN_FLAG_U64, "PORT", "UDP port to echo on (default 7)" },
	{ "tcp-port", TERN_FLAG_U64, "PORT",
	  "also echo TCP connections to PORT (default: no TCP)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int echo_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "echo",
	.summary = "answers ping and echoes UDP datagrams and TCP streams",
	.flags = echo_flags,
	.main = echo_main,
};

/* Everything the app owns. One per run, taken from tern_mem_alloc() at
 * start and kept until the machine stops (the runner's report reads it
 * after main returns), so its 46 KiB are not in the guest image's .bss. */
struct echo {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct tern_usock sock;
	struct tern_fiber fiber;
	struct tern_dhcp dhcp;	       /* with --dhcp */
	struct tern_fiber ready_fiber; /* prints the ready line after DHCP */
	struct tcp_echo tcp;	       /* with --tcp-port */
	bool use_dhcp;
	uint16_t port;
	uint16_t tcp_port; /* 0: no TCP */
	uint64_t echoed;   /* datagrams sent back */
	uint64_t not_sent; /* echoes the stack refused */
};

static void report(void *ctx)
{
	struct echo *e = ctx;

	tern_printf("echo: %llu datagrams echoed, %llu not sent\n",
		    (unsigned long long)e->echoed,
		    (unsigned long long)e->not_sent);
	if (e->tcp_port)
		tcp_echo_print(&e->tcp);
	if (e->use_dhcp)
		tern_dhcp_print(&e->dhcp);
	tern_net_stats_print(&e->net);
}

/* The fiber serving the UDP port. */
static void serve(void *arg)
{
	struct echo *e = arg;
	struct tern_udp_meta m;
	struct tern_pkt *pkt;

	while (tern_usock_wait(&e->sock, TERN_NO_DEADLINE) == 0) {
		while ((pkt = tern_udp_recv_pkt(&e->sock.udp, &m))) {
			if (tern_udp_sendto_pkt(
				    &e->sock.udp, m.src, m.sport, pkt,
				    tern_net_loop_now(&e->loop)) >= 0)
				e->echoed++;
			else
				e->not_sent++;
		}
	}
}

static void print_ready(struct echo *e)
{
	char ip[TERN_IPV4_STR_MAX];
	uint32_t addr;
	unsigned prefix;

	tern_net_if_get_addr(&e->net, 0, &addr, &prefix, NULL);
	tern_printf("echo: ready ip=%s/%u udp=%u", tern_ipv4_format(addr, ip),
		    prefix, e->port);
	if (e->tcp_port)
		tern_printf(" tcp=%u", e->tcp_port);
	tern_printf("\n");
}

/* The fiber that waits for the first lease, then prints the ready line. */
static void wait_lease(void *arg)
{
	struct echo *e = arg;

	if (tern_dhcp_wait_bound(&e->dhcp, TERN_NO_DEADLINE) == 0)
		print_ready(e);
}

/* --dhcp: hands interface 0 to the DHCP client, which sets the address
 * when it gets a lease (and clears it if the lease is lost). Returns 0 or
 * a negative code. */
static int start_dhcp(struct echo *e, uint64_t seed)
{
	struct tern_dhcp_opts opts = { .cfg = NULL, .dns = NULL, .seed = seed };
	int err;

	err = tern_dhcp_start(&e->dhcp, &e->loop, 0, &opts);
	if (err < 0) {
		tern_printf("echo: --dhcp: %s\n", tern_strerror(err));
		return err;
	}
	e->use_dhcp = true;
	return tern_fiber_spawn(&e->sched, &e->ready_fiber, "ready", wait_lease,
				e, 0);
}

static int echo_main(struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	struct echo *e = tern_mem_alloc(sizeof(*e));
	struct tern_net_config cfg;
	uint64_t port, tcp_port;
	int err;

	if (!e) {
		tern_printf("echo: no memory for the app's state\n");
		return 1;
	}
	port = tern_args_u64(args, &tern_app, "port", DEFAULT_PORT);
	if (port == 0 || port > 65535) {
		tern_printf("echo: --port must be 1..65535\n");
		return 2;
	}
	e->port = (uint16_t)port;
	tcp_port = tern_args_u64(args, &tern_app, "tcp-port", 0);
	if (tern_args_given(args, &tern_app, "tcp-port") &&
	    (tcp_port == 0 || tcp_port > 65535)) {
		tern_printf("echo: --tcp-port must be 1..65535\n");
		return 2;
	}
	e->tcp_port = (uint16_t)tcp_port;
	if (boot->n_net == 0) {
		tern_printf("echo: no network device (--net)\n");
		return 2;
	}
	if (!args->has_ip && !args->dhcp) {
		tern_printf("echo: give --ip A.B.C.D/N or --dhcp\n");
		return 2;
	}

	tern_net_config_default(&cfg);
	if (tern_net_boot(&e->net, &cfg, boot) < 0)
		return 1;
	boot->report = report;
	boot->report_ctx = e;

	tern_sched_init(&e->sched);
	tern_net_loop_start(&e->loop, &e->net, &e->sched);
	tern_usock_open(&e->loop, &e->sock);
	err = tern_udp_bind(&e->sock.udp, 0, e->port);
	if (err == 0)
		err = tern_fiber_spawn(&e->sched, &e->fiber, "echo", serve, e,
				       0);
	if (err < 0) {
		tern_printf("echo: port %u: %s\n", e->port, tern_strerror(err));
		return 1;
	}
	if (e->tcp_port) {
		err = tcp_echo_start(&e->tcp, &e->loop, &e->sched, e->tcp_port);
		if (err < 0) {
			tern_printf("echo: --tcp-port %u: %s\n", e->tcp_port,
				    tern_strerror(err));
			return 1;
		}
	}

	if (args->dhcp) {
		if (start_dhcp(e, args->seed) < 0)
			return 1;
	} else {
		err = tern_net_if_set_addr(&e->net, 0, args->ip, args->prefix,
					   args->has_gw ? args->gw : 0,
					   tern_clock_monotonic());
		if (err < 0) {
			tern_printf("echo: --ip/--gw: %s\n",
				    tern_strerror(err));
			return 2;
		}
		print_ready(e);
	}

	/* A stop request ends the run; so does a replayed capture that ran
	 * out (nothing can ever wake the loop again). */
	err = tern_sched_run(&e->sched);
	return err == 0 || err == -TERN_ECANCELED || err == -TERN_EDEADLK ? 0
									  : 1;
}
