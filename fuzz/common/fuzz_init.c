/*
 * fuzz_init.c - LLVMFuzzerInitialize for every fuzz target: logging is off
 * unless TERN_FUZZ_LOG names a level (off, error, warn, info, debug,
 * trace). A line per input would cost more than the input itself and bury
 * the fuzzer's own output. Targets that build a component per input get
 * its mappings back from the hosted allocator instead of new ones
 * (tern_hosted_mem_reuse): mmap and munmap cost more than most inputs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tern/hosted.h"
#include "tern/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *want = getenv("TERN_FUZZ_LOG");
	int level = want ? tern_log_parse_level(want) : TERN_LOG_OFF;

	(void)argc;
	(void)argv;
	if (level < 0) {
		fprintf(stderr,
			"TERN_FUZZ_LOG=%s: want off, error, warn, "
			"info, debug or trace\n",
			want);
		exit(2);
	}
	tern_log_set_level((enum tern_log_level)level);
	tern_hosted_mem_reuse(32);
	return 0;
}
