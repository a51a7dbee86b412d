/*
 * tcp_echo.c - the echo app's TCP side: every worker fiber takes the next
 * connection from the shared listener (they all wait on it; the first one
 * woken takes it, the others wait again), echoes it to the end and goes
 * back for another.
 *
 * An echo costs two copies: the stack's receive buffers into the worker's
 * buffer, and that into the connection's send ring. The worker reads what
 * is there (up to TCP_ECHO_BUF) and writes all of it before reading again,
 * so a peer that stops reading stops being read (flow control both ways)
 * instead of filling memory.
 */
#include "tcp_echo.h"

#include "tern/dev.h"
#include "tern/err.h"
#include "tern/print.h"

/* A deadline TCP_ECHO_IDLE_NS after the loop's current time. */
static uint64_t idle_deadline(const struct tcp_echo *te)
{
	return tern_net_loop_now(te->loop) + TCP_ECHO_IDLE_NS;
}

/* Echoes w's connection until the peer's FIN (then shuts down our side
 * and closes: the stack sends what is still queued, then FIN) or an error
 * or idle timeout (then resets it). Counts the outcome in te. */
static void serve_conn(struct tcp_echo *te, struct tcp_echo_worker *w)
{
	int n;

	for (;;) {
		n = tern_tsock_read(&w->conn, w->buf, sizeof(w->buf),
				    idle_deadline(te));
		if (n <= 0)
			break;
		n = tern_tsock_write(&w->conn, w->buf, (size_t)n,
				     idle_deadline(te));
		if (n < 0)
			break;
		te->bytes += (uint64_t)n;
	}
	if (n == 0) {
		tern_tsock_shutdown(&w->conn);
		tern_tsock_close(&w->conn);
		te->completed++;
		return;
	}
	if (n == -TERN_ETIMEDOUT && tern_tcp_error(w->conn.tcp) == 0)
		te->idle++;
	else
		te->failed++;
	tern_tsock_abort(&w->conn);
}

/* A worker fiber: accepts and serves connections until the listener is
 * gone. */
static void worker(void *arg)
{
	struct tcp_echo_worker *w = arg;
	struct tcp_echo *te = w->te;

	while (tern_tsock_accept(&te->listener, &w->conn, TERN_NO_DEADLINE) ==
	       0) {
		te->served++;
		te->active++;
		serve_conn(te, w);
		te->active--;
	}
}

int tcp_echo_start(struct tcp_echo *te, struct tern_net_loop *loop,
		   struct tern_sched *s, uint16_t port)
{
	int err;

	te->loop = loop;
	te->port = port;
	/* Lives as long as the app, like the listener: never freed. */
	te->workers = tern_mem_alloc(TCP_ECHO_WORKERS * sizeof(*te->workers));
	if (!te->workers)
		return -TERN_ENOMEM;
	err = tern_tsock_listen(loop, &te->listener, 0, port, TCP_ECHO_BACKLOG);
	if (err < 0)
		return err;
	for (unsigned i = 0; i < TCP_ECHO_WORKERS; i++) {
		struct tcp_echo_worker *w = &te->workers[i];

		w->te = te;
		err = tern_fiber_spawn(s, &w->fiber, "tcp-echo", worker, w, 0);
		if (err < 0)
			return err;
	}
	return 0;
}

void tcp_echo_print(const struct tcp_echo *te)
{
	tern_printf("echo: tcp port %u: %llu connections served (%llu ended "
		    "by the peer, %llu by an error, %llu idle, %u open), %llu "
		    "bytes echoed\n",
		    te->port, (unsigned long long)te->served,
		    (unsigned long long)te->completed,
		    (unsigned long long)te->failed,
		    (unsigned long long)te->idle, te->active,
		    (unsigned long long)te->bytes);
}
