/*
 * main.c - ttcp, the TCP client unikernel: connects to --connect
 * A.B.C.D:PORT, sends --send BYTES of a pseudo-random stream (xoshiro256**
 * seeded with --seed), half-closes, reads what the peer sends until it
 * closes, and prints the SHA-256 of both directions - the digests a script
 * compares with sha256sum on the other side. Named after the classic Test
 * TCP tool.
 *
 *   ttcp --net tap:NAME --ip A.B.C.D/N [--gw G] --connect A.B.C.D:PORT
 *        [--send BYTES] [--seed S] [--pcap FILE]
 *
 * With --send 0 (the default) it only receives, closing after the peer
 * did: a peer serving a file (nc -N -l < FILE) sends all of it. Against an echo server both digests are equal.
 *
 * Exit status: 0 when both directions ended cleanly (everything sent, the
 * peer's end of stream read); 1 for a connection error (refused, reset,
 * timed out: printed); 2 for a usage error.
 */
#include <stdint.h>
#include <string.h>

#include "tern/app.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"
#include "tern/sched.h"
#include "transfer.h"

static const struct tern_flag ttcp_flags[] = {
	{ "connect", TERN_FLAG_STRING, "A.B.C.D:PORT",
	  "the server to connect to (required)" },
	{ "send", TERN_FLAG_U64, "BYTES",
	  "bytes to send before half-closing (default 0)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int ttcp_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "ttcp",
	.summary = "sends and receives one TCP stream, printing SHA-256s",
	.flags = ttcp_flags,
	.main = ttcp_main,
};

static struct ttcp {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct ttcp_transfer transfer;
} ttcp;

/* Parses "A.B.C.D:PORT" (port 1..65535). Returns 0 or -TERN_EINVAL. */
static int parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
	char ip[TERN_IPV4_STR_MAX];
	const char *colon = strchr(s, ':');
	size_t iplen = colon ? (size_t)(colon - s) : 0;
	uint64_t p = 0;

	if (!colon || iplen == 0 || iplen >= sizeof(ip) || !colon[1])
		return -TERN_EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (tern_ipv4_parse(ip, addr) < 0)
		return -TERN_EINVAL;
	for (const char *c = colon + 1; *c; c++) {
		if (*c < '0' || *c > '9' || p > 65535)
			return -TERN_EINVAL;
		p = p * 10 + (uint64_t)(*c - '0');
	}
	if (p == 0 || p > 65535)
		return -TERN_EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/* Brings up the stack on the boot's devices with --ip. Returns 0, 1 (the
 * stack failed: printed) or 2 (a bad address: printed). */
static int start_stack(struct ttcp *t, struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	struct tern_net_config cfg;
	int err;

	tern_net_config_default(&cfg);
	if (tern_net_boot(&t->net, &cfg, boot) < 0)
		return 1;
	err = tern_net_if_set_addr(&t->net, 0, args->ip, args->prefix,
				   args->has_gw ? args->gw : 0,
				   tern_clock_monotonic());
	if (err < 0) {
		tern_printf("ttcp: --ip/--gw: %s\n", tern_strerror(err));
		return 2;
	}
	tern_sched_init(&t->sched);
	tern_net_loop_start(&t->loop, &t->net, &t->sched);
	return 0;
}

static int ttcp_main(struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	const char *endpoint = tern_args_str(args, &tern_app, "connect", NULL);
	uint64_t to_send = tern_args_u64(args, &tern_app, "send", 0);
	struct ttcp *t = &ttcp;
	uint32_t dst;
	uint16_t port;
	int err;

	if (!endpoint || parse_endpoint(endpoint, &dst, &port) < 0) {
		tern_printf("ttcp: give --connect A.B.C.D:PORT\n");
		return 2;
	}
	if (boot->n_net == 0 || !args->has_ip) {
		tern_printf("ttcp: give --net DEVICE and --ip A.B.C.D/N\n");
		return 2;
	}
	err = start_stack(t, boot);
	if (err)
		return err;
	err = ttcp_transfer_start(&t->transfer, &t->loop, &t->sched, dst, port,
				  to_send, args->seed);
	if (err < 0) {
		tern_printf("ttcp: %s\n", tern_strerror(err));
		return 1;
	}
	err = tern_sched_run(&t->sched);
	if (err < 0 && err != -TERN_EDEADLK) {
		tern_printf("ttcp: stopped: %s\n", tern_strerror(err));
		return 1;
	}
	return ttcp_transfer_report(&t->transfer) < 0 ? 1 : 0;
}
