/*
 * wire_util.h - frames and receive loops shared by the network device tests
 * (wire, pcap, TAP, runner).
 */
#ifndef TERN_TESTS_WIRE_UTIL_H
#define TERN_TESTS_WIRE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/hosted.h"

#define TEST_ETHERTYPE 0x88b5 /* IEEE local experimental: nobody else's */

/* Writes a deterministic test frame of len bytes (>= 20) into buf:
 * destination dst, source src, EtherType TEST_ETHERTYPE, then seq as a
 * big-endian u32 and bytes derived from seq and len. */
void test_frame(uint8_t *buf, size_t len, const uint8_t dst[6],
		const uint8_t src[6], uint32_t seq);

/* The seq of a test frame, or -1 if buf is not one. */
long test_frame_seq(const uint8_t *buf, size_t len);

/* A test frame length for seq: cycles through 60..1514 with odd sizes. */
size_t test_frame_len(uint32_t seq);

/* Receives into the count buffers of rx (caller-provided) until count
 * frames came or timeout_ms of quiet passed, polling the descriptor of the
 * device's waker w (NULL, or fd -1: recv is tried every millisecond).
 * Returns the number received. */
int recv_frames(struct tern_netdev *dev, const struct tern_waker *w,
		struct tern_rx *rx, unsigned count, int timeout_ms);

/* A UDP port free on 127.0.0.1 just now (bound, read and released). */
uint16_t free_udp_port(void);

/* Allocates n receive buffers of TERN_ETH_FRAME_MAX bytes (free with
 * rx_free). */
struct tern_rx *rx_alloc(unsigned n);
void rx_free(struct tern_rx *rx, unsigned n);

#endif
