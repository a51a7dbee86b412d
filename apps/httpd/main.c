/*
 * main.c - the httpd unikernel: a static-file HTTP/1.1 server for the
 * files of a tar image (GET and HEAD, keep-alive and pipelining, Range,
 * ETag/Last-Modified conditionals; see http.h and README.md).
 *
 *   tar cf site.img -C www .
 *   httpd --net tap:tern0 --ip 10.0.0.2/24 --disk file:site.img
 *
 * The disk (blk0) is read through the block cache (4 MiB, read-ahead on)
 * and indexed by tarfs at start-up. Ready line: "httpd: ready
 * ip=A.B.C.D/N port=P files=N". On exit the report prints the server's
 * counters (every refusal by reason), the cache's and the stack's.
 *
 * App flags: --port N (default 80), --root PATH (default /), --max-conns
 * N (1..1024, default 64), --header-timeout-ms N (default 10000),
 * --idle-timeout-ms N (default 30000), --drain-ms N (default 5000),
 * --copy-sends (bodies through a buffer, two copies instead of one: for
 * measuring).
 *
 * Stopping: on SIGINT/SIGTERM (Ctrl-C in a guest) the server drains:
 * the listener closes, idle keep-alive connections get a FIN, responses
 * in progress have --drain-ms to finish, then the rest are reset. A second
 * request stops at once.
 *
 * Exit status: 0 after a stop request; 2 for a usage error (a flag out of
 * range, no --disk, no --net, no address, a --root that is not a
 * directory of the image); 1 if the disk is not a readable tar image or
 * the stack could not start.
 */
#include <stdbool.h>
#include <stdint.h>

#include "httpd.h"
#include "tern/app.h"
#include "tern/bcache.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/print.h"
#include "tern/sched.h"
#include "tern/tarfs.h"

#define CACHE_BLOCK 4096u
#define CACHE_BLOCKS 1024u /* 4 MiB */
#define CACHE_READAHEAD 32u

static const struct tern_flag httpd_flags[] = {
	{ "port", TERN_FLAG_U64, "PORT", "TCP port (default 80)" },
	{ "root", TERN_FLAG_STRING, "PATH",
	  "directory of the image to serve (default /)" },
	{ "max-conns", TERN_FLAG_U64, "N",
	  "connections served at once, 1..1024 (default 64); more get 503" },
	{ "header-timeout-ms", TERN_FLAG_U64, "MS",
	  "time to send a whole request head (default 10000)" },
	{ "idle-timeout-ms", TERN_FLAG_U64, "MS",
	  "keep-alive idle time (default 30000)" },
	{ "drain-ms", TERN_FLAG_U64, "MS",
	  "on a stop request, time to finish responses in progress before "
	  "the rest are reset; a second request stops at once (default 5000)" },
	{ "copy-sends", TERN_FLAG_BOOL, NULL,
	  "copy bodies through a buffer (two copies, not one): to measure" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int httpd_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "httpd",
	.summary = "static-file HTTP/1.1 server for the files of a tar image",
	.flags = httpd_flags,
	.main = httpd_main,
};

/* Everything the app owns. One per run, taken from tern_mem_alloc() at
 * start and kept until the machine stops (the runner's report reads it
 * after main returns), so its 67 KiB are not in the guest image's .bss. */
struct app {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct tern_bcache cache;
	struct tern_tarfs fs;
	struct httpd httpd;
	struct tern_fiber drainer;
	uint64_t drain_ns;
	bool serving;
};

static void report(void *ctx)
{
	struct app *a = ctx;
	const struct tern_bcache_stats *c = &a->cache.stats;

	if (a->serving)
		httpd_print_stats(&a->httpd);
	tern_printf("httpd: cache hits=%llu misses=%llu readahead=%llu/%llu "
		    "read_errors=%llu\n",
		    (unsigned long long)c->hits, (unsigned long long)c->misses,
		    (unsigned long long)c->ra_used,
		    (unsigned long long)c->ra_issued,
		    (unsigned long long)c->read_errors);
	tern_net_stats_print(&a->net);
}

/* Opens the block cache and the tar index on dev. Returns 0 or a negative
 * code (with a message said). */
static int open_disk(struct app *a, struct tern_blkdev *dev)
{
	static const struct tern_bcache_config cc = { CACHE_BLOCK, CACHE_BLOCKS,
						      CACHE_READAHEAD };
	int err = tern_tarfs_mount(&a->fs, &a->cache, dev, &cc);

	if (err < 0)
		tern_printf("httpd: %s: not a readable tar image: %s (make one "
			    "with `tar cf IMAGE -C DIR .`)\n",
			    dev->name, tern_strerror(err));
	return err;
}

/* Reads the app flags into cfg and a. Returns 0, or 2 (usage). */
static int read_flags(const struct tern_args *args, struct httpd_config *cfg,
		      struct app *a)
{
	uint64_t port, maxc, hto, ito, drain;

	httpd_config_default(cfg);
	port = tern_args_u64(args, &tern_app, "port", cfg->port);
	maxc = tern_args_u64(args, &tern_app, "max-conns", cfg->max_conns);
	hto = tern_args_u64(args, &tern_app, "header-timeout-ms", 10000);
	ito = tern_args_u64(args, &tern_app, "idle-timeout-ms", 30000);
	drain = tern_args_u64(args, &tern_app, "drain-ms", 5000);
	if (port < 1 || port > 65535 || maxc < 1 || maxc > HTTPD_MAX_CONNS ||
	    hto < 1 || hto > 3600000 || ito < 1 || ito > 3600000 ||
	    drain > 3600000) {
		tern_printf("httpd: --port 1..65535, --max-conns 1..%u, "
			    "--header-timeout-ms and --idle-timeout-ms "
			    "1..3600000, --drain-ms 0..3600000\n",
			    HTTPD_MAX_CONNS);
		tern_args_usage(&tern_app);
		return 2;
	}
	cfg->port = (uint16_t)port;
	cfg->max_conns = (uint32_t)maxc;
	cfg->header_timeout_ns = hto * TERN_NSEC_PER_MSEC;
	cfg->idle_ns = ito * TERN_NSEC_PER_MSEC;
	a->drain_ns = drain * TERN_NSEC_PER_MSEC;
	cfg->copy_sends = tern_args_bool(args, &tern_app, "copy-sends");
	return 0;
}

/* The stack, with room for every connection slot, the refused ones
 * lingering, and the backlog. */
static int start_net(struct app *a, struct tern_boot *boot,
		     const struct httpd_config *hc)
{
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	cfg.tcp_conns = hc->max_conns + HTTPD_SPARE + HTTPD_BACKLOG + 1;
	return tern_net_boot(&a->net, &cfg, boot);
}

/* Stops the server within a->drain_ns (httpd_stop), then the loop. */
static void drain_fiber(void *arg)
{
	struct app *a = arg;
	int err =
		httpd_stop(&a->httpd, tern_sched_now(&a->sched) + a->drain_ns);

	tern_printf("httpd: stopped: %s\n",
		    err ? "connections still busy at the deadline were reset"
			: "every connection finished");
	tern_sched_stop(&a->sched);
}

/* Runs the server until a stop request, then drains it: no new
 * connections, the responses in progress finish (up to a->drain_ns), the
 * rest are reset. A second stop request ends it at once. Returns
 * tern_sched_run's result. */
static int serve_until_stopped(struct app *a)
{
	int err = tern_sched_run(&a->sched);

	if (err != -TERN_ECANCELED || !tern_stop_requested())
		return err;
	tern_stop_clear();
	tern_printf("httpd: stop requested: draining for up to %llu ms\n",
		    (unsigned long long)(a->drain_ns / TERN_NSEC_PER_MSEC));
	if (tern_fiber_spawn(&a->sched, &a->drainer, "drain", drain_fiber, a,
			     0) < 0)
		return err; /* no stack: stop at once */
	err = tern_sched_run(&a->sched);
	if (tern_stop_requested())
		tern_printf("httpd: second stop request: not waiting\n");
	return err;
}

static int httpd_main(struct tern_boot *boot)
{
	const struct tern_args *args = boot->args;
	struct app *a = tern_mem_alloc(sizeof(*a));
	struct httpd_config cfg;
	struct httpd_conn *conns;
	char ip[TERN_IPV4_STR_MAX];
	const char *root;
	size_t csize;
	int err;

	if (!a) {
		tern_printf("httpd: no memory for the app's state\n");
		return 1;
	}
	err = read_flags(args, &cfg, a);
	if (err)
		return err;
	if (boot->n_blk == 0) {
		tern_printf("httpd: no disk: give --disk file:IMAGE (make one "
			    "with `tar cf IMAGE -C DIR .`)\n");
		return 2;
	}
	if (boot->n_net == 0) {
		tern_printf("httpd: no network device (--net)\n");
		return 2;
	}
	if (!args->has_ip) {
		tern_printf("httpd: give --ip A.B.C.D/N\n");
		return 2;
	}
	if (open_disk(a, boot->blk[0]) < 0)
		return 1;
	root = tern_args_str(args, &tern_app, "root", "/");
	err = httpd_set_root(&a->httpd, &a->fs, root);
	if (err < 0) {
		tern_printf("httpd: --root %s: %s\n", root, tern_strerror(err));
		return 2;
	}
	csize = (cfg.max_conns + HTTPD_SPARE) * sizeof(*conns);
	conns = tern_mem_alloc(csize);
	if (!conns || start_net(a, boot, &cfg) < 0)
		return 1;
	boot->report = report;
	boot->report_ctx = a;
	tern_sched_init(&a->sched);
	tern_net_loop_start(&a->loop, &a->net, &a->sched);
	tern_bcache_attach(&a->cache, &a->sched);
	err = httpd_start(&a->httpd, &a->loop, &cfg, conns);
	if (err < 0) {
		tern_printf("httpd: port %u: %s\n", cfg.port,
			    tern_strerror(err));
		return 1;
	}
	a->serving = true;
	err = tern_net_if_set_addr(&a->net, 0, args->ip, args->prefix,
				   args->has_gw ? args->gw : 0,
				   tern_clock_monotonic());
	if (err < 0) {
		tern_printf("httpd: --ip/--gw: %s\n", tern_strerror(err));
		return 2;
	}
	tern_printf("httpd: ready ip=%s/%u port=%u files=%u\n",
		    tern_ipv4_format(args->ip, ip), args->prefix, cfg.port,
		    httpd_count_files(&a->httpd));
	err = serve_until_stopped(a);
	return err == 0 || err == -TERN_ECANCELED || err == -TERN_EDEADLK ? 0
									  : 1;
}
