/*
 * netns.h - private network namespaces for tests and scripts.
 *
 * Interop tests put the kernel side of a TAP inside a network namespace of
 * their own, so the traffic they make can never leave the machine and
 * parallel tests never see each other. The namespace has a unique name,
 * "PREFIX-PID-N", is visible to iproute2 (`ip netns list`, `ip netns exec`),
 * and is deleted by tern_netns_destroy().
 *
 * A TAP made by tern_netns_tap() lives inside the namespace, yet its
 * descriptor is usable from the caller's own namespace: the process enters
 * the namespace only to open the descriptor (setns), then returns. The
 * kernel side gets an IPv4 address and is brought up; IPv6 is disabled on
 * it so the kernel sends nothing unasked (no router solicitations, no MLD).
 *
 * Cleanup: tern_netns_destroy() runs `ip netns del`; the namespace goes
 * away once the last descriptor opened inside it (TAP, sockets) is closed
 * as well. A process that dies before destroying its namespaces leaves them
 * behind; tern_netns_create() first deletes every namespace with the same
 * prefix whose PID is no longer alive, and tern_netns_reap() does it on
 * demand. Tests call tern_netns_destroy() from their Criterion fini so the
 * namespace goes even when an assertion fails.
 *
 * These functions run /sbin/ip (iproute2) and need CAP_NET_ADMIN and
 * CAP_SYS_ADMIN (root). They are for hosted tests and tools only.
 */
#ifndef TERN_HOSTED_NETNS_H
#define TERN_HOSTED_NETNS_H

#include <stdbool.h>

#include "tern/base.h"

#define TERN_NETNS_NAME_MAX 48
#define TERN_NETNS_PREFIX_MAX 24

struct tern_netns {
	char name[TERN_NETNS_NAME_MAX]; /* "PREFIX-PID-N" */
	bool exists;			/* created and not yet destroyed */
};

/* Creates a new network namespace named "PREFIX-PID-N" (prefix: letters,
 * digits, '-' or '_', at most TERN_NETNS_PREFIX_MAX - 1 characters) with
 * its loopback up. Returns 0, or -TERN_EINVAL for a bad prefix, or
 * -TERN_EIO if `ip netns add` failed (not root, iproute2 missing). */
TERN_API int tern_netns_create(struct tern_netns *ns, const char *prefix);

/* Creates TAP interface ifname (at most 15 characters) inside ns, gives
 * the kernel side the address cidr ("10.0.0.1/24"; NULL for none), brings
 * it up, and returns in *fd a non-blocking descriptor for Tern's side
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR; pass it to tern_tap_adopt()). The calling thread is
 * back in its own namespace on return. Returns 0, or -TERN_EINVAL (bad
 * ifname or cidr), -TERN_ENODEV (/dev/net/tun unusable), -TERN_EIO. */
TERN_API int tern_netns_tap(struct tern_netns *ns, const char *ifname,
			    const char *cidr, int *fd);

/* Moves the calling thread into ns. *saved receives a descriptor of the
 * namespace it was in, for tern_netns_leave(). Returns 0 or -TERN_EIO. */
TERN_API int tern_netns_enter(const struct tern_netns *ns, int *saved);

/* Moves the calling thread back to the namespace saved by
 * tern_netns_enter() and closes saved. Returns 0 or -TERN_EIO (the thread
 * is then still inside; the caller should abort). */
TERN_API int tern_netns_leave(int saved);

/* Opens socket(domain, type, protocol) inside ns; the descriptor keeps
 * working from any namespace (an AF_PACKET socket bound to the TAP's kernel
 * side, for example). Returns the descriptor, or -TERN_EIO. */
TERN_API int tern_netns_socket(const struct tern_netns *ns, int domain,
			       int type, int protocol);

/* Runs argv (argv[0] looked up in PATH) inside ns through `ip netns exec`,
 * with the caller's stdin, stdout and stderr, and waits for it. Returns its
 * exit status (0..255), or -TERN_EIO if it could not be started or was
 * killed by a signal. */
TERN_API int tern_netns_run(const struct tern_netns *ns,
			    const char *const argv[]);

/* Deletes ns (`ip netns del`). Safe to call twice, and on a namespace whose
 * creation failed. */
TERN_API void tern_netns_destroy(struct tern_netns *ns);

/* Deletes every namespace named "PREFIX-PID-N" whose PID is not a live
 * process. Returns the number deleted. */
TERN_API int tern_netns_reap(const char *prefix);

#endif
