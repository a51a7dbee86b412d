/*
 * net_wire.h - the wire layer of the network stack: pure parse and emit of
 * the Ethernet II, ARP, IPv4, ICMP, UDP and TCP headers (and TCP's options). No state, no devices,
 * no packet buffers: bytes in, a plain struct out, and back.
 *
 * Parsers (tern_*_hdr_parse) follow DESIGN.md's "Hostile input" rules: they
 * first check the bytes present, then every length field the header claims
 * against them, and read big-endian fields at named offsets through
 * tern/view.h. They return 0 or -TERN_EBADMSG, and on failure say why in
 * *why (a caller counts each reason separately). Checksums are computed
 * over the bytes actually present, never over a claimed length.
 *
 * Emitters (tern_*_hdr_emit) write exactly the fixed header length into the
 * caller's buffer from the struct, never through a parser; the checksum
 * fields they compute are documented per function.
 *
 * Addresses are uint32_t in host order, as everywhere in Tern's API.
 *
 * When TERN_FUZZING is defined the parsers skip checksum verification (the
 * `verify` arguments are ignored) so that the fuzzer reaches the code
 * behind the checksum.
 */
#ifndef TERN_NET_WIRE_H
#define TERN_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/cksum.h"
#include "tern/dev.h"

/* Why a parser rejected its input. */
enum tern_wire_bad {
	TERN_WIRE_OK = 0,
	TERN_WIRE_SHORT,   /* fewer bytes than the fixed header */
	TERN_WIRE_VERSION, /* IPv4 version is not 4 */
	TERN_WIRE_HLEN,	   /* IHL < 5 or past the bytes present */
	TERN_WIRE_LEN,	   /* a length field disagrees with the bytes */
	TERN_WIRE_CKSUM,   /* checksum does not verify */
	TERN_WIRE_OPTIONS, /* malformed IPv4 options */
	TERN_WIRE_FIELD,   /* an unsupported or invalid fixed field */
	TERN_WIRE_FRAG,	   /* fragment offset or length out of range */
};

/* A short name for a reason ("short", "cksum", ...); never NULL. */
TERN_API const char *tern_wire_bad_name(enum tern_wire_bad why);

/* ---------------------------------------------------------------------------
 * Ethernet II
 * ------------------------------------------------------------------------- */

#define TERN_ETHERTYPE_IPV4 0x0800
#define TERN_ETHERTYPE_ARP 0x0806
#define TERN_ETHERTYPE_VLAN 0x8100
#define TERN_ETHERTYPE_IPV6 0x86dd

struct tern_eth_hdr {
	uint8_t dst[TERN_ETH_ALEN];
	uint8_t src[TERN_ETH_ALEN];
	uint16_t type;
};

/* Parses the 14-byte Ethernet II header at the front of a frame of len
 * bytes. Returns 0 (the payload starts at TERN_ETH_HLEN), or -TERN_EBADMSG
 * with *why = TERN_WIRE_SHORT if len < 14, TERN_WIRE_FIELD if the type is an
 * 802.3 length (< 0x0600). */
TERN_API int tern_eth_hdr_parse(const void *frame, size_t len,
				struct tern_eth_hdr *h,
				enum tern_wire_bad *why);

/* Writes the 14-byte header h at out. */
TERN_API void tern_eth_hdr_emit(const struct tern_eth_hdr *h,
				uint8_t out[TERN_ETH_HLEN]);

/* MAC address classes. */
static inline bool tern_mac_is_broadcast(const uint8_t mac[TERN_ETH_ALEN])
{
	return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static inline bool tern_mac_is_multicast(const uint8_t mac[TERN_ETH_ALEN])
{
	return (mac[0] & 1) != 0; /* includes broadcast */
}

static inline bool tern_mac_is_zero(const uint8_t mac[TERN_ETH_ALEN])
{
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

/* The Ethernet multicast address of an IPv4 multicast group (RFC 1112:
 * 01:00:5e and the low 23 bits). */
TERN_API void tern_mac_of_ipv4_mcast(uint32_t group,
				     uint8_t mac[TERN_ETH_ALEN]);

/* ---------------------------------------------------------------------------
 * ARP for IPv4 over Ethernet (RFC 826)
 * ------------------------------------------------------------------------- */

#define TERN_ARP_LEN 28
#define TERN_ARP_REQUEST 1
#define TERN_ARP_REPLY 2

struct tern_arp_hdr {
	uint16_t op;		    /* TERN_ARP_REQUEST or TERN_ARP_REPLY */
	uint8_t sha[TERN_ETH_ALEN]; /* sender hardware address */
	uint32_t spa;		    /* sender protocol address */
	uint8_t tha[TERN_ETH_ALEN]; /* target hardware address */
	uint32_t tpa;		    /* target protocol address */
};

/* Parses an ARP packet of len bytes (trailing padding is ignored). Returns
 * 0, or -TERN_EBADMSG with *why = TERN_WIRE_SHORT (len < 28) or
 * TERN_WIRE_FIELD (hardware type not Ethernet, protocol not IPv4, address
 * lengths not 6/4, or an operation other than request/reply). */
TERN_API int tern_arp_hdr_parse(const void *data, size_t len,
				struct tern_arp_hdr *h,
				enum tern_wire_bad *why);

/* Writes the 28-byte ARP packet h (Ethernet/IPv4) at out. */
TERN_API void tern_arp_hdr_emit(const struct tern_arp_hdr *h,
				uint8_t out[TERN_ARP_LEN]);

/* ---------------------------------------------------------------------------
 * IPv4 (RFC 791)
 * ------------------------------------------------------------------------- */

#define TERN_IPV4_HLEN 20 /* without options */
#define TERN_IPV4_HLEN_MAX 60
#define TERN_IPV4_MAX_LEN 65535 /* largest datagram, header included */
#define TERN_IPPROTO_ICMP 1
#define TERN_IPPROTO_TCP 6
#define TERN_IPPROTO_UDP 17

#define TERN_IPV4_BROADCAST 0xffffffffu

struct tern_ipv4_hdr {
	uint8_t hlen; /* header bytes, options included (20..60) */
	uint8_t tos;
	uint16_t total_len; /* header and payload */
	uint16_t id;
	bool df, mf;	   /* don't fragment, more fragments */
	uint16_t frag_off; /* offset of this fragment's payload, in bytes */
	uint8_t ttl;
	uint8_t proto;
	uint16_t cksum; /* as received; computed by emit */
	uint32_t src, dst;
};

/* Parses the IPv4 header at the front of len bytes. Checks, in order: at
 * least 20 bytes; version 4; IHL >= 5 and IHL*4 <= len; total length >= the
 * header and <= len (trailing bytes, such as Ethernet padding, are then the
 * caller's to trim); the header checksum if verify; the options (each one
 * within the header; EOL and NOP single bytes, any other option's length
 * >= 2; so the walk always advances); a fragment's offset plus payload
 * within 65,535 bytes, and a non-last fragment's payload a non-zero
 * multiple of 8. Returns 0, or -TERN_EBADMSG with *why set to the reason
 * (SHORT, VERSION, HLEN, LEN, CKSUM, OPTIONS, FRAG). */
TERN_API int tern_ipv4_hdr_parse(const void *data, size_t len,
				 struct tern_ipv4_hdr *h, bool verify,
				 enum tern_wire_bad *why);

/* Parses the IPv4 header quoted inside an ICMP error: the quote may be cut
 * short, so the total length is not checked against len, but version, IHL
 * and the header itself must be present in full (no checksum check: routers
 * may rewrite the quote). Returns 0 or -TERN_EBADMSG (SHORT, VERSION,
 * HLEN). */
TERN_API int tern_ipv4_quote_parse(const void *data, size_t len,
				   struct tern_ipv4_hdr *h,
				   enum tern_wire_bad *why);

/* Walks the options area opts[0..len) and checks its structure (see
 * tern_ipv4_hdr_parse). Returns the number of options seen, or
 * -TERN_EBADMSG. Options are never acted on: Tern skips them. */
TERN_API int tern_ipv4_options_check(const uint8_t *opts, size_t len);

/* Writes a 20-byte header (IHL 5, no options) from h at out, computing the
 * header checksum (h->hlen and h->cksum are ignored). */
TERN_API void tern_ipv4_hdr_emit(const struct tern_ipv4_hdr *h,
				 uint8_t out[TERN_IPV4_HLEN]);

/* Address classes. */
static inline bool tern_ipv4_is_multicast(uint32_t a)
{
	return (a & 0xf0000000u) == 0xe0000000u;
}

/* Limited broadcast, multicast, class E and 0.0.0.0/8: never a valid
 * source of a datagram from another host (0.0.0.0 itself is allowed for
 * DHCP clients and checked separately). */
static inline bool tern_ipv4_is_martian_src(uint32_t a)
{
	return a == TERN_IPV4_BROADCAST || (a & 0xe0000000u) == 0xe0000000u ||
	       (a != 0 && (a & 0xff000000u) == 0);
}

/* The checksum accumulator preloaded with the pseudo-header of RFC 768 /
 * RFC 793 (source, destination, zero, protocol, length). */
TERN_API void tern_ipv4_pseudo_csum(struct tern_csum *c, uint32_t src,
				    uint32_t dst, uint8_t proto, uint16_t len);

/* ---------------------------------------------------------------------------
 * ICMP (RFC 792)
 * ------------------------------------------------------------------------- */

#define TERN_ICMP_HLEN 8
#define TERN_ICMP_ECHO_REPLY 0
#define TERN_ICMP_DEST_UNREACH 3
#define TERN_ICMP_SOURCE_QUENCH 4
#define TERN_ICMP_REDIRECT 5
#define TERN_ICMP_ECHO_REQUEST 8
#define TERN_ICMP_TIME_EXCEEDED 11
#define TERN_ICMP_PARAM_PROBLEM 12

/* Destination unreachable codes. */
#define TERN_ICMP_NET_UNREACH 0
#define TERN_ICMP_HOST_UNREACH 1
#define TERN_ICMP_PROTO_UNREACH 2
#define TERN_ICMP_PORT_UNREACH 3
#define TERN_ICMP_FRAG_NEEDED 4

struct tern_icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t rest; /* echo: id << 16 | seq; errors: unused/MTU */
};

/* True for the types that carry a quoted datagram (errors). */
static inline bool tern_icmp_is_error(uint8_t type)
{
	return type == TERN_ICMP_DEST_UNREACH ||
	       type == TERN_ICMP_SOURCE_QUENCH || type == TERN_ICMP_REDIRECT ||
	       type == TERN_ICMP_TIME_EXCEEDED ||
	       type == TERN_ICMP_PARAM_PROBLEM;
}

/* Parses the ICMP message of len bytes (header and body; len is the IP
 * payload length). Verifies the checksum over all len bytes if verify.
 * Returns 0, or -TERN_EBADMSG (SHORT, CKSUM). */
TERN_API int tern_icmp_hdr_parse(const void *data, size_t len,
				 struct tern_icmp_hdr *h, bool verify,
				 enum tern_wire_bad *why);

/* Writes the 8-byte header h at out with the checksum field zero; the
 * caller then finishes with tern_icmp_set_cksum over the whole message. */
TERN_API void tern_icmp_hdr_emit(const struct tern_icmp_hdr *h,
				 uint8_t out[TERN_ICMP_HLEN]);

/* Computes and stores the checksum of the ICMP message msg[0..len) (len >=
 * 8), treating its checksum field as zero. */
TERN_API void tern_icmp_set_cksum(uint8_t *msg, size_t len);

/* ---------------------------------------------------------------------------
 * UDP (RFC 768)
 * ------------------------------------------------------------------------- */

#define TERN_UDP_HLEN 8
#define TERN_UDP_MAX_PAYLOAD \
	(TERN_IPV4_MAX_LEN - TERN_IPV4_HLEN - TERN_UDP_HLEN) /* 65,507 */

struct tern_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;	/* header and payload */
	uint16_t cksum; /* 0: none was sent */
};

/* Parses the UDP datagram of len bytes (the IP payload) sent from src to
 * dst. Checks: at least 8 bytes; the length field >= 8 and <= len (bytes
 * after it are ignored); if verify and the checksum is not 0, the checksum
 * over the pseudo-header and the h->len bytes. Returns 0, or -TERN_EBADMSG
 * (SHORT, LEN, CKSUM). */
TERN_API int tern_udp_hdr_parse(const void *data, size_t len, uint32_t src,
				uint32_t dst, struct tern_udp_hdr *h,
				bool verify, enum tern_wire_bad *why);

/* Writes the 8-byte header h at out as is (h->cksum included). */
TERN_API void tern_udp_hdr_emit(const struct tern_udp_hdr *h,
				uint8_t out[TERN_UDP_HLEN]);

/* The checksum to store in a UDP header: over the pseudo-header, the
 * 8-byte header hdr (its checksum field must be zero) and the payload
 * pieces. A computed 0 is returned as 0xffff (RFC 768). */
TERN_API uint16_t tern_udp_cksum(uint32_t src, uint32_t dst,
				 const uint8_t hdr[TERN_UDP_HLEN],
				 const struct tern_iov *payload,
				 unsigned npieces);

/* ---------------------------------------------------------------------------
 * TCP (RFC 9293) and its options (RFC 9293 MSS, RFC 7323, RFC 2018)
 * ------------------------------------------------------------------------- */

#define TERN_TCP_HLEN 20     /* without options */
#define TERN_TCP_HLEN_MAX 60 /* data offset 15 */
#define TERN_TCP_OPTS_MAX (TERN_TCP_HLEN_MAX - TERN_TCP_HLEN)

/* Flag bits, as in byte 13 of the header. */
#define TERN_TCP_FIN 0x01
#define TERN_TCP_SYN 0x02
#define TERN_TCP_RST 0x04
#define TERN_TCP_PSH 0x08
#define TERN_TCP_ACK 0x10
#define TERN_TCP_URG 0x20
#define TERN_TCP_ECE 0x40
#define TERN_TCP_CWR 0x80

struct tern_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen;  /* header bytes, options included (20..60) */
	uint8_t flags; /* TERN_TCP_* */
	uint16_t win;  /* as on the wire: not scaled */
	uint16_t cksum;
	uint16_t urp; /* urgent pointer: parsed, never used as an index */
};

/* Parses the TCP segment of len bytes (the IP payload) sent from src to
 * dst. Checks, in order: at least 20 bytes; data offset >= 5 and
 * offset * 4 <= len; the checksum over the pseudo-header and all len bytes
 * if verify. Returns 0 (options at data + 20, h->hlen - 20 bytes; payload
 * at data + h->hlen, len - h->hlen bytes), or -TERN_EBADMSG with *why =
 * SHORT, HLEN or CKSUM. Flag combinations are the caller's to judge; the
 * four reserved bits (byte 12) are ignored. */
TERN_API int tern_tcp_hdr_parse(const void *data, size_t len, uint32_t src,
				uint32_t dst, struct tern_tcp_hdr *h,
				bool verify, enum tern_wire_bad *why);

/* Writes the 20-byte fixed header h at out: the data offset from h->hlen
 * (a multiple of 4 in 20..60), the reserved bits zero, the checksum field
 * from h->cksum as is (0 before tern_tcp_cksum). The options, if any,
 * are the caller's to write after it (tern_tcp_opts_emit). */
TERN_API void tern_tcp_hdr_emit(const struct tern_tcp_hdr *h,
				uint8_t out[TERN_TCP_HLEN]);

/* The checksum to store in a TCP header: over the pseudo-header (length
 * hdr_len plus the payload bytes), the header hdr[0..hdr_len) with options
 * (its checksum field must be zero) and the payload pieces. */
TERN_API uint16_t tern_tcp_cksum(uint32_t src, uint32_t dst, const uint8_t *hdr,
				 size_t hdr_len, const struct tern_iov *payload,
				 unsigned npieces);

/* Option kinds. */
#define TERN_TCPOPT_EOL 0
#define TERN_TCPOPT_NOP 1
#define TERN_TCPOPT_MSS 2	/* length 4, SYN only */
#define TERN_TCPOPT_WSCALE 3	/* length 3, SYN only */
#define TERN_TCPOPT_SACK_OK 4	/* length 2, SYN only */
#define TERN_TCPOPT_SACK 5	/* length 2 + 8n, n = 1..4 */
#define TERN_TCPOPT_TIMESTAMP 8 /* length 10 */

/* Bits of struct tern_tcp_opts.present. */
#define TERN_TCP_HAS_MSS (1u << 0)
#define TERN_TCP_HAS_WSCALE (1u << 1)
#define TERN_TCP_HAS_SACK_OK (1u << 2)
#define TERN_TCP_HAS_SACK (1u << 3)
#define TERN_TCP_HAS_TS (1u << 4)

#define TERN_TCP_SACK_BLOCKS_MAX 4 /* what fits 40 bytes of options */
#define TERN_TCP_WSCALE_MAX 14	   /* RFC 7323 2.3: larger means 14 */

/* The options of one segment, parsed or to emit. */
struct tern_tcp_opts {
	uint32_t present; /* TERN_TCP_HAS_* */
	uint16_t mss;
	uint8_t wscale; /* as received (the caller clamps to 14) */
	uint8_t n_sack; /* blocks in sack[] (HAS_SACK) */
	uint32_t ts_val, ts_ecr;
	struct tern_tcp_sack_block {
		uint32_t start, end; /* [start, end) in sequence space */
	} sack[TERN_TCP_SACK_BLOCKS_MAX];
};

/* Parses the options area opts[0..len) (len <= 40) into *o, which it
 * clears first. The walk always advances: EOL ends it, NOP is one byte,
 * every other option needs a length byte >= 2 that stays within len, else
 * -TERN_EBADMSG (the segment is malformed). A known option whose length is
 * wrong for its kind (MSS not 4, window scale not 3, SACK-permitted not 2,
 * timestamps not 10, SACK not 2 + 8n with n in 1..4) is ignored, as are
 * unknown kinds; a repeated option keeps its first well-formed value.
 * Returns the number of options recognised into *o (the bits set in
 * o->present), or -TERN_EBADMSG. */
TERN_API int tern_tcp_opts_parse(const uint8_t *opts, size_t len,
				 struct tern_tcp_opts *o);

/* The bytes tern_tcp_opts_emit writes for o: a multiple of 4, at most 40.
 * With a SYN (syn true) it writes MSS, SACK-permitted, timestamps and
 * window scale, each if present; otherwise timestamps and SACK blocks (the
 * first n_sack, as many as fit after the timestamps: 3 with them, 4
 * without; no SACK option if n_sack is 0). */
TERN_API size_t tern_tcp_opts_len(const struct tern_tcp_opts *o, bool syn);

/* Writes the options of o at out (tern_tcp_opts_len(o, syn) bytes), in
 * Linux's layout so that captures read familiarly: on a SYN,
 * MSS(4) [SACK_OK(2) TS(10) | NOP NOP TS(10) | NOP NOP SACK_OK(2)] [NOP
 * WSCALE(3)]; otherwise [NOP NOP TS(10)] [NOP NOP SACK(2 + 8n)]. Returns
 * the bytes written. */
TERN_API size_t tern_tcp_opts_emit(const struct tern_tcp_opts *o, bool syn,
				   uint8_t *out);

/* Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline bool tern_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool tern_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool tern_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool tern_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* True if lo <= x < hi in sequence space (an empty range holds nothing). */
static inline bool tern_seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
	return x - lo < hi - lo;
}

#endif
