/*
 * main.c - the tftpd unikernel: a read-only TFTP server (RFC 1350 with
 * blksize, tsize, timeout and windowsize options) serving the files of a
 * tar image, the classic netboot server.
 *
 *   tar cf boot.img -C files .
 *   tftpd --net tap:tern0 --ip 10.0.0.2/24 --disk file:boot.img
 *   curl -o pxelinux.0 tftp://10.0.0.2/pxelinux.0
 *
 * The disk (blk0) is read through the block cache (4 MiB, read-ahead on)
 * and indexed by tarfs at start-up; the protocol runs in one fiber
 * (tftpd.h) over the network stack. Configuration: --ip A.B.C.D/N [--gw G]
 * or --dhcp, as for echo. Once the disk is indexed and the address set it
 * prints "tftpd: ready ip=A.B.C.D/N files=N port=P" - the line scripts
 * wait for. On exit (SIGINT/SIGTERM hosted, Ctrl-C on the guest console)
 * the report prints the server's counters (every drop and error reason),
 * the block cache's, and the stack's.
 *
 * App flags: --root PATH (directory of the image to serve, default "/"),
 * --max-transfers N (1..256, default 16), --timeout-ms N (base
 * retransmission timeout, 1..3600000, default 1000), --retries N (0..100,
 * default 5), --port N (default 69).
 *
 * Exit status: 0 after a stop request; 2 for a usage error (no --disk, no
 * --net, no address, a flag out of range, a --root that is not a
 * directory of the image); 1 if the disk is not a readable tar image or
 * the stack could not start.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tern/app.h"
#include "tern/bcache.h"
#include "tern/dhcp.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"
#include "tern/sched.h"
#include "tern/tarfs.h"
#include "tftpd.h"

#define CACHE_BLOCK 4096u
#define CACHE_BLOCKS 1024u /* 4 MiB */
#define CACHE_READAHEAD 32u

static const struct tern_flag tftpd_flags[] = {
	{ "root", TERN_FLAG_STRING, "PATH",
	  "directory of the image to serve (default /)" },
	{ "max-transfers", TERN_FLAG_U64, "N",
	  "transfers at once, 1..256 (default 16)" },
	{ "timeout-ms", TERN_FLAG_U64, "MS",
	  "base retransmission timeout (default 1000)" },
	{ "retries", TERN_FLAG_U64, "N",
	  "retransmissions before a transfer is dropped (default 5)" },
	{ "port", TERN_FLAG_U64, "PORT", "UDP port (default 69)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int tftpd_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "tftpd",
	.summary = "read-only TFTP server for the files of a tar image",
	.flags = tftpd_flags,
	.main = tftpd_main,
};

/* Everything the app owns; static because a unikernel has one of it. */
struct app {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct tern_bcache cache;
	struct tern_tarfs fs;
	struct tftpd tftpd;
	struct tern_dhcp dhcp;	       /* with --dhcp */
	struct tern_fiber ready_fiber; /* prints the ready line after DHCP */
	bool use_dhcp, serving;
	uint32_t files;
	uint16_t port;
};

static struct app app;

static void report(void *ctx)
{
	struct app *a = ctx;
	const struct tern_bcache_stats *c = &a->cache.stats;

	if (a->serving)
		tftpd_print_stats(&a->tftpd);
	tern_printf("tftpd: cache hits=%llu misses=%llu readahead=%llu/%llu "
		    "read_errors=%llu\n",
		    (unsigned long long)c->hits, (unsigned long long)c->misses,
		    (unsigned long long)c->ra_used,
		    (unsigned long long)c->ra_issued,
		    (unsigned long long)c->read_errors);
	if (a->use_dhcp)
		tern_dhcp_print(&a->dhcp);
	tern_net_stats_print(&a->net);
}

static void print_ready(struct app *a)
{
	char ip[TERN_IPV4_STR_MAX];
	uint32_t addr;
	unsigned prefix;

	tern_net_if_get_addr(&a->net, 0, &addr, &prefix, NULL);
	tern_printf("tftpd: ready ip=%s/%u files=%u port=%u blksize_max=%u\n",
		    tern_ipv4_format(addr, ip), prefix, a->files, a->port,
		    a->tftpd.srv.cfg.blksize_max);
}

/* The fiber that waits for the first lease, then prints the ready line. */
static void wait_lease(void *arg)
{
	struct app *a = arg;

	if (tern_dhcp_wait_bound(&a->dhcp, TERN_NO_DEADLINE) == 0)
		print_ready(a);
}

/* Opens the block cache and the tar index on dev. Returns 0 or a negative
 * code (with a message said). */
static int open_disk(struct app *a, struct tern_blkdev *dev)
{
	static const struct tern_bcache_config cc = { CACHE_BLOCK, CACHE_BLOCKS,
						      CACHE_READAHEAD };
	int err = tern_tarfs_mount(&a->fs, &a->cache, dev, &cc);

	if (err < 0)
		tern_printf("tftpd: %s: not a readable tar image: %s (make one "
			    "with `tar cf IMAGE -C DIR .`)\n",
			    dev->name, tern_strerror(err));
	return err;
}

/* Reads the app flags into cfg and a->port. Returns 0, or 2 (usage). */
static int read_flags(struct app *a, const struct tern_args *args,
		      struct tftp_config *cfg)
{
	uint64_t maxx, tmo, retries, port;

	maxx = tern_args_u64(args, &tern_app, "max-transfers", 16);
	tmo = tern_args_u64(args, &tern_app, "timeout-ms", 1000);
	retries = tern_args_u64(args, &tern_app, "retries", 5);
	port = tern_args_u64(args, &tern_app, "port", TFTP_PORT);
	if (maxx < 1 || maxx > TFTP_MAX_TRANSFERS) {
		tern_printf("tftpd: --max-transfers must be 1..%u\n",
			    TFTP_MAX_TRANSFERS);
		return 2;
	}
	if (tmo < 1 || tmo > 3600000) {
		tern_printf("tftpd: --timeout-ms must be 1..3600000\n");
		return 2;
	}
	if (retries > 100) {
		tern_printf("tftpd: --retries must be 0..100\n");
		return 2;
	}
	if (port < 1 || port > 65535) {
		tern_printf("tftpd: --port must be 1..65535\n");
		return 2;
	}
	tftp_config_default(cfg);
	cfg->max_transfers = (uint32_t)maxx;
	cfg->timeout_ns = tmo * TERN_NSEC_PER_MSEC;
	cfg->retries = (uint32_t)retries;
	a->port = (uint16_t)port;
	return 0;
}

static int start_net(struct app *a, struct tern_boot *boot)
{
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	return tern_net_boot(&a->net, &cfg, boot);
}

static int tftpd_main(struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	struct app *a = &app;
	struct tftp_config cfg;
	const char *root;
	int err;

	err = read_flags(a, args, &cfg);
	if (err)
		return err;
	if (boot->n_blk == 0) {
		tern_printf("tftpd: no disk: give --disk file:IMAGE (make one "
			    "with "
			    "`tar cf IMAGE -C DIR .`)\n");
		return 2;
	}
	if (boot->n_net == 0) {
		tern_printf("tftpd: no network device (--net)\n");
		return 2;
	}
	if (!args->has_ip && !args->dhcp) {
		tern_printf("tftpd: give --ip A.B.C.D/N or --dhcp\n");
		return 2;
	}

	if (open_disk(a, boot->blk[0]) < 0)
		return 1;
	root = tern_args_str(args, &tern_app, "root", "/");
	err = tftpd_set_root(&a->tftpd, &a->fs, root);
	if (err < 0) {
		tern_printf("tftpd: --root %s: %s\n", root, tern_strerror(err));
		return 2;
	}
	a->files = tftpd_count_files(&a->tftpd);

	if (start_net(a, boot) < 0)
		return 1;
	boot->report = report;
	boot->report_ctx = a;
	tern_sched_init(&a->sched);
	tern_net_loop_start(&a->loop, &a->net, &a->sched);
	tern_bcache_attach(&a->cache, &a->sched);
	err = tftpd_start(&a->tftpd, &a->loop, &cfg, a->port);
	if (err < 0) {
		tern_printf("tftpd: port %u: %s\n", a->port,
			    tern_strerror(err));
		return 1;
	}
	a->serving = true;

	if (args->dhcp) {
		struct tern_dhcp_opts opts = { .cfg = NULL,
					       .dns = NULL,
					       .seed = args->seed };

		err = tern_dhcp_start(&a->dhcp, &a->loop, 0, &opts);
		if (err == 0)
			err = tern_fiber_spawn(&a->sched, &a->ready_fiber,
					       "ready", wait_lease, a, 0);
		if (err < 0) {
			tern_printf("tftpd: --dhcp: %s\n", tern_strerror(err));
			return 1;
		}
		a->use_dhcp = true;
	} else {
		err = tern_net_if_set_addr(&a->net, 0, args->ip, args->prefix,
					   args->has_gw ? args->gw : 0,
					   tern_clock_monotonic());
		if (err < 0) {
			tern_printf("tftpd: --ip/--gw: %s\n",
				    tern_strerror(err));
			return 2;
		}
		print_ready(a);
	}

	err = tern_sched_run(&a->sched);
	return err == 0 || err == -TERN_ECANCELED || err == -TERN_EDEADLK ? 0
									  : 1;
}
