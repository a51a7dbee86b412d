/*
 * main.c - main() of every hosted application.
 *
 * Parses the command line with the same parser the guest uses, opens the
 * devices it names (runner.h), runs tern_app.main(), prints the
 * application's report, closes the devices and exits with main's status.
 *
 * Exit status: main's return value; 0 for --help; 2 for a usage error (an
 * unknown flag, a malformed value, a bad --net or --disk spec); 1 if a
 * device could not be opened.
 */
#include <stdio.h>

#include "runner.h"
#include "tern/hosted.h"
#include "tern/log.h"

static const char *prog_name(char **argv)
{
	if (tern_app.name)
		return tern_app.name;
	return argv[0] ? argv[0] : "tern";
}

int main(int argc, char **argv)
{
	static struct tern_runner runner;
	static struct tern_args args;
	char err[512];
	int rc, status;

	if (tern_args_parse(&args, &tern_app, argc, argv, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "%s: %s\n\n", prog_name(argv), err);
		fflush(stderr);
		tern_args_usage(&tern_app);
		return 2;
	}
	if (args.help) {
		tern_args_usage(&tern_app);
		return 0;
	}
	tern_log_set_level((enum tern_log_level)args.log_level);
	if (!args.has_seed && tern_entropy(&args.seed, sizeof(args.seed)) < 0)
		args.seed = 1;
	tern_log_debug("%s: seed %llu", prog_name(argv),
		       (unsigned long long)args.seed);
	tern_hosted_handle_signals();

	rc = tern_runner_start(&runner, &tern_app, &args, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog_name(argv), err);
		return rc == -TERN_EINVAL ? 2 : 1;
	}
	status = tern_app.main(&runner.boot);
	if (runner.boot.report)
		runner.boot.report(runner.boot.report_ctx);
	tern_runner_stop(&runner);
	return status;
}
