/*
 * iperf_session.c - the session fiber of iperf_server.h: waits for the
 * acceptor to hand it a control connection, then runs one test's control
 * protocol (parameters, streams, start, the data phase of iperf_data.c,
 * results, done), prints one line about it and releases every socket.
 *
 * Each control step has IPERF_CTRL_NS to finish; a client that stalls or
 * breaks the protocol loses its test (counted in tests_failed, and by
 * reason: bad JSON, a bad state, CLIENT_TERMINATE) and its connections
 * are reset. Parameters we do not serve get SERVER_ERROR with iperf3's
 * error number, which the client prints, and a graceful close (counted
 * in tests_refused only).
 */
#include "iperf_server.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/print.h"

#define LEN_DEFAULT (128u * 1024u) /* iperf3's TCP block */
#define LEN_MAX (1024u * 1024u)	   /* iperf3's MAX_BLOCKSIZE */

static uint64_t after(const struct iperf_server *srv, uint64_t ns)
{
	return tern_net_loop_now(srv->loop) + ns;
}

/* Writes len bytes on the control connection. Returns 0 or an error. */
static int ctrl_write(struct iperf_server *srv, const void *data, size_t len)
{
	int n = tern_tsock_write(&srv->ctrl->sock, data, len,
				 after(srv, IPERF_CTRL_NS));

	return n < 0 ? n : 0;
}

/* Sends one state byte. */
static int send_state(struct iperf_server *srv, int8_t state)
{
	return ctrl_write(srv, &state, 1);
}

/* Sends a JSON text behind its 4-byte big-endian length. */
static int send_json(struct iperf_server *srv, const char *text, size_t len)
{
	uint8_t hdr[4];
	int err;

	tern_store_be32(hdr, (uint32_t)len);
	err = ctrl_write(srv, hdr, sizeof(hdr));
	return err < 0 ? err : ctrl_write(srv, text, len);
}

/* Reads a length-prefixed JSON text into srv->json. Returns its length,
 * -TERN_EMSGSIZE (longer than IPERF_PARAMS_MAX), -TERN_EPIPE (the
 * connection ended first) or a read error. */
static int read_json(struct iperf_server *srv)
{
	uint8_t hdr[4];
	uint32_t len;
	int n;

	n = tern_tsock_read_full(&srv->ctrl->sock, hdr, sizeof(hdr),
				 after(srv, IPERF_CTRL_NS));
	if (n >= 0 && n < (int)sizeof(hdr))
		return -TERN_EPIPE;
	if (n < 0)
		return n;
	len = tern_load_be32(hdr);
	if (len > IPERF_PARAMS_MAX) {
		srv->c.bad_json++;
		return -TERN_EMSGSIZE;
	}
	n = tern_tsock_read_full(&srv->ctrl->sock, srv->json, len,
				 after(srv, IPERF_CTRL_NS));
	if (n >= 0 && (uint32_t)n < len)
		return -TERN_EPIPE;
	return n;
}

/* What the console says about a refusal with iperf3 error ierr. */
static const char *refusal(int32_t ierr)
{
	switch (ierr) {
	case IPERF_IEPROTOCOL:
		return "only TCP is served";
	case IPERF_IEUNIMP:
		return "bidirectional tests are not served";
	case IPERF_IENUMSTREAMS:
		return "too many parallel streams";
	default:
		return "block too large";
	}
}

/* Refuses the test: SERVER_ERROR, iperf3's error number, errno 0. */
static int refuse(struct iperf_server *srv, int32_t ierr)
{
	uint8_t msg[9];

	tern_printf("iperf: test refused: %s (iperf3 error %d)\n",
		    refusal(ierr), (int)ierr);

	msg[0] = (uint8_t)(int8_t)IPERF_SERVER_ERROR;
	tern_store_be32(msg + 1, (uint32_t)ierr);
	tern_store_be32(msg + 5, 0);
	srv->c.tests_refused++;
	ctrl_write(srv, msg, sizeof(msg));
	return -TERN_ENOTSUP;
}

/* Checks and completes the parameters (defaults for parallel and len).
 * Returns 0 or the iperf3 error number to refuse with. */
static int32_t check_params(struct iperf_params *p)
{
	if (p->seen & (IPERF_P_UDP | IPERF_P_SCTP))
		return IPERF_IEPROTOCOL;
	if (p->seen & IPERF_P_BIDIR)
		return IPERF_IEUNIMP;
	if (!(p->seen & IPERF_P_PARALLEL))
		p->parallel = 1;
	if (p->parallel < 1 || p->parallel > (int64_t)IPERF_MAX_STREAMS)
		return IPERF_IENUMSTREAMS;
	if (p->len == 0)
		p->len = LEN_DEFAULT;
	if (p->len < 0 || p->len > (int64_t)LEN_MAX)
		return IPERF_IEBLOCKSIZE;
	return 0;
}

/* Parameters: asks for them, parses and checks them. */
static int exchange_params(struct iperf_server *srv)
{
	int32_t ierr;
	int n;

	n = send_state(srv, IPERF_PARAM_EXCHANGE);
	if (n == 0)
		n = read_json(srv);
	if (n < 0)
		return n;
	if (iperf_json_parse_params(srv->json, (size_t)n, &srv->params) < 0) {
		srv->c.bad_json++;
		return -TERN_EBADMSG;
	}
	ierr = check_params(&srv->params);
	return ierr ? refuse(srv, ierr) : 0;
}

/* Streams: asks for them and waits until the acceptor has them all. */
static int create_streams(struct iperf_server *srv)
{
	uint64_t deadline = after(srv, IPERF_CTRL_NS);
	int err;

	srv->n_streams = 0;
	srv->want_streams = (unsigned)srv->params.parallel;
	srv->phase = IPERF_STREAMS;
	err = send_state(srv, IPERF_CREATE_STREAMS);
	while (err == 0 && srv->phase == IPERF_STREAMS)
		err = tern_waitq_wait(srv->sched, &srv->wake, deadline);
	return err;
}

/* Our results: one entry per stream, times from the test's start. */
static int send_results(struct iperf_server *srv)
{
	struct iperf_stream_result res[IPERF_MAX_STREAMS];
	struct iperf_results r;
	bool sending = srv->params.seen & IPERF_P_REVERSE;
	uint64_t end_us = (srv->end_ns - srv->start_ns) / 1000;
	int n;

	for (unsigned i = 0; i < srv->n_streams; i++) {
		/* iperf3 numbers streams 1, 3, 4, 5, ... in connection order
		 * on both sides (its iperf_add_stream). */
		res[i].id = i == 0 ? 1 : i + 2;
		res[i].bytes = srv->streams[i].bytes;
		res[i].retransmits = srv->streams[i].retransmits;
		res[i].start_us = 0;
		res[i].end_us = end_us;
	}
	r.sender_has_retransmits = sending ? 1 : -1;
	r.n = srv->n_streams;
	r.streams = res;
	n = iperf_json_write_results(srv->json, sizeof(srv->json), &r);
	return n < 0 ? n : send_json(srv, srv->json, (size_t)n);
}

/* Results both ways, then DISPLAY_RESULTS and the client's IPERF_DONE. */
static int exchange_results(struct iperf_server *srv)
{
	int8_t st;
	int n;

	n = send_state(srv, IPERF_EXCHANGE_RESULTS);
	if (n == 0)
		n = read_json(srv);
	if (n < 0)
		return n;
	if (iperf_json_parse_results(srv->json, (size_t)n, &srv->peer) < 0) {
		srv->c.bad_json++;
		return -TERN_EBADMSG;
	}
	n = send_results(srv);
	if (n == 0)
		n = send_state(srv, IPERF_DISPLAY_RESULTS);
	if (n == 0)
		n = tern_tsock_read(&srv->ctrl->sock, &st, 1,
				    after(srv, IPERF_CTRL_NS));
	if (n < 0)
		return n;
	if (n == 0)
		return -TERN_EPIPE;
	return st == IPERF_DONE ? 0 : iperf_bad_state(srv, st);
}

int iperf_bad_state(struct iperf_server *srv, int8_t st)
{
	if (st == IPERF_CLIENT_TERMINATE) {
		srv->c.terminated++;
		return -TERN_ECANCELED;
	}
	srv->c.bad_state++;
	tern_printf("iperf: unexpected state %d from the client\n", st);
	return -TERN_EBADMSG;
}

/* Prints one line about the finished test: what we moved, its rate, and
 * what the client counted. */
static void print_test(const struct iperf_server *srv)
{
	bool rev = srv->params.seen & IPERF_P_REVERSE;
	uint64_t bytes = 0, peer = 0;
	uint64_t us = (srv->end_ns - srv->start_ns) / 1000;
	uint64_t centi; /* Mbit/s * 100 */

	for (unsigned i = 0; i < srv->n_streams; i++)
		bytes += srv->streams[i].bytes;
	for (unsigned i = 0; i < srv->peer.n; i++)
		peer += (uint64_t)srv->peer.streams[i].bytes;
	centi = us ? bytes * 800 / us : 0;
	tern_printf("iperf: test %llu: %s streams=%u len=%lld %s=%llu bytes "
		    "in %llu.%03llu s = %llu.%02llu Mbit/s, client %s=%llu\n",
		    (unsigned long long)srv->c.tests,
		    rev ? "reverse" : "normal", srv->n_streams,
		    (long long)srv->params.len, rev ? "sent" : "received",
		    (unsigned long long)bytes,
		    (unsigned long long)(us / 1000000),
		    (unsigned long long)(us / 1000 % 1000),
		    (unsigned long long)(centi / 100),
		    (unsigned long long)(centi % 100),
		    rev ? "received" : "sent", (unsigned long long)peer);
}

/* Runs one test on srv->ctrl. Returns 0 once the client said IPERF_DONE,
 * or the error that ended it. */
static int run_test(struct iperf_server *srv)
{
	int err;

	srv->n_streams = 0;
	srv->peer.n = 0;
	srv->step = "parameters";
	err = exchange_params(srv);
	if (err == 0) {
		srv->step = "streams";
		err = create_streams(srv);
	}
	if (err == 0)
		err = send_state(srv, IPERF_TEST_START);
	if (err == 0)
		err = send_state(srv, IPERF_TEST_RUNNING);
	if (err == 0) {
		srv->step = "data";
		err = iperf_data_run(srv);
	}
	for (unsigned i = 0; i < srv->n_streams; i++) {
		struct iperf_stream *st = &srv->streams[i];

		if (srv->params.seen & IPERF_P_REVERSE)
			srv->c.bytes_tx += st->bytes;
		else
			srv->c.bytes_rx += st->bytes;
		/* Like iperf3: the streams close at TEST_END. A receiving
		 * stream with data still arriving is reset by the stack. */
		tern_tsock_close(&st->s->sock);
		iperf_sock_put(st->s);
	}
	if (err == 0) {
		srv->step = "results";
		err = exchange_results(srv);
	}
	return err;
}

/* Ends a test that failed with err: a refusal (-TERN_ENOTSUP, already
 * printed) is a message the client must still read, so the control
 * connection ends gracefully; anything else is reset by iperf_sock_put. */
static void drop_test(struct iperf_server *srv, int err)
{
	if (err == -TERN_ENOTSUP) {
		tern_tsock_close_wait(&srv->ctrl->sock,
				      after(srv, IPERF_DENY_NS));
		return;
	}
	srv->c.tests_failed++;
	tern_printf("iperf: test dropped at %s: %s\n", srv->step,
		    err == -TERN_ECANCELED ? "the client terminated"
					   : tern_strerror(err));
}

void iperf_session(void *arg)
{
	struct iperf_server *srv = arg;

	for (;;) {
		int err;

		while (srv->phase != IPERF_SETUP) {
			if (srv->stopping)
				return;
			tern_waitq_wait(srv->sched, &srv->wake,
					TERN_NO_DEADLINE);
		}
		err = run_test(srv);
		if (err == 0) {
			srv->c.tests++;
			print_test(srv);
			tern_tsock_close_wait(&srv->ctrl->sock,
					      after(srv, IPERF_CTRL_NS));
		} else {
			drop_test(srv, err);
		}
		iperf_sock_put(srv->ctrl);
		srv->ctrl = NULL;
		srv->n_streams = 0;
		srv->phase = IPERF_IDLE;
	}
}
