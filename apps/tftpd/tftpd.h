/*
 * tftpd.h - the TFTP server on Tern: the sans-I/O core (tftp_server.h)
 * wired to UDP sockets of the network stack, to files of a tarfs, and to
 * one fiber. main.c uses it for the app; the component test runs it over
 * two stacks joined by a memlink.
 *
 * One fiber, not one per transfer: every socket's notify hook wakes the
 * same wait queue, and the fiber feeds whatever arrived on any socket to
 * the core, then runs its timers and sleeps until the next deadline. A
 * transfer costs one struct tern_udp and one table entry, not a 64 KiB
 * fiber stack, and all protocol state stays in the core that the unit
 * tests and the fuzzer drive. The price: a block-cache miss stalls every
 * transfer for one disk read (tarfs reads block the fiber); the cache's
 * read-ahead keeps sequential transfers hitting, and a TFTP client waits
 * for each window anyway.
 *
 * Sockets: slot TFTP_LISTEN is bound to the server port (69) on any
 * address; transfer slot k gets a fresh ephemeral port (RFC 6056, chosen
 * by the stack) when its transfer starts and is closed when it ends.
 *
 * Files: names are resolved under the served root (a directory of the
 * image); a path that resolves outside it through a symbolic link is
 * refused like a "..". blksize is capped so one DATA packet fits every
 * interface's MTU without fragmentation (MTU - 20 - 8 - 4).
 */
#ifndef TFTPD_H
#define TFTPD_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/sched.h"
#include "tern/tarfs.h"
#include "tern/udp.h"
#include "tftp_server.h"

#define TFTPD_DRAIN_MAX 64 /* datagrams taken from one socket per turn */

struct tftpd {
	struct tftp_server srv; /* the core: stats are public */
	uint64_t rx_truncated;	/* drop: datagram above 65,468 bytes */
	uint64_t rx_errors;	/* socket errors reported */
	/* private */
	struct tern_net_loop *loop;
	struct tern_net *net;
	struct tern_sched *sched;
	struct tern_tarfs *fs;
	char root[TFTP_PATH_MAX + 1]; /* cleaned; "" is the image's root */
	size_t root_len;
	struct tern_udp socks[TFTP_MAX_TRANSFERS + 1];
	bool open[TFTP_MAX_TRANSFERS + 1];
	struct tern_waitq wq;
	struct tern_fiber fiber;
	bool kicked, stopping, started;
	uint8_t rx[TFTP_HDR + TFTP_BLKSIZE_MAX];
	char path[TERN_TARFS_PATH_MAX + 1];
};

/* The largest blksize that fits every interface of net in one frame. */
uint32_t tftpd_blksize_cap(const struct tern_net *net);

/* Checks that root names a directory of fs and stores it cleaned. Returns
 * 0, -TERN_ERANGE (".." above the image's root), -TERN_ENAMETOOLONG, or
 * tarfs's lookup errors (-TERN_ENOENT, -TERN_ENOTDIR: also when root is a
 * file). */
int tftpd_set_root(struct tftpd *d, struct tern_tarfs *fs, const char *root);

/* Regular files under the root set by tftpd_set_root (hard links
 * included, symbolic links not). */
uint32_t tftpd_count_files(const struct tftpd *d);

/* Starts serving on loop's stack: d's root must be set (tftpd_set_root);
 * cfg (NULL: defaults) has its blksize_max lowered to tftpd_blksize_cap();
 * binds port on any address and spawns the server fiber. Returns 0, or
 * -TERN_EINVAL (bad cfg), -TERN_EADDRINUSE (port taken), -TERN_ENOMEM (no
 * fiber stack). On error nothing stays open. */
int tftpd_start(struct tftpd *d, struct tern_net_loop *loop,
		const struct tftp_config *cfg, uint16_t port);

/* Stops serving: ends every transfer silently, closes every socket and
 * joins the fiber. Must be called from another fiber of the same
 * scheduler. */
void tftpd_stop(struct tftpd *d);

/* Prints every non-zero counter, headed "tftpd: counters (non-zero)". */
void tftpd_print_stats(const struct tftpd *d);

#endif
