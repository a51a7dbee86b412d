/*
 * pcap_tshark.c - pcap recordings read back by tshark, and a pcapng file
 * (made by editcap) replayed (label interop: real tools).
 *
 * The recorder is stacked over one end of a wire socketpair under the
 * virtual clock, so every frame, its direction and its timestamp are known
 * in advance; tshark must report exactly those.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcap_util.h"
#include "runner_util.h"
#include "tern/hosted/pcap.h"
#include "tern/hosted/wire.h"
#include "tern/inet.h"
#include "wire_util.h"

#define WALL0 (1700000000ull * TERN_NSEC_PER_SEC)
#define T0 (5 * TERN_NSEC_PER_SEC)

static struct tern_wire wa, wb;
static struct tern_pcap_rec rec;
static char dir[64];

static void setup(void)
{
	int sv[2];

	temp_dir_make(dir, "tshark");
	cr_assert(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	cr_assert_eq(tern_wire_dgram_adopt(&wa, sv[0], "net0"), 0);
	cr_assert_eq(tern_wire_dgram_adopt(&wb, sv[1], "peer"), 0);
	tern_hosted_clock_use_virtual(T0);
}

static void teardown(void)
{
	tern_netdev_close(&wb.dev);
	temp_dir_remove(dir);
}

TestSuite(pcap_tshark, .init = setup, .fini = teardown, .timeout = 120);

static char *path_in(const char *name)
{
	return temp_path(dir, name);
}

struct expect {
	uint8_t bytes[1600];
	size_t len;
	uint64_t ts;
};

/* One tshark line: number,len,time,src,dst,type,payload-hex. */
static void check_line(const char *line, unsigned no, const struct expect *e)
{
	char want[4096], mac_s[TERN_MAC_STR_MAX], mac_d[TERN_MAC_STR_MAX];
	int n;

	n = snprintf(want, sizeof(want), "%u,%zu,%llu.%09llu,%s,%s,0x88b5,", no,
		     e->len, (unsigned long long)(e->ts / TERN_NSEC_PER_SEC),
		     (unsigned long long)(e->ts % TERN_NSEC_PER_SEC),
		     tern_mac_format(e->bytes + 6, mac_s),
		     tern_mac_format(e->bytes, mac_d));
	for (size_t i = 14; i < e->len; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%02x",
			      e->bytes[i]);
	cr_assert_str_eq(line, want, "tshark line %u", no);
}

Test(pcap_tshark, tshark_reads_exactly_the_recorded_frames)
{
	static struct expect e[6];
	struct tern_rx *rx = rx_alloc(4);
	struct tern_iov iov[6][2];
	struct tern_tx tx[6];
	char *out, *line, *save;
	unsigned no = 0;

	cr_assert_eq(tern_pcap_rec_open(&rec, &wa.dev, path_in("r.pcap")), 0);
	/* Frames 0-2 sent by Tern at T0, 3-4 received at T0 + 1.5 us,
	 * 5 sent at T0 + 1.0000015 s. */
	for (uint32_t i = 0; i < 6; i++) {
		bool out_dir = i < 3 || i == 5;

		e[i].len = 60 + i * 211;
		test_frame(e[i].bytes, e[i].len,
			   out_dir ? wb.dev.mac : wa.dev.mac,
			   out_dir ? wa.dev.mac : wb.dev.mac, i);
		iov[i][0] = (struct tern_iov){ e[i].bytes, 33 };
		iov[i][1] = (struct tern_iov){ e[i].bytes + 33, e[i].len - 33 };
		tx[i] = (struct tern_tx){ .iov = iov[i], .iovcnt = 2 };
	}
	e[0].ts = e[1].ts = e[2].ts = WALL0 + T0;
	e[3].ts = e[4].ts = WALL0 + T0 + 1500;
	e[5].ts = WALL0 + T0 + 1500 + TERN_NSEC_PER_SEC;
	cr_assert_eq(tern_netdev_send(&rec.dev, tx, 3), 3);
	tern_hosted_clock_advance(1500);
	cr_assert_eq(tern_netdev_send(&wb.dev, tx + 3, 2), 2);
	cr_assert_eq(recv_frames(&rec.dev, &wa.waker, rx, 2, 5000), 2);
	tern_hosted_clock_advance(TERN_NSEC_PER_SEC);
	cr_assert_eq(tern_netdev_send(&rec.dev, tx + 5, 1), 1);
	tern_netdev_close(&rec.dev);

	const char *argv[] = {
		"tshark",	    "-r", path_in("r.pcap"), "-T",
		"fields",	    "-E", "separator=,",     "-e",
		"frame.number",	    "-e", "frame.len",	     "-e",
		"frame.time_epoch", "-e", "eth.src",	     "-e",
		"eth.dst",	    "-e", "eth.type",	     "-e",
		"data.data",	    NULL
	};
	cr_assert_eq(run_capture(argv, dir, &out, NULL, 60), 0);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cr_assert(no < 6, "extra line from tshark: %s", line);
		check_line(line, no + 1, &e[no]);
		no++;
	}
	cr_assert_eq(no, 6, "tshark saw %u frames", no);
	free(out);
	rx_free(rx, 4);
}

/* tshark's own checks find nothing wrong with the file (a truncated or
 * damaged record would be reported as malformed or cut short). */
Test(pcap_tshark, tshark_finds_the_file_well_formed)
{
	static uint8_t f[1514];
	struct tern_iov iov = { f, sizeof(f) };
	char *out, *err;

	cr_assert_eq(tern_pcap_rec_open(&rec, &wa.dev, path_in("w.pcap")), 0);
	for (uint32_t i = 0; i < 50; i++) {
		test_frame(f, sizeof(f), wb.dev.mac, wa.dev.mac, i);
		cr_assert_eq(tern_netdev_send1(&rec.dev, &iov, 1), 1);
		tern_hosted_clock_advance(1000);
	}
	tern_netdev_close(&rec.dev);
	const char *argv[] = { "capinfos", "-c", "-M", path_in("w.pcap"),
			       NULL };
	cr_assert_eq(run_capture(argv, dir, &out, &err, 60), 0, "capinfos: %s",
		     err);
	cr_assert(strstr(out, "Number of packets:   50"), "capinfos: %s", out);
	free(out);
	free(err);
	const char *argv2[] = { "tshark", "-r", path_in("w.pcap"),
				"-q",	  "-z", "expert,error",
				NULL };
	cr_assert_eq(run_capture(argv2, dir, &out, &err, 60), 0);
	cr_assert(!strstr(out, "Malformed"), "tshark: %s", out);
	free(out);
	free(err);
}

/* A pcapng file (what Wireshark and dumpcap write by default) replays like
 * a pcap file. */
Test(pcap_tshark, replays_a_pcapng_file)
{
	static struct tern_pcap_replay rp;
	static uint8_t bytes[3][200];
	const uint64_t ts[3] = { 0, 2000, 3 * TERN_NSEC_PER_SEC };
	struct pcap_frame fr[3];
	struct tern_pcap_replay_cfg cfg = { .path = path_in("in.pcapng") };
	struct tern_rx *rx = rx_alloc(1);

	/* Only the replay may wake tern_wait() here. */
	tern_netdev_close(&wa.dev);
	tern_netdev_close(&wb.dev);
	for (uint32_t i = 0; i < 3; i++) {
		test_frame(bytes[i], 200, wa.dev.mac, wb.dev.mac, i);
		fr[i] = (struct pcap_frame){ WALL0 + 9 * TERN_NSEC_PER_SEC +
						     ts[i],
					     200, 200, bytes[i] };
	}
	pcap_file_write(path_in("in.pcap"), true, 1, fr, 3);
	const char *argv[] = { "editcap",
			       "-F",
			       "pcapng",
			       path_in("in.pcap"),
			       path_in("in.pcapng"),
			       NULL };
	cr_assert_eq(run_capture(argv, dir, NULL, NULL, 60), 0);
	cr_assert_eq(file_magic(path_in("in.pcapng")), 0x0a0d0d0a);
	cr_assert_eq(tern_pcap_replay_open(&rp, &cfg), 0);
	for (uint32_t i = 0; i < 3; i++) {
		while (tern_netdev_recv(&rp.dev, rx, 1) == 0)
			cr_assert_eq(tern_wait(TERN_NO_DEADLINE), 0);
		cr_assert_eq(tern_clock_monotonic(), T0 + ts[i]);
		cr_assert(memcmp(rx[0].buf, bytes[i], 200) == 0);
	}
	cr_assert_eq(tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
	tern_netdev_close(&rp.dev);
	rx_free(rx, 1);
}
