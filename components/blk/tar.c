/*
 * tar.c - the tar format, parsed from bytes with no I/O: ustar header
 * blocks (POSIX and GNU magic), octal and base-256 numbers, pax extended
 * header records (an incremental parser, fed the data block by block), and
 * path normalisation.
 *
 * Header layout (POSIX.1-1988 ustar; offsets in the 512-byte block):
 *
 *   0 name[100]     100 mode[8]    108 uid[8]      116 gid[8]
 *   124 size[12]    136 mtime[12]  148 chksum[8]   156 typeflag
 *   157 linkname[100]              257 magic[6]    263 version[2]
 *   265 uname[32]   297 gname[32]  329 devmajor[8] 337 devminor[8]
 *   345 prefix[155] (POSIX only; GNU keeps atime/ctime there)
 *
 * A pax record is "<len> <key>=<value>\n" where len counts the whole
 * record, its own digits included. The parser checks every length against
 * the bytes actually present and makes progress on every byte.
 */
#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

#include "tarfs_int.h"

enum {
	OFF_NAME = 0,
	OFF_MODE = 100,
	OFF_SIZE = 124,
	OFF_MTIME = 136,
	OFF_CHKSUM = 148,
	OFF_TYPE = 156,
	OFF_LINK = 157,
	OFF_MAGIC = 257,
	OFF_PREFIX = 345
};

bool tar_number(const uint8_t *f, size_t n, bool signed_ok, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return false;
	if (f[0] == 0xff) {
		/* Base-256, negative: two's complement over the field. */
		if (!signed_ok || n < 8)
			return false;
		for (i = 1; i + 8 < n; i++)
			if (f[i] != 0xff)
				return false;
		for (v = 0; i < n; i++)
			v = v << 8 | f[i];
		if (!(v >> 63))
			return false;
		*out = (int64_t)v;
		return true;
	}
	if (f[0] & 0x80) {
		/* Base-256, positive: the bits after the marker bit (the
		 * next one is the sign). */
		if (f[0] & 0x40)
			return false;
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return false;
			v = v << 8 | f[i];
		}
		if (v > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)v;
		return true;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return false;
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* Copies a NUL-terminated (or full-width) field into dst (n + 1 bytes). */
static void field_str(struct tern_view *v, size_t off, size_t n, char *dst)
{
	const uint8_t *p = tern_view_ptr(v, off, n);
	size_t len = 0;

	if (p)
		while (len < n && p[len])
			len++;
	if (len)
		memcpy(dst, p, len);
	dst[len] = '\0';
}

static bool checksum_ok(struct tern_view *v)
{
	int64_t stored;
	uint32_t usum = 0;
	int32_t ssum = 0;
	const uint8_t *b = tern_view_ptr(v, 0, TAR_BLOCK);

	if (!b || !tar_number(b + OFF_CHKSUM, 8, false, &stored))
		return false;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = i >= OFF_CHKSUM && i < OFF_CHKSUM + 8 ? ' ' : b[i];

		usum += c;
		ssum += (int8_t)c; /* some old tars summed signed chars */
	}
	return (int64_t)usum == stored || (int64_t)ssum == stored;
}

int tar_hdr_parse(const uint8_t *blk, struct tar_hdr *h)
{
	struct tern_view v = tern_view_make(blk, TAR_BLOCK);
	const uint8_t *magic = tern_view_ptr(&v, OFF_MAGIC, 8);
	int64_t size, mtime, mode;
	bool zero = true;

	for (size_t i = 0; i < TAR_BLOCK && zero; i++)
		zero = blk[i] == 0;
	if (zero)
		return 1;
#ifndef TERN_FUZZING
	if (!checksum_ok(&v))
		return -TERN_EBADMSG;
#else
	(void)checksum_ok;
#endif
	if (!tar_number(blk + OFF_SIZE, 12, false, &size) ||
	    !tar_number(blk + OFF_MTIME, 12, true, &mtime) ||
	    !tar_number(blk + OFF_MODE, 8, false, &mode))
		return -TERN_EBADMSG;
	h->size = (uint64_t)size;
	h->mtime = mtime;
	h->mode = (uint32_t)(mode & 07777);
	h->type = (char)tern_view_u8(&v, OFF_TYPE);
	field_str(&v, OFF_NAME, 100, h->name);
	field_str(&v, OFF_LINK, 100, h->link);
	h->prefix[0] = '\0';
	/* POSIX "ustar\0" "00" has a prefix; GNU "ustar " " \0" does not. */
	if (magic && memcmp(magic, "ustar", 6) == 0)
		field_str(&v, OFF_PREFIX, 155, h->prefix);
	return tern_view_ok(&v) ? 0 : -TERN_EBADMSG;
}

/* ---- pax records --------------------------------------------------------*/

enum { PAX_LEN, PAX_KEY, PAX_VALUE, PAX_NL };
enum { WANT_NONE, WANT_PATH, WANT_LINK, WANT_SIZE, WANT_MTIME };

void tar_pax_begin(struct tern_tar_pax *p, char *path, char *link)
{
	memset(p, 0, sizeof(*p));
	p->path = path;
	p->link = link;
	p->state = PAX_LEN;
}

static uint8_t key_want(const struct tern_tar_pax *p)
{
	static const struct {
		const char *key;
		uint8_t want;
	} keys[] = { { "path", WANT_PATH },
		     { "linkpath", WANT_LINK },
		     { "size", WANT_SIZE },
		     { "mtime", WANT_MTIME } };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (p->key_len == strlen(keys[i].key) &&
		    memcmp(p->key, keys[i].key, p->key_len) == 0)
			return keys[i].want;
	return WANT_NONE;
}

/* Parses the captured decimal (size: digits; mtime: [-]digits[.frac]). */
static bool pax_number(struct tern_tar_pax *p, bool is_mtime, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	bool neg = false;

	if (is_mtime && p->num_len > 0 && p->num[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == p->num_len)
		return false;
	for (; i < p->num_len; i++) {
		char c = p->num[i];

		if (is_mtime && c == '.')
			break; /* fractions of a second are dropped */
		if (c < '0' || c > '9' || v > (uint64_t)INT64_MAX / 10)
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* The end of a record: applies its value. */
static void pax_apply(struct tern_tar_pax *p)
{
	int64_t n;

	switch (p->want) {
	case WANT_PATH:
		p->has_path = p->path_len > 0;
		break;
	case WANT_LINK:
		p->has_link = p->link_len > 0;
		break;
	case WANT_SIZE:
		p->has_size = false;
		if (p->num_len == 0)
			break;
		if (!pax_number(p, false, &n)) {
			p->bad = true;
			break;
		}
		p->size = (uint64_t)n;
		p->has_size = true;
		break;
	case WANT_MTIME:
		if (p->num_len == 0)
			break;
		if (!pax_number(p, true, &n)) {
			p->bad = true;
			break;
		}
		p->mtime = n;
		p->has_mtime = true;
		break;
	default:
		break;
	}
}

static void pax_value_byte(struct tern_tar_pax *p, uint8_t c)
{
	switch (p->want) {
	case WANT_PATH:
	case WANT_LINK: {
		char *buf = p->want == WANT_PATH ? p->path : p->link;
		uint32_t *len = p->want == WANT_PATH ? &p->path_len
						     : &p->link_len;

		if (c == '\0')
			p->bad = true;
		else if (*len < TERN_TARFS_PATH_MAX)
			buf[(*len)++] = (char)c;
		else
			p->too_long = true;
		break;
	}
	case WANT_SIZE:
	case WANT_MTIME:
		if (p->num_len < sizeof(p->num))
			p->num[p->num_len++] = (char)c;
		else if (p->want == WANT_SIZE ||
			 !memchr(p->num, '.', p->num_len))
			p->bad = true; /* too many digits */
		break;
	default:
		break;
	}
}

void tar_pax_feed(struct tern_tar_pax *p, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n && !p->bad; i++) {
		uint8_t c = d[i];

		p->rec_used++;
		switch (p->state) {
		case PAX_LEN:
			if (c >= '0' && c <= '9' && p->ndigits < 19) {
				p->rec_len = p->rec_len * 10 + (c - '0');
				p->ndigits++;
			} else if (c == ' ' && p->ndigits > 0 &&
				   p->rec_len >= p->rec_used + 3) {
				/* Room for at least "k=\n". */
				p->state = PAX_KEY;
				p->key_len = 0;
			} else {
				p->bad = true;
			}
			break;
		case PAX_KEY:
			if (c == '=' && p->key_len > 0) {
				p->want = key_want(p);
				if (p->want == WANT_PATH)
					p->path_len = 0;
				else if (p->want == WANT_LINK)
					p->link_len = 0;
				p->num_len = 0;
				p->value_left = p->rec_len - p->rec_used - 1;
				p->state = p->value_left ? PAX_VALUE : PAX_NL;
			} else if (c == '=' || c == '\n' ||
				   p->rec_used + 1 >= p->rec_len) {
				p->bad = true; /* empty key, or no '=' */
			} else if (p->key_len < sizeof(p->key)) {
				p->key[p->key_len++] = (char)c;
			} else {
				p->key_len = sizeof(p->key); /* no match */
			}
			break;
		case PAX_VALUE:
			pax_value_byte(p, c);
			if (--p->value_left == 0)
				p->state = PAX_NL;
			break;
		default: /* PAX_NL */
			if (c != '\n' || p->rec_used != p->rec_len) {
				p->bad = true;
				break;
			}
			pax_apply(p);
			p->state = PAX_LEN;
			p->rec_len = 0;
			p->rec_used = 0;
			p->ndigits = 0;
			break;
		}
	}
}

int tar_pax_end(struct tern_tar_pax *p)
{
	if (p->bad || p->state != PAX_LEN || p->ndigits != 0)
		return -TERN_EBADMSG;
	if (p->too_long)
		return -TERN_ENAMETOOLONG;
	return 0;
}

/* ---- Paths --------------------------------------------------------------*/

int tar_normalize(const char *in, size_t len, char *out, bool clamp)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start, clen;

		while (i < len && in[i] == '/')
			i++;
		start = i;
		while (i < len && in[i] != '/') {
			if (in[i] == '\0')
				return -TERN_EBADMSG;
			i++;
		}
		clen = i - start;
		if (clen == 0 || (clen == 1 && in[start] == '.'))
			continue;
		if (clen == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (n == 0) {
				if (clamp)
					continue;
				return -TERN_EINVAL;
			}
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		if (n + (n ? 1 : 0) + clen > TERN_TARFS_PATH_MAX)
			return -TERN_ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, in + start, clen);
		n += clen;
	}
	out[n] = '\0';
	return (int)n;
}

uint32_t tar_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}
