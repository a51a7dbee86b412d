/*
 * lwip_echo.c - lwIP as an echo host (see lwip_echo.h).
 */
#include "lwip_echo.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

static struct netif nif;
static struct udp_pcb *pcb;
static uint64_t sent;
static size_t last_len;

static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	sent++;
	last_len = p->tot_len;
	return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'b';
	n->name[1] = 'n';
	n->mtu = 1500;
	n->hwaddr_len = 6;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->linkoutput = linkoutput;
	return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *upcb, struct pbuf *p,
		     const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	/* As lwIP's own udpecho_raw example: send the pbuf back. */
	udp_sendto(upcb, p, addr, port);
	pbuf_free(p);
}

int lwip_echo_init(const uint8_t mac[6], uint32_t ip, uint16_t port)
{
	ip4_addr_t addr, mask, gw;

	lwip_init();
	IP4_ADDR(&addr, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	if (!netif_add(&nif, &addr, &mask, &gw, NULL, nif_init, ethernet_input))
		return -1;
	memcpy(nif.hwaddr, mac, 6);
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	pcb = udp_new();
	if (!pcb || udp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK)
		return -1;
	udp_recv(pcb, udp_echo, NULL);
	return 0;
}

void lwip_echo_input(const uint8_t *frame, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (!p)
		return;
	pbuf_take(p, frame, (u16_t)len);
	if (nif.input(p, &nif) != ERR_OK)
		pbuf_free(p);
}

uint64_t lwip_echo_sent(void)
{
	return sent;
}

size_t lwip_echo_last_len(void)
{
	return last_len;
}
