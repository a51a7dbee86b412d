/*
 * tftpd.c - the TFTP core on Tern's sockets, tarfs and one fiber (see
 * tftpd.h): the environment ops the core calls, and the serving loop.
 */
#include "tftpd.h"

#include <string.h>

#include "tern/dev.h"
#include "tern/err.h"
#include "tern/print.h"

/* IPv4 header (no options), UDP header, TFTP DATA header. */
#define DATA_OVERHEAD (20 + 8 + TFTP_HDR)

/* ---- Environment ops ----------------------------------------------------*/

static void notify(struct tern_udp *s, void *ctx)
{
	struct tftpd *d = ctx;

	(void)s;
	d->kicked = true;
	tern_waitq_wake_one(d->sched, &d->wq);
}

static int env_open(void *ctx, unsigned slot)
{
	struct tftpd *d = ctx;
	struct tern_udp *s = &d->socks[slot];
	int rc;

	tern_udp_open(d->net, s);
	rc = tern_udp_bind(s, 0, 0);
	if (rc < 0) {
		tern_udp_close(s);
		return rc;
	}
	tern_udp_set_notify(s, notify, d);
	d->open[slot] = true;
	return tern_udp_local_port(s);
}

static void env_close(void *ctx, unsigned slot)
{
	struct tftpd *d = ctx;

	if (!d->open[slot])
		return;
	tern_udp_close(&d->socks[slot]);
	d->open[slot] = false;
}

static int env_send(void *ctx, unsigned slot, uint32_t dst, uint16_t dport,
		    const void *buf, size_t len)
{
	struct tftpd *d = ctx;
	int rc;

	if (!d->open[slot])
		return -TERN_ENOTCONN;
	rc = tern_udp_sendto(&d->socks[slot], dst, dport, buf, len,
			     tern_net_loop_now(d->loop));
	return rc < 0 ? rc : 0;
}

/* True if path (a normalised tarfs path) is strictly under d's root. */
static bool under_root(const struct tftpd *d, const char *path)
{
	if (d->root_len == 0)
		return true;
	return strncmp(path, d->root, d->root_len) == 0 &&
	       path[d->root_len] == '/';
}

static int env_lookup(void *ctx, const char *rel, struct tftp_file *f)
{
	struct tftpd *d = ctx;
	struct tern_tarfs_stat st;
	size_t rlen = strlen(rel);
	const char *where;
	uint32_t ino;
	int rc;

	if (d->root_len + 1 + rlen > TERN_TARFS_PATH_MAX)
		return -TERN_ENAMETOOLONG;
	memcpy(d->path, d->root, d->root_len);
	d->path[d->root_len] = '/';
	memcpy(d->path + d->root_len + 1, rel, rlen + 1);
	rc = tern_tarfs_lookup(d->fs, d->path, 0, &ino);
	if (rc == 0)
		rc = tern_tarfs_stat(d->fs, ino, &st);
	if (rc < 0)
		return rc;
	if (st.type == TERN_TARFS_DIR)
		return -TERN_EISDIR;
	if (st.type != TERN_TARFS_FILE)
		return -TERN_ENOTSUP;
	where = tern_tarfs_path(d->fs, ino);
	if (!where || !under_root(d, where))
		return -TERN_ERANGE;
	f->id = ino;
	f->size = st.size;
	return 0;
}

static int env_read(void *ctx, const struct tftp_file *f, uint64_t off,
		    void *buf, size_t len)
{
	struct tftpd *d = ctx;

	return tern_tarfs_read(d->fs, (uint32_t)f->id, buf, len, off);
}

static const struct tftp_env_ops env_ops = {
	.open = env_open,
	.close = env_close,
	.send = env_send,
	.lookup = env_lookup,
	.read = env_read,
};

/* ---- Set-up -------------------------------------------------------------*/

uint32_t tftpd_blksize_cap(const struct tern_net *net)
{
	size_t cap = TFTP_BLKSIZE_MAX;
	size_t pmax = tern_net_pkt_payload_max(net);

	for (unsigned i = 0; i < tern_net_if_count(net); i++) {
		const struct tern_netdev *dev =
			tern_net_if_dev((struct tern_net *)net, i);

		if (dev && dev->mtu > DATA_OVERHEAD)
			cap = TERN_MIN(cap, (size_t)dev->mtu - DATA_OVERHEAD);
	}
	if (pmax > TFTP_HDR)
		cap = TERN_MIN(cap, pmax - TFTP_HDR);
	return (uint32_t)TERN_MAX(cap, (size_t)TFTP_BLKSIZE_DEFAULT);
}

int tftpd_set_root(struct tftpd *d, struct tern_tarfs *fs, const char *root)
{
	struct tern_tarfs_stat st;
	uint32_t ino;
	int rc;

	rc = tftp_path_clean(root, strlen(root), d->root, sizeof(d->root));
	if (rc < 0)
		return rc;
	d->root_len = (size_t)rc;
	d->fs = fs;
	rc = tern_tarfs_lookup(fs, d->root_len ? d->root : "/", 0, &ino);
	if (rc == 0)
		rc = tern_tarfs_stat(fs, ino, &st);
	if (rc < 0)
		return rc;
	if (st.type != TERN_TARFS_DIR)
		return -TERN_ENOTDIR;
	/* Keep the name tarfs resolved to (a symlinked root is followed). */
	rc = tftp_path_clean(tern_tarfs_path(fs, ino),
			     strlen(tern_tarfs_path(fs, ino)), d->root,
			     sizeof(d->root));
	if (rc < 0)
		return rc;
	d->root_len = (size_t)rc;
	return 0;
}

uint32_t tftpd_count_files(const struct tftpd *d)
{
	struct tern_tarfs_stat st;
	uint32_t n = 0;

	for (uint32_t ino = 0; ino < tern_tarfs_count(d->fs); ino++) {
		if (tern_tarfs_stat(d->fs, ino, &st) == 0 &&
		    st.type == TERN_TARFS_FILE &&
		    under_root(d, tern_tarfs_path(d->fs, ino)))
			n++;
	}
	return n;
}

/* ---- The serving fiber --------------------------------------------------*/

/* Feeds up to TFTPD_DRAIN_MAX datagrams waiting on slot to the core. */
static void drain(struct tftpd *d, unsigned slot)
{
	struct tern_udp_meta m;

	for (unsigned i = 0; i < TFTPD_DRAIN_MAX && d->open[slot]; i++) {
		int n = tern_udp_recvfrom(&d->socks[slot], d->rx, sizeof(d->rx),
					  &m);

		if (n == -TERN_EAGAIN)
			return;
		if (n < 0) {
			d->rx_errors++;
			continue;
		}
		if (m.len > (size_t)n) {
			d->rx_truncated++;
			continue;
		}
		tftp_server_input(&d->srv, slot, m.src, m.sport, d->rx,
				  (size_t)n, tern_sched_now(d->sched));
	}
	/* More may wait: come back before sleeping. */
	if (d->open[slot] && tern_udp_readable(&d->socks[slot]))
		d->kicked = true;
}

static void serve(void *arg)
{
	struct tftpd *d = arg;
	uint32_t max = d->srv.cfg.max_transfers;

	while (!d->stopping) {
		uint64_t next;

		d->kicked = false;
		drain(d, TFTP_LISTEN);
		for (unsigned slot = 0; slot < max; slot++)
			if (d->open[slot])
				drain(d, slot);
		next = tftp_server_timers(&d->srv, tern_sched_now(d->sched));
		if (d->kicked || d->stopping)
			continue;
		tern_waitq_wait(d->sched, &d->wq, next);
	}
}

int tftpd_start(struct tftpd *d, struct tern_net_loop *loop,
		const struct tftp_config *cfg, uint16_t port)
{
	struct tern_udp *ls = &d->socks[TFTP_LISTEN];
	struct tftp_config c;
	int rc;

	if (cfg)
		c = *cfg;
	else
		tftp_config_default(&c);
	d->loop = loop;
	d->net = loop->net;
	d->sched = loop->sched;
	c.blksize_max = TERN_MIN(c.blksize_max, tftpd_blksize_cap(d->net));
	rc = tftp_server_init(&d->srv, &c, &env_ops, d);
	if (rc < 0)
		return rc;
	memset(d->open, 0, sizeof(d->open));
	d->rx_truncated = d->rx_errors = 0;
	d->kicked = d->stopping = false;
	tern_waitq_init(&d->wq);

	tern_udp_open(d->net, ls);
	rc = tern_udp_bind(ls, 0, port);
	if (rc < 0) {
		tern_udp_close(ls);
		return rc;
	}
	tern_udp_set_notify(ls, notify, d);
	d->open[TFTP_LISTEN] = true;
	rc = tern_fiber_spawn(d->sched, &d->fiber, "tftpd", serve, d, 0);
	if (rc < 0) {
		tern_udp_close(ls);
		d->open[TFTP_LISTEN] = false;
		return rc;
	}
	d->started = true;
	return 0;
}

void tftpd_stop(struct tftpd *d)
{
	if (!d->started)
		return;
	d->stopping = true;
	tern_waitq_wake_all(d->sched, &d->wq);
	tern_fiber_join(d->sched, &d->fiber);
	tftp_server_abort_all(&d->srv);
	env_close(d, TFTP_LISTEN);
	d->started = false;
}

/* ---- Counters -----------------------------------------------------------*/

void tftpd_print_stats(const struct tftpd *d)
{
	struct tern_counter_line l;

	tern_printf("tftpd: counters (non-zero)\n");
	tern_counter_line_init(&l, "tftpd:");
	tftp_stats_foreach(&d->srv.stats, tern_counter_line_add_cb, &l);
	tern_counter_line_add(&l, "rx_truncated", d->rx_truncated);
	tern_counter_line_add(&l, "rx_errors", d->rx_errors);
	tern_counter_line_flush(&l);
}
