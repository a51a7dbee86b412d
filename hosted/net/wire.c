/*
 * wire.c - the wire netdev: Ethernet frames over UNIX or loopback UDP
 * sockets in QEMU's stream and dgram framing (see wire.h).
 *
 * This file holds the data path (stream reassembly and batched send,
 * datagram batches through sendmmsg/recvmmsg); wire_open.c sets the
 * sockets up.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/log.h"
#include "wire_int.h"

#define BATCH 64    /* frames per sendmsg/sendmmsg/recvmmsg */
#define MAX_IOV 256 /* gather pieces per sendmsg/sendmmsg */

static struct tern_wire *to_wire(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tern_wire, dev);
}

static bool is_stream(const struct tern_wire *w)
{
	return w->mode != TERN_WIRE_DGRAM;
}

void wire_disconnect(struct tern_wire *w, const char *why)
{
	if (w->fd < 0)
		return;
	tern_log_info("%s: peer disconnected (%s)", w->dev.name, why);
	close(w->fd);
	w->fd = -1;
	w->disconnects++;
	w->rstart = w->rend = 0;
	w->toff = w->tlen = 0;
	w->waker.fd = w->listen_fd;
}

/* A listener with no peer takes the next waiting connection, if any. */
static void try_accept(struct tern_wire *w)
{
	int fd;

	if (w->mode != TERN_WIRE_STREAM_LISTEN || w->fd >= 0)
		return;
	fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	w->fd = fd;
	w->waker.fd = fd;
	w->connects++;
	tern_log_info("%s: peer connected", w->dev.name);
}

/* Writes what is left of a partly sent frame. Returns true when nothing
 * is left (also when the connection dropped). */
static bool flush_rest(struct tern_wire *w)
{
	while (w->toff < w->tlen && w->fd >= 0) {
		ssize_t n = send(w->fd, w->tbuf + w->toff, w->tlen - w->toff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			w->toff += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			return false;
		} else {
			wire_disconnect(w, "send failed");
		}
	}
	w->toff = w->tlen = 0;
	return true;
}

/* Keeps the unsent tail of frame f (its 4-byte header included) in tbuf,
 * sent bytes of it already on the wire. */
static void keep_rest(struct tern_wire *w, const struct tern_tx *f, size_t sent)
{
	int len = tern_tx_flatten(f, w->tbuf + 4, sizeof(w->tbuf) - 4);

	TERN_ASSERT(len >= 0);
	tern_store_be32(w->tbuf, (uint32_t)len);
	w->tlen = 4 + (size_t)len;
	w->toff = sent;
}

/* Sends frames[0..count) as one sendmsg (fewer if the pieces do not fit
 * the iovec budget). Returns the frames accepted, or -1 with errno set. */
static int stream_send_batch(struct tern_wire *w, const struct tern_tx *frames,
			     unsigned count)
{
	uint8_t hdr[BATCH][4];
	struct iovec iov[MAX_IOV];
	size_t flen[BATCH];
	unsigned nf = 0, ni = 0;
	struct msghdr msg;
	ssize_t n;

	while (nf < count && nf < BATCH &&
	       ni + 1 + frames[nf].iovcnt <= MAX_IOV) {
		const struct tern_tx *f = &frames[nf];

		flen[nf] = tern_tx_len(f);
		tern_store_be32(hdr[nf], (uint32_t)flen[nf]);
		iov[ni].iov_base = hdr[nf];
		iov[ni++].iov_len = 4;
		for (unsigned k = 0; k < f->iovcnt; k++) {
			iov[ni].iov_base = (void *)f->iov[k].base;
			iov[ni++].iov_len = f->iov[k].len;
		}
		nf++;
	}
	TERN_ASSERT(nf > 0); /* a single frame has at most MAX_IOV - 1 pieces */
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = ni;
	do {
		n = sendmsg(w->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (unsigned i = 0; i < nf; i++) {
		size_t whole = 4 + flen[i];

		if ((size_t)n >= whole) {
			n -= (ssize_t)whole;
			continue;
		}
		if (n > 0) {
			keep_rest(w, &frames[i], (size_t)n);
			return (int)i + 1;
		}
		return (int)i;
	}
	return (int)nf;
}

static int stream_send(struct tern_wire *w, const struct tern_tx *frames,
		       unsigned count)
{
	unsigned done = 0;

	try_accept(w);
	if (!flush_rest(w))
		return 0;
	while (done < count && w->fd >= 0) {
		int n = stream_send_batch(w, frames + done, count - done);

		if (n < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			wire_disconnect(w, "send failed");
			break;
		}
		done += (unsigned)n;
		w->tx_frames += (unsigned)n;
		if (w->tlen)
			break; /* the socket is full mid-frame */
		if (n == 0)
			break;
	}
	if (w->fd < 0) {
		/* No peer: the rest is lost on the wire. */
		w->tx_no_peer += count - done;
		return (int)count;
	}
	return (int)done;
}

static int stream_recv(struct tern_wire *w, struct tern_rx *frames,
		       unsigned count)
{
	unsigned got = 0;

	try_accept(w);
	flush_rest(w);
	while (got < count && w->fd >= 0) {
		size_t avail = w->rend - w->rstart;
		ssize_t n;

		if (avail >= 4) {
			uint32_t len = tern_load_be32(w->rbuf + w->rstart);

			if (len > TERN_ETH_FRAME_MAX) {
				w->proto_errors++;
				wire_disconnect(w, "frame length too large");
				break;
			}
			if (avail >= 4 + (size_t)len) {
				const uint8_t *p = w->rbuf + w->rstart + 4;
				struct tern_rx *rx = &frames[got];

				w->rstart += 4 + (size_t)len;
				if (len < TERN_ETH_HLEN) {
					w->rx_runts++;
				} else if (len > rx->cap) {
					w->dev.rx_dropped_too_long++;
				} else {
					memcpy(rx->buf, p, len);
					rx->len = len;
					w->rx_frames++;
					got++;
				}
				continue;
			}
		}
		/* Need more bytes: compact, then read. A whole frame always
		 * fits: the buffer is larger than 4 + TERN_ETH_FRAME_MAX. */
		if (w->rstart) {
			memmove(w->rbuf, w->rbuf + w->rstart, avail);
			w->rstart = 0;
			w->rend = avail;
		}
		n = read(w->fd, w->rbuf + w->rend, sizeof(w->rbuf) - w->rend);
		if (n > 0) {
			w->rend += (size_t)n;
		} else if (n == 0) {
			wire_disconnect(w, "end of stream");
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN) {
			break;
		} else {
			wire_disconnect(w, "read failed");
		}
	}
	return (int)got;
}

static int dgram_send(struct tern_wire *w, const struct tern_tx *frames,
		      unsigned count)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[MAX_IOV];
	unsigned done = 0;

	while (done < count) {
		unsigned nf = 0, ni = 0, sent = 0;

		memset(msgs, 0, sizeof(msgs));
		while (done + nf < count && nf < BATCH &&
		       ni + frames[done + nf].iovcnt <= MAX_IOV) {
			const struct tern_tx *f = &frames[done + nf];
			struct msghdr *m = &msgs[nf].msg_hdr;

			m->msg_iov = &iov[ni];
			m->msg_iovlen = f->iovcnt;
			for (unsigned k = 0; k < f->iovcnt; k++) {
				iov[ni].iov_base = (void *)f->iov[k].base;
				iov[ni++].iov_len = f->iov[k].len;
			}
			if (w->remote_len) {
				m->msg_name = &w->remote;
				m->msg_namelen = w->remote_len;
			}
			nf++;
		}
		TERN_ASSERT(nf > 0);
		while (sent < nf) {
			int n = sendmmsg(w->fd, msgs + sent, nf - sent,
					 MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n > 0) {
				sent += (unsigned)n;
				w->tx_frames += (unsigned)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS)
				return (int)(done + sent);
			if (errno == ECONNREFUSED || errno == ENOENT ||
			    errno == ENOTCONN || errno == EDESTADDRREQ ||
			    errno == EPIPE) {
				w->tx_no_peer++; /* nobody there: lost */
				sent++;
				continue;
			}
			if (errno == EMSGSIZE) {
				w->tx_errors++;
				sent++;
				continue;
			}
			if (done + sent == 0)
				return -TERN_EIO;
			return (int)(done + sent);
		}
		done += nf;
	}
	return (int)done;
}

static int dgram_recv(struct tern_wire *w, struct tern_rx *frames,
		      unsigned count)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned got = 0;

	while (got < count) {
		unsigned m = TERN_MIN(count - got, (unsigned)BATCH);
		int n;

		memset(msgs, 0, sizeof(struct mmsghdr) * m);
		for (unsigned i = 0; i < m; i++) {
			iov[i].iov_base = frames[got + i].buf;
			iov[i].iov_len = frames[got + i].cap;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(w->fd, msgs, m, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ECONNREFUSED)
				break;
			if (got == 0)
				return -TERN_EIO;
			break;
		}
		/* Keep the good frames packed at the front. */
		unsigned keep = got;

		for (int i = 0; i < n; i++) {
			struct tern_rx *rx = &frames[got + (unsigned)i];
			size_t len = msgs[i].msg_len;

			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				w->dev.rx_dropped_too_long++;
				continue;
			}
			if (len < TERN_ETH_HLEN) {
				w->rx_runts++;
				continue;
			}
			if (&frames[keep] != rx) {
				if (len > frames[keep].cap) {
					w->dev.rx_dropped_too_long++;
					continue;
				}
				memcpy(frames[keep].buf, rx->buf, len);
			}
			frames[keep++].len = len;
			w->rx_frames++;
		}
		got = keep;
		if ((unsigned)n < m)
			break; /* nothing more waiting */
	}
	return (int)got;
}

static int wire_send(struct tern_netdev *dev, const struct tern_tx *frames,
		     unsigned count)
{
	struct tern_wire *w = to_wire(dev);

	if (is_stream(w))
		return stream_send(w, frames, count);
	return dgram_send(w, frames, count);
}

static int wire_recv(struct tern_netdev *dev, struct tern_rx *frames,
		     unsigned count)
{
	struct tern_wire *w = to_wire(dev);

	if (is_stream(w))
		return stream_recv(w, frames, count);
	return dgram_recv(w, frames, count);
}

static void wire_close(struct tern_netdev *dev)
{
	struct tern_wire *w = to_wire(dev);

	tern_hosted_waker_remove(&w->waker);
	if (w->fd >= 0)
		close(w->fd);
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	w->fd = w->listen_fd = -1;
	if (w->unlink_path[0])
		unlink(w->unlink_path);
	w->unlink_path[0] = '\0';
}

/* netdev rx_pause: while paused, waiting frames do not wake tern_wait(). */
static void wire_rx_pause(struct tern_netdev *dev, bool paused)
{
	to_wire(dev)->waker.paused = paused;
}

const struct tern_netdev_ops wire_ops = {
	.send = wire_send,
	.recv = wire_recv,
	.close = wire_close,
	.rx_pause = wire_rx_pause,
};

uint64_t wire_next(struct tern_waker *wk)
{
	struct tern_wire *w = tern_container_of(wk, struct tern_wire, waker);

	/* A stalled remainder is written by the next send or recv call, so
	 * while there is one, tern_wait() returns at once. */
	return w->toff < w->tlen ? 0 : TERN_NO_DEADLINE;
}

bool tern_wire_connected(const struct tern_wire *w)
{
	return w->fd >= 0;
}
