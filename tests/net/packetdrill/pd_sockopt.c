/*
 * pd_sockopt.c - socket options, fcntl and ioctl.
 *
 * Options are kept in the socket (struct pd_opts) and, once it has a
 * connection, applied to it at once; a connection opened later gets them
 * when it connects or is accepted. Differences from Linux: SO_RCVBUF and
 * SO_SNDBUF read back what was set (Linux doubles it), clamped to
 * 1024..the stack's buffer size, and a listener's SO_RCVBUF reaches its
 * connections only at accept (Tern sized the SYN-ACK's window and scale
 * from the stack's buffer). SO_REUSEADDR is stored and reported only:
 * Tern's TIME_WAIT never keeps a listener from binding. Anything else is
 * -1 with ENOPROTOOPT.
 */
#include "pd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

/* The int at val, or -1 with EINVAL if len is short. */
static int int_arg(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return pd_fail_errno(EINVAL);
	memcpy(out, val, sizeof(int));
	return 0;
}

/* v clamped to 1024..max. */
static int buf_clamp(int v, uint32_t max)
{
	if (v < 1024)
		return 1024;
	return (uint32_t)v > max ? (int)max : v;
}

/* Applies the option just set (level, name) to s's connection. Returns 0
 * or -TERN_E*. */
static int apply_one(struct pd_sock *s, int level, int name)
{
	const struct pd_opts *o = &s->opts;

	if (!s->c || s->listener)
		return 0;
	if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		tern_tcp_set_nodelay(s->c, o->nodelay);
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_SNDBUF)
		return tern_tcp_set_buffers(s->c, (uint32_t)o->sndbuf, 0);
	if (level == SOL_SOCKET && name == SO_RCVBUF)
		return tern_tcp_set_buffers(s->c, 0, (uint32_t)o->rcvbuf);
	if (level == IPPROTO_TCP && name == TCP_CONGESTION)
		return tern_tcp_set_cc(s->c, o->cc);
	if (level == SOL_SOCKET
		    ? name != SO_KEEPALIVE
		    : name != TCP_KEEPIDLE && name != TCP_KEEPINTVL &&
			      name != TCP_KEEPCNT)
		return 0;
	if (!o->keepalive)
		return tern_tcp_set_keepalive(s->c, 0, 1, 1);
	return tern_tcp_set_keepalive(s->c,
				      (uint64_t)o->ka_idle * TERN_NSEC_PER_SEC,
				      (uint64_t)o->ka_intvl * TERN_NSEC_PER_SEC,
				      (uint32_t)o->ka_cnt);
}

/* Stores option (level, name) from val into o. Returns 0, -1 with errno
 * (EINVAL, ENOPROTOOPT). */
static int opt_store(struct pd *pd, struct pd_opts *o, int level, int name,
		     const void *val, socklen_t len)
{
	struct linger lg;
	int v = 0;

	if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
		if (!val || len == 0 || len >= sizeof(o->cc))
			return pd_fail_errno(EINVAL);
		memcpy(o->cc, val, len);
		o->cc[len] = 0;
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_LINGER) {
		if (!val || len < sizeof(lg))
			return pd_fail_errno(EINVAL);
		memcpy(&lg, val, sizeof(lg));
		o->linger0 = lg.l_onoff && lg.l_linger == 0;
		return 0;
	}
	if (int_arg(val, len, &v))
		return -1;
	if (level == SOL_SOCKET && name == SO_KEEPALIVE)
		o->keepalive = v != 0;
	else if (level == SOL_SOCKET && name == SO_REUSEADDR)
		o->reuseaddr = v != 0;
	else if (level == SOL_SOCKET && name == SO_SNDBUF)
		o->sndbuf = buf_clamp(v, pd->net.cfg.tcp_sndbuf);
	else if (level == SOL_SOCKET && name == SO_RCVBUF)
		o->rcvbuf = buf_clamp(v, pd->net.cfg.tcp_rcvbuf);
	else if (level == IPPROTO_TCP && name == TCP_NODELAY)
		o->nodelay = v != 0;
	else if (level == IPPROTO_TCP &&
		 (name == TCP_KEEPIDLE || name == TCP_KEEPINTVL ||
		  name == TCP_KEEPCNT)) {
		if (v < 1)
			return pd_fail_errno(EINVAL);
		if (name == TCP_KEEPIDLE)
			o->ka_idle = v;
		else if (name == TCP_KEEPINTVL)
			o->ka_intvl = v;
		else
			o->ka_cnt = v;
	} else
		return pd_fail_errno(ENOPROTOOPT);
	return 0;
}

/* Sets an option (see the top of this file). Returns 0, or -1 with
 * EBADF, EINVAL (a short or bad value, or Tern refused it: a send buffer
 * resized while data is queued, an unknown congestion control),
 * ENOPROTOOPT. */
int pd_setsockopt(void *userdata, int fd, int level, int name, const void *val,
		  socklen_t len)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	int ret = -1;

	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s && opt_store(pd, &s->opts, level, name, val, len) == 0) {
		int err = apply_one(s, level, name);

		ret = err ? pd_fail(err) : 0;
		pd_arp_answer(pd);
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}

/* The pending error of s as an errno value (0 if none), reported once. */
static int so_error(struct pd_sock *s)
{
	int err = s->c && !s->listener ? tern_tcp_error(s->c) : 0;

	if (!err || s->err_reported)
		return 0;
	s->err_reported = true;
	pd_fail(err);
	return errno;
}

/* The int value of option (level, name) of s into *v. Returns 0 or -1
 * with ENOPROTOOPT. */
static int opt_load(struct pd_sock *s, int level, int name, int *v)
{
	const struct pd_opts *o = &s->opts;

	if (level == SOL_SOCKET && name == SO_ERROR)
		*v = so_error(s);
	else if (level == SOL_SOCKET && name == SO_TYPE)
		*v = SOCK_STREAM;
	else if (level == SOL_SOCKET && name == SO_KEEPALIVE)
		*v = o->keepalive;
	else if (level == SOL_SOCKET && name == SO_REUSEADDR)
		*v = o->reuseaddr;
	else if (level == SOL_SOCKET && name == SO_SNDBUF)
		*v = o->sndbuf;
	else if (level == SOL_SOCKET && name == SO_RCVBUF)
		*v = o->rcvbuf;
	else if (level == IPPROTO_TCP && name == TCP_NODELAY)
		*v = o->nodelay;
	else if (level == IPPROTO_TCP && name == TCP_KEEPIDLE)
		*v = o->ka_idle;
	else if (level == IPPROTO_TCP && name == TCP_KEEPINTVL)
		*v = o->ka_intvl;
	else if (level == IPPROTO_TCP && name == TCP_KEEPCNT)
		*v = o->ka_cnt;
	else
		return pd_fail_errno(ENOPROTOOPT);
	return 0;
}

/* Reads an int option (those of opt_load; SO_SNDBUF/SO_RCVBUF give the
 * stack's sizes until set). Returns 0, or -1 with EBADF, EINVAL,
 * ENOPROTOOPT. */
int pd_getsockopt(void *userdata, int fd, int level, int name, void *val,
		  socklen_t *len)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	int ret = -1, v = 0;

	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s && (!val || !len || *len < sizeof(int)))
		pd_fail_errno(EINVAL);
	else if (s && opt_load(s, level, name, &v) == 0) {
		if (level == SOL_SOCKET && name == SO_SNDBUF && v == 0)
			v = (int)pd->net.cfg.tcp_sndbuf;
		if (level == SOL_SOCKET && name == SO_RCVBUF && v == 0)
			v = (int)pd->net.cfg.tcp_rcvbuf;
		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
		ret = 0;
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}

/* F_GETFL (O_RDWR, plus O_NONBLOCK) and F_SETFL (only O_NONBLOCK counts).
 * Returns the flags or 0, or -1 with EBADF, EINVAL (another command). */
int pd_fcntl(void *userdata, int fd, int cmd, ...)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	va_list ap;
	int ret = -1, arg = 0;

	if (cmd == F_SETFL) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s && cmd == F_GETFL) {
		ret = O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
	} else if (s && cmd == F_SETFL) {
		s->nonblock = arg & O_NONBLOCK;
		ret = 0;
	} else if (s) {
		pd_fail_errno(EINVAL);
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}

/* FIONREAD (bytes ready to read into the int argument) and FIONBIO.
 * Returns 0, or -1 with EBADF, ENOTTY (another request). */
int pd_ioctl(void *userdata, int fd, unsigned long request, ...)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	va_list ap;
	int *arg, ret = -1;

	va_start(ap, request);
	arg = va_arg(ap, int *);
	va_end(ap);
	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s && request == FIONREAD) {
		*arg = s->c && !s->listener ? (int)tern_tcp_readable(s->c) : 0;
		ret = 0;
	} else if (s && request == FIONBIO) {
		s->nonblock = *arg != 0;
		ret = 0;
	} else if (s) {
		pd_fail_errno(ENOTTY);
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}
