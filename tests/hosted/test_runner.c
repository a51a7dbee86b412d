/*
 * test_runner.c - the hosted runner (hosted/runner/): its exit codes for
 * --help, bad flags and bad specs; spec parsing; and whole runs of the test
 * application (runner_app.c) over a stream wire, a datagram wire, a pcap
 * replay and a disk file, with --mac and --pcap.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_util.h"
#include "runner.h"
#include "runner_util.h"
#include "tern/hosted/wire.h"
#include "wire_util.h"

#define WALL0 (1700000000ull * TERN_NSEC_PER_SEC)

static char dir[64];
static struct tern_wire w1, w2;

static void setup(void)
{
	temp_dir_make(dir, "runner");
	memset(&w1, 0, sizeof(w1));
	memset(&w2, 0, sizeof(w2));
}

static void teardown(void)
{
	if (w1.dev.ops)
		tern_netdev_close(&w1.dev);
	if (w2.dev.ops)
		tern_netdev_close(&w2.dev);
	temp_dir_remove(dir);
}

TestSuite(runner, .init = setup, .fini = teardown, .timeout = 120);

static char *path_in(const char *name)
{
	return temp_path(dir, name);
}

/* Runs the app with args (NULL-terminated) and returns its exit status. */
static int run_app(const char *const *args, char **out, char **err)
{
	const char *argv[32] = { RUNNER_APP };
	int n = 1;

	for (; args[n - 1]; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	return run_capture(argv, dir, out, err, 60);
}

#define RUN(out, err, ...) \
	run_app((const char *const[]){ __VA_ARGS__, NULL }, out, err)

/* ---- Exit codes ---------------------------------------------------------- */

Test(runner, help_exits_0_with_usage)
{
	char *out, *err;

	cr_assert_eq(RUN(&out, &err, "--help"), 0);
	cr_assert(strstr(err, "usage: runner_app"), "stderr: %s", err);
	cr_assert(strstr(err, "--net SPEC"));
	cr_assert(strstr(err, "--echo N"), "app flags missing: %s", err);
	cr_assert_str_eq(out, "", "the app ran: %s", out);
	free(out);
	free(err);
}

Test(runner, bad_flag_exits_2_with_reason_and_usage)
{
	char *out, *err;

	cr_assert_eq(RUN(&out, &err, "--bogus"), 2);
	cr_assert(strstr(err, "unknown flag: --bogus"), "stderr: %s", err);
	cr_assert(strstr(err, "usage: runner_app"), "no usage: %s", err);
	cr_assert_str_eq(out, "");
	free(out);
	free(err);
	cr_assert_eq(RUN(NULL, &err, "--net"), 2);
	cr_assert(strstr(err, "needs a value"), "stderr: %s", err);
	free(err);
	cr_assert_eq(RUN(NULL, NULL, "--mac", "zz:00"), 2);
	cr_assert_eq(RUN(NULL, NULL, "--net", "tap:a", "--net", "tap:b",
			 "--net", "tap:c", "--net", "tap:d", "--net", "tap:e"),
		     2);
}

Test(runner, unknown_net_spec_exits_2)
{
	char *out, *err;

	cr_assert_eq(RUN(&out, &err, "--net", "vde:/tmp/x"), 2);
	cr_assert(strstr(err, "unknown --net spec 'vde:/tmp/x'"), "stderr: %s",
		  err);
	cr_assert(strstr(err, "wire:stream:listen:PATH"), "no hint: %s", err);
	cr_assert_str_eq(out, "");
	free(out);
	free(err);
}

Test(runner, non_loopback_udp_is_refused_before_anything_opens)
{
	char spec[256], *err;

	snprintf(spec, sizeof(spec), "wire:dgram:127.0.0.1:5000,10.1.2.3:5001");
	cr_assert_eq(RUN(NULL, &err, "--net", spec), 2);
	cr_assert(strstr(err, "'10.1.2.3:5001' is not a loopback address"),
		  "stderr: %s", err);
	free(err);
	/* The first, valid, spec opened nothing either. */
	snprintf(spec, sizeof(spec), "wire:stream:listen:%s",
		 path_in("l.sock"));
	cr_assert_eq(RUN(NULL, NULL, "--net", spec, "--net", "tap:"), 2);
	cr_assert(access(path_in("l.sock"), F_OK) != 0);
}

Test(runner, unknown_disk_spec_exits_2)
{
	char *err;

	cr_assert_eq(RUN(NULL, &err, "--disk", "nbd:host"), 2);
	cr_assert(strstr(err, "unknown --disk spec 'nbd:host'"), "stderr: %s",
		  err);
	free(err);
}

Test(runner, device_that_cannot_open_exits_1)
{
	char spec[256], *err;

	snprintf(spec, sizeof(spec), "wire:stream:connect:%s",
		 path_in("nobody.sock"));
	cr_assert_eq(RUN(NULL, &err, "--net", spec), 1);
	cr_assert(strstr(err, spec) && strstr(err, "no such entry"),
		  "stderr: %s", err);
	free(err);
	snprintf(spec, sizeof(spec), "file:%s", path_in("missing.img"));
	cr_assert_eq(RUN(NULL, &err, "--disk", spec), 1);
	cr_assert(strstr(err, "missing.img"), "stderr: %s", err);
	free(err);
}

Test(runner, exit_status_of_main_and_report)
{
	char *out;

	cr_assert_eq(RUN(&out, NULL, "--exit", "7"), 7);
	cr_assert(strstr(out, "netdevs 0 blkdevs 0"), "stdout: %s", out);
	cr_assert(strstr(out, "report done"), "report not called: %s", out);
	free(out);
	cr_assert_eq(RUN(NULL, NULL, "--log", "warn"), 0);
}

/* ---- Spec parsing -------------------------------------------------------- */

Test(runner, parse_net_specs)
{
	struct tern_runner_net_spec s;
	char err[256];

	cr_assert_eq(tern_runner_parse_net("tap:tern0", &s, err, sizeof(err)),
		     0);
	cr_assert(s.kind == TERN_RUNNER_NET_TAP && !strcmp(s.arg, "tern0"));
	cr_assert_eq(tern_runner_parse_net("wire:stream:listen:/a/b", &s, err,
					   sizeof(err)),
		     0);
	cr_assert(s.kind == TERN_RUNNER_NET_STREAM_LISTEN &&
		  !strcmp(s.arg, "/a/b"));
	cr_assert_eq(tern_runner_parse_net("wire:stream:connect:x.sock", &s,
					   err, sizeof(err)),
		     0);
	cr_assert(s.kind == TERN_RUNNER_NET_STREAM_CONNECT);
	cr_assert_eq(tern_runner_parse_net("wire:stream:x.sock", &s, err,
					   sizeof(err)),
		     0);
	cr_assert(s.kind == TERN_RUNNER_NET_STREAM_CONNECT &&
		  !strcmp(s.arg, "x.sock"));
	cr_assert_eq(tern_runner_parse_net("wire:dgram:127.0.0.1:1,127.0.0.2:2",
					   &s, err, sizeof(err)),
		     0);
	cr_assert(s.kind == TERN_RUNNER_NET_DGRAM && s.local.is_inet &&
		  s.local.port == 1 && s.remote.ip == 0x7f000002 &&
		  s.remote.port == 2);
	cr_assert_eq(tern_runner_parse_net("wire:dgram:/t/a,/t/b", &s, err,
					   sizeof(err)),
		     0);
	cr_assert(!s.local.is_inet && !strcmp(s.remote.path, "/t/b"));
	cr_assert_eq(
		tern_runner_parse_net("pcap:in.pcap", &s, err, sizeof(err)), 0);
	cr_assert(s.kind == TERN_RUNNER_NET_REPLAY &&
		  !strcmp(s.arg, "in.pcap"));

	const char *bad[] = {
		"tap:",
		"tap:0123456789abcdef",
		"tap:a/b",
		"wire:dgram:a.sock",
		"wire:dgram:a,b,c",
		"wire:dgram:,b",
		"wire:dgram:a.sock,127.0.0.1:5",
		"wire:dgram:127.0.0.1:5,127.0.0.1:0",
		"wire:dgram:127.0.0.1:5,8.8.8.8:53",
		"wire:stream:listen:",
		"wire:raw:x",
		"pcap:",
		"tap",
		"",
		"TAP:x",
	};
	for (unsigned i = 0; i < TERN_ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		int rc = tern_runner_parse_net(bad[i], &s, err, sizeof(err));

		cr_assert_eq(rc, -TERN_EINVAL, "accepted '%s'", bad[i]);
		cr_assert(err[0], "no reason for '%s'", bad[i]);
	}
}

Test(runner, parse_disk_specs)
{
	const char *path;
	char err[128];

	cr_assert_eq(tern_runner_parse_disk("file:/x.img", &path, err,
					    sizeof(err)),
		     0);
	cr_assert_str_eq(path, "/x.img");
	cr_assert_eq(tern_runner_parse_disk("file:", &path, err, sizeof(err)),
		     -TERN_EINVAL);
	cr_assert_eq(tern_runner_parse_disk("/x.img", &path, err, sizeof(err)),
		     -TERN_EINVAL);
}

/* ---- Whole runs ---------------------------------------------------------- */

static const uint8_t app_mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

/* Receives one frame on w within 20 s into buf; returns its length. */
static size_t recv_one(struct tern_wire *w, uint8_t *buf)
{
	struct tern_rx rx = { buf, TERN_ETH_FRAME_MAX, 0, 0 };

	cr_assert_eq(recv_frames(&w->dev, &w->waker, &rx, 1, 20000), 1,
		     "no frame from the app");
	return rx.len;
}

static void expect_hello(const uint8_t *f, size_t len, const char *dev)
{
	char want[32];

	snprintf(want, sizeof(want), "hello from %s", dev);
	cr_assert_eq(len, 60);
	cr_assert_eq(test_frame_seq(f, len) >= 0, true, "not a hello frame");
	cr_assert_str_eq((const char *)f + 14, want);
}

Test(runner, stream_wire_run_with_mac_and_pcap)
{
	static uint8_t buf[TERN_ETH_FRAME_MAX], sent[2][300];
	char spec[256];
	struct pcap_file pf;
	pid_t pid;

	cr_assert_eq(tern_wire_listen(&w1, path_in("l.sock"), "test"), 0);
	snprintf(spec, sizeof(spec), "wire:stream:connect:%s",
		 path_in("l.sock"));
	const char *argv[] = { RUNNER_APP,
			       "--net",
			       spec,
			       "--mac",
			       "02:aa:bb:cc:dd:ee",
			       "--pcap",
			       path_in("run.pcap"),
			       "--echo",
			       "2",
			       NULL };
	pid = spawn(argv, path_in("out"), path_in("err"));

	size_t len = recv_one(&w1, buf);
	expect_hello(buf, len, "net0");
	cr_assert(memcmp(buf + 6, app_mac, 6) == 0, "--mac not applied");
	for (uint32_t i = 0; i < 2; i++) {
		struct tern_iov iov = { sent[i], 100 + i * 150 };

		test_frame(sent[i], iov.len, app_mac, w1.dev.mac, i);
		cr_assert_eq(tern_netdev_send1(&w1.dev, &iov, 1), 1);
		len = recv_one(&w1, buf);
		cr_assert_eq(len, iov.len);
		cr_assert(memcmp(buf, w1.dev.mac, 6) == 0);
		cr_assert(memcmp(buf + 6, app_mac, 6) == 0);
		cr_assert(memcmp(buf + 12, sent[i] + 12, len - 12) == 0);
	}
	cr_assert_eq(wait_exit(pid, 30), 0);
	char *out = read_text(path_in("out"));
	cr_assert(strstr(out, "net net0 mac 02:aa:bb:cc:dd:ee mtu 1500"),
		  "stdout: %s", out);
	cr_assert(strstr(out, "report done"));
	free(out);

	/* The recording: hello out, then each frame in and its echo out. */
	pcap_file_read(path_in("run.pcap"), &pf);
	cr_assert_eq(pf.count, 5);
	expect_hello(pf.f[0].data, pf.f[0].len, "net0");
	for (unsigned i = 0; i < 2; i++) {
		struct pcap_frame *in = &pf.f[1 + 2 * i];
		struct pcap_frame *echo = &pf.f[2 + 2 * i];

		cr_assert_eq(in->len, 100 + i * 150);
		cr_assert(memcmp(in->data, sent[i], in->len) == 0);
		cr_assert(memcmp(echo->data + 6, app_mac, 6) == 0);
		cr_assert(in->ts <= echo->ts);
	}
	pcap_file_free(&pf);
}

Test(runner, dgram_wire_run_and_a_pcap_file_per_device)
{
	static uint8_t buf[TERN_ETH_FRAME_MAX], f[200];
	struct tern_wire_addr me, app;
	char spec0[256], spec1[256];
	struct tern_iov iov = { f, sizeof(f) };
	struct pcap_file pf;
	pid_t pid;

	cr_assert_eq(tern_wire_addr_parse(path_in("test.sock"), &me), 0);
	cr_assert_eq(tern_wire_addr_parse(path_in("app.sock"), &app), 0);
	cr_assert_eq(tern_wire_dgram(&w1, &me, &app, "test"), 0);
	snprintf(spec0, sizeof(spec0), "wire:dgram:%s,%s", app.path, me.path);
	snprintf(spec1, sizeof(spec1), "wire:stream:listen:%s",
		 path_in("l2.sock"));
	const char *argv[] = {
		RUNNER_APP, "--net",	       spec0,	 "--net", spec1,
		"--pcap",   path_in("p.pcap"), "--echo", "1",	  NULL
	};
	pid = spawn(argv, path_in("out"), path_in("err"));
	size_t len = recv_one(&w1, buf);
	expect_hello(buf, len, "net0");
	test_frame(f, sizeof(f), buf + 6, w1.dev.mac, 77);
	/* The app's socket exists now (it sent from it). */
	cr_assert_eq(tern_netdev_send1(&w1.dev, &iov, 1), 1);
	len = recv_one(&w1, buf);
	cr_assert_eq(len, sizeof(f));
	cr_assert_eq(test_frame_seq(buf, len), 77);
	cr_assert_eq(wait_exit(pid, 30), 0);
	/* Socket files of the app are gone; both recordings exist. */
	cr_assert(access(path_in("app.sock"), F_OK) != 0);
	cr_assert(access(path_in("l2.sock"), F_OK) != 0);
	pcap_file_read(path_in("p.pcap"), &pf);
	cr_assert_eq(pf.count, 3);
	pcap_file_free(&pf);
	pcap_file_read(path_in("p.pcap.1"), &pf);
	cr_assert_eq(pf.count, 1, "net1's hello (lost: no peer) is recorded");
	expect_hello(pf.f[0].data, pf.f[0].len, "net1");
	pcap_file_free(&pf);
}

/* A capture replayed through the runner under the virtual clock: the
 * recording of the run is exact, timestamps included. */
Test(runner, pcap_replay_run_is_deterministic)
{
	static uint8_t frames[3][100];
	const uint64_t ts[3] = { 0, TERN_NSEC_PER_MSEC, 2 * TERN_NSEC_PER_SEC };
	struct pcap_frame in[3];
	const uint8_t peer[6] = { 2, 0, 0, 0, 0, 9 };
	struct pcap_file pf;
	char spec[256];

	for (uint32_t i = 0; i < 3; i++) {
		test_frame(frames[i], 100, app_mac, peer, i);
		in[i] = (struct pcap_frame){ 1234 * TERN_NSEC_PER_SEC + ts[i],
					     100, 100, frames[i] };
	}
	pcap_file_write(path_in("in.pcap"), true, DLT_EN10MB, in, 3);
	snprintf(spec, sizeof(spec), "pcap:%s", path_in("in.pcap"));
	for (int run = 0; run < 2; run++) {
		char out[32];

		snprintf(out, sizeof(out), "out%d.pcap", run);
		cr_assert_eq(RUN(NULL, NULL, "--net", spec, "--pcap",
				 path_in(out), "--mac", "02:aa:bb:cc:dd:ee",
				 "--echo", "3"),
			     0);
	}
	cr_assert(files_equal(path_in("out0.pcap"), path_in("out1.pcap")),
		  "two runs of the same replay differ");
	pcap_file_read(path_in("out0.pcap"), &pf);
	cr_assert_eq(pf.count, 7);
	expect_hello(pf.f[0].data, pf.f[0].len, "net0");
	cr_assert_eq(pf.f[0].ts, WALL0);
	for (unsigned i = 0; i < 3; i++) {
		struct pcap_frame *r = &pf.f[1 + 2 * i], *e = &pf.f[2 + 2 * i];

		cr_assert(memcmp(r->data, frames[i], 100) == 0);
		cr_assert_eq(r->ts, WALL0 + ts[i], "frame %u time", i);
		cr_assert_eq(e->ts, WALL0 + ts[i], "echo %u time", i);
		cr_assert(memcmp(e->data, frames[i] + 6, 6) == 0);
	}
	pcap_file_free(&pf);
	/* Waiting for a fourth frame: the virtual clock runs out the app's
	 * 20 s timeout at once. */
	cr_assert_eq(RUN(NULL, NULL, "--net", spec, "--echo", "4"), 3);
}

Test(runner, disk_file)
{
	char spec[256], *out;
	int fd = open(path_in("disk.img"), O_CREAT | O_WRONLY, 0600);

	cr_assert(fd >= 0);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "file:%s", path_in("disk.img"));
	cr_assert_eq(RUN(&out, NULL, "--disk", spec), 0);
	cr_assert(strstr(out, "netdevs 0 blkdevs 1"), "stdout: %s", out);
	cr_assert(strstr(out, "blk blk0 sectors 8 size 512"), "stdout: %s",
		  out);
	free(out);
}
