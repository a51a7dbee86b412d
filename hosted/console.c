/*
 * console.c - the hosted console (stderr) and entropy (getrandom).
 */
#include <errno.h>
#include <sys/random.h>
#include <unistd.h>

#include "tern/dev.h"

void tern_console_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the console is gone; nothing to report to */
		buf += n;
		len -= (size_t)n;
	}
}

int tern_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -TERN_EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
