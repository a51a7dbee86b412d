/*
 * test_tftp_server.c - the sans-I/O TFTP server core (apps/tftpd/
 * tftp_server.c) under explicit time, with a fake environment: in-memory
 * files whose bytes are a function of the offset, endpoints that record
 * every datagram sent. Option negotiation, the retransmission schedule,
 * duplicate ACKs (no Sorcerer's Apprentice), unknown TIDs, block number
 * wraparound, windowsize, the concurrency limit, path rejection and every
 * refused request. Teardown: every endpoint opened was closed, and no
 * transfer is left.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tern/err.h"
#include "tftp_server.h"
#include "tftp_wire.h"

#define CLIENT 0x0a000001u
#define OTHER 0x0a000009u
#define CPORT 40000
#define T0 (1000 * TERN_NSEC_PER_SEC)
#define SEC TERN_NSEC_PER_SEC
#define LOG_MAX 4096
#define COPY_MAX 2048

/* ---- The fake environment ---------------------------------------------- */

struct sent {
	unsigned slot;
	uint32_t dst;
	uint16_t dport;
	size_t len;
	uint8_t b[COPY_MAX];
};

struct file_def {
	const char *name;
	int rc; /* lookup result */
	uint64_t size;
	uint64_t bad_from; /* reads at or past this offset fail; 0: never */
};

static const struct file_def files[] = {
	{ "hello.txt", 0, 1300, 0 },
	{ "exact", 0, 1024, 0 },
	{ "empty", 0, 0, 0 },
	{ "big", 0, 70000ull * 512 + 100, 0 },
	{ "deep/x.bin", 0, 3000, 0 },
	{ "bad", 0, 5000, 1024 },
	{ "dir", -TERN_EISDIR, 0, 0 },
	{ "dev", -TERN_ENOTSUP, 0, 0 },
	{ "link-out", -TERN_ERANGE, 0, 0 },
	{ "eio", -TERN_EIO, 0, 0 },
};

static struct fake {
	struct tftp_server srv;
	struct sent log[LOG_MAX];
	unsigned nlog;
	bool open[TFTP_MAX_TRANSFERS];
	unsigned opens, closes;
	bool fail_open;
	char looked_up[TFTP_PATH_MAX + 1];
} f;

static uint64_t now;

static uint8_t byte_at(uint64_t id, uint64_t off)
{
	return (uint8_t)(off * 31 + (off >> 9) + id * 7);
}

static int fk_open(void *ctx, unsigned slot)
{
	(void)ctx;
	cr_assert_lt(slot, TFTP_MAX_TRANSFERS);
	cr_assert_not(f.open[slot], "slot %u opened twice", slot);
	if (f.fail_open)
		return -TERN_EADDRINUSE;
	f.open[slot] = true;
	f.opens++;
	return 50000 + (int)slot;
}

static void fk_close(void *ctx, unsigned slot)
{
	(void)ctx;
	cr_assert(f.open[slot], "slot %u closed but not open", slot);
	f.open[slot] = false;
	f.closes++;
}

static int fk_send(void *ctx, unsigned slot, uint32_t dst, uint16_t dport,
		   const void *buf, size_t len)
{
	struct sent *s;

	(void)ctx;
	cr_assert(slot == TFTP_LISTEN || f.open[slot], "send on closed slot %u",
		  slot);
	cr_assert_lt(f.nlog, LOG_MAX, "send log full");
	s = &f.log[f.nlog++];
	s->slot = slot;
	s->dst = dst;
	s->dport = dport;
	s->len = len;
	memcpy(s->b, buf, len < COPY_MAX ? len : COPY_MAX);
	return 0;
}

static int fk_lookup(void *ctx, const char *path, struct tftp_file *out)
{
	(void)ctx;
	snprintf(f.looked_up, sizeof(f.looked_up), "%s", path);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].name, path) != 0)
			continue;
		if (files[i].rc)
			return files[i].rc;
		out->id = i;
		out->size = files[i].size;
		return 0;
	}
	return -TERN_ENOENT;
}

static int fk_read(void *ctx, const struct tftp_file *file, uint64_t off,
		   void *buf, size_t len)
{
	const struct file_def *d = &files[file->id];
	uint8_t *p = buf;

	(void)ctx;
	cr_assert_leq(off + len, d->size, "read past the end");
	if (d->bad_from && off + len > d->bad_from)
		return -TERN_EIO;
	for (size_t i = 0; i < len; i++)
		p[i] = byte_at(file->id, off + i);
	return (int)len;
}

static const struct tftp_env_ops fk_ops = {
	fk_open, fk_close, fk_send, fk_lookup, fk_read,
};

static void start(const struct tftp_config *cfg)
{
	memset(&f, 0, sizeof(f));
	now = T0;
	cr_assert_eq(tftp_server_init(&f.srv, cfg, &fk_ops, NULL), 0);
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	tftp_server_abort_all(&f.srv);
	cr_assert_eq(tftp_server_active(&f.srv), 0);
	cr_assert_eq(f.opens, f.closes, "%u endpoints opened, %u closed",
		     f.opens, f.closes);
}

TestSuite(tftp_server, .init = setup, .fini = teardown);

/* ---- Helpers ----------------------------------------------------------- */

static uint64_t stat(const char *name)
{
	int64_t v = tftp_stats_get(&f.srv.stats, name);

	cr_assert_geq(v, 0, "no counter %s", name);
	return (uint64_t)v;
}

static void input(unsigned slot, uint32_t src, uint16_t sport, const void *buf,
		  size_t len)
{
	tftp_server_input(&f.srv, slot, src, sport, buf, len, now);
}

/* Sends an RRQ for file with options "name", "value", ... (NULL ends). */
static void rrq_from(uint16_t sport, const char *mode, const char *file, ...)
{
	struct tftp_opt opts[TFTP_OPTS_MAX];
	uint8_t pkt[1500];
	unsigned n = 0;
	const char *name;
	va_list ap;
	int len;

	va_start(ap, file);
	while ((name = va_arg(ap, const char *)) != NULL) {
		opts[n].name = tftp_str_c(name);
		opts[n].value = tftp_str_c(va_arg(ap, const char *));
		n++;
	}
	va_end(ap);
	len = tftp_emit_request(pkt, sizeof(pkt), TFTP_RRQ, file, mode, opts,
				n);
	cr_assert_gt(len, 0);
	input(TFTP_LISTEN, CLIENT, sport, pkt, (size_t)len);
}

#define rrq(...) rrq_from(CPORT, "octet", __VA_ARGS__)

static void ack_from(unsigned slot, uint32_t src, uint16_t sport,
		     uint16_t block)
{
	uint8_t pkt[4];

	tftp_emit_ack(pkt, sizeof(pkt), block);
	input(slot, src, sport, pkt, sizeof(pkt));
}

static void ack(unsigned slot, uint16_t block)
{
	ack_from(slot, CLIENT, CPORT, block);
}

/* The i-th datagram sent, parsed. */
static struct tftp_msg pkt(unsigned i)
{
	struct tftp_msg m;

	cr_assert_lt(i, f.nlog, "only %u datagrams sent", f.nlog);
	cr_assert_eq(tftp_parse(&m, f.log[i].b,
				f.log[i].len < COPY_MAX ? f.log[i].len
							: COPY_MAX),
		     0, "datagram %u does not parse", i);
	return m;
}

static struct tftp_msg last(void)
{
	cr_assert_gt(f.nlog, 0, "nothing sent");
	return pkt(f.nlog - 1);
}

/* Checks datagram i is ERROR code, sent from slot to the client. */
static void is_error(unsigned i, unsigned slot, uint16_t code)
{
	struct tftp_msg m = pkt(i);

	cr_assert_eq(m.op, TFTP_ERROR, "datagram %u: op %u", i, m.op);
	cr_assert_eq(m.code, code, "error code %u, want %u (%.*s)", m.code,
		     code, (int)m.text.len, m.text.s);
	cr_assert_eq(f.log[i].slot, slot);
}

/* Checks datagram i is DATA block (wire number) of file id from blksize
 * blocks numbered from 1 at absolute block abs. */
static void is_data(unsigned i, uint64_t id, uint64_t abs, uint32_t blksize)
{
	struct tftp_msg m = pkt(i);
	uint64_t off = (abs - 1) * blksize;
	uint64_t size = files[id].size;
	size_t want = off >= size ? 0
				  : (size_t)(size - off < blksize ? size - off
								  : blksize);

	cr_assert_eq(m.op, TFTP_DATA, "datagram %u: op %u", i, m.op);
	cr_assert_eq(m.block, (uint16_t)abs, "block %u, want %u", m.block,
		     (unsigned)(uint16_t)abs);
	cr_assert_eq(f.log[i].len, TFTP_HDR + want, "length %zu, want %zu",
		     f.log[i].len, TFTP_HDR + want);
	for (size_t k = 0; k < m.data_len; k++)
		cr_assert_eq(m.data[k], byte_at(id, off + k),
			     "block %llu byte %zu", (unsigned long long)abs, k);
	cr_assert_eq(f.log[i].dst, CLIENT);
	cr_assert_eq(f.log[i].dport, CPORT);
}

/* The value of option name in OACK m, or NULL. */
static const char *oack_value(const struct tftp_msg *m, const char *name,
			      char *buf)
{
	for (unsigned i = 0; i < m->nopts; i++) {
		if (tftp_str_ieq(&m->opts[i].name, name)) {
			memcpy(buf, m->opts[i].value.s, m->opts[i].value.len);
			buf[m->opts[i].value.len] = '\0';
			return buf;
		}
	}
	return NULL;
}

/* ---- Plain transfers --------------------------------------------------- */

Test(tftp_server, plain_rrq_without_options)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	cr_assert_eq(f.nlog, 1);
	slot = f.log[0].slot;
	cr_assert_neq(slot, TFTP_LISTEN, "DATA must come from a new TID");
	cr_assert(f.open[slot]);
	is_data(0, 0, 1, 512);
	ack(slot, 1);
	is_data(1, 0, 2, 512);
	ack(slot, 2);
	is_data(2, 0, 3, 512); /* 276 bytes: the last */
	cr_assert_eq(tftp_server_active(&f.srv), 1);
	ack(slot, 3);
	cr_assert_eq(f.nlog, 3, "nothing after the last ACK");
	cr_assert_eq(tftp_server_active(&f.srv), 0);
	cr_assert_not(f.open[slot], "TID closed at the end");
	cr_assert_eq(stat("xfer_done"), 1);
	cr_assert_eq(stat("bytes_tx"), 1300);
	cr_assert_eq(tftp_server_next_deadline(&f.srv), TERN_NO_DEADLINE);
}

Test(tftp_server, exact_multiple_ends_with_empty_block)
{
	unsigned slot;

	rrq("/exact", NULL); /* leading '/' stripped */
	cr_assert_str_eq(f.looked_up, "exact");
	slot = f.log[0].slot;
	is_data(0, 1, 1, 512);
	ack(slot, 1);
	is_data(1, 1, 2, 512);
	ack(slot, 2);
	is_data(2, 1, 3, 512);
	cr_assert_eq(f.log[2].len, 4, "an empty last block");
	ack(slot, 3);
	cr_assert_eq(stat("xfer_done"), 1);
}

Test(tftp_server, empty_file)
{
	struct tftp_msg m;
	unsigned slot;

	/* tsize alone: not acknowledged for an empty file (curl refuses
	 * "tsize 0"), so no OACK: DATA 1 with nothing in it. */
	rrq("empty", "tsize", "0", NULL);
	m = last();
	cr_assert_eq(m.op, TFTP_DATA);
	cr_assert_eq(m.block, 1);
	cr_assert_eq(m.data_len, 0);
	slot = f.log[0].slot;
	ack(slot, 1);
	cr_assert_eq(stat("xfer_done"), 1);
	/* With blksize too, the OACK carries blksize only. */
	rrq("empty", "tsize", "0", "blksize", "1024", NULL);
	m = last();
	cr_assert_eq(m.op, TFTP_OACK);
	cr_assert_eq(m.nopts, 1);
	cr_assert(tftp_str_ieq(&m.opts[0].name, "blksize"));
}

/* ---- Options ----------------------------------------------------------- */

Test(tftp_server, oack_negotiation)
{
	struct tftp_msg m;
	char v[32];
	unsigned slot;

	rrq("deep/x.bin", "TSize", "0", "blksize", "1024", "windowsize", "2",
	    "timeout", "3", "rollover", "0", NULL);
	cr_assert_eq(f.nlog, 1);
	m = last();
	slot = f.log[0].slot;
	cr_assert_eq(m.op, TFTP_OACK);
	cr_assert_neq(slot, TFTP_LISTEN);
	cr_assert_eq(m.nopts, 4, "rollover is not acknowledged");
	cr_assert_str_eq(oack_value(&m, "blksize", v), "1024");
	cr_assert_str_eq(oack_value(&m, "tsize", v), "3000");
	cr_assert_str_eq(oack_value(&m, "timeout", v), "3");
	cr_assert_str_eq(oack_value(&m, "windowsize", v), "2");
	cr_assert_eq(stat("opt_unknown"), 1);
	cr_assert_eq(stat("oack_tx"), 1);

	/* ACK 0 starts the data: a window of 2 blocks of 1024. */
	ack(slot, 0);
	cr_assert_eq(f.nlog, 3);
	is_data(1, 4, 1, 1024);
	is_data(2, 4, 2, 1024);
	ack(slot, 2);
	is_data(3, 4, 3, 1024); /* 952 bytes, the last */
	cr_assert_eq(f.nlog, 4);
	ack(slot, 3);
	cr_assert_eq(stat("xfer_done"), 1);
}

Test(tftp_server, option_values_capped_or_ignored)
{
	struct tftp_config cfg;
	struct tftp_msg m;
	char v[32];

	tftp_config_default(&cfg);
	cfg.blksize_max = 1468;
	cfg.window_max = 16;
	start(&cfg);

	/* Huge values are lowered to the caps. */
	rrq_from(1001, "octet", "hello.txt", "blksize",
		 "99999999999999999999999", "windowsize", "70000", NULL);
	m = last();
	cr_assert_eq(m.op, TFTP_OACK);
	cr_assert_str_eq(oack_value(&m, "blksize", v), "1468");
	cr_assert_str_eq(oack_value(&m, "windowsize", v), "16");

	/* Out of range or not a number: not acknowledged at all, so no
	 * OACK - DATA 1 at 512 bytes. */
	rrq_from(1002, "octet", "hello.txt", "blksize", "7", "windowsize", "0",
		 "timeout", "256", "tsize", "x", NULL);
	m = last();
	cr_assert_eq(m.op, TFTP_DATA);
	cr_assert_eq(f.log[f.nlog - 1].len, 4 + 512);
	cr_assert_eq(stat("opt_bad_value"), 4);

	/* Repeated: the first wins. */
	rrq_from(1003, "octet", "hello.txt", "blksize", "600", "BLKSIZE", "700",
		 NULL);
	m = last();
	cr_assert_str_eq(oack_value(&m, "blksize", v), "600");
	cr_assert_eq(m.nopts, 1);
	cr_assert_eq(stat("opt_repeated"), 1);

	/* Smallest legal blksize. */
	rrq_from(1004, "octet", "hello.txt", "blksize", "8", NULL);
	m = last();
	cr_assert_str_eq(oack_value(&m, "blksize", v), "8");
	cr_assert_eq(tftp_server_active(&f.srv), 4);
}

Test(tftp_server, option_junk_does_not_refuse)
{
	static const char req[] = "\x00\x01hello.txt\x00octet\x00"
				  "blksize\x00"
				  "1000\x00"
				  "tsize";
	struct tftp_msg m;
	char v[32];

	input(TFTP_LISTEN, CLIENT, CPORT, req, sizeof(req) - 1);
	m = last();
	cr_assert_eq(m.op, TFTP_OACK);
	cr_assert_str_eq(oack_value(&m, "blksize", v), "1000");
	cr_assert_null(oack_value(&m, "tsize", v));
	cr_assert_eq(stat("opt_junk"), 1);
}

/* ---- Retransmission ---------------------------------------------------- */

Test(tftp_server, retransmission_schedule_backs_off)
{
	/* Base 1 s, doubling to 8 s: retransmissions at +1, +3, +7, +15,
	 * +23 s; the sixth expiry (+31 s) gives up with ERROR 0. */
	static const uint64_t at[] = { 1, 3, 7, 15, 23 };
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	cr_assert_eq(tftp_server_next_deadline(&f.srv), T0 + 1 * SEC);
	for (unsigned i = 0; i < 5; i++) {
		/* Just before the deadline: nothing. */
		now = T0 + at[i] * SEC - 1;
		cr_assert_eq(tftp_server_timers(&f.srv, now), T0 + at[i] * SEC);
		cr_assert_eq(f.nlog, 1 + i);
		now = T0 + at[i] * SEC;
		tftp_server_timers(&f.srv, now);
		cr_assert_eq(f.nlog, 2 + i, "retransmission %u", i + 1);
		is_data(1 + i, 0, 1, 512);
	}
	cr_assert_eq(stat("data_retx"), 5);
	now = T0 + 31 * SEC - 1;
	tftp_server_timers(&f.srv, now);
	cr_assert_eq(f.nlog, 6);
	now = T0 + 31 * SEC;
	cr_assert_eq(tftp_server_timers(&f.srv, now), TERN_NO_DEADLINE);
	is_error(6, slot, TFTP_EUNDEF);
	cr_assert_eq(stat("xfer_timed_out"), 1);
	cr_assert_not(f.open[slot]);
}

Test(tftp_server, progress_resets_the_backoff)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	now += SEC;
	tftp_server_timers(&f.srv, now); /* retransmit, rto now 2 s */
	now += 2 * SEC;
	tftp_server_timers(&f.srv, now); /* again, rto 4 s */
	cr_assert_eq(f.nlog, 3);
	now += 10 * TERN_NSEC_PER_MSEC;
	ack(slot, 1);
	is_data(3, 0, 2, 512);
	cr_assert_eq(tftp_server_next_deadline(&f.srv), now + SEC,
		     "an ACK that moves the window resets rto to the base");
}

Test(tftp_server, negotiated_timeout_is_fixed)
{
	unsigned slot;

	rrq("hello.txt", "timeout", "3", NULL);
	slot = f.log[0].slot;
	cr_assert_eq(last().op, TFTP_OACK);
	cr_assert_eq(tftp_server_next_deadline(&f.srv), T0 + 3 * SEC);
	for (unsigned i = 1; i <= 5; i++) {
		now = T0 + 3 * SEC * i;
		tftp_server_timers(&f.srv, now);
		cr_assert_eq(last().op, TFTP_OACK, "OACK resent");
		cr_assert_eq(tftp_server_next_deadline(&f.srv), now + 3 * SEC);
	}
	cr_assert_eq(stat("oack_retx"), 5);
	now += 3 * SEC;
	tftp_server_timers(&f.srv, now);
	is_error(f.nlog - 1, slot, TFTP_EUNDEF);
}

Test(tftp_server, retries_zero_gives_up_at_first_expiry)
{
	struct tftp_config cfg;

	tftp_config_default(&cfg);
	cfg.retries = 0;
	cfg.timeout_ns = 250 * TERN_NSEC_PER_MSEC;
	start(&cfg);
	rrq("hello.txt", NULL);
	now += 250 * TERN_NSEC_PER_MSEC;
	tftp_server_timers(&f.srv, now);
	is_error(1, f.log[0].slot, TFTP_EUNDEF);
	cr_assert_eq(tftp_server_active(&f.srv), 0);
}

/* ---- Duplicates -------------------------------------------------------- */

Test(tftp_server, duplicate_ack_is_never_answered)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	ack(slot, 1);
	cr_assert_eq(f.nlog, 2);
	/* The client's ACK 1 again (it timed out waiting for DATA 2, or the
	 * network duplicated it): nothing may go out, or every later block
	 * would go out twice (Sorcerer's Apprentice). */
	for (int i = 0; i < 5; i++)
		ack(slot, 1);
	cr_assert_eq(f.nlog, 2);
	cr_assert_eq(stat("ack_dup"), 5);
	ack(slot, 2);
	cr_assert_eq(f.nlog, 3);
	is_data(2, 0, 3, 512);
	/* A stale ACK from before (block 1) and one from the future. */
	ack(slot, 1);
	ack(slot, 7);
	cr_assert_eq(f.nlog, 3);
	cr_assert_eq(stat("ack_stale"), 2);
	/* The timer is what retransmits. */
	now += SEC;
	tftp_server_timers(&f.srv, now);
	is_data(3, 0, 3, 512);
}

Test(tftp_server, duplicate_rrq_resends_first_packet)
{
	unsigned slot;

	rrq("hello.txt", "blksize", "1024", NULL);
	slot = f.log[0].slot;
	rrq("hello.txt", "blksize", "1024", NULL);
	cr_assert_eq(f.nlog, 2);
	cr_assert_eq(last().op, TFTP_OACK);
	cr_assert_eq(f.log[1].slot, slot, "from the same TID");
	cr_assert_eq(tftp_server_active(&f.srv), 1);
	cr_assert_eq(f.opens, 1);
	cr_assert_eq(stat("rrq_dup"), 1);
	ack(slot, 0);
	rrq("hello.txt", "blksize", "1024", NULL); /* stale now */
	cr_assert_eq(f.nlog, 3);

	/* Without options: DATA 1 again, until block 1 is acknowledged. */
	rrq_from(CPORT + 1, "octet", "exact", NULL);
	slot = f.log[3].slot;
	rrq_from(CPORT + 1, "octet", "exact", NULL);
	cr_assert_eq(f.nlog, 5);
	cr_assert_eq(last().op, TFTP_DATA);
	cr_assert_eq(last().block, 1);
	cr_assert_eq(f.log[4].slot, slot);
}

/* ---- Transfer IDs and illegal packets ---------------------------------- */

Test(tftp_server, unknown_tid_gets_error_5_and_transfer_goes_on)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	ack_from(slot, CLIENT, CPORT + 1, 1); /* same host, other port */
	is_error(1, slot, TFTP_EBADID);
	cr_assert_eq(f.log[1].dport, CPORT + 1);
	ack_from(slot, OTHER, CPORT, 1); /* other host */
	is_error(2, slot, TFTP_EBADID);
	cr_assert_eq(f.log[2].dst, OTHER);
	/* An ERROR from a stranger is not answered. */
	input(slot, OTHER, 9, "\x00\x05\x00\x00x", 6);
	cr_assert_eq(f.nlog, 3);
	cr_assert_eq(stat("unknown_tid"), 2);
	cr_assert_eq(stat("unknown_tid_error"), 1);
	/* The transfer is untouched. */
	ack(slot, 1);
	is_data(3, 0, 2, 512);
	cr_assert_eq(stat("ack_rx"), 1);
}

Test(tftp_server, client_error_ends_transfer)
{
	unsigned slot;

	rrq("hello.txt", "blksize", "1024", NULL);
	slot = f.log[0].slot;
	/* The client refuses our OACK (ERROR 8). */
	input(slot, CLIENT, CPORT, "\x00\x05\x00\x08no\x00", 7);
	cr_assert_eq(f.nlog, 1, "no ERROR in reply to an ERROR");
	cr_assert_eq(stat("xfer_peer_error"), 1);
	cr_assert_not(f.open[slot]);
	/* Later datagrams for that slot are dropped. */
	ack(slot, 0);
	cr_assert_eq(stat("rx_no_xfer"), 1);
	cr_assert_eq(f.nlog, 1);
}

Test(tftp_server, illegal_opcode_on_tid_ends_transfer)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	input(slot, CLIENT, CPORT, "\x00\x03\x00\x01hi", 6); /* DATA */
	is_error(1, slot, TFTP_EBADOP);
	cr_assert_eq(stat("xfer_illegal"), 1);
	cr_assert_not(f.open[slot]);

	rrq_from(CPORT + 1, "octet", "hello.txt", NULL);
	slot = f.log[2].slot;
	input(slot, CLIENT, CPORT + 1, "\x00\x09", 2); /* unknown opcode */
	is_error(3, slot, TFTP_EBADOP);
	cr_assert_eq(tftp_server_active(&f.srv), 0);
}

Test(tftp_server, malformed_on_tid_is_dropped)
{
	unsigned slot;

	rrq("hello.txt", NULL);
	slot = f.log[0].slot;
	input(slot, CLIENT, CPORT, "\x00\x04\x00", 3); /* short ACK */
	input(slot, CLIENT, CPORT, "\x00", 1);
	input(slot, CLIENT, CPORT, "", 0);
	cr_assert_eq(f.nlog, 1);
	cr_assert_eq(stat("rx_malformed"), 1);
	cr_assert_eq(stat("rx_short"), 2);
	/* A padded ACK is still an ACK. */
	input(slot, CLIENT, CPORT, "\x00\x04\x00\x01\x00\x00", 6);
	is_data(1, 0, 2, 512);
}

/* ---- Requests refused -------------------------------------------------- */

Test(tftp_server, requests_refused)
{
	static const struct {
		const char *file, *mode;
		uint16_t code;
		const char *counter;
	} cases[] = {
		{ "nope", "octet", TFTP_ENOTFOUND, "req_not_found" },
		{ "dir", "octet", TFTP_EACCESS, "req_not_file" },
		{ "dev", "octet", TFTP_EACCESS, "req_not_file" },
		{ "link-out", "octet", TFTP_EACCESS, "req_outside_root" },
		{ "eio", "octet", TFTP_EUNDEF, "req_lookup_error" },
		{ "/", "octet", TFTP_EUNDEF, NULL }, /* looked up as "" */
		{ "../hello.txt", "octet", TFTP_EACCESS, "req_escape" },
		{ "/x/../../hello.txt", "octet", TFTP_EACCESS, "req_escape" },
		{ "hello.txt", "netascii", TFTP_EUNDEF, "req_netascii" },
		{ "hello.txt", "mail", TFTP_EBADOP, "req_bad_mode" },
		{ "hello.txt", "binary", TFTP_EBADOP, "req_bad_mode" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = f.nlog;

		rrq_from((uint16_t)(2000 + i), cases[i].mode, cases[i].file,
			 NULL);
		cr_assert_eq(f.nlog, before + 1, "%s", cases[i].file);
		if (cases[i].counter)
			is_error(before, TFTP_LISTEN, cases[i].code);
		else
			cr_assert_eq(last().op, TFTP_ERROR);
		cr_assert_eq(f.log[before].dport, 2000 + i);
		if (cases[i].counter)
			cr_assert_eq(stat(cases[i].counter) > 0, true, "%s",
				     cases[i].counter);
	}
	cr_assert_eq(f.opens, 0, "no TID spent on a refusal");
	cr_assert_eq(tftp_server_active(&f.srv), 0);
	/* ".." that stays inside is fine. */
	rrq("a/../hello.txt", NULL);
	cr_assert_str_eq(f.looked_up, "hello.txt");
	cr_assert_eq(last().op, TFTP_DATA);
}

Test(tftp_server, write_request_refused)
{
	uint8_t pkt[64];
	int n = tftp_emit_request(pkt, sizeof(pkt), TFTP_WRQ, "up.bin", "octet",
				  NULL, 0);

	input(TFTP_LISTEN, CLIENT, CPORT, pkt, (size_t)n);
	is_error(0, TFTP_LISTEN, TFTP_EACCESS);
	cr_assert_eq(stat("wrq_refused"), 1);
	cr_assert_eq(f.opens, 0);
}

Test(tftp_server, junk_on_listen_port)
{
	char longname[TFTP_PATH_MAX + 20];
	uint8_t pkt[TFTP_PATH_MAX + 64];
	int n;

	input(TFTP_LISTEN, CLIENT, CPORT, "\x01", 1); /* short */
	cr_assert_eq(f.nlog, 0);
	input(TFTP_LISTEN, CLIENT, CPORT, "\x00\x01\x00octet\x00", 8);
	is_error(0, TFTP_LISTEN, TFTP_EBADOP); /* no name */
	input(TFTP_LISTEN, CLIENT, CPORT,
	      "\x00\x01"
	      "abc",
	      5);
	is_error(1, TFTP_LISTEN, TFTP_EBADOP); /* no NUL */
	input(TFTP_LISTEN, CLIENT, CPORT, "\x00\x04\x00\x01", 4);
	is_error(2, TFTP_LISTEN, TFTP_EBADOP); /* an ACK */
	input(TFTP_LISTEN, CLIENT, CPORT, "\x00\x63", 2);
	is_error(3, TFTP_LISTEN, TFTP_EBADOP); /* opcode 99 */
	input(TFTP_LISTEN, CLIENT, CPORT, "\x00\x05\x00\x01x\x00", 6);
	cr_assert_eq(f.nlog, 4, "an ERROR is never answered");
	input(TFTP_LISTEN, CLIENT, 0, "\x00\x01x\x00octet\x00", 10);
	cr_assert_eq(f.nlog, 4, "port 0 is not answered");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	n = tftp_emit_request(pkt, sizeof(pkt), TFTP_RRQ, longname, "octet",
			      NULL, 0);
	input(TFTP_LISTEN, CLIENT, CPORT, pkt, (size_t)n);
	is_error(4, TFTP_LISTEN, TFTP_EUNDEF);
	cr_assert_eq(stat("rx_short"), 1);
	cr_assert_eq(stat("req_malformed"), 2);
	cr_assert_eq(stat("listen_not_req"), 1);
	cr_assert_eq(stat("rx_bad_opcode"), 1);
	cr_assert_eq(stat("listen_error"), 1);
	cr_assert_eq(stat("rx_bad_port"), 1);
	cr_assert_eq(stat("req_name_too_long"), 1);
	cr_assert_eq(f.opens, 0);
}

Test(tftp_server, read_error_ends_transfer)
{
	unsigned slot;

	rrq("bad", NULL);
	slot = f.log[0].slot;
	ack(slot, 1);
	ack(slot, 2); /* block 3 covers byte 1024: the read fails */
	is_error(2, slot, TFTP_EUNDEF);
	cr_assert_eq(stat("xfer_read_error"), 1);
	cr_assert_not(f.open[slot]);
}

Test(tftp_server, no_port_is_an_error)
{
	f.fail_open = true;
	rrq("hello.txt", NULL);
	is_error(0, TFTP_LISTEN, TFTP_EUNDEF);
	cr_assert_eq(stat("req_no_port"), 1);
	cr_assert_eq(tftp_server_active(&f.srv), 0);
}

/* ---- Concurrency ------------------------------------------------------- */

Test(tftp_server, concurrency_limit)
{
	struct tftp_config cfg;
	struct tftp_msg m;
	unsigned s0;

	tftp_config_default(&cfg);
	cfg.max_transfers = 2;
	start(&cfg);
	rrq_from(3000, "octet", "hello.txt", NULL);
	rrq_from(3001, "octet", "exact", NULL);
	cr_assert_eq(tftp_server_active(&f.srv), 2);
	cr_assert_neq(f.log[0].slot, f.log[1].slot);
	rrq_from(3002, "octet", "hello.txt", NULL);
	is_error(2, TFTP_LISTEN, TFTP_EUNDEF);
	m = pkt(2);
	cr_assert(memmem(m.text.s, m.text.len, "busy", 4) != NULL,
		  "a clear message: %.*s", (int)m.text.len, m.text.s);
	cr_assert_eq(stat("req_busy"), 1);
	cr_assert_eq(f.opens, 2);

	/* Finish the first; the third client's retry is then served. */
	s0 = f.log[0].slot;
	ack_from(s0, CLIENT, 3000, 1);
	ack_from(s0, CLIENT, 3000, 2);
	ack_from(s0, CLIENT, 3000, 3);
	cr_assert_eq(tftp_server_active(&f.srv), 1);
	rrq_from(3002, "octet", "hello.txt", NULL);
	cr_assert_eq(last().op, TFTP_DATA);
	cr_assert_eq(f.log[f.nlog - 1].slot, s0, "the freed slot is reused");
	cr_assert_eq(tftp_server_active(&f.srv), 2);
}

/* ---- Windows ----------------------------------------------------------- */

Test(tftp_server, windowsize_slides_and_resumes_after_a_gap)
{
	unsigned slot, n;

	rrq("deep/x.bin", "blksize", "256", "windowsize", "4", NULL);
	slot = f.log[0].slot;
	ack(slot, 0);
	cr_assert_eq(f.nlog, 5);
	for (unsigned b = 1; b <= 4; b++)
		is_data(b, 4, b, 256);
	/* The whole window acknowledged: the next four. */
	ack(slot, 4);
	cr_assert_eq(f.nlog, 9);
	for (unsigned b = 5; b <= 8; b++)
		is_data(b, 4, b, 256);
	/* The client saw a gap after 6: resume with 7 (not a duplicate: it
	 * acknowledges 5 and 6). */
	ack(slot, 6);
	cr_assert_eq(stat("ack_partial"), 1);
	n = f.nlog;
	cr_assert_eq(n, 13);
	for (unsigned i = 0; i < 4; i++)
		is_data(9 + i, 4, 7 + i, 256);
	/* A duplicate of 6 changes nothing. */
	ack(slot, 6);
	cr_assert_eq(f.nlog, n);
	/* Timeout: the window again from the block after the last ACK. */
	now += SEC;
	tftp_server_timers(&f.srv, now);
	cr_assert_eq(f.nlog, n + 4);
	for (unsigned i = 0; i < 4; i++)
		is_data(n + i, 4, 7 + i, 256);
	/* 3000 bytes = 11 full blocks + 1 of 184: the last window is
	 * shorter. */
	ack(slot, 10);
	cr_assert_eq(f.nlog, n + 6);
	is_data(n + 4, 4, 11, 256);
	is_data(n + 5, 4, 12, 256);
	ack(slot, 12);
	cr_assert_eq(stat("xfer_done"), 1);
}

/* ---- Wraparound -------------------------------------------------------- */

Test(tftp_server, block_numbers_roll_over_to_zero, .timeout = 120)
{
	/* "big" is 70,000 blocks of 512 plus 100 bytes: block 65,536 goes
	 * out as 0, 65,537 as 1, and the ACKs map back. */
	uint64_t want = files[3].size / 512 + 1;
	unsigned slot;
	uint64_t abs;

	rrq("big", NULL);
	slot = f.log[0].slot;
	for (abs = 1; abs <= want; abs++) {
		struct tftp_msg m = last();

		cr_assert_eq(m.op, TFTP_DATA);
		cr_assert_eq(m.block, (uint16_t)abs);
		if (abs == 65535 || abs == 65536 || abs == 65537 || abs == want)
			is_data(f.nlog - 1, 3, abs, 512);
		if (abs == 65536)
			cr_assert_eq(m.block, 0,
				     "block 65536 is 0 on the wire");
		/* A duplicate of the previous ACK on every block near the
		 * wrap: still ignored. */
		if (abs > 65530 && abs < 65540)
			ack(slot, (uint16_t)(abs - 1));
		ack(slot, m.block);
		f.nlog = 1;
		memcpy(&f.log[0], &f.log[1], sizeof(f.log[0]));
	}
	cr_assert_eq(stat("xfer_done"), 1);
	cr_assert_eq(stat("data_tx"), want);
	cr_assert_eq(stat("data_retx"), 0);
	cr_assert_eq(stat("ack_dup"), 9);
	cr_assert_eq(stat("bytes_tx"), files[3].size);
}
