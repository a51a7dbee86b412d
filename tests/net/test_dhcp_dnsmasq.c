/*
 * test_dhcp_dnsmasq.c - Tern's DHCP client and DNS resolver against the
 * real dnsmasq (Debian's dnsmasq-base), end to end through the whole Tern
 * stack on a TAP device. Needs root (label interop).
 *
 * The test makes a network namespace of its own ("tern-dhcp-PID-N") with
 * the TAP's kernel side inside it (10.78.0.1/24), and runs dnsmasq inside
 * that namespace only, bound to that interface: DHCP for 10.78.0.100-150
 * with a 2-minute lease (dnsmasq's minimum) but T1 = 4 s and T2 = 8 s
 * (options 58 and 59), and DNS for names under test.tern. Tern's stack
 * runs on the TAP's descriptor with tern_dhcp_start() and tern_dns_start()
 * on the real clock. The test passes when:
 *   - the client gets a lease, configures the interface (address, /24,
 *     gateway 10.78.0.1) and hands the DNS server to the resolver;
 *   - dnsmasq's lease file holds that address, and the kernel in the
 *     namespace can ping it (the stack answers on the leased address);
 *   - names resolve (an A record, a CNAME to it), a missing name gives
 *     NXDOMAIN (-TERN_ENOENT);
 *   - the lease is renewed at T1, twice, with dnsmasq ACKing (its log);
 *   - stopping with release sends a DHCPRELEASE that dnsmasq logs.
 * Everything - dnsmasq, the TAP, the namespace, the temporary directory -
 * is removed in the fixture's fini, also when a check fails. It takes
 * about 12 s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern/dhcp.h"
#include "tern/dns.h"
#include "tern/err.h"
#include "tern/hosted/netns.h"
#include "tern/hosted/tap.h"
#include "tern/inet.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/sched.h"

#define SEC(s) ((uint64_t)(s)*TERN_NSEC_PER_SEC)
#define MS(s) ((uint64_t)(s)*TERN_NSEC_PER_MSEC)
#define IFNAME "tdhcp0"
#define SRV_IP 0x0a4e0001u /* 10.78.0.1, dnsmasq's side */
#define WWW_IP 0x0a4e002bu /* 10.78.0.43 */
#define DNSMASQ "/usr/sbin/dnsmasq"

static struct tern_netns ns;
static struct tern_tap *tap;
static pid_t dnsmasq_pid = -1;
static char tmpdir[64];

struct rig {
	struct tern_net net;
	struct tern_sched sched;
	struct tern_net_loop loop;
	struct tern_dhcp dhcp;
	struct tern_dns dns;
	struct tern_fiber f;
	bool done;
};

static struct rig *rig;
static char failure[512];

/* Criterion's asserts cannot unwind from a fiber: a failed check in the
 * fiber records the message, stops the scheduler and ends the fiber; the
 * test body then fails with it, and the fini still cleans up. */
#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond))                                      \
			fiber_fail(__LINE__, #cond, __VA_ARGS__); \
	} while (0)

static _Noreturn void fiber_fail(int line, const char *expr, const char *fmt,
				 ...)
{
	va_list ap;
	int n = snprintf(failure, sizeof(failure), "line %d: %s: ", line, expr);

	va_start(ap, fmt);
	vsnprintf(failure + n, sizeof(failure) - (size_t)n, fmt, ap);
	va_end(ap);
	tern_sched_stop(&rig->sched);
	tern_fiber_exit(&rig->sched);
}

static void path_of(char *buf, size_t cap, const char *file)
{
	snprintf(buf, cap, "%s/%s", tmpdir, file);
}

/* The whole of a file in tmpdir (static buffer; empty if missing). */
static const char *slurp(const char *file)
{
	static char buf[65536];
	char path[128];
	FILE *f;
	size_t n = 0;

	path_of(path, sizeof(path), file);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Starts dnsmasq inside ns, bound to IFNAME only. It dies with us
 * (PR_SET_PDEATHSIG) if the test process dies first. */
static void start_dnsmasq(void)
{
	char pidf[128], leases[128], logf[128];

	path_of(pidf, sizeof(pidf), "pid");
	path_of(leases, sizeof(leases), "leases");
	path_of(logf, sizeof(logf), "log");
	dnsmasq_pid = fork();
	cr_assert(dnsmasq_pid >= 0);
	if (dnsmasq_pid == 0) {
		char a_pid[160], a_leases[160], a_log[160], errf[128];
		const char *argv[] = {
			DNSMASQ,
			"--no-daemon",
			"--conf-file=/dev/null",
			"--no-resolv",
			"--no-hosts",
			"--no-ping",
			"--bind-interfaces",
			"--interface=" IFNAME,
			"--except-interface=lo",
			"--user=root",
			"--group=root",
			a_pid,
			a_leases,
			a_log,
			"--log-dhcp",
			"--log-queries",
			"--dhcp-range=10.78.0.100,10.78.0.150,255.255.255.0,2m",
			"--dhcp-option=option:T1,4",
			"--dhcp-option=option:T2,8",
			"--local=/test.tern/",
			"--domain=test.tern",
			"--host-record=www.test.tern,10.78.0.43",
			"--cname=alias.test.tern,www.test.tern",
			NULL,
		};
		int saved;
		int out;

		snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pidf);
		snprintf(a_leases, sizeof(a_leases), "--dhcp-leasefile=%s",
			 leases);
		snprintf(a_log, sizeof(a_log), "--log-facility=%s", logf);
		/* In --no-daemon mode it also logs to stderr: keep that out
		 * of the test's output (the log file has it all). */
		path_of(errf, sizeof(errf), "stderr");
		out = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out >= 0) {
			dup2(out, 2);
			close(out);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (tern_netns_enter(&ns, &saved) != 0)
			_exit(126);
		execv(DNSMASQ, (char *const *)argv);
		_exit(127);
	}
	/* Ready when it says its DHCP sockets are bound (5 s at most). */
	for (int i = 0; i < 100; i++) {
		if (strstr(slurp("log"), "DHCP, sockets bound"))
			return;
		cr_assert_eq(waitpid(dnsmasq_pid, NULL, WNOHANG), 0,
			     "dnsmasq exited: %s", slurp("log"));
		usleep(50 * 1000);
	}
	cr_assert_fail("dnsmasq did not start: %s", slurp("log"));
}

static void setup(void)
{
	int fd;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tern-dnsmasq-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	cr_assert_eq(access(DNSMASQ, X_OK), 0, "dnsmasq-base is not installed");
	cr_assert_eq(tern_netns_create(&ns, "tern-dhcp"), 0,
		     "cannot create a network namespace (root needed)");
	tap = calloc(1, sizeof(*tap));
	tap->fd = -1;
	cr_assert_eq(tern_netns_tap(&ns, IFNAME, "10.78.0.1/24", &fd), 0);
	cr_assert_eq(tern_tap_adopt(tap, fd, 1500, NULL), 0);
	start_dnsmasq();
}

static void teardown(void)
{
	char cmd[128];

	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		for (int i = 0; i < 100; i++) {
			if (waitpid(dnsmasq_pid, NULL, WNOHANG) != 0)
				break;
			usleep(20 * 1000);
			if (i == 50)
				kill(dnsmasq_pid, SIGKILL);
		}
		dnsmasq_pid = -1;
	}
	if (tap && tap->dev.ops)
		tern_netdev_close(&tap->dev);
	free(tap);
	tap = NULL;
	tern_netns_destroy(&ns);
	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		cr_expect_eq(system(cmd), 0);
	}
}

TestSuite(dnsmasq, .init = setup, .fini = teardown, .timeout = 90);

/* Runs ping inside ns against addr (3 packets) while the stack keeps
 * running: the child is polled from this fiber. Returns its exit status. */
static int ping_from_namespace(uint32_t addr)
{
	char a[TERN_IPV4_STR_MAX];
	int status = -1;
	pid_t pid;

	tern_ipv4_format(addr, a);
	pid = fork();
	if (pid == 0) {
		int saved;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (tern_netns_enter(&ns, &saved) != 0)
			_exit(126);
		execlp("ping", "ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W",
		       "2", a, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		tern_sleep(&rig->sched, MS(50));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void client(void *arg)
{
	struct rig *r = arg;
	struct tern_sched *s = &r->sched;
	const struct tern_dhcp_client *core = tern_dhcp_core(&r->dhcp);
	const struct tern_dhcp_lease *l;
	uint32_t addr, gw, addrs[4], servers[3];
	unsigned prefix;
	char a[TERN_IPV4_STR_MAX];
	int rc;

	/* A lease, configured on the interface. */
	rc = tern_dhcp_wait_bound(&r->dhcp, tern_sched_now(s) + SEC(20));
	CHECK(rc == 0, "no lease: %d; dnsmasq log:\n%s", rc, slurp("log"));
	l = tern_dhcp_lease(&r->dhcp);
	CHECK(l != NULL, "no lease");
	tern_net_if_get_addr(&r->net, 0, &addr, &prefix, &gw);
	CHECK(addr == l->addr, "interface has %08x", addr);
	CHECK(addr >= 0x0a4e0064u && addr <= 0x0a4e0096u, "address %08x", addr);
	CHECK(prefix == 24, "prefix %u", prefix);
	CHECK(gw == SRV_IP, "gateway %08x", gw);
	CHECK(l->lease_s == 120, "lease %u s", l->lease_s);
	CHECK(l->t1_at - l->start == SEC(4), "T1 %lu ns",
	      (unsigned long)(l->t1_at - l->start));
	CHECK(tern_dns_resolver_servers(tern_dns_core(&r->dns), servers, 3) ==
			      1 &&
		      servers[0] == SRV_IP,
	      "DNS servers not set from the lease");
	tern_ipv4_format(addr, a);
	CHECK(strstr(slurp("leases"), a) != NULL, "lease file: %s",
	      slurp("leases"));

	/* The kernel reaches us on the leased address. */
	rc = ping_from_namespace(addr);
	CHECK(rc == 0, "ping from the namespace exited %d", rc);

	/* Names from dnsmasq. */
	rc = tern_dns_resolve_a(&r->dns, "www.test.tern", addrs, 4,
				tern_sched_now(s) + SEC(5));
	CHECK(rc == 1 && addrs[0] == WWW_IP, "www: %d %08x", rc, addrs[0]);
	rc = tern_dns_resolve_a(&r->dns, "alias.test.tern", addrs, 4,
				tern_sched_now(s) + SEC(5));
	CHECK(rc == 1 && addrs[0] == WWW_IP, "alias: %d %08x", rc, addrs[0]);
	rc = tern_dns_resolve_a(&r->dns, "missing.test.tern", addrs, 4,
				tern_sched_now(s) + SEC(5));
	CHECK(rc == -TERN_ENOENT, "missing: %d", rc);

	/* Two renewals, at T1 = 4 s each. */
	for (int i = 0; i < 100 && core->stats.renewed < 2; i++)
		tern_sleep(s, MS(200));
	CHECK(core->stats.renewed >= 2, "renewed %lu times",
	      (unsigned long)core->stats.renewed);
	CHECK(tern_dhcp_client_state(core) == TERN_DHCP_BOUND ||
		      tern_dhcp_client_state(core) == TERN_DHCP_RENEWING,
	      "state %s", tern_dhcp_state_name(tern_dhcp_client_state(core)));
	CHECK(core->stats.expired == 0 && core->stats.rx_nak == 0,
	      "expired %lu, NAKs %lu", (unsigned long)core->stats.expired,
	      (unsigned long)core->stats.rx_nak);

	/* RELEASE reaches dnsmasq; the address goes. */
	tern_dhcp_stop(&r->dhcp, true);
	tern_net_if_get_addr(&r->net, 0, &addr, NULL, NULL);
	CHECK(addr == 0, "address %08x after stop", addr);
	for (int i = 0; i < 50 && !strstr(slurp("log"), "DHCPRELEASE("); i++)
		tern_sleep(s, MS(100));
	CHECK(strstr(slurp("log"), "DHCPRELEASE(") != NULL,
	      "no DHCPRELEASE in the log:\n%s", slurp("log"));
	tern_dns_stop(&r->dns);
	r->done = true;
}

Test(dnsmasq, lease_renew_release_and_names)
{
	struct tern_net_config cfg;
	struct tern_dhcp_opts opts = { 0 };
	const char *log;
	int rc;

	rig = calloc(1, sizeof(*rig));
	tern_net_config_default(&cfg);
	cfg.seed = 7;
	cr_assert_eq(tern_net_init(&rig->net, &cfg), 0);
	cr_assert_eq(tern_net_add_if(&rig->net, &tap->dev), 0);
	tern_sched_init(&rig->sched);
	cr_assert_eq(tern_net_loop_start(&rig->loop, &rig->net, &rig->sched),
		     0);
	cr_assert_eq(tern_dns_start(&rig->dns, &rig->loop, NULL, 0), 0);
	opts.dns = &rig->dns;
	cr_assert_eq(tern_dhcp_start(&rig->dhcp, &rig->loop, 0, &opts), 0);
	cr_assert_eq(tern_fiber_spawn(&rig->sched, &rig->f, "client", client,
				      rig, 0),
		     0);
	rc = tern_sched_run(&rig->sched);
	tern_fiber_join(&rig->sched, &rig->f);
	tern_dhcp_print(&rig->dhcp);
	tern_dns_print(&rig->dns);
	tern_net_stats_print(&rig->net);
	tern_dhcp_stop(&rig->dhcp, false);
	tern_dns_stop(&rig->dns);
	tern_net_loop_stop(&rig->loop);
	cr_assert(rig->done, "%s", failure);
	cr_assert_eq(rc, 0);

	/* dnsmasq's view: a handshake, then renewals, then the release. */
	log = slurp("log");
	cr_assert_geq(count(log, "DHCPDISCOVER("), 1, "%s", log);
	cr_assert_geq(count(log, "DHCPACK("), 3, "%s", log);
	cr_assert_eq(count(log, "DHCPNAK("), 0, "%s", log);
	cr_assert_geq(count(log, "query[A] www.test.tern"), 1, "%s", log);
	cr_assert_geq(count(log, "query[A] missing.test.tern"), 1, "%s", log);
	/* Run the stack's timers out: every buffer is back in the pool. */
	for (uint64_t d = tern_net_next_deadline(&rig->net);
	     d != TERN_NO_DEADLINE;)
		d = tern_net_timers(&rig->net, d);
	cr_assert_eq(tern_net_pkts_in_use(&rig->net), 0);
	tern_net_fini(&rig->net);
	free(rig);
	rig = NULL;
}
