/*
 * args.c - fuzz target for the flag parser (tern_args_parse) and the kernel
 * command-line splitter (tern_args_split).
 *
 * The input is split at NUL and newline bytes into argv words and parsed
 * against an application with one flag of each kind. Invariants: the result
 * is 0 or -TERN_EINVAL; the reason is a terminated string, empty on
 * success; on success every device count is within its bound and every
 * string points into argv. The same bytes as one line go through
 * tern_args_split, whose words must be non-empty and free of separators.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/app.h"
#include "tern/assert.h"

static const struct tern_flag flags[] = {
	{ "port", TERN_FLAG_U64, "PORT", "a number" },
	{ "root", TERN_FLAG_STRING, "DIR", "a string" },
	{ "verbose", TERN_FLAG_BOOL, NULL, "a switch" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int app_main(struct tern_boot *boot)
{
	(void)boot;
	return 0;
}

static const struct tern_app app = {
	.name = "fuzz",
	.summary = "fuzz",
	.flags = flags,
	.main = app_main,
};

#define MAX_WORDS 64

/* True if s is one of the argv words. */
static int in_argv(const char *s, char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void check_parse(char *text, size_t len)
{
	char *argv[MAX_WORDS + 1];
	int argc = 0;
	struct tern_args a;
	char err[96];
	char *p = text;

	argv[argc++] = "fuzz";
	while (p < text + len && argc < MAX_WORDS) {
		char *end = p;

		while (end < text + len && *end != '\0' && *end != '\n')
			end++;
		*end = '\0';
		argv[argc++] = p;
		p = end + 1;
	}
	argv[argc] = NULL;

	memset(err, 'x', sizeof(err));
	int rc = tern_args_parse(&a, &app, argc, argv, err, sizeof(err));
	TERN_ASSERT(rc == 0 || rc == -TERN_EINVAL);
	TERN_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc < 0) {
		TERN_ASSERT(err[0] != '\0');
		return;
	}
	TERN_ASSERT(err[0] == '\0');
	TERN_ASSERT(a.n_net <= TERN_MAX_NETDEVS &&
		    a.n_disk <= TERN_MAX_BLKDEVS);
	for (unsigned i = 0; i < a.n_net; i++)
		TERN_ASSERT(in_argv(a.net[i], argv, argc));
	for (unsigned i = 0; i < a.n_disk; i++)
		TERN_ASSERT(in_argv(a.disk[i], argv, argc));
	TERN_ASSERT(!a.pcap || in_argv(a.pcap, argv, argc));
	TERN_ASSERT(!a.has_ip || a.prefix <= 32);
	TERN_ASSERT(!(a.dhcp && a.has_ip));
	TERN_ASSERT(a.log_level >= 0 && a.log_level <= 4);
	TERN_ASSERT(!a.app_set[1] || in_argv(a.app_str[1], argv, argc));
	/* The getters agree with the table. */
	TERN_ASSERT(tern_args_u64(&a, &app, "port", 7) ==
		    (a.app_set[0] ? a.app_u64[0] : 7));
	TERN_ASSERT(tern_args_bool(&a, &app, "verbose") == a.app_set[2]);
}

static void check_split(char *line)
{
	char *argv[8];
	int argc = tern_args_split(line, "img", argv, 8);

	TERN_ASSERT(argc >= 1 && argc <= 8);
	for (int i = 1; i < argc; i++) {
		TERN_ASSERT(argv[i][0] != '\0');
		TERN_ASSERT(strchr(argv[i], ' ') == NULL);
		TERN_ASSERT(strchr(argv[i], '\t') == NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	memcpy(line, text, size + 1);
	check_parse(text, size);
	check_split(line);
	free(text);
	free(line);
	return 0;
}
