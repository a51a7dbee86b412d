/*
 * tftp_wire.h - TFTP packets (RFC 1350) with option extension (RFC 2347):
 * parse into a plain struct, emit from one. No state.
 *
 * Packets, all fields big-endian:
 *
 *   RRQ/WRQ  | 1/2 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | ...
 *   DATA     | 3 | block | 0..blksize bytes of data
 *   ACK      | 4 | block
 *   ERROR    | 5 | code | message | 0
 *   OACK     | 6 | opt1 | 0 | value1 | 0 | ...
 *
 * The parser reads through a tern_view: every string must end with a NUL
 * inside the datagram, every fixed field must be present. Strings in the
 * parsed struct point into the caller's buffer (borrowed, not copied) and
 * carry their length; they are NUL-terminated in the buffer except an
 * ERROR message, whose NUL the parser tolerates missing.
 *
 * Leniency, each with its reason:
 *   - trailing bytes after the mode that do not form a complete name/value
 *     pair (a name without its value or NUL, old PXE ROMs padding requests
 *     with zeros) are ignored and flagged in opts_junk, not fatal: the
 *     request itself is well formed;
 *   - more than TFTP_OPTS_MAX options: the rest are counted in
 *     opts_dropped and ignored (RFC 2347 lets a server ignore options);
 *   - an ACK or DATA longer than its header is an ACK with padding (some
 *     clients pad to a minimum frame) or DATA with payload;
 *   - an ERROR message without its NUL runs to the end of the datagram.
 * Everything else that does not fit the grammar is -TERN_EBADMSG.
 */
#ifndef TFTP_WIRE_H
#define TFTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT 69

/* Opcodes. */
#define TFTP_RRQ 1
#define TFTP_WRQ 2
#define TFTP_DATA 3
#define TFTP_ACK 4
#define TFTP_ERROR 5
#define TFTP_OACK 6

/* Error codes (RFC 1350, RFC 2347). */
#define TFTP_EUNDEF 0 /* not defined, see the message */
#define TFTP_ENOTFOUND 1
#define TFTP_EACCESS 2
#define TFTP_ENOSPACE 3
#define TFTP_EBADOP 4 /* illegal TFTP operation */
#define TFTP_EBADID 5 /* unknown transfer ID */
#define TFTP_EEXISTS 6
#define TFTP_ENOUSER 7
#define TFTP_EOPTNEG 8 /* option negotiation refused (RFC 2347) */

#define TFTP_HDR 4 /* opcode + block, or opcode + code */
#define TFTP_BLKSIZE_DEFAULT 512
#define TFTP_BLKSIZE_MIN 8     /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464 /* RFC 2348 */
#define TFTP_OPTS_MAX 8	       /* options kept per packet */

/* Borrowed bytes of a packet: [s, s + len). */
struct tftp_str {
	const char *s;
	size_t len;
};

struct tftp_opt {
	struct tftp_str name, value;
};

/* A parsed packet. Which fields are set depends on op. */
struct tftp_msg {
	uint16_t op; /* TFTP_RRQ .. TFTP_OACK */
	/* RRQ, WRQ */
	struct tftp_str file, mode;
	/* RRQ, WRQ, OACK */
	struct tftp_opt opts[TFTP_OPTS_MAX];
	unsigned nopts;
	unsigned opts_dropped; /* complete options beyond TFTP_OPTS_MAX */
	bool opts_junk;	       /* trailing bytes that are no option */
	/* DATA, ACK */
	uint16_t block;
	const uint8_t *data; /* DATA payload */
	size_t data_len;
	/* ERROR */
	uint16_t code;
	struct tftp_str text; /* message, without its NUL */
};

/* Parses the datagram buf[0..len) into *m (cleared first). Returns 0;
 * -TERN_ENOTSUP if the opcode is not 1..6 (m->op holds it); -TERN_EBADMSG
 * if it is shorter than its fixed fields, or a request's filename or mode
 * is missing, empty or not NUL-terminated, or an OACK's options are not
 * complete name/value pairs (m->op holds the opcode, 0 if len < 2). */
int tftp_parse(struct tftp_msg *m, const void *buf, size_t len);

/* True if s equals the C string lit, ignoring ASCII case (option names
 * and modes are case-insensitive, RFC 1350 and 2347). */
bool tftp_str_ieq(const struct tftp_str *s, const char *lit);

/* Reads an option value as a decimal number: digits only, at least one.
 * Values above cap read as cap (so "99999999999999999999" is simply
 * large). Returns 0 with *out set, or -TERN_EBADMSG (empty, a sign, a
 * space or any other non-digit). */
int tftp_str_number(const struct tftp_str *s, uint64_t cap, uint64_t *out);

/* ---- Emitters: each writes one packet into buf (cap bytes) and returns
 * its length, or -TERN_EMSGSIZE if it does not fit (buf is then
 * unspecified). Strings are C strings (no NUL inside). */

/* A request (op TFTP_RRQ or TFTP_WRQ) with n options; opts[i].name/value
 * are borrowed strings (NUL-free). */
int tftp_emit_request(void *buf, size_t cap, uint16_t op, const char *file,
		      const char *mode, const struct tftp_opt *opts,
		      unsigned n);

/* An OACK with n options. */
int tftp_emit_oack(void *buf, size_t cap, const struct tftp_opt *opts,
		   unsigned n);

/* The 4-byte header of a DATA packet; the payload follows at buf + 4. */
int tftp_emit_data_hdr(void *buf, size_t cap, uint16_t block);

/* An ACK of block. */
int tftp_emit_ack(void *buf, size_t cap, uint16_t block);

/* An ERROR with code and message text. */
int tftp_emit_error(void *buf, size_t cap, uint16_t code, const char *text);

/* Fills a tftp_str from a C string (for emitting options). */
struct tftp_str tftp_str_c(const char *s);

#endif
