/*
 * dhcp_wire.c - parse and emit DHCP messages (RFC 2131, options RFC 2132).
 *
 * A message is the 236-byte BOOTP header, the magic cookie and a list of
 * options. The parser reads the header at fixed offsets through a view and
 * walks each option area with a cursor: every option's length byte is
 * checked against the bytes left in its area before the value is touched,
 * and every step consumes at least one byte, so a parse always ends. The
 * option overload (option 52) makes the `file` and `sname` fields further
 * option areas, read in the order RFC 2131 4.1 gives: options, file, sname.
 */
#include "tern/dhcp.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/view.h"

/* Offsets of the BOOTP header fields. */
enum {
	OFF_OP = 0,
	OFF_HTYPE = 1,
	OFF_HLEN = 2,
	OFF_HOPS = 3,
	OFF_XID = 4,
	OFF_SECS = 8,
	OFF_FLAGS = 10,
	OFF_CIADDR = 12,
	OFF_YIADDR = 16,
	OFF_SIADDR = 20,
	OFF_GIADDR = 24,
	OFF_CHADDR = 28,
	OFF_SNAME = 44,
	OFF_FILE = 108,
	OFF_COOKIE = 236,
	OFF_OPTIONS = 240,
};

#define SNAME_LEN 64
#define FILE_LEN 128

/* Values of the overload option. */
#define OVERLOAD_FILE 1u
#define OVERLOAD_SNAME 2u

/* Appends n bytes at src to dst (holding *len of cap bytes), cutting what
 * does not fit. */
static void append_bytes(uint8_t *dst, uint8_t *len, size_t cap,
			 const uint8_t *src, size_t n)
{
	size_t room = cap - *len;

	if (n > room)
		n = room;
	memcpy(dst + *len, src, n);
	*len = (uint8_t)(*len + n);
}

/* Handles one option with its value (n bytes at p, all inside the area).
 * Returns 0, or -TERN_EBADMSG for a known option with a wrong length. */
static int take_option(struct tern_dhcp_msg *m, uint8_t code, const uint8_t *p,
		       size_t n, unsigned *overload, bool main_area)
{
	switch (code) {
	case TERN_DHCP_OPT_MSG_TYPE:
		if (n != 1)
			return -TERN_EBADMSG;
		m->type = p[0];
		m->has |= TERN_DHCP_HAS_TYPE;
		break;
	case TERN_DHCP_OPT_OVERLOAD:
		if (n != 1 || p[0] < 1 || p[0] > 3)
			return -TERN_EBADMSG;
		/* Only the options field may extend into file and sname. */
		if (main_area)
			*overload = p[0];
		break;
	case TERN_DHCP_OPT_SERVER_ID:
	case TERN_DHCP_OPT_REQUESTED_IP:
	case TERN_DHCP_OPT_SUBNET_MASK:
	case TERN_DHCP_OPT_LEASE_TIME:
	case TERN_DHCP_OPT_T1:
	case TERN_DHCP_OPT_T2: {
		uint32_t v;

		if (n != 4)
			return -TERN_EBADMSG;
		v = tern_load_be32(p);
		if (code == TERN_DHCP_OPT_SERVER_ID) {
			m->server_id = v;
			m->has |= TERN_DHCP_HAS_SERVER_ID;
		} else if (code == TERN_DHCP_OPT_REQUESTED_IP) {
			m->requested_ip = v;
			m->has |= TERN_DHCP_HAS_REQ_IP;
		} else if (code == TERN_DHCP_OPT_SUBNET_MASK) {
			m->subnet_mask = v;
			m->has |= TERN_DHCP_HAS_MASK;
		} else if (code == TERN_DHCP_OPT_LEASE_TIME) {
			m->lease_time = v;
			m->has |= TERN_DHCP_HAS_LEASE;
		} else if (code == TERN_DHCP_OPT_T1) {
			m->t1 = v;
			m->has |= TERN_DHCP_HAS_T1;
		} else {
			m->t2 = v;
			m->has |= TERN_DHCP_HAS_T2;
		}
		break;
	}
	case TERN_DHCP_OPT_ROUTER:
		if (n == 0 || n % 4 != 0)
			return -TERN_EBADMSG;
		if (!(m->has & TERN_DHCP_HAS_ROUTER))
			m->router = tern_load_be32(p);
		m->has |= TERN_DHCP_HAS_ROUTER;
		break;
	case TERN_DHCP_OPT_DNS:
		if (n == 0 || n % 4 != 0)
			return -TERN_EBADMSG;
		for (size_t i = 0; i < n && m->n_dns < TERN_DHCP_DNS_MAX;
		     i += 4)
			m->dns[m->n_dns++] = tern_load_be32(p + i);
		m->has |= TERN_DHCP_HAS_DNS;
		break;
	case TERN_DHCP_OPT_MAX_SIZE:
		if (n != 2)
			return -TERN_EBADMSG;
		m->max_size = tern_load_be16(p);
		m->has |= TERN_DHCP_HAS_MAX_SIZE;
		break;
	case TERN_DHCP_OPT_PRL:
		if (n == 0)
			return -TERN_EBADMSG;
		append_bytes(m->prl, &m->n_prl, sizeof(m->prl), p, n);
		m->has |= TERN_DHCP_HAS_PRL;
		break;
	case TERN_DHCP_OPT_CLIENT_ID:
		if (n < 2)
			return -TERN_EBADMSG;
		append_bytes(m->client_id, &m->client_id_len,
			     sizeof(m->client_id), p, n);
		m->has |= TERN_DHCP_HAS_CLIENT_ID;
		break;
	case TERN_DHCP_OPT_HOSTNAME:
		if (n == 0)
			return -TERN_EBADMSG;
		append_bytes((uint8_t *)m->hostname, &m->hostname_len,
			     TERN_DHCP_HOSTNAME_MAX, p, n);
		m->hostname[m->hostname_len] = '\0';
		m->has |= TERN_DHCP_HAS_HOSTNAME;
		break;
	default:
		break; /* unknown options are skipped */
	}
	return 0;
}

/* Walks one option area (len bytes at p). Ends at END or at the end of the
 * area. Returns 0 or -TERN_EBADMSG. */
static int parse_area(struct tern_dhcp_msg *m, const uint8_t *p, size_t len,
		      unsigned *overload, bool main_area)
{
	struct tern_cursor c = tern_cursor_make(p, len);

	while (tern_cursor_left(&c) > 0) {
		uint8_t code = tern_cursor_u8(&c);
		const uint8_t *val;
		uint8_t n;
		int rc;

		if (code == TERN_DHCP_OPT_PAD)
			continue;
		if (code == TERN_DHCP_OPT_END)
			return 0;
		if (tern_cursor_left(&c) < 1)
			return -TERN_EBADMSG; /* no length byte */
		n = tern_cursor_u8(&c);
		val = tern_cursor_take(&c, n);
		if (!val)
			return -TERN_EBADMSG; /* value runs past the area */
		rc = take_option(m, code, val, n, overload, main_area);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int tern_dhcp_parse(struct tern_dhcp_msg *m, const void *buf, size_t len)
{
	struct tern_view v = tern_view_make(buf, len);
	unsigned overload = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!tern_view_has(&v, 0, TERN_DHCP_MIN_LEN))
		return -TERN_EBADMSG;
	if (tern_view_be32(&v, OFF_COOKIE) != TERN_DHCP_MAGIC)
		return -TERN_EBADMSG;

	m->op = tern_view_u8(&v, OFF_OP);
	m->htype = tern_view_u8(&v, OFF_HTYPE);
	m->hlen = tern_view_u8(&v, OFF_HLEN);
	m->hops = tern_view_u8(&v, OFF_HOPS);
	m->xid = tern_view_be32(&v, OFF_XID);
	m->secs = tern_view_be16(&v, OFF_SECS);
	m->flags = tern_view_be16(&v, OFF_FLAGS);
	m->ciaddr = tern_view_be32(&v, OFF_CIADDR);
	m->yiaddr = tern_view_be32(&v, OFF_YIADDR);
	m->siaddr = tern_view_be32(&v, OFF_SIADDR);
	m->giaddr = tern_view_be32(&v, OFF_GIADDR);
	tern_view_copy(&v, OFF_CHADDR, m->chaddr, sizeof(m->chaddr));

	rc = parse_area(m, tern_view_ptr(&v, OFF_OPTIONS, 0), len - OFF_OPTIONS,
			&overload, true);
	if (rc == 0 && (overload & OVERLOAD_FILE))
		rc = parse_area(m, tern_view_ptr(&v, OFF_FILE, FILE_LEN),
				FILE_LEN, &overload, false);
	if (rc == 0 && (overload & OVERLOAD_SNAME))
		rc = parse_area(m, tern_view_ptr(&v, OFF_SNAME, SNAME_LEN),
				SNAME_LEN, &overload, false);
	if (rc == 0 && !tern_view_ok(&v))
		rc = -TERN_EBADMSG;
	return rc;
}

/* Bytes of the options m carries, without END. */
static size_t options_len(const struct tern_dhcp_msg *m)
{
	size_t n = 0;

	if (m->has & TERN_DHCP_HAS_TYPE)
		n += 3;
	if (m->has & TERN_DHCP_HAS_CLIENT_ID)
		n += 2 + (size_t)m->client_id_len;
	if (m->has & TERN_DHCP_HAS_REQ_IP)
		n += 6;
	if (m->has & TERN_DHCP_HAS_SERVER_ID)
		n += 6;
	if (m->has & TERN_DHCP_HAS_MAX_SIZE)
		n += 4;
	if (m->has & TERN_DHCP_HAS_PRL)
		n += 2 + (size_t)m->n_prl;
	if (m->has & TERN_DHCP_HAS_HOSTNAME)
		n += 2 + (size_t)m->hostname_len;
	if (m->has & TERN_DHCP_HAS_LEASE)
		n += 6;
	if (m->has & TERN_DHCP_HAS_T1)
		n += 6;
	if (m->has & TERN_DHCP_HAS_T2)
		n += 6;
	if (m->has & TERN_DHCP_HAS_MASK)
		n += 6;
	if (m->has & TERN_DHCP_HAS_ROUTER)
		n += 6;
	if ((m->has & TERN_DHCP_HAS_DNS) && m->n_dns > 0)
		n += 2 + 4 * (size_t)m->n_dns;
	return n;
}

size_t tern_dhcp_len(const struct tern_dhcp_msg *m)
{
	size_t n = OFF_OPTIONS + options_len(m) + 1;

	return n < TERN_DHCP_BOOTP_MIN ? TERN_DHCP_BOOTP_MIN : n;
}

/* Writes option code with n value bytes at *off; advances *off. */
static void put_opt(struct tern_wview *w, size_t *off, uint8_t code,
		    const void *val, size_t n)
{
	tern_wview_u8(w, *off, code);
	tern_wview_u8(w, *off + 1, (uint8_t)n);
	tern_wview_bytes(w, *off + 2, val, n);
	*off += 2 + n;
}

static void put_opt32(struct tern_wview *w, size_t *off, uint8_t code,
		      uint32_t v)
{
	uint8_t b[4];

	tern_store_be32(b, v);
	put_opt(w, off, code, b, 4);
}

int tern_dhcp_emit(const struct tern_dhcp_msg *m, void *buf, size_t cap)
{
	size_t len = tern_dhcp_len(m);
	struct tern_wview w;
	size_t off = OFF_OPTIONS;

	TERN_ASSERT(m->n_dns <= TERN_DHCP_DNS_MAX);
	TERN_ASSERT(m->n_prl <= TERN_DHCP_PRL_MAX);
	TERN_ASSERT(m->client_id_len <= TERN_DHCP_CLIENT_ID_MAX);
	TERN_ASSERT(m->hostname_len <= TERN_DHCP_HOSTNAME_MAX);
	if (cap < len)
		return -TERN_EMSGSIZE;
	w = tern_wview_make(buf, len);
	tern_wview_fill(&w, 0, 0, len);

	tern_wview_u8(&w, OFF_OP, m->op);
	tern_wview_u8(&w, OFF_HTYPE, m->htype);
	tern_wview_u8(&w, OFF_HLEN, m->hlen);
	tern_wview_u8(&w, OFF_HOPS, m->hops);
	tern_wview_be32(&w, OFF_XID, m->xid);
	tern_wview_be16(&w, OFF_SECS, m->secs);
	tern_wview_be16(&w, OFF_FLAGS, m->flags);
	tern_wview_be32(&w, OFF_CIADDR, m->ciaddr);
	tern_wview_be32(&w, OFF_YIADDR, m->yiaddr);
	tern_wview_be32(&w, OFF_SIADDR, m->siaddr);
	tern_wview_be32(&w, OFF_GIADDR, m->giaddr);
	tern_wview_bytes(&w, OFF_CHADDR, m->chaddr, sizeof(m->chaddr));
	tern_wview_be32(&w, OFF_COOKIE, TERN_DHCP_MAGIC);

	if (m->has & TERN_DHCP_HAS_TYPE)
		put_opt(&w, &off, TERN_DHCP_OPT_MSG_TYPE, &m->type, 1);
	if (m->has & TERN_DHCP_HAS_CLIENT_ID)
		put_opt(&w, &off, TERN_DHCP_OPT_CLIENT_ID, m->client_id,
			m->client_id_len);
	if (m->has & TERN_DHCP_HAS_REQ_IP)
		put_opt32(&w, &off, TERN_DHCP_OPT_REQUESTED_IP,
			  m->requested_ip);
	if (m->has & TERN_DHCP_HAS_SERVER_ID)
		put_opt32(&w, &off, TERN_DHCP_OPT_SERVER_ID, m->server_id);
	if (m->has & TERN_DHCP_HAS_MAX_SIZE) {
		uint8_t b[2];

		tern_store_be16(b, m->max_size);
		put_opt(&w, &off, TERN_DHCP_OPT_MAX_SIZE, b, 2);
	}
	if (m->has & TERN_DHCP_HAS_PRL)
		put_opt(&w, &off, TERN_DHCP_OPT_PRL, m->prl, m->n_prl);
	if (m->has & TERN_DHCP_HAS_HOSTNAME)
		put_opt(&w, &off, TERN_DHCP_OPT_HOSTNAME, m->hostname,
			m->hostname_len);
	if (m->has & TERN_DHCP_HAS_LEASE)
		put_opt32(&w, &off, TERN_DHCP_OPT_LEASE_TIME, m->lease_time);
	if (m->has & TERN_DHCP_HAS_T1)
		put_opt32(&w, &off, TERN_DHCP_OPT_T1, m->t1);
	if (m->has & TERN_DHCP_HAS_T2)
		put_opt32(&w, &off, TERN_DHCP_OPT_T2, m->t2);
	if (m->has & TERN_DHCP_HAS_MASK)
		put_opt32(&w, &off, TERN_DHCP_OPT_SUBNET_MASK, m->subnet_mask);
	if (m->has & TERN_DHCP_HAS_ROUTER)
		put_opt32(&w, &off, TERN_DHCP_OPT_ROUTER, m->router);
	if ((m->has & TERN_DHCP_HAS_DNS) && m->n_dns > 0) {
		uint8_t b[4 * TERN_DHCP_DNS_MAX];

		for (unsigned i = 0; i < m->n_dns; i++)
			tern_store_be32(b + 4 * i, m->dns[i]);
		put_opt(&w, &off, TERN_DHCP_OPT_DNS, b, 4 * (size_t)m->n_dns);
	}
	tern_wview_u8(&w, off, TERN_DHCP_OPT_END);
	TERN_ASSERT(tern_wview_ok(&w));
	return (int)len;
}

const char *tern_dhcp_type_name(unsigned type)
{
	static const char *const names[] = {
		"?",   "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
		"ACK", "NAK",	   "RELEASE", "INFORM",
	};

	return type < TERN_ARRAY_SIZE(names) ? names[type] : "?";
}
