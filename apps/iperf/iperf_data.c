/*
 * iperf_data.c - the data phase of a test (iperf_server.h): one
 * tern_tsock_poll over the streams and the control connection until the
 * client's TEST_END.
 *
 * Receiving (normal mode), a readable stream is drained without a copy:
 * tern_tcp_peek lends each piece in its packet buffer and
 * tern_tcp_consume drops it, so counting costs no memcpy. Sending
 * (reverse), a writable stream is filled from one block of min(len,
 * IPERF_BLOCK_MAX) bytes until its send ring is full or the test's byte
 * budget (-n, -k) is queued; a stream out of budget leaves the poll.
 * Neither loop can hold the fiber for long: nothing new arrives and no
 * ring drains until the fiber yields back to the network loop.
 *
 * A test ends at TEST_END; it is dropped when the control connection
 * breaks, a client sends another state, no socket was ready for
 * IPERF_IDLE_NS (a client that stopped reading or sending), or TEST_END
 * is late by IPERF_GRACE_NS after omit + time.
 *
 * With -O the counts restart once the omitted seconds have passed, like
 * iperf3's omit timer; the test's start is then the end of the omission.
 */
#include "iperf_server.h"
#include "tern/err.h"

#define NS_PER_S 1000000000ull
#define TIME_MAX 86400 /* iperf3's MAX_TIME: the cap for -n and -k tests */

/* Counts what stream st has to read. Marks it done at the end of the
 * stream or on an error. */
static void drain(struct iperf_server *srv, struct iperf_stream *st)
{
	struct tern_tcp *c = st->s->sock.tcp;

	for (;;) {
		const uint8_t *data;
		size_t len;
		int err = tern_tcp_peek(c, &data, &len);

		if (err == -TERN_EAGAIN)
			return;
		if (err < 0 || len == 0) {
			st->done = true;
			return;
		}
		st->bytes += len;
		tern_tcp_consume(c, len, tern_net_loop_now(srv->loop));
	}
}

/* Fills stream st's send ring from the block, up to the budget. */
static void fill(struct iperf_server *srv, struct iperf_stream *st, size_t blk)
{
	struct tern_tcp *c = st->s->sock.tcp;

	while (srv->left > 0) {
		size_t len = blk < srv->left ? blk : (size_t)srv->left;
		int n = tern_tcp_send(c, srv->block, len,
				      tern_net_loop_now(srv->loop));

		if (n == -TERN_EAGAIN)
			return;
		if (n <= 0) {
			st->done = true;
			return;
		}
		st->bytes += (uint64_t)n;
		srv->left -= (uint64_t)n;
	}
}

/* Reads the control byte that poll found. Returns 1 for TEST_END, 0 to go
 * on (nothing yet), -TERN_EPIPE at the end of the connection or on its
 * error, or iperf_bad_state's codes for another state. */
static int ctrl_byte(struct iperf_server *srv)
{
	int8_t st;
	int n = tern_tcp_recv(srv->ctrl->sock.tcp, &st, 1,
			      tern_net_loop_now(srv->loop));

	if (n == -TERN_EAGAIN)
		return 0;
	if (n != 1)
		return -TERN_EPIPE;
	return st == IPERF_TEST_END ? 1 : iperf_bad_state(srv, st);
}

/* The bytes a sending test queues in all: -n, else -k blocks of -l, else
 * no limit. */
static uint64_t budget(const struct iperf_params *p)
{
	if (p->num > 0)
		return (uint64_t)p->num;
	if (p->blockcount > 0 &&
	    (uint64_t)p->blockcount <= UINT64_MAX / (uint64_t)p->len)
		return (uint64_t)p->blockcount * (uint64_t)p->len;
	return UINT64_MAX;
}

/* Zeroes the counts and the retransmission baselines and refills the
 * budget: the start of the measured part of the test. */
static void restart(struct iperf_server *srv, uint64_t now)
{
	srv->left = budget(&srv->params);
	for (unsigned i = 0; i < srv->n_streams; i++) {
		struct iperf_stream *st = &srv->streams[i];
		struct tern_tcp_info info;

		st->bytes = 0;
		if (st->s->sock.tcp) {
			tern_tcp_get_info(st->s->sock.tcp, &info);
			st->retrans_base = info.retransmits;
		}
	}
	srv->start_ns = now;
}

/* At TEST_END: the end time and each sending stream's retransmissions. */
static void finish(struct iperf_server *srv, bool sending)
{
	srv->end_ns = tern_net_loop_now(srv->loop);
	for (unsigned i = 0; i < srv->n_streams; i++) {
		struct iperf_stream *st = &srv->streams[i];
		struct tern_tcp_info info;

		st->retransmits = -1;
		if (sending && st->s->sock.tcp) {
			tern_tcp_get_info(st->s->sock.tcp, &info);
			st->retransmits = info.retransmits - st->retrans_base;
		}
	}
}

/* Seconds of a parameter, clamped to 0..TIME_MAX. */
static uint64_t secs(int64_t v)
{
	return v < 0 ? 0 : v > TIME_MAX ? TIME_MAX : (uint64_t)v;
}

/* Whether stream st takes part in the next poll. */
static bool active(const struct iperf_server *srv,
		   const struct iperf_stream *st, bool sending)
{
	return !st->done && (!sending || srv->left > 0);
}

int iperf_data_run(struct iperf_server *srv)
{
	struct tern_tsock_poll set[IPERF_MAX_STREAMS + 1];
	struct iperf_stream *who[IPERF_MAX_STREAMS];
	const struct iperf_params *p = &srv->params;
	bool sending = p->seen & IPERF_P_REVERSE;
	unsigned ev = sending ? TERN_TCP_EV_WRITE : TERN_TCP_EV_READ;
	size_t blk = (size_t)p->len < IPERF_BLOCK_MAX ? (size_t)p->len
						      : IPERF_BLOCK_MAX;
	uint64_t now = tern_net_loop_now(srv->loop);
	uint64_t omit_end = now + secs(p->omit) * NS_PER_S;
	uint64_t deadline =
		omit_end + (p->time > 0 ? secs(p->time) : TIME_MAX) * NS_PER_S +
		IPERF_GRACE_NS;
	uint64_t moved = now; /* when a socket was last ready */
	bool omitting = p->omit > 0;

	for (size_t i = 0; i < blk; i++)
		srv->block[i] = (uint8_t)('0' + i % 10);
	restart(srv, now);
	for (;;) {
		uint64_t wake = moved + IPERF_IDLE_NS;
		unsigned n = 0;
		int r;

		for (unsigned i = 0; i < srv->n_streams; i++) {
			if (!active(srv, &srv->streams[i], sending))
				continue;
			who[n] = &srv->streams[i];
			set[n].sock = &srv->streams[i].s->sock;
			set[n].events = ev;
			n++;
		}
		set[n].sock = &srv->ctrl->sock;
		set[n].events = TERN_TCP_EV_READ;
		if (deadline < wake)
			wake = deadline;
		if (omitting && omit_end < wake)
			wake = omit_end;
		r = tern_tsock_poll(set, n + 1, wake);
		now = tern_net_loop_now(srv->loop);
		if (omitting && now >= omit_end) {
			omitting = false;
			restart(srv, now);
		}
		if (r == 0) {
			if (now >= deadline || now >= moved + IPERF_IDLE_NS)
				return -TERN_ETIMEDOUT;
			continue;
		}
		moved = now;
		for (unsigned k = 0; k < n; k++) {
			if (!set[k].revents)
				continue;
			if (sending)
				fill(srv, who[k], blk);
			else
				drain(srv, who[k]);
		}
		if (set[n].revents) {
			r = ctrl_byte(srv);
			if (r < 0)
				return r;
			if (r == 1) {
				finish(srv, sending);
				return 0;
			}
		}
	}
}
