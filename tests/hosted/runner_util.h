/*
 * runner_util.h - starting programs (the runner's test app, tshark, qemu)
 * from tests, with bounded waits.
 */
#ifndef TERN_TESTS_RUNNER_UTIL_H
#define TERN_TESTS_RUNNER_UTIL_H

#include <sys/types.h>

/* Starts argv (argv[0] looked up in PATH) with stdin from /dev/null and
 * stdout and stderr into the files out_path and err_path (NULL: inherit).
 * Returns the pid. */
pid_t spawn(const char *const argv[], const char *out_path,
	    const char *err_path);

/* Waits at most timeout_s seconds for pid, then kills it (SIGKILL). Returns
 * its exit status (0..255), 128 + the signal if a signal ended it, or -1 if
 * it had to be killed. */
int wait_exit(pid_t pid, int timeout_s);

/* Runs argv to the end (at most timeout_s seconds) and returns its status as
 * wait_exit() does; *out and *err (if not NULL) get its stdout and stderr as
 * malloc'ed strings. tmpdir holds the capture files. */
int run_capture(const char *const argv[], const char *tmpdir, char **out,
		char **err, int timeout_s);

/* Makes a fresh directory /tmp/tern-NAME-XXXXXX into dir (64 bytes). */
void temp_dir_make(char dir[64], const char *name);

/* dir/name in one of eight static buffers of 128 bytes, used in turn: the
 * result stays valid for the next seven calls. */
char *temp_path(const char *dir, const char *name);

/* Removes dir and the files in it (no subdirectories). */
void temp_dir_remove(const char *dir);

/* A whole file as a malloc'ed NUL-terminated string ("" if missing). */
char *read_text(const char *path);

#endif
