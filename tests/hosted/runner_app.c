/*
 * runner_app.c - a tiny application for the hosted runner's tests.
 *
 * It prints what the runner handed it (devices, names, MACs, disks) on
 * stdout, sends one "hello" frame on every netdev, then echoes --echo N
 * frames received on net0 back to their sender (source and destination
 * MAC swapped for its own), and returns --exit (default 0). It stops with
 * status 3 if no frame came within 20 s of monotonic time (at once under
 * the virtual clock of a pcap replay that has run out of frames).
 */
#include <stdio.h>
#include <string.h>

#include "tern/app.h"
#include "tern/inet.h"

#define HELLO_TYPE 0x88b5 /* IEEE local experimental EtherType */

static const struct tern_flag flags[] = {
	{ "exit", TERN_FLAG_U64, "N", "exit status to return" },
	{ "echo", TERN_FLAG_U64, "N", "echo N frames from net0, then exit" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

static int app_main(struct tern_boot *boot);

const struct tern_app tern_app = {
	.name = "runner_app",
	.summary = "test application of the hosted runner",
	.flags = flags,
	.main = app_main,
};

static void report(void *ctx)
{
	printf("report %s\n", (const char *)ctx);
	fflush(stdout);
}

static void hello(struct tern_netdev *dev)
{
	uint8_t f[60];
	struct tern_iov iov = { f, sizeof(f) };

	memset(f, 0, sizeof(f));
	memset(f, 0xff, TERN_ETH_ALEN);
	memcpy(f + 6, dev->mac, TERN_ETH_ALEN);
	f[12] = HELLO_TYPE >> 8;
	f[13] = HELLO_TYPE & 0xff;
	snprintf((char *)f + 14, sizeof(f) - 14, "hello from %s", dev->name);
	if (tern_netdev_send1(dev, &iov, 1) != 1)
		printf("hello on %s not sent\n", dev->name);
}

/* Echoes n frames from dev. Returns 0, or 3 on timeout. */
static int echo(struct tern_netdev *dev, uint64_t n)
{
	static uint8_t buf[TERN_ETH_FRAME_MAX];
	uint64_t deadline = tern_clock_monotonic() + 20 * TERN_NSEC_PER_SEC;
	uint64_t done = 0;

	while (done < n && !tern_stop_requested()) {
		struct tern_rx rx = { buf, sizeof(buf), 0, 0 };
		int rc = tern_netdev_recv(dev, &rx, 1);

		if (rc == 1) {
			struct tern_iov iov = { buf, rx.len };

			memcpy(buf, buf + 6, TERN_ETH_ALEN);
			memcpy(buf + 6, dev->mac, TERN_ETH_ALEN);
			if (tern_netdev_send1(dev, &iov, 1) == 1)
				done++;
			printf("echoed %zu bytes\n", rx.len);
			fflush(stdout);
			continue;
		}
		if (tern_clock_monotonic() >= deadline)
			return 3;
		tern_wait(deadline);
	}
	return 0;
}

static int app_main(struct tern_boot *boot)
{
	const struct tern_args *a = boot->args;
	int rc = 0;

	printf("netdevs %u blkdevs %u\n", boot->n_net, boot->n_blk);
	for (unsigned i = 0; i < boot->n_net; i++) {
		char mac[TERN_MAC_STR_MAX];

		printf("net %s mac %s mtu %u\n", boot->net[i]->name,
		       tern_mac_format(boot->net[i]->mac, mac),
		       boot->net[i]->mtu);
	}
	for (unsigned i = 0; i < boot->n_blk; i++)
		printf("blk %s sectors %llu size %u\n", boot->blk[i]->name,
		       (unsigned long long)boot->blk[i]->sector_count,
		       boot->blk[i]->sector_size);
	fflush(stdout);
	for (unsigned i = 0; i < boot->n_net; i++)
		hello(boot->net[i]);
	if (boot->n_net > 0)
		rc = echo(boot->net[0], tern_args_u64(a, &tern_app, "echo", 0));
	boot->report = report;
	boot->report_ctx = (void *)"done";
	if (rc)
		return rc;
	return (int)tern_args_u64(a, &tern_app, "exit", 0);
}
