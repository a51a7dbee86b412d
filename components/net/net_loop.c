/*
 * net_loop.c - the stack on fibers: the receive poller, the deadline timer,
 * blocking sockets and sans-I/O cores on a UDP socket (net_loop.h).
 *
 * Cost per loop turn with nothing to do: one device receive call per
 * interface and a compare of the core's deadline with the armed timer.
 * Under load, each receive call moves up to TERN_NET_RX_BATCH frames and
 * the replies they cause leave in device send batches of the same size.
 */
#include "tern/net_loop.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"

/* Keeps the wheel timer armed at the core's next deadline. */
static void rearm(struct tern_net_loop *l)
{
	struct tern_wheel *w = tern_sched_wheel(l->sched);
	uint64_t d = tern_net_next_deadline(l->net);

	if (d == TERN_NO_DEADLINE) {
		tern_timer_cancel(w, &l->timer);
		return;
	}
	if (!tern_timer_armed(&l->timer) || tern_timer_deadline(&l->timer) != d)
		tern_timer_arm(w, &l->timer, d);
}

static void timer_fired(struct tern_timer *t, uint64_t now)
{
	struct tern_net_loop *l = t->ctx;

	tern_net_timers(l->net, now);
	rearm(l);
}

/* Pauses or resumes interface i's receive wake-ups (tern_netdev_rx_pause):
 * with no buffer to receive into, frames waiting in the device must not
 * keep ending tern_wait(), or the loop spins until a buffer comes back. */
static void set_rx_paused(struct tern_net_loop *l, unsigned i, bool paused)
{
	if (l->rx_paused[i] == paused)
		return;
	l->rx_paused[i] = paused;
	l->rx_paused_count += paused ? 1 : -1;
	if (paused)
		l->rx_pauses++;
	tern_netdev_rx_pause(tern_net_if_dev(l->net, i), paused);
}

/* Receives up to TERN_NET_RX_ROUNDS batches from interface i; pauses it
 * while the pool has no buffer for it, resumes it once there is one. */
static int poll_if(struct tern_net_loop *l, unsigned i, uint64_t now)
{
	struct tern_net *net = l->net;
	struct tern_netdev *dev = tern_net_if_dev(net, i);
	int total = 0;

	for (unsigned round = 0; round < TERN_NET_RX_ROUNDS; round++) {
		struct tern_rx rx[TERN_NET_RX_BATCH];
		unsigned k;
		int n;

		for (k = 0; k < l->batch; k++) {
			if (!l->rx[k])
				l->rx[k] = tern_pkt_alloc(&net->pool, 0);
			if (!l->rx[k])
				break;
			rx[k].buf = l->rx[k]->data;
			rx[k].cap = l->rx[k]->cap;
			rx[k].len = 0;
		}
		if (k == 0) {
			net->stats.rx_nobuf++;
			set_rx_paused(l, i, true);
			break;
		}
		set_rx_paused(l, i, false);
		l->recv_calls++;
		n = tern_netdev_recv(dev, rx, k);
		if (n < 0)
			l->rx_errors++;
		if (n <= 0)
			break;
		for (int j = 0; j < n; j++) {
			struct tern_pkt *pkt = l->rx[j];

			l->rx[j] = NULL;
			pkt->len = (uint32_t)rx[j].len;
			pkt->rx_flags = (uint16_t)rx[j].flags;
			tern_net_input(net, i, pkt, now);
		}
		total += n;
		if ((unsigned)n < k)
			break;
	}
	return total;
}

/* The poller's next deadline: "now" while an interface is paused and the
 * pool has a buffer again (freed by a timer or a fiber since the last
 * poll), so the loop polls it once more before sleeping; otherwise none
 * (the stack's own deadlines are on the wheel). */
static uint64_t poll_deadline(struct tern_poller *p)
{
	struct tern_net_loop *l = p->ctx;

	if (l->rx_paused_count && l->net->pool.used < l->net->pool.count)
		return 0;
	return TERN_NO_DEADLINE;
}

static int poll_cb(struct tern_poller *p, uint64_t now)
{
	struct tern_net_loop *l = p->ctx;
	struct tern_net *net = l->net;
	int total = 0;

	l->polls++;
	tern_net_batch_begin(net);
	for (unsigned i = 0; i < tern_net_if_count(net); i++)
		total += poll_if(l, i, now);
	if (now >= tern_net_next_deadline(net))
		tern_net_timers(net, now);
	tern_net_batch_end(net);
	rearm(l);
	return total;
}

int tern_net_loop_start(struct tern_net_loop *l, struct tern_net *net,
			struct tern_sched *s)
{
	memset(l, 0, sizeof(*l));
	l->net = net;
	l->sched = s;
	/* Hold at most a quarter of the pool as empty receive buffers. */
	l->batch = TERN_MIN((unsigned)TERN_NET_RX_BATCH,
			    TERN_MAX(1u, net->pool.count / 4));
	tern_list_init(&l->poller.link);
	l->poller.poll = poll_cb;
	l->poller.next_deadline = poll_deadline;
	l->poller.ctx = l;
	tern_timer_init(&l->timer, timer_fired, l);
	tern_sched_add_poller(s, &l->poller);
	l->started = true;
	rearm(l);
	return 0;
}

void tern_net_loop_stop(struct tern_net_loop *l)
{
	if (!l->started)
		return;
	tern_sched_remove_poller(l->sched, &l->poller);
	tern_timer_cancel(tern_sched_wheel(l->sched), &l->timer);
	for (unsigned i = 0; i < tern_net_if_count(l->net); i++)
		set_rx_paused(l, i, false);
	for (unsigned i = 0; i < TERN_NET_RX_BATCH; i++) {
		tern_pkt_free(l->rx[i]);
		l->rx[i] = NULL;
	}
	l->started = false;
}

/* ---- Blocking UDP sockets ---------------------------------------------- */

static void usock_notify(struct tern_udp *u, void *ctx)
{
	struct tern_usock *s = ctx;

	(void)u;
	tern_waitq_wake_all(s->loop->sched, &s->readers);
}

int tern_usock_open(struct tern_net_loop *l, struct tern_usock *s)
{
	memset(s, 0, sizeof(*s));
	s->loop = l;
	tern_waitq_init(&s->readers);
	tern_udp_open(l->net, &s->udp);
	tern_udp_set_notify(&s->udp, usock_notify, s);
	return 0;
}

int tern_usock_wait(struct tern_usock *s, uint64_t deadline)
{
	while (!tern_udp_readable(&s->udp)) {
		if (s->closed)
			return -TERN_ECANCELED;
		if (tern_waitq_wait(s->loop->sched, &s->readers, deadline) ==
		    -TERN_ETIMEDOUT)
			return tern_udp_readable(&s->udp) ? 0 : -TERN_ETIMEDOUT;
	}
	return 0;
}

int tern_usock_recvfrom(struct tern_usock *s, void *buf, size_t cap,
			struct tern_udp_meta *meta, uint64_t deadline)
{
	int err = tern_usock_wait(s, deadline);

	if (err < 0)
		return err;
	return tern_udp_recvfrom(&s->udp, buf, cap, meta);
}

int tern_usock_sendto(struct tern_usock *s, uint32_t dst, uint16_t dport,
		      const void *data, size_t len)
{
	return tern_udp_sendto(&s->udp, dst, dport, data, len,
			       tern_net_loop_now(s->loop));
}

int tern_usock_send(struct tern_usock *s, const void *data, size_t len)
{
	return tern_udp_send(&s->udp, data, len, tern_net_loop_now(s->loop));
}

void tern_usock_close(struct tern_usock *s)
{
	tern_udp_close(&s->udp);
	s->closed = true;
	tern_waitq_wake_all(s->loop->sched, &s->readers);
}

/* ---- Sans-I/O cores on a UDP socket ------------------------------------ */

void tern_ucore_run(struct tern_ucore *u, uint64_t now)
{
	bool more = false;
	uint64_t next;

	for (int i = 0; i < TERN_UCORE_RX_PER_TURN; i++) {
		struct tern_udp_meta meta;
		int n = tern_udp_recvfrom(&u->udp, u->rx_buf, u->rx_cap, &meta);

		if (n == -TERN_EAGAIN)
			break;
		more = i == TERN_UCORE_RX_PER_TURN - 1;
		if (n < 0)
			continue; /* an error reported once; go on */
		u->ops->input(u->ctx, &meta, u->rx_buf, (size_t)n, now);
	}
	next = u->ops->tick(u->ctx, now);
	/* TERN_NO_DEADLINE disarms. */
	tern_timer_arm(tern_sched_wheel(u->loop->sched), &u->timer,
		       more ? now : next);
}

static void ucore_fired(struct tern_timer *t, uint64_t now)
{
	tern_ucore_run(t->ctx, now);
}

/* From inside the stack: only pull the timer to now. */
static void ucore_notify(struct tern_udp *s, void *ctx)
{
	struct tern_ucore *u = ctx;

	(void)s;
	tern_timer_arm(tern_sched_wheel(u->loop->sched), &u->timer,
		       tern_sched_now(u->loop->sched));
}

int tern_ucore_open(struct tern_net_loop *l, struct tern_ucore *u,
		    const struct tern_ucore_ops *ops, void *ctx,
		    uint8_t *rx_buf, size_t rx_cap)
{
	memset(u, 0, sizeof(*u));
	u->loop = l;
	u->ops = ops;
	u->ctx = ctx;
	u->rx_buf = rx_buf;
	u->rx_cap = rx_cap;
	tern_udp_open(l->net, &u->udp);
	tern_udp_set_notify(&u->udp, ucore_notify, u);
	tern_timer_init(&u->timer, ucore_fired, u);
	return 0;
}

void tern_ucore_close(struct tern_ucore *u)
{
	tern_udp_close(&u->udp);
	tern_timer_cancel(tern_sched_wheel(u->loop->sched), &u->timer);
}

/* ---- Blocking ping sockets --------------------------------------------- */

static void uping_notify(struct tern_ping *ping, void *ctx)
{
	struct tern_uping *p = ctx;

	(void)ping;
	tern_waitq_wake_all(p->loop->sched, &p->readers);
}

int tern_uping_open(struct tern_net_loop *l, struct tern_uping *p, uint16_t id)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->loop = l;
	tern_waitq_init(&p->readers);
	err = tern_ping_open(l->net, &p->ping, id);
	if (err < 0)
		return err;
	tern_ping_set_notify(&p->ping, uping_notify, p);
	return 0;
}

int tern_uping_send(struct tern_uping *p, uint32_t dst, uint16_t seq,
		    const void *data, size_t len)
{
	return tern_ping_send(&p->ping, dst, seq, data, len,
			      tern_net_loop_now(p->loop));
}

int tern_uping_recv(struct tern_uping *p, void *buf, size_t cap,
		    struct tern_ping_reply *r, uint64_t deadline)
{
	while (!tern_ping_readable(&p->ping)) {
		if (p->closed)
			return -TERN_ECANCELED;
		if (tern_waitq_wait(p->loop->sched, &p->readers, deadline) ==
			    -TERN_ETIMEDOUT &&
		    !tern_ping_readable(&p->ping))
			return -TERN_ETIMEDOUT;
	}
	return tern_ping_recv(&p->ping, buf, cap, r);
}

void tern_uping_close(struct tern_uping *p)
{
	tern_ping_close(&p->ping);
	p->closed = true;
	tern_waitq_wake_all(p->loop->sched, &p->readers);
}

/* ---- Blocking TCP sockets ---------------------------------------------- */

static void tsock_notify(struct tern_tcp *c, unsigned events, void *ctx)
{
	struct tern_tsock *s = ctx;

	(void)c;
	if (events & (TERN_TCP_EV_READ | TERN_TCP_EV_STATE))
		tern_waitq_wake_all(s->loop->sched, &s->readers);
	if (events & (TERN_TCP_EV_WRITE | TERN_TCP_EV_STATE))
		tern_waitq_wake_all(s->loop->sched, &s->writers);
	if (s->watch)
		tern_waitq_wake_all(s->loop->sched, s->watch);
}

/* Fills every revents; returns how many are non-zero. */
static int poll_scan(struct tern_tsock_poll *set, unsigned n)
{
	int ready = 0;

	for (unsigned i = 0; i < n; i++) {
		struct tern_tsock *s = set[i].sock;
		unsigned ev = s->tcp ? tern_tcp_ready(s->tcp)
				     : TERN_TCP_EV_STATE;

		set[i].revents = ev & (set[i].events | TERN_TCP_EV_STATE);
		if (ev & TERN_TCP_EV_STATE)
			set[i].revents |= ev & TERN_TCP_EV_READ;
		if (set[i].revents)
			ready++;
	}
	return ready;
}

int tern_tsock_poll(struct tern_tsock_poll *set, unsigned n, uint64_t deadline)
{
	struct tern_waitq q;
	int ready;

	tern_waitq_init(&q);
	while ((ready = poll_scan(set, n)) == 0) {
		struct tern_sched *sched = NULL;
		int err;

		for (unsigned i = 0; i < n; i++) {
			TERN_ASSERT(!set[i].sock->watch);
			set[i].sock->watch = &q;
			sched = set[i].sock->loop->sched;
		}
		if (!sched)
			return 0;
		err = tern_waitq_wait(sched, &q, deadline);
		for (unsigned i = 0; i < n; i++)
			set[i].sock->watch = NULL;
		if (err == -TERN_ETIMEDOUT)
			return poll_scan(set, n);
	}
	return ready;
}

/* Makes s the fiber side of core connection c. */
static void tsock_attach(struct tern_net_loop *l, struct tern_tsock *s,
			 struct tern_tcp *c)
{
	memset(s, 0, sizeof(*s));
	s->loop = l;
	s->tcp = c;
	tern_waitq_init(&s->readers);
	tern_waitq_init(&s->writers);
	tern_tcp_set_notify(c, tsock_notify, s);
}

int tern_tsock_listen(struct tern_net_loop *l, struct tern_tsock *s,
		      uint32_t addr, uint16_t port, unsigned backlog)
{
	struct tern_tcp *c;
	int err = tern_tcp_listen(l->net, addr, port, backlog, &c);

	if (err < 0)
		return err;
	tsock_attach(l, s, c);
	return 0;
}

/* Waits on q until deadline; -TERN_ECANCELED if s was closed meanwhile. */
static int tsock_wait(struct tern_tsock *s, struct tern_waitq *q,
		      uint64_t deadline)
{
	int err = tern_waitq_wait(s->loop->sched, q, deadline);

	if (!s->tcp)
		return -TERN_ECANCELED;
	return err == -TERN_ETIMEDOUT ? err : 0;
}

int tern_tsock_accept(struct tern_tsock *s, struct tern_tsock *out,
		      uint64_t deadline)
{
	for (;;) {
		struct tern_tcp *c;
		int err;

		if (!s->tcp)
			return -TERN_ECANCELED;
		err = tern_tcp_accept(s->tcp, &c);
		if (err == 0) {
			tsock_attach(s->loop, out, c);
			return 0;
		}
		if (err != -TERN_EAGAIN)
			return err;
		err = tsock_wait(s, &s->readers, deadline);
		if (err < 0)
			return err;
	}
}

int tern_tsock_connect(struct tern_net_loop *l, struct tern_tsock *s,
		       uint32_t dst, uint16_t dport, uint64_t deadline)
{
	struct tern_tcp *c;
	int err =
		tern_tcp_connect(l->net, dst, dport, tern_net_loop_now(l), &c);

	if (err < 0)
		return err;
	tsock_attach(l, s, c);
	while (tern_tcp_state(c) == TERN_TCP_SYN_SENT ||
	       tern_tcp_state(c) == TERN_TCP_SYN_RECEIVED) {
		err = tsock_wait(s, &s->writers, deadline);
		if (err == -TERN_ETIMEDOUT) {
			tern_tsock_abort(s);
			return err;
		}
	}
	err = tern_tcp_error(c);
	if (err < 0) {
		tern_tsock_close(s);
		return err;
	}
	return 0;
}

int tern_tsock_read(struct tern_tsock *s, void *buf, size_t cap,
		    uint64_t deadline)
{
	for (;;) {
		int n, err;

		if (!s->tcp)
			return -TERN_ECANCELED;
		n = tern_tcp_recv(s->tcp, buf, cap, tern_net_loop_now(s->loop));
		if (n != -TERN_EAGAIN)
			return n;
		err = tsock_wait(s, &s->readers, deadline);
		if (err < 0)
			return err;
	}
}

int tern_tsock_read_full(struct tern_tsock *s, void *buf, size_t len,
			 uint64_t deadline)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		int n = tern_tsock_read(s, p + got, len - got, deadline);

		if (n < 0)
			return got ? (int)got : n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int)got;
}

int tern_tsock_writev(struct tern_tsock *s, const struct tern_iov *iov,
		      unsigned n, uint64_t deadline)
{
	struct tern_iov left[TERN_TSOCK_IOV_MAX];
	unsigned first = 0;
	size_t total = 0;

	if (n > TERN_TSOCK_IOV_MAX)
		return -TERN_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		left[i] = iov[i];
		total += iov[i].len;
	}
	if (total > (size_t)INT32_MAX)
		return -TERN_EINVAL;
	while (first < n) {
		int got, err;

		if (!s->tcp)
			return -TERN_ECANCELED;
		got = tern_tcp_sendv(s->tcp, left + first, n - first,
				     tern_net_loop_now(s->loop));
		if (got == -TERN_EAGAIN) {
			err = tsock_wait(s, &s->writers, deadline);
			if (err < 0)
				return err;
			continue;
		}
		if (got < 0)
			return got;
		/* Drop what was taken: whole pieces, then part of one. */
		for (size_t taken = (size_t)got; first < n; first++) {
			if (taken < left[first].len) {
				left[first].base =
					(const uint8_t *)left[first].base +
					taken;
				left[first].len -= taken;
				break;
			}
			taken -= left[first].len;
		}
	}
	return (int)total;
}

int tern_tsock_write(struct tern_tsock *s, const void *data, size_t len,
		     uint64_t deadline)
{
	struct tern_iov piece = { data, len };

	return tern_tsock_writev(s, &piece, 1, deadline);
}

int tern_tsock_wait_writable(struct tern_tsock *s, uint64_t deadline)
{
	for (;;) {
		size_t room;
		int err;

		if (!s->tcp)
			return -TERN_ECANCELED;
		err = tern_tcp_error(s->tcp);
		if (err)
			return err;
		room = tern_tcp_writable(s->tcp);
		if (room)
			return (int)TERN_MIN(room, (size_t)INT32_MAX);
		if (!(tern_tcp_ready(s->tcp) & TERN_TCP_EV_WRITE))
			err = tsock_wait(s, &s->writers, deadline);
		else
			err = -TERN_EPIPE; /* ready, yet no room: cannot send */
		if (err < 0)
			return err;
	}
}

int tern_tsock_shutdown(struct tern_tsock *s)
{
	if (!s->tcp)
		return -TERN_ENOTCONN;
	return tern_tcp_shutdown(s->tcp, tern_net_loop_now(s->loop));
}

int tern_tsock_close_wait(struct tern_tsock *s, uint64_t deadline)
{
	uint8_t sink[512];
	int n;

	if (s->tcp)
		tern_tcp_shutdown(s->tcp, tern_net_loop_now(s->loop));
	do
		n = tern_tsock_read(s, sink, sizeof(sink), deadline);
	while (n > 0);
	tern_tsock_close(s);
	return n == -TERN_ETIMEDOUT ? n : 0;
}

/* Releases the core handle with fn and wakes every waiter. */
static void tsock_release(struct tern_tsock *s,
			  void (*fn)(struct tern_tcp *, uint64_t))
{
	if (!s->tcp)
		return;
	fn(s->tcp, tern_net_loop_now(s->loop));
	s->tcp = NULL;
	tern_waitq_wake_all(s->loop->sched, &s->readers);
	tern_waitq_wake_all(s->loop->sched, &s->writers);
	if (s->watch)
		tern_waitq_wake_all(s->loop->sched, s->watch);
}

void tern_tsock_close(struct tern_tsock *s)
{
	tsock_release(s, tern_tcp_close);
}

void tern_tsock_abort(struct tern_tsock *s)
{
	tsock_release(s, tern_tcp_abort);
}
