/*
 * lwip_link.c - lwIP netifs on Tern devices or a counting sink
 * (lwip_link.h).
 */
#include "lwip_link.h"

#include <stdbool.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define MTU 1500
#define FRAME_MAX (14 + MTU)
#define RX_BATCH 32 /* as TERN_NET_RX_BATCH */
#define TX_PIECES 16

struct link {
	struct netif nif;
	struct tern_netdev *dev;   /* NULL: count only */
	struct pbuf *rx[RX_BATCH]; /* empty frame buffers, the receive ring */
	uint64_t sent;
	bool added;
};

static struct link links[LWIP_LINK_MAX];
static bool started;

/* netif->linkoutput: gathers the pbuf chain into one frame for the
 * device (which copies it, as dev.h says). */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct link *l = n->state;
	struct tern_iov iov[TX_PIECES];
	unsigned cnt = 0;

	l->sent++;
	if (!l->dev)
		return ERR_OK;
	for (struct pbuf *q = p; q && q->len; q = q->next) {
		if (cnt == TX_PIECES)
			return ERR_IF;
		iov[cnt].base = q->payload;
		iov[cnt++].len = q->len;
	}
	return tern_netdev_send1(l->dev, iov, cnt) < 0 ? ERR_IF : ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'b';
	n->name[1] = 'n';
	n->mtu = MTU;
	n->hwaddr_len = 6;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->linkoutput = linkoutput;
	return ERR_OK;
}

int lwip_link_add(unsigned idx, const uint8_t mac[6], uint32_t ip,
		  struct tern_netdev *dev)
{
	struct link *l;
	ip4_addr_t addr, mask, gw;

	if (idx >= LWIP_LINK_MAX || links[idx].added)
		return -1;
	l = &links[idx];
	if (!started) {
		lwip_init();
		started = true;
	}
	IP4_ADDR(&addr, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	if (!netif_add(&l->nif, &addr, &mask, &gw, l, nif_init, ethernet_input))
		return -1;
	memcpy(l->nif.hwaddr, mac, 6);
	l->dev = dev;
	l->added = true;
	if (idx == 0)
		netif_set_default(&l->nif);
	netif_set_up(&l->nif);
	netif_set_link_up(&l->nif);
	return 0;
}

struct netif *lwip_link_netif(unsigned idx)
{
	return &links[idx].nif;
}

void lwip_link_input(unsigned idx, const uint8_t *frame, size_t len)
{
	struct netif *n = &links[idx].nif;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (!p)
		return;
	pbuf_take(p, frame, (u16_t)len);
	if (n->input(p, n) != ERR_OK)
		pbuf_free(p);
}

unsigned lwip_link_poll(unsigned idx)
{
	struct link *l = &links[idx];
	struct tern_rx rx[RX_BATCH];
	int got;

	for (unsigned i = 0; i < RX_BATCH; i++) {
		if (!l->rx[i])
			l->rx[i] = pbuf_alloc(PBUF_RAW, FRAME_MAX, PBUF_RAM);
		if (!l->rx[i])
			return 0;
		rx[i].buf = l->rx[i]->payload;
		rx[i].cap = FRAME_MAX;
	}
	got = tern_netdev_recv(l->dev, rx, RX_BATCH);
	for (int i = 0; i < got; i++) {
		struct pbuf *p = l->rx[i];

		l->rx[i] = NULL;
		pbuf_realloc(p, (u16_t)rx[i].len);
		if (l->nif.input(p, &l->nif) != ERR_OK)
			pbuf_free(p);
	}
	sys_check_timeouts();
	return got > 0 ? (unsigned)got : 0;
}

uint64_t lwip_link_sent(unsigned idx)
{
	return links[idx].sent;
}
