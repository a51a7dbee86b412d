/*
 * iperf_accept.c - the acceptor fiber of iperf_server.h: takes every
 * connection to the port into a pooled socket and decides what it is by
 * the server's phase. Idle: the control connection of a new test (its
 * cookie is read here, then the session is woken). Waiting for streams:
 * a data stream if its cookie matches. Otherwise it is refused with
 * ACCESS_DENIED, as iperf3 refuses a second client.
 *
 * Reading a cookie blocks the acceptor for up to IPERF_CTRL_NS, and a
 * refusal for up to IPERF_DENY_NS (the peer must get the byte before we
 * close: closing with its cookie unread would reset the connection and
 * could destroy the byte); connections meanwhile wait in the backlog.
 */
#include <string.h>

#include "iperf_server.h"
#include "tern/assert.h"
#include "tern/err.h"

/* A free pooled socket; there is always one, since a test holds at most
 * a control and IPERF_MAX_STREAMS streams. */
static struct iperf_sock *sock_get(struct iperf_server *srv)
{
	for (unsigned i = 0; i < IPERF_SOCKS; i++) {
		if (!srv->pool[i].used) {
			srv->pool[i].used = true;
			return &srv->pool[i];
		}
	}
	TERN_ASSERT(!"iperf: socket pool empty");
	return NULL;
}

void iperf_sock_put(struct iperf_sock *s)
{
	if (s->sock.tcp)
		tern_tsock_abort(&s->sock);
	s->used = false;
}

/* A deadline ns after the loop's current time. */
static uint64_t after(const struct iperf_server *srv, uint64_t ns)
{
	return tern_net_loop_now(srv->loop) + ns;
}

/* Sends ACCESS_DENIED, half-closes and gives the peer IPERF_DENY_NS to
 * close its side, then releases s. */
static void deny(struct iperf_server *srv, struct iperf_sock *s)
{
	const int8_t st = IPERF_ACCESS_DENIED;

	srv->c.denied++;
	if (tern_tsock_write(&s->sock, &st, 1, after(srv, IPERF_DENY_NS)) == 1)
		tern_tsock_close_wait(&s->sock, after(srv, IPERF_DENY_NS));
	iperf_sock_put(s);
}

/* Reads the IPERF_COOKIE_SIZE-byte cookie of s into out. Returns true if
 * it came whole in time. */
static bool read_cookie(struct iperf_server *srv, struct iperf_sock *s,
			char *out)
{
	int n = tern_tsock_read_full(&s->sock, out, IPERF_COOKIE_SIZE,
				     after(srv, IPERF_CTRL_NS));

	if (n == (int)IPERF_COOKIE_SIZE)
		return true;
	srv->c.bad_cookie++;
	return false;
}

/* Idle: s becomes the control connection of a new test. */
static void take_control(struct iperf_server *srv, struct iperf_sock *s)
{
	if (!read_cookie(srv, s, srv->cookie) || srv->stopping) {
		iperf_sock_put(s);
		return;
	}
	/* Control messages are single bytes: Nagle would hold each behind
	 * the peer's delayed ACK. */
	tern_tcp_set_nodelay(s->sock.tcp, true);
	srv->ctrl = s;
	srv->phase = IPERF_SETUP;
	tern_waitq_wake_all(srv->sched, &srv->wake);
}

/* Setting up: s is a stream of the test if its cookie matches. */
static void take_stream(struct iperf_server *srv, struct iperf_sock *s)
{
	char cookie[IPERF_COOKIE_SIZE];
	struct iperf_stream *st;

	if (!read_cookie(srv, s, cookie)) {
		iperf_sock_put(s);
		return;
	}
	if (srv->phase != IPERF_STREAMS ||
	    memcmp(cookie, srv->cookie, IPERF_COOKIE_SIZE) != 0) {
		deny(srv, s);
		return;
	}
	st = &srv->streams[srv->n_streams++];
	memset(st, 0, sizeof(*st));
	st->s = s;
	if (srv->n_streams == srv->want_streams) {
		srv->phase = IPERF_RUNNING;
		tern_waitq_wake_all(srv->sched, &srv->wake);
	}
}

void iperf_acceptor(void *arg)
{
	struct iperf_server *srv = arg;

	for (;;) {
		struct iperf_sock *s = sock_get(srv);

		if (tern_tsock_accept(&srv->listener, &s->sock,
				      TERN_NO_DEADLINE) < 0) {
			s->used = false;
			return;
		}
		if (srv->stopping) {
			iperf_sock_put(s);
			return;
		}
		switch (srv->phase) {
		case IPERF_IDLE:
			take_control(srv, s);
			break;
		case IPERF_STREAMS:
			take_stream(srv, s);
			break;
		default:
			deny(srv, s);
			break;
		}
	}
}
