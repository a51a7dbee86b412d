/*
 * tftp_server.c - the transfer state machines of the read-only TFTP server
 * (the design is in tftp_server.h).
 *
 * A transfer goes FREE -> OACK -> DATA -> FREE, or FREE -> DATA -> FREE
 * when no option was acknowledged. Every exit to FREE goes through
 * end_xfer(), which closes the transfer's endpoint, so "endpoints open ==
 * transfers live" holds after every call (the fuzzer checks it).
 */
#include "tftp_server.h"

#include <string.h>

#include "tern/base.h"
#include "tern/err.h"

enum { XFER_FREE, XFER_OACK, XFER_DATA };

/* Options acknowledged (struct tftp_xfer.oack). */
#define OPT_BLKSIZE 1u
#define OPT_TSIZE 2u
#define OPT_TIMEOUT 4u
#define OPT_WINDOW 8u

#define TIMEOUT_OPT_MAX 255 /* seconds, RFC 2349 */

void tftp_config_default(struct tftp_config *cfg)
{
	cfg->max_transfers = 16;
	cfg->timeout_ns = TERN_NSEC_PER_SEC;
	cfg->retries = 5;
	cfg->blksize_max = 1468;
	cfg->window_max = 64;
}

int tftp_server_init(struct tftp_server *srv, const struct tftp_config *cfg,
		     const struct tftp_env_ops *ops, void *ctx)
{
	struct tftp_config def;

	if (!cfg) {
		tftp_config_default(&def);
		cfg = &def;
	}
	if (cfg->max_transfers < 1 || cfg->max_transfers > TFTP_MAX_TRANSFERS ||
	    cfg->timeout_ns == 0 || cfg->timeout_ns > TFTP_TIMEOUT_MAX_NS ||
	    cfg->blksize_max < TFTP_BLKSIZE_MIN ||
	    cfg->blksize_max > TFTP_BLKSIZE_MAX || cfg->window_max < 1 ||
	    cfg->window_max > TFTP_WINDOW_CAP || !ops || !ops->open ||
	    !ops->close || !ops->send || !ops->lookup || !ops->read)
		return -TERN_EINVAL;
	memset(srv, 0, sizeof(*srv));
	srv->cfg = *cfg;
	srv->ops = ops;
	srv->ctx = ctx;
	return 0;
}

/* ---- Sending ------------------------------------------------------------*/

static unsigned slot_of(const struct tftp_server *srv,
			const struct tftp_xfer *x)
{
	return (unsigned)(x - srv->xfers);
}

/* Sends srv->buf[0..len) from slot to dst:dport. */
static void send_buf(struct tftp_server *srv, unsigned slot, uint32_t dst,
		     uint16_t dport, size_t len)
{
	if (srv->ops->send(srv->ctx, slot, dst, dport, srv->buf, len) < 0)
		srv->stats.tx_error++;
}

static void send_error(struct tftp_server *srv, unsigned slot, uint32_t dst,
		       uint16_t dport, uint16_t code, const char *text)
{
	int n = tftp_emit_error(srv->buf, sizeof(srv->buf), code, text);

	if (n > 0)
		send_buf(srv, slot, dst, dport, (size_t)n);
}

/* Writes v in decimal at buf (room for 21 bytes); returns its length. */
static size_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, len;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	len = n;
	for (size_t i = 0; i < len; i++)
		buf[i] = tmp[--n];
	buf[len] = '\0';
	return len;
}

/* Frees x and closes its endpoint. */
static void end_xfer(struct tftp_server *srv, struct tftp_xfer *x)
{
	srv->ops->close(srv->ctx, slot_of(srv, x));
	x->state = XFER_FREE;
	srv->active--;
}

static uint64_t base_rto(const struct tftp_server *srv,
			 const struct tftp_xfer *x)
{
	return x->fixed_rto ? x->timeout_s * TERN_NSEC_PER_SEC
			    : srv->cfg.timeout_ns;
}

static void send_oack(struct tftp_server *srv, struct tftp_xfer *x)
{
	static const char *const names[] = { "blksize", "tsize", "timeout",
					     "windowsize" };
	char vals[4][24];
	struct tftp_opt opts[4];
	uint64_t v[4];
	unsigned n = 0;
	int len;

	v[0] = x->blksize;
	v[1] = x->file.size;
	v[2] = x->timeout_s;
	v[3] = x->window;
	for (unsigned i = 0; i < 4; i++) {
		if (!(x->oack & (1u << i)))
			continue;
		opts[n].name = tftp_str_c(names[i]);
		opts[n].value.s = vals[n];
		opts[n].value.len = fmt_u64(vals[n], v[i]);
		n++;
	}
	len = tftp_emit_oack(srv->buf, sizeof(srv->buf), opts, n);
	if (len > 0)
		send_buf(srv, slot_of(srv, x), x->peer, x->peer_port,
			 (size_t)len);
}

/* Sends block b of x. Returns 0, or -TERN_EIO if the file could not be
 * read (nothing sent). */
static int send_block(struct tftp_server *srv, struct tftp_xfer *x, uint64_t b)
{
	uint64_t off = (b - 1) * x->blksize;
	size_t len = 0;

	if (off < x->file.size)
		len = (size_t)TERN_MIN((uint64_t)x->blksize,
				       x->file.size - off);
	if (len && srv->ops->read(srv->ctx, &x->file, off, srv->buf + TFTP_HDR,
				  len) != (int)len)
		return -TERN_EIO;
	tftp_emit_data_hdr(srv->buf, sizeof(srv->buf), (uint16_t)b);
	srv->stats.data_tx++;
	if (b <= x->sent_max) {
		srv->stats.data_retx++;
	} else {
		x->sent_max = b;
		srv->stats.bytes_tx += len;
	}
	send_buf(srv, slot_of(srv, x), x->peer, x->peer_port, TFTP_HDR + len);
	return 0;
}

/* Sends the blocks the window allows from x->next on and arms the timer.
 * Ends x (ERROR 0) if a block cannot be read. */
static void send_window(struct tftp_server *srv, struct tftp_xfer *x,
			uint64_t now)
{
	while (x->next <= x->last && x->next - x->acked <= x->window) {
		if (send_block(srv, x, x->next) < 0) {
			srv->stats.xfer_read_error++;
			send_error(srv, slot_of(srv, x), x->peer, x->peer_port,
				   TFTP_EUNDEF,
				   "read error on the server's disk");
			end_xfer(srv, x);
			return;
		}
		x->next++;
	}
	x->deadline = now + x->rto;
}

/* ---- Requests -----------------------------------------------------------*/

/* Applies the request's options to x (blksize, window, timeout and the
 * bits of x->oack). */
static void negotiate(struct tftp_server *srv, const struct tftp_msg *m,
		      struct tftp_xfer *x)
{
	struct tftp_stats *st = &srv->stats;

	for (unsigned i = 0; i < m->nopts; i++) {
		const struct tftp_opt *o = &m->opts[i];
		unsigned bit;
		uint64_t v;

		if (tftp_str_ieq(&o->name, "blksize"))
			bit = OPT_BLKSIZE;
		else if (tftp_str_ieq(&o->name, "tsize"))
			bit = OPT_TSIZE;
		else if (tftp_str_ieq(&o->name, "timeout"))
			bit = OPT_TIMEOUT;
		else if (tftp_str_ieq(&o->name, "windowsize"))
			bit = OPT_WINDOW;
		else {
			st->opt_unknown++;
			continue;
		}
		if (x->oack & bit) {
			st->opt_repeated++;
			continue;
		}
		if (tftp_str_number(&o->value, UINT32_MAX, &v) < 0) {
			st->opt_bad_value++;
			continue;
		}
		switch (bit) {
		case OPT_BLKSIZE:
			if (v < TFTP_BLKSIZE_MIN) {
				st->opt_bad_value++;
				continue;
			}
			x->blksize = (uint32_t)TERN_MIN(
				v, (uint64_t)srv->cfg.blksize_max);
			st->opt_blksize++;
			break;
		case OPT_TSIZE:
			st->opt_tsize++;
			/* curl (up to 8.x at least) fails a transfer whose
			 * OACK says tsize 0; leaving the option out is
			 * allowed (RFC 2347) and the empty DATA 1 says it. */
			if (x->file.size == 0)
				continue;
			break;
		case OPT_TIMEOUT:
			if (v < 1 || v > TIMEOUT_OPT_MAX) {
				st->opt_bad_value++;
				continue;
			}
			x->timeout_s = (uint8_t)v;
			x->fixed_rto = true;
			st->opt_timeout++;
			break;
		default: /* OPT_WINDOW */
			if (v < 1) {
				st->opt_bad_value++;
				continue;
			}
			x->window = (uint32_t)TERN_MIN(
				v, (uint64_t)srv->cfg.window_max);
			st->opt_windowsize++;
			break;
		}
		x->oack |= (uint8_t)bit;
	}
	st->opt_dropped += m->opts_dropped;
	if (m->opts_junk)
		st->opt_junk++;
}

/* The live transfer for peer src:sport, or NULL. */
static struct tftp_xfer *find_peer(struct tftp_server *srv, uint32_t src,
				   uint16_t sport)
{
	for (uint32_t i = 0; i < srv->cfg.max_transfers; i++) {
		struct tftp_xfer *x = &srv->xfers[i];

		if (x->state != XFER_FREE && x->peer == src &&
		    x->peer_port == sport)
			return x;
	}
	return NULL;
}

static struct tftp_xfer *find_free(struct tftp_server *srv)
{
	for (uint32_t i = 0; i < srv->cfg.max_transfers; i++)
		if (srv->xfers[i].state == XFER_FREE)
			return &srv->xfers[i];
	return NULL;
}

/* A repeated RRQ: the client has not heard from us. Resends the first
 * packet if nothing was acknowledged yet; otherwise the request is stale. */
static void repeat_first(struct tftp_server *srv, struct tftp_xfer *x)
{
	srv->stats.rrq_dup++;
	if (x->state == XFER_OACK) {
		srv->stats.oack_retx++;
		send_oack(srv, x);
	} else if (!x->oack && x->acked == 0 && x->next > 1) {
		/* (With an OACK, being in DATA means ACK 0 came: stale.) */
		if (send_block(srv, x, 1) < 0) {
			srv->stats.xfer_read_error++;
			send_error(srv, slot_of(srv, x), x->peer, x->peer_port,
				   TFTP_EUNDEF,
				   "read error on the server's disk");
			end_xfer(srv, x);
		}
	}
}

/* Maps a lookup failure to its counter and ERROR. */
static void refuse_lookup(struct tftp_server *srv, uint32_t src, uint16_t sport,
			  int rc)
{
	struct tftp_stats *st = &srv->stats;

	switch (rc) {
	case -TERN_ENOENT:
	case -TERN_ENOTDIR:
	case -TERN_ELOOP:
	case -TERN_ENAMETOOLONG:
		st->req_not_found++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_ENOTFOUND,
			   "file not found");
		break;
	case -TERN_EISDIR:
	case -TERN_ENOTSUP:
		st->req_not_file++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EACCESS,
			   "not a regular file");
		break;
	case -TERN_ERANGE:
		st->req_outside_root++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EACCESS,
			   "access violation: outside the served root");
		break;
	default:
		st->req_lookup_error++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EUNDEF,
			   tern_strerror(rc));
		break;
	}
}

static void handle_request(struct tftp_server *srv, uint32_t src,
			   uint16_t sport, const struct tftp_msg *m,
			   uint64_t now)
{
	struct tftp_stats *st = &srv->stats;
	struct tftp_xfer *x;
	struct tftp_file file;
	int rc, port;

	if (m->op == TFTP_WRQ) {
		st->wrq_refused++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EACCESS,
			   "read-only server: writes are refused");
		return;
	}
	st->rrq++;
	x = find_peer(srv, src, sport);
	if (x) {
		repeat_first(srv, x);
		return;
	}
	if (tftp_str_ieq(&m->mode, "netascii")) {
		st->req_netascii++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EUNDEF,
			   "netascii not supported: use octet");
		return;
	}
	if (!tftp_str_ieq(&m->mode, "octet")) {
		st->req_bad_mode++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EBADOP,
			   "unknown transfer mode");
		return;
	}
	rc = m->file.len > TFTP_PATH_MAX
		     ? -TERN_ENAMETOOLONG
		     : tftp_path_clean(m->file.s, m->file.len, srv->path,
				       sizeof(srv->path));
	if (rc == -TERN_ERANGE) {
		st->req_escape++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EACCESS,
			   "access violation: \"..\" leaves the root");
		return;
	}
	if (rc < 0) {
		st->req_name_too_long++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EUNDEF,
			   "file name too long");
		return;
	}
	x = find_free(srv);
	if (!x) {
		st->req_busy++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EUNDEF,
			   "server busy: too many transfers, try later");
		return;
	}
	rc = srv->ops->lookup(srv->ctx, srv->path, &file);
	if (rc < 0) {
		refuse_lookup(srv, src, sport, rc);
		return;
	}
	port = srv->ops->open(srv->ctx, slot_of(srv, x));
	if (port <= 0 || port > 65535) {
		st->req_no_port++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EUNDEF,
			   "server busy: no port free, try later");
		return;
	}

	memset(x, 0, sizeof(*x));
	x->peer = src;
	x->peer_port = sport;
	x->port = (uint16_t)port;
	x->file = file;
	x->blksize = TFTP_BLKSIZE_DEFAULT;
	x->window = 1;
	negotiate(srv, m, x);
	x->last = file.size / x->blksize + 1;
	x->next = 1;
	x->rto = base_rto(srv, x);
	srv->active++;
	st->xfer_started++;
	if (x->oack) {
		x->state = XFER_OACK;
		st->oack_tx++;
		send_oack(srv, x);
		x->deadline = now + x->rto;
	} else {
		x->state = XFER_DATA;
		send_window(srv, x, now);
	}
}

/* A datagram on port 69. */
static void input_listen(struct tftp_server *srv, uint32_t src, uint16_t sport,
			 const void *buf, size_t len, uint64_t now)
{
	struct tftp_stats *st = &srv->stats;
	struct tftp_msg m;
	int rc = tftp_parse(&m, buf, len);

	if (m.op == 0 && rc < 0) {
		st->rx_short++;
		return;
	}
	if (rc == -TERN_ENOTSUP) {
		st->rx_bad_opcode++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EBADOP,
			   "illegal TFTP operation");
		return;
	}
	switch (m.op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		if (rc < 0) {
			st->req_malformed++;
			send_error(srv, TFTP_LISTEN, src, sport, TFTP_EBADOP,
				   "malformed request");
			return;
		}
		handle_request(srv, src, sport, &m, now);
		return;
	case TFTP_ERROR:
		st->listen_error++;
		return;
	default:
		st->listen_not_req++;
		send_error(srv, TFTP_LISTEN, src, sport, TFTP_EBADOP,
			   "illegal TFTP operation: not a request");
		return;
	}
}

/* ---- Transfers ----------------------------------------------------------*/

static void handle_ack(struct tftp_server *srv, struct tftp_xfer *x,
		       uint16_t block, uint64_t now)
{
	struct tftp_stats *st = &srv->stats;
	uint64_t delta, outstanding;

	if (x->state == XFER_OACK) {
		if (block != 0) {
			st->ack_stale++;
			return;
		}
		st->ack_rx++;
		x->state = XFER_DATA;
		x->tries = 0;
		x->rto = base_rto(srv, x);
		send_window(srv, x, now);
		return;
	}
	delta = (uint16_t)(block - (uint16_t)x->acked);
	outstanding = x->next - 1 - x->acked;
	if (delta == 0) {
		/* Sorcerer's Apprentice: never answer a duplicate. */
		st->ack_dup++;
		return;
	}
	if (delta > outstanding) {
		st->ack_stale++;
		return;
	}
	st->ack_rx++;
	x->acked += delta;
	x->tries = 0;
	x->rto = base_rto(srv, x);
	if (x->acked == x->last) {
		st->xfer_done++;
		end_xfer(srv, x);
		return;
	}
	if (x->acked < x->next - 1) {
		/* The client saw a gap: resume after what it has. */
		st->ack_partial++;
		x->next = x->acked + 1;
	}
	send_window(srv, x, now);
}

/* A datagram on transfer slot's port. */
static void input_xfer(struct tftp_server *srv, struct tftp_xfer *x,
		       uint32_t src, uint16_t sport, const void *buf,
		       size_t len, uint64_t now)
{
	struct tftp_stats *st = &srv->stats;
	unsigned slot = slot_of(srv, x);
	struct tftp_msg m;
	int rc = tftp_parse(&m, buf, len);

	if (src != x->peer || sport != x->peer_port) {
		if (m.op == TFTP_ERROR) {
			st->unknown_tid_error++;
			return;
		}
		st->unknown_tid++;
		send_error(srv, slot, src, sport, TFTP_EBADID,
			   "unknown transfer ID");
		return;
	}
	if (m.op == 0 && rc < 0) {
		st->rx_short++;
		return;
	}
	if (rc == -TERN_EBADMSG && m.op != TFTP_RRQ && m.op != TFTP_WRQ) {
		st->rx_malformed++;
		return;
	}
	if (rc == 0 && m.op == TFTP_ACK) {
		handle_ack(srv, x, m.block, now);
		return;
	}
	if (rc == 0 && m.op == TFTP_ERROR) {
		st->xfer_peer_error++;
		end_xfer(srv, x);
		return;
	}
	st->xfer_illegal++;
	send_error(srv, slot, x->peer, x->peer_port, TFTP_EBADOP,
		   "illegal TFTP operation");
	end_xfer(srv, x);
}

void tftp_server_input(struct tftp_server *srv, unsigned slot, uint32_t src,
		       uint16_t sport, const void *buf, size_t len,
		       uint64_t now)
{
	if (sport == 0) {
		srv->stats.rx_bad_port++;
		return;
	}
	if (slot == TFTP_LISTEN) {
		input_listen(srv, src, sport, buf, len, now);
		return;
	}
	if (slot >= srv->cfg.max_transfers ||
	    srv->xfers[slot].state == XFER_FREE) {
		srv->stats.rx_no_xfer++;
		return;
	}
	input_xfer(srv, &srv->xfers[slot], src, sport, buf, len, now);
}

/* ---- Timers -------------------------------------------------------------*/

static void expire(struct tftp_server *srv, struct tftp_xfer *x, uint64_t now)
{
	struct tftp_stats *st = &srv->stats;

	st->timeouts++;
	if (x->tries >= srv->cfg.retries) {
		st->xfer_timed_out++;
		send_error(srv, slot_of(srv, x), x->peer, x->peer_port,
			   TFTP_EUNDEF, "timed out");
		end_xfer(srv, x);
		return;
	}
	x->tries++;
	if (!x->fixed_rto)
		x->rto = TERN_MIN(x->rto * 2,
				  srv->cfg.timeout_ns * TFTP_BACKOFF_MAX);
	if (x->state == XFER_OACK) {
		st->oack_retx++;
		send_oack(srv, x);
		x->deadline = now + x->rto;
		return;
	}
	x->next = x->acked + 1;
	send_window(srv, x, now);
}

uint64_t tftp_server_timers(struct tftp_server *srv, uint64_t now)
{
	for (uint32_t i = 0; i < srv->cfg.max_transfers; i++) {
		struct tftp_xfer *x = &srv->xfers[i];

		if (x->state != XFER_FREE && x->deadline <= now)
			expire(srv, x, now);
	}
	return tftp_server_next_deadline(srv);
}

uint64_t tftp_server_next_deadline(const struct tftp_server *srv)
{
	uint64_t next = TERN_NO_DEADLINE;

	for (uint32_t i = 0; i < srv->cfg.max_transfers; i++) {
		const struct tftp_xfer *x = &srv->xfers[i];

		if (x->state != XFER_FREE && x->deadline < next)
			next = x->deadline;
	}
	return next;
}

void tftp_server_abort_all(struct tftp_server *srv)
{
	for (uint32_t i = 0; i < srv->cfg.max_transfers; i++)
		if (srv->xfers[i].state != XFER_FREE)
			end_xfer(srv, &srv->xfers[i]);
}
