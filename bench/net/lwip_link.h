/*
 * lwip_link.h - lwIP (Debian's liblwip) as the benchmarks' baseline stack:
 * its core started once, and Ethernet netifs whose frames either go to a
 * counting sink (frames handed in by the caller, as bench_net's echo
 * cases do) or over a Tern network device such as a memlink end (so two
 * lwIP netifs talk through the same link two Tern stacks use). Kept in
 * its own file so lwIP's headers only meet tern/dev.h here.
 *
 * How Debian builds lwIP (liblwip-dev 2.1.3, the GNU Hurd's port options in
 * /usr/include/lwip/lwipopts.h): NO_SYS=0 with LWIP_TCPIP_CORE_LOCKING,
 * pthread-based sys_arch, MEM_LIBC_MALLOC and MEMP_MEM_MALLOC (every pbuf
 * and memp object comes from malloc), IP_FORWARD on, IPv6 on, stats off,
 * checksums generated and checked in software. Every raw API (netif_add,
 * ethernet_input, etharp, udp_*, tcp_*, sys_check_timeouts) is exported.
 * The core-locking check (sys_check_core_locking) only fires once a tcpip
 * thread has been marked, so calling lwip_init() and the raw API from one
 * thread, never starting tcpip_init()'s thread, is a supported single-
 * threaded use - the same in-memory, caller-driven setup as Tern's core.
 * lwIP's timers (TCP's 250 ms tcp_tmr among them) run on the wall clock
 * through sys_check_timeouts, which lwip_link_poll calls.
 *
 * lwIP's state is global, so the netifs of one process share one core;
 * two netifs joined by a link are two hosts that share lwIP's tables.
 */
#ifndef TERN_BENCH_NET_LWIP_LINK_H
#define TERN_BENCH_NET_LWIP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"

#define LWIP_LINK_MAX 2 /* netifs */

struct netif;

/* Adds netif number idx (< LWIP_LINK_MAX, once each) with mac and ip/24
 * (host order), MTU 1500, starting lwIP on the first call. Frames it sends
 * go to dev, or are only counted if dev is NULL. Returns 0, or -1 if lwIP
 * refused. */
int lwip_link_add(unsigned idx, const uint8_t mac[6], uint32_t ip,
		  struct tern_netdev *dev);

/* lwIP's netif number idx (for tcp_bind_netif and the like). */
struct netif *lwip_link_netif(unsigned idx);

/* Hands one frame to netif idx (copied into a pbuf, as a driver would). */
void lwip_link_input(unsigned idx, const uint8_t *frame, size_t len);

/* Receives what waits on netif idx's device (frames land straight in
 * pbufs, as Tern's loop receives into its pool buffers) and hands it to
 * lwIP, then runs lwIP's due timers. Returns the frames received. */
unsigned lwip_link_poll(unsigned idx);

/* Frames netif idx has sent so far. */
uint64_t lwip_link_sent(unsigned idx);

#endif
