/*
 * test_wire.c - the wire netdev (hosted/net/wire.c): QEMU stream framing
 * (4-byte big-endian length) and dgram framing over socketpairs, UNIX
 * socket paths and loopback UDP; reassembly of frames split across reads;
 * partial writes; protocol errors; the waker; endpoint parsing.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tern/byteorder.h"
#include "tern/hosted/wire.h"
#include "runner_util.h"
#include "wire_util.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static struct tern_wire wa, wb;
static char dir[64];

static void setup(void)
{
	memset(&wa, 0, sizeof(wa));
	memset(&wb, 0, sizeof(wb));
	wa.fd = wb.fd = wa.listen_fd = wb.listen_fd = -1;
	temp_dir_make(dir, "wire");
}

/* Closes both ends (close of a closed device is a no-op) and removes the
 * temporary directory, which must be empty: the devices unlink their
 * socket files. */
static void teardown(void)
{
	if (wa.dev.ops)
		tern_netdev_close(&wa.dev);
	if (wb.dev.ops)
		tern_netdev_close(&wb.dev);
	cr_expect(rmdir(dir) == 0, "temp dir not empty: %s", strerror(errno));
	temp_dir_remove(dir); /* whatever a failed test left */
}

TestSuite(wire, .init = setup, .fini = teardown, .timeout = 60);

static char *path_in(const char *name)
{
	return temp_path(dir, name);
}

/* Sends frames seq first..first+n-1 from `from` (three gather pieces
 * each), retrying while the queue is full, receives them on `to`, and
 * checks bytes, order and count. */
static void exchange(struct tern_wire *from, struct tern_wire *to,
		     uint32_t first, unsigned n)
{
	static uint8_t bufs[64][TERN_ETH_FRAME_MAX];
	struct tern_iov iov[64][3];
	struct tern_tx tx[64];
	struct tern_rx *rx = rx_alloc(64);
	unsigned sent = 0, got = 0;

	cr_assert(n <= 64);
	for (unsigned i = 0; i < n; i++) {
		size_t len = test_frame_len(first + i);

		test_frame(bufs[i], len, to->dev.mac, from->dev.mac, first + i);
		iov[i][0] = (struct tern_iov){ bufs[i], 7 };
		iov[i][1] = (struct tern_iov){ bufs[i] + 7, 10 };
		iov[i][2] = (struct tern_iov){ bufs[i] + 17, len - 17 };
		tx[i] = (struct tern_tx){ .iov = iov[i], .iovcnt = 3 };
	}
	for (int round = 0; round < 10000 && got < n; round++) {
		if (sent < n) {
			int k = tern_netdev_send(&from->dev, tx + sent,
						 n - sent);

			cr_assert(k >= 0);
			sent += (unsigned)k;
		}
		int r = recv_frames(&to->dev, &to->waker, rx + got, n - got,
				    sent < n ? 1 : 2000);

		if (r == 0 && sent == n)
			break; /* everything sent, nothing more coming */

		for (int i = 0; i < r; i++) {
			size_t len = test_frame_len(first + got);

			cr_assert_eq(rx[got].len, len, "frame %u", got);
			cr_assert(memcmp(rx[got].buf, bufs[got], len) == 0,
				  "frame %u differs", got);
			got++;
		}
	}
	cr_assert_eq(got, n, "received %u of %u frames", got, n);
	rx_free(rx, 64);
}

static void adopt_pair(int type)
{
	int sv[2];

	cr_assert(socketpair(AF_UNIX, type, 0, sv) == 0);
	if (type == SOCK_STREAM) {
		cr_assert(tern_wire_stream_adopt(&wa, sv[0], "a") == 0);
		cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	} else {
		cr_assert(tern_wire_dgram_adopt(&wa, sv[0], "a") == 0);
		cr_assert(tern_wire_dgram_adopt(&wb, sv[1], "b") == 0);
	}
}

Test(wire, stream_socketpair_both_directions)
{
	adopt_pair(SOCK_STREAM);
	exchange(&wa, &wb, 0, 64);
	exchange(&wb, &wa, 1000, 64);
	exchange(&wa, &wb, 2000, 1);
	cr_assert_eq(wa.tx_frames, 65);
	cr_assert_eq(wb.rx_frames, 65);
	cr_assert_eq(wb.tx_frames, 64);
	cr_assert_eq(wa.proto_errors + wb.proto_errors, 0);
}

Test(wire, dgram_socketpair_both_directions)
{
	adopt_pair(SOCK_DGRAM);
	exchange(&wa, &wb, 0, 64);
	exchange(&wb, &wa, 500, 64);
	cr_assert_eq(wa.tx_frames, 64);
	cr_assert_eq(wa.rx_frames, 64);
}

/* The stream bytes on the wire are exactly QEMU's framing: a 4-byte
 * big-endian length, then the frame. */
Test(wire, stream_bytes_are_qemu_framing)
{
	uint8_t f[60], got[64 + 8];
	struct tern_iov iov = { f, sizeof(f) };
	int sv[2];
	ssize_t n;

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wa, sv[0], "a") == 0);
	test_frame(f, sizeof(f), mac_b, mac_a, 7);
	cr_assert_eq(tern_netdev_send1(&wa.dev, &iov, 1), 1);
	n = read(sv[1], got, sizeof(got));
	cr_assert_eq(n, 64);
	cr_assert_eq(tern_load_be32(got), 60);
	cr_assert(memcmp(got + 4, f, 60) == 0);
	close(sv[1]);
}

/* A peer that writes one byte at a time: frames appear exactly when their
 * last byte arrives, never earlier, never twice. */
Test(wire, stream_frames_split_byte_by_byte)
{
	uint8_t stream[3 * (4 + 1514)], buf[TERN_ETH_FRAME_MAX];
	size_t lens[3] = { 60, 1514, 333 }, total = 0, ends[3];
	int sv[2], frames = 0;

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	for (int i = 0; i < 3; i++) {
		tern_store_be32(stream + total, (uint32_t)lens[i]);
		test_frame(stream + total + 4, lens[i], mac_b, mac_a,
			   (uint32_t)i);
		total += 4 + lens[i];
		ends[i] = total;
	}
	for (size_t off = 0; off < total; off++) {
		struct tern_rx rx = { buf, sizeof(buf), 0, 0 };

		cr_assert_eq(write(sv[0], stream + off, 1), 1);
		int n = tern_netdev_recv(&wb.dev, &rx, 1);

		if (off + 1 == ends[frames]) {
			cr_assert_eq(n, 1, "frame %d not complete at %zu",
				     frames, off);
			cr_assert_eq(rx.len, lens[frames]);
			cr_assert_eq(test_frame_seq(buf, rx.len), frames);
			cr_assert(memcmp(buf,
					 stream + ends[frames] - lens[frames],
					 lens[frames]) == 0);
			frames++;
		} else {
			cr_assert_eq(n, 0, "early frame at byte %zu", off);
		}
	}
	cr_assert_eq(frames, 3);
	cr_assert_eq(wb.rx_frames, 3);
	close(sv[0]);
}

/* Several frames in one write, delivered in batches of any size. */
Test(wire, stream_many_frames_in_one_read)
{
	uint8_t stream[40 * (4 + 100)];
	struct tern_rx *rx = rx_alloc(7);
	size_t total = 0;
	int sv[2], got = 0;

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	for (uint32_t i = 0; i < 40; i++) {
		tern_store_be32(stream + total, 100);
		test_frame(stream + total + 4, 100, mac_b, mac_a, i);
		total += 104;
	}
	cr_assert_eq(write(sv[0], stream, total), (ssize_t)total);
	while (got < 40) {
		int n = tern_netdev_recv(&wb.dev, rx, 7);

		cr_assert(n > 0, "stalled after %d frames", got);
		for (int i = 0; i < n; i++, got++)
			cr_assert_eq(test_frame_seq(rx[i].buf, rx[i].len), got);
	}
	cr_assert_eq(tern_netdev_recv(&wb.dev, rx, 7), 0);
	rx_free(rx, 7);
	close(sv[0]);
}

/* A length field above the largest frame drops the connection and is
 * counted; the frame before it still arrives; nothing after it is read. */
Test(wire, stream_oversized_length_drops_connection)
{
	uint8_t bytes[4 + 60 + 4 + 64], buf[TERN_ETH_FRAME_MAX];
	struct tern_rx rx[2] = { { buf, sizeof(buf), 0, 0 },
				 { buf, sizeof(buf), 0, 0 } };
	int sv[2];
	char c;

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	tern_store_be32(bytes, 60);
	test_frame(bytes + 4, 60, mac_b, mac_a, 1);
	tern_store_be32(bytes + 64, TERN_ETH_FRAME_MAX + 1);
	memset(bytes + 68, 0xee, 64);
	cr_assert_eq(write(sv[0], bytes, sizeof(bytes)),
		     (ssize_t)sizeof(bytes));
	cr_assert_eq(tern_netdev_recv(&wb.dev, rx, 2), 1);
	cr_assert_eq(test_frame_seq(buf, rx[0].len), 1);
	cr_assert_eq(wb.proto_errors, 1);
	cr_assert_eq(wb.disconnects, 1);
	cr_assert_not(tern_wire_connected(&wb));
	/* The peer sees the connection closed. */
	cr_assert_eq(read(sv[0], &c, 1), 0);
	/* The dead device stays harmless: nothing received, sends lost. */
	cr_assert_eq(tern_netdev_recv(&wb.dev, rx, 1), 0);
	struct tern_iov iov = { bytes + 4, 60 };
	cr_assert_eq(tern_netdev_send1(&wb.dev, &iov, 1), 1);
	cr_assert_eq(wb.tx_no_peer, 1);
	close(sv[0]);
}

/* 0xffffffff, the largest length a peer can claim. */
Test(wire, stream_length_all_ones)
{
	uint8_t bytes[8] = { 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4 };
	uint8_t buf[TERN_ETH_FRAME_MAX];
	struct tern_rx rx = { buf, sizeof(buf), 0, 0 };
	int sv[2];

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	cr_assert_eq(write(sv[0], bytes, 8), 8);
	cr_assert_eq(tern_netdev_recv(&wb.dev, &rx, 1), 0);
	cr_assert_eq(wb.proto_errors, 1);
	cr_assert_not(tern_wire_connected(&wb));
	close(sv[0]);
}

/* Runts (length 0 and 13) and a frame longer than the caller's buffer are
 * skipped and counted; the stream stays in sync. */
Test(wire, stream_runts_and_too_long_are_counted)
{
	uint8_t bytes[4 + 4 + 13 + 4 + 2000 + 4 + 60], small[1514];
	struct tern_rx rx = { small, sizeof(small), 0, 0 };
	size_t off = 0;
	int sv[2];

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(tern_wire_stream_adopt(&wb, sv[1], "b") == 0);
	tern_store_be32(bytes + off, 0);
	off += 4;
	tern_store_be32(bytes + off, 13);
	memset(bytes + off + 4, 0, 13);
	off += 17;
	tern_store_be32(bytes + off, 2000);
	test_frame(bytes + off + 4, 2000, mac_b, mac_a, 5);
	off += 2004;
	tern_store_be32(bytes + off, 60);
	test_frame(bytes + off + 4, 60, mac_b, mac_a, 6);
	off += 64;
	cr_assert_eq(write(sv[0], bytes, off), (ssize_t)off);
	cr_assert_eq(tern_netdev_recv(&wb.dev, &rx, 1), 1);
	cr_assert_eq(rx.len, 60);
	cr_assert_eq(test_frame_seq(small, rx.len), 6);
	cr_assert_eq(wb.rx_runts, 2);
	cr_assert_eq(wb.dev.rx_dropped_too_long, 1);
	cr_assert_eq(wb.proto_errors, 0);
	cr_assert(tern_wire_connected(&wb));
	close(sv[0]);
}

/* A sender whose socket fills up mid-frame keeps the rest and finishes it
 * before anything else: the receiver sees every accepted frame, whole and
 * in order, and nothing else. */
Test(wire, stream_partial_writes_keep_frames_whole)
{
	static uint8_t f[8][1514];
	struct tern_iov iov[8];
	struct tern_tx tx[8];
	struct tern_rx *rx = rx_alloc(16);
	uint32_t accepted = 0, got = 0;
	int sndbuf = 4096, partial_seen = 0;

	adopt_pair(SOCK_STREAM);
	cr_assert(setsockopt(wa.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			     sizeof(sndbuf)) == 0);
	for (int round = 0; round < 100000 && got < 300; round++) {
		/* Offer a batch of up to 8 frames: one sendmsg that the
		 * socket may cut anywhere. */
		unsigned k = 0;

		for (; k < 8 && accepted + k < 300; k++) {
			size_t len = test_frame_len(accepted + k);

			test_frame(f[k], len, mac_b, mac_a, accepted + k);
			iov[k] = (struct tern_iov){ f[k], len };
			tx[k] = (struct tern_tx){ .iov = &iov[k], .iovcnt = 1 };
		}
		if (k) {
			int n = tern_netdev_send(&wa.dev, tx, k);

			cr_assert(n >= 0 && n <= (int)k);
			if (wa.tlen) {
				/* The waker keeps tern_wait() from sleeping
				 * on a half-written frame. */
				partial_seen++;
				cr_assert_eq(wa.waker.next(&wa.waker), 0);
			}
			accepted += (unsigned)n;
		}
		/* Receive a little at a time (the sender stalls meanwhile). */
		int n = tern_netdev_recv(&wb.dev, rx, 1 + round % 16);

		for (int i = 0; i < n; i++, got++) {
			cr_assert_eq(test_frame_seq(rx[i].buf, rx[i].len), got);
			cr_assert_eq(rx[i].len, test_frame_len(got));
		}
		if (n == 0 && accepted == 300) /* the rest moves on recv */
			tern_netdev_recv(&wa.dev, rx, 1);
	}
	cr_assert_eq(got, 300);
	cr_assert(partial_seen > 0, "the socket never took a partial frame");
	cr_assert_eq(wa.waker.next(&wa.waker), TERN_NO_DEADLINE);
	cr_assert_eq(wa.tx_frames, 300);
	rx_free(rx, 16);
}

Test(wire, stream_listen_and_connect_on_a_path)
{
	const char *p = path_in("link.sock");
	struct stat st;

	cr_assert_eq(tern_wire_listen(&wa, p, "a"), 0);
	cr_assert_not(tern_wire_connected(&wa));
	cr_assert_eq(tern_wire_connect(&wb, p, "b"), 0);
	/* The listener accepts on its next call. */
	exchange(&wb, &wa, 0, 8);
	cr_assert(tern_wire_connected(&wa));
	cr_assert_eq(wa.connects, 1);
	exchange(&wa, &wb, 100, 8);
	/* Closing the connecting side: the listener sees the end, then
	 * accepts the next peer. */
	tern_netdev_close(&wb.dev);
	uint8_t buf[TERN_ETH_FRAME_MAX];
	struct tern_rx rx = { buf, sizeof(buf), 0, 0 };
	cr_assert_eq(tern_netdev_recv(&wa.dev, &rx, 1), 0);
	cr_assert_eq(wa.disconnects, 1);
	cr_assert_eq(wa.waker.fd, wa.listen_fd);
	cr_assert_eq(tern_wire_connect(&wb, p, "b2"), 0);
	exchange(&wb, &wa, 200, 4);
	cr_assert_eq(wa.connects, 2);
	tern_netdev_close(&wa.dev);
	cr_assert(stat(p, &st) < 0 && errno == ENOENT,
		  "socket file left behind");
}

Test(wire, stream_send_without_peer_is_lost_not_queued)
{
	uint8_t f[60];
	struct tern_iov iov = { f, sizeof(f) };

	cr_assert_eq(tern_wire_listen(&wa, path_in("l.sock"), "a"), 0);
	test_frame(f, sizeof(f), mac_b, mac_a, 1);
	cr_assert_eq(tern_netdev_send1(&wa.dev, &iov, 1), 1);
	cr_assert_eq(wa.tx_no_peer, 1);
	cr_assert_eq(wa.tx_frames, 0);
	/* A peer connecting later does not get the lost frame. */
	cr_assert_eq(tern_wire_connect(&wb, path_in("l.sock"), "b"), 0);
	test_frame(f, sizeof(f), mac_b, mac_a, 2);
	exchange(&wa, &wb, 2, 1);
}

Test(wire, stream_open_errors)
{
	char longp[200];

	cr_assert_eq(tern_wire_connect(&wa, path_in("none.sock"), NULL),
		     -TERN_ENOENT);
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	cr_assert_eq(tern_wire_listen(&wa, longp, NULL), -TERN_EINVAL);
	/* A regular file is never replaced. */
	int fd = open(path_in("file"), O_CREAT | O_WRONLY, 0600);
	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(tern_wire_listen(&wa, path_in("file"), NULL),
		     -TERN_EEXIST);
	unlink(path_in("file"));
	/* A socket file nobody listens on: refused. */
	cr_assert_eq(tern_wire_listen(&wa, path_in("s.sock"), NULL), 0);
	tern_netdev_close(&wa.dev);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path_in("s2.sock"));
	cr_assert(bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	cr_assert_eq(tern_wire_connect(&wa, path_in("s2.sock"), NULL),
		     -TERN_ECONNREFUSED);
	close(s);
	unlink(path_in("s2.sock"));
}

Test(wire, dgram_unix_paths_both_directions)
{
	struct tern_wire_addr a, b;

	cr_assert_eq(tern_wire_addr_parse(path_in("a.sock"), &a), 0);
	cr_assert_eq(tern_wire_addr_parse(path_in("b.sock"), &b), 0);
	cr_assert_not(a.is_inet);
	cr_assert_eq(tern_wire_dgram(&wa, &a, &b, "a"), 0);
	/* The peer is not there yet: the frame is lost and counted. */
	uint8_t f[60];
	struct tern_iov iov = { f, sizeof(f) };
	test_frame(f, sizeof(f), mac_b, mac_a, 0);
	cr_assert_eq(tern_netdev_send1(&wa.dev, &iov, 1), 1);
	cr_assert_eq(wa.tx_no_peer, 1);
	cr_assert_eq(tern_wire_dgram(&wb, &b, &a, "b"), 0);
	/* UNIX datagram queues are short (net.unix.max_dgram_qlen): the
	 * exchange retries while send reports a full queue. */
	exchange(&wa, &wb, 1, 64);
	exchange(&wb, &wa, 100, 64);
}

Test(wire, dgram_udp_loopback_both_directions)
{
	struct tern_wire_addr a, b;
	char sa[32], sb[32];
	uint16_t pa = free_udp_port(), pb = free_udp_port();

	snprintf(sa, sizeof(sa), "127.0.0.1:%u", pa);
	snprintf(sb, sizeof(sb), "127.0.0.1:%u", pb);
	cr_assert_eq(tern_wire_addr_parse(sa, &a), 0);
	cr_assert_eq(tern_wire_addr_parse(sb, &b), 0);
	cr_assert(a.is_inet && a.port == pa && a.ip == 0x7f000001);
	cr_assert_eq(tern_wire_dgram(&wa, &a, &b, "a"), 0);
	cr_assert_eq(tern_wire_dgram(&wb, &b, &a, "b"), 0);
	cr_assert_eq(tern_wire_local_port(&wa), pa);
	exchange(&wa, &wb, 0, 64);
	exchange(&wb, &wa, 300, 64);
}

/* Datagrams shorter than an Ethernet header, and longer than the buffer,
 * are counted; good ones around them arrive. */
Test(wire, dgram_runts_and_too_long_are_counted)
{
	uint8_t f[2000], small[1514];
	struct tern_rx rx[3] = { { small, sizeof(small), 0, 0 },
				 { small, sizeof(small), 0, 0 },
				 { small, sizeof(small), 0, 0 } };
	int sv[2];

	cr_assert(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	cr_assert(tern_wire_dgram_adopt(&wb, sv[1], "b") == 0);
	test_frame(f, sizeof(f), mac_b, mac_a, 9);
	cr_assert_eq(send(sv[0], f, 10, 0), 10);
	cr_assert_eq(send(sv[0], f, 0, 0), 0);
	cr_assert_eq(send(sv[0], f, 2000, 0), 2000);
	test_frame(f, 80, mac_b, mac_a, 10);
	cr_assert_eq(send(sv[0], f, 80, 0), 80);
	cr_assert_eq(tern_netdev_recv(&wb.dev, rx, 3), 1);
	cr_assert_eq(rx[0].len, 80);
	cr_assert_eq(test_frame_seq(small, 80), 10);
	cr_assert_eq(wb.rx_runts, 2);
	cr_assert_eq(wb.dev.rx_dropped_too_long, 1);
	close(sv[0]);
}

/* The waker: under the virtual clock, tern_wait() returns at once while a
 * frame is waiting and jumps to the deadline while none is. */
Test(wire, waker_wakes_tern_wait)
{
	uint8_t f[60], buf[TERN_ETH_FRAME_MAX];
	struct tern_iov iov = { f, sizeof(f) };
	struct tern_rx rx = { buf, sizeof(buf), 0, 0 };

	adopt_pair(SOCK_STREAM);
	tern_hosted_clock_use_virtual(0);
	cr_assert_eq(tern_wait(1000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000);
	test_frame(f, sizeof(f), mac_b, mac_a, 0);
	cr_assert_eq(tern_netdev_send1(&wa.dev, &iov, 1), 1);
	cr_assert_eq(tern_wait(5000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000, "wait slept past a frame");
	cr_assert_eq(tern_netdev_recv(&wb.dev, &rx, 1), 1);
	/* Closed devices leave no waker behind. */
	tern_netdev_close(&wa.dev);
	tern_netdev_close(&wb.dev);
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
	tern_hosted_clock_use_real();
}

Test(wire, waker_of_a_listener_wakes_on_connect)
{
	tern_hosted_clock_use_virtual(0);
	cr_assert_eq(tern_wire_listen(&wa, path_in("w.sock"), "a"), 0);
	cr_assert_eq(tern_wait(1000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000);
	cr_assert_eq(tern_wire_connect(&wb, path_in("w.sock"), "b"), 0);
	tern_netdev_close(&wb.dev);
	cr_assert_eq(tern_wait(2000), 0);
	cr_assert_eq(tern_clock_monotonic(), 1000);
	tern_hosted_clock_use_real();
}

Test(wire, addr_parse)
{
	struct tern_wire_addr a;

	cr_assert_eq(tern_wire_addr_parse("127.0.0.1:5555", &a), 0);
	cr_assert(a.is_inet && a.ip == 0x7f000001 && a.port == 5555);
	cr_assert_eq(tern_wire_addr_parse("127.1.2.3:0", &a), 0);
	cr_assert_eq(tern_wire_addr_parse("/tmp/x.sock", &a), 0);
	cr_assert(!a.is_inet && strcmp(a.path, "/tmp/x.sock") == 0);
	cr_assert_eq(tern_wire_addr_parse("rel.sock", &a), 0);
	cr_assert_eq(tern_wire_addr_parse("./odd:123", &a), 0);
	cr_assert_not(a.is_inet);
	cr_assert_eq(tern_wire_addr_parse("10.0.0.1:80", &a), -TERN_ENOTSUP);
	cr_assert_eq(tern_wire_addr_parse("192.168.1.1:80", &a), -TERN_ENOTSUP);
	cr_assert_eq(tern_wire_addr_parse("0.0.0.0:80", &a), -TERN_ENOTSUP);
	cr_assert_eq(tern_wire_addr_parse("localhost:80", &a), -TERN_ENOTSUP);
	cr_assert_eq(tern_wire_addr_parse("example.com:80", &a), -TERN_ENOTSUP);
	cr_assert_eq(tern_wire_addr_parse("127.0.0.1:65536", &a), -TERN_EINVAL);
	cr_assert_eq(tern_wire_addr_parse("127.0.0.1:123456", &a),
		     -TERN_EINVAL);
	cr_assert_eq(tern_wire_addr_parse(":80", &a), -TERN_EINVAL);
	cr_assert_eq(tern_wire_addr_parse("", &a), -TERN_EINVAL);
}

Test(wire, dgram_refuses_mixed_and_non_loopback)
{
	struct tern_wire_addr a, b;

	cr_assert_eq(tern_wire_addr_parse("127.0.0.1:0", &a), 0);
	cr_assert_eq(tern_wire_addr_parse(path_in("x.sock"), &b), 0);
	cr_assert_eq(tern_wire_dgram(&wa, &a, &b, NULL), -TERN_EINVAL);
	b = a;
	b.ip = 0x0a000001; /* built by hand, bypassing the parser */
	b.port = 9;
	cr_assert_eq(tern_wire_dgram(&wa, &a, &b, NULL), -TERN_ENOTSUP);
	b.ip = 0x7f000001;
	b.port = 0;
	cr_assert_eq(tern_wire_dgram(&wa, &a, &b, NULL), -TERN_EINVAL);
}
