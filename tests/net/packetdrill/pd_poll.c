/*
 * pd_poll.c - poll(2) over tern_tcp_ready, with Linux's event bits.
 *
 * Like tcp_poll(), a connection still opening reports nothing, a
 * connection that ended reports POLLHUP, a pending error POLLERR, the end
 * of the stream POLLIN | POLLRDHUP; revents is masked with the requested
 * events plus POLLERR, POLLHUP and POLLNVAL, as poll(2) does. A timeout
 * passes in virtual time; an infinite one on sockets that can never
 * become ready returns 0 instead of hanging. (POLLRDHUP needs _GNU_SOURCE,
 * which the build defines.)
 */
#include "pd.h"

#include <errno.h>

/* The events of fd now, before masking. */
static short sock_events(struct pd *pd, int fd)
{
	struct pd_sock *s = pd_sock_get(pd, fd);
	enum tern_tcp_state st;
	unsigned r;
	short ev = 0;

	if (!s)
		return POLLNVAL;
	if (!s->c)
		return POLLOUT | POLLHUP;
	r = tern_tcp_ready(s->c);
	if (s->listener)
		return r & TERN_TCP_EV_READ ? POLLIN | POLLRDNORM : 0;
	st = tern_tcp_state(s->c);
	if (st == TERN_TCP_SYN_SENT || st == TERN_TCP_SYN_RECEIVED)
		return 0;
	if (tern_tcp_error(s->c) && !s->err_reported)
		ev |= POLLERR;
	if (st == TERN_TCP_CLOSED)
		ev |= POLLHUP;
	if (r & TERN_TCP_EV_READ)
		ev |= POLLIN | POLLRDNORM;
	if (tern_tcp_at_eof(s->c) || st == TERN_TCP_CLOSED)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (r & TERN_TCP_EV_WRITE)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

struct poll_set {
	struct pollfd *fds;
	nfds_t nfds;
	int nready;
};

/* pd_wait predicate: fills revents of every fd of the set arg; true if
 * one is ready. */
static bool poll_ready(struct pd *pd, void *arg)
{
	struct poll_set *p = arg;

	p->nready = 0;
	for (nfds_t i = 0; i < p->nfds; i++) {
		struct pollfd *f = &p->fds[i];
		short mask = f->events | POLLERR | POLLHUP | POLLNVAL;

		f->revents = f->fd < 0 ? 0 : sock_events(pd, f->fd) & mask;
		if (f->revents)
			p->nready++;
	}
	return p->nready > 0;
}

/* Returns the number of fds with events, 0 on timeout, or -1 with
 * EINVAL (too many fds). */
int pd_poll(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct pd *pd = userdata;
	struct poll_set p = { .fds = fds, .nfds = nfds };
	uint64_t t;

	if (nfds > PD_SOCKS * 4)
		return pd_fail_errno(EINVAL);
	pthread_mutex_lock(&pd->lock);
	t = timeout < 0 ? TERN_NO_DEADLINE
			: pd_now() + (uint64_t)timeout * TERN_NSEC_PER_MSEC;
	if (timeout == 0)
		poll_ready(pd, &p);
	else
		pd_wait(pd, t, poll_ready, &p);
	pthread_mutex_unlock(&pd->lock);
	return p.nready;
}
