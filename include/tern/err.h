/*
 * err.h - Tern's error codes.
 *
 * Functions return int: 0 or a count on success, a negative -TERN_E* on
 * failure. Each function documents which codes it can return. A broken
 * contract (a NULL where one is not allowed, a length past a buffer) is an
 * assert, not an error code. There is no global errno.
 */
#ifndef TERN_ERR_H
#define TERN_ERR_H

#include "tern/base.h"

enum tern_err {
	TERN_EAGAIN =
		1,   /* nothing now; try later (no frame waiting, queue full) */
	TERN_EINVAL, /* an argument is out of its documented range */
	TERN_ENOMEM, /* a pool or an allocation is exhausted */
	TERN_EIO,    /* the device reported an I/O error */
	TERN_ETIMEDOUT,	 /* the deadline passed first */
	TERN_ENOENT,	 /* no such name, path or entry */
	TERN_EEXIST,	 /* already present */
	TERN_EMSGSIZE,	 /* larger than the device or protocol allows */
	TERN_EBADMSG,	 /* malformed input (a parser's verdict) */
	TERN_ENOSPC,	 /* a fixed-size table is full */
	TERN_ENODEV,	 /* no such device */
	TERN_ENOTSUP,	 /* not supported by this device or build */
	TERN_ECANCELED,	 /* the operation was cancelled (shutdown requested) */
	TERN_EDEADLK,	 /* nothing can ever wake the caller */
	TERN_EADDRINUSE, /* the address or port is taken */
	TERN_ENOTCONN,	 /* the socket is not connected */
	TERN_ECONNREFUSED, /* the peer refused */
	TERN_ECONNRESET,   /* the peer reset the connection */
	TERN_EHOSTUNREACH, /* no route, or address resolution failed */
	TERN_ENOTDIR,	   /* a path component is not a directory */
	TERN_EISDIR,	   /* the path is a directory */
	TERN_ENAMETOOLONG, /* a name exceeds its limit */
	TERN_EBUSY,	   /* the resource is in use */
	TERN_ERANGE,	   /* a value is out of range (offset past the end) */
	TERN_EPIPE,	   /* the other end is gone */
	TERN_ELOOP,	   /* too many links or pointers followed */
	TERN_EOVERFLOW,	   /* a result does not fit its type */
	TERN_ERR_COUNT
};

/* A short English description of err (positive or negative); never NULL.
 * Unknown codes give "unknown error". */
TERN_API const char *tern_strerror(int err);

#endif
