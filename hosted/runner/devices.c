/*
 * devices.c - opening the devices that --net, --disk, --mac and --pcap ask
 * for, and closing them after the application's main returns.
 *
 * Each device is allocated once here (start-up, not the data path) and
 * freed in tern_runner_stop().
 */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "tern/fmt.h"
#include "tern/hosted.h"
#include "tern/hosted/filedisk.h"
#include "tern/hosted/pcap.h"
#include "tern/hosted/tap.h"
#include "tern/hosted/wire.h"
#include "tern/log.h"

/* Opens the device of one parsed --net spec as netN. */
static int open_net(struct tern_runner *r, unsigned i,
		    const struct tern_runner_net_spec *s, char *err,
		    size_t errlen)
{
	struct tern_netdev *dev = NULL;
	char name[TERN_DEV_NAME_MAX];
	int rc = -TERN_ENOMEM;
	void *mem = NULL;

	tern_snprintf(name, sizeof(name), "net%u", i);
	if (s->kind == TERN_RUNNER_NET_TAP) {
		struct tern_tap *tap = mem = malloc(sizeof(*tap));

		if (tap) {
			rc = tern_tap_open(tap, s->arg,
					   TERN_TAP_ATTACH | TERN_TAP_CREATE,
					   name);
			dev = &tap->dev;
		}
	} else if (s->kind == TERN_RUNNER_NET_REPLAY) {
		struct tern_pcap_replay *rp = mem = malloc(sizeof(*rp));
		struct tern_pcap_replay_cfg cfg = { .path = s->arg,
						    .name = name };

		if (rp) {
			if (!tern_hosted_clock_is_virtual())
				tern_hosted_clock_use_virtual(0);
			rc = tern_pcap_replay_open(rp, &cfg);
			dev = &rp->dev;
		}
	} else {
		struct tern_wire *w = mem = malloc(sizeof(*w));

		if (w && s->kind == TERN_RUNNER_NET_STREAM_LISTEN)
			rc = tern_wire_listen(w, s->arg, name);
		else if (w && s->kind == TERN_RUNNER_NET_STREAM_CONNECT)
			rc = tern_wire_connect(w, s->arg, name);
		else if (w)
			rc = tern_wire_dgram(w, &s->local, &s->remote, name);
		if (w)
			dev = &w->dev;
	}
	if (rc < 0) {
		const char *hint = "";

		if (s->kind == TERN_RUNNER_NET_TAP && rc == -TERN_ENODEV)
			hint = " (/dev/net/tun: needs CAP_NET_ADMIN)";
		else if (s->kind == TERN_RUNNER_NET_TAP && rc == -TERN_EBUSY)
			hint = " (not a TAP, or already in use)";
		free(mem);
		tern_snprintf(err, errlen, "--net %s: %s%s", s->spec,
			      tern_strerror(rc), hint);
		/* The spec parsed, so this is the device failing (exit 1). */
		return rc == -TERN_EINVAL ? -TERN_EIO : rc;
	}
	r->net_mem[i] = mem;
	r->boot.net[i] = dev;
	r->boot.n_net = i + 1;
	return 0;
}

/* Stacks a pcap recorder over netN: FILE for net0, FILE.N after. */
static int record(struct tern_runner *r, unsigned i, const char *file,
		  char *err, size_t errlen)
{
	struct tern_pcap_rec *rec = malloc(sizeof(*rec));
	char path[4096];
	int rc;

	if (!rec) {
		tern_snprintf(err, errlen, "--pcap: out of memory");
		return -TERN_ENOMEM;
	}
	if (i == 0)
		tern_snprintf(path, sizeof(path), "%s", file);
	else
		tern_snprintf(path, sizeof(path), "%s.%u", file, i);
	rc = tern_pcap_rec_open(rec, r->boot.net[i], path);
	if (rc < 0) {
		free(rec);
		tern_snprintf(err, errlen, "--pcap: cannot create %s", path);
		return rc;
	}
	r->rec_mem[i] = rec;
	r->boot.net[i] = &rec->dev;
	return 0;
}

static int open_disk(struct tern_runner *r, unsigned i, const char *path,
		     char *err, size_t errlen)
{
	struct tern_filedisk *disk = malloc(sizeof(*disk));
	struct tern_filedisk_opts opts;
	char name[TERN_DEV_NAME_MAX];
	int rc;

	if (!disk) {
		tern_snprintf(err, errlen, "--disk: out of memory");
		return -TERN_ENOMEM;
	}
	tern_snprintf(name, sizeof(name), "blk%u", i);
	memset(&opts, 0, sizeof(opts));
	opts.name = name;
	rc = tern_filedisk_open(disk, path, &opts);
	if (rc < 0) {
		free(disk);
		tern_snprintf(err, errlen, "--disk file:%s: %s", path,
			      tern_strerror(rc));
		return rc == -TERN_EINVAL ? -TERN_EIO : rc;
	}
	r->blk_mem[i] = disk;
	r->boot.blk[i] = &disk->dev;
	r->boot.n_blk = i + 1;
	return 0;
}

int tern_runner_start(struct tern_runner *r, const struct tern_app *app,
		      const struct tern_args *args, char *err, size_t errlen)
{
	struct tern_runner_net_spec specs[TERN_MAX_NETDEVS];
	const char *disks[TERN_MAX_BLKDEVS];
	int rc;

	memset(r, 0, sizeof(*r));
	r->boot.app = app;
	r->boot.args = args;
	/* Every spec first: a typo is a usage error, before any device. */
	for (unsigned i = 0; i < args->n_net; i++) {
		rc = tern_runner_parse_net(args->net[i], &specs[i], err,
					   errlen);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < args->n_disk; i++) {
		rc = tern_runner_parse_disk(args->disk[i], &disks[i], err,
					    errlen);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < args->n_net; i++) {
		rc = open_net(r, i, &specs[i], err, errlen);
		if (rc < 0)
			goto fail;
		if (i == 0 && args->has_mac)
			memcpy(r->boot.net[0]->mac, args->mac, TERN_ETH_ALEN);
		if (args->pcap) {
			rc = record(r, i, args->pcap, err, errlen);
			if (rc < 0)
				goto fail;
		}
	}
	for (unsigned i = 0; i < args->n_disk; i++) {
		rc = open_disk(r, i, disks[i], err, errlen);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	tern_runner_stop(r);
	return rc;
}

void tern_runner_stop(struct tern_runner *r)
{
	for (unsigned i = 0; i < TERN_MAX_NETDEVS; i++) {
		/* A recorder closes the device under it. */
		if (r->boot.net[i])
			tern_netdev_close(r->boot.net[i]);
		free(r->rec_mem[i]);
		free(r->net_mem[i]);
		r->rec_mem[i] = r->net_mem[i] = NULL;
		r->boot.net[i] = NULL;
	}
	for (unsigned i = 0; i < TERN_MAX_BLKDEVS; i++) {
		if (r->boot.blk[i])
			tern_blkdev_close(r->boot.blk[i]);
		free(r->blk_mem[i]);
		r->blk_mem[i] = NULL;
		r->boot.blk[i] = NULL;
	}
	r->boot.n_net = r->boot.n_blk = 0;
}
