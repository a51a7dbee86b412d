/*
 * pd_time.c - virtual time for the shim: packetdrill's usleep and
 * gettimeofday, and the loop that moves the stack through its deadlines.
 *
 * packetdrill sleeps until 20 us before an event and then spins on
 * gettimeofday until the event's time, so every gettimeofday moves the
 * clock on by 1 us: the spin ends, and a script drifts by a few
 * microseconds per event, far inside packetdrill's 4 ms tolerance.
 */
#include "pd.h"

#include "tern/hosted.h"

uint64_t pd_now(void)
{
	return tern_clock_monotonic();
}

void pd_advance(struct pd *pd, uint64_t t)
{
	for (unsigned i = 0; i < PD_STEPS_MAX; i++) {
		uint64_t d = tern_net_next_deadline(&pd->net);

		if (d > t)
			break;
		tern_hosted_clock_set(d);
		tern_net_timers(&pd->net, pd_now());
		pd_arp_answer(pd);
	}
	tern_hosted_clock_set(t);
	tern_net_timers(&pd->net, pd_now());
	pd_arp_answer(pd);
}

bool pd_wait(struct pd *pd, uint64_t t, bool (*ready)(struct pd *, void *),
	     void *arg)
{
	for (unsigned i = 0; i < PD_STEPS_MAX; i++) {
		uint64_t d;

		if (ready(pd, arg))
			return true;
		d = tern_net_next_deadline(&pd->net);
		if (d == TERN_NO_DEADLINE && t == TERN_NO_DEADLINE)
			return false;
		if (d >= t) {
			pd_advance(pd, t);
			return ready(pd, arg);
		}
		pd_advance(pd, d > pd_now() ? d : pd_now());
	}
	return ready(pd, arg);
}

/* Sleeps usec of virtual time. Returns 0. */
int pd_usleep(void *userdata, useconds_t usec)
{
	struct pd *pd = userdata;

	pthread_mutex_lock(&pd->lock);
	pd_advance(pd, pd_now() + (uint64_t)usec * TERN_NSEC_PER_USEC);
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

/* Reads the virtual monotonic clock (netdev_receive stamps packets on
 * the same scale) and moves it on by 1 us. tz is ignored. Returns 0. */
int pd_gettimeofday(void *userdata, struct timeval *tv, struct timezone *tz)
{
	struct pd *pd = userdata;
	uint64_t us;

	(void)tz;
	pthread_mutex_lock(&pd->lock);
	us = pd_now() / TERN_NSEC_PER_USEC;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	pd_advance(pd, pd_now() + TERN_NSEC_PER_USEC);
	pthread_mutex_unlock(&pd->lock);
	return 0;
}
