/*
 * test_echo_replay.c - the echo app end to end without root: the hosted
 * runner replays a capture made here (--net pcap:IN, virtual clock) into
 * `echo --ip 10.0.0.1/24 --pcap OUT`, and the test reads back what the app
 * sent. The capture holds an ARP request, a ping, a UDP datagram to the
 * echo port, one to a closed port, a 3,000-byte datagram in fragments and
 * a frame with a bad IP checksum; the app must answer each correctly,
 * drop the bad one (and say so in its report), and exit 0 when the capture
 * runs out.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/net_wire.h"
#include "util_net.h"

#ifndef TERN_ECHO
#define TERN_ECHO ""
#endif

static char dir[] = "/tmp/tern-echo-replay.XXXXXX";
static char in_path[128], out_path[128], log_path[128];

static void dump(pcap_dumper_t *d, const uint8_t *f, size_t len, unsigned ms)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = 1700000000;
	h.ts.tv_usec = (suseconds_t)ms * 1000;
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, f);
}

static void write_capture(void)
{
	static const uint8_t zero[6];
	static uint8_t f[2048], big[3008];
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(p, in_path);
	struct tern_udp_hdr uh = { 40001, 7, sizeof(big), 0 };
	struct tern_iov iov = { big + 8, sizeof(big) - 8 };
	size_t n;

	cr_assert_not_null(d, "%s", pcap_geterr(p));
	dump(d, f,
	     tnet_arp(f, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
		      TNET_B_IP, zero, TNET_A_IP),
	     10);
	dump(d, f, tnet_icmp_echo(f, TNET_B_IP, TNET_A_IP, 0x77, 1, "ping", 4),
	     20);
	dump(d, f, tnet_udp(f, TNET_B_IP, TNET_A_IP, 40000, 7, "hello", 5), 30);
	dump(d, f, tnet_udp(f, TNET_B_IP, TNET_A_IP, 40000, 9, "nobody", 6),
	     40);
	/* A good ping with its IP checksum broken. */
	n = tnet_icmp_echo(f, TNET_B_IP, TNET_A_IP, 0x77, 2, "bad", 3);
	f[14 + 10] ^= 0xff;
	dump(d, f, n, 50);
	/* 3,000 bytes of UDP in three fragments. */
	for (size_t i = 8; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	tern_udp_hdr_emit(&uh, big);
	tern_store_be16(big + 6,
			tern_udp_cksum(TNET_B_IP, TNET_A_IP, big, &iov, 1));
	for (size_t off = 0; off < sizeof(big); off += 1480) {
		size_t len = TERN_MIN((size_t)1480, sizeof(big) - off);

		dump(d, f,
		     tnet_ipv4(f, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			       TERN_IPPROTO_UDP, 0x99, (uint16_t)off,
			       off + len < sizeof(big), big + off, len),
		     60 + (unsigned)off / 1480);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static int run_echo(void)
{
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char in_spec[160];
		FILE *log = freopen(log_path, "w", stdout);

		if (!log || dup2(fileno(stdout), 2) < 0)
			_exit(126);
		snprintf(in_spec, sizeof(in_spec), "pcap:%s", in_path);
		execl(TERN_ECHO, TERN_ECHO, "--net", in_spec, "--mac",
		      "02:00:00:00:00:0a", "--ip", "10.0.0.1/24", "--pcap",
		      out_path, "--seed", "5", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

struct seen {
	unsigned garp, arp_reply, echo_reply, udp_echo, port_unreach;
	unsigned frags;
	size_t frag_bytes;
};

static void classify(const uint8_t *f, size_t len, struct seen *s)
{
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	enum tern_wire_bad why;
	const uint8_t *l4;

	cr_assert_eq(tern_eth_hdr_parse(f, len, &eth, &why), 0);
	if (memcmp(eth.src, tnet_mac_a, 6) != 0)
		return; /* a frame the app received */
	if (eth.type == TERN_ETHERTYPE_ARP) {
		struct tern_arp_hdr a;

		cr_assert_eq(tern_arp_hdr_parse(f + 14, len - 14, &a, &why), 0);
		if (a.op == TERN_ARP_REQUEST && a.spa == a.tpa)
			s->garp++;
		else if (a.op == TERN_ARP_REPLY && a.tpa == TNET_B_IP)
			s->arp_reply++;
		return;
	}
	cr_assert_eq(tern_ipv4_hdr_parse(f + 14, len - 14, &ip, true, &why), 0);
	cr_assert_eq(ip.dst, TNET_B_IP);
	l4 = f + 14 + ip.hlen;
	if (ip.mf || ip.frag_off) {
		s->frags++;
		s->frag_bytes += ip.total_len - ip.hlen;
		return;
	}
	if (ip.proto == TERN_IPPROTO_ICMP) {
		cr_assert_eq(tern_cksum(l4, ip.total_len - ip.hlen), 0);
		if (l4[0] == TERN_ICMP_ECHO_REPLY)
			s->echo_reply++;
		else if (l4[0] == TERN_ICMP_DEST_UNREACH &&
			 l4[1] == TERN_ICMP_PORT_UNREACH)
			s->port_unreach++;
	} else if (ip.proto == TERN_IPPROTO_UDP) {
		struct tern_udp_hdr uh;

		cr_assert_eq(tern_udp_hdr_parse(l4, ip.total_len - ip.hlen,
						ip.src, ip.dst, &uh, true,
						&why),
			     0);
		cr_assert_eq(uh.sport, 7);
		cr_assert_eq(uh.dport, 40000);
		cr_assert_arr_eq(l4 + 8, "hello", 5);
		s->udp_echo++;
	}
}

Test(echo_replay, answers_a_replayed_capture, .timeout = 60)
{
	struct seen s;
	char errbuf[PCAP_ERRBUF_SIZE], line[512];
	struct pcap_pkthdr *h;
	const u_char *data;
	bool bad_counted = false, ready = false;
	pcap_t *p;
	FILE *log;

	if (!*TERN_ECHO)
		cr_skip_test("built without the echo app");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(in_path, sizeof(in_path), "%s/in.pcap", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.pcap", dir);
	snprintf(log_path, sizeof(log_path), "%s/echo.log", dir);
	write_capture();
	cr_assert_eq(run_echo(), 0, "echo failed; log in %s", log_path);

	memset(&s, 0, sizeof(s));
	p = pcap_open_offline(out_path, errbuf);
	cr_assert_not_null(p, "%s", errbuf);
	while (pcap_next_ex(p, &h, &data) == 1)
		classify(data, h->caplen, &s);
	pcap_close(p);
	cr_assert_eq(s.garp, 1);
	cr_assert_eq(s.arp_reply, 1);
	cr_assert_eq(s.echo_reply, 1, "only the good ping is answered");
	cr_assert_eq(s.udp_echo, 1);
	cr_assert_eq(s.port_unreach, 1);
	cr_assert_eq(s.frags, 3, "the 3,000-byte echo leaves in fragments");
	cr_assert_eq(s.frag_bytes, 3008);

	log = fopen(log_path, "r");
	cr_assert_not_null(log);
	while (fgets(line, sizeof(line), log)) {
		ready |= strstr(line, "echo: ready ip=10.0.0.1/24 udp=7") !=
			 NULL;
		bad_counted |= strstr(line, "ip_bad_cksum=1") != NULL;
	}
	fclose(log);
	cr_assert(ready, "no ready line");
	cr_assert(bad_counted, "the report must count the bad checksum");
	unlink(in_path);
	unlink(out_path);
	unlink(log_path);
	rmdir(dir);
}
