/*
 * app.h - what an application gives the platform, and what it gets back.
 *
 * An application (apps/NAME) defines one `const struct tern_app tern_app`.
 * The hosted runner and the guest both parse the same flags (argv hosted,
 * the kernel command line guest) with tern_args_parse(), create the devices
 * that --net and --disk name, and call tern_app.main() with a struct
 * tern_boot. When main returns, the platform calls boot->report (if set) and
 * ends with main's return value as the exit status.
 *
 * Common flags (every app):
 *   --net SPEC     add a network device (repeatable, up to TERN_MAX_NETDEVS;
 *                  named net0, net1, ... in order). hosted:
 *                    tap:NAME                 TAP NAME, attached or created
 *                    wire:stream:listen:PATH  QEMU stream framing on a UNIX
 *                    wire:stream:connect:PATH socket (wire:stream:PATH is
 *                                             connect)
 *                    wire:dgram:LOCAL,REMOTE  QEMU dgram framing; both UNIX
 *                                             paths or both 127.x.y.z:PORT
 *                                             (loopback only)
 *                    pcap:FILE                replay FILE's frames as input
 *                                             on the virtual clock
 *                  guest:  virtio (the devices found on PCI, in order)
 *   --disk SPEC    add a block device (repeatable; blk0, blk1, ...);
 *                  hosted: file:PATH
 *   --pcap FILE    record every frame of every netdev (hosted): net0 to
 *                  FILE, netN to FILE.N
 *   --mac MAC      MAC address of the first netdev
 *   --ip A.B.C.D/N static IPv4 address and prefix
 *   --gw A.B.C.D   default gateway
 *   --dhcp         configure IPv4 by DHCP
 *   --log LEVEL    error | warn | info | debug | trace
 *   --seed N       seed for the image's PRNG (default: from entropy)
 *   --help         print usage and exit
 */
#ifndef TERN_APP_H
#define TERN_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"

#define TERN_MAX_NETDEVS 4
#define TERN_MAX_BLKDEVS 4
#define TERN_MAX_APP_FLAGS 16

enum tern_flag_kind {
	TERN_FLAG_BOOL,	  /* --name */
	TERN_FLAG_STRING, /* --name VALUE */
	TERN_FLAG_U64,	  /* --name N (decimal or 0x hex) */
};

/* An application's own flag. Tables end with an entry whose name is NULL. */
struct tern_flag {
	const char *name; /* without the leading "--" */
	enum tern_flag_kind kind;
	const char *arg_name; /* for usage: "PORT" */
	const char *help;
};

/* The parsed command line. */
struct tern_args {
	const char *net[TERN_MAX_NETDEVS];
	unsigned n_net;
	const char *disk[TERN_MAX_BLKDEVS];
	unsigned n_disk;
	const char *pcap; /* NULL: no recording */
	bool has_mac;
	uint8_t mac[TERN_ETH_ALEN];
	bool has_ip;
	uint32_t ip; /* host order */
	unsigned prefix;
	bool has_gw;
	uint32_t gw;
	bool dhcp;
	int log_level; /* enum tern_log_level */
	bool has_seed;
	uint64_t seed;
	bool help; /* --help was given */

	/* Application flags, indexed like the app's table. */
	bool app_set[TERN_MAX_APP_FLAGS];
	const char *app_str[TERN_MAX_APP_FLAGS];
	uint64_t app_u64[TERN_MAX_APP_FLAGS];
};

struct tern_boot;

struct tern_app {
	const char *name;
	const char *summary;	       /* one line for usage */
	const struct tern_flag *flags; /* may be NULL */
	/* Runs the application; returns the exit status (0 success). */
	int (*main)(struct tern_boot *boot);
};

/* What the platform hands the application. */
struct tern_boot {
	const struct tern_app *app;
	const struct tern_args *args;
	struct tern_netdev *net[TERN_MAX_NETDEVS];
	unsigned n_net;
	struct tern_blkdev *blk[TERN_MAX_BLKDEVS];
	unsigned n_blk;
	/* Set by the application: called by the platform after main returns
	 * (also after a stop request), to print counters and statistics. */
	void (*report)(void *ctx);
	void *report_ctx;
};

/* Every application defines this. */
extern const struct tern_app tern_app;

/* Parses argv[1..argc-1] into args. Returns 0, or -TERN_EINVAL with a
 * one-line reason in err (errlen bytes) for an unknown flag, a missing or
 * malformed value, or too many devices. argv strings must outlive args. */
TERN_API int tern_args_parse(struct tern_args *args, const struct tern_app *app,
			     int argc, char **argv, char *err, size_t errlen);

/* Writes the usage text for app (common and app flags) to the console. */
TERN_API void tern_args_usage(const struct tern_app *app);

/* Index of the app flag called name in app->flags, or -TERN_ENOENT. */
TERN_API int tern_args_app_index(const struct tern_app *app, const char *name);

/* The value of app flag name if it was given, else dflt. Asserts that name
 * is in the app's table with the matching kind. */
TERN_API uint64_t tern_args_u64(const struct tern_args *args,
				const struct tern_app *app, const char *name,
				uint64_t dflt);
TERN_API const char *tern_args_str(const struct tern_args *args,
				   const struct tern_app *app, const char *name,
				   const char *dflt);
TERN_API bool tern_args_bool(const struct tern_args *args,
			     const struct tern_app *app, const char *name);
/* Whether app flag name (of any kind) was on the command line: for a flag
 * with no default, whose absence turns a feature off. Asserts that name is
 * in the app's table. */
TERN_API bool tern_args_given(const struct tern_args *args,
			      const struct tern_app *app, const char *name);

/* Splits a command line in place into at most max words (separated by
 * spaces or tabs, no quoting). argv[0] is set to prog. Returns argc. Used
 * by the guest for the kernel command line. */
TERN_API int tern_args_split(char *cmdline, const char *prog, char **argv,
			     int max);

#endif
