/*
 * test_pcap.c - pcap recording (hosted/net/pcap_record.c) read back through
 * libpcap, and pcap replay (hosted/net/pcap_replay.c) driving the virtual
 * clock. The recorder is stacked over a scripted in-test device so every
 * frame and every timestamp is known.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_util.h"
#include "runner_util.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/hosted/pcap.h"
#include "wire_util.h"

#define WALL0 (1700000000ull * TERN_NSEC_PER_SEC) /* virtual wall origin */
#define T0 (5 * TERN_NSEC_PER_SEC)

static const uint8_t mac_tern[6] = { 0x02, 0x54, 0x45, 0x52, 0x4e, 0x01 };
static const uint8_t mac_peer[6] = { 0x02, 0x50, 0x45, 0x45, 0x52, 0x02 };

/* ---- A scripted device under the recorder ------------------------------ */

struct script {
	struct tern_netdev dev;
	uint8_t rx[8][200];
	size_t rx_len[8];
	unsigned rx_flags[8]; /* tern_rx.flags each frame is handed out with */
	unsigned rx_n, rx_pos;
	unsigned tx_accept; /* frames accepted per send call */
	unsigned tx_n;
	bool closed;
};

static int script_send(struct tern_netdev *dev, const struct tern_tx *frames,
		       unsigned count)
{
	struct script *s = tern_container_of(dev, struct script, dev);
	unsigned n = TERN_MIN(count, s->tx_accept);

	(void)frames; /* the recorder's file is checked, not these */
	s->tx_n += n;
	return (int)n;
}

static int script_recv(struct tern_netdev *dev, struct tern_rx *frames,
		       unsigned count)
{
	struct script *s = tern_container_of(dev, struct script, dev);
	unsigned got = 0;

	while (got < count && s->rx_pos < s->rx_n) {
		memcpy(frames[got].buf, s->rx[s->rx_pos], s->rx_len[s->rx_pos]);
		frames[got].len = s->rx_len[s->rx_pos];
		frames[got].flags = s->rx_flags[s->rx_pos];
		s->rx_pos++;
		got++;
	}
	dev->rx_dropped_too_long = 3; /* to see the wrapper mirror it */
	return (int)got;
}

static void script_close(struct tern_netdev *dev)
{
	tern_container_of(dev, struct script, dev)->closed = true;
}

static const struct tern_netdev_ops script_ops = {
	.send = script_send,
	.recv = script_recv,
	.close = script_close,
};

static struct script sc;
static char dir[64];

static void setup(void)
{
	memset(&sc, 0, sizeof(sc));
	tern_netdev_init(&sc.dev, &script_ops, "net0", mac_tern, 1500);
	sc.tx_accept = 1000;
	temp_dir_make(dir, "pcap");
	tern_hosted_clock_use_virtual(T0);
}

static void teardown(void)
{
	temp_dir_remove(dir);
}

TestSuite(pcap, .init = setup, .fini = teardown, .timeout = 60);

static char *path_in(const char *name)
{
	return temp_path(dir, name);
}

static void script_add_rx(uint32_t seq, size_t len)
{
	test_frame(sc.rx[sc.rx_n], len, mac_tern, mac_peer, seq);
	sc.rx_len[sc.rx_n++] = len;
}

/* ---- Recording ----------------------------------------------------------- */

Test(pcap, records_both_directions_in_order_with_timestamps)
{
	static struct tern_pcap_rec rec;
	uint8_t out[4][120], in[4][1514];
	struct tern_iov iov[4][2];
	struct tern_tx tx[4];
	struct tern_rx rx[4];
	struct pcap_file pf;
	const char *file = path_in("rec.pcap");

	for (int i = 0; i < 4; i++) {
		test_frame(out[i], 100 + i, mac_peer, mac_tern, 10 + i);
		iov[i][0] = (struct tern_iov){ out[i], 20 };
		iov[i][1] = (struct tern_iov){ out[i] + 20, 80 + i };
		tx[i] = (struct tern_tx){ .iov = iov[i], .iovcnt = 2 };
		rx[i] = (struct tern_rx){ in[i], sizeof(in[i]), 0, 0 };
	}
	script_add_rx(20, 60);
	script_add_rx(21, 150);
	cr_assert_eq(tern_pcap_rec_open(&rec, &sc.dev, file), 0);
	cr_assert_str_eq(rec.dev.name, "net0");
	cr_assert(memcmp(rec.dev.mac, mac_tern, 6) == 0);
	cr_assert_eq(rec.dev.mtu, 1500);

	cr_assert_eq(tern_netdev_send(&rec.dev, tx, 3), 3); /* at T0 */
	tern_hosted_clock_advance(1500);
	cr_assert_eq(tern_netdev_recv(&rec.dev, rx, 4), 2); /* +1.5 us */
	cr_assert_eq(rec.dev.rx_dropped_too_long, 3);
	tern_hosted_clock_advance(TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_netdev_send(&rec.dev, tx + 3, 1), 1); /* +1 s */
	cr_assert_eq(tern_netdev_recv(&rec.dev, rx, 4), 0);
	cr_assert_eq(rec.frames_sent, 4);
	cr_assert_eq(rec.frames_received, 2);
	tern_netdev_close(&rec.dev);
	cr_assert(sc.closed, "closing the recorder closes the device under it");

	cr_assert_eq(file_magic(file), 0xa1b23c4d, "not a nanosecond pcap");
	pcap_file_read(file, &pf);
	cr_assert_eq(pf.linktype, DLT_EN10MB);
	cr_assert_eq(pf.count, 6);
	const struct {
		const uint8_t *bytes;
		size_t len;
		uint64_t ts;
		bool sent;
	} want[6] = {
		{ out[0], 100, WALL0 + T0, true },
		{ out[1], 101, WALL0 + T0, true },
		{ out[2], 102, WALL0 + T0, true },
		{ sc.rx[0], 60, WALL0 + T0 + 1500, false },
		{ sc.rx[1], 150, WALL0 + T0 + 1500, false },
		{ out[3], 103, WALL0 + T0 + 1500 + TERN_NSEC_PER_SEC, true },
	};
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(pf.f[i].len, want[i].len, "frame %u", i);
		cr_assert_eq(pf.f[i].caplen, want[i].len, "frame %u", i);
		cr_assert(memcmp(pf.f[i].data, want[i].bytes, want[i].len) == 0,
			  "frame %u bytes", i);
		cr_assert_eq(pf.f[i].ts, want[i].ts, "frame %u time", i);
		/* Direction: the source MAC is Tern's exactly when sent. */
		cr_assert_eq(memcmp(pf.f[i].data + 6, mac_tern, 6) == 0,
			     want[i].sent, "frame %u direction", i);
	}
	pcap_file_free(&pf);
}

Test(pcap, records_only_frames_the_device_accepted)
{
	static struct tern_pcap_rec rec;
	uint8_t f[5][60];
	struct tern_iov iov[5];
	struct tern_tx tx[5];
	struct pcap_file pf;

	for (int i = 0; i < 5; i++) {
		test_frame(f[i], 60, mac_peer, mac_tern, (uint32_t)i);
		iov[i] = (struct tern_iov){ f[i], 60 };
		tx[i] = (struct tern_tx){ .iov = &iov[i], .iovcnt = 1 };
	}
	sc.tx_accept = 2;
	cr_assert_eq(tern_pcap_rec_open(&rec, &sc.dev, path_in("a.pcap")), 0);
	cr_assert_eq(tern_netdev_send(&rec.dev, tx, 5), 2);
	sc.tx_accept = 0;
	cr_assert_eq(tern_netdev_send(&rec.dev, tx + 2, 3), 0);
	tern_netdev_close(&rec.dev);
	pcap_file_read(path_in("a.pcap"), &pf);
	cr_assert_eq(pf.count, 2);
	cr_assert_eq(test_frame_seq(pf.f[0].data, 60), 0);
	cr_assert_eq(test_frame_seq(pf.f[1].data, 60), 1);
	pcap_file_free(&pf);
}

/* An IPv4 frame to Tern of proto (TCP or UDP) with a 20-byte IPv4 header
 * and plen payload bytes after the L4 header, its checksum field holding
 * only the pseudo-header's sum, as a sender leaves it partial. Returns its
 * length. */
static size_t partial_frame(uint8_t *f, uint8_t proto, size_t plen)
{
	size_t l4len = (proto == 6 ? 20 : 8) + plen, len = 34 + l4len;
	struct tern_csum c;

	memset(f, 0, len);
	memcpy(f, mac_tern, 6);
	memcpy(f + 6, mac_peer, 6);
	tern_store_be16(f + 12, 0x0800);
	f[14] = 0x45;
	tern_store_be16(f + 16, (uint16_t)(len - 14));
	f[22] = 64;
	f[23] = proto;
	tern_store_be32(f + 26, 0x0a4d0001);
	tern_store_be32(f + 30, 0x0a4d0002);
	tern_store_be16(f + 24, tern_cksum(f + 14, 20));
	tern_store_be16(f + 34, 5555);
	tern_store_be16(f + 36, 6666);
	if (proto == 6) {
		f[46] = 0x50;
		f[47] = 0x18; /* ACK PSH */
	} else {
		tern_store_be16(f + 38, (uint16_t)l4len);
	}
	for (size_t i = len - plen; i < len; i++)
		f[i] = (uint8_t)(i * 13 + 1);
	tern_csum_init(&c);
	tern_csum_add_be32(&c, 0x0a4d0001);
	tern_csum_add_be32(&c, 0x0a4d0002);
	tern_csum_add_be16(&c, proto);
	tern_csum_add_be16(&c, (uint16_t)l4len);
	tern_store_be16(f + 34 + (proto == 6 ? 16 : 6), tern_csum_sum(&c));
	return len;
}

/* True if the TCP or UDP checksum of partial_frame's frame f is valid. */
static bool l4_csum_ok(const uint8_t *f, size_t len)
{
	struct tern_csum c;

	tern_csum_init(&c);
	tern_csum_add(&c, f + 26, 8);
	tern_csum_add_be16(&c, f[23]);
	tern_csum_add_be16(&c, (uint16_t)(len - 34));
	tern_csum_add(&c, f + 34, len - 34);
	return tern_csum_finish(&c) == 0;
}

/* A received frame flagged TERN_RX_CSUM_VALID may carry a partial TCP or
 * UDP checksum; the recording has it completed (tshark-clean), while an
 * unflagged frame is recorded exactly as it came, a bad checksum too. */
Test(pcap, records_flagged_frames_with_their_checksum_completed)
{
	static struct tern_pcap_rec rec;
	uint8_t in[3][1514];
	struct tern_rx rx[3];
	struct pcap_file pf;
	const char *file = path_in("csum.pcap");
	const uint8_t protos[3] = { 6, 17, 6 };

	for (unsigned i = 0; i < 3; i++) {
		sc.rx_len[i] = partial_frame(sc.rx[i], protos[i], 40 + i);
		sc.rx_flags[i] = i < 2 ? TERN_RX_CSUM_VALID : 0;
		rx[i] = (struct tern_rx){ in[i], sizeof(in[i]), 0, 0 };
	}
	sc.rx_n = 3;
	cr_assert(!l4_csum_ok(sc.rx[0], sc.rx_len[0]));
	cr_assert_eq(tern_pcap_rec_open(&rec, &sc.dev, file), 0);
	cr_assert_eq(tern_netdev_recv(&rec.dev, rx, 3), 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(rx[i].flags, sc.rx_flags[i], "frame %u flags", i);
	tern_netdev_close(&rec.dev);

	pcap_file_read(file, &pf);
	cr_assert_eq(pf.count, 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *d = pf.f[i].data;
		size_t field = 34 + (protos[i] == 6 ? 16 : 6),
		       len = pf.f[i].len;

		cr_assert_eq(len, sc.rx_len[i], "frame %u", i);
		cr_assert_eq(l4_csum_ok(d, len), i < 2, "frame %u checksum", i);
		/* Only a flagged frame's checksum field differs. */
		cr_assert(memcmp(d, sc.rx[i], field) == 0, "frame %u", i);
		cr_assert(memcmp(d + field + 2, sc.rx[i] + field + 2,
				 len - field - 2) == 0,
			  "frame %u", i);
		cr_assert_eq(memcmp(d + field, sc.rx[i] + field, 2) != 0, i < 2,
			     "frame %u checksum field", i);
	}
	pcap_file_free(&pf);
}

/* Every batch reaches the file before the next call: a crash loses little. */
Test(pcap, flushes_after_every_batch)
{
	static struct tern_pcap_rec rec;
	uint8_t f[60], buf[1514];
	struct tern_iov iov = { f, 60 };
	struct tern_rx rx = { buf, sizeof(buf), 0, 0 };
	struct pcap_file pf;
	const char *file = path_in("f.pcap");

	cr_assert_eq(tern_pcap_rec_open(&rec, &sc.dev, file), 0);
	pcap_file_read(file, &pf); /* the header is there at once */
	cr_assert_eq(pf.count, 0);
	pcap_file_free(&pf);
	test_frame(f, 60, mac_peer, mac_tern, 1);
	cr_assert_eq(tern_netdev_send1(&rec.dev, &iov, 1), 1);
	pcap_file_read(file, &pf);
	cr_assert_eq(pf.count, 1);
	pcap_file_free(&pf);
	script_add_rx(2, 80);
	cr_assert_eq(tern_netdev_recv(&rec.dev, &rx, 1), 1);
	pcap_file_read(file, &pf);
	cr_assert_eq(pf.count, 2);
	cr_assert_eq(test_frame_seq(pf.f[1].data, 80), 2);
	pcap_file_free(&pf);
	tern_netdev_close(&rec.dev);
}

Test(pcap, open_failure_leaves_the_device_open)
{
	static struct tern_pcap_rec rec;

	cr_assert_eq(tern_pcap_rec_open(&rec, &sc.dev, path_in("no/such.pcap")),
		     -TERN_EIO);
	cr_assert_not(sc.closed);
}

/* ---- Replay -------------------------------------------------------------- */

static uint8_t in_bytes[8][1600];

/* Writes n test frames with the given capture timestamps (nanoseconds
 * after WALL0 + T0) and lengths. */
static void write_input(const char *path, bool nano, const uint64_t *ts,
			const size_t *lens, unsigned n)
{
	struct pcap_frame fr[8];

	cr_assert(n <= 8);
	for (unsigned i = 0; i < n; i++) {
		size_t len = lens ? lens[i] : 60 + 10 * i;

		test_frame(in_bytes[i], len < 20 ? 20 : len, mac_tern, mac_peer,
			   100 + i);
		fr[i] = (struct pcap_frame){ WALL0 + T0 + ts[i], (uint32_t)len,
					     (uint32_t)len, in_bytes[i] };
	}
	pcap_file_write(path, nano, DLT_EN10MB, fr, n);
}

/* Frames arrive in file order, each exactly when the virtual clock reaches
 * T0 + (its timestamp - the first timestamp); a timestamp that goes back
 * arrives with the frame before it. */
Test(pcap, replay_delivers_frames_at_their_times)
{
	static struct tern_pcap_replay rp;
	const uint64_t S = TERN_NSEC_PER_SEC;
	const uint64_t ts[7] = { 0,	    1500,	1500, 2 * S,
				 2 * S + 1, 2 * S - 10, 5 * S };
	const uint64_t due[7] = { 0,	     1500,	1500, 2 * S,
				  2 * S + 1, 2 * S + 1, 5 * S };
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcap") };
	uint8_t buf[1514];
	unsigned i = 0;

	write_input(cfg.path, true, ts, NULL, 7);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	cr_assert_str_eq(rp.dev.name, "replay");
	while (i < 7) {
		struct tern_rx rx = { buf, sizeof(buf), 0, 0 };
		int rc = tern_wait(TERN_NO_DEADLINE);

		cr_assert_eq(rc, 0, "wait ended the replay early at %u", i);
		int n = tern_netdev_recv(&rp.dev, &rx, 1);

		if (n == 0)
			continue; /* a spurious wake is allowed */
		cr_assert_eq(n, 1);
		cr_assert_eq(tern_clock_monotonic(), T0 + due[i],
			     "frame %u at %llu", i,
			     (unsigned long long)tern_clock_monotonic());
		cr_assert_eq(rx.len, 60 + 10 * i);
		cr_assert(memcmp(buf, in_bytes[i], rx.len) == 0);
		i++;
	}
	cr_assert(tern_pcap_replay_done(&rp));
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
	cr_assert_eq(rp.rx_frames, 7);
	tern_netdev_close(&rp.dev);
}

/* A batch takes every frame that is due, and none that is not. */
Test(pcap, replay_batch_takes_exactly_the_due_frames)
{
	static struct tern_pcap_replay rp;
	const uint64_t S = TERN_NSEC_PER_SEC;
	const uint64_t ts[6] = { 0, 1, 2, S, 3 * S, 3 * S + 1 };
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcap") };
	struct tern_rx *rx = rx_alloc(8);

	write_input(cfg.path, true, ts, NULL, 6);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	cr_assert_eq(tern_netdev_recv(&rp.dev, rx, 8), 1);
	tern_hosted_clock_set(T0 + 3 * S);
	cr_assert_eq(tern_netdev_recv(&rp.dev, rx, 8), 4);
	cr_assert_eq(test_frame_seq(rx[0].buf, rx[0].len), 101);
	cr_assert_eq(test_frame_seq(rx[3].buf, rx[3].len), 104);
	cr_assert_eq(tern_netdev_recv(&rp.dev, rx, 8), 0);
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
	cr_assert_eq(tern_clock_monotonic(), T0 + 3 * S + 1);
	cr_assert_eq(tern_netdev_recv(&rp.dev, rx, 8), 1);
	rx_free(rx, 8);
	tern_netdev_close(&rp.dev);
}

/* Replay, recorded: with the first timestamp at the virtual wall time T0,
 * the recording is the input file, byte for byte. */
Test(pcap, recording_of_a_replay_equals_the_input)
{
	static struct tern_pcap_replay rp;
	static struct tern_pcap_rec rec;
	const uint64_t ts[8] = {
		0,	    10,		10,	    999999999,
		1000000000, 1000000007, 4000000000, 4000000001
	};
	const size_t lens[8] = { 60, 1514, 61, 200, 1000, 64, 1513, 99 };
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcap") };
	struct tern_rx *rx = rx_alloc(3);
	unsigned got = 0;

	write_input(cfg.path, true, ts, lens, 8);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	cr_assert_eq(tern_pcap_rec_open(&rec, &rp.dev, path_in("out.pcap")), 0);
	while (tern_wait(TERN_NO_DEADLINE) == 0)
		got += (unsigned)tern_netdev_recv(&rec.dev, rx, 3);
	cr_assert_eq(got, 8);
	tern_netdev_close(&rec.dev);
	cr_assert(files_equal(path_in("in.pcap"), path_in("out.pcap")),
		  "the recording differs from the input");
	rx_free(rx, 3);
}

Test(pcap, replay_keeps_what_the_stack_sends)
{
	static struct tern_pcap_replay rp;
	const uint64_t ts[1] = { 0 };
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcap"),
					    .name = "rp0",
					    .mac = mac_tern,
					    .keep_sent = 4,
					    .sent_path = path_in("sent.pcap") };
	uint8_t f[6][100];
	struct tern_iov iov[6][2];
	struct tern_tx tx[6];
	struct pcap_file pf;

	write_input(cfg.path, true, ts, NULL, 1);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	cr_assert_str_eq(rp.dev.name, "rp0");
	cr_assert(memcmp(rp.dev.mac, mac_tern, 6) == 0);
	for (int i = 0; i < 6; i++) {
		test_frame(f[i], 100, mac_peer, mac_tern, 50 + i);
		iov[i][0] = (struct tern_iov){ f[i], 50 };
		iov[i][1] = (struct tern_iov){ f[i] + 50, 50 };
		tx[i] = (struct tern_tx){ .iov = iov[i], .iovcnt = 2 };
	}
	cr_assert_eq(tern_netdev_send(&rp.dev, tx, 3), 3);
	tern_hosted_clock_advance(77);
	cr_assert_eq(tern_netdev_send(&rp.dev, tx + 3, 3), 3);
	cr_assert_eq(rp.tx_frames, 6);
	cr_assert_eq(rp.sent_kept, 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(rp.sent[i].len, 100);
		cr_assert(memcmp(rp.sent[i].data, f[i], 100) == 0);
		cr_assert_eq(rp.sent[i].time, T0 + (i < 3 ? 0 : 77));
	}
	tern_netdev_close(&rp.dev);
	pcap_file_read(path_in("sent.pcap"), &pf);
	cr_assert_eq(pf.count, 6);
	for (unsigned i = 0; i < 6; i++) {
		cr_assert(memcmp(pf.f[i].data, f[i], 100) == 0);
		cr_assert_eq(pf.f[i].ts, WALL0 + T0 + (i < 3 ? 0 : 77));
	}
	pcap_file_free(&pf);
}

Test(pcap, replay_skips_truncated_runt_and_oversized_frames)
{
	static struct tern_pcap_replay rp;
	static uint8_t big[2000];
	struct pcap_frame fr[5];
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcap") };
	uint8_t b0[1514], b1[1514]; /* buffers of exactly 14 + mtu bytes */
	struct tern_rx rx[2] = { { b0, sizeof(b0), 0, 0 },
				 { b1, sizeof(b1), 0, 0 } };

	for (int i = 0; i < 5; i++)
		test_frame(in_bytes[i], 100, mac_tern, mac_peer, (uint32_t)i);
	test_frame(big, sizeof(big), mac_tern, mac_peer, 9);
	fr[0] = (struct pcap_frame){ WALL0, 100, 100, in_bytes[0] };
	fr[1] = (struct pcap_frame){ WALL0, 40, 100, in_bytes[1] }; /* cut */
	fr[2] = (struct pcap_frame){ WALL0, 10, 10, in_bytes[2] };  /* runt */
	fr[3] = (struct pcap_frame){ WALL0, 2000, 2000, big };	    /* long */
	fr[4] = (struct pcap_frame){ WALL0, 100, 100, in_bytes[4] };
	pcap_file_write(cfg.path, true, DLT_EN10MB, fr, 5);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	cr_assert_eq(tern_netdev_recv(&rp.dev, rx, 2), 2);
	cr_assert_eq(test_frame_seq(b0, rx[0].len), 0);
	cr_assert_eq(test_frame_seq(b1, rx[1].len), 4);
	cr_assert_eq(rp.rx_truncated, 1);
	cr_assert_eq(rp.rx_runts, 1);
	cr_assert_eq(rp.dev.rx_dropped_too_long, 1);
	cr_assert(tern_pcap_replay_done(&rp));
	tern_netdev_close(&rp.dev);
}

/* Microsecond files replay with their gaps in nanoseconds. */
Test(pcap, replay_microsecond_file)
{
	static struct tern_pcap_replay rp;
	const uint64_t ts[3] = { 0, 1000, 1000000 };
	struct tern_pcap_replay_cfg cfg = { .path = path_in("us.pcap") };
	uint8_t buf[1514];
	struct tern_rx rx = { buf, sizeof(buf), 0, 0 };

	write_input(cfg.path, false, ts, NULL, 3);
	cr_assert_eq(file_magic(cfg.path), 0xa1b2c3d4);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	for (int i = 0; i < 3; i++) {
		while (tern_netdev_recv(&rp.dev, &rx, 1) == 0)
			cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
		cr_assert_eq(tern_clock_monotonic(), T0 + ts[i]);
	}
	tern_netdev_close(&rp.dev);
}

Test(pcap, replay_open_errors)
{
	static struct tern_pcap_replay rp;
	struct tern_pcap_replay_cfg cfg = { .path = path_in("missing.pcap") };
	struct pcap_frame fr = { WALL0, 20, 20, in_bytes[0] };
	FILE *f;

	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), -TERN_ENOENT);
	cfg.path = path_in("junk.pcap");
	f = fopen(cfg.path, "w");
	fputs("this is not a capture file at all", f);
	fclose(f);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), -TERN_EBADMSG);
	cfg.path = path_in("raw.pcap");
	pcap_file_write(cfg.path, true, DLT_RAW, &fr, 1);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), -TERN_ENOTSUP);
	/* Nothing registered: nothing can wake us. */
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
}
