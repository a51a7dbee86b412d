/*
 * args.c - the one flag parser, shared by the hosted runner (argv) and the
 * guest (the kernel command line), so an image boots with exactly the flags
 * its hosted twin was tested with.
 */
#include "tern/app.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/fmt.h"
#include "tern/inet.h"
#include "tern/log.h"

enum common_flag {
	F_NET,
	F_DISK,
	F_PCAP,
	F_MAC,
	F_IP,
	F_GW,
	F_DHCP,
	F_LOG,
	F_SEED,
	F_HELP,
};

static const struct tern_flag common_flags[] = {
	[F_NET] = { "net", TERN_FLAG_STRING, "SPEC",
		    "network device, repeatable: tap:NAME, "
		    "wire:stream:listen:PATH, wire:stream:connect:PATH, "
		    "wire:dgram:LOCAL,REMOTE, pcap:FILE (replay)" },
	[F_DISK] = { "disk", TERN_FLAG_STRING, "SPEC",
		     "block device (file:PATH; guest: virtio); repeatable" },
	[F_PCAP] = { "pcap", TERN_FLAG_STRING, "FILE",
		     "record every frame to FILE (hosted)" },
	[F_MAC] = { "mac", TERN_FLAG_STRING, "MAC",
		    "MAC address of the first network device" },
	[F_IP] = { "ip", TERN_FLAG_STRING, "A.B.C.D/N",
		   "static IPv4 address and prefix length" },
	[F_GW] = { "gw", TERN_FLAG_STRING, "A.B.C.D", "default gateway" },
	[F_DHCP] = { "dhcp", TERN_FLAG_BOOL, NULL, "configure IPv4 by DHCP" },
	[F_LOG] = { "log", TERN_FLAG_STRING, "LEVEL",
		    "off, error, warn, info (default), debug or trace" },
	[F_SEED] = { "seed", TERN_FLAG_U64, "N", "seed for the image's PRNG" },
	[F_HELP] = { "help", TERN_FLAG_BOOL, NULL, "print this help and exit" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
	tern_snprintf(err, errlen, "%s: %s", what, arg);
	return -TERN_EINVAL;
}

/* Parses an unsigned decimal or 0x-hex number covering the whole string. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -TERN_EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -TERN_EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -TERN_EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Finds "--name" or "--name=value" in table; returns the index or -1, and
 * sets *inline_value to the text after '=' (or NULL). */
static int lookup(const struct tern_flag *table, const char *arg,
		  const char **inline_value)
{
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	*inline_value = eq ? eq + 1 : NULL;
	for (int i = 0; table && table[i].name; i++)
		if (strlen(table[i].name) == len &&
		    memcmp(table[i].name, name, len) == 0)
			return i;
	return -1;
}

static int apply_common(struct tern_args *a, int which, const char *v,
			char *err, size_t errlen)
{
	int rc;

	switch (which) {
	case F_NET:
		if (a->n_net == TERN_MAX_NETDEVS)
			return fail(err, errlen, "too many --net devices", v);
		a->net[a->n_net++] = v;
		return 0;
	case F_DISK:
		if (a->n_disk == TERN_MAX_BLKDEVS)
			return fail(err, errlen, "too many --disk devices", v);
		a->disk[a->n_disk++] = v;
		return 0;
	case F_PCAP:
		a->pcap = v;
		return 0;
	case F_MAC:
		if (tern_mac_parse(v, a->mac) < 0)
			return fail(err, errlen,
				    "bad --mac (want aa:bb:cc:dd:ee:ff)", v);
		a->has_mac = true;
		return 0;
	case F_IP:
		if (tern_ipv4_parse_cidr(v, &a->ip, &a->prefix) < 0)
			return fail(err, errlen, "bad --ip (want A.B.C.D/N)",
				    v);
		a->has_ip = true;
		return 0;
	case F_GW:
		if (tern_ipv4_parse(v, &a->gw) < 0)
			return fail(err, errlen, "bad --gw (want A.B.C.D)", v);
		a->has_gw = true;
		return 0;
	case F_LOG:
		rc = tern_log_parse_level(v);
		if (rc < 0)
			return fail(err, errlen, "bad --log level", v);
		a->log_level = rc;
		return 0;
	case F_SEED:
		if (parse_u64(v, &a->seed) < 0)
			return fail(err, errlen, "bad --seed", v);
		a->has_seed = true;
		return 0;
	case F_DHCP:
		a->dhcp = true;
		return 0;
	case F_HELP:
		a->help = true;
		return 0;
	}
	return fail(err, errlen, "internal: unhandled flag", v);
}

static int apply_app(struct tern_args *a, const struct tern_flag *f, int i,
		     const char *v, char *err, size_t errlen)
{
	a->app_set[i] = true;
	if (f->kind == TERN_FLAG_STRING)
		a->app_str[i] = v;
	else if (f->kind == TERN_FLAG_U64 && parse_u64(v, &a->app_u64[i]) < 0)
		return fail(err, errlen, "bad number for flag", f->name);
	return 0;
}

int tern_args_parse(struct tern_args *a, const struct tern_app *app, int argc,
		    char **argv, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->log_level = TERN_LOG_INFO;
	if (err && errlen)
		err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		const struct tern_flag *f;
		int common = -1, own = -1;

		if (strcmp(arg, "-h") == 0) {
			a->help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return fail(err, errlen, "unexpected argument", arg);
		common = lookup(common_flags, arg, &v);
		if (common < 0)
			own = lookup(app->flags, arg, &v);
		if (common < 0 && own < 0)
			return fail(err, errlen, "unknown flag", arg);
		if (own >= TERN_MAX_APP_FLAGS)
			return fail(err, errlen,
				    "internal: app flag table too long", arg);
		f = common >= 0 ? &common_flags[common] : &app->flags[own];
		if (f->kind == TERN_FLAG_BOOL) {
			if (v)
				return fail(err, errlen, "flag takes no value",
					    arg);
		} else if (!v) {
			if (i + 1 >= argc)
				return fail(err, errlen, "flag needs a value",
					    arg);
			v = argv[++i];
		}
		int rc = common >= 0 ? apply_common(a, common, v, err, errlen)
				     : apply_app(a, f, own, v, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (a->dhcp && a->has_ip)
		return fail(err, errlen, "--dhcp and --ip exclude each other",
			    "");
	return 0;
}

static void print_flags(const struct tern_flag *table)
{
	char line[TERN_LOG_LINE_MAX];

	for (int i = 0; table && table[i].name; i++) {
		const struct tern_flag *f = &table[i];
		char head[40];
		int n;

		tern_snprintf(head, sizeof(head), "--%s%s%s", f->name,
			      f->arg_name ? " " : "",
			      f->arg_name ? f->arg_name : "");
		n = tern_snprintf(line, sizeof(line), "  %-22s %s\n", head,
				  f->help);
		tern_console_write(line, TERN_MIN((size_t)n, sizeof(line) - 1));
	}
}

void tern_args_usage(const struct tern_app *app)
{
	char line[TERN_LOG_LINE_MAX];
	int n;

	n = tern_snprintf(line, sizeof(line), "usage: %s [flags]\n%s\n\n",
			  app->name, app->summary ? app->summary : "");
	tern_console_write(line, TERN_MIN((size_t)n, sizeof(line) - 1));
	if (app->flags && app->flags[0].name) {
		tern_console_write("application flags:\n", 19);
		print_flags(app->flags);
		tern_console_write("\n", 1);
	}
	tern_console_write("common flags:\n", 14);
	print_flags(common_flags);
}

int tern_args_app_index(const struct tern_app *app, const char *name)
{
	for (int i = 0; app->flags && app->flags[i].name; i++)
		if (strcmp(app->flags[i].name, name) == 0)
			return i;
	return -TERN_ENOENT;
}

/* The index of a declared app flag of the given kind; asserts it exists. */
static int app_flag(const struct tern_app *app, const char *name,
		    enum tern_flag_kind kind)
{
	int i = tern_args_app_index(app, name);

	TERN_ASSERT(i >= 0 && i < TERN_MAX_APP_FLAGS);
	TERN_ASSERT(app->flags[i].kind == kind);
	return i;
}

uint64_t tern_args_u64(const struct tern_args *a, const struct tern_app *app,
		       const char *name, uint64_t dflt)
{
	int i = app_flag(app, name, TERN_FLAG_U64);

	return a->app_set[i] ? a->app_u64[i] : dflt;
}

const char *tern_args_str(const struct tern_args *a, const struct tern_app *app,
			  const char *name, const char *dflt)
{
	int i = app_flag(app, name, TERN_FLAG_STRING);

	return a->app_set[i] ? a->app_str[i] : dflt;
}

bool tern_args_bool(const struct tern_args *a, const struct tern_app *app,
		    const char *name)
{
	return a->app_set[app_flag(app, name, TERN_FLAG_BOOL)];
}

bool tern_args_given(const struct tern_args *a, const struct tern_app *app,
		     const char *name)
{
	int i = tern_args_app_index(app, name);

	TERN_ASSERT(i >= 0 && i < TERN_MAX_APP_FLAGS);
	return a->app_set[i];
}

int tern_args_split(char *cmdline, const char *prog, char **argv, int max)
{
	int argc = 0;
	char *p = cmdline;

	if (max <= 0)
		return 0;
	argv[argc++] = (char *)prog;
	while (p && *p && argc < max) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p) /* end the word even when it is the last one kept */
			*p++ = '\0';
	}
	return argc;
}
