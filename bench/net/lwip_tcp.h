/*
 * lwip_tcp.h - lwIP<->lwIP bulk TCP for bench_tcp: a listener on
 * lwip_link netif 0 and a client on netif 1, the two joined by a Tern
 * device pair (a memlink), driven from one thread with lwIP's raw TCP API.
 * The client (Nagle off, as bench_tcp's other senders) copies each write
 * into lwIP (TCP_WRITE_FLAG_COPY, as Tern copies into its send ring); the server copies what arrives into the
 * application's buffer and opens the window (tcp_recved), as a Tern
 * reader does. Each pcb is bound to its netif (tcp_bind_netif): both
 * addresses are on one /24 of one lwIP core, and lwIP would otherwise
 * route a segment to the other host through its own loopback.
 *
 * lwIP's TCP is sized at compile time (lwipopts.h; see lwip_tcp_params):
 * a window of TCP_WND and a send buffer of TCP_SND_BUF bytes in at most
 * TCP_SND_QUEUELEN pbufs, segments of TCP_MSS; a pcb's window cannot grow
 * past TCP_WND at run time (tcp_recved clamps it), only shrink. Debian's
 * build has no timestamps and no SACK.
 */
#ifndef TERN_BENCH_NET_LWIP_TCP_H
#define TERN_BENCH_NET_LWIP_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"

/* What lwIP was built with, and what the open connection got. */
struct lwip_tcp_params {
	uint32_t wnd, snd_buf, mss, snd_queuelen; /* compiled in */
	uint32_t conn_mss;	 /* the client's negotiated MSS */
	uint32_t conn_snd_buf;	 /* the client's send buffer at open */
	uint32_t conn_rcv_wnd;	 /* the server's receive window at open */
	uint32_t conn_rcv_scale; /* the server's window shift */
};

/* Adds netifs 0 (mac_a, ip_a, device a) and 1 (mac_b, ip_b, device b),
 * listens on ip_a:port, connects from netif 1 and drives both until the
 * server accepted. Returns 0, or -1 (lwIP refused, or no connection
 * within 10 s). */
int lwip_tcp_open(struct tern_netdev *a, struct tern_netdev *b,
		  const uint8_t mac_a[6], const uint8_t mac_b[6], uint32_t ip_a,
		  uint32_t ip_b, uint16_t port);

/* Writes chunks writes of chunk bytes (chunk <= 64 KiB) from the client
 * and drives both ends until the server's application has read all of
 * them. Returns 0, or -1 if the transfer stalled for 10 s or failed. */
int lwip_tcp_bulk(uint64_t chunks, size_t chunk);

/* Fills *p (the connection's fields once lwip_tcp_open succeeded). */
void lwip_tcp_params(struct lwip_tcp_params *p);

#endif
