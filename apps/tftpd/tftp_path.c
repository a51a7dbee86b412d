/*
 * tftp_path.c - the requested file name to a path inside the served root.
 *
 * A TFTP name is a string the client chose. It is cleaned component by
 * component, so a name can never reach above the root: a leading '/' and
 * empty or "." components are dropped, ".." removes the component before
 * it, and a ".." with nothing left to remove is refused rather than
 * silently clamped (a client that asks for "../../etc/passwd" is told no,
 * not served "etc/passwd"). Symbolic links inside the image are the
 * environment's business (lookup() checks where they lead).
 */
#include <string.h>

#include "tern/err.h"
#include "tftp_server.h"

int tftp_path_clean(const char *name, size_t len, char *out, size_t cap)
{
	size_t n = 0, i = 0;

	if (cap == 0)
		return -TERN_ENAMETOOLONG;
	while (i < len) {
		size_t start, clen;

		while (i < len && name[i] == '/')
			i++;
		start = i;
		while (i < len && name[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0 || (clen == 1 && name[start] == '.'))
			continue;
		if (clen == 2 && name[start] == '.' && name[start + 1] == '.') {
			if (n == 0)
				return -TERN_ERANGE;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the '/' before the removed component */
			continue;
		}
		/* Room for a separator, the component and the final NUL. */
		if ((n ? 1 : 0) + clen >= cap - n)
			return -TERN_ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, name + start, clen);
		n += clen;
	}
	out[n] = '\0';
	return (int)n;
}
