/*
 * wire_qemu.c - the wire netdev against QEMU 7.2 itself (label interop).
 *
 * QEMU runs with no machine (-M none) and two network backends joined by a
 * hub: a `-netdev stream` and a `-netdev dgram`. A frame Tern sends into
 * one comes out of the other only if both sides agree on QEMU's framing, so
 * these tests check the stream length prefix, both stream roles (QEMU as
 * client and as server), and dgram over UNIX paths and loopback UDP.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner_util.h"
#include "tern/hosted/wire.h"
#include "wire_util.h"

static struct tern_wire ws, wd;
static char dir[64];
static pid_t qemu = -1;

static void setup(void)
{
	memset(&ws, 0, sizeof(ws));
	memset(&wd, 0, sizeof(wd));
	temp_dir_make(dir, "wq");
}

static void teardown(void)
{
	if (qemu > 0) {
		kill(qemu, SIGTERM);
		wait_exit(qemu, 10);
	}
	if (ws.dev.ops)
		tern_netdev_close(&ws.dev);
	if (wd.dev.ops)
		tern_netdev_close(&wd.dev);
	temp_dir_remove(dir);
}

TestSuite(wire_qemu, .init = setup, .fini = teardown, .timeout = 90);

static char *path_in(const char *name)
{
	return temp_path(dir, name);
}

static void start_qemu(const char *stream, const char *dgram)
{
	char err[128];
	const char *argv[] = { "qemu-system-x86_64",
			       "-M",
			       "none",
			       "-nographic",
			       "-nodefaults",
			       "-netdev",
			       stream,
			       "-netdev",
			       dgram,
			       "-netdev",
			       "hubport,id=h0,hubid=0,netdev=s0",
			       "-netdev",
			       "hubport,id=h1,hubid=0,netdev=d0",
			       NULL };

	snprintf(err, sizeof(err), "%s/qemu.log", dir);
	qemu = spawn(argv, err, err);
}

/* Sends n frames from one wire and expects them, whole and in order, out
 * of the other. */
static void through_qemu(struct tern_wire *from, struct tern_wire *to,
			 uint32_t first, unsigned n)
{
	static uint8_t f[TERN_ETH_FRAME_MAX];
	struct tern_rx *rx = rx_alloc(1);
	const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x77 };

	for (uint32_t i = first; i < first + n; i++) {
		size_t len = test_frame_len(i);
		struct tern_iov iov = { f, len };
		int got = 0;

		test_frame(f, len, dst, from->dev.mac, i);
		cr_assert_eq(tern_netdev_send1(&from->dev, &iov, 1), 1);
		got = recv_frames(&to->dev, &to->waker, rx, 1, 10000);
		cr_assert_eq(got, 1, "frame %u did not come through QEMU", i);
		cr_assert_eq(rx[0].len, len);
		cr_assert(memcmp(rx[0].buf, f, len) == 0, "frame %u differs",
			  i);
	}
	rx_free(rx, 1);
}

/* Waits (10 s at most) until QEMU connected to the listening wire. */
static void await_peer(struct tern_wire *w)
{
	struct tern_rx *rx = rx_alloc(1);

	for (int i = 0; i < 1000 && !tern_wire_connected(w); i++)
		recv_frames(&w->dev, &w->waker, rx, 1, 10);
	cr_assert(tern_wire_connected(w), "QEMU never connected");
	rx_free(rx, 1);
}

Test(wire_qemu, qemu_connects_to_tern_stream_and_unix_dgram)
{
	struct tern_wire_addr me, q;
	char stream[256], dgram[512];

	cr_assert_eq(tern_wire_listen(&ws, path_in("s.sock"), "ws"), 0);
	cr_assert_eq(tern_wire_addr_parse(path_in("t.sock"), &me), 0);
	cr_assert_eq(tern_wire_addr_parse(path_in("q.sock"), &q), 0);
	cr_assert_eq(tern_wire_dgram(&wd, &me, &q, "wd"), 0);
	snprintf(stream, sizeof(stream),
		 "stream,id=s0,server=off,addr.type=unix,addr.path=%s",
		 path_in("s.sock"));
	snprintf(dgram, sizeof(dgram),
		 "dgram,id=d0,local.type=unix,local.path=%s,"
		 "remote.type=unix,remote.path=%s",
		 q.path, me.path);
	start_qemu(stream, dgram);
	await_peer(&ws);
	/* Stream to dgram first: once QEMU forwards a frame its main loop
	 * runs, so its dgram socket is bound for the way back. */
	through_qemu(&ws, &wd, 0, 20);
	through_qemu(&wd, &ws, 100, 20);
	cr_assert_eq(ws.proto_errors, 0);
}

Test(wire_qemu, tern_connects_to_qemu_stream_and_udp_dgram)
{
	struct tern_wire_addr me, q;
	char stream[256], dgram[512], a[32], b[32];
	uint16_t pt = free_udp_port(), pq = free_udp_port();
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int rc = -1;

	snprintf(a, sizeof(a), "127.0.0.1:%u", pt);
	snprintf(b, sizeof(b), "127.0.0.1:%u", pq);
	cr_assert_eq(tern_wire_addr_parse(a, &me), 0);
	cr_assert_eq(tern_wire_addr_parse(b, &q), 0);
	cr_assert_eq(tern_wire_dgram(&wd, &me, &q, "wd"), 0);
	snprintf(stream, sizeof(stream),
		 "stream,id=s0,server=on,addr.type=unix,addr.path=%s",
		 path_in("qs.sock"));
	snprintf(dgram, sizeof(dgram),
		 "dgram,id=d0,local.type=inet,local.host=127.0.0.1,"
		 "local.port=%u,remote.type=inet,remote.host=127.0.0.1,"
		 "remote.port=%u",
		 pq, pt);
	start_qemu(stream, dgram);
	for (int i = 0; i < 500 && rc != 0; i++) {
		rc = tern_wire_connect(&ws, path_in("qs.sock"), "ws");
		if (rc != 0)
			nanosleep(&tick, NULL);
	}
	cr_assert_eq(rc, 0, "cannot connect to QEMU's stream socket");
	through_qemu(&ws, &wd, 0, 20);
	through_qemu(&wd, &ws, 100, 20);
	cr_assert_eq(ws.proto_errors, 0);
}
