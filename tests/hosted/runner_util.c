/*
 * runner_util.c - starting programs from tests, with bounded waits.
 */
#define _GNU_SOURCE
#include "runner_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

pid_t spawn(const char *const argv[], const char *out_path,
	    const char *err_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_path)
		posix_spawn_file_actions_addopen(
			&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (err_path)
		posix_spawn_file_actions_addopen(
			&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			  environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s: %s", argv[0], strerror(rc));
	return pid;
}

int wait_exit(pid_t pid, int timeout_s)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status;

	for (long i = 0; i < (long)timeout_s * 100; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		cr_assert(r >= 0, "waitpid failed");
		if (r == pid) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int run_capture(const char *const argv[], const char *tmpdir, char **out,
		char **err, int timeout_s)
{
	char po[256], pe[256];
	int status;

	snprintf(po, sizeof(po), "%s/.stdout", tmpdir);
	snprintf(pe, sizeof(pe), "%s/.stderr", tmpdir);
	status = wait_exit(spawn(argv, po, pe), timeout_s);
	if (out)
		*out = read_text(po);
	if (err)
		*err = read_text(pe);
	unlink(po);
	unlink(pe);
	return status;
}

void temp_dir_make(char dir[64], const char *name)
{
	snprintf(dir, 64, "/tmp/tern-%.20s-XXXXXX", name);
	cr_assert(mkdtemp(dir), "mkdtemp");
}

char *temp_path(const char *dir, const char *name)
{
	static char p[8][128];
	static int k;
	char *s = p[k++ % 8];

	snprintf(s, 128, "%s/%s", dir, name);
	return s;
}

void temp_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[160];

	while (d && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%.80s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}
