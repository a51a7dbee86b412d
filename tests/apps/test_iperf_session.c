/*
 * test_iperf_session.c - the iperf3 server (apps/iperf: acceptor, session,
 * data phase) against a small iperf3 client written here, on two stacks
 * joined by a perfect memlink under the virtual clock: the server on A,
 * the client on B.
 *
 *   - normal: two streams send 100,000 and 200,000 bytes; the server's
 *     results name streams 1 and 3 with exactly those counts;
 *   - reverse: -R -n 300,000 over two streams: the server queues exactly
 *     the budget, and its per-stream counts are what the client read;
 *   - busy: a stream with the wrong cookie and a second client during a
 *     test both get ACCESS_DENIED; the test still completes;
 *   - hostile: bad JSON, a huge length, a cut message, an unknown state, a
 *     short cookie, a silent client, unsupported parameters (SERVER_ERROR
 *     with iperf3's error number), CLIENT_TERMINATE, a test where no data
 *     moves: each is counted and its connection closed, and a normal test
 *     runs afterwards.
 *
 * Teardown: the server stopped and both its fibers joined, both stacks'
 * pools back to empty (duo_close).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iperf_json.h"
#include "iperf_server.h"
#include "net/util_duo.h"
#include "tern/byteorder.h"
#include "tern/err.h"

#define PORT 5201
#define SEC TERN_NSEC_PER_SEC
#define MS TERN_NSEC_PER_MSEC
#define COOKIE "abcdefghijklmnopqrstuvwxyz0123456789" /* 36 + NUL */
#define OTHER "zyxwvutsrqponmlkjihgfedcba9876543210"

struct rig {
	struct duo *d;
	struct iperf_server *srv;
	struct tern_fiber client;
	void (*scenario)(struct rig *r);
};

static uint64_t after(struct rig *r, uint64_t ns)
{
	return tern_sched_now(&r->d->sched) + ns;
}

/* ---- The client's side of the protocol ------------------------------- */

/* Connects s to the server and sends cookie (IPERF_COOKIE_SIZE bytes). */
static void open_conn(struct rig *r, struct tern_tsock *s, const char *cookie)
{
	cr_assert_eq(tern_tsock_connect(&r->d->lb, s, DUO_A_IP, PORT,
					after(r, SEC)),
		     0);
	cr_assert_eq(tern_tsock_write(s, cookie, IPERF_COOKIE_SIZE,
				      after(r, SEC)),
		     (int)IPERF_COOKIE_SIZE);
}

static void put_bytes(struct rig *r, struct tern_tsock *s, const void *p,
		      size_t len)
{
	cr_assert_eq(tern_tsock_write(s, p, len, after(r, SEC)), (int)len);
}

static void put_state(struct rig *r, struct tern_tsock *s, int8_t st)
{
	put_bytes(r, s, &st, 1);
}

/* Reads one state byte and checks it is want. */
static void expect_state(struct rig *r, struct tern_tsock *s, int8_t want)
{
	int8_t st = 0;

	cr_assert_eq(tern_tsock_read_full(s, &st, 1, after(r, 15 * SEC)), 1,
		     "no state byte (wanted %d)", want);
	cr_assert_eq(st, want, "state %d, wanted %d", st, want);
}

/* Sends text behind its 4-byte big-endian length. */
static void put_json(struct rig *r, struct tern_tsock *s, const char *text)
{
	uint8_t hdr[4];

	tern_store_be32(hdr, (uint32_t)strlen(text));
	put_bytes(r, s, hdr, sizeof(hdr));
	put_bytes(r, s, text, strlen(text));
}

/* Reads a length-prefixed text into buf (cap bytes). Returns its length. */
static size_t get_json(struct rig *r, struct tern_tsock *s, char *buf,
		       size_t cap)
{
	uint8_t hdr[4];
	uint32_t len;

	cr_assert_eq(tern_tsock_read_full(s, hdr, 4, after(r, SEC)), 4);
	len = tern_load_be32(hdr);
	cr_assert_lt(len, cap);
	cr_assert_eq(tern_tsock_read_full(s, buf, len, after(r, SEC)),
		     (int)len);
	buf[len] = '\0';
	return len;
}

/* The server ends the connection (FIN or RST) before wait passes; then
 * we close our side. */
static void expect_closed_in(struct rig *r, struct tern_tsock *s, uint64_t wait)
{
	uint64_t deadline = after(r, wait);
	char buf[64];
	int n;

	do
		n = tern_tsock_read(s, buf, sizeof(buf), deadline);
	while (n > 0);
	cr_assert(n == 0 || n == -TERN_ECONNRESET, "read: %d", n);
	tern_tsock_close(s);
}

/* expect_closed_in well within any of the server's control timeouts. */
static void expect_closed(struct rig *r, struct tern_tsock *s)
{
	expect_closed_in(r, s, 30 * SEC);
}

/* The parameters of iperf3 3.12 with parallel, reverse, num and len. */
static void params(char *buf, size_t cap, int parallel, bool reverse, long num,
		   long len)
{
	snprintf(buf, cap,
		 "{\"tcp\":true,\"omit\":0,\"time\":%d,\"num\":%ld,"
		 "\"blockcount\":0,\"parallel\":%d,%s\"len\":%ld,"
		 "\"pacing_timer\":1000,\"client_version\":\"3.12\"}",
		 num ? 0 : 10, num, parallel,
		 reverse ? "\"reverse\":true," : "", len);
}

/* One client test up to TEST_RUNNING: ctrl and n streams open. */
static void begin(struct rig *r, struct tern_tsock *ctrl, struct tern_tsock *st,
		  int n, bool reverse, long num, long len)
{
	char p[512];

	open_conn(r, ctrl, COOKIE);
	expect_state(r, ctrl, IPERF_PARAM_EXCHANGE);
	params(p, sizeof(p), n, reverse, num, len);
	put_json(r, ctrl, p);
	expect_state(r, ctrl, IPERF_CREATE_STREAMS);
	for (int i = 0; i < n; i++)
		open_conn(r, &st[i], COOKIE);
	expect_state(r, ctrl, IPERF_TEST_START);
	expect_state(r, ctrl, IPERF_TEST_RUNNING);
}

/* TEST_END to IPERF_DONE: sends our counts (bytes[i] for stream i) and
 * returns the server's results in *out. */
static void end(struct rig *r, struct tern_tsock *ctrl, struct tern_tsock *st,
		int n, const uint64_t *bytes, struct iperf_peer_results *out)
{
	char buf[2048];
	int k;
	size_t len;

	put_state(r, ctrl, IPERF_TEST_END);
	expect_state(r, ctrl, IPERF_EXCHANGE_RESULTS);
	k = snprintf(buf, sizeof(buf),
		     "{\"cpu_util_total\":1.5,\"cpu_util_user\":0.5,"
		     "\"cpu_util_system\":1,\"sender_has_retransmits\":"
		     "1.8446744073709552e+19,\"streams\":[");
	for (int i = 0; i < n; i++)
		k += snprintf(buf + k, sizeof(buf) - (size_t)k,
			      "%s{\"id\":%d,\"bytes\":%llu,\"retransmits\":0,"
			      "\"jitter\":0,\"errors\":0,\"packets\":0,"
			      "\"start_time\":0,\"end_time\":1.000012}",
			      i ? "," : "", i ? i + 2 : 1,
			      (unsigned long long)bytes[i]);
	snprintf(buf + k, sizeof(buf) - (size_t)k, "]}");
	put_json(r, ctrl, buf);
	len = get_json(r, ctrl, buf, sizeof(buf));
	cr_assert_eq(iperf_json_parse_results(buf, len, out), 0, "%s", buf);
	/* What iperf3's get_results insists on. */
	cr_assert(strstr(buf, "\"cpu_util_total\":") != NULL);
	cr_assert(strstr(buf, "\"sender_has_retransmits\":") != NULL);
	cr_assert(strstr(buf, "\"jitter\":0,\"errors\":0,\"packets\":0") !=
		  NULL);
	expect_state(r, ctrl, IPERF_DISPLAY_RESULTS);
	put_state(r, ctrl, IPERF_DONE);
	expect_closed(r, ctrl);
	for (int i = 0; i < n; i++)
		tern_tsock_close(&st[i]);
}

/* A normal test: stream i sends sizes[i] bytes. */
static void normal_test(struct rig *r, int n, const uint64_t *sizes)
{
	static uint8_t data[200000];
	struct tern_tsock ctrl, st[4];
	struct iperf_peer_results res;

	memset(data, 'x', sizeof(data));
	begin(r, &ctrl, st, n, false, 0, 131072);
	for (int i = 0; i < n; i++)
		put_bytes(r, &st[i], data, sizes[i]);
	tern_sleep(&r->d->sched, 200 * MS); /* all of it arrives */
	end(r, &ctrl, st, n, sizes, &res);
	cr_assert_eq(res.n, (unsigned)n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(res.streams[i].id, i ? i + 2 : 1);
		cr_assert_eq(res.streams[i].bytes, (int64_t)sizes[i]);
	}
}

/* ---- The rig ----------------------------------------------------------- */

static void client_fiber(void *arg)
{
	struct rig *r = arg;

	r->scenario(r);
	iperf_server_stop(r->srv);
}

static void run(void (*scenario)(struct rig *r), struct iperf_counters *c)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	r.d = duo_open(NULL, NULL, 3);
	r.srv = calloc(1, sizeof(*r.srv));
	cr_assert_not_null(r.srv);
	r.scenario = scenario;
	cr_assert_eq(iperf_server_start(r.srv, &r.d->la, &r.d->sched, PORT), 0);
	cr_assert_eq(tern_fiber_spawn(&r.d->sched, &r.client, "client",
				      client_fiber, &r, 0),
		     0);
	cr_assert_eq(tern_sched_run(&r.d->sched), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.client), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.srv->acceptor), 0);
	cr_assert_eq(tern_fiber_join(&r.d->sched, &r.srv->session), 0);
	*c = r.srv->c;
	for (unsigned i = 0; i < IPERF_SOCKS; i++)
		cr_assert_not(r.srv->pool[i].used, "socket %u held", i);
	free(r.srv);
	duo_close(r.d);
}

/* ---- Tests ------------------------------------------------------------- */

static void normal(struct rig *r)
{
	static const uint64_t sizes[2] = { 100000, 200000 };

	normal_test(r, 2, sizes);
}

Test(iperf_session, normal_two_streams)
{
	struct iperf_counters c;

	run(normal, &c);
	cr_assert_eq(c.tests, 1);
	cr_assert_eq(c.tests_failed, 0);
	cr_assert_eq(c.bytes_rx, 300000);
	cr_assert_eq(c.bytes_tx, 0);
}

#define BUDGET 300000

static void reverse(struct rig *r)
{
	struct tern_tsock ctrl, st[2];
	struct tern_tsock_poll set[2];
	struct iperf_peer_results res;
	uint64_t got[2] = { 0, 0 };
	char buf[8192];

	begin(r, &ctrl, st, 2, true, BUDGET, 16384);
	while (got[0] + got[1] < BUDGET) {
		for (int i = 0; i < 2; i++)
			set[i] = (struct tern_tsock_poll){
				.sock = &st[i], .events = TERN_TCP_EV_READ
			};
		cr_assert_gt(tern_tsock_poll(set, 2, after(r, SEC)), 0);
		for (int i = 0; i < 2; i++) {
			int n;

			if (!(set[i].revents & TERN_TCP_EV_READ))
				continue;
			n = tern_tsock_read(&st[i], buf, sizeof(buf),
					    after(r, SEC));
			cr_assert_gt(n, 0);
			got[i] += (uint64_t)n;
		}
	}
	cr_assert_eq(got[0] + got[1], BUDGET);
	/* Nothing beyond the budget comes. */
	for (int i = 0; i < 2; i++)
		set[i] = (struct tern_tsock_poll){ .sock = &st[i],
						   .events = TERN_TCP_EV_READ };
	cr_assert_eq(tern_tsock_poll(set, 2, after(r, 500 * MS)), 0);
	end(r, &ctrl, st, 2, got, &res);
	cr_assert_eq(res.n, 2);
	cr_assert_eq(res.streams[0].bytes, (int64_t)got[0]);
	cr_assert_eq(res.streams[1].bytes, (int64_t)got[1]);
}

Test(iperf_session, reverse_sends_exactly_the_budget)
{
	struct iperf_counters c;

	run(reverse, &c);
	cr_assert_eq(c.tests, 1);
	cr_assert_eq(c.bytes_tx, BUDGET);
}

static void busy(struct rig *r)
{
	static uint8_t data[50000];
	static const uint64_t sizes[1] = { sizeof(data) };
	struct tern_tsock ctrl, st, wrong, second;
	struct iperf_peer_results res;
	char p[512];

	open_conn(r, &ctrl, COOKIE);
	expect_state(r, &ctrl, IPERF_PARAM_EXCHANGE);
	params(p, sizeof(p), 1, false, 0, 131072);
	put_json(r, &ctrl, p);
	expect_state(r, &ctrl, IPERF_CREATE_STREAMS);
	/* A stream with another test's cookie. */
	open_conn(r, &wrong, OTHER);
	expect_state(r, &wrong, IPERF_ACCESS_DENIED);
	expect_closed(r, &wrong);
	open_conn(r, &st, COOKIE);
	expect_state(r, &ctrl, IPERF_TEST_START);
	expect_state(r, &ctrl, IPERF_TEST_RUNNING);
	/* A second client while the test runs. */
	open_conn(r, &second, OTHER);
	expect_state(r, &second, IPERF_ACCESS_DENIED);
	expect_closed(r, &second);
	put_bytes(r, &st, data, sizeof(data));
	tern_sleep(&r->d->sched, 200 * MS);
	end(r, &ctrl, &st, 1, sizes, &res);
	cr_assert_eq(res.streams[0].bytes, (int64_t)sizeof(data));
}

Test(iperf_session, busy_and_wrong_cookie_are_denied)
{
	struct iperf_counters c;

	run(busy, &c);
	cr_assert_eq(c.tests, 1);
	cr_assert_eq(c.denied, 2);
	cr_assert_eq(c.tests_failed, 0);
}

/* A control connection that sends raw bytes after PARAM_EXCHANGE and
 * must then be closed by the server. */
static void bad_params(struct rig *r, const void *bytes, size_t len)
{
	struct tern_tsock ctrl;

	open_conn(r, &ctrl, COOKIE);
	expect_state(r, &ctrl, IPERF_PARAM_EXCHANGE);
	put_bytes(r, &ctrl, bytes, len);
	tern_tsock_shutdown(&ctrl);
	expect_closed(r, &ctrl);
}

/* Parameters that the server refuses with SERVER_ERROR and ierr. */
static void refused(struct rig *r, const char *text, uint32_t ierr)
{
	struct tern_tsock ctrl;
	uint8_t msg[8];

	open_conn(r, &ctrl, COOKIE);
	expect_state(r, &ctrl, IPERF_PARAM_EXCHANGE);
	put_json(r, &ctrl, text);
	expect_state(r, &ctrl, IPERF_SERVER_ERROR);
	cr_assert_eq(tern_tsock_read_full(&ctrl, msg, 8, after(r, SEC)), 8);
	cr_assert_eq(tern_load_be32(msg), ierr);
	cr_assert_eq(tern_load_be32(msg + 4), 0);
	expect_closed(r, &ctrl);
}

/* A test that reaches TEST_RUNNING, then sends state st. */
static void running_then(struct rig *r, int8_t st)
{
	struct tern_tsock ctrl, s;

	begin(r, &ctrl, &s, 1, false, 0, 131072);
	put_state(r, &ctrl, st);
	expect_closed(r, &ctrl);
	expect_closed(r, &s);
}

static void hostile(struct rig *r)
{
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t cut[] = { 0, 0, 0, 100, '{', '"', 't' };
	static const uint8_t bad_json[] = { 0,	 0,   0,   11,	'{',
					    '"', 't', 'c', 'p', '"',
					    ':', 't', 'r', 'u', '}' };
	static const uint64_t sizes[1] = { 1000 };
	struct tern_tsock ctrl, s;

	bad_params(r, bad_json, sizeof(bad_json));
	bad_params(r, huge, sizeof(huge));
	bad_params(r, cut, sizeof(cut));
	refused(r, "{\"udp\":true,\"parallel\":1,\"len\":1460}",
		IPERF_IEPROTOCOL);
	refused(r, "{\"tcp\":true,\"parallel\":9}", IPERF_IENUMSTREAMS);
	refused(r, "{\"tcp\":true,\"len\":2097152}", IPERF_IEBLOCKSIZE);
	refused(r, "{\"tcp\":true,\"bidirectional\":true}", IPERF_IEUNIMP);
	running_then(r, 99);
	running_then(r, IPERF_CLIENT_TERMINATE);
	/* A -n test whose client never sends: dropped once idle. */
	begin(r, &ctrl, &s, 1, false, 1000000, 131072);
	expect_closed_in(r, &ctrl, IPERF_IDLE_NS + SEC);
	expect_closed(r, &s);
	/* A short cookie, then a silent client: both closed. */
	cr_assert_eq(tern_tsock_connect(&r->d->lb, &s, DUO_A_IP, PORT,
					after(r, SEC)),
		     0);
	put_bytes(r, &s, "short", 5);
	tern_tsock_shutdown(&s);
	expect_closed(r, &s);
	cr_assert_eq(tern_tsock_connect(&r->d->lb, &s, DUO_A_IP, PORT,
					after(r, SEC)),
		     0);
	expect_closed(r, &s);
	/* The server still serves. */
	normal_test(r, 1, sizes);
}

Test(iperf_session, hostile_clients_are_counted_and_closed)
{
	struct iperf_counters c;

	run(hostile, &c);
	cr_assert_eq(c.tests, 1);
	cr_assert_eq(c.bad_json, 2); /* the bad text, the huge length */
	cr_assert_eq(c.tests_refused, 4);
	cr_assert_eq(c.bad_state, 1);
	cr_assert_eq(c.terminated, 1);
	cr_assert_eq(c.bad_cookie, 2);
	cr_assert_eq(c.tests_failed, 6); /* the 10 minus the refusals */
	cr_assert_eq(c.bytes_rx, 1000);
}
