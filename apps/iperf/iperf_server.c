/*
 * iperf_server.c - starting the iperf3 server of iperf_server.h (the
 * listener and its two fibers) and its report.
 */
#include <string.h>

#include "iperf_server.h"
#include "tern/print.h"

/* Established connections waiting for the acceptor: a test's streams
 * arrive together, and a refusal holds the acceptor for a while. */
#define BACKLOG 16u

int iperf_server_start(struct iperf_server *srv, struct tern_net_loop *loop,
		       struct tern_sched *s, uint16_t port)
{
	int err;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	srv->sched = s;
	srv->port = port;
	srv->phase = IPERF_IDLE;
	tern_waitq_init(&srv->wake);
	err = tern_tsock_listen(loop, &srv->listener, 0, port, BACKLOG);
	if (err < 0)
		return err;
	err = tern_fiber_spawn(s, &srv->session, "iperf-session", iperf_session,
			       srv, 0);
	if (err < 0)
		return err;
	return tern_fiber_spawn(s, &srv->acceptor, "iperf-accept",
				iperf_acceptor, srv, 0);
}

void iperf_server_stop(struct iperf_server *srv)
{
	srv->stopping = true;
	tern_tsock_close(&srv->listener);
	tern_waitq_wake_all(srv->sched, &srv->wake);
}

void iperf_server_print(const struct iperf_server *srv)
{
	const struct iperf_counters *c = &srv->c;

	tern_printf("iperf: tcp port %u: %llu tests run, %llu failed, %llu "
		    "refused, %llu terminated by the client; %llu "
		    "connections denied, %llu without a cookie, %llu bad "
		    "JSON, %llu bad states\n",
		    srv->port, (unsigned long long)c->tests,
		    (unsigned long long)c->tests_failed,
		    (unsigned long long)c->tests_refused,
		    (unsigned long long)c->terminated,
		    (unsigned long long)c->denied,
		    (unsigned long long)c->bad_cookie,
		    (unsigned long long)c->bad_json,
		    (unsigned long long)c->bad_state);
	tern_printf("iperf: bytes received %llu, bytes sent %llu\n",
		    (unsigned long long)c->bytes_rx,
		    (unsigned long long)c->bytes_tx);
}
