/*
 * iperf_json_parse.c - the bounded JSON parser of iperf_json.h: a cursor
 * over len bytes, a validating skip for every value the server does not
 * keep, and two walkers over the top-level object (the parameters, the
 * results) that pick the fields they know.
 *
 * Every read goes through at() or peek(), which check the cursor against
 * the end first; nesting is counted on the way into arrays and objects so
 * a hostile text cannot overflow the stack (the recursion is at most
 * IPERF_JSON_DEPTH deep).
 */
#include <string.h>

#include "iperf_json.h"
#include "tern/err.h"
#include "tern/fmt.h"

#define KEY_MAX 32 /* longer keys are none of ours: kept cut, never matched */

struct cur {
	const char *p, *end;
	unsigned depth;
};

/* The next byte, or -1 at the end. */
static int peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

/* Skips JSON white space (space, tab, CR, LF). */
static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* Consumes ch after white space. Returns 0 or -TERN_EBADMSG. */
static int expect(struct cur *c, char ch)
{
	ws(c);
	if (peek(c) != (unsigned char)ch)
		return -TERN_EBADMSG;
	c->p++;
	return 0;
}

/* Parses a string (the cursor on its opening quote) and keeps up to
 * cap - 1 of its bytes in out, NUL-terminated (out NULL: keeps nothing).
 * Escapes are decoded; a \u escape is kept as its code if ASCII, else
 * '?'. *cut is set if bytes did not fit. Returns 0 or -TERN_EBADMSG
 * (unterminated, a control byte, a bad escape). */
static int string(struct cur *c, char *out, size_t cap, bool *cut)
{
	size_t n = 0;

	if (cut)
		*cut = false;
	if (peek(c) != '"')
		return -TERN_EBADMSG;
	c->p++;
	for (;;) {
		int ch = peek(c);

		if (ch < 0x20) /* the end (-1), NUL or a control byte */
			return -TERN_EBADMSG;
		c->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			int e = peek(c);

			if (e < 0)
				return -TERN_EBADMSG;
			c->p++;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				ch = e;
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'n':
				ch = '\n';
				break;
			case 'r':
				ch = '\r';
				break;
			case 't':
				ch = '\t';
				break;
			case 'u': {
				int v = 0;

				for (int i = 0; i < 4; i++) {
					int h = tern_hex_digit(peek(c));

					if (h < 0)
						return -TERN_EBADMSG;
					v = v * 16 + h;
					c->p++;
				}
				ch = v < 0x80 ? v : '?';
				break;
			}
			default:
				return -TERN_EBADMSG;
			}
		}
		if (out && n + 1 < cap)
			out[n++] = (char)ch;
		else if (cut)
			*cut = true;
	}
	if (out && cap)
		out[n] = '\0';
	return 0;
}

/* A number: its value if it is an integer. */
struct num {
	int64_t v;
	bool integral; /* its value has no fractional part */
	bool range;    /* ... and fits int64_t */
};

#define EXP_CAP 1000 /* exponents beyond this are all out of range */

/* Parses a JSON number (RFC 8259's grammar: no leading zeros, no '+', no
 * bare '.'). An integer may be written with a fraction or an exponent
 * (cJSON prints large counts as 5e+09): 5.0e3 is the integer 5000. The
 * digits go into a 64-bit mantissa with a decimal exponent. Returns 0 or
 * -TERN_EBADMSG. */
static int number(struct cur *c, struct num *n)
{
	bool neg = false, eneg = false, over = false;
	uint64_t m = 0;
	int dexp = 0, e = 0;

	n->v = 0;
	n->integral = true;
	n->range = true;
	if (peek(c) == '-') {
		neg = true;
		c->p++;
	}
	if (peek(c) == '0') {
		c->p++;
	} else if (peek(c) >= '1' && peek(c) <= '9') {
		while (peek(c) >= '0' && peek(c) <= '9') {
			unsigned d = (unsigned)(peek(c) - '0');

			if (m > (UINT64_MAX - d) / 10)
				over = true;
			else
				m = m * 10 + d;
			c->p++;
		}
	} else {
		return -TERN_EBADMSG;
	}
	if (peek(c) == '.') {
		c->p++;
		if (!(peek(c) >= '0' && peek(c) <= '9'))
			return -TERN_EBADMSG;
		while (peek(c) >= '0' && peek(c) <= '9') {
			unsigned d = (unsigned)(peek(c) - '0');

			if (m <= (UINT64_MAX - d) / 10) {
				m = m * 10 + d;
				dexp--;
			} else if (d != 0) {
				n->integral =
					false; /* a digit we cannot keep */
			}
			c->p++;
		}
	}
	if (peek(c) == 'e' || peek(c) == 'E') {
		c->p++;
		if (peek(c) == '+' || peek(c) == '-')
			eneg = *c->p++ == '-';
		if (!(peek(c) >= '0' && peek(c) <= '9'))
			return -TERN_EBADMSG;
		while (peek(c) >= '0' && peek(c) <= '9') {
			if (e < EXP_CAP)
				e = e * 10 + (peek(c) - '0');
			c->p++;
		}
	}
	if (e > EXP_CAP)
		e = EXP_CAP;
	dexp += eneg ? -e : e;
	for (; dexp < 0 && m; dexp++) {
		if (m % 10) {
			n->integral = false;
			break;
		}
		m /= 10;
	}
	for (; dexp > 0 && m && !over; dexp--) {
		if (m > UINT64_MAX / 10)
			over = true;
		else
			m *= 10;
	}
	if (over || m > (uint64_t)INT64_MAX + neg) {
		n->range = false;
		return 0;
	}
	if (n->integral)
		n->v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

/* Consumes the literal word (true, false, null). */
static int literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -TERN_EBADMSG;
	c->p += n;
	return 0;
}

static int skip_value(struct cur *c);

/* Calls fn on each member of the object under the cursor, after its key
 * and colon (fn parses the value). Returns 0 or fn's or a syntax error. */
typedef int (*member_fn)(struct cur *c, const char *key, bool cut, void *ctx);

static int object(struct cur *c, member_fn fn, void *ctx)
{
	int err;

	if (expect(c, '{') < 0 || ++c->depth > IPERF_JSON_DEPTH)
		return -TERN_EBADMSG;
	ws(c);
	if (peek(c) == '}') {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		char key[KEY_MAX];
		bool cut;

		ws(c);
		err = string(c, key, sizeof(key), &cut);
		if (err == 0)
			err = expect(c, ':');
		if (err == 0) {
			ws(c);
			err = fn(c, key, cut, ctx);
		}
		if (err < 0)
			return err;
		ws(c);
		if (peek(c) == '}')
			break;
		if (peek(c) != ',')
			return -TERN_EBADMSG;
		c->p++;
	}
	c->p++;
	c->depth--;
	return 0;
}

/* An object member that keeps nothing. */
static int skip_member(struct cur *c, const char *key, bool cut, void *ctx)
{
	(void)key;
	(void)cut;
	(void)ctx;
	return skip_value(c);
}

/* Validates and skips one value (the cursor on its first byte). */
static int skip_value(struct cur *c)
{
	struct num n;
	int err;

	switch (peek(c)) {
	case '{':
		return object(c, skip_member, NULL);
	case '[':
		if (++c->depth > IPERF_JSON_DEPTH)
			return -TERN_EBADMSG;
		c->p++;
		ws(c);
		if (peek(c) != ']') {
			for (;;) {
				ws(c);
				err = skip_value(c);
				if (err < 0)
					return err;
				ws(c);
				if (peek(c) == ']')
					break;
				if (peek(c) != ',')
					return -TERN_EBADMSG;
				c->p++;
			}
		}
		c->p++;
		c->depth--;
		return 0;
	case '"':
		return string(c, NULL, 0, NULL);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		return number(c, &n);
	}
}

/* Parses an integer value into *out. Returns 0, -TERN_EBADMSG (not a
 * number, or not an integer) or -TERN_ERANGE. */
static int integer(struct cur *c, int64_t *out)
{
	struct num n;
	int err;

	if (peek(c) != '-' && !(peek(c) >= '0' && peek(c) <= '9'))
		return -TERN_EBADMSG;
	err = number(c, &n);
	if (err < 0)
		return err;
	if (!n.integral)
		return -TERN_EBADMSG;
	if (!n.range)
		return -TERN_ERANGE;
	*out = n.v;
	return 0;
}

/* Runs the top-level object walker and checks that only white space
 * follows it. */
static int top(const char *text, size_t len, member_fn fn, void *ctx)
{
	struct cur c = { text, text + len, 0 };
	int err = object(&c, fn, ctx);

	if (err < 0)
		return err;
	ws(&c);
	return c.p == c.end ? 0 : -TERN_EBADMSG;
}

/* ---- Parameters ---------------------------------------------------------- */

/* The keys of the parameters: a flag (off 0) or an integer field. */
struct pkey {
	const char *name;
	unsigned bit;
	size_t off; /* offsetof the int64_t in struct iperf_params, or 0 */
};

#define PINT(name, bit, field)                                  \
	{                                                       \
		name, bit, offsetof(struct iperf_params, field) \
	}

static const struct pkey pkeys[] = {
	{ "tcp", IPERF_P_TCP, 0 },
	{ "udp", IPERF_P_UDP, 0 },
	{ "sctp", IPERF_P_SCTP, 0 },
	{ "reverse", IPERF_P_REVERSE, 0 },
	{ "bidirectional", IPERF_P_BIDIR, 0 },
	PINT("omit", IPERF_P_OMIT, omit),
	PINT("time", IPERF_P_TIME, time),
	PINT("num", IPERF_P_NUM, num),
	PINT("blockcount", IPERF_P_BLOCKCOUNT, blockcount),
	PINT("parallel", IPERF_P_PARALLEL, parallel),
	PINT("len", IPERF_P_LEN, len),
};

static int param_member(struct cur *c, const char *key, bool cut, void *ctx)
{
	struct iperf_params *p = ctx;

	if (cut)
		return skip_value(c);
	if (strcmp(key, "client_version") == 0) {
		if (p->seen & IPERF_P_VERSION)
			return skip_value(c);
		p->seen |= IPERF_P_VERSION;
		return string(c, p->client_version, sizeof(p->client_version),
			      NULL);
	}
	for (size_t i = 0; i < sizeof(pkeys) / sizeof(pkeys[0]); i++) {
		const struct pkey *k = &pkeys[i];

		if (strcmp(key, k->name) != 0)
			continue;
		if ((p->seen & k->bit) || k->off == 0) {
			p->seen |= k->bit;
			return skip_value(c);
		}
		p->seen |= k->bit;
		return integer(c, (int64_t *)((char *)p + k->off));
	}
	return skip_value(c);
}

int iperf_json_parse_params(const char *text, size_t len,
			    struct iperf_params *p)
{
	memset(p, 0, sizeof(*p));
	return top(text, len, param_member, p);
}

/* ---- Results ------------------------------------------------------------- */

struct stream_ctx {
	struct iperf_stream_bytes *s;
	bool has_id, has_bytes;
};

static int stream_member(struct cur *c, const char *key, bool cut, void *ctx)
{
	struct stream_ctx *sc = ctx;
	int64_t v;
	int err;

	if (cut)
		return skip_value(c);
	if (strcmp(key, "id") == 0 && !sc->has_id) {
		sc->has_id = true;
		return integer(c, &sc->s->id);
	}
	if (strcmp(key, "bytes") == 0 && !sc->has_bytes) {
		sc->has_bytes = true;
		err = integer(c, &v);
		if (err == 0 && v < 0)
			err = -TERN_ERANGE;
		sc->s->bytes = v;
		return err;
	}
	return skip_value(c);
}

/* Parses the "streams" array into r. */
static int streams(struct cur *c, struct iperf_peer_results *r)
{
	int err;

	if (peek(c) != '[' || ++c->depth > IPERF_JSON_DEPTH)
		return -TERN_EBADMSG;
	c->p++;
	ws(c);
	if (peek(c) == ']') {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		struct stream_ctx sc = { NULL, false, false };

		if (r->n >= IPERF_JSON_STREAMS)
			return -TERN_ERANGE;
		sc.s = &r->streams[r->n];
		ws(c);
		err = object(c, stream_member, &sc);
		if (err < 0)
			return err;
		if (!sc.has_id || !sc.has_bytes)
			return -TERN_EBADMSG;
		r->n++;
		ws(c);
		if (peek(c) == ']')
			break;
		if (peek(c) != ',')
			return -TERN_EBADMSG;
		c->p++;
	}
	c->p++;
	c->depth--;
	return 0;
}

struct results_ctx {
	struct iperf_peer_results *r;
	bool has_streams;
};

static int results_member(struct cur *c, const char *key, bool cut, void *ctx)
{
	struct results_ctx *rc = ctx;

	if (cut)
		return skip_value(c);
	if (strcmp(key, "streams") == 0 && !rc->has_streams) {
		rc->has_streams = true;
		return streams(c, rc->r);
	}
	return skip_value(c);
}

int iperf_json_parse_results(const char *text, size_t len,
			     struct iperf_peer_results *r)
{
	struct results_ctx rc = { r, false };
	int err;

	r->n = 0;
	err = top(text, len, results_member, &rc);
	if (err == 0 && !rc.has_streams)
		err = -TERN_EBADMSG;
	return err;
}
