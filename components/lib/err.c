/*
 * err.c - tern_strerror.
 */
#include "tern/err.h"

static const char *const messages[TERN_ERR_COUNT] = {
	[0] = "success",
	[TERN_EAGAIN] = "try again later",
	[TERN_EINVAL] = "invalid argument",
	[TERN_ENOMEM] = "out of memory",
	[TERN_EIO] = "I/O error",
	[TERN_ETIMEDOUT] = "timed out",
	[TERN_ENOENT] = "no such entry",
	[TERN_EEXIST] = "already exists",
	[TERN_EMSGSIZE] = "message too long",
	[TERN_EBADMSG] = "malformed message",
	[TERN_ENOSPC] = "table full",
	[TERN_ENODEV] = "no such device",
	[TERN_ENOTSUP] = "not supported",
	[TERN_ECANCELED] = "cancelled",
	[TERN_EDEADLK] = "nothing can wake the caller",
	[TERN_EADDRINUSE] = "address in use",
	[TERN_ENOTCONN] = "not connected",
	[TERN_ECONNREFUSED] = "connection refused",
	[TERN_ECONNRESET] = "connection reset",
	[TERN_EHOSTUNREACH] = "host unreachable",
	[TERN_ENOTDIR] = "not a directory",
	[TERN_EISDIR] = "is a directory",
	[TERN_ENAMETOOLONG] = "name too long",
	[TERN_EBUSY] = "busy",
	[TERN_ERANGE] = "out of range",
	[TERN_EPIPE] = "broken pipe",
	[TERN_ELOOP] = "too many links",
	[TERN_EOVERFLOW] = "value too large",
};

const char *tern_strerror(int err)
{
	if (err < 0 && err > -TERN_ERR_COUNT)
		err = -err;
	if (err < 0 || err >= TERN_ERR_COUNT || !messages[err])
		return "unknown error";
	return messages[err];
}
