/*
 * base.h - the few macros and types every Tern header and source shares.
 *
 * TERN_API marks a function that is part of the public API: the build uses
 * -fvisibility=hidden, so only marked functions are exported when components
 * are linked into a shared object (for example packetdrill's --so_filename).
 */
#ifndef TERN_BASE_H
#define TERN_BASE_H

#include <stddef.h>
#include <stdint.h>

#define TERN_API __attribute__((visibility("default")))

/* A deadline that never comes: wait forever, or "no timer armed". */
#define TERN_NO_DEADLINE UINT64_MAX

#define TERN_NSEC_PER_USEC 1000ull
#define TERN_NSEC_PER_MSEC 1000000ull
#define TERN_NSEC_PER_SEC 1000000000ull

/* The structure of type TYPE whose member MEMBER is at address PTR. */
#define tern_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define TERN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TERN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TERN_MAX(a, b) ((a) > (b) ? (a) : (b))

/* One contiguous piece of memory of a gather list: a piece of a frame to
 * send, of a socket write. */
struct tern_iov {
	const void *base;
	size_t len;
};

#endif
