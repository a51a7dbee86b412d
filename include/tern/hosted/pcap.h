/*
 * pcap.h - pcap files as seen by a netdev: recording and replay.
 *
 * Recording (struct tern_pcap_rec) is a wrapper stacked over any netdev: it
 * forwards every call to the inner device and writes each frame that was
 * actually sent (accepted by the inner device) or received to a pcap file,
 * through libpcap, so tcpdump, tshark and Wireshark read it.
 *   - Format: classic pcap, LINKTYPE_ETHERNET, nanosecond timestamps
 *     (magic a1b23c4d), snaplen 65535; frames are written whole.
 *   - Timestamps: tern_clock_wall() when the frame passed the wrapper (for
 *     a send, just before the inner device was called; for a receive, just
 *     after it returned). Wall time, so the tools show real dates; under the
 *     hosted virtual clock the wall clock is 1,700,000,000 s plus the
 *     virtual monotonic time, so recordings are deterministic.
 *   - Direction: classic pcap has no direction field. A frame whose source
 *     MAC is the device's MAC was sent by Tern; any other was received
 *     (tshark: `eth.src == MAC`). Frames appear in the order they passed.
 *   - Durability: the file is flushed after every send and receive batch
 *     that carried a frame, so a crash loses at most the batch in progress.
 *   - Checksums: a received frame flagged TERN_RX_CSUM_VALID (dev.h) may
 *     carry a partial TCP or UDP checksum; the recorder completes it in
 *     the frame before writing it (IPv4, unfragmented), so captures check
 *     clean in tshark. The flag stays set.
 *
 * Replay (struct tern_pcap_replay) is a netdev whose received frames come
 * from a pcap or pcapng file (Ethernet link type), each at a time derived
 * from its timestamp; the frames the stack sends are counted, optionally
 * kept in memory and optionally written to a pcap file, so a test compares
 * them with what it expects. Timestamp mapping:
 *   T0 = tern_clock_monotonic() when the device is opened;
 *   frame i is due at max(due(i-1), T0 + (ts_i - ts_0)), where ts is the
 *   frame's capture timestamp in nanoseconds: the first frame is due at T0,
 *   the gaps of the capture are kept, and a timestamp going backwards
 *   delivers that frame together with the one before.
 * recv() delivers, in file order, the frames due at or before the current
 * monotonic time. The device's tern_waker reports the next frame's due time,
 * so under the virtual clock tern_wait() jumps the clock exactly to it and
 * the whole run is deterministic; under the real clock the capture replays
 * at its recorded pace. Once the file is exhausted the waker reports no
 * work: tern_wait(TERN_NO_DEADLINE) with nothing else pending returns
 * -TERN_EDEADLK under the virtual clock, which is how a replay ends.
 *
 * Storage of both structures belongs to the caller; close (through
 * tern_netdev_close) releases what they hold, not the structure.
 *
 * A hosted build configured with TERN_PCAP=OFF has no libpcap
 * (hosted/pcap_off.c): tern_pcap_rec_open() returns -TERN_EIO,
 * tern_pcap_replay_open() -TERN_ENOENT, both saying why in the log.
 */
#ifndef TERN_HOSTED_PCAP_H
#define TERN_HOSTED_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/hosted.h"

struct pcap;	    /* libpcap's pcap_t */
struct pcap_dumper; /* libpcap's pcap_dumper_t */

#define TERN_PCAP_SNAPLEN 65535

/* ---- Recording ---------------------------------------------------------- */

struct tern_pcap_rec {
	struct tern_netdev dev;	   /* first: same name, MAC, MTU as inner */
	struct tern_netdev *inner; /* owned: closed with the wrapper */
	struct pcap *pcap;
	struct pcap_dumper *dumper;

	uint64_t frames_sent; /* frames written, by direction */
	uint64_t frames_received;
	uint64_t write_errors; /* flushes that failed (disk full...) */

	uint8_t scratch[TERN_ETH_FRAME_MAX]; /* a gathered frame, flattened */
};

/* Stacks a recorder over inner, writing to path (created or truncated).
 * The wrapper takes over inner: closing the wrapper closes inner. The
 * wrapper copies inner's name, MAC and MTU at this call; set the MAC
 * before wrapping. Returns 0, or -TERN_EIO if the file cannot be created
 * (the reason is logged); inner is left open on failure. */
TERN_API int tern_pcap_rec_open(struct tern_pcap_rec *rec,
				struct tern_netdev *inner, const char *path);

/* ---- Replay ------------------------------------------------------------- */

/* A frame the stack sent to a replay device, kept for inspection. */
struct tern_pcap_sent {
	uint64_t time; /* tern_clock_monotonic() when it was sent */
	size_t len;
	const uint8_t *data; /* owned by the device, valid until close */
};

struct tern_pcap_replay_cfg {
	const char *path;      /* pcap or pcapng file, Ethernet link type */
	const char *name;      /* netdev name; NULL: "replay" */
	const uint8_t *mac;    /* Tern's MAC; NULL: random local address */
	uint16_t mtu;	       /* 0: 1500 */
	unsigned keep_sent;    /* how many sent frames to keep in memory */
	const char *sent_path; /* NULL, or a pcap file for the sent frames */
};

struct tern_pcap_replay {
	struct tern_netdev dev;	 /* first */
	struct tern_waker waker; /* next(): the next frame's due time */
	struct pcap *in;

	/* The next frame, read ahead (libpcap owns the bytes until the next
	 * read). */
	bool have_next;
	const uint8_t *next_data;
	uint32_t next_caplen, next_len;
	uint64_t next_due;

	uint64_t t0;  /* monotonic time of the first frame */
	uint64_t ts0; /* capture timestamp of the first frame */
	uint64_t last_due;

	/* Receive counters. */
	uint64_t rx_frames;    /* delivered to the stack */
	uint64_t rx_truncated; /* captured shorter than sent: skipped */
	uint64_t rx_runts;     /* shorter than an Ethernet header: skipped */
	uint64_t read_errors;  /* the file was damaged: replay ended there */

	/* What the stack sent. */
	uint64_t tx_frames;
	struct tern_pcap_sent *sent; /* the first keep_sent of them */
	unsigned sent_kept;
	unsigned keep_sent;
	uint8_t *sent_buf; /* keep_sent * (14 + mtu) bytes */
	struct pcap *out_pcap;
	struct pcap_dumper *out;
};

/* Opens a replay device. Returns 0, or:
 *   -TERN_ENOENT   the file cannot be opened
 *   -TERN_EBADMSG  it is not a pcap/pcapng file
 *   -TERN_ENOTSUP  its link type is not Ethernet
 *   -TERN_ENOMEM   keep_sent frames do not fit in memory
 *   -TERN_EIO      sent_path cannot be created
 * The reason is logged. */
TERN_API int tern_pcap_replay_open(struct tern_pcap_replay *rp,
				   const struct tern_pcap_replay_cfg *cfg);

/* True once every frame of the file has been delivered (or skipped). */
TERN_API bool tern_pcap_replay_done(const struct tern_pcap_replay *rp);

#endif
