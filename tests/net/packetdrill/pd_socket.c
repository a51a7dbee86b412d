/*
 * pd_socket.c - the shim's socket table: socket, bind, listen, accept,
 * connect, close, shutdown, and Tern's errors as errno values.
 *
 * A socket is a slot of pd->socks. Its fd is a real one, open on
 * /dev/null: at the end packetdrill close(2)s the fds of the sockets a
 * script left open with the real close, and dies if that fails. Only
 * AF_INET/SOCK_STREAM exists. Tern connects from an ephemeral port of its
 * own choosing, so bind() before connect() may name port 0 only.
 */
#include "pd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

int pd_fail_errno(int e)
{
	errno = e;
	return -1;
}

int pd_fail(int terr)
{
	static const int map[TERN_ERR_COUNT] = {
		[TERN_EAGAIN] = EAGAIN,
		[TERN_EINVAL] = EINVAL,
		[TERN_ENOMEM] = ENOMEM,
		[TERN_EIO] = EIO,
		[TERN_ETIMEDOUT] = ETIMEDOUT,
		[TERN_ENOENT] = ENOENT,
		[TERN_EEXIST] = EEXIST,
		[TERN_EMSGSIZE] = EMSGSIZE,
		[TERN_ENOSPC] = ENOBUFS,
		[TERN_ENOTSUP] = EOPNOTSUPP,
		[TERN_EADDRINUSE] = EADDRINUSE,
		[TERN_ENOTCONN] = ENOTCONN,
		[TERN_ECONNREFUSED] = ECONNREFUSED,
		[TERN_ECONNRESET] = ECONNRESET,
		[TERN_EHOSTUNREACH] = EHOSTUNREACH,
		[TERN_EPIPE] = EPIPE,
	};
	int e = terr < 0 ? -terr : terr;

	return pd_fail_errno(e > 0 && e < TERN_ERR_COUNT && map[e] ? map[e]
								   : EIO);
}

struct pd_sock *pd_sock_get(struct pd *pd, int fd)
{
	for (int i = 0; i < PD_SOCKS; i++)
		if (pd->socks[i].used && pd->socks[i].fd == fd)
			return &pd->socks[i];
	errno = EBADF;
	return NULL;
}

int pd_sock_apply(struct pd_sock *s)
{
	const struct pd_opts *o = &s->opts;
	int err;

	tern_tcp_set_nodelay(s->c, o->nodelay);
	err = tern_tcp_set_buffers(s->c, (uint32_t)o->sndbuf,
				   (uint32_t)o->rcvbuf);
	if (err == 0 && o->keepalive)
		err = tern_tcp_set_keepalive(
			s->c, (uint64_t)o->ka_idle * TERN_NSEC_PER_SEC,
			(uint64_t)o->ka_intvl * TERN_NSEC_PER_SEC,
			(uint32_t)o->ka_cnt);
	if (err == 0 && o->cc[0])
		err = tern_tcp_set_cc(s->c, o->cc);
	return err;
}

/* A free slot with a new fd, zeroed with Linux's option defaults, or
 * NULL. Returns its fd in *fd. */
static struct pd_sock *sock_new(struct pd *pd, int *fd)
{
	for (int i = 0; i < PD_SOCKS; i++) {
		struct pd_sock *s = &pd->socks[i];

		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return NULL;
		s->used = true;
		s->opts.ka_idle = 7200;
		s->opts.ka_intvl = 75;
		s->opts.ka_cnt = 9;
		*fd = s->fd;
		return s;
	}
	return NULL;
}

/* Opens an AF_INET SOCK_STREAM socket (SOCK_NONBLOCK allowed). Returns the
 * fd, or -1 with EAFNOSUPPORT, EPROTONOSUPPORT or EMFILE. */
int pd_socket(void *userdata, int domain, int type, int protocol)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	int fd = -1;

	if (domain != AF_INET)
		return pd_fail_errno(EAFNOSUPPORT);
	if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP))
		return pd_fail_errno(EPROTONOSUPPORT);
	pthread_mutex_lock(&pd->lock);
	s = sock_new(pd, &fd);
	if (s)
		s->nonblock = type & SOCK_NONBLOCK;
	pthread_mutex_unlock(&pd->lock);
	return s ? fd : pd_fail_errno(EMFILE);
}

/* Checks addr as a struct sockaddr_in; returns 0 or EAFNOSUPPORT/EINVAL. */
static int sin_check(const struct sockaddr *addr, socklen_t len)
{
	if (len < sizeof(struct sockaddr_in))
		return EINVAL;
	return addr->sa_family == AF_INET ? 0 : EAFNOSUPPORT;
}

/* Records the address to listen on. Returns 0, or -1 with EBADF, EINVAL
 * (already bound, a short address), EAFNOSUPPORT or EADDRNOTAVAIL (not
 * the stack's address). */
int pd_bind(void *userdata, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct pd *pd = userdata;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	struct pd_sock *s;
	int e = sin_check(addr, len);
	uint32_t a;

	if (e)
		return pd_fail_errno(e);
	a = ntohl(sin->sin_addr.s_addr);
	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (!s)
		e = EBADF;
	else if (s->bound || s->c)
		e = EINVAL;
	else if (a != 0 && a != pd->local)
		e = EADDRNOTAVAIL;
	if (!e) {
		s->bound = true;
		s->baddr = a;
		s->bport = ntohs(sin->sin_port);
	}
	pthread_mutex_unlock(&pd->lock);
	return e ? pd_fail_errno(e) : 0;
}

/* Makes a bound socket a listener; backlog is clamped into Tern's range
 * 1..cfg.tcp_backlog_max (Linux allows 0 and means about 1). Returns 0,
 * or -1 with EBADF, EINVAL (connected, or no port bound), EADDRINUSE. */
int pd_listen(void *userdata, int fd, int backlog)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	unsigned max = pd->net.cfg.tcp_backlog_max;
	unsigned b = backlog < 1 ? 1 : (unsigned)backlog;
	int ret = 0;

	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (!s) {
		ret = -1;
	} else if (s->listener) {
		ret = 0;
	} else if (s->c || !s->bound || s->bport == 0) {
		ret = pd_fail_errno(EINVAL);
	} else {
		int err = tern_tcp_listen(&pd->net, s->baddr, s->bport,
					  b > max ? max : b, &s->c);

		if (err)
			ret = pd_fail(err);
		else
			s->listener = true;
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}

/* pd_wait predicate: the socket arg is ready to read (or accept). */
static bool readable(struct pd *pd, void *arg)
{
	(void)pd;
	return tern_tcp_ready(((struct pd_sock *)arg)->c) & TERN_TCP_EV_READ;
}

/* Writes the peer of c into addr/len as a struct sockaddr_in (truncated
 * like the kernel's to *len bytes). */
static void peer_addr(struct tern_tcp *c, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_in sin;
	uint32_t raddr;
	uint16_t rport;

	if (!addr || !len)
		return;
	tern_tcp_endpoints(c, NULL, NULL, &raddr, &rport);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(raddr);
	sin.sin_port = htons(rport);
	memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
}

/* Takes the oldest established connection of a listener, waiting in
 * virtual time if the socket blocks. The new socket inherits the
 * listener's options. Returns its fd, or -1 with EBADF, EINVAL (not a
 * listener), EAGAIN (none waiting, and a non-blocking socket or nothing
 * could ever come), EMFILE. */
int pd_accept(void *userdata, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct pd *pd = userdata;
	struct pd_sock *l, *s;
	struct tern_tcp *c;
	int nfd = -1, err;

	pthread_mutex_lock(&pd->lock);
	l = pd_sock_get(pd, fd);
	if (!l)
		goto out;
	if (!l->listener) {
		pd_fail_errno(EINVAL);
		goto out;
	}
	if (!l->nonblock)
		pd_wait(pd, TERN_NO_DEADLINE, readable, l);
	err = tern_tcp_accept(l->c, &c);
	if (err) {
		pd_fail(err);
		goto out;
	}
	s = sock_new(pd, &nfd);
	if (!s) {
		tern_tcp_abort(c, pd_now());
		pd_fail_errno(EMFILE);
		goto out;
	}
	s->c = c;
	s->opts = l->opts;
	err = pd_sock_apply(s);
	if (err) {
		tern_tcp_abort(c, pd_now());
		close(s->fd);
		s->used = false;
		nfd = pd_fail(err);
		goto out;
	}
	peer_addr(c, addr, len);
out:
	pthread_mutex_unlock(&pd->lock);
	return nfd;
}

/* pd_wait predicate: the connect of socket arg is over. */
static bool connected(struct pd *pd, void *arg)
{
	(void)pd;
	return tern_tcp_state(((struct pd_sock *)arg)->c) != TERN_TCP_SYN_SENT;
}

/* Connects to addr: sends the SYN and, on a blocking socket, waits in
 * virtual time for the outcome (a script must inject the SYN-ACK before
 * the call for it to succeed: use a non-blocking socket). Returns 0, or
 * -1 with EINPROGRESS (non-blocking), EALREADY, EISCONN, EBADF,
 * EOPNOTSUPP (bound to a port: Tern picks its own), ECONNREFUSED,
 * ETIMEDOUT, EHOSTUNREACH, ENOBUFS. */
int pd_connect(void *userdata, int fd, const struct sockaddr *addr,
	       socklen_t len)
{
	struct pd *pd = userdata;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	struct pd_sock *s;
	int e = sin_check(addr, len), ret = -1, err;

	if (e)
		return pd_fail_errno(e);
	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (!s)
		goto out;
	if (s->listener || (s->bound && s->bport != 0)) {
		pd_fail_errno(s->listener ? EISCONN : EOPNOTSUPP);
		goto out;
	}
	if (s->c) {
		pd_fail_errno(tern_tcp_state(s->c) == TERN_TCP_SYN_SENT
				      ? EALREADY
				      : EISCONN);
		goto out;
	}
	err = tern_tcp_connect(&pd->net, ntohl(sin->sin_addr.s_addr),
			       ntohs(sin->sin_port), pd_now(), &s->c);
	if (err == 0)
		err = pd_sock_apply(s);
	pd_arp_answer(pd);
	if (err) {
		pd_fail(err);
		goto out;
	}
	if (s->nonblock) {
		pd_fail_errno(EINPROGRESS);
		goto out;
	}
	pd_wait(pd, TERN_NO_DEADLINE, connected, s);
	err = tern_tcp_error(s->c);
	if (err) {
		s->err_reported = true;
		pd_fail(err);
	} else if (tern_tcp_state(s->c) == TERN_TCP_SYN_SENT) {
		pd_fail_errno(ETIMEDOUT);
	} else {
		ret = 0;
	}
out:
	pthread_mutex_unlock(&pd->lock);
	return ret;
}

/* Frees socket s and its fd: a connection is closed (or reset, with
 * SO_LINGER 0). */
static void sock_release(struct pd_sock *s)
{
	close(s->fd);
	if (s->c) {
		if (s->opts.linger0)
			tern_tcp_abort(s->c, pd_now());
		else
			tern_tcp_close(s->c, pd_now());
	}
	s->used = false;
}

/* Closes fd. Returns 0, or -1 with EBADF. */
int pd_close(void *userdata, int fd)
{
	struct pd *pd = userdata;
	struct pd_sock *s;

	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s) {
		sock_release(s);
		pd_arp_answer(pd);
	}
	pthread_mutex_unlock(&pd->lock);
	return s ? 0 : -1;
}

void pd_sock_close_all(struct pd *pd)
{
	for (int i = 0; i < PD_SOCKS; i++) {
		struct pd_sock *s = &pd->socks[i];

		/* packetdrill closed the fds already. */
		if (!s->used)
			continue;
		if (s->c)
			tern_tcp_abort(s->c, pd_now());
		s->used = false;
	}
}

/* Shuts down the sending side (SHUT_WR, SHUT_RDWR: FIN after the queued
 * data); SHUT_RD changes nothing (Tern keeps receiving). Returns 0, or -1
 * with EBADF, EINVAL, ENOTCONN. */
int pd_shutdown(void *userdata, int fd, int how)
{
	struct pd *pd = userdata;
	struct pd_sock *s;
	int ret = -1;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return pd_fail_errno(EINVAL);
	pthread_mutex_lock(&pd->lock);
	s = pd_sock_get(pd, fd);
	if (s && (!s->c || s->listener)) {
		pd_fail_errno(ENOTCONN);
	} else if (s) {
		int err = how == SHUT_RD ? 0
					 : tern_tcp_shutdown(s->c, pd_now());

		ret = err ? pd_fail(err) : 0;
		pd_arp_answer(pd);
	}
	pthread_mutex_unlock(&pd->lock);
	return ret;
}
