/*
 * pd_io.c - reading and writing: read, readv, recv, recvfrom, recvmsg,
 * write, writev, send, sendto, sendmsg over tern_tcp_recv/peek/send.
 *
 * A blocking call waits in virtual time (pd_wait) until it can go on;
 * if the stack has nothing left that could make it ready (no deadline:
 * the data would have to come from the script, after the call), it
 * returns -1 with EAGAIN rather than hang. Scatter/gather calls work
 * piece by piece: only the first piece may wait.
 */
#include "pd.h"

#include <errno.h>
#include <string.h>

#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK)
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

/* pd_wait predicates on the socket arg. */
static bool can_read(struct pd *pd, void *arg)
{
	(void)pd;
	return tern_tcp_ready(((struct pd_sock *)arg)->c) & TERN_TCP_EV_READ;
}

static bool can_write(struct pd *pd, void *arg)
{
	(void)pd;
	return tern_tcp_ready(((struct pd_sock *)arg)->c) & TERN_TCP_EV_WRITE;
}

/* The connection of fd for data calls, or NULL with errno set (EBADF,
 * ENOTCONN). */
static struct pd_sock *data_sock(struct pd *pd, int fd)
{
	struct pd_sock *s = pd_sock_get(pd, fd);

	if (s && (!s->c || s->listener)) {
		errno = ENOTCONN;
		return NULL;
	}
	return s;
}

/* Receives up to len bytes into buf; waits if block. Returns the bytes,
 * 0 at the end of the stream, or -1 with errno. */
static ssize_t recv_locked(struct pd *pd, struct pd_sock *s, void *buf,
			   size_t len, int flags, bool block)
{
	const uint8_t *data;
	size_t n;
	int ret;

	if (block)
		pd_wait(pd, TERN_NO_DEADLINE, can_read, s);
	if (flags & MSG_PEEK) {
		ret = tern_tcp_peek(s->c, &data, &n);
		if (ret == 0) {
			n = n < len ? n : len;
			memcpy(buf, data, n);
			return (ssize_t)n;
		}
	} else {
		ret = tern_tcp_recv(s->c, buf, len, pd_now());
		pd_arp_answer(pd);
	}
	if (ret < 0) {
		s->err_reported = true;
		return pd_fail(ret);
	}
	return ret;
}

/* Receives into the pieces of iov. Returns the bytes, 0 at the end of the
 * stream, or -1 with errno (EBADF, ENOTCONN, EOPNOTSUPP for a flag Tern
 * has no counterpart for, EAGAIN, the connection's error). */
static ssize_t recv_iov(struct pd *pd, int fd, const struct iovec *iov,
			size_t iovcnt, int flags)
{
	struct pd_sock *s;
	ssize_t total = 0;

	if (flags & ~RECV_FLAGS)
		return pd_fail_errno(EOPNOTSUPP);
	pthread_mutex_lock(&pd->lock);
	s = data_sock(pd, fd);
	if (!s) {
		total = -1;
		goto out;
	}
	for (size_t i = 0; i < iovcnt; i++) {
		bool block = i == 0 && !s->nonblock && !(flags & MSG_DONTWAIT);
		ssize_t n = recv_locked(pd, s, iov[i].iov_base, iov[i].iov_len,
					flags, block);

		if (n < 0 && total == 0)
			total = -1;
		if (n <= 0)
			break;
		total += n;
		if ((size_t)n < iov[i].iov_len || (flags & MSG_PEEK))
			break;
	}
out:
	pthread_mutex_unlock(&pd->lock);
	return total;
}

/* Sends all of buf (a blocking socket waits for room) or what fits now.
 * Returns the bytes taken, or -1 with errno. */
static ssize_t send_locked(struct pd *pd, struct pd_sock *s, const void *buf,
			   size_t len, bool block)
{
	size_t done = 0;

	while (done < len) {
		int n = tern_tcp_send(s->c, (const uint8_t *)buf + done,
				      len - done, pd_now());

		pd_arp_answer(pd);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -TERN_EAGAIN && block &&
		    pd_wait(pd, TERN_NO_DEADLINE, can_write, s))
			continue;
		if (done > 0)
			break;
		if (n != -TERN_EAGAIN)
			s->err_reported = true;
		return pd_fail(n);
	}
	return (ssize_t)done;
}

/* Sends the pieces of iov. Returns the bytes taken, or -1 with errno
 * (EBADF, ENOTCONN, EOPNOTSUPP for a flag, EAGAIN, EPIPE, the
 * connection's error). */
static ssize_t send_iov(struct pd *pd, int fd, const struct iovec *iov,
			size_t iovcnt, int flags)
{
	struct pd_sock *s;
	ssize_t total = 0;

	if (flags & ~SEND_FLAGS)
		return pd_fail_errno(EOPNOTSUPP);
	pthread_mutex_lock(&pd->lock);
	s = data_sock(pd, fd);
	if (!s) {
		total = -1;
		goto out;
	}
	for (size_t i = 0; i < iovcnt; i++) {
		bool block = !s->nonblock && !(flags & MSG_DONTWAIT);
		ssize_t n = send_locked(pd, s, iov[i].iov_base, iov[i].iov_len,
					block);

		if (n < 0 && total == 0)
			total = -1;
		if (n <= 0)
			break;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
out:
	pthread_mutex_unlock(&pd->lock);
	return total;
}

ssize_t pd_read(void *userdata, int fd, void *buf, size_t count)
{
	struct iovec iov = { .iov_base = buf, .iov_len = count };

	return recv_iov(userdata, fd, &iov, 1, 0);
}

ssize_t pd_readv(void *userdata, int fd, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 0)
		return pd_fail_errno(EINVAL);
	return recv_iov(userdata, fd, iov, (size_t)iovcnt, 0);
}

ssize_t pd_recv(void *userdata, int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return recv_iov(userdata, fd, &iov, 1, flags);
}

/* recv; src gets nothing (*srclen 0), as for a connected TCP socket. */
ssize_t pd_recvfrom(void *userdata, int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *srclen)
{
	(void)src;
	if (srclen)
		*srclen = 0;
	return pd_recv(userdata, fd, buf, len, flags);
}

/* recv into msg's pieces; no name, no control data, msg_flags 0. */
ssize_t pd_recvmsg(void *userdata, int fd, struct msghdr *msg, int flags)
{
	msg->msg_namelen = 0;
	msg->msg_controllen = 0;
	msg->msg_flags = 0;
	return recv_iov(userdata, fd, msg->msg_iov, msg->msg_iovlen, flags);
}

ssize_t pd_write(void *userdata, int fd, const void *buf, size_t count)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = count };

	return send_iov(userdata, fd, &iov, 1, 0);
}

ssize_t pd_writev(void *userdata, int fd, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 0)
		return pd_fail_errno(EINVAL);
	return send_iov(userdata, fd, iov, (size_t)iovcnt, 0);
}

ssize_t pd_send(void *userdata, int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return send_iov(userdata, fd, &iov, 1, flags);
}

/* send; a connected TCP socket ignores dst (Linux does too). */
ssize_t pd_sendto(void *userdata, int fd, const void *buf, size_t len,
		  int flags, const struct sockaddr *dst, socklen_t dstlen)
{
	(void)dst;
	(void)dstlen;
	return pd_send(userdata, fd, buf, len, flags);
}

/* send of msg's pieces; control data is refused with EOPNOTSUPP. */
ssize_t pd_sendmsg(void *userdata, int fd, const struct msghdr *msg, int flags)
{
	if (msg->msg_controllen)
		return pd_fail_errno(EOPNOTSUPP);
	return send_iov(userdata, fd, msg->msg_iov, msg->msg_iovlen, flags);
}
