/*
 * lwip_tcp.c - lwIP<->lwIP bulk TCP over a device pair (lwip_tcp.h).
 */
#include "lwip_tcp.h"

#include <stdbool.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip_link.h"

#define SERVER_IF 0
#define CLIENT_IF 1
#define CHUNK_MAX (64 * 1024)
#define STALL_MS 10000

static struct tcp_pcb *listener, *server, *client;
static uint64_t received;
static bool failed;
static uint8_t rx_buf[CHUNK_MAX]; /* the server application's buffer */
static struct lwip_tcp_params params;

/* tcp_recv on the server: copies the data out as a reader would, then
 * opens the window and frees the pbufs. */
static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	(void)arg;
	if (!p || err != ERR_OK) {
		failed = true;
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	pbuf_copy_partial(p, rx_buf, p->tot_len, 0); /* tot_len < CHUNK_MAX */
	received += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
	(void)arg;
	(void)err;
	failed = true;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb || server)
		return ERR_VAL;
	server = pcb;
	tcp_recv(pcb, server_recv);
	tcp_err(pcb, conn_err);
	return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)pcb;
	if (err != ERR_OK)
		failed = true;
	return ERR_OK;
}

static void ip4_of(ip_addr_t *out, uint32_t ip)
{
	IP_ADDR4(out, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* Runs both netifs and lwIP's timers once. */
static void drive(void)
{
	lwip_link_poll(SERVER_IF);
	lwip_link_poll(CLIENT_IF);
}

int lwip_tcp_open(struct tern_netdev *a, struct tern_netdev *b,
		  const uint8_t mac_a[6], const uint8_t mac_b[6], uint32_t ip_a,
		  uint32_t ip_b, uint16_t port)
{
	ip_addr_t addr_a, addr_b;
	struct tcp_pcb *pcb;
	u32_t start;

	if (lwip_link_add(SERVER_IF, mac_a, ip_a, a) < 0 ||
	    lwip_link_add(CLIENT_IF, mac_b, ip_b, b) < 0)
		return -1;
	ip4_of(&addr_a, ip_a);
	ip4_of(&addr_b, ip_b);
	pcb = tcp_new();
	if (!pcb)
		return -1;
	tcp_bind_netif(pcb, lwip_link_netif(SERVER_IF));
	if (tcp_bind(pcb, &addr_a, port) != ERR_OK)
		return -1;
	listener = tcp_listen(pcb);
	if (!listener)
		return -1;
	tcp_accept(listener, server_accept);
	client = tcp_new();
	if (!client)
		return -1;
	tcp_bind_netif(client, lwip_link_netif(CLIENT_IF));
	tcp_nagle_disable(client);
	tcp_err(client, conn_err);
	if (tcp_bind(client, &addr_b, 0) != ERR_OK ||
	    tcp_connect(client, &addr_a, port, client_connected) != ERR_OK)
		return -1;
	start = sys_now();
	while (!failed && (!server || client->state != ESTABLISHED)) {
		if (sys_now() - start > STALL_MS)
			return -1;
		drive();
	}
	params.conn_mss = client->mss;
	params.conn_snd_buf = client->snd_buf;
	params.conn_rcv_wnd = server->rcv_wnd;
	params.conn_rcv_scale = server->rcv_scale;
	return failed ? -1 : 0;
}

int lwip_tcp_bulk(uint64_t chunks, size_t chunk)
{
	static const uint8_t tx_buf[CHUNK_MAX];
	uint64_t target = received + chunks * chunk;
	size_t off = 0; /* into the chunk being written */
	u32_t last = sys_now();

	while (received < target && !failed) {
		uint64_t before = received;

		/* A blocking write: queue what fits, send it, let the
		 * link run, and go on until the chunk is all queued. */
		if (chunks > 0) {
			size_t room = tcp_sndbuf(client);
			size_t n = chunk - off < room ? chunk - off : room;

			if (n > 0 && tcp_write(client, tx_buf + off, (u16_t)n,
					       TCP_WRITE_FLAG_COPY) == ERR_OK) {
				off += n;
				if (off == chunk) {
					off = 0;
					chunks--;
				}
			}
			tcp_output(client);
		}
		drive();
		if (received != before)
			last = sys_now();
		else if (sys_now() - last > STALL_MS)
			return -1;
	}
	return failed ? -1 : 0;
}

void lwip_tcp_params(struct lwip_tcp_params *p)
{
	*p = params;
	p->wnd = TCP_WND;
	p->snd_buf = TCP_SND_BUF;
	p->mss = TCP_MSS;
	p->snd_queuelen = TCP_SND_QUEUELEN;
}
