/*
 * wire.h - an Ethernet segment over a local socket, in QEMU's framing.
 *
 * Two hosted Tern processes, or a hosted process and a QEMU guest, share a
 * link with no root and no TAP:
 *
 *   stream  a UNIX stream socket; every frame is preceded by its length as a
 *           4-byte big-endian integer (QEMU's `-netdev stream`, and the older
 *           `-netdev socket`). Tern listens or connects:
 *             Tern listens on P  <->  qemu -netdev stream,id=n0,server=off,
 *                                        addr.type=unix,addr.path=P
 *             Tern connects to P <->  qemu -netdev stream,id=n0,server=on,
 *                                        addr.type=unix,addr.path=P
 *           A listener serves one peer at a time (as QEMU does); the next
 *           connection is accepted when the current one ends. Frames sent
 *           while no peer is connected are lost (counted in tx_no_peer), as
 *           on an unplugged cable. A connecting device does not reconnect.
 *   dgram   one frame per datagram, no header (QEMU's `-netdev dgram`), over
 *           UNIX datagram sockets (local and remote paths) or UDP on the
 *           loopback network only:
 *             Tern local A, remote B <-> qemu -netdev dgram,id=n0,
 *               local.type=inet,local.host=127.0.0.1,local.port=B,
 *               remote.type=inet,remote.host=127.0.0.1,remote.port=A
 *           (or local.type=unix,local.path=...,remote.type=unix,...).
 *           Datagrams from any sender are accepted, as QEMU does.
 *
 * Receiving on a stream reassembles frames across reads of any size. A
 * length field larger than TERN_ETH_FRAME_MAX is a protocol error: the
 * connection is dropped and counted (proto_errors), and nothing past the
 * buffer is ever touched. A frame shorter than an Ethernet header (QEMU
 * allows length 0) is skipped and counted (rx_runts); one longer than the
 * caller's buffer is skipped and counted in dev.rx_dropped_too_long.
 *
 * Sending on a stream gathers a batch of frames into one sendmsg(). If the
 * socket takes only part of a frame, the rest is kept and written first on
 * the next send() or recv() call (the frame counts as accepted); until it
 * is written, send() accepts nothing. While a remainder waits, the
 * device's waker reports work due now, so tern_wait() returns at once and
 * the application's loop calls the device again (a short busy wait until
 * the socket drains, rather than two ends waiting on each other).
 *
 * The socket is non-blocking and registered as a tern_waker (the listening
 * socket while a listener waits for its peer). The storage of a struct
 * tern_wire (about 74 KiB) belongs to the caller; tern_netdev_close()
 * closes the sockets and removes the socket files the device created.
 * When an open function fails, nothing is held and nothing needs closing.
 * The MTU is 1500; for jumbo frames set dev.mtu (at most
 * TERN_ETH_FRAME_MAX - TERN_ETH_HLEN) right after opening.
 */
#ifndef TERN_HOSTED_WIRE_H
#define TERN_HOSTED_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tern/dev.h"
#include "tern/hosted.h"

#define TERN_WIRE_PATH_MAX 108 /* sun_path, including the NUL */
#define TERN_WIRE_RBUF 65536   /* stream receive buffer */

enum tern_wire_mode {
	TERN_WIRE_STREAM_LISTEN,
	TERN_WIRE_STREAM_CONNECT,
	TERN_WIRE_STREAM_ADOPTED,
	TERN_WIRE_DGRAM,
};

/* A socket endpoint: a UNIX socket path, or a loopback IPv4 address and a
 * UDP port. */
struct tern_wire_addr {
	bool is_inet;
	char path[TERN_WIRE_PATH_MAX];
	uint32_t ip;   /* host order, inside 127.0.0.0/8 */
	uint16_t port; /* 0 for a local address: any free port */
};

struct tern_wire {
	struct tern_netdev dev; /* first */
	struct tern_waker waker;
	enum tern_wire_mode mode;
	int fd;	       /* connection or datagram socket; -1: none */
	int listen_fd; /* STREAM_LISTEN only; else -1 */
	char unlink_path[TERN_WIRE_PATH_MAX]; /* socket file we made, or "" */

	/* Datagram destination (empty for an adopted connected socket). */
	struct sockaddr_storage remote;
	unsigned remote_len;

	/* Stream state. */
	size_t rstart, rend; /* unconsumed bytes of rbuf */
	size_t toff, tlen;   /* unsent bytes of tbuf */

	/* Counters. */
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t rx_runts;     /* shorter than an Ethernet header */
	uint64_t tx_no_peer;   /* lost: no peer connected or bound */
	uint64_t tx_errors;    /* refused by the socket (lost) */
	uint64_t proto_errors; /* bad stream length: connection dropped */
	uint64_t connects;     /* stream peers accepted or connected */
	uint64_t disconnects;  /* stream connections ended */

	uint8_t rbuf[TERN_WIRE_RBUF];
	uint8_t tbuf[4 + TERN_ETH_FRAME_MAX];
};

/* Parses an endpoint: "127.0.0.1:PORT" (any 127.x.y.z) is UDP; any other
 * text is a UNIX socket path. Returns 0, or -TERN_EINVAL (empty, a path
 * longer than TERN_WIRE_PATH_MAX - 1, a bad port), or -TERN_ENOTSUP for an
 * IPv4 address outside 127.0.0.0/8 or a host name (network safety: a wire
 * stays on this machine). */
TERN_API int tern_wire_addr_parse(const char *s, struct tern_wire_addr *addr);

/* Listens on UNIX stream socket path (a stale socket file there is
 * replaced). name NULL: "wire". Returns 0, or -TERN_EINVAL (path too long),
 * -TERN_EEXIST (path exists and is not a socket), -TERN_EADDRINUSE,
 * -TERN_EIO. */
TERN_API int tern_wire_listen(struct tern_wire *w, const char *path,
			      const char *name);

/* Connects to UNIX stream socket path. Returns 0, or -TERN_EINVAL,
 * -TERN_ENOENT (no such socket), -TERN_ECONNREFUSED (nobody listening),
 * -TERN_EIO. */
TERN_API int tern_wire_connect(struct tern_wire *w, const char *path,
			       const char *name);

/* Adopts a connected stream socket (socketpair(AF_UNIX, SOCK_STREAM) in
 * tests). Takes ownership of fd. Returns 0 or -TERN_EINVAL. */
TERN_API int tern_wire_stream_adopt(struct tern_wire *w, int fd,
				    const char *name);

/* Opens a datagram wire between local and remote, both UNIX paths or both
 * loopback UDP endpoints. Returns 0, or -TERN_EINVAL (mixed kinds, remote
 * port 0), -TERN_ENOTSUP (not loopback), -TERN_EEXIST (local path exists
 * and is not a socket), -TERN_EADDRINUSE, -TERN_EIO. */
TERN_API int tern_wire_dgram(struct tern_wire *w,
			     const struct tern_wire_addr *local,
			     const struct tern_wire_addr *remote,
			     const char *name);

/* Adopts a connected datagram socket (socketpair(AF_UNIX, SOCK_DGRAM), or a
 * connected UDP socket). Takes ownership of fd. Returns 0 or -TERN_EINVAL. */
TERN_API int tern_wire_dgram_adopt(struct tern_wire *w, int fd,
				   const char *name);

/* True if a stream wire has a peer (always true for dgram). */
TERN_API bool tern_wire_connected(const struct tern_wire *w);

/* The local UDP port of an inet dgram wire (after binding port 0), or 0. */
TERN_API uint16_t tern_wire_local_port(const struct tern_wire *w);

#endif
