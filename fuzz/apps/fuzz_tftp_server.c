/*
 * fuzz_tftp_server.c - fuzz target for the read-only TFTP server core
 * (apps/tftpd/tftp_server.c), driven by arbitrary datagram sequences and
 * time steps.
 *
 * Input: 4 bytes of configuration (max_transfers 1..4, window_max 1..64,
 * retries 0..3, blksize_max 8..1031), then operations, each an opcode byte
 * and its arguments:
 *   0 T        time passes: T x 10 ms, then the timers run
 *   1 P L ...  a raw datagram of L bytes from peer P to port 69
 *   2 S P L .. a raw datagram of L bytes from peer P to transfer slot S
 *   3 P F O V  a well-formed RRQ from peer P for file F, with the options
 *              chosen by the bits of O (blksize, tsize, timeout,
 *              windowsize, BlkSize again, rollover; bit 6 with V odd:
 *              netascii), values derived from V
 *   4 S D      an ACK to slot S from its own peer, for the last block the
 *              slot sent plus D - 8 (moves transfers forward)
 *   5          the timers run at exactly the next deadline
 * The environment has files of 0, 100, 5,000 and 1,000,003 bytes (the last
 * rolls block numbers over at blksize 8 or 12), a directory, a file whose reads
 * fail, and one outside the root.
 *
 * Invariants, after every operation: the transfers live equal the
 * endpoints open; every datagram sent parses, is DATA, OACK or ERROR, goes
 * out on an open endpoint (or port 69's), and DATA carries at most
 * blksize_max bytes (or 512 when no blksize was negotiated); reads stay inside their file; the next deadline is
 * later than now once the timers ran. At the end, time runs out: every
 * transfer gives up, and every endpoint opened has been closed.
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tftp_server.h"
#include "tftp_wire.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull
#define PEERS 4

static const uint32_t peer_ip[PEERS] = { 0x0a000001, 0x0a000001, 0x0a000005,
					 0x0a000009 };
static const uint16_t peer_port[PEERS] = { 40000, 40001, 40000, 0 };

static const struct {
	const char *name;
	int rc;
	uint64_t size;
	bool bad;
} files[] = {
	{ "empty", 0, 0, false },	   { "small", 0, 100, false },
	{ "mid", 0, 5000, false },	   { "big", 0, 1000003, false },
	{ "dir", -TERN_EISDIR, 0, false }, { "bad", 0, 3000, true },
	{ "out", -TERN_ERANGE, 0, false },
};

static struct fz {
	struct tftp_server srv;
	bool open[TFTP_MAX_TRANSFERS];
	unsigned nopen, opens, closes;
	uint32_t blksize_max;
	uint16_t last_block[TFTP_MAX_TRANSFERS];
	uint32_t slot_peer[TFTP_MAX_TRANSFERS]; /* peer index + 1 */
} fz;

static int fz_open(void *ctx, unsigned slot)
{
	(void)ctx;
	TERN_ASSERT(slot < TFTP_MAX_TRANSFERS && !fz.open[slot]);
	fz.open[slot] = true;
	fz.nopen++;
	fz.opens++;
	fz.last_block[slot] = 0;
	return 50000 + (int)slot;
}

static void fz_close(void *ctx, unsigned slot)
{
	(void)ctx;
	TERN_ASSERT(slot < TFTP_MAX_TRANSFERS && fz.open[slot]);
	fz.open[slot] = false;
	fz.nopen--;
	fz.closes++;
}

static int fz_send(void *ctx, unsigned slot, uint32_t dst, uint16_t dport,
		   const void *buf, size_t len)
{
	struct tftp_msg m;

	(void)ctx;
	(void)dst;
	TERN_ASSERT(dport != 0);
	TERN_ASSERT(slot == TFTP_LISTEN ||
		    (slot < TFTP_MAX_TRANSFERS && fz.open[slot]));
	TERN_ASSERT(tftp_parse(&m, buf, len) == 0);
	TERN_ASSERT(m.op == TFTP_DATA || m.op == TFTP_OACK ||
		    m.op == TFTP_ERROR);
	if (m.op == TFTP_DATA) {
		TERN_ASSERT(slot != TFTP_LISTEN);
		/* blksize_max caps the option; without it the RFC's 512. */
		TERN_ASSERT(m.data_len <= fz.blksize_max ||
			    m.data_len <= TFTP_BLKSIZE_DEFAULT);
		fz.last_block[slot] = m.block;
	}
	if (m.op == TFTP_OACK)
		TERN_ASSERT(slot != TFTP_LISTEN);
	return 0;
}

static int fz_lookup(void *ctx, const char *path, struct tftp_file *f)
{
	(void)ctx;
	/* A cleaned path: no leading '/', no empty, "." or ".." part. */
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");

		TERN_ASSERT(n > 0);
		TERN_ASSERT(!(n == 1 && c[0] == '.'));
		TERN_ASSERT(!(n == 2 && c[0] == '.' && c[1] == '.'));
		c += n;
		if (*c == '/') {
			c++;
			TERN_ASSERT(*c != '\0');
		}
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].name, path) != 0)
			continue;
		if (files[i].rc)
			return files[i].rc;
		f->id = i;
		f->size = files[i].size;
		return 0;
	}
	return -TERN_ENOENT;
}

static int fz_read(void *ctx, const struct tftp_file *f, uint64_t off,
		   void *buf, size_t len)
{
	(void)ctx;
	TERN_ASSERT(f->id < sizeof(files) / sizeof(files[0]));
	TERN_ASSERT(len > 0 && off + len <= files[f->id].size);
	if (files[f->id].bad)
		return -TERN_EIO;
	memset(buf, (int)(off & 0xff), len);
	return (int)len;
}

static const struct tftp_env_ops fz_ops = {
	fz_open, fz_close, fz_send, fz_lookup, fz_read,
};

static void check(uint64_t now, bool timers_ran)
{
	TERN_ASSERT(tftp_server_active(&fz.srv) == fz.nopen);
	if (timers_ran)
		TERN_ASSERT(tftp_server_next_deadline(&fz.srv) > now);
}

static void send_rrq(struct fuzz_input *in, uint64_t now)
{
	static const char *const names[] = {
		"blksize",    "tsize",	 "timeout",
		"windowsize", "BlkSize", "rollover"
	};
	char vals[6][24];
	struct tftp_opt opts[6];
	uint8_t pkt[512];
	unsigned p = fuzz_u8(in) % PEERS, fi = fuzz_u8(in);
	unsigned bits = fuzz_u8(in), v = fuzz_u8(in), n = 0;
	const char *file;
	int len;

	file = files[fi % (sizeof(files) / sizeof(files[0]))].name;
	if (fi >= 0xf0)
		file = "missing";
	for (unsigned i = 0; i < 6; i++) {
		if (!(bits & (1u << i)))
			continue;
		/* Values around the interesting edges: windowsize and tsize
		 * take v itself, the others v % 20 (or v * 300 with bit 7). */
		unsigned val = (bits & 0x80) ? v * 300u : v % 20;

		if (i == 1 || i == 3)
			val = v;

		len = 0;
		do {
			vals[n][len++] = (char)('0' + val % 10);
			val /= 10;
		} while (val && len < 10);
		vals[n][len] = '\0';
		opts[n].name = tftp_str_c(names[i]);
		opts[n].value = tftp_str_c(vals[n]);
		n++;
	}
	len = tftp_emit_request(pkt, sizeof(pkt), TFTP_RRQ, file,
				(bits & 0x40) && (v & 1) ? "netascii" : "octet",
				opts, n);
	TERN_ASSERT(len > 0);
	tftp_server_input(&fz.srv, TFTP_LISTEN, peer_ip[p], peer_port[p], pkt,
			  (size_t)len, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct tftp_config cfg;
	uint64_t now = 1000 * MS;
	uint8_t raw[256];

	memset(&fz, 0, sizeof(fz));
	tftp_config_default(&cfg);
	cfg.max_transfers = 1 + fuzz_u8(&in) % 4;
	cfg.window_max = 1 + fuzz_u8(&in) % 64;
	cfg.retries = fuzz_u8(&in) % 4;
	cfg.blksize_max = 8 + fuzz_u8(&in) * 4u;
	cfg.timeout_ns = 100 * MS;
	fz.blksize_max = cfg.blksize_max;
	TERN_ASSERT(tftp_server_init(&fz.srv, &cfg, &fz_ops, NULL) == 0);

	for (unsigned ops = 0; in.left && ops < 4096; ops++) {
		unsigned op = fuzz_u8(&in) % 6, s, p;
		const uint8_t *bytes;
		size_t len;
		bool timers = false;

		switch (op) {
		case 0:
			now += fuzz_u8(&in) * 10 * MS;
			tftp_server_timers(&fz.srv, now);
			timers = true;
			break;
		case 1:
		case 2:
			s = op == 2 ? fuzz_u8(&in) % (cfg.max_transfers + 1)
				    : TFTP_LISTEN;
			p = fuzz_u8(&in) % PEERS;
			len = fuzz_u8(&in);
			bytes = fuzz_bytes(&in, &len);
			memcpy(raw, bytes, len);
			tftp_server_input(&fz.srv, s, peer_ip[p], peer_port[p],
					  raw, len, now);
			break;
		case 3:
			send_rrq(&in, now);
			break;
		case 4: {
			uint8_t ack[4];
			const struct tftp_xfer *x;

			s = fuzz_u8(&in) % cfg.max_transfers;
			x = &fz.srv.xfers[s];
			tftp_emit_ack(ack, sizeof(ack),
				      (uint16_t)(fz.last_block[s] +
						 fuzz_u8(&in) - 8));
			tftp_server_input(&fz.srv, s, x->peer, x->peer_port,
					  ack, sizeof(ack), now);
			break;
		}
		default: {
			uint64_t d = tftp_server_next_deadline(&fz.srv);

			if (d != TERN_NO_DEADLINE) {
				now = d > now ? d : now;
				tftp_server_timers(&fz.srv, now);
				timers = true;
			}
			break;
		}
		}
		check(now, timers);
	}

	/* Time runs out: every transfer must give up, bounded. */
	for (int i = 0; i < 64 && tftp_server_active(&fz.srv); i++) {
		now += 3600 * 1000 * MS;
		tftp_server_timers(&fz.srv, now);
	}
	TERN_ASSERT(tftp_server_active(&fz.srv) == 0);
	TERN_ASSERT(fz.nopen == 0 && fz.opens == fz.closes);
	return 0;
}
