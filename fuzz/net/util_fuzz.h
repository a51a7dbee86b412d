/*
 * util_fuzz.h - a configured stack for the network fuzz targets.
 *
 * struct fz_stack is a stack with two interfaces on checking devices:
 *   if0  10.0.0.1/24, gateway 10.0.0.254, MAC 02:00:00:00:00:0a
 *   if1  unconfigured (what a DHCP client sees), MAC 02:00:00:00:00:1a
 * and sockets open on it: UDP port 7 (wildcard), UDP port 68 bound to if1,
 * a UDP socket connected to 10.0.0.2:9, and a ping socket with id 0x4242.
 * Pools are small so a fuzz input can exhaust them.
 *
 * The devices check every frame the stack sends: its length, and for IPv4
 * a correct header checksum and (for UDP and ICMP, unfragmented) a correct
 * transport checksum - checksums are not verified on input in fuzz builds,
 * but what Tern emits must always be right. A failure aborts.
 *
 * The stack is built once per process and reset (tern_net_reset) for every
 * input after the first: building it cost more than most inputs. Every
 * frame sent and the counters at the end go into the replay trace
 * (fuzz_trace.h), which checks that the reset leaves nothing behind.
 *
 * fz_stack_end closes everything, runs the timers out and asserts both
 * pools, the TCP connection table and the TIME_WAIT table are back to
 * zero: no input may leak a buffer or a connection.
 */
#ifndef TERN_FUZZ_NET_UTIL_FUZZ_H
#define TERN_FUZZ_NET_UTIL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/icmp.h"
#include "tern/net.h"
#include "tern/udp.h"

#define FZ_IP 0x0a000001u
#define FZ_PEER 0x0a000002u
#define FZ_GW 0x0a0000feu

struct fz_dev {
	struct tern_netdev dev;
	uint64_t frames;
	unsigned refuse; /* accept at most this many per call */
};

struct fz_stack {
	struct tern_net net;
	struct fz_dev dev[2];
	struct tern_udp udp[3];
	struct tern_ping ping;
	uint64_t now;
	bool built; /* net exists: the next begin resets it */
};

extern const uint8_t fz_mac0[6], fz_mac1[6], fz_mac_peer[6];

/* Sets up s as described above for one input, with pkt_count frame
 * buffers and reasm_contexts reassembly contexts: builds the stack on the
 * first call, resets it on the next ones (the sizes must not change). */
void fz_stack_begin(struct fz_stack *s, uint32_t pkt_count,
		    uint32_t reasm_contexts);
/* Drains every socket queue; what waits on port 7 is echoed back with the
 * zero-copy calls. */
void fz_stack_drain(struct fz_stack *s);
/* Ends an input: drains and closes the sockets, runs the timers out,
 * checks the pools are empty and adds the counters to the trace. */
void fz_stack_end(struct fz_stack *s);

/* Validates one emitted frame (see above); aborts on a defect. */
void fz_check_frame(const uint8_t *f, size_t len);

/* Feeds interface ifindex of s, at s->now, a frame from the peer (to
 * fz_mac0 from fz_mac_peer): a 20-byte IPv4 header from src to dst with
 * correct lengths and checksum around len (<= 1500) bytes of payload. */
void fz_input_ipv4(struct fz_stack *s, unsigned ifindex, uint32_t src,
		   uint32_t dst, uint8_t proto, const uint8_t *payload,
		   size_t len);

#endif
