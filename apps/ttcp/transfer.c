/*
 * transfer.c - ttcp's writer and reader fibers. The writer fills its chunk
 * from the PRNG and digests it before handing it to the connection, so the
 * digest is of exactly the bytes queued; the reader digests what it read.
 * Each ends its own direction; the second to finish closes the connection,
 * and an error in either aborts it, which wakes the other.
 */
#include "transfer.h"

#include "tern/err.h"
#include "tern/inet.h"
#include "tern/print.h"

static uint64_t idle_deadline(const struct ttcp_transfer *t)
{
	return tern_net_loop_now(t->loop) + TTCP_IDLE_NS;
}

/* Ends direction d with err (0 or -TERN_E*). */
static void finish(struct ttcp_transfer *t, struct ttcp_dir *d, int err)
{
	d->err = err;
	tern_sha256_final(&d->sha, d->digest);
	if (err < 0 && t->done == 0)
		tern_tsock_abort(&t->conn);
	if (++t->done < 2)
		return;
	t->ended = tern_net_loop_now(t->loop);
	tern_tsock_close(&t->conn);
}

static void reader(void *arg);

/* The client fiber: connects, starts the reader, then writes. */
static void writer(void *arg)
{
	struct ttcp_transfer *t = arg;
	struct ttcp_dir *d = &t->sent;
	int err;

	err = tern_tsock_connect(t->loop, &t->conn, t->dst, t->port,
				 idle_deadline(t));
	if (err < 0) {
		t->connect_err = err;
		return;
	}
	t->started = tern_net_loop_now(t->loop);
	err = tern_fiber_spawn(t->loop->sched, &t->reader, "ttcp-reader",
			       reader, t, 0);
	if (err < 0) {
		/* The reader's direction ends with the writer's. */
		finish(t, &t->received, err);
		finish(t, d, err);
		return;
	}
	while (d->bytes < t->to_send) {
		uint64_t left = t->to_send - d->bytes;
		size_t n = left < TTCP_CHUNK ? (size_t)left : TTCP_CHUNK;

		tern_rand_fill(&t->rand, d->buf, n);
		tern_sha256_update(&d->sha, d->buf, n);
		err = tern_tsock_write(&t->conn, d->buf, n, idle_deadline(t));
		if (err < 0)
			break;
		d->bytes += n;
		err = 0;
	}
	/* With nothing to send, our FIN waits for the peer's: some servers
	 * (nc) stop sending when they see the end of our stream. */
	if (err == 0 && t->to_send)
		err = tern_tsock_shutdown(&t->conn);
	finish(t, d, err);
}

static void reader(void *arg)
{
	struct ttcp_transfer *t = arg;
	struct ttcp_dir *d = &t->received;
	int n;

	while ((n = tern_tsock_read(&t->conn, d->buf, sizeof(d->buf),
				    idle_deadline(t))) > 0) {
		tern_sha256_update(&d->sha, d->buf, (size_t)n);
		d->bytes += (uint64_t)n;
	}
	finish(t, d, n);
}

int ttcp_transfer_start(struct ttcp_transfer *t, struct tern_net_loop *loop,
			struct tern_sched *s, uint32_t dst, uint16_t port,
			uint64_t to_send, uint64_t seed)
{
	t->loop = loop;
	t->dst = dst;
	t->port = port;
	t->to_send = to_send;
	tern_rand_seed(&t->rand, seed);
	tern_sha256_init(&t->sent.sha);
	tern_sha256_init(&t->received.sha);
	return tern_fiber_spawn(s, &t->writer, "ttcp-writer", writer, t, 0);
}

/* Prints one direction: "ttcp: sent N bytes sha256=HEX" (and its error). */
static void print_dir(const char *what, const struct ttcp_dir *d)
{
	char hex[TERN_SHA256_HEX_LEN];

	tern_printf("ttcp: %s %llu bytes sha256=%s", what,
		    (unsigned long long)d->bytes,
		    tern_sha256_hex(d->digest, hex));
	if (d->err < 0)
		tern_printf(" (ended by %s)", tern_strerror(d->err));
	tern_printf("\n");
}

int ttcp_transfer_report(struct ttcp_transfer *t)
{
	uint64_t ns = t->ended - t->started;
	uint64_t bytes = t->sent.bytes + t->received.bytes;
	uint64_t kbps = ns ? bytes * 8 * 1000000 / ns : 0;
	char ip[TERN_IPV4_STR_MAX];

	if (t->connect_err < 0) {
		tern_printf("ttcp: connect %s:%u: %s\n",
			    tern_ipv4_format(t->dst, ip), t->port,
			    tern_strerror(t->connect_err));
		return t->connect_err;
	}
	print_dir("sent", &t->sent);
	print_dir("received", &t->received);
	tern_printf("ttcp: %llu.%03llu s, %llu.%03llu Mbit/s\n",
		    (unsigned long long)(ns / 1000000000),
		    (unsigned long long)(ns / 1000000 % 1000),
		    (unsigned long long)(kbps / 1000),
		    (unsigned long long)(kbps % 1000));
	return t->sent.err < 0 ? t->sent.err : t->received.err;
}
