/*
 * http_mime.c - Content-Type from the file name's extension: a small
 * fixed table, compared without case; anything else is
 * application/octet-stream.
 */
#include <string.h>

#include "http.h"
#include "tern/base.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "svg", "image/svg+xml" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "wasm", "application/wasm" },
	{ "pdf", "application/pdf" },
};

const char *http_mime_type(const char *path, size_t len)
{
	size_t dot = len;

	while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/')
		dot--;
	if (dot == 0 || path[dot - 1] != '.')
		return "application/octet-stream";
	for (size_t i = 0; i < TERN_ARRAY_SIZE(types); i++) {
		const char *e = types[i].ext;
		size_t n = strlen(e), k;

		if (len - dot != n)
			continue;
		for (k = 0; k < n; k++) {
			char c = path[dot + k];

			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != e[k])
				break;
		}
		if (k == n)
			return types[i].type;
	}
	return "application/octet-stream";
}
