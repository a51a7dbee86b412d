/*
 * lwip_echo.h - lwIP as an echo host for the network benchmark: ICMP
 * echo answered by lwIP itself, UDP echoed by a raw-API callback, on a
 * counting netif of lwip_link.h (frames in through lwip_link_input, out
 * to the sink). How Debian builds lwIP and why driving it from one thread
 * is fine: lwip_link.h.
 */
#ifndef TERN_BENCH_NET_LWIP_ECHO_H
#define TERN_BENCH_NET_LWIP_ECHO_H

#include <stdint.h>

#define LWIP_ECHO_IF 0 /* the lwip_link netif the echo host uses */

/* Adds netif LWIP_ECHO_IF as a counting sink with mac and ip/24 (host
 * order) and a UDP echo on port. Returns 0, or -1 if lwIP refused. */
int lwip_echo_init(const uint8_t mac[6], uint32_t ip, uint16_t port);

#endif
