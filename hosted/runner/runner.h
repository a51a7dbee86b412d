/*
 * runner.h - the hosted runner's insides: --net and --disk specs, and the
 * devices they open. main.c is the only user besides the tests.
 *
 * --net SPEC (up to TERN_MAX_NETDEVS, named net0, net1, ... in order):
 *   tap:NAME                   TAP interface NAME: attached if it exists,
 *                              created otherwise (needs CAP_NET_ADMIN)
 *   wire:stream:listen:PATH    listen on UNIX stream socket PATH
 *   wire:stream:connect:PATH   connect to UNIX stream socket PATH
 *   wire:stream:PATH           same as wire:stream:connect:PATH
 *   wire:dgram:LOCAL,REMOTE    datagrams; LOCAL and REMOTE both UNIX paths,
 *                              or both 127.x.y.z:PORT (loopback only)
 *   pcap:FILE                  replay FILE as received frames; switches the
 *                              process to the virtual clock
 * --pcap FILE records net0 to FILE and netN (N >= 1) to FILE.N.
 * --disk file:PATH (named blk0, blk1, ...): the disk image PATH, which must
 * exist; its size is the file's size rounded down to 512-byte sectors.
 */
#ifndef TERN_HOSTED_RUNNER_H
#define TERN_HOSTED_RUNNER_H

#include <stddef.h>

#include "tern/app.h"
#include "tern/hosted/wire.h"

enum tern_runner_net_kind {
	TERN_RUNNER_NET_TAP,
	TERN_RUNNER_NET_STREAM_LISTEN,
	TERN_RUNNER_NET_STREAM_CONNECT,
	TERN_RUNNER_NET_DGRAM,
	TERN_RUNNER_NET_REPLAY,
};

struct tern_runner_net_spec {
	enum tern_runner_net_kind kind;
	const char *spec;	      /* the whole spec, for messages */
	const char *arg;	      /* TAP name or path, inside the spec */
	struct tern_wire_addr local;  /* DGRAM */
	struct tern_wire_addr remote; /* DGRAM */
};

/* Parses a --net spec. Returns 0, or -TERN_EINVAL with a one-line reason
 * in err (errlen bytes). spec must outlive out. */
int tern_runner_parse_net(const char *spec, struct tern_runner_net_spec *out,
			  char *err, size_t errlen);

/* Parses a --disk spec; *path points into spec. Returns 0, or -TERN_EINVAL
 * with a reason in err. */
int tern_runner_parse_disk(const char *spec, const char **path, char *err,
			   size_t errlen);

/* The devices of one run. */
struct tern_runner {
	struct tern_boot boot;
	void *net_mem[TERN_MAX_NETDEVS]; /* the device, malloc'ed */
	void *rec_mem[TERN_MAX_NETDEVS]; /* its pcap recorder, or NULL */
	void *blk_mem[TERN_MAX_BLKDEVS];
};

/* Parses every --net and --disk spec in args, opens the devices, applies
 * --mac to net0, stacks --pcap recorders, and fills r->boot. Returns 0;
 * -TERN_EINVAL for a bad spec (a usage error: exit status 2); another
 * negative code if a device could not be opened (exit status 1). err gets
 * a one-line reason. On error nothing stays open. */
int tern_runner_start(struct tern_runner *r, const struct tern_app *app,
		      const struct tern_args *args, char *err, size_t errlen);

/* Closes every device (recorders flush their files) and frees them. */
void tern_runner_stop(struct tern_runner *r);

#endif
