/*
 * test_tftpd_lossy.c - the TFTP server (core + glue: apps/tftpd/tftpd.c)
 * and a Tern-side TFTP client written here, on two stacks joined by a
 * memlink under the virtual clock. The files come from a tar image that
 * GNU tar makes in the test, read through the hosted file disk, the block
 * cache and tarfs - the same path as the app.
 *
 *   - lossy: 20% loss and 20% reordering (plus delay and jitter) each way;
 *     six transfers at once with different options (none, tsize, blksize,
 *     windowsize, a symlink, a GNU long name) all arrive byte for byte;
 *     a missing file gets ERROR 1. A run replays from its seed.
 *   - root: --root sub: ".." above it and a symlink leading out of it are
 *     refused with ERROR 2, names inside are served.
 *   - busy: with max_transfers 2, a third client at once gets ERROR 0
 *     "server busy".
 *   - wrap: a file of more than 65,535 blocks of 512 bytes, over a lossy
 *     link: block numbers roll over to 0 and the bytes still match.
 *
 * Seeds: TERN_SEED from the environment, or a fixed list. Every failure
 * message carries the seed; rerun with TERN_SEED=N to replay it.
 * Teardown: both stacks' pools empty, no fiber stack held, no cache block
 * pinned, every server socket closed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern/bcache.h"
#include "tern/err.h"
#include "tern/hosted.h"
#include "tern/hosted/filedisk.h"
#include "tern/hosted/memlink.h"
#include "tern/net.h"
#include "tern/net_loop.h"
#include "tern/rand.h"
#include "tern/sched.h"
#include "tern/tarfs.h"
#include "net/util_duo.h"
#include "tftp_wire.h"
#include "tftpd.h"

#include "support/seeds.h"

#define SERVER_IP DUO_B_IP
#define CLIENT_TIMEOUT (300 * TERN_NSEC_PER_MSEC)
#define CLIENT_TRIES 60
#define CLIENT_DALLY (4 * CLIENT_TIMEOUT) /* re-ACK a repeated last block */
#define MAX_CLIENTS 8

/* ---- The rig: two stacks, a disk, a cache, tarfs, the server ---------- */

struct rig {
	uint64_t seed;
	struct duo *d; /* client stack A, server stack B */
	struct tern_filedisk disk;
	struct tern_bcache cache;
	void *cache_mem, *fs_mem;
	struct tern_tarfs fs;
	struct tftpd tftpd;
	char dir[64], img[96];
	bool disk_open, cache_open, serving;
	uint32_t live_at_stop; /* transfers the server had at its stop */
};

static struct rig *rig;

/* Writes len bytes of a seeded pattern to dir/name (making parents). */
static void make_file(const char *name, size_t len, uint64_t seed)
{
	char path[512], cmd[600];
	struct tern_rand r;
	uint8_t chunk[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tree/%s", rig->dir, name);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	tern_rand_seed(&r, seed);
	while (len) {
		size_t n = len < sizeof(chunk) ? len : sizeof(chunk);

		tern_rand_fill(&r, chunk, n);
		cr_assert_eq(fwrite(chunk, 1, n, f), n);
		len -= n;
	}
	fclose(f);
}

static void make_link(const char *name, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/tree/%s", rig->dir, name);
	cr_assert_eq(symlink(target, path), 0, "%s", path);
}

/* Reads dir/tree/name into a malloc'ed buffer. */
static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	struct stat st;
	uint8_t *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tree/%s", rig->dir, name);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	buf = malloc((size_t)st.st_size + 1);
	f = fopen(path, "rb");
	cr_assert(buf && f);
	cr_assert_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void setup(void)
{
	rig = calloc(1, sizeof(*rig));
	cr_assert_not_null(rig);
	snprintf(rig->dir, sizeof(rig->dir), "/tmp/tern-tftpd-%d-XXXXXX",
		 getpid());
	cr_assert_not_null(mkdtemp(rig->dir));
	snprintf(rig->img, sizeof(rig->img), "%s/boot.img", rig->dir);
}

/* Makes the image from the tree with GNU tar, then the link, the stacks,
 * the disk, the cache and the index. faults apply both ways. */
static void start(uint64_t seed, const struct tern_memlink_faults *faults)
{
	struct tern_bcache_config cc = { 4096, 256, 16 };
	struct tern_filedisk_opts fo = { .read_only = true };
	struct tern_tarfs_config tc;
	char cmd[512];
	size_t size;

	rig->seed = seed;
	snprintf(cmd, sizeof(cmd), "tar cf '%s' -C '%s/tree' .", rig->img,
		 rig->dir);
	cr_assert_eq(system(cmd), 0, "GNU tar failed");

	rig->d = duo_open(faults, NULL, seed);

	cr_assert_eq(tern_filedisk_open(&rig->disk, rig->img, &fo), 0);
	rig->disk_open = true;
	size = tern_bcache_mem_size(&cc);
	rig->cache_mem = malloc(size);
	cr_assert_eq(tern_bcache_init(&rig->cache, &rig->disk.dev, &cc,
				      rig->cache_mem, size),
		     0);
	rig->cache_open = true;
	tern_bcache_attach(&rig->cache, &rig->d->sched);
	cr_assert_eq(tern_tarfs_measure(&rig->fs, &rig->cache, &tc), 0);
	size = tern_tarfs_mem_size(&tc);
	rig->fs_mem = malloc(size);
	cr_assert_eq(tern_tarfs_open(&rig->fs, &rig->cache, &tc, rig->fs_mem,
				     size),
		     0);
}

/* Starts the server on stack B with root and cfg changes. */
static void serve(const char *root, const struct tftp_config *cfg)
{
	cr_assert_eq(tftpd_set_root(&rig->tftpd, &rig->fs, root), 0);
	cr_assert_eq(tftpd_start(&rig->tftpd, &rig->d->lb, cfg, TFTP_PORT), 0);
	rig->serving = true;
}

static void teardown(void)
{
	char cmd[160];

	if (rig->cache_open) {
		for (unsigned i = 0; i <= TFTP_MAX_TRANSFERS; i++)
			cr_assert_not(rig->tftpd.open[i], "socket %u open", i);
		cr_assert_eq(tern_bcache_pinned(&rig->cache), 0);
		cr_assert_eq(tern_bcache_drain(&rig->cache), 0);
		tern_bcache_detach(&rig->cache);
		tern_bcache_fini(&rig->cache);
	}
	/* Stacks' pools empty, no fiber stack held. */
	if (rig->d)
		duo_close(rig->d);
	if (rig->disk_open)
		tern_filedisk_close(&rig->disk);
	free(rig->cache_mem);
	free(rig->fs_mem);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rig->dir);
	cr_assert_eq(system(cmd), 0);
	free(rig);
}

TestSuite(tftpd, .init = setup, .fini = teardown, .timeout = 240);

/* ---- The client -------------------------------------------------------- */

struct get {
	/* In */
	const char *file;
	uint32_t blksize; /* 0: no option */
	uint32_t window;  /* 0: no option */
	bool tsize;
	/* Out */
	int rc; /* 0, -TERN_ETIMEDOUT, -TERN_EBADMSG, or
				 -TERN_EIO for an ERROR (code in code) */
	uint16_t code;
	char text[80];
	uint8_t *data; /* malloc'ed, len bytes */
	size_t len, cap;
	uint64_t tsize_seen; /* from the OACK, UINT64_MAX if none */
	unsigned resends, tid_errors;
	bool oack;
	struct tern_fiber fiber;
};

struct client_ctx {
	struct get *g;
	struct tern_usock s;
	uint16_t peer; /* the server's TID, 0 until known */
	uint8_t pkt[TFTP_HDR + TFTP_BLKSIZE_MAX];
};

static void client_send(struct client_ctx *c, const void *buf, int len)
{
	tern_usock_sendto(&c->s, SERVER_IP, c->peer ? c->peer : TFTP_PORT, buf,
			  (size_t)len);
}

static void client_ack(struct client_ctx *c, uint16_t block)
{
	uint8_t a[4];

	tftp_emit_ack(a, sizeof(a), block);
	client_send(c, a, 4);
}

static int client_rrq(struct client_ctx *c, uint8_t *buf, size_t cap)
{
	struct get *g = c->g;
	struct tftp_opt o[3];
	char v[2][16];
	unsigned n = 0;

	if (g->tsize) {
		o[n].name = tftp_str_c("tsize");
		o[n++].value = tftp_str_c("0");
	}
	if (g->blksize) {
		snprintf(v[0], sizeof(v[0]), "%u", g->blksize);
		o[n].name = tftp_str_c("blksize");
		o[n++].value = tftp_str_c(v[0]);
	}
	if (g->window) {
		snprintf(v[1], sizeof(v[1]), "%u", g->window);
		o[n].name = tftp_str_c("windowsize");
		o[n++].value = tftp_str_c(v[1]);
	}
	return tftp_emit_request(buf, cap, TFTP_RRQ, g->file, "octet", o, n);
}

/* Applies an OACK; returns false if it names an option we did not ask
 * for or a value we cannot take. */
static bool client_oack(struct get *g, const struct tftp_msg *m,
			uint32_t *blksize, uint32_t *window)
{
	for (unsigned i = 0; i < m->nopts; i++) {
		uint64_t v;

		if (tftp_str_number(&m->opts[i].value, UINT64_MAX, &v) < 0)
			return false;
		if (tftp_str_ieq(&m->opts[i].name, "blksize") && g->blksize &&
		    v >= 8 && v <= g->blksize)
			*blksize = (uint32_t)v;
		else if (tftp_str_ieq(&m->opts[i].name, "windowsize") &&
			 g->window && v >= 1 && v <= g->window)
			*window = (uint32_t)v;
		else if (tftp_str_ieq(&m->opts[i].name, "tsize") && g->tsize)
			g->tsize_seen = v;
		else
			return false;
	}
	return true;
}

/* Stores a DATA payload for block `expected`. */
static void client_store(struct get *g, const struct tftp_msg *m, uint64_t off)
{
	if (off + m->data_len > g->cap) {
		size_t cap = g->cap ? g->cap : 4096;

		while (cap < off + m->data_len)
			cap *= 2;
		g->data = realloc(g->data, cap);
		cr_assert_not_null(g->data);
		g->cap = cap;
	}
	if (m->data_len)
		memcpy(g->data + off, m->data, m->data_len);
	g->len = off + m->data_len;
}

/* A TFTP read (RFC 1350 + 2347/2348/2349/7440) as a fiber: the client
 * side of every test. The receiver ACKs at the end of each window or on
 * the last block; a gap gets one immediate ACK of the last block in order
 * (RFC 7440); a timeout resends the RRQ (no answer yet) or the last ACK;
 * after the last block it dallies CLIENT_DALLY to re-ACK a repeat. */
static void client_fiber(void *arg)
{
	struct client_ctx *c = calloc(1, sizeof(*c));
	struct get *g = arg;
	struct tern_sched *s = &rig->d->sched;
	uint32_t blksize = 512, window = 1, since_ack = 0;
	uint64_t expected = 1, deadline;
	unsigned tries = 0;
	bool gap_acked = false, final = false;
	int rrq_len;
	uint8_t rrq[512];

	cr_assert_not_null(c);
	c->g = g;
	g->tsize_seen = UINT64_MAX;
	tern_usock_open(&rig->d->la, &c->s);
	tern_udp_bind(&c->s.udp, 0, 0);
	rrq_len = client_rrq(c, rrq, sizeof(rrq));
	client_send(c, rrq, rrq_len);
	deadline = tern_sched_now(s) + CLIENT_TIMEOUT;
	g->rc = -TERN_ETIMEDOUT;

	for (;;) {
		struct tern_udp_meta meta;
		struct tftp_msg m;
		int n = tern_usock_recvfrom(&c->s, c->pkt, sizeof(c->pkt),
					    &meta, deadline);

		if (n == -TERN_ETIMEDOUT) {
			if (final) {
				g->rc = 0;
				break;
			}
			if (++tries > CLIENT_TRIES)
				break;
			g->resends++;
			if (!c->peer)
				client_send(c, rrq, rrq_len);
			else
				client_ack(c, (uint16_t)(expected - 1));
			deadline = tern_sched_now(s) + CLIENT_TIMEOUT;
			continue;
		}
		if (n < 0 || meta.src != SERVER_IP)
			continue;
		if (c->peer && meta.sport != c->peer) {
			uint8_t e[64];
			int el = tftp_emit_error(e, sizeof(e), TFTP_EBADID,
						 "unknown transfer ID");

			g->tid_errors++;
			tern_usock_sendto(&c->s, meta.src, meta.sport, e,
					  (size_t)el);
			continue;
		}
		if (tftp_parse(&m, c->pkt, (size_t)n) < 0)
			continue;
		if (m.op == TFTP_ERROR) {
			g->rc = -TERN_EIO;
			g->code = m.code;
			snprintf(g->text, sizeof(g->text), "%.*s",
				 (int)m.text.len, m.text.s);
			break;
		}
		if (!c->peer)
			c->peer = meta.sport;
		if (m.op == TFTP_OACK && expected == 1) {
			if (!client_oack(g, &m, &blksize, &window)) {
				g->rc = -TERN_EBADMSG;
				break;
			}
			g->oack = true;
			client_ack(c, 0);
			tries = 0;
			deadline = tern_sched_now(s) + CLIENT_TIMEOUT;
			continue;
		}
		if (m.op != TFTP_DATA)
			continue;
		if (m.block == (uint16_t)expected && !final) {
			if (m.data_len > blksize) {
				g->rc = -TERN_EBADMSG;
				break;
			}
			client_store(g, &m, (expected - 1) * blksize);
			final = m.data_len < blksize;
			expected++;
			tries = 0;
			gap_acked = false;
			if (++since_ack >= window || final) {
				client_ack(c, (uint16_t)(expected - 1));
				since_ack = 0;
			}
			deadline = tern_sched_now(s) +
				   (final ? CLIENT_DALLY : CLIENT_TIMEOUT);
			continue;
		}
		/* A block we had (the server repeating itself, our ACK lost),
		 * or one past a gap: tell the server where we are. */
		if ((uint16_t)(m.block - (uint16_t)expected) < 0x8000) {
			if (gap_acked)
				continue;
			gap_acked = true;
		}
		client_ack(c, (uint16_t)(expected - 1));
		since_ack = 0;
	}
	tern_usock_close(&c->s);
	free(c);
}

/* Joins every client, then stops the server: the last fiber to end. */
struct stopper {
	struct get *gets;
	unsigned n;
	struct tern_fiber f;
};

static void stopper_fiber(void *arg)
{
	struct stopper *p = arg;

	for (unsigned i = 0; i < p->n; i++)
		tern_fiber_join(&rig->d->sched, &p->gets[i].fiber);
	rig->live_at_stop = tftp_server_active(&rig->tftpd.srv);
	tftpd_stop(&rig->tftpd);
}

/* Runs every get at once to the end, then stops the server. */
static void run_gets(struct get *gets, unsigned n)
{
	struct tern_sched *s = &rig->d->sched;
	struct stopper st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.gets = gets;
	st.n = n;
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tern_fiber_spawn(s, &gets[i].fiber, "client",
					      client_fiber, &gets[i], 0),
			     0);
	cr_assert_eq(tern_fiber_spawn(s, &st.f, "stopper", stopper_fiber, &st,
				      0),
		     0);
	rc = tern_sched_run(s);
	cr_assert_eq(rc, 0, "seed %llu: the loop ended with %d",
		     (unsigned long long)rig->seed, rc);
	cr_assert_eq(tern_fiber_join(s, &st.f), 0);
	rig->serving = false;
}

static void check_file(const struct get *g, const char *name)
{
	size_t len;
	uint8_t *want = slurp(name, &len);

	cr_assert_eq(g->rc, 0, "seed %llu: %s failed: %d code %u %s",
		     (unsigned long long)rig->seed, g->file, g->rc, g->code,
		     g->text);
	cr_assert_eq(g->len, len, "seed %llu: %s: %zu bytes, want %zu",
		     (unsigned long long)rig->seed, g->file, g->len, len);
	cr_assert(len == 0 || memcmp(g->data, want, len) == 0,
		  "seed %llu: %s: bytes differ", (unsigned long long)rig->seed,
		  g->file);
	free(want);
}

static void free_gets(struct get *gets, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(gets[i].data);
}

static uint64_t counter(const char *name)
{
	int64_t v = tftp_stats_get(&rig->tftpd.srv.stats, name);

	cr_assert_geq(v, 0, "no counter %s", name);
	return (uint64_t)v;
}

/* ---- Seeds ------------------------------------------------------------- */

static unsigned seeds(uint64_t *out, unsigned max)
{
	static const uint64_t fixed[] = { 1, 42, 20260101 };

	return test_seeds(out, max, fixed, TERN_ARRAY_SIZE(fixed));
}

#define LONG_NAME                                                        \
	"sub/a-name-longer-than-the-hundred-bytes-of-a-ustar-header-so-" \
	"gnu-tar-writes-a-long-name-member-before-it-0123456789.bin"

static void make_tree(void)
{
	make_file("small.txt", 17, 1);
	make_file("empty", 0, 2);
	make_file("exact.bin", 4096, 3);
	make_file("sub/dir/mid.bin", 300000, 4);
	make_file(LONG_NAME, 5000, 5);
	make_link("sub/inside", "dir/mid.bin");
	make_link("sub/link-out", "../small.txt");
}

/* One lossy run from seed; returns a summary that another run from the
 * same seed must match. */
static uint64_t lossy_run(uint64_t seed)
{
	struct tern_memlink_faults lf = {
		.loss_ppm = 200000,
		.reorder_ppm = 200000,
		.reorder_ns = 3 * TERN_NSEC_PER_MSEC,
		.delay_ns = 1 * TERN_NSEC_PER_MSEC,
		.jitter_ns = 500 * TERN_NSEC_PER_USEC,
	};
	struct tftp_config cfg;
	struct get gets[7] = {
		{ .file = "small.txt" },
		{ .file = "/empty", .tsize = true },
		{ .file = "exact.bin", .blksize = 1024 },
		{ .file = "sub/dir/mid.bin",
		  .blksize = 1428,
		  .window = 8,
		  .tsize = true },
		{ .file = "sub/inside", .blksize = 700, .window = 3 },
		{ .file = LONG_NAME, .tsize = true },
		{ .file = "no/such/file" },
	};
	uint64_t summary, tid_errors;

	start(seed, &lf);
	tftp_config_default(&cfg);
	cfg.timeout_ns = 200 * TERN_NSEC_PER_MSEC;
	cfg.retries = 20; /* 20% loss each way: 36% of exchanges fail */
	serve("/", &cfg);
	run_gets(gets, 7);
	if (getenv("TERN_VERBOSE")) {
		const struct tern_memlink_stats *ab =
			tern_memlink_stats(&rig->d->link, TERN_MEMLINK_AB);
		const struct tern_memlink_stats *ba =
			tern_memlink_stats(&rig->d->link, TERN_MEMLINK_BA);

		fprintf(stderr,
			"seed %llu: virtual %.3f s, frames a->b %llu (lost "
			"%llu, "
			"reordered %llu), b->a %llu (lost %llu, reordered "
			"%llu)\n",
			(unsigned long long)seed,
			(double)(tern_clock_monotonic() - DUO_T0) / 1e9,
			(unsigned long long)ab->sent,
			(unsigned long long)ab->lost,
			(unsigned long long)ab->reordered,
			(unsigned long long)ba->sent,
			(unsigned long long)ba->lost,
			(unsigned long long)ba->reordered);
		tftpd_print_stats(&rig->tftpd);
	}

	check_file(&gets[0], "small.txt");
	check_file(&gets[1], "empty");
	check_file(&gets[2], "exact.bin");
	check_file(&gets[3], "sub/dir/mid.bin");
	check_file(&gets[4], "sub/dir/mid.bin");
	check_file(&gets[5], LONG_NAME);
	cr_assert_eq(gets[3].tsize_seen, 300000, "seed %llu",
		     (unsigned long long)seed);
	cr_assert_eq(gets[6].rc, -TERN_EIO, "seed %llu: missing file: %d",
		     (unsigned long long)seed, gets[6].rc);
	cr_assert_eq(gets[6].code, TFTP_ENOTFOUND);
	/* Every transfer is accounted for. One whose final ACK was lost
	 * until its client stopped dallying is still retransmitting its last
	 * block when the server stops, or gave up on it: the classic end of
	 * a TFTP transfer, not a failure (its client has every byte). A
	 * client's repeated RRQ that arrives after its transfer ended starts
	 * another one, which the client (now elsewhere) ends with ERROR 5. */
	tid_errors = 0;
	for (unsigned i = 0; i < 7; i++)
		tid_errors += gets[i].tid_errors;
	cr_assert_geq(counter("xfer_started"), 6, "seed %llu",
		      (unsigned long long)seed);
	cr_assert_eq(counter("xfer_done") + counter("xfer_timed_out") +
			     counter("xfer_peer_error") + rig->live_at_stop,
		     counter("xfer_started"),
		     "seed %llu: %llu done, %llu timed out, %llu ended by the "
		     "client, %u live",
		     (unsigned long long)seed,
		     (unsigned long long)counter("xfer_done"),
		     (unsigned long long)counter("xfer_timed_out"),
		     (unsigned long long)counter("xfer_peer_error"),
		     rig->live_at_stop);
	cr_assert_leq(counter("xfer_peer_error"), counter("xfer_started") - 6,
		      "seed %llu", (unsigned long long)seed);
	cr_assert_leq(counter("xfer_peer_error"), tid_errors, "seed %llu",
		      (unsigned long long)seed);
	cr_assert_eq(counter("xfer_read_error") + counter("xfer_illegal"), 0,
		     "seed %llu", (unsigned long long)seed);
	cr_assert_gt(counter("data_retx") + counter("oack_retx"), 0,
		     "seed %llu: 20%% loss without a retransmission?",
		     (unsigned long long)seed);
	summary = counter("data_tx") * 1000003 + counter("ack_dup") * 31 +
		  tern_clock_monotonic();
	free_gets(gets, 7);
	return summary;
}

Test(tftpd, lossy)
{
	uint64_t list[8];
	unsigned n = seeds(list, 8);

	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			teardown();
			setup();
		}
		make_tree();
		lossy_run(list[i]);
	}
}

Test(tftpd, lossy_replays_from_its_seed)
{
	uint64_t list[8], a, b;

	seeds(list, 8);
	make_tree();
	a = lossy_run(list[0]);
	teardown();
	setup();
	make_tree();
	b = lossy_run(list[0]);
	cr_assert_eq(a, b, "seed %llu: two runs differ",
		     (unsigned long long)list[0]);
}

Test(tftpd, root_and_escape)
{
	struct get gets[6] = {
		{ .file = "dir/mid.bin" },
		{ .file = "inside", .blksize = 1024 },
		{ .file = "../small.txt" },
		{ .file = "link-out" },
		{ .file = "/" },
		{ .file = "dir/../../small.txt" },
	};

	make_tree();
	start(7, NULL);
	serve("/sub/", NULL);
	cr_assert_eq(tftpd_count_files(&rig->tftpd), 2, "mid.bin, long name");
	run_gets(gets, 6);
	check_file(&gets[0], "sub/dir/mid.bin");
	check_file(&gets[1], "sub/dir/mid.bin");
	for (unsigned i = 2; i < 6; i++) {
		cr_assert_eq(gets[i].rc, -TERN_EIO, "%s", gets[i].file);
		cr_assert_eq(gets[i].code, TFTP_EACCESS, "%s: code %u",
			     gets[i].file, gets[i].code);
	}
	cr_assert_eq(counter("req_escape"), 2);
	cr_assert_eq(counter("req_outside_root"), 1);
	cr_assert_eq(counter("req_not_file"), 1);
	free_gets(gets, 6);
}

Test(tftpd, busy)
{
	struct tftp_config cfg;
	struct get gets[3] = {
		{ .file = "sub/dir/mid.bin" },
		{ .file = "sub/dir/mid.bin", .blksize = 1400 },
		{ .file = "exact.bin" },
	};
	unsigned ok = 0, busy = 0;

	make_tree();
	start(9, NULL);
	tftp_config_default(&cfg);
	cfg.max_transfers = 2;
	serve("/", &cfg);
	run_gets(gets, 3);
	for (unsigned i = 0; i < 3; i++) {
		if (gets[i].rc == 0)
			ok++;
		else if (gets[i].code == TFTP_EUNDEF &&
			 strstr(gets[i].text, "busy"))
			busy++;
	}
	cr_assert_eq(ok, 2);
	cr_assert_eq(busy, 1);
	cr_assert_eq(counter("req_busy"), 1);
	free_gets(gets, 3);
}

Test(tftpd, wrap)
{
	/* 65,600 blocks of 512: the block number rolls over. */
	struct tern_memlink_faults lf = {
		.loss_ppm = 50000,
		.reorder_ppm = 50000,
		.reorder_ns = 2 * TERN_NSEC_PER_MSEC,
		.delay_ns = 200 * TERN_NSEC_PER_USEC,
	};
	struct tftp_config cfg;
	struct get gets[1];
	uint64_t list[1];

	memset(gets, 0, sizeof(gets));
	gets[0].file = "big.bin";
	gets[0].window = 4;
	seeds(list, 1);
	make_file("big.bin", 65600u * 512 + 77, 11);
	start(list[0], &lf);
	tftp_config_default(&cfg);
	cfg.timeout_ns = 50 * TERN_NSEC_PER_MSEC;
	cfg.retries = 20;
	serve("/", &cfg);
	run_gets(gets, 1);
	check_file(&gets[0], "big.bin");
	cr_assert_eq(counter("xfer_done"), 1);
	free_gets(gets, 1);
}
