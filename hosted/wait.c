/*
 * wait.c - tern_wait() on Linux: ppoll() over the registered wake sources'
 * file descriptors until the earliest deadline, or, under the virtual clock,
 * a jump of the clock to that deadline.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "tern/hosted.h"

#define MAX_FDS 64

static struct tern_list wakers = TERN_LIST_INIT(wakers);
static volatile sig_atomic_t stop_flag;

void tern_hosted_waker_add(struct tern_waker *w)
{
	tern_list_add_tail(&wakers, &w->link);
}

void tern_hosted_waker_remove(struct tern_waker *w)
{
	if (w->link.next && tern_list_linked(&w->link))
		tern_list_del_init(&w->link);
}

/* The earliest of deadline and every waker's next-work time; counts the
 * file descriptors to poll into fds. */
static uint64_t earliest(uint64_t deadline, struct pollfd *fds, nfds_t *nfds)
{
	*nfds = 0;
	tern_list_for_each(it, &wakers) {
		struct tern_waker *w =
			tern_list_entry(it, struct tern_waker, link);

		if (w->paused)
			continue;
		if (w->next) {
			uint64_t t = w->next(w);
			if (t < deadline)
				deadline = t;
		}
		if (w->fd >= 0 && *nfds < MAX_FDS) {
			fds[*nfds].fd = w->fd;
			fds[*nfds].events = POLLIN;
			fds[*nfds].revents = 0;
			(*nfds)++;
		}
	}
	return deadline;
}

int tern_wait(uint64_t deadline)
{
	struct pollfd fds[MAX_FDS];
	struct timespec ts, *timeout = NULL;
	uint64_t now = tern_clock_monotonic();
	nfds_t nfds;

	if (stop_flag)
		return 0;
	deadline = earliest(deadline, fds, &nfds);
	if (deadline <= now)
		return 0;
	if (tern_hosted_clock_is_virtual()) {
		/* Real descriptors still count: one that is readable now wins;
		 * otherwise time jumps, since nothing else can happen first. */
		if (nfds && poll(fds, nfds, 0) > 0)
			return 0;
		if (deadline == TERN_NO_DEADLINE)
			return nfds ? 0 : -TERN_EDEADLK;
		tern_hosted_clock_set(deadline);
		return 0;
	}
	if (deadline != TERN_NO_DEADLINE) {
		uint64_t d = deadline - now;
		ts.tv_sec = (time_t)(d / TERN_NSEC_PER_SEC);
		ts.tv_nsec = (long)(d % TERN_NSEC_PER_SEC);
		timeout = &ts;
	} else if (nfds == 0) {
		return -TERN_EDEADLK;
	}
	if (ppoll(fds, nfds, timeout, NULL) < 0 && errno != EINTR)
		return -TERN_EIO;
	return 0;
}

bool tern_stop_requested(void)
{
	return stop_flag != 0;
}

void tern_stop_clear(void)
{
	stop_flag = 0;
}

void tern_hosted_request_stop(bool stop)
{
	stop_flag = stop;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void tern_hosted_handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
