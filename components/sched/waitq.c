/*
 * waitq.c - wait queues: a FIFO of blocked fibers, with an optional timeout
 * through the fiber's own timer.
 *
 * A waiting fiber is on the queue (through its link) and, with a deadline,
 * its timer is armed. Whichever comes first - a wake-up or the timer - takes
 * it off both: a wake-up cancels the timer, the timer unlinks it from the
 * queue. So the two can never both count, in any order within a turn.
 */
#include "sched_int.h"

#include "tern/assert.h"

int tern_waitq_wait(struct tern_sched *s, struct tern_waitq *q,
		    uint64_t deadline)
{
	struct tern_fiber *self = s->current;

	TERN_ASSERT(self);
	self->wait_result = 0;
	tern_list_add_tail(&q->waiters, &self->link);
	tern_timer_arm(&s->wheel, &self->timer, deadline);
	tern_sched_block(s);
	return self->wait_result;
}

bool tern_waitq_wake_one(struct tern_sched *s, struct tern_waitq *q)
{
	struct tern_list *node = tern_list_pop(&q->waiters);
	struct tern_fiber *f;

	if (!node)
		return false;
	f = tern_list_entry(node, struct tern_fiber, link);
	tern_timer_cancel(&s->wheel, &f->timer);
	f->wait_result = 0;
	tern_sched_make_ready(s, f);
	return true;
}

unsigned tern_waitq_wake_all(struct tern_sched *s, struct tern_waitq *q)
{
	unsigned n = 0;

	while (tern_waitq_wake_one(s, q))
		n++;
	return n;
}
