/*
 * icmp.c - ICMP: answering echo requests, sending and receiving errors,
 * and ping sockets (icmp.h).
 *
 * Echo replies are built in the request's own buffer: the type changes and
 * the checksum is adjusted (RFC 1624), then IPv4 pushes a new header into
 * the space the old one left. Requests to broadcast or multicast addresses
 * are ignored (RFC 1122 3.2.2.6 allows it; it denies smurf amplification).
 *
 * Errors we send (port and protocol unreachable) quote the offending
 * header and up to 548 bytes after it (a 576-byte datagram, RFC 1812
 * 4.3.2.3), are never sent about broadcasts, multicasts, 0.0.0.0 or ICMP
 * errors (RFC 1122 3.2.2), and pass a token bucket: cfg.icmp_err_rate per
 * second, bursts of cfg.icmp_err_burst. Echo replies are not limited: a
 * flood ping gets every answer. The bucket holds nanoseconds of credit, so
 * it needs no division per packet: each error costs 1e9 / rate ns.
 *
 * Errors we receive have their quoted header checked (version, IHL, and 8
 * bytes of transport header present) before use; a port unreachable for a
 * UDP datagram we sent is reported to the socket (udp.c).
 */
#include <string.h>

#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/icmp.h"

#include "net_int.h"
#include "tcp_int.h"

#define ICMP_QUOTE_MAX (576 - TERN_IPV4_HLEN - TERN_ICMP_HLEN)

/* ---- Errors ------------------------------------------------------------ */

/* Takes one token if the bucket has one. */
static bool rate_allow(struct tern_net *net)
{
	uint64_t cost = TERN_NSEC_PER_SEC / net->cfg.icmp_err_rate;
	uint64_t cap = cost * net->cfg.icmp_err_burst;
	uint64_t elapsed = net->now - net->icmp_last;

	net->icmp_last = net->now;
	net->icmp_tokens = elapsed >= cap - TERN_MIN(cap, net->icmp_tokens)
				   ? cap
				   : net->icmp_tokens + elapsed;
	if (net->icmp_tokens < cost) {
		NET_STAT(net, icmp_rate_limited);
		return false;
	}
	net->icmp_tokens -= cost;
	return true;
}

void icmp_send_error(struct tern_netif *ifc, struct tern_pkt *pkt, uint8_t type,
		     uint8_t code)
{
	struct tern_net *net = ifc->net;
	struct tern_icmp_hdr ih = { type, code, 0, 0 };
	struct tern_ipv4_hdr q;
	enum tern_wire_bad why;
	struct ip_route rt;
	struct ip_tx tx;
	struct tern_pkt *out;
	size_t quote;

	/* pkt was accepted by ipv4_input, so its header parses. */
	if (tern_ipv4_quote_parse(pkt->data, pkt->len, &q, &why) < 0 ||
	    q.src == 0 || tern_ipv4_is_martian_src(q.src))
		goto done;
	if (q.proto == TERN_IPPROTO_ICMP) {
		/* Never an error about an error. */
		if (pkt->len <= q.hlen || tern_icmp_is_error(pkt->data[q.hlen]))
			goto done;
	}
	if (!rate_allow(net))
		goto done;
	if (ip_route(net, q.src, (int)ifc->index, &rt) < 0)
		goto done;
	out = net_alloc(net, TERN_NET_HEADROOM);
	if (!out)
		goto done;
	quote = TERN_MIN((size_t)pkt->len, (size_t)ICMP_QUOTE_MAX);
	tern_icmp_hdr_emit(&ih, tern_pkt_put(out, TERN_ICMP_HLEN));
	memcpy(tern_pkt_put(out, (uint32_t)quote), pkt->data, quote);
	tern_icmp_set_cksum(out->data, out->len);
	tx.src = net_is_local_addr(net, q.dst) ? q.dst : rt.src;
	tx.dst = q.src;
	tx.proto = TERN_IPPROTO_ICMP;
	tx.tos = 0;
	tx.df = false;
	NET_STAT(net, icmp_tx);
	if (type == TERN_ICMP_DEST_UNREACH)
		NET_STAT(net, icmp_unreach_tx);
	ip_output(net, &rt, &tx, out);
done:
	tern_pkt_free(pkt);
}

/* An error about a datagram we sent: check the quote and tell its socket. */
static void error_input(struct ip_rx *rx, const struct tern_icmp_hdr *ih,
			struct tern_pkt *pkt)
{
	struct tern_net *net = rx->ifc->net;
	const uint8_t *quote = pkt->data + TERN_ICMP_HLEN;
	size_t qlen = pkt->len - TERN_ICMP_HLEN;
	struct tern_ipv4_hdr q;
	enum tern_wire_bad why;

	if (tern_ipv4_quote_parse(quote, qlen, &q, &why) < 0 ||
	    qlen < (size_t)q.hlen + 8) {
		NET_STAT(net, icmp_bad_quote);
		return;
	}
	if (ih->type != TERN_ICMP_DEST_UNREACH) {
		NET_STAT(net, icmp_ignored);
		return;
	}
	NET_STAT(net, icmp_unreach_rx);
	if (q.proto == TERN_IPPROTO_UDP && net_is_local_addr(net, q.src))
		udp_icmp_error(net, q.dst, tern_load_be16(quote + q.hlen),
			       tern_load_be16(quote + q.hlen + 2), ih->type,
			       ih->code);
	if (q.proto == TERN_IPPROTO_TCP && net_is_local_addr(net, q.src))
		tcp_icmp_error(net, q.src, q.dst,
			       tern_load_be16(quote + q.hlen),
			       tern_load_be16(quote + q.hlen + 2),
			       tern_load_be32(quote + q.hlen + 4), ih->type,
			       ih->code, (uint16_t)(ih->rest & 0xffff));
}

/* ---- Echo -------------------------------------------------------------- */

static void echo_reply(struct ip_rx *rx, struct tern_pkt *pkt,
		       const struct tern_icmp_hdr *ih)
{
	struct tern_net *net = rx->ifc->net;
	struct ip_route rt;
	struct ip_tx tx;
	uint16_t old = (uint16_t)(TERN_ICMP_ECHO_REQUEST << 8 | ih->code);
	uint16_t new = (uint16_t)(TERN_ICMP_ECHO_REPLY << 8 | ih->code);

	if (rx->link_bcast || rx->ip_bcast || rx->h.src == 0) {
		NET_STAT(net, icmp_bcast);
		tern_pkt_free(pkt);
		return;
	}
	if (ip_route(net, rx->h.src, (int)rx->ifc->index, &rt) < 0) {
		tern_pkt_free(pkt);
		return;
	}
	pkt->data[0] = TERN_ICMP_ECHO_REPLY;
	tern_store_be16(pkt->data + 2,
			tern_cksum_adjust16(ih->cksum, old, new));
	if (TERN_NET_FUZZING)
		tern_icmp_set_cksum(pkt->data, pkt->len);
	tx.src = rx->h.dst;
	tx.dst = rx->h.src;
	tx.proto = TERN_IPPROTO_ICMP;
	tx.tos = rx->h.tos;
	tx.df = false;
	NET_STAT(net, icmp_tx);
	NET_STAT(net, icmp_echo_reply_tx);
	ip_output(net, &rt, &tx, pkt);
}

static void ping_deliver(struct ip_rx *rx, struct tern_pkt *pkt,
			 const struct tern_icmp_hdr *ih)
{
	struct tern_net *net = rx->ifc->net;
	uint16_t id = (uint16_t)(ih->rest >> 16);

	tern_list_for_each(it, &net->ping_socks) {
		struct tern_ping *p =
			tern_list_entry(it, struct tern_ping, link);

		if (p->id != id)
			continue;
		if (p->rxq_len >= p->rxq_max) {
			NET_STAT(net, icmp_sock_full);
			tern_pkt_free(pkt);
			return;
		}
		if (net_pool_low(pkt, NET_POOL_RESERVE)) {
			NET_STAT(net, icmp_pool_low);
			tern_pkt_free(pkt);
			return;
		}
		pkt->cb[0] = rx->h.src;
		pkt->cb[1] = (uint64_t)(ih->rest & 0xffff) | (uint64_t)rx->h.ttl
								     << 16;
		tern_pkt_pull(pkt, TERN_ICMP_HLEN);
		tern_list_add_tail(&p->rxq, &pkt->link);
		p->rxq_len++;
		if (p->notify)
			p->notify(p, p->notify_ctx);
		return;
	}
	NET_STAT(net, icmp_no_socket);
	tern_pkt_free(pkt);
}

void icmp_input(struct ip_rx *rx, struct tern_pkt *pkt)
{
	struct tern_net *net = rx->ifc->net;
	struct tern_icmp_hdr ih;
	enum tern_wire_bad why;

	if (tern_icmp_hdr_parse(pkt->data, pkt->len, &ih, true, &why) < 0) {
		if (why == TERN_WIRE_SHORT)
			NET_STAT(net, icmp_short);
		else
			NET_STAT(net, icmp_bad_cksum);
		tern_pkt_free(pkt);
		return;
	}
	NET_STAT(net, icmp_rx);
	switch (ih.type) {
	case TERN_ICMP_ECHO_REQUEST:
		NET_STAT(net, icmp_echo_rx);
		echo_reply(rx, pkt, &ih);
		return;
	case TERN_ICMP_ECHO_REPLY:
		ping_deliver(rx, pkt, &ih);
		return;
	default:
		if (tern_icmp_is_error(ih.type))
			error_input(rx, &ih, pkt);
		else
			NET_STAT(net, icmp_ignored);
		break;
	}
	tern_pkt_free(pkt);
}

/* ---- Ping sockets ------------------------------------------------------ */

int tern_ping_open(struct tern_net *net, struct tern_ping *p, uint16_t id)
{
	tern_list_for_each(it, &net->ping_socks) {
		if (tern_list_entry(it, struct tern_ping, link)->id == id)
			return -TERN_EADDRINUSE;
	}
	memset(p, 0, sizeof(*p));
	p->net = net;
	p->id = id;
	p->rxq_max = TERN_PING_RXQ_DEFAULT;
	tern_list_init(&p->rxq);
	tern_list_add_tail(&net->ping_socks, &p->link);
	return 0;
}

int tern_ping_send(struct tern_ping *p, uint32_t dst, uint16_t seq,
		   const void *data, size_t len, uint64_t now)
{
	struct tern_net *net = p->net;
	struct tern_icmp_hdr ih;
	uint8_t hdr[TERN_ICMP_HLEN];
	struct tern_iov iov[2];
	struct ip_route rt;
	struct ip_tx tx;
	struct tern_csum c;
	int err;

	if (len > TERN_IPV4_MAX_LEN - TERN_IPV4_HLEN - TERN_ICMP_HLEN)
		return -TERN_EMSGSIZE;
	net_set_now(net, now);
	err = ip_route(net, dst, -1, &rt);
	if (err < 0)
		return err;
	ih.type = TERN_ICMP_ECHO_REQUEST;
	ih.code = 0;
	ih.cksum = 0;
	ih.rest = (uint32_t)p->id << 16 | seq;
	tern_icmp_hdr_emit(&ih, hdr);
	tern_csum_init(&c);
	tern_csum_add(&c, hdr, sizeof(hdr));
	tern_csum_add(&c, data, len);
	tern_store_be16(hdr + 2, tern_csum_finish(&c));
	iov[0].base = hdr;
	iov[0].len = sizeof(hdr);
	iov[1].base = data;
	iov[1].len = len;
	tx.src = rt.src;
	tx.dst = dst;
	tx.proto = TERN_IPPROTO_ICMP;
	tx.tos = 0;
	tx.df = false;
	NET_STAT(net, icmp_tx);
	err = ip_output_iov(net, &rt, &tx, iov, 2, sizeof(hdr) + len);
	return err < 0 ? err : (int)len;
}

int tern_ping_recv(struct tern_ping *p, void *buf, size_t cap,
		   struct tern_ping_reply *r)
{
	struct tern_list *node = tern_list_pop(&p->rxq);
	struct tern_pkt *pkt;
	size_t n;

	if (!node)
		return -TERN_EAGAIN;
	p->rxq_len--;
	pkt = tern_list_entry(node, struct tern_pkt, link);
	n = TERN_MIN(cap, (size_t)pkt->len);
	memcpy(buf, pkt->data, n);
	if (r) {
		r->src = (uint32_t)pkt->cb[0];
		r->seq = (uint16_t)pkt->cb[1];
		r->ttl = (uint8_t)(pkt->cb[1] >> 16);
		r->len = pkt->len;
	}
	tern_pkt_free(pkt);
	return (int)n;
}

bool tern_ping_readable(const struct tern_ping *p)
{
	return !tern_list_empty(&p->rxq);
}

void tern_ping_set_notify(struct tern_ping *p,
			  void (*fn)(struct tern_ping *p, void *ctx), void *ctx)
{
	p->notify = fn;
	p->notify_ctx = ctx;
}

void tern_ping_close(struct tern_ping *p)
{
	tern_pkt_free_list(&p->rxq);
	p->rxq_len = 0;
	if (tern_list_linked(&p->link))
		tern_list_del_init(&p->link);
}

bool icmp_sockets_open(const struct tern_net *net)
{
	return !tern_list_empty(&net->ping_socks);
}
