/*
 * loop.c - the event loop: batches of ready fibers, pollers, timers, and
 * tern_wait() when there is nothing to do (the turn is described in
 * tern/sched.h).
 */
#include "sched_int.h"

#include <string.h>

#include "tern/assert.h"

void tern_sched_init(struct tern_sched *s)
{
	memset(s, 0, sizeof(*s));
	s->now = tern_clock_monotonic();
	tern_wheel_init(&s->wheel, s->now, TERN_SCHED_TICK_SHIFT);
	tern_list_init(&s->ready);
	tern_list_init(&s->batch);
	tern_list_init(&s->pollers);
	tern_list_init(&s->zombies);
	tern_list_init(&s->stack_cache);
}

void tern_sched_add_poller(struct tern_sched *s, struct tern_poller *p)
{
	TERN_ASSERT(p->poll);
	tern_list_add_tail(&s->pollers, &p->link);
}

void tern_sched_remove_poller(struct tern_sched *s, struct tern_poller *p)
{
	if (!p->link.next || !tern_list_linked(&p->link))
		return;
	if (s->poll_next == &p->link)
		s->poll_next = p->link.next;
	tern_list_del_init(&p->link);
}

/* Calls every poller once. The cursor lives in s so that a poller may remove
 * any poller, itself or the next one, while we iterate. Returns the total
 * progress reported. */
static unsigned poll_all(struct tern_sched *s)
{
	struct tern_list *it = s->pollers.next;
	unsigned progress = 0;

	while (it != &s->pollers) {
		struct tern_poller *p =
			tern_list_entry(it, struct tern_poller, link);
		int r;

		s->poll_next = it->next;
		r = p->poll(p, s->now);
		if (r > 0)
			progress += (unsigned)r;
		it = s->poll_next;
	}
	s->poll_next = NULL;
	return progress;
}

/* The earliest time anything in the loop wants to run. */
static uint64_t next_deadline(const struct tern_sched *s)
{
	uint64_t d = tern_wheel_next(&s->wheel);

	tern_list_for_each(it, &s->pollers) {
		struct tern_poller *p =
			tern_list_entry(it, struct tern_poller, link);

		if (p->next_deadline) {
			uint64_t pd = p->next_deadline(p);

			if (pd < d)
				d = pd;
		}
	}
	return d;
}

int tern_sched_run(struct tern_sched *s)
{
	int rc;

	TERN_ASSERT(!s->running && !s->current);
	s->running = true;
	for (;;) {
		uint64_t now;
		unsigned progress;

		s->turns++;
		tern_sched_run_batch(s);
		tern_sched_reap(s);
		now = tern_clock_monotonic();
		if (now > s->now)
			s->now = now;
		progress = poll_all(s);
		tern_wheel_expire(&s->wheel, s->now);
		if (s->live == 0) {
			rc = 0;
			break;
		}
		if (s->stopping || tern_stop_requested()) {
			rc = -TERN_ECANCELED;
			break;
		}
		if (!tern_list_empty(&s->ready) || progress > 0)
			continue;
		rc = tern_wait(next_deadline(s));
		if (rc < 0)
			break;
	}
	s->stopping = false;
	s->running = false;
	return rc;
}

void tern_sched_stop(struct tern_sched *s)
{
	s->stopping = true;
}
