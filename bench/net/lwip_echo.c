/*
 * lwip_echo.c - lwIP as an echo host (see lwip_echo.h).
 */
#include "lwip_echo.h"

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "lwip_link.h"

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
	struct udp_pcb *pcb;

	if (lwip_link_add(LWIP_ECHO_IF, mac, ip, NULL) < 0)
		return -1;
	pcb = udp_new();
	if (!pcb || udp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK)
		return -1;
	udp_recv(pcb, udp_echo, NULL);
	return 0;
}
