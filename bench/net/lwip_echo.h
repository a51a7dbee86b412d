/*
 * lwip_echo.h - lwIP (Debian's liblwip) as an echo host for the network
 * benchmark: ICMP echo answered by lwIP itself, UDP echoed by a raw-API
 * callback, frames in through netif->input and out through a counting
 * linkoutput. Kept in its own file so lwIP's headers never meet Tern's.
 *
 * How Debian builds lwIP (liblwip-dev 2.1.3, the GNU Hurd's port options in
 * /usr/include/lwip/lwipopts.h): NO_SYS=0 with LWIP_TCPIP_CORE_LOCKING,
 * pthread-based sys_arch, MEM_LIBC_MALLOC and MEMP_MEM_MALLOC (every pbuf
 * and memp object comes from malloc), IP_FORWARD on, IPv6 on, stats off.
 * Every raw API (netif_add, ethernet_input, etharp, udp_*) is exported. The
 * core-locking check (sys_check_core_locking) only fires once a tcpip
 * thread has been marked, so calling lwip_init() and the raw API from one
 * thread, never starting tcpip_init()'s thread, is a supported single-
 * threaded use - the same in-memory, caller-driven setup as Tern's core.
 */
#ifndef TERN_BENCH_NET_LWIP_ECHO_H
#define TERN_BENCH_NET_LWIP_ECHO_H

#include <stddef.h>
#include <stdint.h>

/* Initialises lwIP once with an Ethernet netif (mac, ip/24, host order)
 * and a UDP echo on port. Returns 0, or -1 if lwIP refused. */
int lwip_echo_init(const uint8_t mac[6], uint32_t ip, uint16_t port);

/* Hands one frame to lwIP (copied into a pbuf, as a driver would). */
void lwip_echo_input(const uint8_t *frame, size_t len);

/* Frames lwIP has sent so far, and the length of the last one. */
uint64_t lwip_echo_sent(void);
size_t lwip_echo_last_len(void);

#endif
