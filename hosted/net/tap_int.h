/*
 * tap_int.h - what the two halves of the TAP device share: tap.c (open,
 * send, the plain receive path) and tap_rx.c (receive behind virtio-net
 * headers, with the offloads the kernel may use towards us).
 */
#ifndef TERN_HOSTED_TAP_INT_H
#define TERN_HOSTED_TAP_INT_H

#include "tern/hosted/tap.h"

#define VNET_HLEN 12	    /* struct virtio_net_hdr_mrg_rxbuf, as virtio 1.x */
#define VNET_F_NEEDS_CSUM 1 /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
#define VNET_F_DATA_VALID 2 /* VIRTIO_NET_HDR_F_DATA_VALID */
#define VNET_GSO_TCPV4 1    /* VIRTIO_NET_HDR_GSO_TCPV4 */

/* tap_rx.c */

/* netdev recv for a descriptor with IFF_VNET_HDR: whole frames, and
 * TCP/IPv4 super-frames cut into segments of gso_size (the rest of one
 * waits in tap->overflow for the next call); frames whose checksum the
 * kernel left partial or verified, and every segment, flagged
 * TERN_RX_CSUM_VALID. Returns the frames received or -TERN_EIO. */
int tap_vnet_recv(struct tern_tap *tap, struct tern_rx *frames, unsigned count);

/* The waker's next(): "now" while part of a super-frame waits to be
 * handed out (the descriptor may not be readable then), else none. */
uint64_t tap_next(struct tern_waker *w);

#endif
