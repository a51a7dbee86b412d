/*
 * replay.c - the main of replay_NAME: runs fuzz inputs through a target's
 * LLVMFuzzerTestOneInput without libFuzzer, so any build (gcc, the dev
 * preset's ASan + UBSan) replays the seed and regression corpora.
 *
 *   replay_NAME [--twice] PATH...
 *
 * A PATH is a file or a folder of files (not recursive; sorted by name; a
 * missing folder is empty). Each input is copied into a buffer of exactly
 * its size. With --twice every input runs forwards, then again backwards
 * with tracing on (fuzz_trace.h), and each must give the same digest both
 * times: a target that resets its state between inputs must answer an
 * input the same whatever came before it. Exits 0 when every input ran
 * (a crash or failed assertion ends the process), 1 on a digest mismatch
 * or an unreadable input, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	char *path;
	uint8_t *data;
	size_t size;
	uint64_t digest;
};

static struct input *inputs;
static size_t n_inputs, cap_inputs;

/* Reads path whole into a new input; returns false if it cannot. */
static bool add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input *in;
	long len;

	if (!f)
		return false;
	if (n_inputs == cap_inputs) {
		cap_inputs = cap_inputs ? 2 * cap_inputs : 64;
		inputs = realloc(inputs, cap_inputs * sizeof(*inputs));
		if (!inputs)
			abort();
	}
	in = &inputs[n_inputs];
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	in->size = len > 0 ? (size_t)len : 0;
	in->data = malloc(in->size ? in->size : 1);
	in->path = strdup(path);
	if (!in->data || !in->path ||
	    fread(in->data, 1, in->size, f) != in->size) {
		fclose(f);
		return false;
	}
	fclose(f);
	n_inputs++;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every regular file in dir, sorted; a missing dir adds nothing. */
static bool add_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	bool ok = true;

	if (!d)
		return true;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			abort();
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[n])
			abort();
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    !add_file(names[i])) {
			fprintf(stderr, "replay: cannot read %s\n", names[i]);
			ok = false;
		}
		free(names[i]);
	}
	free(names);
	return ok;
}

/* Runs input i with tracing on or off; returns its digest. */
static uint64_t run(size_t i, bool trace)
{
	fuzz_trace_start(trace);
	LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
	return fuzz_trace_digest();
}

int main(int argc, char **argv)
{
	bool twice = false, ok = true;
	size_t mismatches = 0;
	int first = 1;

	if (argc > 1 && strcmp(argv[1], "--twice") == 0) {
		twice = true;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [--twice] PATH...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int a = first; a < argc; a++) {
		struct stat st;

		if (stat(argv[a], &st) == 0 && S_ISREG(st.st_mode))
			ok = add_file(argv[a]) && ok;
		else
			ok = add_dir(argv[a]) && ok;
	}
	for (size_t i = 0; i < n_inputs; i++)
		inputs[i].digest = run(i, twice);
	for (size_t i = n_inputs; twice && i-- > 0;) {
		if (run(i, true) != inputs[i].digest) {
			fprintf(stderr,
				"replay: %s: a different trace after "
				"the inputs that followed it\n",
				inputs[i].path);
			mismatches++;
		}
	}
	printf("replay %s: %zu inputs%s, %zu mismatches\n", argv[0], n_inputs,
	       twice ? " twice" : "", mismatches);
	return ok && mismatches == 0 ? 0 : 1;
}
