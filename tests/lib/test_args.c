/*
 * test_args.c - the shared flag parser: every common flag, application
 * flags of each kind, "--flag value" and "--flag=value", and every way a
 * command line can be wrong (-TERN_EINVAL with a reason naming the culprit);
 * the typed getters; splitting a kernel command line; the usage text.
 */
#define _GNU_SOURCE /* dup, fileno */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tern/app.h"
#include "tern/log.h"

static const struct tern_flag demo_flags[] = {
	{ "port", TERN_FLAG_U64, "PORT", "port to listen on" },
	{ "root", TERN_FLAG_STRING, "DIR", "directory to serve" },
	{ "verbose", TERN_FLAG_BOOL, NULL, "say more" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int demo_main(struct tern_boot *boot)
{
	(void)boot;
	return 0;
}

static const struct tern_app demo = {
	.name = "demo",
	.summary = "a demo app",
	.flags = demo_flags,
	.main = demo_main,
};

static struct tern_args args;
static char err[128];

/* Parses the NULL-terminated words after a program name. */
static int parse_app(const struct tern_app *app, const char *const *words)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = "demo";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	memset(err, 'x', sizeof(err));
	return tern_args_parse(&args, app, argc, argv, err, sizeof(err));
}

#define PARSE(...) parse_app(&demo, (const char *const[]){ __VA_ARGS__, NULL })

Test(args, defaults_with_no_flags)
{
	char *argv[] = { "demo", NULL };

	memset(&args, 0x5a, sizeof(args));
	cr_assert_eq(tern_args_parse(&args, &demo, 1, argv, err, sizeof(err)),
		     0);
	cr_assert_eq(args.n_net, 0);
	cr_assert_eq(args.n_disk, 0);
	cr_assert_null(args.pcap);
	cr_assert_not(args.has_mac || args.has_ip || args.has_gw || args.dhcp ||
		      args.has_seed || args.help);
	cr_assert_eq(args.log_level, TERN_LOG_INFO);
	cr_assert_not(args.app_set[0] || args.app_set[1] || args.app_set[2]);
	cr_assert_str_eq(err, "", "no reason on success");
}

Test(args, every_common_flag)
{
	cr_assert_eq(PARSE("--net", "tap:t0", "--net=wire:stream:/tmp/s",
			   "--disk", "file:a.img", "--disk=file:b.img",
			   "--pcap", "out.pcap", "--mac", "02:00:00:00:00:01",
			   "--ip", "10.0.0.2/24", "--gw", "10.0.0.1", "--log",
			   "debug", "--seed", "0x10"),
		     0, "%s", err);
	cr_assert_eq(args.n_net, 2);
	cr_assert_str_eq(args.net[0], "tap:t0");
	cr_assert_str_eq(args.net[1], "wire:stream:/tmp/s");
	cr_assert_eq(args.n_disk, 2);
	cr_assert_str_eq(args.disk[1], "file:b.img");
	cr_assert_str_eq(args.pcap, "out.pcap");
	cr_assert(args.has_mac);
	cr_assert_eq(args.mac[5], 1);
	cr_assert(args.has_ip);
	cr_assert_eq(args.ip, 0x0a000002);
	cr_assert_eq(args.prefix, 24);
	cr_assert(args.has_gw);
	cr_assert_eq(args.gw, 0x0a000001);
	cr_assert_eq(args.log_level, TERN_LOG_DEBUG);
	cr_assert(args.has_seed);
	cr_assert_eq(args.seed, 16);

	cr_assert_eq(PARSE("--dhcp", "--seed=18446744073709551615", "-h"), 0);
	cr_assert(args.dhcp);
	cr_assert_eq(args.seed, UINT64_MAX);
	cr_assert(args.help);
	cr_assert_eq(PARSE("--help"), 0);
	cr_assert(args.help);
	cr_assert_eq(PARSE("--log=trace"), 0);
	cr_assert_eq(args.log_level, TERN_LOG_TRACE);
}

Test(args, app_flags_of_each_kind)
{
	cr_assert_eq(PARSE("--port", "8080", "--root=/srv/www", "--verbose"), 0,
		     "%s", err);
	cr_assert(args.app_set[0] && args.app_set[1] && args.app_set[2]);
	cr_assert_eq(tern_args_u64(&args, &demo, "port", 80), 8080);
	cr_assert_str_eq(tern_args_str(&args, &demo, "root", "/"), "/srv/www");
	cr_assert(tern_args_bool(&args, &demo, "verbose"));
	cr_assert(tern_args_given(&args, &demo, "port"));
	cr_assert(tern_args_given(&args, &demo, "verbose"));

	cr_assert_eq(PARSE("--port=0xFFff"), 0);
	cr_assert(tern_args_given(&args, &demo, "port"));
	cr_assert_not(tern_args_given(&args, &demo, "root"));
	cr_assert_not(tern_args_given(&args, &demo, "verbose"));
	cr_assert_eq(tern_args_u64(&args, &demo, "port", 80), 65535);
	cr_assert_str_eq(tern_args_str(&args, &demo, "root", "/"), "/",
			 "default");
	cr_assert_not(tern_args_bool(&args, &demo, "verbose"));
	/* A value may start with dashes when it is given separately. */
	cr_assert_eq(PARSE("--root", "--weird--"), 0);
	cr_assert_str_eq(args.app_str[1], "--weird--");
	/* The last occurrence wins for single-valued flags. */
	cr_assert_eq(PARSE("--port", "1", "--port", "2"), 0);
	cr_assert_eq(args.app_u64[0], 2);

	cr_assert_eq(tern_args_app_index(&demo, "root"), 1);
	cr_assert_eq(tern_args_app_index(&demo, "nope"), -TERN_ENOENT);
	cr_assert_eq(tern_args_app_index(&demo, "net"), -TERN_ENOENT,
		     "common flags are not app flags");
}

Test(args, an_app_without_flags)
{
	const struct tern_app bare = { .name = "bare", .main = demo_main };

	cr_assert_eq(parse_app(&bare, (const char *const[]){ "--dhcp", NULL }),
		     0);
	cr_assert_eq(parse_app(&bare,
			       (const char *const[]){ "--port", "1", NULL }),
		     -TERN_EINVAL);
	cr_assert_eq(tern_args_app_index(&bare, "port"), -TERN_ENOENT);
}

/* Each bad command line fails with a reason that names the culprit. */
static void bad(const char *const *words, const char *culprit)
{
	int rc = parse_app(&demo, words);

	cr_assert_eq(rc, -TERN_EINVAL, "\"%s\" accepted", words[0]);
	cr_assert_not_null(memchr(err, '\0', sizeof(err)),
			   "reason not terminated");
	cr_assert_not_null(strstr(err, culprit), "reason \"%s\" lacks \"%s\"",
			   err, culprit);
}

#define BAD(culprit, ...) \
	bad((const char *const[]){ __VA_ARGS__, NULL }, culprit)

Test(args, bad_command_lines_are_einval_with_a_reason)
{
	BAD("--bogus", "--bogus");
	BAD("--bogus=1", "--bogus=1");
	BAD("stray", "stray");
	BAD("-v", "-v");
	BAD("--net", "--net"); /* missing value */
	BAD("--port", "--port");
	BAD("--verbose=yes", "--verbose=yes"); /* bool takes no value */
	BAD("--dhcp=1", "--dhcp=1");
	BAD("--help=1", "--help=1");
	BAD("port", "--port", "80x");
	BAD("port", "--port=");
	BAD("port", "--port", "0x");
	BAD("port", "--port", "-1");
	BAD("port", "--port", "18446744073709551616"); /* 2^64 */
	BAD("port", "--port", "0x1ffffffffffffffff");
	BAD("--seed", "--seed", "ten");
	BAD("--mac", "--mac", "02:00:00:00:00");
	BAD("--ip", "--ip", "10.0.0.1"); /* no prefix */
	BAD("--ip", "--ip", "10.0.0.1/33");
	BAD("--gw", "--gw", "10.0.0.256");
	BAD("--log", "--log", "loud");
	BAD("--dhcp", "--dhcp", "--ip", "10.0.0.2/24");
	BAD("too many --net", "--net", "a", "--net", "b", "--net", "c", "--net",
	    "d", "--net", "e");
	BAD("too many --disk", "--disk", "a", "--disk", "b", "--disk", "c",
	    "--disk", "d", "--disk", "e");
}

Test(args, a_short_error_buffer_is_truncated_safely)
{
	char *argv[] = { "demo", "--a-rather-long-unknown-flag", NULL };
	char small[8];

	memset(small, 'x', sizeof(small));
	cr_assert_eq(tern_args_parse(&args, &demo, 2, argv, small,
				     sizeof(small)),
		     -TERN_EINVAL);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(tern_args_parse(&args, &demo, 2, argv, NULL, 0),
		     -TERN_EINVAL);
}

Test(args, split_a_kernel_command_line)
{
	char line[] = "  --net virtio\t--ip 10.0.0.2/24   --verbose ";
	char *argv[8];
	int argc = tern_args_split(line, "img", argv, 8);

	cr_assert_eq(argc, 6);
	cr_assert_str_eq(argv[0], "img");
	cr_assert_str_eq(argv[1], "--net");
	cr_assert_str_eq(argv[2], "virtio");
	cr_assert_str_eq(argv[3], "--ip");
	cr_assert_str_eq(argv[4], "10.0.0.2/24");
	cr_assert_str_eq(argv[5], "--verbose");
	cr_assert_eq(tern_args_parse(&args, &demo, argc, argv, err,
				     sizeof(err)),
		     0, "%s", err);
	cr_assert(args.has_ip);

	char empty[] = "";
	cr_assert_eq(tern_args_split(empty, "img", argv, 8), 1);
	char blank[] = " \t ";
	cr_assert_eq(tern_args_split(blank, "img", argv, 8), 1);
	cr_assert_eq(tern_args_split(NULL, "img", argv, 8), 1);
	cr_assert_eq(tern_args_split(blank, "img", argv, 0), 0);

	/* At most max words: the rest is left unsplit. */
	char many[] = "a b c d e";
	cr_assert_eq(tern_args_split(many, "img", argv, 3), 3);
	cr_assert_str_eq(argv[1], "a");
	cr_assert_str_eq(argv[2], "b");
}

Test(args, usage_lists_common_and_app_flags)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char text[4096];
	size_t n;

	cr_assert_not_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	tern_args_usage(&demo);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	cr_assert_not_null(strstr(text, "usage: demo"), "%s", text);
	cr_assert_not_null(strstr(text, "a demo app"));
	cr_assert_not_null(strstr(text, "--port PORT"));
	cr_assert_not_null(strstr(text, "--verbose"));
	cr_assert_not_null(strstr(text, "--net SPEC"));
	cr_assert_not_null(strstr(text, "--dhcp"));
	cr_assert_lt(strstr(text, "--port"), strstr(text, "--net"),
		     "app flags come first");
}
