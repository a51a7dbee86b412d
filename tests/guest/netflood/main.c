/*
 * netflood/main.c - floods a virtio-net transmit queue with small frames,
 * one per send, to catch lost virtqueue notifications: if the device stops
 * taking frames for --stall-ms (the ring full, nothing returned), the run
 * fails and prints how far it got. net/flood.sh boots it.
 *
 * Modes (--mode):
 *   tx    every frame goes to net0, a NIC without a QEMU peer: QEMU drops
 *         each frame at once, so the device is faster than the guest and
 *         goes idle, re-arming its notification (avail_event), between
 *         almost every two frames. Each time, a virtq_kick() that reads
 *         avail_event before its avail index store is visible misses the
 *         kick for good: the race behind the TX stalls of apps/tftpd
 *         under QEMU 7.2 TCG (guest/virtio.c).
 *   loop  net0 and net1 share a QEMU hub; every frame sent on net0 must
 *         arrive on net1, in order (sequence numbers). At most WINDOW
 *         frames are in flight, and with nothing to do the guest sleeps in
 *         tern_wait() until net1's receive interrupt: lost RX kicks and
 *         lost wake-ups stall it too.
 *
 * Console lines the script checks:
 *   "netflood: sent N frames in M ms ..."   done, exit status 0
 *   "netflood: stall: ..."                  exit status 1
 */
#include <string.h>

#include "tern/app.h"
#include "tern/dev.h"
#include "tern/log.h"

#define FRAME_LEN 60
#define ETHERTYPE 0x88b5 /* IEEE local experimental */
#define BATCH_MAX 32
#define RX_BATCH 32
#define WINDOW 128 /* loop mode: frames in flight (the rings hold 256) */

enum { F_MODE, F_FRAMES, F_BATCH, F_STALL_MS };

static const struct tern_flag flags[] = {
	[F_MODE] = { "mode", TERN_FLAG_STRING, "tx|loop",
		     "tx: net0 alone; loop: net0 to net1 (tx)" },
	[F_FRAMES] = { "frames", TERN_FLAG_U64, "N",
		       "frames to send (1000000)" },
	[F_BATCH] = { "batch", TERN_FLAG_U64, "N",
		      "frames per send, at most 32 (1)" },
	[F_STALL_MS] = { "stall-ms", TERN_FLAG_U64, "MS",
			 "no progress this long is a stall (2000)" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

struct flood {
	struct tern_netdev *tx_dev, *rx_dev; /* rx_dev NULL in tx mode */
	uint64_t frames;		     /* to send */
	unsigned batch;
	uint64_t stall_ns;
	uint64_t sent, received, refused, waits;
	uint8_t out[BATCH_MAX][FRAME_LEN];
	struct tern_iov iov[BATCH_MAX];
	struct tern_tx tx[BATCH_MAX];
	uint8_t in[RX_BATCH][TERN_ETH_HLEN + TERN_ETH_MTU_DEFAULT];
	struct tern_rx rx[RX_BATCH];
};

static struct flood flood; /* too big for the stack */

/* Writes v big-endian into p[0..7]. */
static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Broadcast frames from dev's address, of ETHERTYPE, each carrying its
 * sequence number after the header. */
static void setup(struct flood *f)
{
	for (unsigned i = 0; i < BATCH_MAX; i++) {
		memset(f->out[i], 0xff, TERN_ETH_ALEN);
		memcpy(f->out[i] + TERN_ETH_ALEN, f->tx_dev->mac,
		       TERN_ETH_ALEN);
		f->out[i][12] = ETHERTYPE >> 8;
		f->out[i][13] = ETHERTYPE & 0xff;
		f->iov[i].base = f->out[i];
		f->iov[i].len = FRAME_LEN;
		f->tx[i].iov = &f->iov[i];
		f->tx[i].iovcnt = 1;
	}
	for (unsigned i = 0; i < RX_BATCH; i++) {
		f->rx[i].buf = f->in[i];
		f->rx[i].cap = sizeof(f->in[i]);
	}
}

/* Sends up to max of the next frames in one call. Returns the number the
 * device took, or -1 after logging a device error. */
static int send_some(struct flood *f, uint64_t max)
{
	unsigned k = f->batch;
	int rc;

	if (max < k)
		k = (unsigned)max;
	for (unsigned i = 0; i < k; i++)
		put_be64(f->out[i] + TERN_ETH_HLEN, f->sent + i);
	rc = tern_netdev_send(f->tx_dev, f->tx, k);
	if (rc < 0) {
		tern_log_error("netflood: send: %s", tern_strerror(rc));
		return -1;
	}
	f->sent += (unsigned)rc;
	if (rc == 0)
		f->refused++;
	return rc;
}

/* Takes what net1 has received and checks the sequence. Returns the number
 * of frames taken, or -1 after logging a wrong frame. */
static int recv_some(struct flood *f)
{
	int n = tern_netdev_recv(f->rx_dev, f->rx, RX_BATCH);

	if (n < 0) {
		tern_log_error("netflood: recv: %s", tern_strerror(n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const uint8_t *p = f->in[i];
		uint64_t seq;

		if (f->rx[i].len != FRAME_LEN || p[12] != ETHERTYPE >> 8 ||
		    p[13] != (ETHERTYPE & 0xff))
			continue; /* not ours */
		seq = get_be64(p + TERN_ETH_HLEN);
		if (seq != f->received) {
			tern_log_error("netflood: received frame %llu, "
				       "expected %llu",
				       (unsigned long long)seq,
				       (unsigned long long)f->received);
			return -1;
		}
		f->received++;
	}
	return n;
}

/* Logs a stall; returns the exit status for it. */
static int stall(const struct flood *f, const char *what)
{
	tern_log_error("netflood: stall: %s for the whole stall time after "
		       "%llu frames sent, %llu received",
		       what, (unsigned long long)f->sent,
		       (unsigned long long)f->received);
	return 1;
}

/* tx mode: sends every frame to net0. Returns the exit status. */
static int run_tx(struct flood *f)
{
	uint64_t progress = tern_clock_monotonic();

	while (f->sent < f->frames) {
		int rc = send_some(f, f->frames - f->sent);
		uint64_t now = tern_clock_monotonic();

		if (rc < 0)
			return 1;
		if (rc > 0)
			progress = now;
		else if (now - progress > f->stall_ns)
			return stall(f, "net0 took no frame");
	}
	return 0;
}

/* loop mode: sends on net0, receives on net1, at most WINDOW in flight.
 * Returns the exit status. */
static int run_loop(struct flood *f)
{
	uint64_t progress = tern_clock_monotonic();

	while (f->received < f->frames) {
		uint64_t in_flight = f->sent - f->received;
		int sent = 0, got;
		uint64_t now;

		if (in_flight < WINDOW && f->sent < f->frames) {
			uint64_t room = WINDOW - in_flight;

			if (f->frames - f->sent < room)
				room = f->frames - f->sent;
			sent = send_some(f, room);
			if (sent < 0)
				return 1;
		}
		got = recv_some(f);
		if (got < 0)
			return 1;
		now = tern_clock_monotonic();
		if (sent > 0 || got > 0) {
			progress = now;
			continue;
		}
		if (now - progress > f->stall_ns)
			return stall(f, "net1 received nothing");
		if (f->sent - f->received >= WINDOW || f->sent == f->frames) {
			/* Only net1's interrupt can end this wait early. */
			f->waits++;
			tern_wait(progress + f->stall_ns + 1);
		}
	}
	return 0;
}

static int flood_main(struct tern_boot *boot)
{
	const struct tern_args *a = boot->args;
	const char *mode = tern_args_str(a, &tern_app, "mode", "tx");
	struct flood *f = &flood;
	uint64_t start;
	int status;

	f->frames = tern_args_u64(a, &tern_app, "frames", 1000000);
	f->batch = (unsigned)tern_args_u64(a, &tern_app, "batch", 1);
	f->stall_ns = tern_args_u64(a, &tern_app, "stall-ms", 2000) *
		      TERN_NSEC_PER_MSEC;
	if (f->batch < 1 || f->batch > BATCH_MAX) {
		tern_log_error("netflood: --batch must be 1..%d", BATCH_MAX);
		return 2;
	}
	if (boot->n_net < 1 || (strcmp(mode, "loop") == 0 && boot->n_net < 2)) {
		tern_log_error("netflood: mode %s needs %s", mode,
			       boot->n_net < 1 ? "net0" : "net0 and net1");
		return 2;
	}
	f->tx_dev = boot->net[0];
	if (strcmp(mode, "loop") == 0)
		f->rx_dev = boot->net[1];
	else if (strcmp(mode, "tx") != 0) {
		tern_log_error("netflood: unknown mode %s", mode);
		return 2;
	}
	setup(f);
	start = tern_clock_monotonic();
	status = f->rx_dev ? run_loop(f) : run_tx(f);
	if (status == 0)
		tern_log_info(
			"netflood: sent %llu frames in %llu ms (%s, "
			"batch %u): %llu received, %llu sends "
			"refused, %llu waits",
			(unsigned long long)f->sent,
			(unsigned long long)((tern_clock_monotonic() - start) /
					     TERN_NSEC_PER_MSEC),
			mode, f->batch, (unsigned long long)f->received,
			(unsigned long long)f->refused,
			(unsigned long long)f->waits);
	return status;
}

const struct tern_app tern_app = {
	.name = "netflood",
	.summary = "floods a virtio-net TX queue; fails if the device stalls",
	.flags = flags,
	.main = flood_main,
};
