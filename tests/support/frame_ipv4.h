/*
 * frame_ipv4.h - an Ethernet frame around an IPv4 packet, for the tests,
 * fuzz targets and benchmarks that feed a stack frames from a peer.
 *
 * The IPv4 header is 20 bytes (no options) with TTL 64 and a correct
 * checksum, written by the stack's own emitters (net_wire.h).
 */
#ifndef TERN_TESTS_FRAME_IPV4_H
#define TERN_TESTS_FRAME_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/net_wire.h"

/* Writes to out (room for 34 + len bytes) the Ethernet header (dst_mac,
 * src_mac, type IPv4), an IPv4 header from src to dst carrying proto, with
 * identification id and the fragment fields frag_off (in bytes) and mf,
 * then len bytes of payload. Returns the frame length. */
static inline size_t frame_ipv4(uint8_t *out, const uint8_t dst_mac[6],
				const uint8_t src_mac[6], uint32_t src,
				uint32_t dst, uint8_t proto, uint16_t id,
				uint16_t frag_off, bool mf, const void *payload,
				size_t len)
{
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;

	memcpy(eth.dst, dst_mac, 6);
	memcpy(eth.src, src_mac, 6);
	eth.type = TERN_ETHERTYPE_IPV4;
	tern_eth_hdr_emit(&eth, out);
	memset(&ip, 0, sizeof(ip));
	ip.total_len = (uint16_t)(TERN_IPV4_HLEN + len);
	ip.id = id;
	ip.frag_off = frag_off;
	ip.mf = mf;
	ip.ttl = 64;
	ip.proto = proto;
	ip.src = src;
	ip.dst = dst;
	tern_ipv4_hdr_emit(&ip, out + TERN_ETH_HLEN);
	memcpy(out + TERN_ETH_HLEN + TERN_IPV4_HLEN, payload, len);
	return TERN_ETH_HLEN + TERN_IPV4_HLEN + len;
}

#endif
